"""What the monitor itself costs: each run records the bytes its dbt queries billed
(monitor_runs.bytes_billed, added to an existing table by the runner), the report shows them
with the monitor's runs, and a run billing several times its usual is a warning of the
monitor's own, not a monitoring failure. DuckDB reports no bytes (null); the BigQuery side is a
recorded run_results.json with dbt-bigquery's adapter responses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipemon import cost, runner
from pipemon.alerts import config, findings
from pipemon.alerts.model import Message
from pipemon.runner import RunOptions, record
from pipemon.warehouse import open_warehouse, resolve

RECORDED = Path(__file__).parent / "recorded" / "bigquery_run_results.json"
RECORDED_BYTES = 432_537_600 + 0 + 13_631_488 + 10_485_760  # the seed reports none
VARS = {cost.FACTOR_VAR: 3, cost.RUNS_VAR: 10}
T0 = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)


def recorded() -> dict:
    return json.loads(RECORDED.read_text())


def test_bytes_billed_is_the_sum_of_the_adapter_responses():
    assert cost.billed(recorded()) == RECORDED_BYTES
    assert cost.billed({"results": [{"adapter_response": {"_message": "OK"}}]}) is None
    assert cost.billed(None) is None
    assert cost.size(RECORDED_BYTES) == "456.7 MB"


def seed_history(wh, billed: list[int | None], *, selection: str | None = None) -> None:
    rows = []
    for n, value in enumerate(billed):
        started = T0 + dt.timedelta(days=n)
        rows.append(
            {
                "run_id": f"{selection or 'everything'}-{n}",
                "command": "run",
                "target_name": "local",
                "selection": selection,
                "outcome": "clear",
                "exit_code": 0,
                "bytes_billed": value,
                "started_at": started,
                "completed_at": started + dt.timedelta(minutes=1),
            }
        )
    wh.insert_rows("monitor_runs", rows)


def test_several_times_the_usual_is_a_warning_of_the_monitor(env):
    wh = open_warehouse(resolve())
    try:
        # the usual: about 120 MB a run; another selection's runs and an unknown cost do not count
        seed_history(wh, [110_000_000, 150_000_000, 120_000_000, None, 125_000_000])
        seed_history(wh, [5_000_000_000] * 4, selection="selector:dead_letter_check")
        baseline = cost.history(wh, command="run", target="local", selection=None, runs=10)
        other = cost.history(
            wh, command="run", target="local", selection="selector:dead_letter_check", runs=3
        )
    finally:
        wh.close()
    assert sorted(baseline) == [110_000_000, 120_000_000, 125_000_000, 150_000_000]
    assert len(other) == 3

    verdict = cost.judge(cost.billed(recorded()), baseline, VARS)  # 456.7 MB: 3.7x 122.5 MB
    assert verdict.judged and verdict.finding is not None
    warning = verdict.finding
    assert (warning.source, warning.severity, warning.check_id) == (
        "monitor",
        "warn",
        cost.CHECK_ID,
    )
    assert "456.7 MB, 3.7x the median 122.5 MB of its last 4 comparable runs" in warning.detail

    usual = cost.judge(300_000_000, baseline, VARS)  # 2.4x: within the factor
    assert usual.judged and usual.finding is None
    assert (
        cost.judge(cost.billed(recorded()), baseline, {**VARS, cost.FACTOR_VAR: 5}).finding is None
    )
    assert not cost.judge(cost.billed(recorded()), baseline[:2], VARS).judged  # too few runs
    assert not cost.judge(None, baseline, VARS).judged  # DuckDB: nothing billed, nothing judged
    assert not cost.judge(RECORDED_BYTES, baseline, {}).judged  # a project without the var

    # a warning: exit 1, routed like any warning (not to every channel as a failure is)
    assert runner.exit_code([warning], pending_failed=False) == runner.EXIT_WARN
    failure = findings.monitor_finding("dbt", "dbt build failed to run", "boom")
    assert runner.exit_code([warning, failure], pending_failed=False) == runner.EXIT_MONITOR
    cfg_path = env.root / "routes.yml"
    cfg_path.write_text(
        "channels:\n  page: {url: 'console://'}\n  chat: {url: 'console://'}\n"
        "routes:\n  - match: {severity: error}\n    channels: [page]\n"
        "  - match: {severity: warn}\n    channels: [chat]\n"
    )
    cfg = config.load(cfg_path, env={})
    as_message = Message(kind="alert", finding=warning, subject="s", body="b")
    assert record.channels(cfg, as_message) == ["chat"]
    assert record.channels(cfg, Message(kind="alert", finding=failure, subject="s", body="b")) == [
        "page",
        "chat",
    ]


def test_a_run_on_duckdb_records_no_bytes_in_a_column_the_runner_adds(env, clock):
    env.write_config("channels:\n  local: {url: 'console://'}\ndefault_channels: [local]\n")
    env.query("alter table monitoring.monitor_runs drop column bytes_billed")  # an older table
    as_of = clock.now.strftime("%Y-%m-%d %H:%M:%S")
    report = runner.execute(
        RunOptions(command="run", vars={"as_of": as_of}, freshness=False), clock=clock
    )
    assert report.exit_code == runner.EXIT_CLEAR
    rows = env.query("select command, outcome, bytes_billed from monitoring.monitor_runs")
    assert rows == [("run", "clear", None)]


def test_the_report_shows_what_each_run_billed(env, clock):
    """A run that billed (recorded on BigQuery) and one that did not (DuckDB), through the real
    monitoring models (dbt builds fct_monitor_runs from monitor_runs) to the report's panel."""
    from pipemon.report import data
    from pipemon.report.render import environment

    env.write_config("channels:\n  local: {url: 'console://'}\ndefault_channels: [local]\n")
    wh = open_warehouse(resolve())
    try:
        wh.ensure_tables()
        seed_history(wh, [cost.billed(recorded())])
    finally:
        wh.close()
    as_of = clock.now.strftime("%Y-%m-%d %H:%M:%S")
    runner.execute(RunOptions(command="run", vars={"as_of": as_of}, freshness=False), clock=clock)
    wh = open_warehouse(resolve())
    try:
        runs = data.monitor_runs(wh)
    finally:
        wh.close()
    # the seeded BigQuery run (newest) and this run on DuckDB (written before dbt built the mart)
    assert [r["bytes_billed"] for r in runs] == [RECORDED_BYTES, None]
    assert runs[0]["run_id"] == "everything-0"
    # the panel's cell, with the report's own environment and filter
    cell = environment().from_string("{{ v | bytes }}")
    assert [cell.render(v=r["bytes_billed"]) for r in runs] == ["456.7 MB", "-"]
    template = (Path(data.__file__).parent / "templates" / "report.html.j2").read_text()
    assert '<td data-label="billed" class="n"' in template and "r.bytes_billed | bytes" in template
