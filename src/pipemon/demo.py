"""The demo: a generated season in the embedded warehouse, judged by the runner as of its last
morning, then answered by `pipemon status` and drawn by `pipemon report`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipemon import dbt, project


@dataclass
class BuildSummary:
    """What one `dbt build` did, read from its run_results.json."""

    models: int = 0
    tests_passed: int = 0
    failing: list[tuple[str, str, int]] = field(default_factory=list)  # (status, test, rows)
    errors: list[str] = field(default_factory=list)


def demo_vars(truth_path: Path) -> dict[str, Any]:
    """The dbt vars that judge a generated period from its own `as_of`, over its whole length."""
    return judging_vars(json.loads(truth_path.read_text()))


def judging_vars(truth: dict[str, Any]) -> dict[str, Any]:
    """`demo_vars` for an already-read ground truth."""
    days = (date.fromisoformat(truth["end"]) - date.fromisoformat(truth["start"])).days + 1
    return {
        "as_of": truth["as_of"],
        "monitor_lookback_days": days,
        "season_opening_date": truth["season_start"],
    }


def summarize_build(run_results: dict[str, Any] | None = None) -> BuildSummary:
    """Models built, tests passed, and the failing or warning tests of the last dbt build."""
    results = (run_results or dbt.load_run_results())["results"]
    summary = BuildSummary()
    for result in results:
        uid: str = result["unique_id"]
        status = result["status"]
        if uid.startswith("model."):
            summary.models += status == "success"
            if status == "error":
                summary.errors.append(f"{uid}: {result.get('message')}")
        elif uid.startswith(("test.", "unit_test.")):
            if status == "pass":
                summary.tests_passed += 1
            elif status in ("fail", "warn", "error"):
                summary.failing.append(
                    (status, uid.split(".")[2], int(result.get("failures") or 0))
                )
    return summary


def quarantine_counts(warehouse: Path) -> list[tuple[str, int, int, int, int]]:
    """Per source table: rows in, staged, superseded and quarantined."""
    from pipemon.warehouse import files

    rows = files.fetch(
        warehouse,
        "select source_table, rows_in, rows_staged, rows_superseded, rows_quarantined "
        "from monitoring_intermediate.int_source_rows_reconciled order by source_table",
    )
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def reset_warehouse(warehouse: Path) -> None:
    """A demo starts from an empty file, so every run shows the same thing."""
    for path in (
        warehouse,
        warehouse.with_name(warehouse.name + ".wal"),
        project.truth_path(warehouse),
    ):
        path.unlink(missing_ok=True)


def alert_file() -> Path:
    """Where the demo's local alert channel writes (config/alerts.yml, channel `local`)."""
    return Path(os.environ.get("PIPEMON_ALERT_FILE", "out/alerts.log")).resolve()
