"""The demo: a generated season in the embedded warehouse, built and judged by dbt."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipemon import dbt, project
from pipemon.generator import SEASON_END, SEASON_START, GenerationResult, generate


@dataclass
class BuildSummary:
    success: bool
    models: int = 0
    tests_passed: int = 0
    failing: list[tuple[str, str, int]] = field(default_factory=list)  # (status, test, rows)
    errors: list[str] = field(default_factory=list)


def demo_vars(truth_path: Path) -> dict[str, Any]:
    """The dbt vars that judge a generated period from its own `as_of`, over its whole length."""
    truth = json.loads(truth_path.read_text())
    from datetime import date

    days = (date.fromisoformat(truth["end"]) - date.fromisoformat(truth["start"])).days + 1
    return {"as_of": truth["as_of"], "monitor_lookback_days": days}


def build(vars_: dict[str, Any], full_refresh: bool = True) -> BuildSummary:
    """`dbt build` on the local target; a summary read from run_results.json."""
    extra = ["--full-refresh"] if full_refresh else []
    outcome = dbt.invoke(["build"], target="local", vars_=vars_, extra=extra)
    summary = BuildSummary(success=outcome.success)
    if outcome.exception is not None:
        summary.errors.append(str(outcome.exception))
        return summary
    results = dbt.load_run_results()["results"]
    for result in results:
        uid: str = result["unique_id"]
        status = result["status"]
        if uid.startswith("model."):
            summary.models += status == "success"
            if status == "error":
                summary.errors.append(f"{uid}: {result.get('message')}")
        elif uid.startswith("test.") or uid.startswith("unit_test."):
            if status == "pass":
                summary.tests_passed += 1
            elif status in ("fail", "warn", "error"):
                name = uid.split(".")[2]
                summary.failing.append((status, name, int(result.get("failures") or 0)))
    return summary


def quarantine_counts(warehouse: Path) -> list[tuple[str, int, int, int, int]]:
    con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute(
            "select source_table, rows_in, rows_staged, rows_superseded, rows_quarantined "
            "from monitoring_intermediate.int_source_rows_reconciled order by source_table"
        ).fetchall()
    finally:
        con.close()
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def run_demo(
    warehouse: Path | None = None,
    seed: int = 42,
    say: Callable[[str], None] = print,
) -> tuple[GenerationResult, BuildSummary]:
    """Generates the 2025-26 season with every incident kind and builds the project on it."""
    path = (warehouse or project.duckdb_path()).resolve()
    say(f"1/2 generating the {SEASON_START.year}-{SEASON_END.year % 100} season into {path} ...")
    generated = generate(path, SEASON_START, SEASON_END, seed=seed, incidents="all")
    say(f"    {sum(generated.row_counts.values()):,} rows in {generated.seconds:.1f} s")
    for table, count in sorted(generated.row_counts.items()):
        say(f"      {table:<50} {count:>9,}")
    vars_ = demo_vars(generated.truth_path)
    say(f"2/2 dbt build (as_of {vars_['as_of']} UTC, judging the last {vars_['monitor_lookback_days']} days) ...")
    summary = build(vars_)
    return generated, summary
