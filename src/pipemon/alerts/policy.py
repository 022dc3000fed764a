"""No spam: what to do with a finding, given what was sent before.

A signature (check + failing key) lives in episodes. An episode starts with the first
occurrence and ends when the signature is resolved or after `reset_after_quiet_minutes` without
an occurrence. Inside an episode (defaults are the pipeline's own e-mail limiter):

- occurrence 1 is sent (`alert`);
- occurrence `aggregate_from` (3) is sent once as an `aggregate` ("seen 3 times since ...");
- after `suppression_window_minutes` without a message, a still-failing signature gets a
  `reminder` with the counts;
- everything else is `suppressed`: recorded in alert_log, counted, not sent;
- never more than `max_per_hour` messages per signature in any 60 minutes.

When an open signature's check runs again and the key no longer fails: one `resolved`.
The history is alert_log itself (or the local spool), so the rules survive restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SENT_KINDS = ("alert", "aggregate", "reminder")
OCCURRENCE_KINDS = (*SENT_KINDS, "suppressed")


@dataclass(frozen=True)
class Limits:
    suppression_window_minutes: float = 240
    aggregate_from: int = 3
    max_per_hour: int = 5
    reset_after_quiet_minutes: float = 60


@dataclass
class Event:
    alert_id: str
    kind: str
    at: dt.datetime
    payload: str | None = None


@dataclass
class Episode:
    """The current episode of one signature."""

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
    kind: str  # alert | aggregate | reminder | suppressed
    occurrence: int
    first_seen: dt.datetime
    suppressed_count: int


def group_history(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Event]]:
    """alert_log rows (one per delivery) -> events (one per message) per signature, by time."""
    seen: set[str] = set()
    out: dict[str, list[Event]] = {}
    for row in rows:
        alert_id = str(row["alert_id"])
        if alert_id in seen or row.get("kind") == "summary":
            continue
        seen.add(alert_id)
        at = row["created_at"]
        if isinstance(at, str):
            at = dt.datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        event = Event(alert_id, str(row["kind"]), at, row.get("payload"))
        out.setdefault(str(row["signature"]), []).append(event)
    for events in out.values():
        events.sort(key=lambda e: e.at)
    return out


def current_episode(events: list[Event], now: dt.datetime, limits: Limits) -> Episode:
    """The episode a new occurrence at `now` belongs to (empty: a new one starts)."""
    quiet = dt.timedelta(minutes=limits.reset_after_quiet_minutes)
    episode: list[Event] = []
    last_occurrence: dt.datetime | None = None
    for event in events:
        if event.kind == "resolved":
            episode, last_occurrence = [], None
            continue
        if event.kind not in OCCURRENCE_KINDS:
            continue
        if last_occurrence is not None and event.at - last_occurrence > quiet:
            episode = []
        last_occurrence = event.at
        episode.append(event)
    if last_occurrence is not None and now - last_occurrence > quiet:
        return Episode([])
    return Episode(episode)


def decide(episode: Episode, now: dt.datetime, limits: Limits) -> Decision:
    """What to do with one more occurrence of a signature at `now`."""
    occurrences = episode.occurrences
    n = len(occurrences) + 1
    first_seen = episode.first_seen or now
    suppressed = sum(1 for e in occurrences if e.kind == "suppressed")
    sends = episode.sends
    if not sends:
        return Decision("alert", n, first_seen, suppressed)
    hour_ago = now - dt.timedelta(hours=1)
    if sum(1 for e in sends if e.at > hour_ago) >= limits.max_per_hour:
        return Decision("suppressed", n, first_seen, suppressed)
    if n == limits.aggregate_from and not any(e.kind == "aggregate" for e in sends):
        return Decision("aggregate", n, first_seen, suppressed)
    window = dt.timedelta(minutes=limits.suppression_window_minutes)
    if now - sends[-1].at >= window:
        return Decision("reminder", n, first_seen, suppressed)
    return Decision("suppressed", n, first_seen, suppressed)


def is_open(events: list[Event]) -> bool:
    """The signature alerted and has not been resolved since (whatever the quiet time)."""
    open_ = False
    for event in events:
        if event.kind in SENT_KINDS:
            open_ = True
        elif event.kind == "resolved":
            open_ = False
    return open_
