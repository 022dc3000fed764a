"""Open incidents for the report: the same truth `pipemon incidents` prints.

They come from the runner's incident log (`incident_events`, folded by `pipemon.alerts.manage`):
an incident is open until the check that raised it passes on its date, or someone closes it.
No lifecycle logic lives here: the report only shows what the runner decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any


@dataclass
class OpenIncident:
    """One open incident as the report shows it."""

    signature: str
    check: str
    severity: str
    target: str
    owner: str
    cause: str
    game_date: date | None
    opened_at: datetime | None
    last_seen_at: datetime | None
    messages: int
    runbook: str = ""
    sample: dict[str, Any] = field(default_factory=dict)
    failing_rows: int | None = None
    dates: str = ""  # the dates the incident spans, in words (`7 days since 2025-12-13 ...`)

    def age_hours(self, now: datetime) -> float | None:
        if self.opened_at is None:
            return None
        opened = self.opened_at if self.opened_at.tzinfo else self.opened_at.replace(tzinfo=UTC)
        return max((now - opened).total_seconds() / 3600, 0.0)


def open_incidents(warehouse: Any, now: datetime | None = None) -> list[OpenIncident] | None:
    """Open incidents (acknowledged ones included), errors first then oldest first, from the
    runner's incident log; None when the warehouse has no runner tables to read."""
    from pipemon.alerts import manage
    from pipemon.warehouse import WarehouseError

    moment = now or datetime.now(UTC)
    try:
        live = manage.open_incidents(warehouse, moment)
    except WarehouseError:
        return None
    out = [_incident(incident, moment) for incident in live]
    out.sort(
        key=lambda i: (
            i.severity != "error",
            i.opened_at or datetime.max.replace(tzinfo=UTC),
            i.check,
        )
    )
    return out


def _incident(incident: Any, now: dt.datetime) -> OpenIncident:
    cause = incident.cause_finding
    rows = cause.rows or cause.evidence or []
    sample = {
        k: f"{v:.4g}" if isinstance(v, float) else v
        for k, v in (rows[0] if rows else {}).items()
        if k not in ("game_date", "target") and v is not None
    }
    consequences = [
        f"{m.finding.check_name}: {m.finding.target}"
        for sig, m in incident.members.items()
        if sig != incident.cause
    ]
    cause_text = cause.description + (f" (+ {', '.join(consequences)})" if consequences else "")
    opened = (
        incident.opened_at if incident.opened_at.tzinfo else incident.opened_at.replace(tzinfo=UTC)
    )
    return OpenIncident(
        signature=incident.incident_id,
        check=cause.check_name,
        severity=incident.severity,
        target=str(cause.target or ""),
        owner=cause.owner,
        cause=cause_text,
        game_date=date.fromisoformat(cause.game_date) if cause.game_date else None,
        opened_at=opened,
        last_seen_at=incident.last_event_at,
        messages=len(incident.members),
        runbook=cause.runbook,
        sample=sample,
        failing_rows=cause.row_count or None,
        dates=incident.span(),
    )
