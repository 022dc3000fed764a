"""The records the runner passes around."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warn")
EVIDENCE_CAP = 100


def json_safe(value: Any) -> Any:
    """A value as JSON can carry it (dates as ISO text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value else None  # NaN -> null
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)


def _as_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


@dataclass
class Finding:
    """One thing wrong in this run: a test failing for one key, or the monitoring failing."""

    source: str  # test | freshness | monitor
    check_id: str  # dbt unique_id of the test/node/source, or pipemon.monitor.<what>
    check_name: str
    severity: str  # error | warn
    description: str
    owner: str = "unowned"
    runbook: str = ""
    tags: list[str] = field(default_factory=list)
    game_date: str | None = None
    target: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_count: int = 0
    detail: str = ""
    look_further: list[str] = field(default_factory=list)
    # every failing row behind the finding (up to EVIDENCE_CAP), whatever the samples setting:
    # what grouping reads and `pipemon show` prints; stored with the incident, not in messages
    evidence: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def signature(self) -> str:
        """What deduplication counts: the check and its failing key."""
        parts = [self.check_id]
        if self.game_date is not None or self.target is not None:
            parts += [self.game_date or "", self.target or ""]
        return "|".join(parts)

    def to_json(self, subject: str) -> dict[str, Any]:
        """The `--json` shape of one alert."""
        return {
            "test": self.check_name,
            "severity": self.severity,
            "game_date": self.game_date,
            "target": self.target,
            "subject": subject,
            "description": self.description,
            "owner": self.owner,
            "rows": json_safe(self.rows),
        }

    def to_payload(self) -> dict[str, Any]:
        return json_safe(
            {
                "source": self.source,
                "check_id": self.check_id,
                "check_name": self.check_name,
                "severity": self.severity,
                "description": self.description,
                "owner": self.owner,
                "runbook": self.runbook,
                "tags": self.tags,
                "game_date": self.game_date,
                "target": self.target,
                "rows": self.rows,
                "row_count": self.row_count,
                "detail": self.detail,
                "look_further": self.look_further,
            }
        )

    def to_record(self) -> dict[str, Any]:
        """The payload plus the evidence rows: what an incident event stores."""
        return {**self.to_payload(), "evidence": json_safe(self.evidence)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Finding:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in payload.items() if k in names})


@dataclass
class Message:
    """One message to send (or to count): an alert, reminder, resolved, digest, summary."""

    kind: str  # alert | reminder | suppressed | resolved | digest | summary
    finding: Finding
    subject: str
    body: str
    occurrence: int = 1
    alert_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    incident_id: str | None = None

    @property
    def severity(self) -> str:
        if self.kind in ("resolved", "summary", "digest"):
            return "info"
        return self.finding.severity

    def log_row(
        self, *, run_id: str, channel: str | None, status: str, now: dt.datetime
    ) -> dict[str, Any]:
        """The alert_log row of this message on one channel."""
        f = self.finding
        return {
            "delivery_id": f"{self.alert_id}:{channel or '-'}",
            "alert_id": self.alert_id,
            "incident_id": self.incident_id,
            "run_id": run_id,
            "signature": f.signature,
            "kind": self.kind,
            "alert_source": "summary" if self.kind == "summary" else f.source,
            "test_unique_id": f.check_id,
            "test_name": f.check_name,
            "severity": self.severity,
            "target": f.target,
            "owner": f.owner,
            "tags": json.dumps(f.tags),
            "subject": self.subject,
            "body": self.body,
            "payload": json.dumps(f.to_payload()),
            "channel": channel,
            "status": status,
            "claimed_by": None,
            "last_error": None,
            "occurrence": self.occurrence,
            "failing_rows": f.row_count,
            "attempts": 0,
            "game_date": _as_date(f.game_date),
            "created_at": now,
            "claimed_at": None,
            "sent_at": None,
            "updated_at": now,
        }
