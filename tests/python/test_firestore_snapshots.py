"""`pipemon probe --firestore`: the phase-completion documents read through the Firestore client
and stored once per version. No Firestore emulator runs offline, so the client boundary is
tested: Google's real client builds the same calls, and a stand-in with its shape serves them."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipemon import firestore_snapshots as fs


class FakeDocument:
    def __init__(self, doc_id: str, data: dict[str, Any] | None, update_time: datetime | None):
        self.id, self._data, self.update_time = doc_id, data, update_time
        self.exists = data is not None

    def to_dict(self) -> dict[str, Any] | None:
        return self._data


class FakeFirestore:
    """Serves `collection(name).document(id).get()` like google.cloud.firestore.Client."""

    def __init__(self, documents: dict[tuple[str, str], FakeDocument]) -> None:
        self.documents = documents
        self.reads: list[tuple[str, str]] = []

    def collection(self, name: str) -> Any:
        outer = self

        class Collection:
            def document(self, doc_id: str) -> Any:
                class Reference:
                    def get(self) -> FakeDocument:
                        outer.reads.append((name, doc_id))
                        return outer.documents.get((name, doc_id), FakeDocument(doc_id, None, None))

                return Reference()

        return Collection()


def _doc(triggered: bool, keys: int, at: datetime) -> dict[str, Any]:
    doc: dict[str, Any] = {
        f"processor_{i}": {"completed_at": at, "status": "success", "record_count": 10}
        for i in range(keys)
    }
    doc.update({"_completed_count": keys, "_triggered": triggered})
    if triggered:
        doc["_triggered_at"] = at
    return doc


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from session_cache import contract_tables, copy_duckdb

    path = tmp_path_factory.mktemp("firestore") / "warehouse.duckdb"
    return copy_duckdb(contract_tables("planned"), path)  # ensure_contract_tables, once a session


def test_real_client_builds_the_same_calls_offline() -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    client = firestore.Client(project="nba-props-platform", credentials=AnonymousCredentials())
    reference = client.collection("phase3_completion").document("2026-01-05")
    assert reference.path == "phase3_completion/2026-01-05"
    assert callable(reference.get)  # the one call read_documents makes per document


def test_documents_read_and_only_new_versions_stored(warehouse: Path) -> None:
    t1 = datetime(2026, 1, 6, 11, 0, tzinfo=UTC)
    t2 = datetime(2026, 1, 6, 12, 30, tzinfo=UTC)
    client = FakeFirestore(
        {
            ("phase3_completion", "2026-01-05"): FakeDocument("2026-01-05", _doc(False, 4, t1), t1),
            ("phase2_completion", "2026-01-05"): FakeDocument("2026-01-05", _doc(True, 6, t1), t1),
        }
    )
    dates = fs.dates_to_read(date(2026, 1, 6), 2)
    assert dates == [date(2026, 1, 6), date(2026, 1, 5)]
    snaps = fs.read_documents(client, dates, now=t2)
    assert len(client.reads) == 6  # 3 collections x 2 dates; missing documents are skipped
    assert {(s.collection, s.document_id) for s in snaps} == {
        ("phase3_completion", "2026-01-05"),
        ("phase2_completion", "2026-01-05"),
    }
    stored = json.loads(next(s.data for s in snaps if s.collection == "phase2_completion"))
    assert stored["_triggered"] is True and stored["_triggered_at"] == "2026-01-06T11:00:00Z"

    sink = fs.DuckDBSnapshotSink(path=warehouse, dataset="nba_orchestration")
    assert sink.write(snaps) == 2
    assert sink.write(fs.read_documents(client, dates, now=t2)) == 0  # same versions again

    # phase 3 completes: a new version (new update_time) is one new row
    client.documents[("phase3_completion", "2026-01-05")] = FakeDocument(
        "2026-01-05", _doc(True, 5, t2), t2
    )
    assert sink.write(fs.read_documents(client, dates, now=t2)) == 1
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            "select collection, document_id, count(*) from nba_orchestration.firestore_phase_snapshots "
            "group by 1, 2 order by 1"
        ).fetchall()
    assert rows == [("phase2_completion", "2026-01-05", 1), ("phase3_completion", "2026-01-05", 2)]


def test_cli_path_reports_a_client_failure_and_a_bad_day_count(capsys, warehouse) -> None:
    from pipemon.commands.probe import _snapshot_firestore

    class Broken:
        def collection(self, name: str) -> Any:
            raise PermissionError("403 Missing or insufficient permissions")

    args = argparse.Namespace(firestore_days=3, dry_run=False)
    assert _snapshot_firestore(args, client=Broken()) == 2
    assert "reading Firestore failed: PermissionError: 403" in capsys.readouterr().err
    args = argparse.Namespace(firestore_days=0, dry_run=False)
    assert _snapshot_firestore(args, client=FakeFirestore({})) == 2
    assert "--firestore-days must be a positive whole number, got 0" in capsys.readouterr().err


def test_bigquery_sink_merges_on_document_version() -> None:
    import sqlglot

    sql = fs.BigQuerySnapshotSink(project_id="p", dataset="nba_orchestration").merge_sql(
        "p.nba_orchestration.firestore_phase_snapshots"
    )
    parsed = sqlglot.parse_one(sql, read="bigquery")
    assert parsed.key == "merge"
    assert "stored.update_time = incoming.update_time" in sql
