"""Warehouse access for the runner and the status command, behind one small interface.

    wh = open_warehouse(resolve(target))     # DuckDB or BigQuery, from the dbt profile
    wh.ensure_tables()                       # the runner's tables (DDL in tables.py)
    wh.query("select * from " + wh.table("fct_alerts") + " where severity = @s", {"s": "error"})

Parameters are named `@name` in SQL for both warehouses. Timestamps are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from pipemon.warehouse.settings import SettingsError, WarehouseSettings, resolve
from pipemon.warehouse.tables import TABLES, Table


class WarehouseError(RuntimeError):
    """The warehouse could not be reached, read or written."""


class Warehouse(Protocol):
    """What the runner and the status command need from a warehouse."""

    dialect: str
    schema: str

    def table(self, name: str, schema: str | None = None) -> str:
        """Quoted name of a relation in the monitoring dataset (or `schema`)."""
        ...

    def ensure_tables(self) -> None:
        """Create the runner's tables (alert_log, monitor_runs, test_results) if missing."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL with `@name` parameters; rows as dicts (empty for statements)."""
        ...

    def insert_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert rows into a runner table, skipping keys already there; returns rows inserted."""
        ...

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        """Set columns of one monitor_runs row."""
        ...

    def alert_history(self, since: datetime) -> list[dict[str, Any]]:
        """alert_log rows created since `since`, oldest first."""
        ...

    def pending_deliveries(self, stale_before: datetime) -> list[dict[str, Any]]:
        """Deliveries to (re)try: pending, or claimed before `stale_before` by a run that died."""
        ...

    def claim_deliveries(
        self, delivery_ids: Sequence[str], claimed_by: str, now: datetime, stale_before: datetime
    ) -> list[str]:
        """Atomically take deliveries for sending; returns the ids this caller now holds."""
        ...

    def finish_delivery(
        self, delivery_id: str, claimed_by: str, *, sent: bool, error: str | None, now: datetime
    ) -> None:
        """Mark a claimed delivery sent, or return it to pending with its error."""
        ...

    def read_relation(self, relation_name: str, limit: int) -> list[dict[str, Any]]:
        """Rows of a relation named as dbt names it (stored test failures)."""
        ...

    def incident_events(self, since: datetime) -> list[dict[str, Any]]:
        """incident_events of every incident still open or with an event since `since`."""
        ...

    def last_run(self, everything: bool = False) -> dict[str, Any] | None:
        """The latest completed monitor_runs row of a `run` (its vars hold the as_of); with
        `everything`, of a run that built every node (no selection) and judged its results."""
        ...

    def close(self) -> None: ...


def open_warehouse(settings: WarehouseSettings) -> Warehouse:
    """The warehouse implementation for the settings' type."""
    if settings.type == "duckdb":
        from pipemon.warehouse.duckdb import DuckDBWarehouse

        return DuckDBWarehouse(settings)
    if settings.type == "bigquery":
        from pipemon.warehouse.bigquery import BigQueryWarehouse

        return BigQueryWarehouse(settings)
    raise WarehouseError(f"unsupported warehouse type {settings.type!r}")


KEYS = {
    "alert_log": "delivery_id",
    "monitor_runs": "run_id",
    "test_results": "test_result_id",
    "incident_events": "event_id",
    "output_pauses": "pause_event_id",
}


def last_run_sql(table: str, everything: bool) -> str:
    """The latest completed `run` row of monitor_runs (the same SQL on DuckDB and BigQuery);
    with `everything`, of one that built the whole project and judged it (not a monitoring
    failure: those may have stopped before the marts were written)."""
    built = (
        " and selection is null and exclusion is null and outcome in ('clear', 'warn', 'fail')"
        if everything
        else ""
    )
    return (
        f"select * from {table} where command = 'run' and completed_at is not null{built} "
        "order by completed_at desc limit 1"
    )


def live_incident_events_sql(table: str) -> str:
    """incident_events rows of incidents not finished long ago: every incident still open, and
    any incident with an event since `@since` (the same SQL on DuckDB and BigQuery)."""
    return (
        f"select * from {table} where incident_id in ("
        f"select incident_id from {table} group by incident_id "
        "having sum(case when event_type = 'resolved' then 1 else 0 end) = 0 "
        "or max(occurred_at) >= @since) order by occurred_at, event_id"
    )


__all__ = [
    "KEYS",
    "TABLES",
    "SettingsError",
    "Table",
    "Warehouse",
    "WarehouseError",
    "WarehouseSettings",
    "live_incident_events_sql",
    "open_warehouse",
    "resolve",
]
