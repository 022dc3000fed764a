"""pipemon.instrument against the real contract tables (created by the dbt macro on DuckDB)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from pipemon import project
from pipemon.instrument import (
    DEPENDENCY_COLUMNS,
    DEPENDENCY_TABLE,
    EXECUTION_COLUMNS,
    EXECUTION_TABLE,
    BigQuerySink,
    DuckDBSink,
    MemorySink,
    SinkError,
    current_run,
    track_execution,
    tracked,
)
from session_cache import contract_tables, copy_duckdb

SOURCES_YAML = Path(__file__).resolve().parents[2] / (
    "models/staging/orchestration/_orchestration__sources.yml"
)
DAY = date(2025, 12, 1)


@pytest.fixture(scope="session")
def contract_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A DuckDB file holding the contract tables, created once by the dbt macro."""
    path = tmp_path_factory.mktemp("instrument") / "contract.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPEMON_DUCKDB_PATH", str(path))
        mp.setenv("PIPEMON_TARGET", "local")
        mp.setenv("DBT_PROFILES_DIR", str(project.project_dir() / "profiles"))
        # created by the dbt macro once per session (session_cache), copied here
        yield copy_duckdb(contract_tables("planned"), path)


@pytest.fixture
def sink(contract_db: Path) -> Iterator[DuckDBSink]:
    yield DuckDBSink(contract_db)
    con = duckdb.connect(str(contract_db))
    try:
        con.execute(f"delete from nba_orchestration.{EXECUTION_TABLE}")
        con.execute(f"delete from nba_orchestration.{DEPENDENCY_TABLE}")
    finally:
        con.close()


