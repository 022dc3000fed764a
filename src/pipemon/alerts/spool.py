"""The local alert log: where alert_log and monitor_runs rows go when the warehouse cannot be
written, and the store the runner works from until it can. Flushed into the warehouse (inserts
skip keys already there) at the start of the next run that reaches it.

It implements the alert-log part of the Warehouse interface over a JSON-lines file; the run
lock makes it single-writer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipemon.alerts.model import json_safe
from pipemon.warehouse import KEYS

_TIMES = (
    "created_at",
    "claimed_at",
    "sent_at",
    "updated_at",
    "started_at",
    "completed_at",
    "occurred_at",
    "ack_until",
)


def _load_row(row: dict[str, Any]) -> dict[str, Any]:
    for key in _TIMES:
        if isinstance(row.get(key), str):
            row[key] = dt.datetime.fromisoformat(row[key])
    if isinstance(row.get("game_date"), str):
        row["game_date"] = dt.date.fromisoformat(row["game_date"])
    return row


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[dict[str, Any]] = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry = json.loads(line)
                    entry["row"] = _load_row(entry["row"])
                    self.entries.append(entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def save(self) -> None:
        if not self.entries:
            if self.path.exists():
                self.path.unlink()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for entry in self.entries:
                handle.write(json.dumps(json_safe(entry)) + "\n")
        os.replace(tmp, self.path)

    def rows(self, table: str) -> list[dict[str, Any]]:
        return [e["row"] for e in self.entries if e["table"] == table]

    # -- the alert-log part of the Warehouse interface ----------------------------------------
    def insert_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        key = KEYS[table]
        have = {r[key] for r in self.rows(table)}
        new = [dict(r) for r in rows if r[key] not in have]
        self.entries += [{"table": table, "row": r} for r in new]
        self.save()
        return len(new)

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        for row in self.rows("monitor_runs"):
            if row["run_id"] == run_id:
                row.update(values)
        self.save()

    def alert_history(self, since: dt.datetime) -> list[dict[str, Any]]:
        rows = [r for r in self.rows("alert_log") if r["created_at"] >= since]
        return sorted(rows, key=lambda r: (r["created_at"], r["delivery_id"]))

    def incident_events(self, since: dt.datetime) -> list[dict[str, Any]]:
        return sorted(self.rows("incident_events"), key=lambda r: (r["occurred_at"], r["event_id"]))

    def last_run(self, everything: bool = False) -> dict[str, Any] | None:
        return None  # the spool holds a run's rows only until the warehouse takes them

    def pending_deliveries(self, stale_before: dt.datetime) -> list[dict[str, Any]]:
        return [
            r
            for r in self.rows("alert_log")
            if r["status"] == "pending"
            or (r["status"] == "claimed" and r["claimed_at"] and r["claimed_at"] < stale_before)
        ]

    def claim_deliveries(
        self,
        delivery_ids: Sequence[str],
        claimed_by: str,
        now: dt.datetime,
        stale_before: dt.datetime,
    ) -> list[str]:
        wanted = set(delivery_ids)
        got = []
        for row in self.pending_deliveries(stale_before):
            if row["delivery_id"] in wanted:
                row.update(status="claimed", claimed_by=claimed_by, claimed_at=now, updated_at=now)
                row["attempts"] = int(row.get("attempts") or 0) + 1
                got.append(row["delivery_id"])
        self.save()
        return got

    def finish_delivery(
        self, delivery_id: str, claimed_by: str, *, sent: bool, error: str | None, now: dt.datetime
    ) -> None:
        for row in self.rows("alert_log"):
            if row["delivery_id"] == delivery_id and row["claimed_by"] == claimed_by:
                if sent:
                    row.update(status="sent", sent_at=now, updated_at=now, last_error=None)
                else:
                    row.update(status="pending", last_error=error, updated_at=now)
        self.save()
