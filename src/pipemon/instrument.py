"""Instrumentation for the pipeline's processors: one execution-log row per run.

A phase 2-5 processor wraps its run in :func:`track_execution` (or decorates its entry point
with :func:`tracked`). On the way out, whatever happened, the helper writes exactly one
``processor_execution_log`` row and one ``dependency_check_log`` row per dependency the
processor checked, linked by ``execution_id``::

    with track_execution("player_game_summary", phase="phase3", data_date=date(2025, 12, 1),
                         trigger_source="pubsub", pubsub_message_id=msg_id, sink=sink) as run:
        run.check_dependency("nba_raw.nbac_gamebook_player_stats", row_count=240, passed=True)
        ...
        run.records(processed=240, created=240)

- An exception inside the block gives a ``failed`` row (``error_type`` = the exception's class
  name, ``error_message`` scrubbed of secrets and truncated) and then propagates unchanged.
- ``run.mark_partial(...)`` / ``run.mark_skipped(...)`` / ``run.mark_failed(...)`` set the
  status explicitly; otherwise a block that ends normally is ``success``.
- Rows go to a sink (:class:`DuckDBSink`, :class:`BigQuerySink`, :class:`MemorySink`). A sink
  that fails is logged and never masks the processor's own exception; ``strict=True`` makes a
  sink failure raise when the processor itself succeeded.
- The rows written are kept on the run (``run.execution_row``, ``run.dependency_rows``), so
  tests and demo generators can reuse them.

Columns and types follow the source contract in
``models/staging/orchestration/_orchestration__sources.yml``; every timestamp is UTC.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import logging
import os
import re
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar, runtime_checkable

from pipemon.alerts.redact import REDACTED as _REDACTED
from pipemon.alerts.redact import SECRET_KEY, scrub_credentials

logger = logging.getLogger(__name__)

EXECUTION_TABLE = "processor_execution_log"
DEPENDENCY_TABLE = "dependency_check_log"

#: Column order of the two contract tables (the sources YAML is the reference).
EXECUTION_COLUMNS: tuple[str, ...] = (
    "execution_id",
    "processor_name",
    "phase",
    "triggered_at",
    "completed_at",
    "duration_seconds",
    "status",
    "data_date",
    "trigger_source",
    "pubsub_message_id",
    "correlation_id",
    "records_processed",
    "records_created",
    "records_updated",
    "error_type",
    "error_message",
    "input_params",
    "cloud_run_revision",
    "processed_at",
)
DEPENDENCY_COLUMNS: tuple[str, ...] = (
    "check_id",
    "check_time",
    "processor_name",
    "data_date",
    "required_table",
    "required_partition",
    "check_result",
    "row_count",
    "error_message",
    "fallback_available",
    "fallback_used",
    "execution_id",
)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    EXECUTION_TABLE: EXECUTION_COLUMNS,
    DEPENDENCY_TABLE: DEPENDENCY_COLUMNS,
}
JSON_COLUMNS = frozenset({"input_params"})

PHASES = ("phase2", "phase3", "phase4", "phase5")
STATUSES = ("success", "failed", "partial", "skipped")
TRIGGER_SOURCES = ("pubsub", "scheduler", "manual", "orchestrator")
CHECK_RESULTS = ("PASS", "FAIL", "SKIP")

MAX_ERROR_MESSAGE_CHARS = 2000
_TRUNCATED = " ... [truncated]"

Row = dict[str, Any]
Clock = Callable[[], datetime]


# --------------------------------------------------------------------------------------------
# Secret scrubbing (one helper for every output: pipemon.alerts.redact)
# --------------------------------------------------------------------------------------------

_SECRET_PARAM = re.compile(rf"(?i){SECRET_KEY}")
scrub = scrub_credentials


def clean_message(text: str | None, limit: int = MAX_ERROR_MESSAGE_CHARS) -> str | None:
    """An error message fit for the log: scrubbed, then cut to ``limit`` characters."""
    if text is None:
        return None
    text = scrub(text)
    if len(text) > limit:
        text = text[: max(limit - len(_TRUNCATED), 0)] + _TRUNCATED
    return text


def _redact_params(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            str(key): _REDACTED if _SECRET_PARAM.search(str(key)) else _redact_params(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_params(item) for item in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def params_json(params: Mapping[str, Any] | None) -> str | None:
    """``input_params`` as JSON text, with secret-looking keys and values redacted."""
    if params is None:
        return None
    return json.dumps(_redact_params(params), default=_json_default, sort_keys=True)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: date | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        # A datetime's .date() would silently be the UTC date: game dates are ET dates.
        raise TypeError("data_date must be a date (the ET game date), not a datetime")
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _phase(value: str | int) -> str:
    phase = f"phase{value}" if isinstance(value, int) else value
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}; got {value!r}")
    return phase


def _check_choice(name: str, value: str | None, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _count(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative int; got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Sinks
# --------------------------------------------------------------------------------------------


class SinkError(RuntimeError):
    """A sink could not write its rows."""


@runtime_checkable
class ExecutionSink(Protocol):
    """Where instrumentation rows go. ``table`` is a contract table name
    (``processor_execution_log`` or ``dependency_check_log``); rows hold Python values
    (aware UTC datetimes, dates, JSON text) keyed by contract column."""

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None: ...


@dataclass
class MemorySink:
    """Keeps rows in memory; for tests and for generators that write rows themselves."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.tables.setdefault(table, []).extend(dict(row) for row in rows)


