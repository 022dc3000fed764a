"""End to end on a real dbt build: real e-mail (aiosmtpd) and real webhook posts (http.server),
failed deliveries retried exactly once, no spam over 100 reruns, resolved notices."""

from __future__ import annotations

from pipemon import runner
from pipemon.runner import RunOptions

CONFIG = """
channels:
  email: {url: "${T_SMTP_URL}"}
  hook: {url: "${T_HOOK_URL}"}
routes:
  - match: {severity: error}
    channels: [email, hook]
  - match: {severity: warn}
    channels: [hook]
summary_channels: [hook]
delivery: {timeout_seconds: 1}
"""

ERR_03 = "[pipemon ERROR] processor failed: nbac_injury_report 2025-12-03"
ERR_02 = "[pipemon ERROR] processor failed: nbac_injury_report 2025-12-02"
WARN = "[pipemon WARN] scraper finished late: bp_player_props 2025-12-03"


def alert(clock, **kw):
    return runner.execute(RunOptions(command="alert", **kw), clock=clock)


def setup(env, smtp, webhook, hook_url=None):
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_SMTP_URL", smtp.url())
    env.monkeypatch.setenv("T_HOOK_URL", hook_url or webhook.url())


def test_email_and_webhook_carry_the_alert(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    smtp.start()
    report = alert(clock)
    assert report.exit_code == runner.EXIT_FAIL
    assert sorted(m["Subject"] for m in smtp.messages) == sorted([ERR_02, ERR_03])
    assert sorted(webhook.titles) == sorted([ERR_02, ERR_03, WARN])
    mail = next(m for m in smtp.messages if m["Subject"] == ERR_03)
    assert mail["To"] == "oncall@example.com"
    text = smtp.text(mail)
    for expected in (
        "processor failed.",
        "Target:     nbac_injury_report",
        "Game date:  2025-12-03",
        "Owner:      data-eng",
        "Failing rows: 1 (first 1)",
        "ValueError: no rows for nbac_injury_rep…",
        "Runbook: Rerun the processor for the date",
        "pipemon run --select processor_failed",
    ):
        assert expected in text
    post = next(p for p in webhook.posts if p["json"]["title"] == WARN)
    assert post["json"]["type"] == "warning"
    assert "minutes_late" in post["json"]["message"]
    assert all(len(t) <= 80 for t in webhook.titles)
    rows = env.query("select status, count(*) from monitoring.alert_log group by 1")
    assert rows == [("sent", 5)]


def test_smtp_down_stays_pending_then_delivered_exactly_once(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    first = alert(clock)  # SMTP server not started: connection refused
    assert first.exit_code == runner.EXIT_MONITOR
    assert first.pending == 2 and len(webhook.posts) == 3
    pending = env.query(
        "select channel, last_error from monitoring.alert_log where status = 'pending'"
    )
    assert [p[0] for p in pending] == ["email", "email"]
    assert all(p[1] for p in pending)

    smtp.start()
    clock.advance(5)
    second = alert(clock)
    assert second.exit_code == runner.EXIT_FAIL
    assert sorted(m["Subject"] for m in smtp.messages) == sorted([ERR_02, ERR_03])
    clock.advance(5)
    alert(clock)  # the 3rd occurrence: counted, not sent (the next message is a reminder)
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects.count(ERR_02) == 1 and subjects.count(ERR_03) == 1
    assert len(subjects) == 2
    assert [webhook.titles.count(t) for t in (ERR_02, ERR_03, WARN)] == [1, 1, 1]
    assert env.query(
        "select count(*) from monitoring.alert_log where channel = 'email' and status = 'sent' "
        "and attempts = 2"
    ) == [(2,)]


def test_webhook_500_then_delivered_exactly_once(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    smtp.start()
    webhook.mode = "fail"
    first = alert(clock)
    assert first.exit_code == runner.EXIT_MONITOR and first.pending == 3
    assert webhook.hits == 3 and webhook.posts == []
    webhook.mode = "ok"
    clock.advance(1)
    alert(clock)
    clock.advance(1)
    alert(clock)
    assert [webhook.titles.count(t) for t in (ERR_02, ERR_03, WARN)] == [1, 1, 1]
    assert len(webhook.titles) == 3  # the repeats were counted, not sent
    assert len(smtp.messages) == 2


def test_webhook_timeout_then_delivered_exactly_once(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    smtp.start()
    webhook.mode, webhook.delay = "slow", 2.5  # the config's timeout is 1 s
    first = alert(clock)
    assert first.pending == 3 and first.exit_code == runner.EXIT_MONITOR
    errors = env.query("select last_error from monitoring.alert_log where status = 'pending'")
    assert len(errors) == 3
    webhook.mode = "ok"
    clock.advance(1)
    alert(clock)
    clock.advance(1)
    alert(clock)
    assert [webhook.titles.count(t) for t in (ERR_02, ERR_03, WARN)] == [1, 1, 1]
    assert len(webhook.titles) == 3


def test_hundred_reruns_send_one_alert_then_reminders_on_the_ladder(env, smtp, webhook, clock):
    env.write_config("channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n")
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    for _ in range(100):  # every 5 minutes for 8 h 15 min; the ladder starts 240, 1440, ...
        alert(clock)
        clock.advance(5)
    titles = webhook.titles
    for subject in (ERR_02, ERR_03, WARN):
        assert titles.count(subject) == 1
        reminded = subject.replace("ERROR]", "ERROR x49]").replace("WARN]", "WARN x49]")
        assert titles.count(reminded) == 1  # 240 minutes after the alert: the 49th occurrence
    assert len(titles) == 6
    body = next(p["json"]["message"] for p in webhook.posts if "x49]" in p["json"]["title"])
    assert "open since 2025-12-04 13:00 UTC (4 h), seen 49 times." in body
    assert "Still failing; 47 repeats were counted, not sent." in body
    counts = env.query("select kind, count(*) from monitoring.alert_log group by 1 order by 1")
    assert counts == [("alert", 3), ("reminder", 3), ("suppressed", 294)]


def test_passing_again_sends_one_resolved_and_marts_show_history(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    smtp.start()
    alert(clock)
    clock.advance(30)
    # nbac_injury_report recovers, another processor fails: the test still fails, its old keys
    # no longer do
    new_vars = {"failing": ["bdl_player_boxscores"], "late": ["bp_player_props"]}
    report = runner.execute(RunOptions(command="run", vars=new_vars, freshness=False), clock=clock)
    assert report.exit_code == runner.EXIT_FAIL
    resolved = [t for t in webhook.titles if t.startswith("[pipemon RESOLVED]")]
    assert sorted(resolved) == sorted(
        [
            "[pipemon RESOLVED] processor failed: nbac_injury_report 2025-12-02",
            "[pipemon RESOLVED] processor failed: nbac_injury_report 2025-12-03",
        ]
    )
    assert "[pipemon ERROR] processor failed: bdl_player_boxscores 2025-12-03" in webhook.titles
    assert webhook.posts[-1]["json"]["type"] in ("success", "failure")
    clock.advance(30)
    alert(clock)
    assert len([t for t in webhook.titles if t.startswith("[pipemon RESOLVED]")]) == 2
    # the monitoring marts (views in the fixture project) over the alert history
    sent = env.query(
        "select count(*) from monitoring.fct_alerts where is_delivered and kind = 'alert'"
    )
    assert sent == [(4,)]  # 3 first alerts + the bdl_player_boxscores one
    resolved_rows = env.query(
        "select count(*) from monitoring.fct_alerts where kind = 'resolved' and is_delivered"
    )
    assert resolved_rows == [(2,)]
    runs = env.query("select command, exit_code from monitoring.fct_monitor_runs order by 1")
    assert runs == [("alert", 2), ("alert", 2), ("run", 2)]
    flaky = env.query(
        "select run_count from monitoring.test_flakiness where test_name = 'processor_failed'"
    )
    assert flaky == [(2,)]  # the session build and this run; the alert reruns add none


def test_heartbeat_pinged_after_completed_run(env, smtp, webhook, clock):
    setup(env, smtp, webhook)
    smtp.start()
    env.monkeypatch.setenv(
        "PIPEMON_HEARTBEAT_URL", f"http://127.0.0.1:{webhook.port}/hb/{{exit_code}}"
    )
    alert(clock)
    assert webhook.gets == ["/hb/2"]


def test_killed_between_delivery_and_recording_repeats_only_the_message_in_flight(
    env, webhook, clock
):
    """A runner killed (SIGKILL) after the webhook took a message but before the run recorded
    it: its claimed rows wait, the next run past `claim_stale_minutes` sends them, so the message
    in flight arrives twice (at most once more), every other message exactly once, and a later
    run sends nothing new."""
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys

    env.write_config(
        "channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n"
        "delivery: {timeout_seconds: 60, claim_stale_minutes: 1}\n"
    )
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    webhook.mode, webhook.delay = "hold", 30.0
    child = subprocess.Popen(
        [sys.executable, "-m", "pipemon.cli", "alert"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert webhook.received.wait(120), "the runner never delivered"
        os.killpg(child.pid, signal.SIGKILL)  # between delivery and recording
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    (in_flight,) = webhook.titles
    statuses = env.query("select subject, status from monitoring.alert_log order by subject")
    # the run claims every pending row before it sends: all three wait for a stale claim
    assert (in_flight, "claimed") in statuses and len(statuses) == 3
    assert {s for _, s in statuses} == {"claimed"}

    webhook.mode = "ok"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)  # the claim is stale
    alert(lambda: later)
    alert(lambda: later + dt.timedelta(minutes=1))
    counts = {title: webhook.titles.count(title) for title in (ERR_02, ERR_03, WARN)}
    assert counts[in_flight] == 2  # the message in flight, repeated once
    assert sorted(counts.values()) == [1, 1, 2]
    statuses = dict(env.query("select status, count(*) from monitoring.alert_log group by 1"))
    assert statuses["sent"] == 3 and not {"claimed", "pending"} & set(statuses)  # repeats counted


class _Killed(BaseException):
    """Stands for the process dying at that point (no handler runs, nothing after it)."""


def test_killed_between_writing_messages_and_transitions_loses_no_alert(env, webhook, clock):
    """Whichever of the two writes of step 2 a run dies at, the next run delivers every alert
    (a repeat is allowed, a loss is not)."""
    from pipemon.warehouse.duckdb import DuckDBWarehouse

    env.write_config("channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n")
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    insert = DuckDBWarehouse.insert_rows
    writes: list[str] = []

    def dies_at_the_second_write(self, table, rows):
        if table in ("incident_events", "alert_log"):
            writes.append(table)
            if len(writes) == 2:
                raise _Killed(table)
        return insert(self, table, rows)

    env.monkeypatch.setattr(DuckDBWarehouse, "insert_rows", dies_at_the_second_write)
    try:
        alert(clock)
    except _Killed:
        pass
    else:
        raise AssertionError("the run never reached its second write")
    assert webhook.posts == []  # it died before sending anything
    env.monkeypatch.setattr(DuckDBWarehouse, "insert_rows", insert)
    clock.advance(1)
    alert(clock)
    clock.advance(1)
    alert(clock)
    counts = [webhook.titles.count(t) for t in (ERR_02, ERR_03, WARN)]
    assert all(1 <= n <= 2 for n in counts), counts
