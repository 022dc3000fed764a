"""The embedded warehouse: one DuckDB file (the demo, the tests, CI).

DuckDB lets one process write a file at a time; the runner serialises whole runs with a lock
file beside the warehouse (pipemon.alerts.lock), and the claim below is atomic as well.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from pipemon.warehouse import (
    KEYS,
    TABLES,
    WarehouseError,
    last_run_sql,
    live_incident_events_sql,
)
from pipemon.warehouse.settings import WarehouseSettings
from pipemon.warehouse.tables import ddl, duckdb_type

_PARAM = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")
# what the statement text holds: quoted strings and identifiers (kept), placeholders (replaced)
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--|/\*|\?|\$([A-Za-z_][A-Za-z0-9_]*)")


def _literal(value: Any) -> str | None:
    """A value as a DuckDB literal of the type binding would give it; None when only binding
    can carry it (a NUL or unencodable character, a non-finite float, another type)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"CAST({value} AS BIGINT)" if -(2**63) <= value < 2**63 else None
    if isinstance(value, float):
        return f"CAST({value!r} AS DOUBLE)" if math.isfinite(value) else None
    if isinstance(value, datetime):
        return None if value.tzinfo else f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str) and "\x00" not in value:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
        # DuckDB reads a backslash in '...' as itself: a doubled quote is the only escape
        return "'" + value.replace("'", "''") + "'"
    return None


