"""The whole project built through BigQuery's API on the local emulator (crucible).

One generated period with every incident kind: built on DuckDB as the reference, then copied
into contract tables created on the emulator by the project's own `create_contract_tables`, and
built there by dbt-bigquery (seeds, models, data tests, unit tests), then built again
incrementally. Both builds must catch exactly the failing (test, game_date, target) rows DuckDB
catches. Emulator gaps are worked around here, never in the product SQL (docs/bigquery.md).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bigquery.projects import DbtRun, copy_project, run_dbt
from bq_emulator import (
    bigquery_client,
    crucible_binary,
    running_emulator,
    write_emulator_profile,
)

pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.skipif(crucible_binary() is None, reason="crucible-emulator is not installed"),
]

START, DAYS = "2025-11-20", 40

# Emulator gap: dbt-bigquery's dynamic insert_overwrite is a script (`declare` / `set`), which the
# emulator cannot run. This replacement, used only in the test's project copy, replaces the same
# partitions in the same way (a MERGE deleting the touched partitions and inserting the new rows),
# with the partition list read first and inlined as literals.
EMULATOR_INSERT_OVERWRITE = """
{% macro bq_dynamic_insert_overwrite_sql(
    tmp_relation, target_relation, sql, unique_key, partition_by, dest_columns,
    tmp_relation_exists, copy_partitions
) %}
    {%- if not tmp_relation_exists -%}
        {%- call statement('emulator_create_tmp') -%}
            {{ bq_create_table_as(partition_by, True, tmp_relation, sql, 'sql') }}
        {%- endcall -%}
    {%- endif -%}
    {%- set partitions_sql -%}
        select distinct cast({{ partition_by.render_wrapped() }} as string) as p
        from {{ tmp_relation }} where {{ partition_by.render_wrapped() }} is not null
    {%- endset -%}
    {%- set partitions = run_query(partitions_sql).columns[0].values() -%}
    {%- set literals = [] -%}
    {%- for p in partitions -%}
        {%- do literals.append(partition_by.data_type ~ "('" ~ p ~ "')") -%}
    {%- endfor -%}
    {%- set predicate -%}
        {%- if literals -%}
        {{ partition_by.render_wrapped(alias='DBT_INTERNAL_DEST') }} in ({{ literals | join(', ') }})
        {%- else -%}
        false
        {%- endif -%}
    {%- endset -%}
    {{ get_insert_overwrite_merge_sql(target_relation, '(select * from ' ~ tmp_relation ~ ')', dest_columns, [predicate]) }};
    drop table if exists {{ tmp_relation }}
{% endmacro %}
"""


@dataclass
class EmulatorBuild:
    reference: Any  # conftest.BuiltSeason on DuckDB
    runs: dict[str, DbtRun]
    failing: dict[str, set[tuple[str, str, str]]]
    timings: dict[str, float] = field(default_factory=dict)
    loaded_rows: int = 0
    client: Any = None
    endpoint: str = ""
    project: Path | None = None
    profiles: Path | None = None
    target: Path | None = None


def _failing_rows(client: Any, run: DbtRun) -> set[tuple[str, str, str]]:
    rows = set()
    for result in run.run_results()["results"]:
        if not result["unique_id"].startswith("test.") or result["status"] not in ("fail", "warn"):
            continue
        relation = result.get("relation_name")
        if relation is None:  # a failing unit test: no stored rows, and never expected here
            rows.add((result["unique_id"], "unit test", result.get("message") or ""))
            continue
        name = result["unique_id"].split(".")[2]
        query = (
            f"select cast(game_date as string) as d, cast(target as string) as t from {relation}"
        )
        for row in client.query(query).result():
            rows.add((name, str(row["d"]), str(row["t"])))
    return rows


def _load_contract_tables(client: Any, warehouse: Path) -> int:
    """Copy every contract table from the DuckDB file to the emulator: CSV load jobs (the one load
    the emulator takes), JSON columns through a STRING staging table and `safe.parse_json`."""
    import duckdb
    from google.cloud import bigquery

    from bigquery.projects import REPO
    from pipemon.generator.contract import load_contract

    total = 0
    con = duckdb.connect(str(warehouse))
    try:
        for table in load_contract(REPO).values():
            names = [name for name, _ in table.columns]
            has_json = any(kind.upper() == "JSON" for _, kind in table.columns)
            schema = [
                bigquery.SchemaField(name, "STRING" if kind.upper() == "JSON" else kind.upper())
                for name, kind in table.columns
            ]
            select = ", ".join(f'"{name}"' for name in names)
            frame = con.execute(f"select {select} from {table.schema}.{table.name}").df()
            if frame.empty:
                continue
            buffer = io.BytesIO(frame.to_csv(index=False, header=False).encode())
            target = f"{client.project}.{table.schema}.{table.name}"
            load_into = f"{target}__csv" if has_json else target
            if has_json:
                client.create_table(bigquery.Table(load_into, schema=schema))
            config = bigquery.LoadJobConfig(schema=schema, source_format="CSV")
            client.load_table_from_file(buffer, load_into, job_config=config).result()
            if has_json:
                columns = ", ".join(f"`{n}`" for n in names)
                values = ", ".join(
                    f"safe.parse_json(`{n}`)" if k.upper() == "JSON" else f"`{n}`"
                    for n, k in table.columns
                )
                client.query(
                    f"insert into `{target}` ({columns}) select {values} from `{load_into}`"
                ).result()
                client.delete_table(load_into)
            total += len(frame)
    finally:
        con.close()
    return total


def _create_runner_tables(client: Any, dataset: str) -> None:
    """The runner's own tables (sources of the monitoring staging models), from its DDL."""
    from pipemon.warehouse.tables import TABLES, ddl

    for spec in TABLES.values():
        sql = ddl(spec, f"`{client.project}.{dataset}.{spec.name}`", "bigquery")
        client.query(sql).result()


