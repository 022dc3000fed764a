"""After `pipemon ack` or `pipemon close`: the pagers follow.

A channel that keeps an incident of its own per pipemon incident (PagerDuty, Opsgenie: a
`follows_incidents` channel type) and was sent this incident's messages gets one more message,
`acknowledged` or `closed`, with the same incident id (its deduplication key). Like every
message it is written to alert_log as `pending` first and then delivered; a delivery that fails
stays pending and the next `pipemon run` or `pipemon alert` sends it. Other channels (e-mail,
chat) are not told: the acknowledgement silences them, as before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pipemon.alerts import channels, config, render
from pipemon.alerts.incidents import Incident
from pipemon.alerts.model import Message
from pipemon.alerts.spool import Spool
from pipemon.runner import deliver, record, state_file
from pipemon.warehouse import Warehouse, WarehouseError, WarehouseSettings

KINDS = ("acknowledged", "closed")


@dataclass
class Told:
    """What the pagers were told."""

    channels: list[str] = field(default_factory=list)
    sent: int = 0
    pending: int = 0
    problem: str | None = None  # why nobody could be told (config invalid, warehouse error)


def paged_channels(wh: Warehouse, cfg: config.AlertsConfig, incident_id: str) -> list[str]:
    """Enabled pager channels that were given a message of this incident, in config order."""
    rows = wh.query(
        f"select distinct channel from {wh.table('alert_log')} "
        "where incident_id = @incident_id and channel is not null",
        {"incident_id": incident_id},
    )
    used = {str(r["channel"]) for r in rows}
    return [
        name
        for name in cfg.enabled
        if name in used and channels.follows_incidents(cfg.channels[name].url)
    ]


def notice(
    cfg: config.AlertsConfig,
    incident: Incident,
    kind: str,
    *,
    actor: str,
    reason: str,
    until: dt.datetime | None,
    now: dt.datetime,
) -> Message:
    """The `acknowledged`/`closed` message of an incident (text redacted)."""
    cause = incident.cause_finding
    if kind == "acknowledged":
        what = f"acknowledged by {actor} until {until:%Y-%m-%d %H:%M} UTC"
    else:
        what = f"closed by hand by {actor}"
    text = (
        f"Incident {incident.incident_id} {what}: {reason}\n"
        f"{cause.description}\n"
        f"Opened {incident.opened_at:%Y-%m-%d %H:%M} UTC; told at {now:%Y-%m-%d %H:%M} UTC.\n"
    )
    return Message(
        kind=kind,
        finding=cause,
        subject=render.subject(
            cause, kind, severity=incident.severity, more=len(incident.members) - 1
        ),
        body=cfg.redactor(text),
        incident_id=incident.incident_id,
    )


def tell(
    wh: Warehouse,
    incident: Incident,
    kind: str,
    *,
    actor: str,
    reason: str,
    now: dt.datetime,
    settings: WarehouseSettings,
    until: dt.datetime | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Told:
    """Record and send the incident's `kind` message to the pagers that carry it."""
    assert kind in KINDS, kind
    out = Told()
    try:
        cfg = config.load()
    except config.ConfigError as exc:
        out.problem = f"alert config unusable, no pager told: {exc}"
        return out
    redact = cfg.redactor
    try:
        out.channels = paged_channels(wh, cfg, incident.incident_id)
        if not out.channels:
            return out
        message = notice(cfg, incident, kind, actor=actor, reason=reason, until=until, now=now)
        message.alert_id = f"{now:%Y%m%d%H%M%S}8888{uuid.uuid4().hex[:12]}"
        run_id = uuid.uuid4().hex  # claims this command's deliveries; no monitor run
        rows = [
            message.log_row(run_id=run_id, channel=name, status="pending", now=now)
            for name in out.channels
        ]
        wh.insert_rows("alert_log", rows)
    except WarehouseError as exc:
        out.problem = redact(f"pagers not told: {exc}")
        return out

    def lost(exc: Exception) -> None:
        log(redact(f"warehouse lost while telling the pagers: {exc}"))

    store = record.Store(wh, Spool(state_file(settings, ".alert_spool.jsonl")), lost)
    delivered = deliver.deliver(
        cfg,
        store,
        run_id,
        now,
        clock or (lambda: dt.datetime.now(dt.UTC)),
        lambda line: log(redact(line)),
        only={str(r["delivery_id"]) for r in rows},
    )
    out.sent, out.pending = delivered.sent, delivered.failed
    return out
