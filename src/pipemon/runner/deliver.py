"""Step 5 of a run: send every pending delivery (this run's and earlier ones), once.

Pending rows are claimed atomically (claimed_by = run_id), sent through their channel, then
marked sent or returned to pending with the redacted error, so a failed delivery is retried by
the next run and two overlapping runs never send one row twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pipemon.alerts import channels
from pipemon.alerts.config import AlertsConfig
from pipemon.runner.record import Store
from pipemon.warehouse import WarehouseError


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0


def deliver(
    cfg: AlertsConfig,
    store: Store,
    run_id: str,
    now: dt.datetime,
    clock: Callable[[], dt.datetime],
    log: Callable[[str], None],
    *,
    only: Collection[str] | None = None,
) -> Delivered:
    """Send pending deliveries (`only`: just these delivery ids, e.g. an ack's)."""
    out = Delivered()
    stale = now - dt.timedelta(minutes=cfg.claim_stale_minutes)
    try:
        pending = store.current.pending_deliveries(stale)
        if only is not None:
            pending = [r for r in pending if str(r["delivery_id"]) in only]
        sendable = [
            r
            for r in pending
            if r.get("channel") in cfg.channels and cfg.channels[str(r["channel"])].url
        ]
        for row in pending:
            if row not in sendable:
                log(
                    f"delivery {row['delivery_id']} waits: channel "
                    f"{row.get('channel')} not configured/enabled"
                )
        claimed = set(
            store.current.claim_deliveries(
                [str(r["delivery_id"]) for r in sendable], run_id, now, stale
            )
        )
    except WarehouseError as exc:
        log(f"cannot claim deliveries: {exc}")
        out.failed += 1
        return out
    for row in sendable:
        delivery_id = str(row["delivery_id"])
        if delivery_id not in claimed:
            continue
        name = str(row["channel"])
        url = cfg.channels[name].url
        assert url is not None
        error: str | None = None
        try:
            channel = channels.build(name, url, cfg.delivery_timeout_seconds)
            channel.send(outbound(row))
        except Exception as exc:  # noqa: BLE001 - any failure keeps the delivery pending
            error = cfg.redactor(str(exc)) or type(exc).__name__
        try:
            store.current.finish_delivery(
                delivery_id, run_id, sent=error is None, error=error, now=clock()
            )
        except WarehouseError as exc:
            log(f"cannot record delivery {delivery_id}: {exc}")
        if error is None:
            out.sent += 1
            log(f"sent via {name}: {row['subject']}")
        else:
            out.failed += 1
            log(f"delivery via {name} failed, stays pending: {error}")
    return out


def outbound(row: Mapping[str, Any]) -> channels.Outbound:
    """What a channel sends for one alert_log row (its text was redacted when recorded)."""
    facts = {
        "check": row.get("test_name"),
        "target": row.get("target"),
        "owner": row.get("owner"),
        "game_date": row.get("game_date"),
        "source": row.get("alert_source"),
    }
    return channels.Outbound(
        subject=str(row["subject"]),
        body=str(row["body"]),
        severity=str(row["severity"]),
        kind=str(row["kind"]),
        incident_id=str(row["incident_id"]) if row.get("incident_id") else None,
        details={k: str(v) for k, v in facts.items() if v is not None},
    )


def announce(cfg: AlertsConfig, subject: str, body: str, log: Callable[[str], None]) -> int:
    """Send one monitoring-failure message straight to every enabled channel (used when the
    run cannot record anything, e.g. the config itself is invalid). Returns channels reached."""
    reached = 0
    for name in cfg.enabled:
        url = cfg.channels[name].url
        assert url is not None
        try:
            channels.build(name, url, cfg.delivery_timeout_seconds).send(
                channels.Outbound(subject=subject, body=body, severity="error", kind="alert")
            )
            reached += 1
        except Exception as exc:  # noqa: BLE001
            log(f"could not announce via {name}: {cfg.redactor(str(exc))}")
    return reached
