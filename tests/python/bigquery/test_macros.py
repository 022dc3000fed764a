"""Each project macro that renders a SQL expression, compiled for DuckDB and for BigQuery (the
offline `bigquery` target) in one `dbt compile --inline` per dialect. The DuckDB SQL is executed
in DuckDB, the BigQuery SQL parsed with sqlglot and executed on the local emulator; both must give
the same, known answers (ET dates across midnight UTC, deadlines across daylight saving, ...)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from bigquery.conftest import OfflineCompiles
from bigquery.projects import duckdb_output, run_dbt, write_profiles
from bq_emulator import Emulator, bigquery_client, crucible_binary, running_emulator

pytestmark = pytest.mark.bigquery

# One row, one aliased column per case. Macro arguments are SQL text, as in the models.
PROBE = """
select
    {{ pipemon_to_et_date("cast('2026-01-10 03:00:00' as timestamp)") }} as et_date_winter,
    {{ pipemon_to_et_date("cast('2025-07-01 03:59:00' as timestamp)") }} as et_date_summer,
    {{ pipemon_to_et_date("cast('2026-01-10 05:00:00' as timestamp)") }} as et_date_same_day,
    {{ pipemon_local_to_utc("date '2026-01-10'", "'07:00'") }} as deadline_winter,
    {{ pipemon_local_to_utc("date '2026-03-09'", "'07:00'") }} as deadline_after_dst,
    {{ pipemon_local_to_utc("date '2026-01-10'", "'01:00'", '1') }} as deadline_next_day,
    {{ pipemon_date_add("date '2026-02-27'", 2) }} as date_plus_two,
    {{ pipemon_date_add("date '2026-03-01'", -1) }} as date_minus_one,
    {{ pipemon_timestamp_add_minutes("cast('2026-01-10 23:50:00' as timestamp)", 15) }} as plus_minutes,
    {{ pipemon_json_value("'{\\"a\\": {\\"b\\": 7}, \\"s\\": \\"x\\"}'", '$.a.b') }} as json_nested,
    {{ pipemon_json_value("'{\\"s\\": \\"x\\"}'", '$.s') }} as json_text,
    {{ pipemon_json_value("'{\\"s\\": \\"x\\"}'", '$.missing') }} as json_missing,
    {{ pipemon_is_json("'{\\"a\\": 1}'") }} as is_json_valid,
    {{ pipemon_is_json("'not json'") }} as is_json_invalid,
    {{ pipemon_is_json("cast(null as " ~ dbt.type_string() ~ ")") }} as is_json_null,
    (
        select {{ pipemon_percentile('sample.x', 0.5) }}
        from (
            select 1 as x union all select 2 as x union all select 3 as x
            union all select 4 as x union all select 5 as x
        ) as sample
    ) as median_of_five,
    (select count(*) from ({{ pipemon_date_spine("date '2026-02-27'", "date '2026-03-02'") }}) as spine) as spine_days,
    (
        select max(spine.calendar_date)
        from ({{ pipemon_date_spine("date '2026-02-27'", "date '2026-03-02'") }}) as spine
    ) as spine_last,
    {{ pipemon_as_of() }} as as_of_now,
    cast('1.5' as {{ pipemon_contract_type('FLOAT64') }}) as typed_float,
    cast('42' as {{ pipemon_contract_type('int64') }}) as typed_int,
    cast('x' as {{ pipemon_contract_type('STRING') }}) as typed_string,
    cast('2026-01-10' as {{ pipemon_contract_type('DATE') }}) as typed_date,
    cast('2026-01-10 03:00:00' as {{ pipemon_contract_type('TIMESTAMP') }}) as typed_timestamp,
    cast('true' as {{ pipemon_contract_type('BOOL') }}) as typed_bool,
    cast('2.5' as {{ pipemon_contract_type('NUMERIC') }}) = 2.5 as typed_numeric_equal,
    {{ pipemon_et_wall_clock_to_utc("cast('2026-01-09 22:00:00' as timestamp)") }} as tip_off_winter,
    {{ pipemon_et_wall_clock_to_utc("cast('2026-03-20 19:30:00' as timestamp)") }} as tip_off_summer,
    {{ pipemon_game_key("date '2026-01-09'", "'BOS'", "'LAL'") }} as game_key,
    {{ pipemon_is_date_based_game_id("'20260109_BOS_LAL'") }} as is_date_based_id,
    {{ pipemon_is_date_based_game_id("'0022500600'") }} as is_ten_digit_id,
    {{ pipemon_parse_yyyymmdd("'20260102'") }} as opts_gamedate,
    {{ pipemon_parse_yyyymmdd("'2026-01-02'") }} as opts_iso_date,
    {{ pipemon_parse_yyyymmdd("'soon'") }} as opts_not_a_date
