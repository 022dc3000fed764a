"""The production warehouse: BigQuery through google-cloud-bigquery.

Credentials: Application Default Credentials, or the service-account keyfile the profile names
(PIPEMON_BQ_KEYFILE). Every value goes in as a query parameter. Several runs may overlap on
Cloud Run, so deliveries are claimed with one UPDATE that only matches unclaimed rows and
stamps them with the run's id; a run sends only what it then reads back as its own.
`api_endpoint` may be set through PIPEMON_BQ_API_ENDPOINT (the local emulator in tests): the
client then goes without credentials and, because the emulator refuses query parameters, the
values are written into the SQL as BigQuery literals instead (`literal()`); the statements are
otherwise the same. No UPDATE: rows change through MERGE (the emulator refuses UPDATE, BigQuery
takes both). docs/bigquery_emulator.md lists what the emulator refuses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pipemon.warehouse import (
    KEYS,
    TABLES,
    WarehouseError,
    last_run_sql,
    live_incident_events_sql,
)
from pipemon.warehouse.settings import WarehouseSettings
from pipemon.warehouse.tables import ddl

_RELATION = re.compile(r"^[`A-Za-z0-9_.\-]+$")
_PARAM = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


def literal(value: Any) -> str:
    """A value as a BigQuery literal (for the emulator, which takes no query parameters)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return f"timestamp '{value.astimezone(UTC).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{text}'"


def inline(sql: str, params: Mapping[str, Any]) -> str:
    """`@name` parameters replaced by literals."""
    return _PARAM.sub(
        lambda m: literal(params[m.group(1)]) if m.group(1) in params else m.group(0), sql
    )


def _param_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FLOAT64"
    if isinstance(value, datetime):
        return "TIMESTAMP"
    if isinstance(value, date):
        return "DATE"
    return "STRING"


