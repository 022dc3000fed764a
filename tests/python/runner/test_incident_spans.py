"""One incident per outage, told when it changes: day after day of runs without dbt, through
the runner's own steps (group -> plan -> messages), the history carried from run to run as the
warehouse would carry it (incident_events folded, alert_log as the policy reads it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipemon.alerts import incidents, policy
from pipemon.alerts.config import AlertsConfig
from pipemon.alerts.model import Finding
from pipemon.runner import decide

T0 = dt.datetime(2025, 12, 13, 13, 0, tzinfo=dt.UTC)  # 08:00 ET
DAY = dt.timedelta(days=1)
BDL = "test.pipemon.processor_succeeded_with_zero_records"


def zero_records(day: dt.date, *, target: str = "bdl_player_boxscores", rows: int = 1) -> Finding:
    return Finding(
        source="test",
        check_id=BDL,
        check_name="processor_succeeded_with_zero_records",
        severity="warn",
        description="A processor reported success with zero records",
        owner="data-eng",
        game_date=day.isoformat(),
        target=target,
        row_count=rows,
    )


@dataclass
class Monitor:
    """The runner's memory between runs: incident_events and alert_log, as rows."""

    cfg: AlertsConfig = field(default_factory=AlertsConfig)
    events: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    clean_days: int = 3
    worse_factor: float = 2

    def run(
        self, now: dt.datetime, failing: list[Finding], judged: list[dt.date]
    ) -> list[tuple[str, str]]:
        """One run judging `judged` dates (and the open incidents' dates): (kind, incident)."""
        state = incidents.fold(self.events)
        open_dates = {d for i in state.values() if not i.finished for d in i.open_dates()}
        plan = decide.make_plan(
            failing,
            state,
            judged_checks={BDL},
            judged_dates={d.isoformat() for d in judged} | open_dates,
            now=now,
            resolved_vars={
                "incident_clean_days_to_end": self.clean_days,
                "incident_worse_factor": self.worse_factor,
            },
        )
        history = policy.group_history(self.log)
        messages = decide.messages(self.cfg, plan, history, now, samples=True)
        self.events += [t.row("run", now) for t in plan.transitions]
        for n, m in enumerate(messages):
            m.alert_id = f"{now:%Y%m%d%H%M}{n:03d}"
            self.log.append(m.log_row(run_id="run", channel="email", status="sent", now=now))
        return [(m.kind, m.incident_id or "") for m in messages]

    @property
    def incidents(self) -> dict[str, incidents.Incident]:
        return incidents.fold(self.events)


def days(first: dt.date, n: int) -> list[dt.date]:
    return [first + dt.timedelta(days=k) for k in range(n)]


def test_an_outage_of_many_days_is_one_incident_told_once():
    """Ten mornings of the same processor succeeding with zero records: one incident spanning
    ten dates, one message when it opens, every later day counted, not sent, until the reminder
    ladder says so."""
    monitor = Monitor()
    start = T0.date() - DAY
    told: list[tuple[str, str]] = []
    for k in range(10):
        judged = days(start + k * DAY, 1)
        failing = [zero_records(d) for d in days(start, k + 1)]  # every date so far still fails
        told += monitor.run(T0 + k * DAY, failing, judged)
    (incident,) = monitor.incidents.values()
    assert incident.dates() == [d.isoformat() for d in days(start, 10)]
    assert incident.span() == f"10 days since {start} (last {start + 9 * DAY})"
    kinds = [kind for kind, _ in told]
    assert kinds[0] == "alert" and set(kinds[1:]) <= {"suppressed", "reminder"}
    sent = [k for k in kinds if k != "suppressed"]
    # the alert, then the reminder ladder (4 h, 1 day, 3 days, 3 days...): never daily
    assert sent == ["alert", "reminder", "reminder", "reminder", "reminder"]
    assert len(kinds) == 10


def test_an_outage_found_all_at_once_is_one_incident():
    """The demo's single judging run of a season: 84 failing dates of one cause at once."""
    monitor = Monitor()
    start = dt.date(2025, 10, 21)
    dates = days(start, 84)
    told = monitor.run(T0, [zero_records(d) for d in dates], dates)
    assert [k for k, _ in told] == ["alert"]
    (incident,) = monitor.incidents.values()
    assert len(incident.dates()) == 84
    assert incident.span().startswith(f"84 days since {start}")