def _orchestration_dataset() -> str:
    from pipemon.project import Datasets

    return Datasets.resolved().orchestration


class DuckDBSink:
    """Inserts into the contract tables of a DuckDB file (created by
    ``dbt run-operation create_contract_tables``). One short connection per write."""

    def __init__(self, path: str | Path, *, schema: str | None = None) -> None:
        self.path = Path(path)
        self.schema = schema or _orchestration_dataset()

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        from pipemon.warehouse.appender import DuckDBAppender

        columns = TABLE_COLUMNS[table]
        values = [[self._value(row.get(column)) for column in columns] for row in rows]
        DuckDBAppender(self.path).append(self.schema, table, columns, values)

    @staticmethod
    def _value(value: Any) -> Any:
        # Contract timestamps are naive UTC `timestamp` columns in DuckDB.
        if isinstance(value, datetime):
            return _utc(value).replace(tzinfo=None)
        return value

    def fetch_rows(self, table: str, *, execution_id: str | None = None) -> list[Row]:
        """Rows of a contract table (optionally of one execution) as dicts, timestamps UTC."""
        from pipemon.warehouse.appender import DuckDBAppender

        columns = TABLE_COLUMNS[table]
        where = {"execution_id": execution_id} if execution_id is not None else {}
        fetched = DuckDBAppender(self.path).fetch(self.schema, table, columns, where)
        rows = []
        for record in fetched:
            row = dict(zip(columns, record, strict=True))
            for key, value in row.items():
                if isinstance(value, datetime):
                    row[key] = _utc(value)
            rows.append(row)
        return rows


class BigQuerySink:
    """Streams rows into ``<project>.<dataset>.<table>`` with ``insert_rows_json``.

    ``row_ids`` are the execution/check ids, so BigQuery drops a retried insert of the same
    row (best effort). The client is created on first write (Application Default Credentials).
    """

    def __init__(
        self,
        client: Any | None = None,
        *,
        project: str | None = None,
        dataset: str | None = None,
    ) -> None:
        from pipemon.warehouse.appender import BigQueryAppender

        self.appender = BigQueryAppender(client, project=project)
        self.project = project
        self.dataset = dataset or _orchestration_dataset()

    @property
    def client(self) -> Any:
        return self.appender.client

    def table_id(self, table: str) -> str:
        return self.appender.table_id(self.dataset, table)

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        from pipemon.warehouse import WarehouseError

        if not rows:
            return
        columns = TABLE_COLUMNS[table]
        id_column = columns[0]
        json_rows = [{column: _bq_json(row.get(column)) for column in columns} for row in rows]
        try:
            self.appender.stream(
                self.table_id(table), json_rows, row_ids=[str(row[id_column]) for row in rows]
            )
        except WarehouseError as exc:
            raise SinkError(str(exc)) from None


def _bq_json(value: Any) -> Any:
    """A value as the streaming API wants it (JSON columns stay JSON text)."""
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def default_sink() -> ExecutionSink:
    """BigQuery when ``PIPEMON_TARGET=bigquery`` (project ``PIPEMON_BQ_PROJECT``), else the
    embedded DuckDB warehouse (``PIPEMON_DUCKDB_PATH``)."""
    if os.environ.get("PIPEMON_TARGET") == "bigquery":
        return BigQuerySink(project=os.environ.get("PIPEMON_BQ_PROJECT") or None)
    from pipemon.project import duckdb_path

    return DuckDBSink(duckdb_path())


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


