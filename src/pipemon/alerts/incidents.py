"""Incidents: what is broken, open until the check that raised it passes again on its date.

An incident holds members (findings, by signature: check + game_date + target), its cause
first. Its life is the append-only table `incident_events`, one row per transition:

- `opened`    a new cause (payload: the cause finding with its failing rows)
- `joined`    a finding became part of it (a consequence, or the cause failing again after it
              passed while the rest of the incident stayed open)
- `updated`   a member failing again, worse than its record (severity, or failing rows by
              `worse_factor`): its rows replace the record (payload: the member's finding)
- `member_resolved`  a member's check judged the member's date again and it passed
- `resolved`  every member resolved: the incident is fixed (one RESOLVED message)
- `acked`     silenced by hand until `ack_until` (`pipemon ack ID --for 24h --reason ...`)
- `closed`    ended by hand (`pipemon close ID --reason ...`): no more messages; a member that
              passes and later fails again opens a new incident

An incident spans dates: the same cause (its check and target) failing on later dates, with
fewer than `clean_days` passing dates in between, joins the incident it already has instead of
opening a new one, so an outage of 84 days is one incident ("84 days since 2025-10-21"). Once
the cause has passed on `clean_days` dates in a row after its last failing date, the outage is
over: a later failure opens a new incident.

Each run also says what changed in a way a person acts on (`Plan.changes`): the incident spread
(a check or target it did not hold yet), got worse (a member's severity rose, or its failing
rows grew by `worse_factor`, or a fixed date failed again) or got better (some dates fixed,
others still failing). Another day of the same failure is no change: it is recorded, not told.

A member is judged only when its check ran to a verdict in this run *and* its date was inside
the dates this run judged (the lookback window plus the dates of open incidents, which the
runner passes to dbt as `monitor_open_dates`). A date that merely left the window is never
mistaken for a fix.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipemon.alerts.grouping import Group
from pipemon.alerts.model import Finding

ACTIVE = ("open", "acked")
# events written at the same instant apply in this order (an ack right after the opening run)
EVENT_ORDER = {
    "opened": 0,
    "joined": 1,
    "updated": 2,
    "member_resolved": 3,
    "resolved": 4,
    "acked": 5,
    "closed": 6,
}
SEVERITY_ORDER = {"error": 0, "warn": 1, "info": 2}


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def new_incident_id() -> str:
    return "i" + uuid.uuid4().hex[:7]


@dataclass
class Member:
    signature: str
    finding: Finding
    resolved: bool = False
    joined_at: dt.datetime | None = None


@dataclass
class Incident:
    incident_id: str
    cause: str
    opened_at: dt.datetime
    members: dict[str, Member] = field(default_factory=dict)
    closed: bool = False
    resolved_at: dt.datetime | None = None
    ack_until: dt.datetime | None = None
    ack_reason: str | None = None
    close_reason: str | None = None
    last_event_at: dt.datetime | None = None

    def status(self, now: dt.datetime) -> str:
        if self.resolved_at is not None:
            return "resolved"
        if self.closed:
            return "closed"
        if self.ack_until is not None and now < self.ack_until:
            return "acked"
        return "open"

    @property
    def finished(self) -> bool:
        """Nothing more can happen to it: fixed, or closed with every member passing since."""
        return self.resolved_at is not None or (
            self.closed and all(m.resolved for m in self.members.values())
        )

    @property
    def cause_finding(self) -> Finding:
        return self.members[self.cause].finding

    @property
    def ordered_members(self) -> list[Member]:
        cause = self.members[self.cause]
        rest = sorted(
            (m for s, m in self.members.items() if s != self.cause),
            key=lambda m: (
                SEVERITY_ORDER.get(m.finding.severity, 9),
                m.finding.game_date or "",
                m.signature,
            ),
        )
        return [cause, *rest]

    @property
    def severity(self) -> str:
        return min(
            (m.finding.severity for m in self.members.values()),
            key=lambda s: SEVERITY_ORDER.get(s, 9),
        )

    @property
    def game_date(self) -> str | None:
        return self.cause_finding.game_date

    def dates(self) -> list[str]:
        """Every game date the incident holds (open or fixed), in order."""
        return sorted(
            {m.finding.game_date[:10] for m in self.members.values() if m.finding.game_date}
        )

    def span(self) -> str:
        """`84 days since 2025-10-21`, `2025-12-13 to 2025-12-19 (7 days)`, `2026-01-26`."""
        return describe_span(self.dates(), open_now=not self.finished and not self.closed)

    def open_dates(self) -> set[str]:
        return {
            m.finding.game_date[:10]
            for m in self.members.values()
            if not m.resolved and m.finding.game_date
        }

    def sort_key(self) -> tuple[int, str, str]:
        return (SEVERITY_ORDER.get(self.severity, 9), self.game_date or "", self.incident_id)


def describe_span(dates: Sequence[str], *, open_now: bool = True) -> str:
    """A date range in words: one date as itself; an open outage as `N days since D`."""
    if not dates:
        return ""
    first, last = dates[0], dates[-1]
    if first == last:
        return first
    n = len(dates)
    if open_now:
        return f"{n} days since {first} (last {last})"
    return f"{n} days, {first} to {last}"


def fold(rows: Iterable[Mapping[str, Any]]) -> dict[str, Incident]:
    """incident_events rows -> the incidents' current state."""
    out: dict[str, Incident] = {}
    ordered = sorted(
        rows,
        key=lambda r: (
            _utc(r["occurred_at"]),
            EVENT_ORDER.get(str(r["event_type"]), 9),
            str(r["event_id"]),
        ),
    )
    for row in ordered:
        at = _utc(row["occurred_at"])
        assert at is not None
        iid, kind = str(row["incident_id"]), str(row["event_type"])
        payload = json.loads(row["payload"]) if row.get("payload") else None
        if kind == "opened":
            out[iid] = Incident(iid, str(row["signature"]), at)
        incident = out.get(iid)
        if incident is None:
            continue
        incident.last_event_at = at
        sig = str(row.get("signature") or "")
        if kind in ("opened", "joined") and payload is not None:
            incident.members[sig] = Member(sig, _finding(payload), False, at)
        elif kind == "updated" and payload is not None and sig in incident.members:
            incident.members[sig].finding = _finding(payload)
        elif kind == "member_resolved" and sig in incident.members:
            incident.members[sig].resolved = True
        elif kind == "resolved":
            incident.resolved_at = at
        elif kind == "acked":
            incident.ack_until = _utc(row.get("ack_until"))
            incident.ack_reason = row.get("reason")
        elif kind == "closed":
            incident.closed = True
            incident.close_reason = row.get("reason")
    return out


