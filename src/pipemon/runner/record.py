"""Step 4 of a run: where each message goes, written down before anything is sent.

Routing turns a message into alert_log rows, one per enabled channel, as `pending`. Monitoring
failures go to every enabled channel. A message no enabled channel takes is recorded as
`no_channel` and is itself a monitoring failure. When one channel would get more than
`limits.digest_after` incident messages in one run, it gets one digest instead (the messages
are recorded as `digested`), unless it is a pager (PagerDuty, Opsgenie), which keeps one
incident per message's incident id and so takes each message by itself.

`Store` is the warehouse, or the local spool once the warehouse cannot be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pipemon.alerts import channels as channel_types
from pipemon.alerts import render
from pipemon.alerts.config import AlertsConfig
from pipemon.alerts.findings import monitor_finding
from pipemon.alerts.model import Finding, Message
from pipemon.alerts.spool import Spool
from pipemon.warehouse import Warehouse, WarehouseError

DIGESTIBLE = ("alert", "reminder")


class Store:
    """Writes to the warehouse; on a failure switches to the spool for the rest of the run."""

    def __init__(
        self, wh: Warehouse | None, spool: Spool, on_lost: Callable[[Exception], None]
    ) -> None:
        self.current: Warehouse | Spool = wh if wh is not None else spool
        self.spool = spool
        self.on_lost = on_lost

    @property
    def is_spool(self) -> bool:
        return isinstance(self.current, Spool)

    def write(self, action: Callable[[Any], object]) -> None:
        try:
            action(self.current)
        except WarehouseError as exc:
            if self.is_spool:
                raise
            self.current = self.spool
            self.on_lost(exc)
            action(self.current)

    def read(self, action: Callable[[Any], Any]) -> Any:
        try:
            return action(self.current)
        except WarehouseError as exc:
            if self.is_spool:
                raise
            self.current = self.spool
            self.on_lost(exc)
            return action(self.current)


def route_attrs(message: Message) -> dict[str, list[str]]:
    f = message.finding
    return {
        "severity": [f.severity],
        "owner": [f.owner],
        "tag": list(f.tags),
        "source": [f.source],
        "kind": [message.kind],
        "test": [f.check_name],
    }


def channels(cfg: AlertsConfig, message: Message) -> list[str]:
    """Enabled channels a message goes to (monitoring failures: every enabled channel; the
    monitor's own warnings, its cost, are routed like any warning)."""
    f = message.finding
    if f.source == "monitor" and f.severity == "error" and message.kind != "summary":
        return cfg.enabled
    return [c for c in cfg.channels_for(route_attrs(message)) if cfg.channels[c].url]


def unrouted_problem(message: Message) -> Finding:
    return monitor_finding(
        "routing",
        "an alert reached no enabled channel",
        f"{message.subject!r} matched no route with an enabled channel (see `pipemon config "
        "check`: a channel is disabled when its variable is unset)",
        "Set the channel's variable, or route the check to an enabled channel",
    )


def rows_for(
    cfg: AlertsConfig, messages: list[Message], run_id: str, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[Message], list[Message]]:
    """alert_log rows for the messages (digests made where due), the digest messages, and the
    messages no enabled channel took."""
    rows: list[dict[str, Any]] = []
    unrouted: list[Message] = []
    per_channel: dict[str, list[tuple[Message, dict[str, Any]]]] = {}
    for message in messages:
        if message.kind == "suppressed":
            rows.append(message.log_row(run_id=run_id, channel=None, status="suppressed", now=now))
            continue
        names = channels(cfg, message)
        if not names:
            rows.append(message.log_row(run_id=run_id, channel=None, status="no_channel", now=now))
            unrouted.append(message)
        for name in names:
            row = message.log_row(run_id=run_id, channel=name, status="pending", now=now)
            rows.append(row)
            if (
                message.kind in DIGESTIBLE
                and message.finding.source != "monitor"
                and not channel_types.follows_incidents(cfg.channels[name].url)
            ):
                per_channel.setdefault(name, []).append((message, row))
    digests: list[Message] = []
    for name, entries in per_channel.items():
        if len(entries) <= cfg.limits.digest_after:
            continue
        for _, row in entries:
            row["status"] = "digested"
        title, text = render.digest(
            [(m.subject, m.incident_id or "-") for m, _ in entries], now=now
        )
        finding = Finding(
            source="digest",
            check_id="pipemon.digest",
            check_name="digest",
            severity="info",
            description=f"{len(entries)} incidents",
            owner="pipemon",
        )
        digest = Message(kind="digest", finding=finding, subject=title, body=cfg.redactor(text))
        digests.append(digest)
        rows.append(digest.log_row(run_id=run_id, channel=name, status="pending", now=now))
    return rows, digests, unrouted
