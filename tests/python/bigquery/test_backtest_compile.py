"""`pipemon backtest` on BigQuery reads each pipeline table as it stood, in place: every staging
read of a contract table, compiled offline for the real `bigquery` target with var
`read_as_of`, filters the table on its declared write-time column (never a copy) and parses as
BigQuery SQL."""

from __future__ import annotations

import sqlglot
import yaml

from bigquery.projects import (
    compiled_sql,
    copy_project,
    offline_bigquery_output,
    run_dbt,
    write_profiles,
)

REPO_STAGING = "models/staging"
AS_OF = "2025-12-13 13:00:00"


def _written_at(project) -> dict[str, str]:
    out = {}
    for path in (project / REPO_STAGING).glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables") or []:
                meta = (table.get("config") or {}).get("meta") or {}
                if meta.get("written_at"):
                    out[table["name"]] = meta["written_at"]
    return out


def test_a_backtest_reads_every_contract_table_as_it_stood(tmp_path):
    project = copy_project(tmp_path / "project")
    profiles = write_profiles(tmp_path / "profiles", {"bigquery": offline_bigquery_output()})
    run = run_dbt(
        ["compile"],
        project_dir=project,
        profiles_dir=profiles,
        target="bigquery",
        target_path=tmp_path / "target",
        vars_={"offline_incremental": True, "read_as_of": True, "as_of": AS_OF},
        extra=["--select", "path:models/staging"],
        global_flags=["--no-populate-cache"],
    )
    assert run.exception is None and run.success
    written_at = _written_at(project)
    assert len(written_at) == 16
    sql = {uid.split(".")[-1]: text for uid, text in compiled_sql(run).items()}
    cut = f"> cast('{AS_OF}' as timestamp)"
    seen = set()
    for model, text in sql.items():
        for table, column in written_at.items():
            if f"`{table}`" not in text:
                continue
            seen.add(table)
            assert f"`{column}` {cut}" in text, f"{model} reads {table} past as_of"
        assert [s for s in sqlglot.parse(text, read="bigquery") if s is not None], model
    assert seen == set(written_at)
    # the schedule, rewritten in place by each load, keeps a later row as it stood: not final
    (schedule,) = [t for m, t in sql.items() if m == "base_raw__schedule_snapshots"]
    assert (
        "replace (case when `processed_at`" in schedule and "then 1 else `game_status`" in schedule
    )
