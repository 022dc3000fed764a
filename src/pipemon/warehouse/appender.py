"""Appends to the pipeline's contract tables: the one writer of the rows pipemon itself adds
beside the pipeline's (execution logs from `pipemon.instrument`, service health checks from
`pipemon probe`, Firestore phase snapshots).

    DuckDBAppender(path).append(schema, table, columns, rows)
    DuckDBAppender(path).append(schema, table, columns, rows, unless_stored=("collection", ...))
    BigQueryAppender(client).stream(table_id, json_rows, row_ids=[...])

A table that does not exist is `TableMissing` (the caller says how to create it). DuckDB takes
naive UTC timestamps (the contract's `timestamp` columns); BigQuery takes JSON rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipemon.warehouse import WarehouseError


class TableMissing(WarehouseError):
    """The contract table to append to does not exist."""

    def __init__(self, relation: str, where: str) -> None:
        super().__init__(f"table {relation} does not exist in {where}")
        self.relation = relation
        self.where = where


def _quoted(schema: str, table: str) -> str:
    return f'"{schema}"."{table}"'


class DuckDBAppender:
    """One short connection per call to a DuckDB file (the runner and dbt hold it in between)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self, relation: str) -> Any:
        import duckdb

        if not self.path.exists():
            raise TableMissing(relation, str(self.path))
        con = duckdb.connect(str(self.path))
        con.execute("set TimeZone = 'UTC'")
        return con

    def append(
        self,
        schema: str,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        unless_stored: Sequence[str] = (),
    ) -> int:
        """Insert `rows` (values in `columns` order); with `unless_stored`, a row whose values in
        those columns match a stored row (nulls matching nulls) is skipped. Returns rows written."""
        if not rows:
            return 0
        import duckdb

        relation = f"{schema}.{table}"
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        insert = f"insert into {_quoted(schema, table)} ({names}) values ({marks})"
        positions = [list(columns).index(c) for c in unless_stored]
        seen_sql = f"select count(*) from {_quoted(schema, table)} where " + " and ".join(
            f'"{c}" is not distinct from ?' for c in unless_stored
        )
        con = self._connect(relation)
        written = 0
        try:
            if not unless_stored:
                con.executemany(insert, [list(r) for r in rows])
                return len(rows)
            for row in rows:
                seen = con.execute(seen_sql, [row[i] for i in positions]).fetchone()
                if seen and seen[0]:
                    continue
                con.execute(insert, list(row))
                written += 1
            return written
        except duckdb.CatalogException:
            raise TableMissing(relation, str(self.path)) from None
        finally:
            con.close()

    def fetch(
        self, schema: str, table: str, columns: Sequence[str], where: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Rows of `columns` whose `where` columns equal the values given (all rows when empty)."""
        import duckdb

        sql = f"select {', '.join(columns)} from {_quoted(schema, table)}"
        if where:
            sql += " where " + " and ".join(f'"{c}" = ?' for c in where)
        con = self._connect(f"{schema}.{table}")
        try:
            return list(con.execute(sql, list(where.values())).fetchall())
        except duckdb.CatalogException:
            raise TableMissing(f"{schema}.{table}", str(self.path)) from None
        finally:
            con.close()


class BigQueryAppender:
    """Streams or MERGEs into BigQuery with a client made on first use (Application Default
    Credentials), or the one given (an emulator's, a test's)."""

    def __init__(self, client: Any = None, *, project: str | None = None) -> None:
        self._client = client
        self.project = project

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import bigquery

            self._client = bigquery.Client(project=self.project)
        return self._client

    def table_id(self, dataset: str, table: str) -> str:
        return f"{self.project or self.client.project}.{dataset}.{table}"

    def _guarded(self, table_id: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:
            if type(exc).__name__ == "NotFound":  # google.api_core.exceptions.NotFound
                raise TableMissing(table_id, "BigQuery") from None
            raise

    def stream(
        self,
        table_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        row_ids: Sequence[str] | None = None,
    ) -> None:
        """`insert_rows_json`; `row_ids` let BigQuery drop a retried insert of the same row."""
        if not rows:
            return
        kwargs: dict[str, Any] = {"row_ids": list(row_ids)} if row_ids is not None else {}
        errors = self._guarded(
            table_id, lambda: self.client.insert_rows_json(table_id, list(rows), **kwargs)
        )
        if errors:
            raise WarehouseError(f"BigQuery rejected {len(errors)} row(s) for {table_id}: {errors}")

    def merge(self, table_id: str, sql: str, parameters: Sequence[Any]) -> int:
        """Run a MERGE (or any DML) with query parameters; returns the rows it changed."""
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=list(parameters))

        def run() -> int:
            job = self.client.query(sql, job_config=config)
            job.result()
            return int(job.num_dml_affected_rows or 0)

        return int(self._guarded(table_id, run))