@dataclass
class ExecutionRun:
    """One processor execution in progress; collects what becomes its log rows."""

    processor_name: str
    phase: str
    data_date: date | None
    trigger_source: str | None
    pubsub_message_id: str | None
    correlation_id: str | None
    input_params: Mapping[str, Any] | None
    clock: Clock
    execution_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    triggered_at: datetime = field(init=False)
    status: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    records_processed: int | None = None
    records_created: int | None = None
    records_updated: int | None = None
    dependency_rows: list[Row] = field(default_factory=list)
    execution_row: Row | None = None

    def __post_init__(self) -> None:
        self.triggered_at = self._now()

    def _now(self) -> datetime:
        return _utc(self.clock())

    # -- what the processor calls ------------------------------------------------------------

    def check_dependency(
        self,
        required_table: str,
        *,
        passed: bool | None,
        partition: str | date | None = None,
        row_count: int | None = None,
        error_message: str | None = None,
        fallback_available: bool | None = None,
        fallback_used: bool | None = None,
    ) -> Row:
        """Record one upstream check. ``passed``: True = PASS, False = FAIL, None = SKIP (not
        checked). ``partition`` defaults to the run's ``data_date``. Returns the row."""
        result = "SKIP" if passed is None else ("PASS" if passed else "FAIL")
        if isinstance(partition, date):
            partition = partition.isoformat()
        elif partition is None and self.data_date is not None:
            partition = self.data_date.isoformat()
        row: Row = {
            "check_id": str(uuid.uuid4()),
            "check_time": self._now(),
            "processor_name": self.processor_name,
            "data_date": self.data_date,
            "required_table": required_table,
            "required_partition": partition,
            "check_result": result,
            "row_count": _count("row_count", row_count),
            "error_message": clean_message(error_message),
            "fallback_available": fallback_available,
            "fallback_used": fallback_used,
            "execution_id": self.execution_id,
        }
        self.dependency_rows.append(row)
        return row

    def records(
        self,
        *,
        processed: int | None = None,
        created: int | None = None,
        updated: int | None = None,
    ) -> None:
        """Set the row counts (arguments left out keep their value)."""
        if processed is not None:
            self.records_processed = _count("processed", processed)
        if created is not None:
            self.records_created = _count("created", created)
        if updated is not None:
            self.records_updated = _count("updated", updated)

    def mark_partial(self, message: str | None = None, *, error_type: str | None = None) -> None:
        """The run finished but did not do all of its work."""
        self._mark("partial", message, error_type)

    def mark_skipped(self, message: str | None = None) -> None:
        """The run decided not to process (no games, already done, dependency missing)."""
        self._mark("skipped", message, None)

    def mark_failed(self, message: str | None = None, *, error_type: str | None = None) -> None:
        """The run failed without raising (the processor handled its own error)."""
        self._mark("failed", message, error_type)

    def _mark(self, status: str, message: str | None, error_type: str | None) -> None:
        self.status = status
        if message is not None:
            self.error_message = clean_message(message)
        if error_type is not None:
            self.error_type = error_type

    # -- what the context manager calls ------------------------------------------------------

    def _failed_with(self, exc: BaseException) -> None:
        self.status = "failed"
        self.error_type = type(exc).__name__
        self.error_message = clean_message(str(exc) or type(exc).__name__)

    def _finish(self) -> Row:
        completed_at = self._now()
        row: Row = {
            "execution_id": self.execution_id,
            "processor_name": self.processor_name,
            "phase": self.phase,
            "triggered_at": self.triggered_at,
            "completed_at": completed_at,
            "duration_seconds": max((completed_at - self.triggered_at).total_seconds(), 0.0),
            "status": self.status or "success",
            "data_date": self.data_date,
            "trigger_source": self.trigger_source,
            "pubsub_message_id": self.pubsub_message_id,
            "correlation_id": self.correlation_id,
            "records_processed": self.records_processed,
            "records_created": self.records_created,
            "records_updated": self.records_updated,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "input_params": params_json(self.input_params),
            "cloud_run_revision": os.environ.get("K_REVISION") or None,
            "processed_at": self._now(),
        }
        self.execution_row = row
        return row

    @property
    def rows(self) -> dict[str, list[Row]]:
        """Every row this run wrote (or tried to write), by contract table."""
        return {
            EXECUTION_TABLE: [self.execution_row] if self.execution_row else [],
            DEPENDENCY_TABLE: list(self.dependency_rows),
        }


_CURRENT: contextvars.ContextVar[ExecutionRun | None] = contextvars.ContextVar(
    "pipemon_current_run", default=None
)