def _finding(payload: Mapping[str, Any]) -> Finding:
    finding = Finding.from_payload(dict(payload))
    finding.evidence = list(payload.get("evidence") or [])
    return finding


@dataclass
class Transition:
    """One incident_events row to write."""

    incident: Incident
    event_type: str
    signature: str | None = None
    finding: Finding | None = None
    reason: str | None = None
    actor: str | None = None
    ack_until: dt.datetime | None = None

    def row(self, run_id: str | None, now: dt.datetime) -> dict[str, Any]:
        about = self.finding
        if about is None and self.incident.members:
            member = self.incident.members.get(self.signature or "")
            about = member.finding if member else self.incident.cause_finding
        return {
            "event_id": uuid.uuid4().hex,
            "incident_id": self.incident.incident_id,
            "run_id": run_id,
            "event_type": self.event_type,
            "signature": self.signature,
            "cause_signature": self.incident.cause,
            "test_name": about.check_name if about else None,
            "severity": about.severity if about else None,
            "target": about.target if about else None,
            "reason": self.reason,
            "actor": self.actor,
            "payload": json.dumps(self.finding.to_record()) if self.finding else None,
            "game_date": _as_date(about.game_date if about else None),
            "ack_until": self.ack_until,
            "occurred_at": now,
        }


