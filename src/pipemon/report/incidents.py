"""Open incidents for the report: the one place that decides where they come from.

Today the runner's `alert_log` is the source of truth (`pipemon.warehouse.tables.ALERT_LOG`):
a signature (check + game date + target) is open while its latest message is not `resolved`.
The incident table of the runner (issue 11) will replace this; `open_incidents` is then
rewired to it in one line and nothing else in the report changes. No lifecycle logic lives
here: the report only reads what the runner recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# alert_log kinds that are not about a check's state (the morning summary)
_NOT_INCIDENTS = ("summary",)


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

    def age_hours(self, now: datetime) -> float | None:
        if self.opened_at is None:
            return None
        opened = self.opened_at if self.opened_at.tzinfo else self.opened_at.replace(tzinfo=UTC)
        return max((now - opened).total_seconds() / 3600, 0.0)


def open_incidents(warehouse: Any) -> list[OpenIncident] | None:
    """Open incidents, errors first then oldest first; None when the runner has no table yet."""
    from pipemon.warehouse import WarehouseError

    try:
        rows = warehouse.query(
            "select alert_id, signature, kind, severity, test_name, target, owner, subject, payload, "
            f"failing_rows, game_date, created_at from {warehouse.table('alert_log')} "
            "order by created_at",
            {},
        )
    except WarehouseError:
        return None
    return _from_alert_log(rows)


def _from_alert_log(rows: list[dict[str, Any]]) -> list[OpenIncident]:
    """Group alert_log rows (one per message and channel) by signature; keep the open ones."""
    episodes: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("kind") in _NOT_INCIDENTS:
            continue
        signature = str(row.get("signature"))
        if row.get("kind") == "resolved":
            episodes.pop(signature, None)  # a resolution ends the episode
            continue
        episodes.setdefault(signature, []).append(row)
    out = [_incident(sig, episode) for sig, episode in episodes.items()]
    out.sort(key=lambda i: (i.severity != "error", i.opened_at or datetime.max, i.check))
    return out


def _incident(signature: str, episode: list[dict[str, Any]]) -> OpenIncident:
    first, last = episode[0], episode[-1]
    payload = _payload(last.get("payload"))
    rows = payload.get("rows") or []
    sample = {
        k: f"{v:.4g}" if isinstance(v, float) else v
        for k, v in (rows[0] if rows else {}).items()
        if k not in ("game_date", "target") and v is not None
    }
    return OpenIncident(
        signature=signature,
        check=str(last.get("test_name") or ""),
        severity=str(last.get("severity") or ""),
        target=str(last.get("target") or ""),
        owner=str(last.get("owner") or ""),
        cause=str(payload.get("description") or last.get("subject") or ""),
        game_date=last.get("game_date"),
        opened_at=first.get("created_at"),
        last_seen_at=last.get("created_at"),
        messages=len({r.get("alert_id") for r in episode}),
        runbook=str(payload.get("runbook") or ""),
        sample=sample,
        failing_rows=last.get("failing_rows"),
    )


def _payload(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