def inline_params(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> str | None:
    """The statement with its placeholders (`?` in order, `$name` by name) replaced by the
    values' literals, or None when a value needs binding or the placeholders do not match.

    Binding any value makes DuckDB's Python client import pandas (a quarter of a second for
    every run of the runner); the runner's statements carry plain values, so it inlines them."""
    literals: list[str] = []
    broken = False

    def replace(match: re.Match[str]) -> str:
        nonlocal broken
        token = match[0]
        if token in ("--", "/*"):  # a comment could hide a placeholder: bind instead
            broken = True
        if token == "?":
            if isinstance(params, Mapping) or len(literals) >= len(params):
                broken = True
                return token
            value = params[len(literals)]
        elif match[1] is not None:
            if not isinstance(params, Mapping) or match[1] not in params:
                broken = True
                return token
            value = params[match[1]]
        else:
            return token
        literal = _literal(value)
        if literal is None:
            broken = True
            return token
        literals.append(literal)
        return literal

    text = _TOKENS.sub(replace, sql)
    if broken or (not isinstance(params, Mapping) and len(literals) != len(params)):
        return None
    return text


def release_dbt_connections() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open after an in-process invocation.

    Otherwise this process keeps the file (other processes cannot open it) and a plain
    `duckdb.connect` here fails with "different configuration".
    """
    module = sys.modules.get("dbt.adapters.duckdb.connections")
    if module is None:  # dbt never ran in this process
        return
    DuckDBConnectionManager = module.DuckDBConnectionManager  # noqa: N806
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            try:
                env.close()
            finally:
                DuckDBConnectionManager._ENV = None


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _from_db(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBWarehouse:
    dialect = "duckdb"

    def __init__(self, settings: WarehouseSettings) -> None:
        if settings.path is None:
            raise WarehouseError("DuckDB target without a path")
        self.settings = settings
        self.schema = settings.schema
        self.path = settings.path
        self._con: duckdb.DuckDBPyConnection | None = None

    # -- connection ------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            if not self.path.is_file():
                raise WarehouseError(f"warehouse file {self.path} does not exist")
            release_dbt_connections()
            try:
                self._con = duckdb.connect(str(self.path))
            except duckdb.Error as exc:
                raise WarehouseError(f"cannot open {self.path}: {exc}") from exc
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def table(self, name: str, schema: str | None = None) -> str:
        return f"{_quote(schema or self.schema)}.{_quote(name)}"

    def _execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        values: Sequence[Any] | Mapping[str, Any]
        if isinstance(params, Mapping):
            sql = _PARAM.sub(r"$\1", sql)
            values = {k: _to_db(v) for k, v in params.items()}
        else:
            values = [_to_db(v) for v in params or []]
        try:
            inlined = inline_params(sql, values) if values else sql
            if inlined is not None:
                return self.con.execute(inlined)
            return self.con.execute(sql, values)
        except duckdb.Error as exc:
            raise WarehouseError(str(exc)) from exc

    def _rows(self, cursor: Any) -> list[dict[str, Any]]:
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, map(_from_db, row), strict=True)) for row in cursor.fetchall()]

    # -- interface ---------------------------------------------------------------------------
    def ensure_tables(self) -> None:
        self._execute(f"create schema if not exists {_quote(self.schema)}")
        have: dict[str, set[str]] = {}
        for name, column in self._execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name = ?",
            [self.schema],
        ).fetchall():
            have.setdefault(name, set()).add(column)
        for table in TABLES.values():
            if table.name not in have:
                self._execute(ddl(table, self.table(table.name), "duckdb"))
                continue
            # tables created by an older pipemon get the columns added since
            for column in table.columns:
                if column.name not in have[table.name]:
                    self._execute(
                        f"alter table {self.table(table.name)} add column if not exists "
                        f"{column.name} {duckdb_type(column.type)}"
                    )

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._rows(self._execute(sql, params or {}))

    def insert_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        if not rows:
            return 0
        spec, key = TABLES[table], KEYS[table]
        names = spec.column_names
        placeholders = ", ".join("?" for _ in names)
        sql = (
            f"insert into {self.table(table)} ({', '.join(names)}) "
            f"select {placeholders} where not exists "
            f"(select 1 from {self.table(table)} where {key} = ?)"
        )
        inserted = 0
        self._execute("begin transaction")
        try:
            for row in rows:
                cursor = self._execute(sql, [*(row.get(n) for n in names), row[key]])
                inserted += int(cursor.fetchone()[0])
            self._execute("commit")
        except Exception:
            self._execute("rollback")
            raise
        return inserted

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        allowed = set(TABLES["monitor_runs"].column_names)
        names = [n for n in values if n in allowed and n != "run_id"]
        sets = ", ".join(f"{n} = ?" for n in names)
        sql = f"update {self.table('monitor_runs')} set {sets} where run_id = ?"
        self._execute(sql, [*(values[n] for n in names), run_id])

    def alert_history(self, since: datetime) -> list[dict[str, Any]]:
        sql = (
            f"select * from {self.table('alert_log')} where created_at >= ? "
            "order by created_at, delivery_id"
        )
        return self._rows(self._execute(sql, [since]))

    def pending_deliveries(self, stale_before: datetime) -> list[dict[str, Any]]:
        sql = (
            f"select * from {self.table('alert_log')} where status = 'pending' "
            "or (status = 'claimed' and claimed_at < ?) order by created_at, delivery_id"
        )
        return self._rows(self._execute(sql, [stale_before]))

    def claim_deliveries(
        self, delivery_ids: Sequence[str], claimed_by: str, now: datetime, stale_before: datetime
    ) -> list[str]:
        if not delivery_ids:
            return []
        sql = (
            f"update {self.table('alert_log')} set status = 'claimed', claimed_by = ?, "
            "claimed_at = ?, updated_at = ?, attempts = coalesce(attempts, 0) + 1 "
            "where delivery_id in (select unnest(?)) "
            "and (status = 'pending' or (status = 'claimed' and claimed_at < ?)) "
            "returning delivery_id"
        )
        cursor = self._execute(sql, [claimed_by, now, now, list(delivery_ids), stale_before])
        return [row[0] for row in cursor.fetchall()]

    def finish_delivery(
        self, delivery_id: str, claimed_by: str, *, sent: bool, error: str | None, now: datetime
    ) -> None:
        if sent:
            sql = (
                f"update {self.table('alert_log')} set status = 'sent', sent_at = ?, "
                "updated_at = ?, last_error = null where delivery_id = ? and claimed_by = ?"
            )
            self._execute(sql, [now, now, delivery_id, claimed_by])
        else:
            sql = (
                f"update {self.table('alert_log')} set status = 'pending', last_error = ?, "
                "updated_at = ? where delivery_id = ? and claimed_by = ?"
            )
            self._execute(sql, [error, now, delivery_id, claimed_by])

    def read_relation(self, relation_name: str, limit: int) -> list[dict[str, Any]]:
        # relation_name comes from dbt's run_results (`"db"."schema"."name"`), never from a user.
        return self._rows(self._execute(f"select * from {relation_name} limit ?", [limit]))

    def incident_events(self, since: datetime) -> list[dict[str, Any]]:
        sql = live_incident_events_sql(self.table("incident_events"))
        return self.query(sql, {"since": since})

    def last_run(self, everything: bool = False) -> dict[str, Any] | None:
        rows = self.query(last_run_sql(self.table("monitor_runs"), everything))
        return rows[0] if rows else None
