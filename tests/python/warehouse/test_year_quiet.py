"""The pipeline's year (issue 19): 2025-10-01 .. the 2026-27 bootstrap, generated in the real
formats (`pipemon generate --calendar year`).

- **Quiet on every kind of day.** The monitor is replayed as its schedules run it (08:00, 14:00
  and at night), on days sampled from every period, on one warehouse, each moment seeing only the
  rows written by then (`backtest` with the moments given). A clean year raises nothing on a
  day the pipeline is right: preseason, an NBA Cup night, the postponements before and after the
  status-9 edit, the All-Star break, a makeup date, play-in, playoffs, the offseason under its
  declared halt, the restart's waves, the opener and its bootstrap.
- **The undeclared stop is told once.** The 2026-04-26 shutdown of most jobs, with playoff games
  still on the schedule and nothing declared yet, is told once per stopped output and stays open
  (its dates never get their outputs); with the halt tables or without them.
- **Caught on the year.** A final playoff game without box scores and a phase-3 failure in the
  restart's first week are caught by a build as of the year's end, as is every other kind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason, _dbt_build
from pipemon import backtest, project
from warehouse.replay import copy_warehouse

D = dt.date
NIGHT, MORNING, AFTERNOON = dt.time(3, 30), dt.time(8, 0), dt.time(14, 0)
# (date, period, time): one moment of each, at a time the schedules run the monitor
SAMPLED: tuple[tuple[dt.date, str, dt.time], ...] = (
    (D(2025, 10, 10), "preseason", MORNING),
    (D(2025, 12, 10), "NBA Cup night", AFTERNOON),
    (D(2026, 1, 26), "postponed games at status 1", MORNING),
    (D(2026, 2, 15), "All-Star break, postponed games at status 9", NIGHT),
    (D(2026, 3, 19), "makeup of a postponed game", MORNING),
    (D(2026, 4, 16), "play-in", AFTERNOON),
    (D(2026, 4, 22), "playoffs", MORNING),
    (D(2026, 4, 28), "shutdown", MORNING),
    (D(2026, 7, 15), "offseason", MORNING),
    (D(2026, 10, 15), "restart: phases 3 and 4", AFTERNOON),
    (D(2026, 10, 22), "the opener's morning", MORNING),
    (D(2026, 10, 28), "bootstrap", NIGHT),
)
SHUTDOWN = D(2026, 4, 26)
RESTART = D(2026, 10, 7)  # the scrapers resume: the log tables have writers again
PERIOD = {d: p for d, p, _ in SAMPLED}


def _generate(base: Path, incidents: str) -> tuple[Path, dict[str, Any]]:
    from pipemon.generator import generate, year_bounds

    warehouse = base / "warehouse.duckdb"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    first, last = year_bounds()
    generated = generate(warehouse, first, last, seed=42, incidents=incidents, calendar="year")
    return warehouse, json.loads(generated.truth_path.read_text())


def _replay(source: Path, base: Path, sampled: tuple[tuple[dt.date, str, dt.time], ...]):
    live = copy_warehouse(source, base)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(live)
    zone = project.pipeline_zone()
    instants = [dt.datetime.combine(d, at, tzinfo=zone) for d, _, at in sampled]
    return backtest.run(
        sampled[0][0], sampled[-1][0], [], scratch=base / "scratch", instants=instants
    )


@pytest.fixture(scope="module")
def clean_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _generate(tmp_path_factory.mktemp("clean-year"), "none")


@pytest.fixture(scope="module")
def replayed(clean_year, tmp_path_factory: pytest.TempPathFactory) -> backtest.Result:
    return _replay(clean_year[0], tmp_path_factory.mktemp("year-replay"), SAMPLED)


def _day(moment: backtest.Moment) -> dt.date:
    return moment.at.astimezone(project.pipeline_zone()).date()


def _told(result: backtest.Result) -> dict[str, list[str]]:
    return {
        PERIOD[_day(m)]: [f"{s.kind} {s.subject}" for s in m.said] for m in result.moments if m.said
    }


def _stop_incidents(result: backtest.Result) -> list[dict[str, Any]]:
    return [
        i
        for i in result.incidents
        if i["first_date"] and str(SHUTDOWN) <= i["first_date"] <= str(SHUTDOWN + dt.timedelta(7))
    ]


def _about_the_stop(said: backtest.Said, stop_ids: set[str]) -> bool:
    """A message about the undeclared stop: one of its incidents, or (until the restart) a log
    table its writers left silent in it: the silence counts only the hours its writers were due,
    which the stop's playoff days alone exceed, so it stays stopped until they resume. The
    check is judged on the day it is run (a snapshot), so a sampled replay, with months between
    two moments, sees it fixed and again; a daily run keeps it one incident. It resolves when
    the restart gives the table writers again."""
    if said.incident_id in stop_ids or said.kind == "digest":
        return True
    day = said.moment.astimezone(project.pipeline_zone()).date()
    silence = "log table stopped receiving rows" in said.subject
    # ... and resolved once the restart gives it writers again
    return silence and day >= SHUTDOWN and (day < RESTART or said.kind == "resolved")


def test_a_clean_year_is_quiet_outside_the_undeclared_stop(replayed: backtest.Result) -> None:
    told = _told(replayed)
    print(json.dumps({"told": told}, indent=1))
    stop_ids = {i["incident_id"] for i in _stop_incidents(replayed)}
    before = [s for m in replayed.moments if _day(m) < SHUTDOWN for s in m.said]
    assert before == [], f"told before the stop, on days the pipeline was right: {before}"
    noisy = {
        PERIOD[_day(m)]: [s.subject for s in m.said if not _about_the_stop(s, stop_ids)]
        for m in replayed.moments
    }
    assert {p: said for p, said in noisy.items() if said} == {}
    assert [m for m in replayed.moments if m.exit_code == 3] == []


def test_the_undeclared_stop_is_told_once_per_stopped_output(replayed: backtest.Result) -> None:
    stop = _stop_incidents(replayed)
    assert stop, "the shutdown of 2026-04-26 was not told"
    alerts = Counter(s.incident_id for m in replayed.moments for s in m.said if s.kind == "alert")
    assert all(alerts[i["incident_id"]] == 1 for i in stop), alerts
    causes = [f"{i['check']}: {i['target']}" for i in stop]
    assert len(causes) == len(set(causes)), causes
    # nobody declared it: its dates keep failing, so it stays open
    assert all(i["status"] != "resolved" for i in stop), stop


def test_a_declared_halt_shows_in_status(replayed: backtest.Result) -> None:
    from pipemon import status

    os.environ["PIPEMON_DUCKDB_PATH"] = str(replayed.scratch / "warehouse.duckdb")
    ctx = status.open_context("local", replayed.moments[-1].at)
    try:
        report = status.collect(ctx, D(2026, 7, 15))
    finally:
        ctx.warehouse.close()
    text = report.render()
    assert "halted: off_season" in text, text


@pytest.fixture(scope="module")
def without_halts(clean_year, tmp_path_factory: pytest.TempPathFactory) -> backtest.Result:
    """The same year in a team without the halt tables (they are optional sources)."""
    source, _ = clean_year
    base = tmp_path_factory.mktemp("year-without-halts")
    (base / "source").mkdir()
    copy = copy_warehouse(source, base / "source")
    con = duckdb.connect(str(copy))
    try:
        con.execute("drop table nba_orchestration.halt_state")
        con.execute("drop table nba_orchestration.halt_overrides")
    finally:
        con.close()
    sampled = tuple(s for s in SAMPLED if s[0] >= D(2026, 4, 22) and s[0] <= D(2026, 7, 15))
    return _replay(copy, base, sampled)


def test_without_halt_tables_the_stop_is_still_one_incident_per_output(
    without_halts: backtest.Result,
) -> None:
    stop = _stop_incidents(without_halts)
    assert stop
    causes = [f"{i['check']}: {i['target']}" for i in stop]
    assert len(causes) == len(set(causes)), causes
    alerts = Counter(
        s.incident_id for m in without_halts.moments for s in m.said if s.kind == "alert"
    )
    assert all(n == 1 for n in alerts.values()), alerts
    # the offseason day opens nothing new: quiet because no job is due, not because of a halt
    stop_ids = {i["incident_id"] for i in stop}
    offseason = [m for m in without_halts.moments if _day(m) == D(2026, 7, 15)]
    assert [
        s
        for m in offseason
        for s in m.said
        if s.kind == "alert" and not _about_the_stop(s, stop_ids)
    ] == []


@pytest.fixture(scope="module")
def incident_year(tmp_path_factory: pytest.TempPathFactory) -> BuiltSeason:
    base = tmp_path_factory.mktemp("incident-year")
    warehouse, truth = _generate(base, "all")
    run_results, manifest = _dbt_build(warehouse, base / "target", truth)
    return BuiltSeason(warehouse, truth, run_results, manifest, {})


def test_every_kind_is_caught_on_the_year(incident_year: BuiltSeason) -> None:
    caught = {(d, t) for _, d, t in incident_year.failing_rows()}
    primary = [r for r in incident_year.truth["incidents"] if not r.get("consequence")]
    missed = [r for r in primary if (r["game_date"], r["target"]) not in caught]
    kinds = {r["kind"] for r in primary}
    assert {"playoff_box_scores_missing", "restart_phase3_failed"} <= kinds
    assert missed == [], f"not caught on the year: {missed}"


def test_freshness_knows_the_kind_of_day(replayed: backtest.Result) -> None:
    """A table whose writers are not due (the scraper log in the offseason) is not stale by dbt's
    freshness on such a day; on a playoff day it is, and the health checks (due all year) are on
    every day."""
    from pipemon.alerts.findings import Judgement, judge_freshness
    from pipemon.runner import build
    from pipemon.warehouse import open_warehouse, resolve

    uids = {
        f"source.pipemon.orchestration.{t}": t
        for t in ("scraper_execution_log", "service_health_checks")
    }
    sources = {"results": [{"unique_id": u, "status": "error"} for u in uids]}
    manifest = {
        "sources": {u: {"source_name": "orchestration", "name": t} for u, t in uids.items()}
    }
    os.environ["PIPEMON_DUCKDB_PATH"] = str(replayed.scratch / "warehouse.duckdb")
    wh = open_warehouse(resolve("local"))
    try:
        offseason = build.freshness_not_due(wh, "2026-07-15", sources, manifest)
        playoffs = build.freshness_not_due(wh, "2026-04-22", sources, manifest)
    finally:
        wh.close()
    assert offseason == {"orchestration.scraper_execution_log": "offseason"}
    assert playoffs == {}
    judged = Judgement()
    judge_freshness(sources, manifest, judged, not_due=offseason)
    assert [f.target for f in judged.findings] == ["orchestration.service_health_checks"]