@pytest.fixture(scope="module")
def emulator_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorBuild]:
    from conftest import build_season
    from pipemon.demo import demo_vars

    timings: dict[str, float] = {}
    began = time.perf_counter()
    reference = build_season(tmp_path_factory.mktemp("bq_reference"), "all", start=START, days=DAYS)
    timings["duckdb reference (generate + build)"] = time.perf_counter() - began
    truth_path = reference.warehouse.with_name(reference.warehouse.stem + ".truth.json")
    # Emulator gap: it refuses INFORMATION_SCHEMA, so the rows outside the window are counted with
    # a query there (pipemon_rows_outside_window); real BigQuery reads the partition metadata.
    vars_ = {**demo_vars(truth_path), "partition_metadata": False}

    base = tmp_path_factory.mktemp("bq_emulator")
    project = copy_project(
        base / "project",
        extra_macros={"emulator_insert_overwrite": EMULATOR_INSERT_OVERWRITE},
        # emulator gap: tables.patch of descriptions is not supported
        model_configs={"marts": {"+persist_docs": {"relation": False, "columns": False}}},
    )
    with running_emulator() as emu:
        client = bigquery_client(emu.endpoint, emu.project)
        profiles = base / "profiles"
        write_emulator_profile(profiles, emu.endpoint)
        common: dict[str, Any] = {
            "project_dir": project,
            "profiles_dir": profiles,
            "target": "bigquery_emulator",
            "vars_": vars_,
        }
        runs: dict[str, DbtRun] = {}

        step = time.perf_counter()
        # Emulator gap: it refuses OPTIONS(require_partition_filter, partition_expiration_days);
        # the DDL with them is parsed offline instead (test_contract_ddl_options_parse_offline).
        runs["create_contract_tables"] = run_dbt(
            ["run-operation", "create_contract_tables"],
            target_path=base / "target_ddl",
            **{**common, "vars_": {**vars_, "contract_table_options": False}},
        )
        assert runs["create_contract_tables"].success, runs["create_contract_tables"].exception
        client.create_dataset("monitoring", exists_ok=True)
        _create_runner_tables(client, "monitoring")
        timings["contract tables created"] = time.perf_counter() - step

        step = time.perf_counter()
        loaded = _load_contract_tables(client, reference.warehouse)
        timings[f"load {loaded} rows (CSV)"] = time.perf_counter() - step

        failing = {}
        for name, flags in (("full build", ["--full-refresh"]), ("incremental build", [])):
            step = time.perf_counter()
            run = run_dbt(["build"], target_path=base / "target", extra=flags, **common)
            runs[name] = run
            assert run.exception is None, f"{name} broke on the emulator: {run.exception}"
            failing[name] = _failing_rows(client, run)
            timings[name] = time.perf_counter() - step

        yield EmulatorBuild(
            reference,
            runs,
            failing,
            timings,
            loaded,
            client,
            emu.endpoint,
            project,
            profiles,
            base / "target",
        )
    for name, seconds in timings.items():
        print(f"emulator build: {name}: {seconds:.1f} s")


