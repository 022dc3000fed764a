"""Warehouses with a monitoring history, for the report and Grafana tests.

`history_season`: a copy of the status season (conftest_status, already built) on which the real
runner ran three times, as it would over a few mornings: every check over the whole period, then
only the last three days (plus the dates of the incidents still open, which fail again), then the whole period again,
rebuilding the monitoring marts first (so fct_test_results, test_flakiness, fct_monitor_runs and
fct_alerts hold the earlier runs). Three `pipemon run`s of the tests only: about 35 s.

`quiet_season`: a copy of the clean full season (conftest `clean_season`, also used by the
warehouse tests) after one runner run that finds nothing: a good day with an empty alert_log.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from conftest_status import StatusSeason, status_season_for
from session_cache import built_once

TESTS_AND_MONITORING = [
    "resource_type:test",
    "path:models/staging/monitoring",
    "path:models/marts/monitoring",
]


@dataclass
class HistorySeason:
    warehouse: Path
    truth: dict[str, Any]
    as_of: datetime
    manifest: dict[str, Any]
    xss_processor: str
    runs: int

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        import duckdb

        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
        con = duckdb.connect(str(self.warehouse))
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def _copy(warehouse: Path, dest: Path) -> Path:
    from pipemon import project

    dest.mkdir(parents=True, exist_ok=True)
    copy = dest / warehouse.name
    shutil.copy2(warehouse, copy)
    truth = project.truth_path(warehouse)
    if truth.is_file():
        shutil.copy2(truth, project.truth_path(copy))
    return copy


def _runner(warehouse: Path, base: Path, runs: list[tuple[dict[str, Any], list[str]]]) -> None:
    """`pipemon run --no-freshness` on `warehouse`, once per (vars, selection)."""
    from pipemon import cli
    from pipemon.warehouse.duckdb import release_dbt_connections

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
        mp.setenv("PIPEMON_PROJECT_DIR", str(REPO))
        mp.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
        mp.setenv("PIPEMON_ALERT_FILE", str(base / "alerts.log"))
        mp.delenv("PIPEMON_TARGET", raising=False)
        mp.chdir(REPO)
        for vars_, select in runs:
            code = cli.main(["run", "--no-freshness", "--vars", json.dumps(vars_), "--select",
                             *select])  # fmt: skip
            release_dbt_connections()
            assert code in (0, 1, 2), f"the runner failed (exit {code})"


_CACHE: dict[str, Any] = {}


def history_season_for(factory: pytest.TempPathFactory) -> HistorySeason:
    """The history season: built once per run (`session_cache.built_once`), this process's
    copy."""
    if "history" not in _CACHE:
        status: StatusSeason = status_season_for(factory)
        _CACHE["history"] = built_once(
            "history", lambda base: _build_history(status, base), factory.mktemp("history_season")
        )
    return _CACHE["history"]  # type: ignore[no-any-return]


def _build_history(status: StatusSeason, base: Path) -> HistorySeason:
    from pipemon.demo import judging_vars

    warehouse = _copy(status.warehouse, base)
    whole = judging_vars(status.truth)
    recent = {**whole, "monitor_lookback_days": 3}
    tests = ["resource_type:test"]
    _runner(warehouse, base, [(whole, tests), (recent, tests), (whole, TESTS_AND_MONITORING)])
    manifest = json.loads((status.target_path / "manifest.json").read_text())
    return HistorySeason(warehouse, status.truth, status.as_of, manifest,
                         status.xss_processor, 3)  # fmt: skip


def use_history(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> HistorySeason:
    """The history season, with pipemon pointed at it for one test."""
    season = history_season_for(tmp_path_factory)
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(season.warehouse))
    monkeypatch.setenv("PIPEMON_PROJECT_DIR", str(REPO))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
    monkeypatch.delenv("PIPEMON_TARGET", raising=False)
    monkeypatch.chdir(REPO)
    return season


def use_quiet(
    clean_season: Any, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> HistorySeason:
    """The clean full season after one runner run that alerted on nothing."""
    if "quiet" not in _CACHE:  # built once per run (`session_cache.built_once`), copied here
        _CACHE["quiet"] = built_once(
            "quiet", lambda base: _build_quiet(clean_season, base),
            tmp_path_factory.mktemp("quiet_season"),
        )  # fmt: skip
    season: HistorySeason = _CACHE["quiet"]
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(season.warehouse))
    monkeypatch.setenv("PIPEMON_PROJECT_DIR", str(REPO))
    monkeypatch.setenv("DBT_PROFILES_DIR", str(REPO / "profiles"))
    monkeypatch.delenv("PIPEMON_TARGET", raising=False)
    monkeypatch.chdir(REPO)
    return season


def _build_quiet(clean_season: Any, base: Path) -> HistorySeason:
    from pipemon.demo import judging_vars
    from pipemon.warehouse import open_warehouse, resolve
    from pipemon.warehouse.duckdb import release_dbt_connections

    release_dbt_connections()
    warehouse = _copy(clean_season.warehouse, base)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
        wh = open_warehouse(resolve("local"))
        wh.ensure_tables()
        wh.close()
    _runner(warehouse, base, [(judging_vars(clean_season.truth), ["resource_type:test"])])
    as_of = datetime.fromisoformat(clean_season.truth["as_of"]).replace(tzinfo=UTC)
    return HistorySeason(warehouse, clean_season.truth, as_of,
                         clean_season.manifest, "", 1)  # fmt: skip