def _as_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@dataclass
class Plan:
    """What this run does to the incidents."""

    transitions: list[Transition] = field(default_factory=list)
    failing: dict[str, list[str]] = field(default_factory=dict)  # incident -> failing sigs
    opened: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    # incident -> what changed this run in a way a person acts on (spread, worse, better)
    changes: dict[str, list[str]] = field(default_factory=dict)

    def change(self, incident: Incident, text: str) -> None:
        self.changes.setdefault(incident.incident_id, []).append(text)


def is_judged(finding: Finding, judged_checks: set[str], judged_dates: set[str] | None) -> bool:
    """Did this run judge the finding's check on the finding's date?"""
    if finding.check_id not in judged_checks:
        return False
    if finding.game_date is None or judged_dates is None:
        return True
    return finding.game_date[:10] in judged_dates


def _label(finding: Finding) -> str:
    what = finding.check_name.replace("_", " ") if finding.source == "test" else finding.description
    key = " ".join(p for p in (finding.target, finding.game_date) if p)
    return f"{what}: {key}" if key else what


def _cause_keys(incident: Incident) -> tuple[set[str], set[dt.date]]:
    """The targets and dates of the members that share the incident cause's check."""
    check = incident.cause_finding.check_id
    same = [m.finding for m in incident.members.values() if m.finding.check_id == check]
    return {f.target or "" for f in same}, {d for d in (_as_date(f.game_date) for f in same) if d}


def _outage(candidates: Iterable[Incident], grp: Group, clean_days: int) -> Incident | None:
    """The open outage this group continues: same check and target as an incident's cause, with
    fewer than `clean_days` passing dates between its dates and this one (or the same date)."""
    day = _as_date(grp.cause.game_date)
    if day is None or grp.cause.source != "test":
        return None
    check = grp.cause.check_id
    targets = {f.target or "" for f in grp.members if f.check_id == check}
    best: tuple[dt.date, Incident] | None = None
    for incident in candidates:
        if incident.finished or not incident.members or incident.cause_finding.check_id != check:
            continue
        held_targets, held_dates = _cause_keys(incident)
        if not held_dates:
            continue
        clean = min(abs((day - d).days) for d in held_dates) - 1
        if day in held_dates or (targets & held_targets and clean < clean_days):
            last = max(held_dates)
            if best is None or last > best[0]:
                best = (last, incident)
    return best[1] if best else None


def _worse(before: Finding, after: Finding, factor: float) -> str | None:
    """How `after` is worse than the recorded `before` of the same member, in words (or None)."""
    if SEVERITY_ORDER.get(after.severity, 9) < SEVERITY_ORDER.get(before.severity, 9):
        return f"worse: {_label(after)} is now {after.severity.upper()}"
    if after.row_count > before.row_count and after.row_count >= factor * max(before.row_count, 1):
        return f"worse: {_label(after)} fails {after.row_count} rows (was {before.row_count})"
    return None


