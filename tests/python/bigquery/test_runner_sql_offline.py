"""The runner's BigQuery statements as production sends them (query parameters, no literals),
parsed offline in the BigQuery dialect. The emulator refuses query parameters, so on it the
same statements run with the values inlined (test_emulator_build.py); this test covers the
parameterised form the emulator cannot take. docs/bigquery_emulator.md lists the gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlglot

from pipemon.alerts import incidents, manage
from pipemon.alerts.grouping import group
from pipemon.alerts.model import Finding
from pipemon.warehouse.bigquery import BigQueryWarehouse
from pipemon.warehouse.settings import WarehouseSettings

NOW = dt.datetime(2025, 12, 4, 13, tzinfo=dt.UTC)


class _Job:
    statement_type = "SELECT"
    num_dml_affected_rows = 1

    def result(self) -> list[Any]:
        return []


class _Table:
    schema: list[Any] = []


class _Client:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def query(self, sql: str, job_config: Any = None) -> _Job:
        self.sent.append((sql, job_config))
        return _Job()

    def create_dataset(self, *args: Any, **kwargs: Any) -> None:
        pass

    def get_table(self, name: str) -> _Table:
        return _Table()

    def close(self) -> None:
        pass


@pytest.fixture
def warehouse(monkeypatch: pytest.MonkeyPatch) -> tuple[BigQueryWarehouse, _Client]:
    monkeypatch.delenv("PIPEMON_BQ_API_ENDPOINT", raising=False)  # production: parameters
    wh = BigQueryWarehouse(
        WarehouseSettings("bigquery", "bigquery", "nba_monitoring", project="p", location="US")
    )
    client = _Client()
    wh._client = client
    return wh, client


def test_every_runner_statement_parses_as_bigquery(warehouse) -> None:
    wh, client = warehouse
    finding = Finding(
        source="test",
        check_id="test.pipemon.x",
        check_name="x",
        severity="error",
        description="d",
        target="t",
        game_date="2025-12-03",
    )
    plan = incidents.plan({}, group([finding]), judged_checks=set(), judged_dates=None, now=NOW)
    wh.ensure_tables()
    wh.insert_rows("monitor_runs", [{"run_id": "r", "command": "run", "started_at": NOW}])
    wh.update_run("r", {"outcome": "fail", "exit_code": 2, "error_message": None})
    wh.insert_rows("incident_events", [t.row("r", NOW) for t in plan.transitions])
    wh.incident_events(NOW)
    wh.alert_history(NOW)
    wh.pending_deliveries(NOW)
    wh.claim_deliveries(["a", "b"], "r", NOW, NOW)
    wh.finish_delivery("a", "r", sent=True, error=None, now=NOW)
    wh.finish_delivery("b", "r", sent=False, error="boom", now=NOW)
    wh.read_relation("`p.nba_monitoring_dbt_test__audit.x`", 10)
    wh.last_run()
    manage.open_incidents(wh, NOW)
    kinds = set()
    for sql, config in client.sent:
        (tree,) = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
        kinds.add(tree.key)
        assert "update " not in sql.lower().split("then update")[0], sql  # UPDATE only in MERGE
        if "@" in sql:
            assert config is not None and config.query_parameters, sql
    assert kinds >= {"create", "merge", "select", "alter"}
    assert len(client.sent) >= 15


def test_the_cost_history_and_the_pagers_lookup_parse_as_bigquery(warehouse) -> None:
    from pipemon import cost
    from pipemon.alerts.config import AlertsConfig
    from pipemon.runner import follow

    wh, client = warehouse
    wh.update_run("r", {"bytes_billed": 456654848, "dbt_retried_nodes": None})
    cost.history(wh, command="run", target="bigquery", selection=None, runs=10)
    follow.paged_channels(wh, AlertsConfig(), "i1a2b3c4")
    assert len(client.sent) == 3
    for sql, config in client.sent:
        (tree,) = [t for t in sqlglot.parse(sql, read="bigquery") if t is not None]
        assert tree.key in ("merge", "select"), sql
        assert config is not None and config.query_parameters, sql
