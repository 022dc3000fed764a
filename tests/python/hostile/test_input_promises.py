"""Promises the command line keeps against hostile values: every value that would reach dbt or
SQL is refused before it gets there, with a message that says what was expected (exit 2, the
command line's usage error; exit 3 when the runner is called as a library)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipemon import cli, runner
from pipemon.warehouse import SettingsError, resolve

INJECTION = "2026-01-27'; drop table nba_raw.nbac_schedule; --"


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run `pipemon argv...`, assert it exits 2, and return what it said on stderr."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse refuses a bad argument with exit 2
        code = int(exc.code or 0)
    assert code == 2, argv
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("vars_", "expected"),
    [
        (f'{{as_of: "{INJECTION}"}}', "as_of must be a UTC time 'YYYY-MM-DD HH:MM:SS'"),
        ('{as_of: "2026-02-30 10:00:00"}', "as_of must be a UTC time"),
        ("{monitor_lookback_days: 0}", "monitor_lookback_days must be a whole number from 1 to"),
        ("{monitor_lookback_days: 100000}", "monitor_lookback_days must be a whole number"),
        ('{monitor_lookback_days: "3; drop schema x"}', "monitor_lookback_days must be a whole"),
        ('{source_start_date: "2026-01-01 or 1=1"}', "source_start_date must be a date"),
        ('{monitor_open_dates: ["2026-01-27", "x\') or 1=1"]}', "monitor_open_dates[1] must be"),
        ('{orchestration_dataset: "nba; drop schema nba_raw"}', "must be a dataset name"),
        ('{monitoring_dataset: "m`.x; --"}', "must be a dataset name"),
        ("{phase1_completion_scraper: \"x' or '1'='1\"}", "must be plain text"),
        ('{pipeline_timezone: "Mars/Olympus"}', "must be an IANA time zone"),
        ('{system_coverage_min: "high"}', "must be a number"),
        ('{seasons: {"2025-26": ["2026-07-31", "2025-08-01"]}}', "is after the last"),
    ],
)
def test_a_hostile_var_is_refused_with_what_was_expected(
    capsys: pytest.CaptureFixture[str], vars_: str, expected: str
) -> None:
    assert expected in _usage_error(capsys, "run", "--dry-run", "--vars", vars_)


@pytest.mark.parametrize(
    "selection", ["processor_failed; rm -rf /", "x' or 1=1", "tag:alerts --vars {a: 1}", '"x"']
)
def test_a_hostile_selection_never_reaches_dbt(
    capsys: pytest.CaptureFixture[str], selection: str
) -> None:
    err = _usage_error(capsys, "run", "--dry-run", "--select", selection)
    assert "a dbt selection is node names" in err


def test_the_schedules_union_selection_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    # one --select value may hold several selectors (a union in dbt)
    from pipemon import validate

    union = "+tag:dead_letters +tag:redeliveries"
    assert validate.selector(union) == union
    for broken in ("+tag:dead_letters  +tag:redeliveries", "+tag:dead_letters -x", " a"):
        with pytest.raises(validate.InvalidValue):
            validate.selector(broken)


def test_an_unknown_selector_is_refused_with_the_names_there_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err = _usage_error(capsys, "run", "--dry-run", "--selector", "dead_letters")
    assert "--selector must name a selector of selectors.yml (dead_letter_check)" in err
    assert "got 'dead_letters'" in err


def test_select_and_selector_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # dbt would quietly drop --select in favour of --selector
    err = _usage_error(capsys, "run", "--selector", "dead_letter_check", "--select", "fct_alerts")
    assert "not allowed with argument" in err


def test_a_hostile_exclusion_never_reaches_dbt(capsys: pytest.CaptureFixture[str]) -> None:
    assert "a dbt selection" in _usage_error(capsys, "run", "--exclude", "a;b")


@pytest.mark.parametrize("command", ["show", "close"])
def test_a_hostile_incident_id_is_refused(capsys: pytest.CaptureFixture[str], command: str) -> None:
    extra = ["--reason", "r"] if command == "close" else []
    err = _usage_error(capsys, command, "i1' or '1'='1", *extra)
    assert "an incident id is letters and digits" in err


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("99999999999w", "longer than 90 days"),
        ("1h; drop table x", "write a number and a unit"),
    ],
)
def test_an_absurd_ack_duration_is_refused(
    capsys: pytest.CaptureFixture[str], duration: str, expected: str
) -> None:
    try:
        code = cli.main(["ack", "i1234567", "--for", duration, "--reason", "r"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert expected in capsys.readouterr().out


def test_a_hostile_sweep_clock_is_refused_before_dbt(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(capsys, "sweep", "--as-of", INJECTION)
    assert "--as-of must be a UTC time" in err and "build" not in err


def test_config_check_names_a_hostile_var(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["config", "check", "--vars", f'{{as_of: "{INJECTION}"}}'])
    assert code == 3
    assert "as_of must be a UTC time" in capsys.readouterr().err


def test_the_runner_as_a_library_refuses_a_hostile_var_with_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    alerts = tmp_path / "alerts.yml"
    alerts.write_text(f"channels:\n  file:\n    url: file://{tmp_path / 'alerts.log'}\n")
    options = runner.RunOptions(command="run", vars={"as_of": INJECTION}, config_path=alerts)
    report = runner.Runner(options).execute()
    assert report.exit_code == runner.EXIT_MONITOR
    assert report.dbt_seconds == 0  # dbt never ran
    details = [f.detail for f in report.findings if f.source == "monitor"]
    assert any("as_of must be a UTC time" in d for d in details), details


def test_a_hostile_monitoring_dataset_never_becomes_a_table_name() -> None:
    with pytest.raises(SettingsError, match="must be a dataset name"):
        resolve(None, {"monitoring_dataset": 'monitoring"; drop schema nba_raw; --'})


def _embedded(path: Path):
    """The runner's DuckDB warehouse on the file `path`."""
    from pipemon.warehouse.duckdb import DuckDBWarehouse
    from pipemon.warehouse.settings import WarehouseSettings

    return DuckDBWarehouse(WarehouseSettings("duckdb", "local", "monitoring", path=path))


