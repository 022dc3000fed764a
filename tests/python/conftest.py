"""Shared fixtures: generated seasons in real DuckDB files, built by real dbt.

The full-season builds are session-scoped: every incident kind and no incident at all, each in
the real formats with the plan's new log tables (`--logs planned`) and without them, as the
pipeline is today (`--logs existing`). Each costs a generation (~15 s) and a `dbt build`
(~35 s), and many tests read them. Generations and dbt's parse are shared through
`session_cache` (one parse serves every build of a file named `warehouse.duckdb`).

`make test` runs the suite in two processes (pytest-xdist `-n 2 --dist loadfile`: a module's
tests stay in one process, so its module fixtures are built once). Each session fixture that
builds is built once for the run (`session_cache.built_once`) and each process works on its own
copy; each process has its own dbt target and log directories for runs on the project itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

import session_cache

REPO = Path(__file__).resolve().parents[2]
os.environ.setdefault("PIPEMON_PROJECT_DIR", str(REPO))
os.environ.setdefault("DBT_PROFILES_DIR", str(REPO / "profiles"))
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
if session_cache.worker() != "main":
    # Under pytest-xdist each worker gets its own dbt target and log directory for the runs on
    # the project itself (the runner reads back the run_results.json its build wrote); the
    # runner tests' fixture projects are copies, each with its own target/ (runner/conftest.py).
    _OWN = REPO / "target" / f"pytest-{session_cache.worker()}"
    os.environ.setdefault("DBT_TARGET_PATH", str(_OWN))
    os.environ.setdefault("DBT_LOG_PATH", str(_OWN / "logs"))


# `make check` (the inner loop) runs the tests that are not `slow`: a test is slow when it needs a
# dbt build or parse of the project, a generated season, the BigQuery emulator or a browser,
# which is when it uses one of these fixtures (directly or through another fixture), is marked
# `browser` or `bigquery`, or sits in one of the modules below that run dbt or generate seasons
# in their own code. `make test` runs every test.
SLOW_FIXTURES = frozenset(
    {
        "incident_season", "clean_season", "existing_incident_season", "existing_clean_season",
        "season_builder", "hostile", "built", "manifest", "daily_and_history",
        "on_status_season", "history_season", "quiet_season",
        "offline_compiles", "compiled_probe", "emulator_build", "emulator",
        "daily_hostile", "stretch", "normal_days", "open_incident",
    }
)  # fmt: skip
SLOW_MODULES = frozenset(
    {
        "test_dbt_parse.py", "test_generator.py", "test_generator_formats.py",
        "test_generator_history.py", "warehouse/test_schema_drift.py",
        "bigquery/test_backtest_compile.py", "warehouse/test_calendar_days.py",
        "warehouse/test_prediction_shape.py", "warehouse/test_year_quiet.py",
    }
)  # fmt: skip


# Under pytest-xdist (`--dist loadfile`) a module's tests run in one process, so its module
# fixtures are built once, except the long tests below that use none worth sharing (only
# session fixtures, or a module fixture that is a copy): each runs where a process is free. The
# longest start first, so neither process is left with a long one at the end while the other
# idles.
ALONE = (
    "runner/test_backtest.py::test_a_daily_backtest_tells_each_outage_once",
    "runner/test_backtest.py::test_a_daily_backtest_of_a_clean_history_says_nothing",
    "warehouse/test_normal_days.py::test_a_night_run_judges_nothing_before_its_window",
    "warehouse/test_normal_days.py::test_status_and_the_report_count_what_is_open",
    "warehouse/test_year_quiet.py::test_without_halt_tables_the_stop_is_still_one_incident_per_output",
    "warehouse/test_year_quiet.py::test_every_kind_is_caught_on_the_year",
)
LONGEST_FIRST = (
    "warehouse/test_year_quiet.py", *ALONE, "warehouse/test_normal_days.py",
    "warehouse/test_declared_quiet.py", "warehouse/test_calendar_days.py", "hostile/test_window_promises.py",
    "bigquery/test_emulator_build.py", "warehouse/test_first_runs.py", "test_report.py",
    "warehouse/test_daily_build.py", "test_generator_formats.py", "test_generator_history.py",
)  # fmt: skip
HERE = Path(__file__).parent


def _module_and_function(nodeid: str) -> tuple[str, str]:
    path, _, rest = nodeid.partition("::")
    module = (REPO / path).relative_to(HERE).as_posix() if path.startswith("tests/") else path
    return module, rest.split("[")[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, but the tests of ALONE each a unit of their own, and the units in the
    order collected (LONGEST_FIRST), not xdist's largest-count-first."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module, function = _module_and_function(nodeid)
            return nodeid if f"{module}::{function}" in ALONE else module

    return Scheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = HERE
    if session_cache.worker() != "main":
        rank = {name: n for n, name in enumerate(LONGEST_FIRST)}

        def order(item: pytest.Item) -> int:
            module, function = _module_and_function(item.nodeid)
            return rank.get(f"{module}::{function}", rank.get(module, len(rank)))

        items.sort(key=order)
    for item in items:
        module = item.path.relative_to(here).as_posix()
        # a fixture asked for by name (`request.getfixturevalue(param)`) counts too
        params = getattr(getattr(item, "callspec", None), "params", {})
        used = {*getattr(item, "fixturenames", ()), *map(str, params.values())}
        if (
            SLOW_FIXTURES.intersection(used)
            or module in SLOW_MODULES
            or item.get_closest_marker("browser")
            or item.get_closest_marker("bigquery")
        ):
            item.add_marker(pytest.mark.slow)


@dataclass
class BuiltSeason:
    """A generated season after `dbt build`: where it is, what was injected, what failed."""

    warehouse: Path
    truth: dict[str, Any]
    run_results: dict[str, Any]
    manifest: dict[str, Any]
    generated_counts: dict[str, int]

    def rebuild(self) -> BuiltSeason:
        """`dbt build --full-refresh` again (after rows were added), as of the same as_of."""
        results = _dbt_build(self.warehouse, self.warehouse.parent / "target-rebuild", self.truth)
        return BuiltSeason(self.warehouse, self.truth, *results, self.generated_counts)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse))

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = self.connect()
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def results_with_status(self, *statuses: str) -> list[dict[str, Any]]:
        return [r for r in self.run_results["results"] if r["status"] in statuses]

    def failing_rows(self) -> list[tuple[str, str, str]]:
        """(test name, game_date, target) of every failing row of every failing/warning data test."""
        rows: list[tuple[str, str, str]] = []
        con = self.connect()
        try:
            for result in self.results_with_status("fail", "warn"):
                if not result["unique_id"].startswith("test."):
                    continue
                relation = result.get("relation_name")
                assert relation, f"{result['unique_id']} stored no failing rows"
                name = result["unique_id"].split(".")[2]
                for game_date, target in con.execute(
                    f"select cast(game_date as varchar), cast(target as varchar) from {relation}"
                ).fetchall():
                    rows.append((name, str(game_date), str(target)))
        finally:
            con.close()
        return rows


def build_season(
    base: Path,
    incidents: str,
    *,
    start: str | None = None,
    days: int | None = None,
    logs: str = "planned",
) -> BuiltSeason:
    """Generate a season into `base`/warehouse.duckdb and `dbt build` it as of its own as_of."""
    from datetime import date, timedelta

    from pipemon.generator import SEASON_END, SEASON_START

    warehouse = base / "warehouse.duckdb"
    target_path = base / "target"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    first = date.fromisoformat(start) if start else SEASON_START
    last = first + timedelta(days=days - 1) if days else SEASON_END
    generated = session_cache.generate_once(
        warehouse, first, last, seed=42, incidents=incidents, logs=logs
    )
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    truth = json.loads(generated.truth_path.read_text())
    run_results, manifest = _dbt_build(warehouse, target_path, truth)
    return BuiltSeason(warehouse, truth, run_results, manifest, generated.row_counts)


def _dbt_build(
    warehouse: Path, target_path: Path, truth: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    from pipemon import dbt
    from pipemon.demo import judging_vars

    vars_ = judging_vars(truth)
    manifest = session_cache.parsed_manifest(warehouse, vars_)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    outcome = dbt.invoke(
        ["build"],
        target="local",
        vars_=vars_,
        extra=["--full-refresh", "--target-path", str(target_path)],
        manifest=manifest,
    )
    assert outcome.exception is None, f"dbt build broke: {outcome.exception}"
    session_cache.stamp_manifest(target_path)
    return (
        json.loads((target_path / "run_results.json").read_text()),
        json.loads((target_path / "manifest.json").read_text()),
    )


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Where the run keeps the warehouses, seasons and manifests it shares: beside the workers'
    own temporary directories under pytest-xdist (one directory for the run), else the
    session's own."""
    if session_cache.worker() == "main":
        session_cache.set_root(tmp_path_factory.mktemp("session-cache"))
    else:
        root = tmp_path_factory.getbasetemp().parent / "session-cache"
        root.mkdir(exist_ok=True)
        session_cache.set_root(root)