def test_enough_clean_dates_end_the_outage_and_fewer_do_not():
    start = T0.date()
    monitor = Monitor(clean_days=3)
    monitor.run(T0, [zero_records(start)], [start])
    # two clean dates, then a failure: the same outage
    monitor.run(T0 + 3 * DAY, [zero_records(start), zero_records(start + 3 * DAY)], [start])
    assert len(monitor.incidents) == 1
    # three clean dates after the last failing one, then a failure: a new outage
    later = start + 7 * DAY
    told = monitor.run(
        T0 + 7 * DAY, [zero_records(start), zero_records(start + 3 * DAY), zero_records(later)], []
    )
    assert len(monitor.incidents) == 2
    assert ("alert", next(i for i in monitor.incidents if later.isoformat() in
                           monitor.incidents[i].dates())) in told  # fmt: skip


def test_told_again_when_it_spreads_worsens_or_improves_and_resolved_once():
    """Runs an hour apart (inside the reminder ladder's first step), each judging the dates."""
    monitor = Monitor()
    hour = dt.timedelta(hours=1)
    d1, d2, d3 = days(T0.date(), 3)
    assert [k for k, _ in monitor.run(T0, [zero_records(d1)], [d1])] == ["alert"]
    # another day of the same: counted, not sent
    told = monitor.run(T0 + hour, [zero_records(d1), zero_records(d2)], [d2])
    assert [k for k, _ in told] == ["suppressed"]
    # spreads to another processor under the same check: told
    spread = [zero_records(d1), zero_records(d2), zero_records(d2, target="espn_boxscores")]
    told = monitor.run(T0 + 2 * hour, spread, [d2])
    assert [k for k, _ in told] == ["update"]
    assert len(monitor.incidents) == 1
    update = monitor.log[-1]
    assert "spread: processor succeeded with zero records: espn_boxscores" in update["body"]
    assert update["subject"].startswith("[pipemon WARN update]")
    # the same rows again: nothing new
    assert [k for k, _ in monitor.run(T0 + 3 * hour, spread, [d2])] == ["suppressed"]
    # worse: the failing rows grow by the factor
    worse = [*spread[:2], zero_records(d2, target="espn_boxscores", rows=5)]
    assert [k for k, _ in monitor.run(T0 + 4 * hour, worse, [d2])] == ["update"]
    assert "fails 5 rows (was 1)" in monitor.log[-1]["body"]
    # better: the first date fixed, the others still failing
    assert [k for k, _ in monitor.run(T0 + 5 * hour, worse[1:], [d3])] == ["update"]
    assert f"better: 1 fixed ({d1}), 2 still failing" in monitor.log[-1]["body"]
    # every date passes: one resolved, then silence
    assert [k for k, _ in monitor.run(T0 + 6 * hour, [], [d3])] == ["resolved"]
    assert monitor.run(T0 + 7 * hour, [], [d3]) == []
    (incident,) = monitor.incidents.values()
    assert incident.resolved_at is not None and len(incident.dates()) == 2


def test_an_acknowledged_outage_stays_quiet_as_it_goes_on():
    """Acknowledging acts on the whole outage: its new dates join it silently."""
    monitor = Monitor()
    d1 = T0.date()
    monitor.run(T0, [zero_records(d1)], [d1])
    (incident,) = monitor.incidents.values()
    until = T0 + 3 * DAY
    monitor.events.append(
        incidents.Transition(incident, "acked", reason="vendor outage", ack_until=until).row(
            None, T0 + dt.timedelta(minutes=5)
        )
    )
    failing = [zero_records(d1)]
    for k in range(1, 3):
        failing.append(zero_records(d1 + k * DAY))
        told = monitor.run(T0 + k * DAY, list(failing), [d1 + k * DAY])
        assert [kind for kind, _ in told] == ["suppressed"]
    (incident,) = monitor.incidents.values()
    assert len(incident.dates()) == 3 and incident.status(T0 + 2 * DAY) == "acked"