def _errors(run: DbtRun) -> list[str]:
    return [
        f"{r['unique_id']}: {(r.get('message') or '')[:300]}"
        for r in run.run_results()["results"]
        if r["status"] in ("error", "skipped", "runtime error")
    ]


@pytest.mark.parametrize("build", ["full build", "incremental build"])
def test_every_node_runs_on_the_emulator(emulator_build: EmulatorBuild, build: str) -> None:
    run = emulator_build.runs[build]
    assert not _errors(run)
    results = run.run_results()["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"seed", "model", "test", "unit_test"} <= kinds, kinds
    statuses = {r["unique_id"]: r["status"] for r in results}
    unit_tests = [uid for uid in statuses if uid.startswith("unit_test.")]
    assert unit_tests and all(statuses[uid] == "pass" for uid in unit_tests)
    reference = {r["unique_id"] for r in emulator_build.reference.run_results["results"]}
    assert set(statuses) == reference, set(statuses) ^ reference


def test_incremental_run_merged_into_existing_tables(emulator_build: EmulatorBuild) -> None:
    run = emulator_build.runs["incremental build"]
    manifest = run.manifest()
    client = emulator_build.client
    incremental = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    ]
    assert len(incremental) >= 2
    for node in incremental:
        executed = (run.target_path / "run" / "pipemon" / node["original_file_path"]).read_text()
        # a real incremental run: the touched partitions replaced by a MERGE, not a rebuild
        assert "when not matched by source" in executed.lower(), node["name"]
        assert "create or replace table" not in executed.lower().split("merge")[-1], node["name"]
        # and no row lost or doubled: the same rows as DuckDB's full build
        relation = node["relation_name"]
        count = next(iter(client.query(f"select count(*) as n from {relation}").result()))["n"]
        on_duckdb = emulator_build.reference.query(
            f"select count(*) from monitoring.{node['name']}"
        )[0][0]
        assert count == on_duckdb, (node["name"], count, on_duckdb)


@pytest.mark.parametrize("build", ["full build", "incremental build"])
def test_same_incidents_caught_as_on_duckdb(emulator_build: EmulatorBuild, build: str) -> None:
    on_duckdb = set(emulator_build.reference.failing_rows())
    assert on_duckdb, "the reference period caught nothing: the comparison would be empty"
    on_emulator = emulator_build.failing[build]
    assert on_emulator == on_duckdb, {
        "only on the emulator": sorted(on_emulator - on_duckdb)[:20],
        "only on DuckDB": sorted(on_duckdb - on_emulator)[:20],
    }


def test_every_generated_row_reached_the_emulator(emulator_build: EmulatorBuild) -> None:
    assert emulator_build.loaded_rows == sum(emulator_build.reference.generated_counts.values())


