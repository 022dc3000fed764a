"""Every check an alert can come from has its runbook page, and every page names its check."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).parents[3]
RUNBOOKS = REPO / "docs" / "runbooks"


def alert_tests() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "models").rglob("*.yml"):
        doc = yaml.safe_load(path.read_text()) or {}
        for model in doc.get("models") or []:
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "alert_when" in test:
                    names.add(test["alert_when"]["name"])
    for path in (REPO / "tests").glob("*/*.sql"):
        if path.parent.name != "generic" and "'runbook'" in path.read_text():
            names.add(path.stem)
    return names


def test_every_alert_test_has_a_runbook_page():
    tests = alert_tests()
    assert len(tests) >= 20
    pages = {p.stem for p in RUNBOOKS.glob("*.md")} - {"README"}
    assert tests - pages == set(), "write docs/runbooks/<test>.md"
    assert pages - tests == {"monitoring", "source_freshness"}, "a page for no check"
    index = (RUNBOOKS / "README.md").read_text()
    for name in pages:
        text = (RUNBOOKS / f"{name}.md").read_text()
        assert f"({name}.md)" in index
        if name in tests:
            assert f"`{name}`" in text.splitlines()[0]
            assert re.search(r"pipemon (show|run --select)", text)