class StepClock:
    """A clock that advances a fixed step per reading, from a fixed UTC start."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        value = self.now
        self.now += self.step
        return value


def contract_columns(table: str) -> list[str]:
    sources = yaml.safe_load(SOURCES_YAML.read_text())["sources"][0]["tables"]
    (spec,) = [t for t in sources if t["name"] == table]
    return [column["name"] for column in spec["columns"]]


def warehouse_columns(path: Path, table: str) -> list[tuple[str, str]]:
    con = duckdb.connect(str(path))
    try:
        return [
            (name, kind)
            for name, kind in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'nba_orchestration' and table_name = ? "
                "order by ordinal_position",
                [table],
            ).fetchall()
        ]
    finally:
        con.close()


def test_columns_match_the_contract(contract_db: Path) -> None:
    assert list(EXECUTION_COLUMNS) == contract_columns(EXECUTION_TABLE)
    assert list(DEPENDENCY_COLUMNS) == contract_columns(DEPENDENCY_TABLE)
    assert [c for c, _ in warehouse_columns(contract_db, EXECUTION_TABLE)] == list(
        EXECUTION_COLUMNS
    )


def test_success_writes_one_row(sink: DuckDBSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K_REVISION", "phase3-processors-00042-abc")
    clock = StepClock(datetime(2025, 12, 2, 6, 30, tzinfo=UTC), timedelta(seconds=5))
    with track_execution(
        "player_game_summary",
        phase="phase3",
        data_date=DAY,
        trigger_source="pubsub",
        pubsub_message_id="msg-1",
        correlation_id="corr-1",
        input_params={"game_date": DAY, "api_key": "should-not-appear"},
        sink=sink,
        clock=clock,
        strict=True,
    ) as run:
        run.records(processed=240, created=240, updated=0)

    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert row == run.execution_row
    uuid.UUID(row["execution_id"])
    assert row["processor_name"] == "player_game_summary"
    assert row["phase"] == "phase3"
    assert row["status"] == "success"
    assert row["data_date"] == DAY
    assert row["trigger_source"] == "pubsub"
    assert (row["pubsub_message_id"], row["correlation_id"]) == ("msg-1", "corr-1")
    assert (row["records_processed"], row["records_created"], row["records_updated"]) == (
        240,
        240,
        0,
    )
    assert row["error_type"] is None and row["error_message"] is None
    assert row["triggered_at"] == datetime(2025, 12, 2, 6, 30, tzinfo=UTC)
    assert row["completed_at"] == datetime(2025, 12, 2, 6, 30, 5, tzinfo=UTC)
    assert row["duration_seconds"] == 5.0
    assert row["processed_at"] >= row["completed_at"]
    assert row["cloud_run_revision"] == "phase3-processors-00042-abc"
    params = json.loads(row["input_params"])
    assert params == {"api_key": "[REDACTED]", "game_date": "2025-12-01"}
    assert sink.fetch_rows(DEPENDENCY_TABLE) == []


def test_failing_processor_gets_failed_row_and_exception_propagates(sink: DuckDBSink) -> None:
    class GamebookMissingError(RuntimeError):
        pass

    with (
        pytest.raises(GamebookMissingError, match="no gamebook"),
        track_execution("player_game_summary", phase=3, data_date="2025-12-01", sink=sink),
    ):
        raise GamebookMissingError(
            "no gamebook rows for 2025-12-01 (source postgres://etl:s3cr3t@db:5432/nba)"
        )

    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert row["status"] == "failed"
    assert row["error_type"] == "GamebookMissingError"
    assert row["error_message"].startswith("no gamebook rows for 2025-12-01")
    assert "s3cr3t" not in row["error_message"]
    assert row["completed_at"] is not None and row["duration_seconds"] >= 0


def test_long_error_message_is_truncated(sink: DuckDBSink) -> None:
    with (
        pytest.raises(ValueError),
        track_execution("ml_feature_store", phase="phase4", sink=sink),
    ):
        raise ValueError("x" * 10_000)
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert len(row["error_message"]) == 2000
    assert row["error_message"].endswith("[truncated]")


def test_dependency_rows_are_linked_by_execution_id(sink: DuckDBSink) -> None:
    clock = StepClock(datetime(2025, 12, 2, 7, 0, tzinfo=UTC))
    with track_execution(
        "player_game_summary", phase="phase3", data_date=DAY, sink=sink, clock=clock
    ) as run:
        run.check_dependency(
            "nba_raw.nbac_gamebook_player_stats",
            partition="2025-12-01",
            row_count=0,
            passed=False,
            error_message="partition empty",
            fallback_available=True,
            fallback_used=True,
        )
        run.check_dependency("nba_raw.bdl_player_boxscores", row_count=238, passed=True)
        run.check_dependency("nba_raw.nbac_play_by_play", passed=None)
        run.records(processed=238, created=238)

    deps = sorted(sink.fetch_rows(DEPENDENCY_TABLE), key=lambda r: r["check_time"])
    assert [d["check_result"] for d in deps] == ["FAIL", "PASS", "SKIP"]
    assert {d["execution_id"] for d in deps} == {run.execution_id}
    assert len({d["check_id"] for d in deps}) == 3
    assert deps[0]["required_table"] == "nba_raw.nbac_gamebook_player_stats"
    assert deps[0]["error_message"] == "partition empty"
    assert (deps[0]["fallback_available"], deps[0]["fallback_used"]) == (True, True)
    assert deps[1]["required_partition"] == "2025-12-01"  # defaults to data_date
    assert deps[1]["row_count"] == 238
    assert all(d["processor_name"] == "player_game_summary" for d in deps)
    assert all(d["data_date"] == DAY for d in deps)
    assert all(d["check_time"].tzinfo is UTC for d in deps)
    assert deps == sorted(run.dependency_rows, key=lambda r: r["check_time"])
    (execution,) = sink.fetch_rows(EXECUTION_TABLE, execution_id=run.execution_id)
    assert execution["status"] == "success"


def test_dependency_rows_are_written_when_the_processor_fails(sink: DuckDBSink) -> None:
    with (
        pytest.raises(LookupError),
        track_execution("ml_feature_store", phase="phase4", data_date=DAY, sink=sink) as run,
    ):
        run.check_dependency("nba_precompute.player_daily_cache", row_count=0, passed=False)
        raise LookupError("player_daily_cache empty")
    (dep,) = sink.fetch_rows(DEPENDENCY_TABLE)
    assert dep["execution_id"] == run.execution_id and dep["check_result"] == "FAIL"
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert (row["status"], row["error_type"]) == ("failed", "LookupError")


@pytest.mark.parametrize(
    ("mark", "status", "message"),
    [
        ("partial", "partial", "12 of 15 players written"),
        ("skipped", "skipped", "no games on 2025-11-27"),
        ("failed", "failed", "upstream not ready"),
    ],
)
def test_explicit_status(sink: DuckDBSink, mark: str, status: str, message: str) -> None:
    with track_execution("upcoming_player_game_context", phase="phase3", sink=sink) as run:
        getattr(run, f"mark_{mark}")(message)
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert row["status"] == status
    assert row["error_message"] == message


def test_exception_after_mark_partial_is_failed(sink: DuckDBSink) -> None:
    with (
        pytest.raises(KeyError),
        track_execution("team_offense_game_summary", phase="phase3", sink=sink) as run,
    ):
        run.mark_partial("half done")
        raise KeyError("team_abbr")
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert (row["status"], row["error_type"]) == ("failed", "KeyError")


def test_decorator_form(sink: DuckDBSink) -> None:
    @tracked("ml_feature_store", phase="phase4", sink=sink, trigger_source="orchestrator")
    def process(data_date: date, *, correlation_id: str | None = None, limit: int = 10) -> int:
        run = current_run()
        run.check_dependency("nba_analytics.player_game_summary", row_count=400, passed=True)
        run.records(processed=400, created=380)
        return 380

    assert process(DAY, correlation_id="corr-9") == 380
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert row["processor_name"] == "ml_feature_store" and row["phase"] == "phase4"
    assert row["data_date"] == DAY
    assert (row["trigger_source"], row["correlation_id"]) == ("orchestrator", "corr-9")
    assert json.loads(row["input_params"]) == {
        "correlation_id": "corr-9",
        "data_date": "2025-12-01",
        "limit": 10,
    }
    assert (row["records_processed"], row["records_created"]) == (400, 380)
    (dep,) = sink.fetch_rows(DEPENDENCY_TABLE)
    assert dep["execution_id"] == row["execution_id"]


def test_decorator_records_failure(sink: DuckDBSink) -> None:
    @tracked("xgboost_v1", phase=5, sink=sink)
    def predict(data_date: date) -> None:
        raise TimeoutError("model endpoint timed out")

    with pytest.raises(TimeoutError):
        predict(DAY)
    (row,) = sink.fetch_rows(EXECUTION_TABLE)
    assert (row["status"], row["error_type"], row["phase"]) == ("failed", "TimeoutError", "phase5")


class BrokenSink:
    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        raise ConnectionError("warehouse unreachable")


def test_sink_failure_does_not_mask_processor_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="pipemon.instrument"),
        pytest.raises(ZeroDivisionError),
        track_execution("player_game_summary", phase="phase3", sink=BrokenSink(), strict=True),
    ):
        1 / 0  # noqa: B018
    assert "could not write" in caplog.text


def test_sink_failure_after_success_is_logged_or_raised_when_strict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="pipemon.instrument"),
        track_execution("player_game_summary", phase="phase3", sink=BrokenSink()) as run,
    ):
        run.records(processed=1)
    assert "could not write 1 processor_execution_log row" in caplog.text
    with (
        pytest.raises(SinkError, match="warehouse unreachable"),
        track_execution("player_game_summary", phase="phase3", sink=BrokenSink(), strict=True),
    ):
        pass


def test_bad_arguments_are_rejected_before_running() -> None:
    with pytest.raises(ValueError, match="phase"):
        track_execution("x", phase="phase9", sink=MemorySink()).__enter__()
    with pytest.raises(ValueError, match="trigger_source"):
        track_execution("x", phase=3, trigger_source="cron", sink=MemorySink()).__enter__()
    with pytest.raises(TypeError, match="ET game date"):
        track_execution("x", phase=3, data_date=datetime.now(UTC), sink=MemorySink()).__enter__()


class FakeBigQueryClient:
    project = "my-project"

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]], list[str]]] = []

    def insert_rows_json(
        self, table: str, json_rows: Sequence[dict[str, Any]], row_ids: Sequence[str]
    ) -> list[Any]:
        self.calls.append((table, list(json_rows), list(row_ids)))
        json.dumps(list(json_rows))  # must be JSON-serialisable as is
        return []


def test_bigquery_sink_streams_json_rows() -> None:
    client = FakeBigQueryClient()
    sink = BigQuerySink(client, dataset="nba_orchestration")
    clock = StepClock(datetime(2025, 12, 2, 6, 30, tzinfo=UTC))
    with track_execution(
        "player_game_summary",
        phase="phase3",
        data_date=DAY,
        input_params={"x": 1},
        sink=sink,
        clock=clock,
        strict=True,
    ) as run:
        run.check_dependency("nba_raw.nbac_schedule", row_count=8, passed=True)

    (ex_table, ex_rows, ex_ids), (dep_table, dep_rows, dep_ids) = client.calls
    assert ex_table == "my-project.nba_orchestration.processor_execution_log"
    assert dep_table == "my-project.nba_orchestration.dependency_check_log"
    assert ex_ids == [run.execution_id] and dep_ids == [dep_rows[0]["check_id"]]
    (row,) = ex_rows
    assert list(row) == list(EXECUTION_COLUMNS)
    assert row["triggered_at"] == "2025-12-02T06:30:00.000000Z"
    assert row["data_date"] == "2025-12-01"
    assert row["input_params"] == '{"x": 1}'
    assert list(dep_rows[0]) == list(DEPENDENCY_COLUMNS)


def test_bigquery_sink_raises_on_insert_errors() -> None:
    class RejectingClient(FakeBigQueryClient):
        def insert_rows_json(
            self, table: str, json_rows: Sequence[dict[str, Any]], row_ids: Sequence[str]
        ) -> list[Any]:
            return [{"index": 0, "errors": [{"reason": "invalid"}]}]

    with (
        pytest.raises(SinkError, match="rejected"),
        track_execution(
            "x", phase=2, sink=BigQuerySink(RejectingClient(), project="p"), strict=True
        ),
    ):
        pass


def test_rows_are_returned_for_reuse() -> None:
    """Generators and mart tests can take the rows straight from the run."""
    memory = MemorySink()
    with track_execution("nbac_schedule", phase="phase2", data_date=DAY, sink=memory) as run:
        run.check_dependency("nba_raw.nbac_schedule", passed=True, row_count=8)
    assert memory.tables[EXECUTION_TABLE] == run.rows[EXECUTION_TABLE]
    assert memory.tables[DEPENDENCY_TABLE] == run.rows[DEPENDENCY_TABLE]