def current_run() -> ExecutionRun:
    """The run of the innermost :func:`track_execution` / :func:`tracked` around the caller."""
    run = _CURRENT.get()
    if run is None:
        raise RuntimeError("no tracked execution is active (use track_execution or @tracked)")
    return run


def _flush(run: ExecutionRun, sink: ExecutionSink, *, raise_errors: bool) -> None:
    failures: list[str] = []
    for table, rows in run.rows.items():
        if not rows:
            continue
        try:
            sink.write(table, rows)
        except Exception as exc:  # the processor's outcome matters more than its log row
            # the traceback goes to the log scrubbed: a sink's error can quote its DSN or token
            logger.error(
                "pipemon: could not write %d %s row(s) for %s execution %s\n%s",
                len(rows),
                table,
                run.processor_name,
                run.execution_id,
                scrub(traceback.format_exc()),
            )
            failures.append(f"{table}: {type(exc).__name__}: {clean_message(str(exc), 300)}")
    if failures and raise_errors:
        raise SinkError("; ".join(failures))


@contextmanager
def track_execution(
    processor_name: str,
    *,
    phase: str | int,
    data_date: date | str | None = None,
    trigger_source: str | None = None,
    pubsub_message_id: str | None = None,
    correlation_id: str | None = None,
    input_params: Mapping[str, Any] | None = None,
    sink: ExecutionSink | None = None,
    execution_id: str | None = None,
    clock: Clock = utc_now,
    strict: bool = False,
) -> Iterator[ExecutionRun]:
    """Track one processor execution and write its log rows when the block ends.

    ``clock`` returns the current time (UTC; injectable so generated history can be placed
    in the past). ``strict`` raises :class:`SinkError` when the rows cannot be written and
    the processor itself succeeded; by default a sink failure is only logged.
    """
    if not processor_name:
        raise ValueError("processor_name is required")
    _check_choice("trigger_source", trigger_source, TRIGGER_SOURCES)
    run = ExecutionRun(
        processor_name=processor_name,
        phase=_phase(phase),
        data_date=_as_date(data_date),
        trigger_source=trigger_source,
        pubsub_message_id=pubsub_message_id,
        correlation_id=correlation_id,
        input_params=input_params,
        clock=clock,
        execution_id=execution_id or str(uuid.uuid4()),
    )
    target = sink if sink is not None else default_sink()
    token = _CURRENT.set(run)
    raised = False
    try:
        yield run
    except BaseException as exc:
        raised = True
        run._failed_with(exc)
        raise
    finally:
        _CURRENT.reset(token)
        run._finish()
        # Never let a logging failure replace the processor's own exception.
        _flush(run, target, raise_errors=strict and not raised)


P = ParamSpec("P")
R = TypeVar("R")

_CALL_FIELDS = ("data_date", "trigger_source", "pubsub_message_id", "correlation_id")


def tracked(
    processor_name: str,
    *,
    phase: str | int,
    sink: ExecutionSink | None = None,
    trigger_source: str | None = None,
    clock: Clock = utc_now,
    strict: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of :func:`track_execution`.

    ``data_date``, ``trigger_source``, ``pubsub_message_id`` and ``correlation_id`` are taken
    from the call's arguments of those names when the function has them; the call's
    arguments (minus ``self``/``cls``) become ``input_params``. Inside, ``current_run()``
    gives the run for ``records()``, ``check_dependency()`` and ``mark_*()``.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind_partial(*args, **kwargs)
            bound.apply_defaults()
            arguments = {
                name: value
                for name, value in bound.arguments.items()
                if name not in ("self", "cls")
            }
            found = {name: arguments.get(name) for name in _CALL_FIELDS}
            with track_execution(
                processor_name,
                phase=phase,
                data_date=found["data_date"],
                trigger_source=found["trigger_source"] or trigger_source,
                pubsub_message_id=found["pubsub_message_id"],
                correlation_id=found["correlation_id"],
                input_params=arguments,
                sink=sink,
                clock=clock,
                strict=strict,
            ):
                return func(*args, **kwargs)

        return wrapper

    return decorate


__all__ = [
    "BigQuerySink",
    "DEPENDENCY_COLUMNS",
    "DEPENDENCY_TABLE",
    "DuckDBSink",
    "EXECUTION_COLUMNS",
    "EXECUTION_TABLE",
    "ExecutionRun",
    "ExecutionSink",
    "MemorySink",
    "SinkError",
    "clean_message",
    "current_run",
    "default_sink",
    "scrub",
    "track_execution",
    "tracked",
]