def test_runner_records_and_manages_incidents_on_the_emulator(
    emulator_build: EmulatorBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pipemon alert` on the emulator build: alert_log, monitor_runs, incident_events written
    through the runner's BigQuery code (MERGE, no UPDATE; literals instead of parameters);
    then `incidents`, `show`, `ack`, `close` read and write the same tables."""
    import datetime as dt

    from pipemon import runner
    from pipemon.alerts import manage
    from pipemon.warehouse import open_warehouse, resolve

    log = tmp_path / "alerts.log"
    config = tmp_path / "alerts.yml"
    config.write_text(
        f"channels:\n  log: {{url: 'file://{log}'}}\ndefault_channels: [log]\n"
        "limits: {digest_after: 1000}\n"
    )
    for name, value in {
        "PIPEMON_PROJECT_DIR": emulator_build.project,
        "DBT_PROFILES_DIR": emulator_build.profiles,
        "DBT_TARGET_PATH": emulator_build.target,
        "PIPEMON_BQ_API_ENDPOINT": emulator_build.endpoint,
        "PIPEMON_ALERTS_CONFIG": config,
        "PIPEMON_DUCKDB_PATH": tmp_path / "state.duckdb",  # lock and spool live beside it
    }.items():
        monkeypatch.setenv(name, str(value))
    report = runner.execute(runner.RunOptions(command="alert", target="bigquery_emulator"))
    assert report.exit_code == runner.EXIT_FAIL, [f.detail for f in report.findings]
    assert report.incidents_opened > 0 and report.sent == report.incidents_opened
    assert len(report.findings) > report.incidents_opened  # grouped by cause
    again = runner.execute(runner.RunOptions(command="alert", target="bigquery_emulator"))
    assert again.sent == 0 and again.suppressed == report.incidents_opened

    now = dt.datetime.now(dt.UTC)
    wh = open_warehouse(resolve("bigquery_emulator"))
    try:
        opened = manage.open_incidents(wh, now)
        assert len(opened) == report.incidents_opened
        first, second = opened[0], opened[1]
        assert "failing rows:" in manage.show(wh, first.incident_id, now)
        manage.ack(wh, first.incident_id, dt.timedelta(hours=2), "on it", now)
        manage.close(wh, second.incident_id, "known", now)
        after = {i.incident_id: i.status(now) for i in manage.open_incidents(wh, now)}
        runs = wh.query(f"select command, outcome, exit_code from {wh.table('monitor_runs')}")
        sent = wh.query(f"select count(*) as n from {wh.table('alert_log')} where status = 'sent'")
    finally:
        wh.close()
    assert after[first.incident_id] == "acked" and second.incident_id not in after
    assert sorted((r["command"], r["outcome"], r["exit_code"]) for r in runs) == [
        ("alert", "fail", 2),
        ("alert", "fail", 2),
    ]
    assert sent == [{"n": report.incidents_opened}]
    assert log.read_text().count("[pipemon ") == report.incidents_opened


def test_the_emulators_adapter_responses_carry_bytes_billed(emulator_build: EmulatorBuild) -> None:
    """dbt-bigquery puts each job's bytes_billed in the node's adapter_response; the runner sums
    them into monitor_runs.bytes_billed. The emulator bills 0 for every job (its README: always
    0), so on it the cost is a known 0 rather than unknown (null, as on DuckDB); a real amount is
    judged from a recorded response (tests/python/runner/test_runner_cost.py)."""
    from pipemon import cost

    assert emulator_build.target is not None
    results = json.loads((emulator_build.target / "run_results.json").read_text())
    billed = [
        r["adapter_response"]["bytes_billed"]
        for r in results["results"]
        if "bytes_billed" in (r.get("adapter_response") or {})
    ]
    assert len(billed) > 50, "models and tests that ran a job report what it billed"
    assert set(billed) == {0}
    assert cost.billed(results) == 0
