"""The monitor of the monitor: dbt errors and a missing warehouse alert too (exit 3); the alert
goes out and waits in the local spool until the warehouse can record it."""

from __future__ import annotations

import datetime as dt
import json

from pipemon import runner
from pipemon.runner import RunOptions

CONFIG = "channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n"


def test_dbt_compile_error_alerts_and_exits_3(env, webhook, clock):
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    report = runner.execute(
        RunOptions(command="run", vars={"break_compile": True}, freshness=False), clock=clock
    )
    assert report.exit_code == runner.EXIT_MONITOR
    assert "[pipemon MONITOR] test processor_failed could not run" in webhook.titles
    body = next(p["json"]["message"] for p in webhook.posts if "MONITOR" in p["json"]["title"])
    assert "Compilation Error" in body and "a_macro_that_does_not_exist" in body
    assert "Check:      processor_failed (test.pipemon_fixture.processor_failed)" in body
    logged = env.query("select alert_source, status from monitoring.alert_log order by 1")
    assert logged == [("monitor", "sent")]
    outcome = env.query("select outcome, exit_code from monitoring.monitor_runs")
    assert outcome == [("monitor_error", 3)]


def test_missing_warehouse_alerts_spools_and_flushes_later(env, webhook, clock):
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    hidden = env.warehouse.with_name("hidden.duckdb")
    env.warehouse.rename(hidden)
    report = runner.execute(RunOptions(command="run", freshness=False), clock=clock)
    assert report.exit_code == runner.EXIT_MONITOR
    assert webhook.titles == ["[pipemon MONITOR] warehouse file missing"]
    assert not env.warehouse.exists(), "the runner must not create an empty warehouse"
    spool = env.warehouse.with_name("fx.alert_spool.jsonl")
    lines = [json.loads(line) for line in spool.read_text().splitlines()]
    assert {e["table"] for e in lines} == {"alert_log", "monitor_runs", "incident_events"}
    # a repeat while still missing is counted (from the spool), not sent
    clock.advance(10)
    runner.execute(RunOptions(command="run", freshness=False), clock=clock)
    assert len(webhook.titles) == 1

    hidden.rename(env.warehouse)
    clock.advance(10)
    runner.execute(RunOptions(command="alert"), clock=clock)
    assert not spool.exists()
    kinds = env.query(
        "select kind, status from monitoring.alert_log where alert_source = 'monitor' "
        "order by created_at, kind"
    )
    assert kinds == [("alert", "sent"), ("suppressed", "suppressed"), ("resolved", "sent")]
    assert "[pipemon RESOLVED] warehouse file missing" in webhook.titles
    runs = env.query("select outcome from monitoring.monitor_runs order by started_at")
    assert runs == [("monitor_error",), ("monitor_error",), ("fail",)]


def test_unknown_target_alerts_without_running_dbt(env, webhook, clock):
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    report = runner.execute(RunOptions(command="run", target="nope"), clock=clock)
    assert report.exit_code == runner.EXIT_MONITOR and report.dbt_seconds == 0
    assert webhook.titles == ["[pipemon MONITOR] dbt profile/target unusable"]
    assert "target 'nope' not found" in webhook.posts[0]["json"]["message"]


def test_each_build_names_the_runners_last_build_of_everything(env, webhook, clock):
    """monitor_last_built_date, which widens the daily build after an outage of the monitor:
    the as_of date of the last run that built every node and judged it. A run of a selection
    and a run that failed as monitoring do not count (they may not have written the marts)."""
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())

    def run_at(when: str, **kw) -> None:
        clock.now = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
        runner.execute(RunOptions(command="run", freshness=False, **kw), clock=clock)

    def passed() -> str | None:
        (vars_,) = env.query(
            "select vars from monitoring.monitor_runs order by started_at desc limit 1"
        )[0]
        return json.loads(vars_).get("monitor_last_built_date")

    run_at("2025-12-02 13:00:00")
    assert passed() is None  # the first run: nothing built before it
    run_at("2025-12-05 13:00:00", select=["processor_failed"])
    assert passed() == "2025-12-02"
    run_at("2025-12-09 13:00:00", vars={"break_compile": True})  # monitor_error
    assert passed() == "2025-12-02"
    run_at("2025-12-20 13:00:00")  # the outage: nothing from 12-02 to here built everything
    assert passed() == "2025-12-02"
    run_at("2025-12-21 03:30:00")  # 22:30 ET: the ET date of its as_of
    assert passed() == "2025-12-20"
    run_at("2025-12-22 13:00:00")
    assert passed() == "2025-12-20"
