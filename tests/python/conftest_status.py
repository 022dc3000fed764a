"""A short generated season for the status and report tests, built once per session.

Two weeks of the 2025-26 season with every incident kind that fits, plus one failed execution
whose error message is an HTML/script injection, built by real dbt on DuckDB. Both test
modules import `status_season`; the build is cached here so it happens once per session.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipemon.generator.incidents import CATALOGUE
from session_cache import built_once, generate_once

REPO = Path(__file__).resolve().parents[2]
START = date(2025, 10, 21)  # the season start: the marts and the generator agree on bootstrap
DAYS = 45
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> quota & more'


@dataclass
class StatusSeason:
    warehouse: Path
    truth: dict[str, Any]
    as_of: datetime
    target_path: Path
    xss_processor: str

    @property
    def run_results(self) -> Path:
        return self.target_path / "run_results.json"

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
        con = duckdb.connect(str(self.warehouse))
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def incident_dates(self) -> set[date]:
        return {date.fromisoformat(i["game_date"]) for i in self.truth["incidents"]}


def _inject_xss(warehouse: Path, as_of: datetime) -> str:
    """A failed execution 3 h before as_of whose error message is markup; returns its processor."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        at = as_of.replace(tzinfo=None) - timedelta(hours=3)
        row = con.execute(
            "select execution_id, processor_name from nba_orchestration.processor_execution_log "
            "where phase = 'phase3' and status = 'success' and triggered_at < ? "
            # yesterday's overnight run (the same-day upcoming contexts belong to today)
            "and data_date < cast(timezone('America/New_York', cast(? as timestamptz)) as date) "
            "order by triggered_at desc limit 1",
            [at, at],
        ).fetchone()
        assert row, "no phase-3 execution to copy"
        con.execute(
            "insert into nba_orchestration.processor_execution_log "
            "select * replace (? as execution_id, 'failed' as status, "
            "'HTMLInjectionError' as error_type, ? as error_message, "
            "cast(? as timestamp) as triggered_at, "
            "cast(? as timestamp) + interval 40 second as completed_at, "
            "40.0 as duration_seconds, ? as pubsub_message_id, 0 as records_processed) "
            "from nba_orchestration.processor_execution_log where execution_id = ?",
            [str(uuid.uuid4()), XSS, at, at, f"xss-{uuid.uuid4().hex[:12]}", row[0]],
        )
        return str(row[1])
    finally:
        con.close()


def _build(base: Path) -> StatusSeason:
    from pipemon import dbt
    from pipemon.demo import demo_vars
    from pipemon.warehouse import open_warehouse, resolve
    from pipemon.warehouse.duckdb import release_dbt_connections

    warehouse = base / "status.duckdb"
    target_path = base / "target"
    saved = {k: os.environ.get(k) for k in ("PIPEMON_DUCKDB_PATH", "PIPEMON_PROJECT_DIR")}
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    os.environ.setdefault("PIPEMON_PROJECT_DIR", str(REPO))
    os.environ.setdefault("DBT_PROFILES_DIR", str(REPO / "profiles"))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    try:
        # the invented kinds: the documented ones hold these weeks (the prop data gap) for themselves
        invented = ",".join(k.kind for k in CATALOGUE if not k.documented)
        generated = generate_once(
            warehouse, START, START + timedelta(days=DAYS - 1), seed=42, incidents=invented
        )
        os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
        truth = json.loads(generated.truth_path.read_text())
        as_of = datetime.fromisoformat(truth["as_of"]).replace(tzinfo=UTC)
        release_dbt_connections()
        processor = _inject_xss(warehouse, as_of)
        wh = open_warehouse(resolve("local"))
        wh.ensure_tables()  # the runner's tables, so its monitoring models build (empty)
        wh.close()
        outcome = dbt.invoke(
            ["build"],
            target="local",
            vars_=demo_vars(generated.truth_path),
            extra=["--full-refresh", "--target-path", str(target_path)],
        )
        assert outcome.exception is None, f"dbt build broke: {outcome.exception}"
        release_dbt_connections()  # let other processes (the CLI under test) open the file
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return StatusSeason(warehouse, truth, as_of, target_path, processor)


_CACHE: dict[str, StatusSeason] = {}


def status_season_for(factory: pytest.TempPathFactory) -> StatusSeason:
    """The built season: built once per run (`session_cache.built_once`), this process's copy."""
    if "season" not in _CACHE:
        _CACHE["season"] = built_once("status", _build, factory.mktemp("status_season"))
    return _CACHE["season"]


def use_season(factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> StatusSeason:
    """The built season, with pipemon (warehouse, project, profiles) pointed at it for one test."""
    season = status_season_for(factory)
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(season.warehouse))
    monkeypatch.setenv("PIPEMON_PROJECT_DIR", str(REPO))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
    monkeypatch.delenv("PIPEMON_TARGET", raising=False)
    monkeypatch.chdir(REPO)
    return season
