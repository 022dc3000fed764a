"""The incident lifecycle on a real dbt build (fixture project, real macros, real DuckDB) with a
real SMTP server: an unfixed incident stays open past the lookback window and is reminded, is
never announced resolved until its check passes on its date, is resolved once when fixed;
acknowledged incidents are silent until the expiry; closed ones are silent; every transition
is a row in incident_events; `pipemon show` prints the rows without rebuilding."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from pipemon import runner
from pipemon.alerts import manage
from pipemon.runner import RunOptions
from pipemon.warehouse import open_warehouse, resolve

CONFIG = """
channels:
  email: {url: "${T_SMTP_URL}"}
default_channels: [email]
delivery: {timeout_seconds: 2}
"""
BOX = "[pipemon ERROR] box scores missing: game_20251201 2025-12-01"


def run(clock, missing, **kw):
    as_of = clock.now.strftime("%Y-%m-%d %H:%M:%S")
    return runner.execute(
        RunOptions(
            command="run", vars={"missing_box": missing, "as_of": as_of}, freshness=False, **kw
        ),
        clock=clock,
    )


def at(clock, when: str) -> None:
    clock.now = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)


def subjects(smtp) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def setup(env, smtp):
    env.write_config(CONFIG)
    env.monkeypatch.setenv("T_SMTP_URL", smtp.url())
    smtp.start()


def events(env) -> list[tuple[str, str]]:
    return env.query(
        "select event_type, coalesce(signature, '') from monitoring.incident_events "
        "order by occurred_at, event_type"
    )


def test_unfixed_incident_stays_open_past_the_window_then_resolves_once(env, smtp, clock):
    setup(env, smtp)
    at(clock, "2025-12-02 13:00:00")  # window 11-30 .. 12-02
    first = run(clock, ["2025-12-01"])
    assert first.exit_code == runner.EXIT_FAIL
    assert subjects(smtp) == [BOX]

    # four days later 12-01 has left the 3-day window (12-04 .. 12-06); it is still missing:
    # judged again because its incident is open, reminded, never "resolved"
    at(clock, "2025-12-06 13:00:00")
    later = run(clock, ["2025-12-01"])
    assert later.exit_code == runner.EXIT_FAIL
    assert [f.game_date for f in later.findings] == ["2025-12-01"]
    assert subjects(smtp) == [BOX, BOX.replace("ERROR]", "ERROR x2]")]
    assert not any("RESOLVED" in s for s in subjects(smtp))
    body = smtp.text(smtp.messages[-1])
    assert "open since 2025-12-02 13:00 UTC (4 days), seen 2 times." in body
    assert "Runbook: docs/runbooks/" not in body  # no runbook page for a fixture check

    wh = open_warehouse(resolve())
    try:
        (incident,) = manage.open_incidents(wh, clock.now)
        shown = manage.show(wh, incident.incident_id, clock.now)
    finally:
        wh.close()
    assert "cause: box_scores_missing game_20251201 2025-12-01 (failing)" in shown
    assert "game_20251201" in shown and "failing rows: 1 (showing 1)" in shown

    # the box scores arrive: the check judges 12-01 again (an open date) and passes
    at(clock, "2025-12-06 14:00:00")
    fixed = run(clock, [])
    assert fixed.exit_code == runner.EXIT_CLEAR and fixed.resolved == 1
    assert subjects(smtp)[-1] == BOX.replace("[pipemon ERROR]", "[pipemon RESOLVED]")
    at(clock, "2025-12-06 15:00:00")
    run(clock, [])
    assert sum("RESOLVED" in s for s in subjects(smtp)) == 1
    kinds = [e[0] for e in events(env)]
    assert kinds == ["opened", "member_resolved", "resolved"]


def test_without_open_dates_the_date_would_silently_pass(env, smtp, clock):
    """The control: the same build without the open incident's date does not see 12-01 at all,
    which is what made the old runner announce RESOLVED on day four."""
    setup(env, smtp)
    at(clock, "2025-12-06 13:00:00")
    report = run(clock, ["2025-12-01"])
    assert report.exit_code == runner.EXIT_CLEAR and report.findings == []


def test_ack_silences_until_expiry_and_close_ends_it(env, smtp, clock):
    setup(env, smtp)
    at(clock, "2025-12-02 13:00:00")
    run(clock, ["2025-12-01", "2025-12-02"])  # one check, two dates: two incidents
    assert len(smtp.messages) == 2
    wh = open_warehouse(resolve())
    try:
        first, second = manage.open_incidents(wh, clock.now)
        manage.ack(wh, first.incident_id, dt.timedelta(hours=24), "rerunning phase 3", clock.now)
        manage.close(wh, second.incident_id, "game postponed, no box scores expected", clock.now)
        listed = manage.listing(manage.open_incidents(wh, clock.now), clock.now)
    finally:
        wh.close()
    assert first.incident_id in listed and "acked until 2025-12-03 13:00" in listed
    assert second.incident_id not in listed
    at(clock, "2025-12-02 20:00:00")  # 7 h: a reminder would be due, but it is acknowledged
    run(clock, ["2025-12-01", "2025-12-02"])
    assert len(smtp.messages) == 2
    at(clock, "2025-12-03 13:30:00")  # the acknowledgement ran out: one reminder
    run(clock, ["2025-12-01", "2025-12-02"])
    assert len(smtp.messages) == 3
    last = smtp.messages[-1]
    assert "2025-12-01" in last["Subject"] and "x3]" in last["Subject"]
    assert "Still failing after the acknowledgement ran out" in smtp.text(last)
    rows = env.query(
        "select event_type, reason, actor is not null, ack_until is not null "
        "from monitoring.incident_events where event_type in ('acked', 'closed') order by 1"
    )
    assert rows == [
        ("acked", "rerunning phase 3", True, True),
        ("closed", "game postponed, no box scores expected", True, False),
    ]


def test_incident_commands_on_the_command_line(env, smtp, clock):
    setup(env, smtp)
    at(clock, "2025-12-02 13:00:00")
    run(clock, ["2025-12-01"])
    pipemon = [sys.executable, "-m", "pipemon.cli"]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*pipemon, *args], capture_output=True, text=True, timeout=60)

    listed = cli("incidents")
    assert listed.returncode == 0, listed.stderr
    incident_id = listed.stdout.splitlines()[1].split()[0]
    assert "box_scores_missing: game_20251201 2025-12-01" in listed.stdout
    shown = cli("show", incident_id)
    assert shown.returncode == 0 and "game_20251201" in shown.stdout
    assert cli("ack", incident_id, "--for", "soon", "--reason", "x").returncode == 2
    assert cli("ack", "nope", "--reason", "x").returncode == 2
    acked = cli("ack", incident_id[:5], "--for", "2h", "--reason", "looking")
    assert acked.returncode == 0 and f"acknowledged {incident_id}" in acked.stdout
    closed = cli("close", incident_id, "--reason", "false alarm")
    assert closed.returncode == 0
    assert cli("incidents").stdout == "No open incidents.\n"


def test_status_and_report_default_to_the_last_runs_as_of(env, smtp, clock):
    from pipemon import status

    setup(env, smtp)
    at(clock, "2025-12-02 13:00:00")
    run(clock, [])
    wh = open_warehouse(resolve())
    try:
        assert status.last_run_as_of(wh) == clock.now
    finally:
        wh.close()
