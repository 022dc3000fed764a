"""The production warehouse: BigQuery through google-cloud-bigquery.

Credentials: Application Default Credentials, or the service-account keyfile the profile names
(PIPEMON_BQ_KEYFILE). Every value goes in as a query parameter. Several runs may overlap on
Cloud Run, so deliveries are claimed with one UPDATE that only matches unclaimed rows and
stamps them with the run's id; a run sends only what it then reads back as its own.
`api_endpoint` may be set through PIPEMON_BQ_API_ENDPOINT (the local emulator in tests).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pipemon.warehouse import KEYS, TABLES, WarehouseError, live_incident_events_sql
from pipemon.warehouse.settings import WarehouseSettings
from pipemon.warehouse.tables import ddl

_RELATION = re.compile(r"^[`A-Za-z0-9_.\-]+$")


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

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.api_core.client_options import ClientOptions
            from google.cloud import bigquery

            options = None
            endpoint = os.environ.get("PIPEMON_BQ_API_ENDPOINT")
            if endpoint:
                options = ClientOptions(api_endpoint=endpoint)
            try:
                if self.settings.keyfile:
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
        config = bigquery.QueryJobConfig(query_parameters=query_params)
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

    def update_run(self, run_id: str, values: Mapping[str, Any]) -> None:
        allowed = set(TABLES["monitor_runs"].column_names)
        names = [n for n in values if n in allowed and n != "run_id"]
        sets = ", ".join(f"{n} = @{n}" for n in names if values[n] is not None)
        nulls = ", ".join(f"{n} = null" for n in names if values[n] is None)
        assignments = ", ".join(part for part in (sets, nulls) if part)
        params = {n: values[n] for n in names if values[n] is not None}
        params["run_id"] = run_id
        self._job(
            f"update {self.table('monitor_runs')} set {assignments} where run_id = @run_id", params
        )

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
        self._job(
            f"update {self.table('alert_log')} set status = 'claimed', claimed_by = @run, "
            "claimed_at = @now, updated_at = @now, attempts = coalesce(attempts, 0) + 1 "
            "where delivery_id in unnest(@ids) "
            "and (status = 'pending' or (status = 'claimed' and claimed_at < @stale))",
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
        if sent:
            sql = (
                f"update {self.table('alert_log')} set status = 'sent', sent_at = @now, "
                "updated_at = @now, last_error = null where delivery_id = @id and claimed_by = @run"
            )
            self._job(sql, {"now": now, "id": delivery_id, "run": claimed_by})
        else:
            sql = (
                f"update {self.table('alert_log')} set status = 'pending', "
                "last_error = @error, updated_at = @now "
                "where delivery_id = @id and claimed_by = @run"
            )
            params = {"now": now, "id": delivery_id, "run": claimed_by, "error": error or ""}
            self._job(sql, params)

    def read_relation(self, relation_name: str, limit: int) -> list[dict[str, Any]]:
        if not _RELATION.match(relation_name):
            raise WarehouseError(f"unexpected relation name {relation_name!r}")
        return self.query(f"select * from {relation_name} limit @limit", {"limit": limit})

    def incident_events(self, since: datetime) -> list[dict[str, Any]]:
        return self.query(live_incident_events_sql(self.table("incident_events")), {"since": since})

    def last_run(self) -> dict[str, Any] | None:
        rows = self.query(
            f"select * from {self.table('monitor_runs')} where command = 'run' "
            "and completed_at is not null order by completed_at desc limit 1"
        )
        return rows[0] if rows else None
