"""Schema drift: a contract table that loses a column or changes a column's type fails the
drift test, which names the table and the column (real dbt on DuckDB)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from pipemon import dbt
from session_cache import contract_tables, copy_duckdb, parsed_manifest


def _drift_rows(tmp_path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    target = tmp_path / "target"
    vars_ = {"as_of": "2026-01-10 15:00:00"}
    outcome = dbt.invoke(
        ["test"],
        target="local",
        vars_=vars_,
        extra=["--select", "assert_source_schema_matches_contract", "--target-path", str(target)],
        # one parse for both runs: the test reads the columns when it is compiled, not parsed
        manifest=parsed_manifest(Path(os.environ["PIPEMON_DUCKDB_PATH"]), vars_),
    )
    assert outcome.exception is None, outcome.exception
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"].startswith("test.")]
    if result["status"] == "pass":
        return "pass", []
    con = duckdb.connect(os.environ["PIPEMON_DUCKDB_PATH"])
    try:
        rows = con.execute(
            f"select target, column_name, problem from {result['relation_name']} order by 1, 2"
        ).fetchall()
    finally:
        con.close()
    return result["status"], [(str(a), str(b), str(c)) for a, b, c in rows]


def test_lost_and_retyped_columns_are_named(tmp_path: Path) -> None:
    warehouse = tmp_path / "drift.duckdb"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    copy_duckdb(contract_tables("planned"), warehouse)  # ensure_contract_tables, once a session
    assert _drift_rows(tmp_path / "before") == ("pass", [])

    con = duckdb.connect(str(warehouse))
    con.execute(
        "alter table nba_orchestration.processor_execution_log drop column pubsub_message_id"
    )
    con.execute("alter table nba_raw.nbac_schedule alter column game_status type varchar")
    con.close()

    status, rows = _drift_rows(tmp_path / "after")
    assert status == "fail"
    assert rows == [
        ("nba_orchestration.processor_execution_log", "pubsub_message_id", "missing_column"),
        ("nba_raw.nbac_schedule", "game_status", "type_changed: expected INT64, found STRING"),
    ]
