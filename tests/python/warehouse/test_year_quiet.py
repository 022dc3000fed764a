"""The pipeline's year (issue 19): the monitor replayed as its schedules run it on days sampled
from every period of 2025-10-01 .. the 2026-27 bootstrap, on one warehouse, each moment seeing
only the rows written by then (`pipemon backtest --on`).

A clean year raises nothing on a day the pipeline is right: preseason, an NBA Cup night, the
All-Star break, the postponements before and after the status-9 edit, a makeup date, play-in,
playoffs, the offseason, each wave of the restart, the opener and its bootstrap. The one
undeclared stop of the year, the 2026-04-26 shutdown of most jobs with playoff games still on the
schedule, is told once per stopped output and stays open; nothing else is told.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipemon import backtest, project
from warehouse.replay import copy_warehouse

D = dt.date
# (date, period): one moment of each, at a time the schedules run the monitor (rotated through
# 08:00, 14:00 and the night)
SAMPLED: tuple[tuple[dt.date, str, dt.time], ...] = (
    (D(2025, 10, 10), "preseason", dt.time(8, 0)),
    (D(2025, 10, 23), "opening week", dt.time(3, 30)),
    (D(2025, 12, 10), "NBA Cup night", dt.time(14, 0)),
    (D(2026, 1, 26), "postponed games at status 1", dt.time(8, 0)),
    (D(2026, 2, 11), "postponed games at status 9", dt.time(14, 0)),
    (D(2026, 2, 15), "All-Star break", dt.time(8, 0)),
    (D(2026, 3, 19), "makeup of a postponed game", dt.time(3, 30)),
    (D(2026, 4, 16), "play-in", dt.time(8, 0)),
    (D(2026, 4, 22), "playoffs", dt.time(14, 0)),
    (D(2026, 4, 28), "shutdown", dt.time(8, 0)),
    (D(2026, 4, 29), "shutdown", dt.time(14, 0)),
    (D(2026, 7, 15), "offseason", dt.time(8, 0)),
    (D(2026, 10, 10), "restart: scrapers", dt.time(8, 0)),
    (D(2026, 10, 15), "restart: phases 3 and 4", dt.time(14, 0)),
    (D(2026, 10, 19), "restart: predictions", dt.time(8, 0)),
    (D(2026, 10, 22), "the opener's morning", dt.time(8, 0)),
    (D(2026, 10, 28), "bootstrap", dt.time(3, 30)),
)
SHUTDOWN = D(2026, 4, 26)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from pipemon.generator import generate, year_bounds

    base = tmp_path_factory.mktemp("year")
    warehouse = base / "warehouse.duckdb"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    first, last = year_bounds()
    generated = generate(warehouse, first, last, seed=42, incidents="none", calendar="year")
    return warehouse, json.loads(generated.truth_path.read_text())


@pytest.fixture(scope="module")
def replayed(year, tmp_path_factory: pytest.TempPathFactory) -> backtest.Result:
    source, _ = year
    base = tmp_path_factory.mktemp("year-replay")
    live = copy_warehouse(source, base)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(live)
    zone = project.pipeline_zone()
    instants = [dt.datetime.combine(d, at, tzinfo=zone) for d, _, at in SAMPLED]
    return backtest.run(
        SAMPLED[0][0], SAMPLED[-1][0], [], scratch=base / "scratch", instants=instants
    )


def _period(moment: backtest.Moment) -> str:
    day = moment.at.astimezone(project.pipeline_zone()).date()
    return next(p for d, p, _ in SAMPLED if d == day)


def test_a_clean_year_is_quiet_outside_the_undeclared_stop(replayed: backtest.Result) -> None:
    told = {
        _period(m): [f"{s.kind} {s.subject}" for s in m.said] for m in replayed.moments if m.said
    }
    findings = {_period(m): m.findings for m in replayed.moments if m.findings}
    print(json.dumps({"told": told, "findings": findings}, indent=1, default=str))
    noisy = {p: said for p, said in told.items() if p != "shutdown"}
    assert noisy == {}, f"alerts on days the pipeline is right: {noisy}"
    assert all(m.exit_code in (0, 2) for m in replayed.moments)


def test_the_undeclared_stop_is_told_once_per_stopped_output(replayed: backtest.Result) -> None:
    stop = [
        i
        for i in replayed.incidents
        if str(SHUTDOWN - dt.timedelta(days=1))
        <= str(i["first_date"])
        <= str(SHUTDOWN + dt.timedelta(days=7))
    ]
    assert stop, "the shutdown of 2026-04-26 was not told"
    alerts = Counter(s.incident_id for m in replayed.moments for s in m.said if s.kind == "alert")
    assert all(n == 1 for n in alerts.values()), alerts
    targets = [f"{i['check']}: {i['target']}" for i in stop]
    assert len(targets) == len(set(targets)), targets
