"""dbt's fixed cost: the vars that change on every run do not make dbt re-parse the project.

`pipemon.dbt` passes as_of, monitor_lookback_days and monitor_open_dates in PIPEMON_RUN_VARS,
read only while executing (macros/pipemon_run_var.sql), so the partial-parse state written by
one run serves the next run's new moment; the moment still reaches the SQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipemon import dbt


def _parsed_paths(target: Path) -> int:
    return int(json.loads((target / "perf_info.json").read_text())["parsed_path_count"])


def test_a_new_as_of_reuses_the_parse_and_still_reaches_the_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "parse.duckdb"))
    target = tmp_path / "target"
    first = dbt.invoke(
        ["parse"],
        vars_={"as_of": "2026-01-27 13:00:00", "monitor_lookback_days": 3},
        extra=["--target-path", str(target)],
    )
    assert first.success, first.exception
    assert _parsed_paths(target) > 100  # nothing saved yet: the whole project was parsed

    new_moment = {"as_of": "2026-02-03 13:00:00", "monitor_lookback_days": 5}
    second = dbt.invoke(["parse"], vars_=new_moment, extra=["--target-path", str(target)])
    assert second.success, second.exception
    assert _parsed_paths(target) == 0  # partial parse: no file parsed again

    sql = "select {{ pipemon_as_of() }} as a, {{ pipemon_judged_start_date() }} as b"
    compiled = dbt.invoke(
        ["compile", "--inline", sql], vars_=new_moment, extra=["--target-path", str(target)]
    )
    assert compiled.success, compiled.exception
    text = compiled.results[0].node.compiled_code
    assert "2026-02-03 13:00:00" in text and "2026-01-27" not in text
    assert "-4" in text.replace(" ", "")  # 1 - 5 days back from as_of's ET date