"""

EXPECTED: dict[str, Any] = {
    "et_date_winter": dt.date(2026, 1, 9),  # 03:00 UTC is 22:00 ET the day before
    "et_date_summer": dt.date(2025, 6, 30),  # EDT: 03:59 UTC is 23:59 ET
    "et_date_same_day": dt.date(2026, 1, 10),  # EST: 05:00 UTC is 00:00 ET
    "deadline_winter": dt.datetime(2026, 1, 10, 12, 0),  # 07:00 EST
    "deadline_after_dst": dt.datetime(2026, 3, 9, 11, 0),  # 07:00 EDT (DST began 2026-03-08)
    "deadline_next_day": dt.datetime(2026, 1, 11, 6, 0),
    "date_plus_two": dt.date(2026, 3, 1),
    "date_minus_one": dt.date(2026, 2, 28),
    "plus_minutes": dt.datetime(2026, 1, 11, 0, 5),
    "json_nested": "7",
    "json_text": "x",
    "json_missing": None,
    "is_json_valid": True,
    "is_json_invalid": False,
    "is_json_null": None,
    "median_of_five": 3,
    "spine_days": 4,
    "spine_last": dt.date(2026, 3, 2),
    "typed_float": 1.5,
    "typed_int": 42,
    "typed_string": "x",
    "typed_date": dt.date(2026, 1, 10),
    "typed_timestamp": dt.datetime(2026, 1, 10, 3, 0),
    "typed_bool": True,
    "typed_numeric_equal": True,
    "tip_off_winter": dt.datetime(2026, 1, 10, 3, 0),  # 22:00 EST stored as 22:00 "UTC"
    "tip_off_summer": dt.datetime(2026, 3, 20, 23, 30),  # 19:30 EDT
    "game_key": "20260109_BOS_LAL",
    "is_date_based_id": True,
    "is_ten_digit_id": False,
    "opts_gamedate": dt.date(2026, 1, 2),
    "opts_iso_date": dt.date(2026, 1, 2),
    "opts_not_a_date": None,
}


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _compile_inline(run_args: dict[str, Any]) -> str:
    run = run_dbt(["compile", "--inline", PROBE], **run_args)
    assert run.exception is None and run.success, f"inline compile broke: {run.exception}"
    return str(run.result.results[0].node.compiled_code)


@pytest.fixture(scope="module")
def compiled_probe(
    offline_compiles: OfflineCompiles, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The probe compiled for both dialects, reusing the offline compile's project copy and its
    partial parse (same target path and vars) for BigQuery."""
    incremental = offline_compiles.incremental
    project = Path(incremental.args[incremental.args.index("--project-dir") + 1])
    profiles = Path(incremental.args[incremental.args.index("--profiles-dir") + 1])
    base = tmp_path_factory.mktemp("bq_macros")
    bigquery_sql = _compile_inline(
        {
            "project_dir": project,
            "profiles_dir": profiles,
            "target": "bigquery",
            "target_path": incremental.target_path,
            "vars_": {"offline_incremental": True},
            "global_flags": ["--no-populate-cache"],
        }
    )
    duck_profiles = write_profiles(
        base / "profiles", {"local": duckdb_output(base / "probe.duckdb")}
    )
    duckdb_sql = _compile_inline(
        {
            "project_dir": project,
            "profiles_dir": duck_profiles,
            "target": "local",
            "target_path": base / "target",
        }
    )
    return {"bigquery": bigquery_sql, "duckdb": duckdb_sql}


