"""No spam: what to do with an open incident this run, given what was sent for it before.

An incident is paged once when it opens (`alert`). While it stays open, every run that still
finds it failing is an occurrence: recorded in alert_log as `suppressed` (counted, not sent),
except when it changed in a way a person acts on (`update`: it spread, got worse or got
better; incidents.py says what changed) or when the reminder ladder says it is time (`reminder`): the first reminder comes
`reminder_ladder_minutes[0]` after the last message, the next `[1]` after that, and the last
step repeats. An acknowledged incident is silent until its acknowledgement expires; the first
run after the expiry reminds. Never more than `max_per_hour` messages per incident in 60
minutes. Fixed incidents get one `resolved` (incidents.py decides when).

The history is alert_log itself (or the local spool), so the rules survive restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SENT_KINDS = ("alert", "update", "reminder")
OCCURRENCE_KINDS = (*SENT_KINDS, "suppressed")


@dataclass(frozen=True)
class Limits:
    max_per_hour: int = 5
    reminder_ladder_minutes: tuple[float, ...] = (240.0, 1440.0, 4320.0)
    digest_after: int = 8


@dataclass
class Event:
    alert_id: str
    kind: str
    at: dt.datetime
    payload: str | None = None


@dataclass
class Episode:
    """What was sent and counted for one incident so far."""

    events: list[Event] = field(default_factory=list)

    @property
    def occurrences(self) -> list[Event]:
        return [e for e in self.events if e.kind in OCCURRENCE_KINDS]

    @property
    def sends(self) -> list[Event]:
        return [e for e in self.events if e.kind in SENT_KINDS]

    @property
    def first_seen(self) -> dt.datetime | None:
        occ = self.occurrences
        return occ[0].at if occ else None


@dataclass(frozen=True)
class Decision:
    kind: str  # alert | update | reminder | suppressed
    occurrence: int
    first_seen: dt.datetime
    suppressed_count: int


def _utc(at: Any) -> dt.datetime:
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    assert isinstance(at, dt.datetime)
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


def group_history(
    rows: Iterable[Mapping[str, Any]], key: str = "incident_id"
) -> dict[str, list[Event]]:
    """alert_log rows (one per delivery) -> events (one per message) per incident, by time."""
    seen: set[str] = set()
    out: dict[str, list[Event]] = {}
    for row in rows:
        alert_id = str(row["alert_id"])
        if alert_id in seen or row.get("kind") in ("summary", "digest") or not row.get(key):
            continue
        seen.add(alert_id)
        event = Event(alert_id, str(row["kind"]), _utc(row["created_at"]), row.get("payload"))
        out.setdefault(str(row[key]), []).append(event)
    for events in out.values():
        events.sort(key=lambda e: e.at)
    return out


def decide(
    episode: Episode,
    now: dt.datetime,
    limits: Limits,
    *,
    opened_at: dt.datetime | None = None,
    ack_until: dt.datetime | None = None,
    changed: bool = False,
) -> Decision:
    """What to do with one more occurrence of an incident at `now`.

    `opened_at` is when the incident opened (an incident older than the history read has sent
    its alert already); `ack_until` silences it until then; `changed`: it spread, got worse or
    got better this run (told at once, within the hourly limit)."""
    occurrences = episode.occurrences
    n = len(occurrences) + 1
    first_seen = episode.first_seen or opened_at or now
    suppressed = sum(1 for e in occurrences if e.kind == "suppressed")
    sends = episode.sends
    if not sends and opened_at is None:
        return Decision("alert", n, first_seen, suppressed)
    if ack_until is not None and now < ack_until:
        return Decision("suppressed", n, first_seen, suppressed)
    hour_ago = now - dt.timedelta(hours=1)
    if sum(1 for e in sends if e.at > hour_ago) >= limits.max_per_hour:
        return Decision("suppressed", n, first_seen, suppressed)
    if changed:
        return Decision("update", n, first_seen, suppressed)
    last = sends[-1].at if sends else (opened_at or now)
    if ack_until is not None and ack_until > last:
        return Decision("reminder", n, first_seen, suppressed)  # the acknowledgement ran out
    reminders = sum(1 for e in sends if e.kind == "reminder")
    ladder = limits.reminder_ladder_minutes
    step = ladder[min(reminders, len(ladder) - 1)]
    if now - last >= dt.timedelta(minutes=step):
        return Decision("reminder", n, first_seen, suppressed)
    return Decision("suppressed", n, first_seen, suppressed)
