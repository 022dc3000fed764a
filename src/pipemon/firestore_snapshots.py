"""Snapshots of the orchestrators' phase-completion documents, read through the Firestore client.

The pipeline keeps its phase state in Firestore (`phase2_completion/{date}`, `phase3_...`,
`phase4_...`) and only copies it to BigQuery since 2026-01-23 (`phase_completions`). For the dates
before, and as the authoritative `_triggered` flag, `pipemon probe --firestore` reads the
documents of the last few dates and appends each version it has not stored yet to
`firestore_phase_snapshots` (one row per document version: its update time tells versions apart).

The client is Google's `google.cloud.firestore.Client` (project and credentials from the
environment or Application Default Credentials); anything with the same `collection(name)
.document(id).get()` shape works, which is how the tests drive it offline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pipemon import project

TABLE = "firestore_phase_snapshots"
COLUMNS = ("snapshot_at", "collection", "document_id", "update_time", "data")
COLLECTIONS = ("phase2_completion", "phase3_completion", "phase4_completion")


class DocumentSnapshot(Protocol):
    """What the probe reads of a Firestore document (google.cloud.firestore.DocumentSnapshot)."""

    @property
    def exists(self) -> bool: ...

    @property
    def id(self) -> str: ...

    @property
    def update_time(self) -> Any: ...

    def to_dict(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class PhaseSnapshot:
    """One version of one phase-completion document, as stored."""

    snapshot_at: datetime
    collection: str
    document_id: str
    update_time: datetime | None
    data: str

    def as_row(self) -> dict[str, Any]:
        return {
            "snapshot_at": _iso(self.snapshot_at),
            "collection": self.collection,
            "document_id": self.document_id,
            "update_time": _iso(self.update_time) if self.update_time else None,
            "data": self.data,
        }


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _iso(value: datetime) -> str:
    return _naive_utc(value).isoformat(sep=" ")


def _utc(value: Any) -> datetime | None:
    """Firestore timestamps are timezone-aware datetimes (DatetimeWithNanoseconds)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise TypeError(f"unexpected Firestore timestamp {value!r}")


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        stamp = _utc(value)
        assert stamp is not None
        return stamp.isoformat().replace("+00:00", "Z")
    return str(value)


def dates_to_read(today: date, days: int) -> list[date]:
    """The data dates whose documents can still change: today and the `days - 1` before."""
    if days < 1:
        raise ValueError(f"--firestore-days must be a positive whole number, got {days}")
    return [today - timedelta(days=offset) for offset in range(days)]


def read_documents(
    client: Any,
    dates: Iterable[date],
    collections: Sequence[str] = COLLECTIONS,
    *,
    now: datetime | None = None,
) -> list[PhaseSnapshot]:
    """Reads `collection/date` for every collection and date; documents that do not exist (a
    phase that has not started, or phase 2 after its orchestrator was deleted) are skipped."""
    taken = now or datetime.now(UTC)
    out: list[PhaseSnapshot] = []
    for collection in collections:
        for day in dates:
            document: DocumentSnapshot = (
                client.collection(collection).document(day.isoformat()).get()
            )
            if not document.exists:
                continue
            payload = document.to_dict() or {}
            out.append(
                PhaseSnapshot(
                    snapshot_at=taken,
                    collection=collection,
                    document_id=document.id,
                    update_time=_utc(document.update_time),
                    data=json.dumps(payload, sort_keys=True, default=_json_default),
                )
            )
    return out


def default_client(project_id: str | None = None) -> Any:
    """Google's Firestore client, for `PIPEMON_FIRESTORE_PROJECT` (else `PIPEMON_BQ_PROJECT`, else
    the Application Default Credentials' project)."""
    from google.cloud import firestore

    chosen = (
        project_id
        or os.environ.get("PIPEMON_FIRESTORE_PROJECT")
        or os.environ.get("PIPEMON_BQ_PROJECT")
    )
    return firestore.Client(project=chosen) if chosen else firestore.Client()


class DuckDBSnapshotSink:
    """Appends the versions not stored yet to `<orchestration>.firestore_phase_snapshots`."""

    def __init__(self, path: Path | None = None, dataset: str | None = None) -> None:
        self.path = path or project.duckdb_path()
        self.dataset = dataset or project.Datasets.resolved().orchestration

    def write(self, snapshots: Sequence[PhaseSnapshot]) -> int:
        from pipemon.probe import WarehouseNotReady, missing_table_message
        from pipemon.warehouse.appender import DuckDBAppender, TableMissing

        rows = [
            (
                _naive_utc(s.snapshot_at),
                s.collection,
                s.document_id,
                _naive_utc(s.update_time) if s.update_time else None,
                s.data,
            )
            for s in snapshots
        ]
        try:
            return DuckDBAppender(self.path).append(
                self.dataset,
                TABLE,
                COLUMNS,
                rows,
                unless_stored=("collection", "document_id", "update_time"),
            )
        except TableMissing as missing:
            raise WarehouseNotReady(
                missing_table_message(missing.relation, missing.where)
            ) from None


class BigQuerySnapshotSink:
    """Appends the versions not stored yet to BigQuery (one MERGE per batch)."""

    def __init__(
        self, project_id: str | None = None, dataset: str | None = None, client: Any = None
    ) -> None:
        self.project_id = project_id or os.environ.get("PIPEMON_BQ_PROJECT")
        self.dataset = dataset or project.Datasets.resolved().orchestration
        self._client = client

    def merge_sql(self, table: str) -> str:
        return (
            f"merge `{table}` as stored using (select * from unnest(@rows)) as incoming "
            "on stored.collection = incoming.collection and stored.document_id = incoming.document_id "
            "and stored.update_time = incoming.update_time "
            "when not matched then insert (snapshot_at, collection, document_id, update_time, data) "
            "values (incoming.snapshot_at, incoming.collection, incoming.document_id, "
            "incoming.update_time, incoming.data)"
        )

    def write(self, snapshots: Sequence[PhaseSnapshot]) -> int:
        from google.cloud import bigquery

        from pipemon.warehouse.appender import BigQueryAppender

        appender = BigQueryAppender(self._client, project=self.project_id)
        table = appender.table_id(self.dataset, TABLE)
        rows = [
            bigquery.StructQueryParameter(
                None,
                bigquery.ScalarQueryParameter("snapshot_at", "TIMESTAMP", s.snapshot_at),
                bigquery.ScalarQueryParameter("collection", "STRING", s.collection),
                bigquery.ScalarQueryParameter("document_id", "STRING", s.document_id),
                bigquery.ScalarQueryParameter("update_time", "TIMESTAMP", s.update_time),
                bigquery.ScalarQueryParameter("data", "STRING", s.data),
            )
            for s in snapshots
        ]
        if not rows:
            return 0
        return appender.merge(
            table, self.merge_sql(table), [bigquery.ArrayQueryParameter("rows", "STRUCT", rows)]
        )