def plan(
    incidents: Mapping[str, Incident],
    groups: Sequence[Group],
    *,
    judged_checks: set[str],
    judged_dates: set[str] | None,
    now: dt.datetime,
    clean_days: int = 3,
    worse_factor: float = 2.0,
) -> Plan:
    """Attach this run's grouped findings to incidents (an outage's new dates to the incident it
    has; `clean_days` 0: every date its own incident), open new ones, resolve fixed ones, and
    say what changed."""
    out = Plan(incidents=dict(incidents))
    live = [i for i in incidents.values() if not i.finished]
    owner: dict[str, Incident] = {}
    for incident in sorted(live, key=lambda i: i.opened_at, reverse=True):
        for sig, member in incident.members.items():
            if incident.closed and member.resolved:
                continue  # passed since it was closed: failing again is a new incident
            owner[sig] = incident  # the oldest incident wins (assigned last)
    failing_now: set[str] = set()
    for grp in groups:
        failing_now |= {f.signature for f in grp.members}
        hit = next((owner[f.signature] for f in grp.members if f.signature in owner), None)
        if hit is None and clean_days > 0:
            hit = _outage(out.incidents.values(), grp, clean_days)
        if hit is None:
            incident = Incident(new_incident_id(), grp.cause.signature, now)
            out.transitions.append(Transition(incident, "opened", grp.cause.signature, grp.cause))
            incident.members[grp.cause.signature] = Member(
                grp.cause.signature, grp.cause, False, now
            )
            for f in grp.consequences:
                out.transitions.append(Transition(incident, "joined", f.signature, f))
                incident.members[f.signature] = Member(f.signature, f, False, now)
            out.incidents[incident.incident_id] = incident
            out.opened.append(incident.incident_id)
            for f in grp.members:
                owner[f.signature] = incident
        else:
            incident = hit
            fresh = incident.incident_id in out.opened
            for f in grp.members:
                known = incident.members.get(f.signature)
                if known is None or known.resolved:
                    if not fresh:
                        change = _spread(incident, f) if known is None else None
                        if known is not None:
                            change = f"worse: {_label(f)} fails again"
                        if change:
                            out.change(incident, change)
                    out.transitions.append(Transition(incident, "joined", f.signature, f))
                    incident.members[f.signature] = Member(f.signature, f, False, now)
                else:
                    worse = None if fresh else _worse(known.finding, f, worse_factor)
                    if worse:
                        out.change(incident, worse)
                        out.transitions.append(Transition(incident, "updated", f.signature, f))
                    known.finding = f  # latest rows, for the message
                owner.setdefault(f.signature, incident)
        out.failing.setdefault(incident.incident_id, [])
        out.failing[incident.incident_id] += [f.signature for f in grp.members]
    for incident in live:
        fixed: list[str] = []
        for sig, member in incident.members.items():
            if member.resolved or sig in failing_now:
                continue
            if is_judged(member.finding, judged_checks, judged_dates):
                member.resolved = True
                fixed.append(member.finding.game_date or sig)
                out.transitions.append(
                    Transition(incident, "member_resolved", sig, None, reason="passes again")
                )
        if (
            not incident.closed
            and incident.resolved_at is None
            and incident.members
            and all(m.resolved for m in incident.members.values())
        ):
            incident.resolved_at = now
            out.transitions.append(Transition(incident, "resolved"))
            out.resolved.append(incident.incident_id)
        elif fixed:
            still = sum(1 for m in incident.members.values() if not m.resolved)
            days = describe_span(sorted({d[:10] for d in fixed}), open_now=False)
            out.change(incident, f"better: {len(fixed)} fixed ({days}), {still} still failing")
    return out


def _spread(incident: Incident, finding: Finding) -> str | None:
    """A new member is a spread when its check and target are new to the incident (a new date
    of a failure the incident already holds is the same outage going on, not news)."""
    held = {(m.finding.check_id, m.finding.target or "") for m in incident.members.values()}
    if (finding.check_id, finding.target or "") in held:
        return None
    return f"spread: {_label(finding)}"


def find(incidents: Mapping[str, Incident], ident: str) -> Incident:
    """An incident by its id (or an unambiguous prefix of it)."""
    if ident in incidents:
        return incidents[ident]
    hits = [i for key, i in incidents.items() if key.startswith(ident)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise KeyError(f"no incident {ident!r} (see `pipemon incidents --all`)")
    raise KeyError(f"{ident!r} matches {len(hits)} incidents: give more of the id")


# an acknowledgement longer than this is a close in disguise (and 1e9w would overflow)
ACK_MAX_DAYS = 90


def parse_duration(text: str) -> dt.timedelta:
    """`24h`, `90m`, `2d`, `1w` -> a timedelta."""
    units = {"m": 1, "h": 60, "d": 1440, "w": 10080}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].replace(".", "", 1).isdigit():
        raise ValueError(f"duration {text!r}: write a number and a unit, e.g. 90m, 24h, 2d, 1w")
    minutes = float(text[:-1]) * units[text[-1]]
    if minutes <= 0:
        raise ValueError(f"duration {text!r} must be positive")
    if minutes > ACK_MAX_DAYS * 1440:
        raise ValueError(
            f"duration {text!r} is longer than {ACK_MAX_DAYS} days: close the incident instead"
        )
    return dt.timedelta(minutes=minutes)
