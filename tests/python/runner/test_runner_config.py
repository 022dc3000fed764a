"""A production path that cannot silently deliver nothing: a missing or invalid config, an
unknown var, an alert no enabled channel takes, results not from this project: each is a
monitoring failure (exit 3) said on every channel that works (real webhook), else on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pipemon import runner
from pipemon.runner import RunOptions

PIPEMON = [sys.executable, "-m", "pipemon.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PIPEMON, *args], capture_output=True, text=True, timeout=120, env=dict(os.environ)
    )


def test_missing_config_file_exits_3_not_clear(env):
    proc = cli("alert", "--config", str(env.root / "nope.yml"))
    assert proc.returncode == runner.EXIT_MONITOR
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    assert env.query("select count(*) from monitoring.alert_log") == [(0,)]


def test_misspelt_keys_are_refused_with_a_suggestion_and_said_on_the_webhook(env, webhook):
    env.write_config(
        "channels:\n  hook: {url: '${T_HOOK_URL}'}\n"
        "rutes:\n  - {match: {severity: error}, channels: [hook]}\n"
        "limits: {supression_window_minutes: 60}\n"
    )
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    proc = cli("alert")
    assert proc.returncode == runner.EXIT_MONITOR
    assert "unknown key 'rutes'; did you mean 'routes'?" in proc.stderr
    assert "limits.supression_window_minutes: unknown key" in proc.stderr
    assert webhook.titles == ["[pipemon MONITOR] alert config invalid"]
    assert "did you mean 'routes'" in webhook.posts[0]["json"]["message"]
    check = cli("config", "check")
    assert check.returncode == 3 and "did you mean 'routes'" in check.stderr


def test_bad_values_yaml_errors_and_unknown_channels_exit_3(env):
    for text, expected in (
        ("routes: [{match: {severity: critical}, channels: []}]\n", "Input should be 'error'"),
        ("channels: {a: {url: 'file://x'}}\nroutes: [{channels: [b]}]\n", "unknown channel 'b'"),
        ("channels: [oops\n", "not valid YAML"),
    ):
        env.write_config(text)
        proc = cli("alert")
        assert proc.returncode == runner.EXIT_MONITOR, text
        assert expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_unknown_var_is_a_monitoring_failure_sent_to_every_channel(env, webhook):
    env.write_config(
        "channels:\n  hook: {url: '${T_HOOK_URL}'}\n  log: {url: 'file://alerts.log'}\n"
        "routes:\n  - {match: {severity: error}, channels: [hook]}\ndefault_channels: [log]\n"
    )
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    report = runner.execute(RunOptions(command="run", vars={"asof": "2025-12-04"}))
    assert report.exit_code == runner.EXIT_MONITOR and report.dbt_seconds == 0
    assert webhook.titles == ["[pipemon MONITOR] unknown dbt vars"]
    assert "unknown var 'asof'; did you mean 'as_of'?" in webhook.posts[0]["json"]["message"]
    assert "[pipemon MONITOR] unknown dbt vars" in (env.project / "alerts.log").read_text()
    check = cli("config", "check", "--vars", '{"asof": 1}')
    assert check.returncode == 3 and "did you mean 'as_of'" in check.stderr


def test_an_alert_no_enabled_channel_takes_is_a_monitoring_failure(env, webhook):
    # errors go to email, whose variable is unset: the error would reach nobody
    env.write_config(
        "channels:\n  email: {url: '${T_UNSET_SMTP}'}\n  hook: {url: '${T_HOOK_URL}'}\n"
        "routes:\n  - {match: {severity: error}, channels: [email]}\n"
        "  - {match: {severity: warn}, channels: [hook]}\n"
    )
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    env.monkeypatch.delenv("T_UNSET_SMTP", raising=False)
    report = runner.execute(RunOptions(command="alert"))
    assert report.exit_code == runner.EXIT_MONITOR
    assert "[pipemon MONITOR] an alert reached no enabled channel" in webhook.titles
    statuses = env.query("select status, count(*) from monitoring.alert_log group by 1 order by 1")
    assert ("no_channel", 2) in statuses
    check = cli("config", "check")
    assert check.returncode == 3 and "an error reaches no enabled channel" in check.stderr
    assert "email        disabled  (T_UNSET_SMTP not set)" in check.stdout


def test_alert_refuses_results_that_are_not_a_build_of_this_project(env, webhook):
    env.write_config("channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n")
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    results = env.project / "target" / "run_results.json"
    data = json.loads(results.read_text())
    data["args"]["which"] = "generate"  # what `make docs` leaves behind
    results.write_text(json.dumps(data))
    report = runner.execute(RunOptions(command="alert"))
    assert report.exit_code == runner.EXIT_MONITOR
    assert webhook.titles == [
        "[pipemon MONITOR] dbt results are not from a build of this project on this…"
    ]
    assert "not `dbt build`" in webhook.posts[0]["json"]["message"]
    # another warehouse's results (their stored failures live in another DuckDB catalog)
    other = env.warehouse.with_name("other.duckdb")
    env.warehouse.rename(other)
    env.monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(other))
    data["args"]["which"] = "build"
    results.write_text(json.dumps(data))
    report = runner.execute(RunOptions(command="alert"))
    assert report.exit_code == runner.EXIT_MONITOR
    (refused,) = report.findings  # the same open incident: counted, not sent again
    assert "their stored failures live in fx, not in other" in refused.detail


def test_config_check_lists_channels_and_routes(env, webhook):
    env.write_config(
        "channels:\n  hook: {url: '${T_HOOK_URL}'}\n  slack: {url: '${T_SLACK}'}\n"
        "routes:\n  - {match: {severity: [error, warn]}, channels: [hook, slack]}\n"
    )
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url("secret-path-token"))
    proc = cli("config", "check")
    assert proc.returncode == 0, proc.stderr
    assert "✅ hook" in proc.stdout and "⛔ slack" in proc.stdout
    assert "severity=error|warn" in proc.stdout and "hook, slack (disabled)" in proc.stdout
    assert "secret-path-token" not in proc.stdout