def _shared_season(
    factory: pytest.TempPathFactory, name: str, incidents: str, logs: str = "planned"
) -> BuiltSeason:
    """A full season built once per run (`session_cache.built_once`), this process's copy, with
    pipemon pointed at it (as a build here would leave it)."""
    season = session_cache.built_once(
        name, lambda base: build_season(base, incidents, logs=logs), factory.mktemp(name)
    )
    os.environ["PIPEMON_DUCKDB_PATH"] = str(season.warehouse)
    return season


@pytest.fixture(scope="session")
def incident_season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSeason]:
    """The 2025-26 season with every incident kind injected, built."""
    yield _shared_season(tmp_path_factory, "incidents", "all")


@pytest.fixture(scope="session")
def clean_season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSeason]:
    """The 2025-26 season with no incident at all, built."""
    yield _shared_season(tmp_path_factory, "clean", "none")


@pytest.fixture(scope="session")
def existing_incident_season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSeason]:
    """Every incident kind, on a warehouse without the plan's new log tables."""
    yield _shared_season(tmp_path_factory, "existing-incidents", "all", logs="existing")


@pytest.fixture(scope="session")
def existing_clean_season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSeason]:
    """No incident, on a warehouse without the plan's new log tables."""
    yield _shared_season(tmp_path_factory, "existing-clean", "none", logs="existing")


@pytest.fixture
def season_builder(tmp_path: pytest.TempPathFactory) -> Any:
    """Build a generated period of one's own: `season_builder("none", start=..., days=...)`."""

    def build(incidents: str, *, start: str | None = None, days: int | None = None) -> BuiltSeason:
        return build_season(tmp_path, incidents, start=start, days=days)  # type: ignore[arg-type]

    return build