HOSTILE_TEXT = [
    "it's",
    "'); drop table monitoring.monitor_runs; --",
    "back\\slash\\' and \\\\'' quotes",
    'a "double" quote and a ? and a $since and an @since',
    "line\nbreak\ttab \u00e9\u00e8 \U0001f3c0 /* not a comment */ -- nor this",
    "nul \x00 inside",  # no literal can hold it: bound instead
]


def test_the_duckdb_warehouse_keeps_hostile_text_as_written(tmp_path: Path) -> None:
    """The runner's statements inline their values as literals (binding makes DuckDB import
    pandas): text with quotes, backslashes, placeholders, comments and a NUL reads back as it
    was written, and nothing else is touched."""
    import datetime as dt

    import duckdb

    from pipemon.warehouse.duckdb import inline_params

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    wh = _embedded(path)
    wh.ensure_tables()
    started = dt.datetime(2026, 1, 27, 18, 0, 1, 250000, tzinfo=dt.UTC)
    rows = [
        {"run_id": f"r{i}", "command": text, "vars": text, "exit_code": i, "started_at": started}
        for i, text in enumerate(HOSTILE_TEXT)
    ]
    assert wh.insert_rows("monitor_runs", rows) == len(rows)
    assert wh.insert_rows("monitor_runs", rows[:1]) == 0  # the key is still checked
    wh.update_run("r0", {"dbt_seconds": 1.5, "error_message": HOSTILE_TEXT[1]})
    got = wh.query(
        "select run_id, command, vars, exit_code, started_at, dbt_seconds, error_message "
        "from monitoring.monitor_runs where started_at >= @since order by run_id",
        {"since": started},
    )
    assert [(r["command"], r["vars"], r["exit_code"]) for r in got] == [
        (t, t, i) for i, t in enumerate(HOSTILE_TEXT)
    ]
    assert {r["started_at"] for r in got} == {started}
    assert (got[0]["dbt_seconds"], got[0]["error_message"]) == (1.5, HOSTILE_TEXT[1])
    wh.close()
    # what inlining refuses goes to binding
    assert inline_params("select ?", ["nul \x00 inside"]) is None
    assert inline_params("select ? -- ?", [1]) is None
    assert inline_params("select ?, ?", [1]) is None
    assert inline_params("select $a", {"b": 1}) is None
    assert inline_params("select '?', ?", ["x"]) == "select '?', 'x'"


def test_a_runner_table_from_an_older_pipemon_gets_the_columns_added_since(
    tmp_path: Path,
) -> None:
    import duckdb

    from pipemon.warehouse.tables import TABLES

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema monitoring")
    con.execute("create table monitoring.monitor_runs (run_id varchar, command varchar)")
    con.execute("insert into monitoring.monitor_runs values ('r-old', 'run')")
    con.close()
    wh = _embedded(path)
    wh.ensure_tables()
    wh.ensure_tables()  # again: nothing left to add
    columns = [r["column_name"] for r in wh.query(
        "select column_name from duckdb_columns() where schema_name = 'monitoring' "
        "and table_name = 'monitor_runs' order by column_index"
    )]  # fmt: skip
    assert set(columns) == set(TABLES["monitor_runs"].column_names)
    assert wh.query("select run_id, command from monitoring.monitor_runs") == [
        {"run_id": "r-old", "command": "run"}
    ]
    assert {t.name for t in TABLES.values()} <= {
        r["table_name"]
        for r in wh.query("select table_name from duckdb_tables() where schema_name = 'monitoring'")
    }
    wh.close()