def _check(row: dict[str, Any], dialect: str) -> None:
    as_of = _naive_utc(row.pop("as_of_now"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((now - as_of).total_seconds()) < 300, f"{dialect}: as_of {as_of} is not now"
    got = {key: _naive_utc(value) for key, value in row.items()}
    assert got == EXPECTED, {k: (got.get(k), v) for k, v in EXPECTED.items() if got.get(k) != v}


def test_macros_on_duckdb(compiled_probe: dict[str, str]) -> None:
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        cursor = con.execute(compiled_probe["duckdb"])
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        con.close()
    # DuckDB's own date/time types: the macros must return DATE and TIMESTAMP, not text
    assert isinstance(row["et_date_winter"], dt.date) and not isinstance(
        row["et_date_winter"], dt.datetime
    )
    assert isinstance(row["deadline_after_dst"], dt.datetime)
    _check(row, "duckdb")


def test_macros_compile_to_bigquery_sql(compiled_probe: dict[str, str]) -> None:
    sql = compiled_probe["bigquery"]
    assert sqlglot.parse_one(sql, read="bigquery") is not None
    import sqlfluff

    sqlfluff.parse(sql, dialect="bigquery")
    assert "date(cast('2026-01-10 03:00:00' as timestamp), 'America/New_York')" in sql
    assert "approx_quantiles(sample.x, 100)[offset(50)]" in sql
    assert "generate_date_array" in sql


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    if crucible_binary() is None:
        pytest.skip("crucible-emulator is not installed")
    with running_emulator() as running:
        yield running


def test_macros_on_the_bigquery_emulator(
    compiled_probe: dict[str, str], emulator: Emulator
) -> None:
    client = bigquery_client(emulator.endpoint, emulator.project)
    rows = list(client.query(compiled_probe["bigquery"]).result())
    assert len(rows) == 1
    row = dict(rows[0].items())
    _check(row, "bigquery emulator")


DDL_PROBE = """
{%- for node in graph.sources.values() | sort(attribute='unique_id') if node.meta.get('contract') %}
{{ pipemon_contract_table_ddl(api.Relation.create(database='p', schema=node.schema, identifier=node.identifier), node) }};
{%- endfor %}
"""


def test_contract_ddl_with_partition_options_parses_in_bigquery_dialect(
    offline_compiles: OfflineCompiles,
) -> None:
    # The emulator refuses OPTIONS(...) (docs/bigquery_emulator.md): the DDL that real BigQuery
    # runs, with require_partition_filter and partition expiry, is checked offline instead.
    incremental = offline_compiles.incremental
    project = Path(incremental.args[incremental.args.index("--project-dir") + 1])
    profiles = Path(incremental.args[incremental.args.index("--profiles-dir") + 1])
    run = run_dbt(
        ["compile", "--inline", DDL_PROBE],
        project_dir=project,
        profiles_dir=profiles,
        target="bigquery",
        target_path=incremental.target_path,
        vars_={"offline_incremental": True},
        global_flags=["--no-populate-cache"],
    )
    assert run.exception is None and run.success, f"inline compile broke: {run.exception}"
    statements = [s for s in str(run.result.results[0].node.compiled_code).split(";") if s.strip()]
    assert len(statements) == 16
    by_table = {}
    for statement in statements:
        parsed = sqlglot.parse_one(statement, read="bigquery")
        by_table[parsed.this.this.name] = statement
    assert "require_partition_filter = true" in by_table["nbac_schedule"]
    assert "require_partition_filter = true" in by_table["bettingpros_player_points_props"]
    assert "partition_expiration_days = 90" in by_table["scraper_execution_log"]
    assert "partition by timestamp_trunc(triggered_at, day)" in by_table["scraper_execution_log"]
    assert "`minutes_played` NUMERIC" in by_table["player_game_summary"]
