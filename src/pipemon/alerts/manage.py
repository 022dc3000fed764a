"""Incidents by hand and for readers: list, acknowledge, close, show; and the open incidents
the report and status read (the same truth `pipemon incidents` prints).

Every change is a row in incident_events (who, why, until when); nothing is updated in place.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import Any

from pipemon.alerts import incidents, render
from pipemon.alerts.incidents import Incident, Transition
from pipemon.warehouse import Warehouse

HISTORY_DAYS = 30


def actor() -> str:
    """Who is acting: PIPEMON_ACTOR, else the login name."""
    try:
        return os.environ.get("PIPEMON_ACTOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in a container
        return "unknown"


def load(wh: Warehouse, now: dt.datetime) -> dict[str, Incident]:
    wh.ensure_tables()
    return incidents.fold(wh.incident_events(now - dt.timedelta(days=HISTORY_DAYS)))


def open_incidents(wh: Warehouse, now: dt.datetime) -> list[Incident]:
    """Incidents still open (acknowledged ones included), severity first, then date."""
    state = load(wh, now)
    live = [i for i in state.values() if i.status(now) in incidents.ACTIVE]
    return sorted(live, key=lambda i: i.sort_key())


def open_incident_rows(wh: Warehouse, now: dt.datetime) -> list[dict[str, Any]]:
    """Open incidents as plain rows (what the report's open-alerts panel shows)."""
    out = []
    for incident in open_incidents(wh, now):
        cause = incident.cause_finding
        out.append(
            {
                "incident_id": incident.incident_id,
                "status": incident.status(now),
                "severity": incident.severity,
                "test_name": cause.check_name,
                "target": cause.target,
                "game_date": cause.game_date,
                "first_date": min(incident.dates(), default=None),
                "last_date": max(incident.dates(), default=None),
                "days": len(incident.dates()),
                "dates": incident.span(),
                "owner": cause.owner,
                "subject": render.subject(
                    cause, severity=incident.severity, more=len(incident.members) - 1
                ),
                "members": len(incident.members),
                "opened_at": incident.opened_at,
                "ack_until": incident.ack_until if incident.status(now) == "acked" else None,
            }
        )
    return out


def _record(wh: Warehouse, transition: Transition, now: dt.datetime) -> None:
    wh.insert_rows("incident_events", [transition.row(None, now)])


def ack(
    wh: Warehouse, ident: str, duration: dt.timedelta, reason: str, now: dt.datetime
) -> Incident:
    """Silence an open incident until now + duration."""
    if not reason.strip():
        raise ValueError("--reason is required: say why it is silenced")
    incident = incidents.find(load(wh, now), ident)
    if incident.status(now) not in incidents.ACTIVE:
        raise ValueError(f"incident {incident.incident_id} is {incident.status(now)}, not open")
    until = now + duration
    _record(wh, Transition(incident, "acked", reason=reason, actor=actor(), ack_until=until), now)
    incident.ack_until, incident.ack_reason = until, reason
    return incident


def close(wh: Warehouse, ident: str, reason: str, now: dt.datetime) -> Incident:
    """End an incident by hand: no more messages for it."""
    if not reason.strip():
        raise ValueError("--reason is required: say why it is closed")
    incident = incidents.find(load(wh, now), ident)
    if incident.status(now) not in incidents.ACTIVE:
        raise ValueError(f"incident {incident.incident_id} is {incident.status(now)} already")
    _record(wh, Transition(incident, "closed", reason=reason, actor=actor()), now)
    incident.closed, incident.close_reason = True, reason
    return incident


def _age(incident: Incident, now: dt.datetime) -> str:
    minutes = int((now - incident.opened_at).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes}m"
    if minutes < 72 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // 1440}d"


def listing(items: list[Incident], now: dt.datetime) -> str:
    if not items:
        return "No open incidents.\n"
    lines = [f"{'id':<9} {'status':<7} {'sev':<5} {'age':>5}  {'members':>7}  {'days':>4}  cause"]
    for i in items:
        cause = i.cause_finding
        key = " ".join(p for p in (cause.target, i.span() or cause.game_date) if p)
        status = i.status(now)
        what = cause.check_name if cause.source == "test" else cause.description
        note = f"  (acked until {i.ack_until:%Y-%m-%d %H:%M} UTC)" if status == "acked" else ""
        lines.append(
            f"{i.incident_id:<9} {status:<7} {i.severity:<5} {_age(i, now):>5}  "
            f"{len(i.members):>7}  {len(i.dates()):>4}  {what}: {key}{note}"
        )
    return "\n".join(lines) + "\n"


def show(wh: Warehouse, ident: str, now: dt.datetime) -> str:
    """An incident with the failing rows of every member, as recorded when they failed."""
    incident = incidents.find(load(wh, now), ident)
    lines = [
        f"Incident {incident.incident_id}: {incident.status(now)}, {incident.severity}, "
        f"opened {incident.opened_at:%Y-%m-%d %H:%M} UTC",
    ]
    if incident.dates():
        lines.append(f"Dates: {incident.span()}")
    if incident.ack_reason:
        lines.append(f"Acknowledged until {incident.ack_until}: {incident.ack_reason}")
    if incident.close_reason:
        lines.append(f"Closed: {incident.close_reason}")
    for n, member in enumerate(incident.ordered_members):
        f = member.finding
        role = "cause" if n == 0 else "consequence"
        state = "passes again" if member.resolved else "failing"
        key = " ".join(p for p in (f.target, f.game_date) if p)
        lines += ["", f"{role}: {f.check_name} {key} ({state})", f"  {f.description}"]
        if f.detail:
            lines.append(f"  detail: {f.detail}")
        rows = f.evidence or f.rows
        if rows:
            lines.append(f"  failing rows: {f.row_count or len(rows)} (showing {len(rows)})")
            lines += ["  " + line for line in render.rows_table(rows)]
            lines += ["  " + line for line in render.cut_cells(rows)]
        elif f.row_count:
            lines.append(f"  failing rows: {f.row_count} (none stored)")
    return "\n".join(lines) + "\n"