class BigQueryWarehouse:
    dialect = "bigquery"

    def __init__(self, settings: WarehouseSettings) -> None:
        self.settings = settings
        self.schema = settings.schema
        self.project = settings.project
        self._client: Any = None
        self.endpoint = os.environ.get("PIPEMON_BQ_API_ENDPOINT") or None
        self.inline_params = self.endpoint is not None
        self.statements: list[str] = []  # every statement sent (the offline parse test reads it)

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.cloud import bigquery

            options = None
            try:
                if self.endpoint:
                    from google.auth.credentials import AnonymousCredentials

                    self._client = bigquery.Client(
                        project=self.project,
                        location=self.settings.location,
                        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                        client_options=ClientOptions(api_endpoint=self.endpoint),
                    )
                elif self.settings.keyfile:
                    self._client = bigquery.Client.from_service_account_json(
                        self.settings.keyfile,
                        project=self.project,
                        location=self.settings.location,
                        client_options=options,
                    )
                else:
                    self._client = bigquery.Client(
                        project=self.project,
                        location=self.settings.location,
                        client_options=options,
                    )
            except Exception as exc:  # noqa: BLE001 - any auth/config failure is "unreachable"
                raise WarehouseError(f"cannot create a BigQuery client: {exc}") from exc
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def table(self, name: str, schema: str | None = None) -> str:
        return f"`{self.project}.{schema or self.schema}.{name}`"

    def _job(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        from google.cloud import bigquery

        self.statements.append(sql)
        if self.inline_params and params:
            sql, params = inline(sql, params), None
        query_params: list[Any] = []
        for key, value in (params or {}).items():
            if isinstance(value, list | tuple):
                items = list(value)
                kind = _param_type(items[0]) if items else "STRING"
                query_params.append(bigquery.ArrayQueryParameter(key, kind, items))
            else:
                if isinstance(value, datetime) and value.tzinfo is None:
                    value = value.replace(tzinfo=UTC)
                query_params.append(bigquery.ScalarQueryParameter(key, _param_type(value), value))
        # no parameters: no queryParameters field at all (the emulator refuses even an empty one)
        config = bigquery.QueryJobConfig(query_parameters=query_params) if query_params else None
        try:
            job = self.client.query(sql, job_config=config)
            job.result()
        except Exception as exc:  # noqa: BLE001 - google.api_core errors and transport errors
            raise WarehouseError(str(exc)) from exc
        return job

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        job = self._job(sql, params)
        if job.statement_type not in (None, "SELECT"):
            return []
        return [dict(row.items()) for row in job.result()]

    def ensure_tables(self) -> None:
        from google.cloud import bigquery

        dataset = bigquery.Dataset(f"{self.project}.{self.schema}")
        if self.settings.location:
            dataset.location = self.settings.location
        try:
            self.client.create_dataset(dataset, exists_ok=True)
        except Exception as exc:  # noqa: BLE001
            raise WarehouseError(f"cannot create dataset {self.schema}: {exc}") from exc
        for spec in TABLES.values():
            self._job(ddl(spec, self.table(spec.name), "bigquery"))
            # tables created by an older pipemon get the columns added since
            have = {f.name for f in self.client.get_table(self.table(spec.name).strip("`")).schema}
            missing = [c for c in spec.columns if c.name not in have]
            if missing:
                adds = ", ".join(f"add column if not exists {c.name} {c.type}" for c in missing)
                self._job(f"alter table {self.table(spec.name)} {adds}")

    def insert_rows(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """One MERGE per batch: rows whose key exists are skipped, so retries are harmless."""
        if not rows:
            return 0
        spec, key = TABLES[table], KEYS[table]
        names = spec.column_names
        params: dict[str, Any] = {}
        selects = []
        for i, row in enumerate(rows):
            cols = []
            for column in spec.columns:
                pname = f"p{i}_{column.name}"
                value = row.get(column.name)
                if value is None:
                    cols.append(f"cast(null as {column.type}) as {column.name}")
                else:
                    params[pname] = value
                    cols.append(f"cast(@{pname} as {column.type}) as {column.name}")
            selects.append("select " + ", ".join(cols))
        source = "\nunion all\n".join(selects)
        sql = (
            f"merge {self.table(table)} as t using (\n{source}\n) as s on t.{key} = s.{key}\n"
            f"when not matched then insert ({', '.join(names)}) "
            f"values ({', '.join('s.' + n for n in names)})"
        )
        job = self._job(sql, params)
        return int(job.num_dml_affected_rows or 0)

    def _merge_update(self, table: str, where: str, sets: str, params: Mapping[str, Any]) -> None:
        """UPDATE written as MERGE (one statement; BigQuery and the emulator both take it)."""
        key = KEYS[table]
        self._job(
            f"merge {self.table(table)} as t using (select {key} from {self.table(table)} "
            f"where {where}) as s on t.{key} = s.{key} when matched then update set {sets}",
            params,
        )

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        allowed = set(TABLES["monitor_runs"].column_names)
        names = [n for n in values if n in allowed and n != "run_id"]
        sets = ", ".join(f"{n} = @{n}" if values[n] is not None else f"{n} = null" for n in names)
        params = {n: values[n] for n in names if values[n] is not None}
        params["run_id"] = run_id
        self._merge_update("monitor_runs", "run_id = @run_id", sets, params)

    def alert_history(self, since: datetime) -> list[dict[str, Any]]:
        return self.query(
            f"select * from {self.table('alert_log')} where created_at >= @since "
            "order by created_at, delivery_id",
            {"since": since},
        )

    def pending_deliveries(self, stale_before: datetime) -> list[dict[str, Any]]:
        return self.query(
            f"select * from {self.table('alert_log')} where status = 'pending' "
            "or (status = 'claimed' and claimed_at < @stale) order by created_at, delivery_id",
            {"stale": stale_before},
        )

    def claim_deliveries(
        self, delivery_ids: Sequence[str], claimed_by: str, now: datetime, stale_before: datetime
    ) -> list[str]:
        if not delivery_ids:
            return []
        self._merge_update(
            "alert_log",
            "delivery_id in unnest(@ids) "
            "and (status = 'pending' or (status = 'claimed' and claimed_at < @stale))",
            "status = 'claimed', claimed_by = @run, claimed_at = @now, updated_at = @now, "
            "attempts = coalesce(attempts, 0) + 1",
            {"run": claimed_by, "now": now, "ids": list(delivery_ids), "stale": stale_before},
        )
        rows = self.query(
            f"select delivery_id from {self.table('alert_log')} "
            "where delivery_id in unnest(@ids) and status = 'claimed' and claimed_by = @run",
            {"ids": list(delivery_ids), "run": claimed_by},
        )
        return [str(row["delivery_id"]) for row in rows]

    def finish_delivery(
        self, delivery_id: str, claimed_by: str, *, sent: bool, error: str | None, now: datetime
    ) -> None:
        where = "delivery_id = @id and claimed_by = @run"
        if sent:
            sets = "status = 'sent', sent_at = @now, updated_at = @now, last_error = null"
            params: dict[str, Any] = {"now": now, "id": delivery_id, "run": claimed_by}
        else:
            sets = "status = 'pending', last_error = @error, updated_at = @now"
            params = {"now": now, "id": delivery_id, "run": claimed_by, "error": error or ""}
        self._merge_update("alert_log", where, sets, params)

    def read_relation(self, relation_name: str, limit: int) -> list[dict[str, Any]]:
        if not _RELATION.match(relation_name):
            raise WarehouseError(f"unexpected relation name {relation_name!r}")
        return self.query(f"select * from {relation_name} limit @limit", {"limit": limit})

    def incident_events(self, since: datetime) -> list[dict[str, Any]]:
        return self.query(live_incident_events_sql(self.table("incident_events")), {"since": since})

    def last_run(self, everything: bool = False) -> dict[str, Any] | None:
        rows = self.query(last_run_sql(self.table("monitor_runs"), everything))
        return rows[0] if rows else None
