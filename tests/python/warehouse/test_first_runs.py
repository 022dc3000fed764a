"""Every documented incident caught at the first scheduled run after it matters.

The full-season build judges every date at once, as of the season's end; here each incident's
first run (from its `first_run` in the catalogue and the crons of deploy/schedules.yml) is
replayed on a copy of the incident season that holds only what had been written by then, and
the run's checks must name the incident's cause on its first date, and raise nothing that is
not an injected incident.

One dbt parse serves every replay (the run moment is a var, which only the compiled SQL reads);
each replay builds just its checks and their ancestors.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from pipemon import dbt
from pipemon.demo import judging_vars
from pipemon.generator.contract import load_contract
from pipemon.generator.incidents import DOCUMENTED, NON_ALERTS, FirstRun, IncidentKind
from pipemon.warehouse.duckdb import release_dbt_connections
from session_cache import parsed_manifest
from warehouse.replay import (
    REPO,
    WRITTEN_AT,
    copy_warehouse,
    cut_at,
    load_schedules,
    scraper_log_days,
    to_utc,
)

ALERTING = [kind for kind in DOCUMENTED if kind.kind not in NON_ALERTS]
SCHEDULES = load_schedules()[1]


def _first_run(kind: IncidentKind) -> FirstRun:
    assert kind.first_run is not None, f"{kind.kind} has no first_run"
    return kind.first_run


def run_moment(kind: IncidentKind) -> datetime:
    """The first firing of the kind's schedule at or after the moment it matters (ET)."""
    first_run = _first_run(kind)
    assert kind.first is not None
    return SCHEDULES[first_run.schedule].first_firing(first_run.due(kind.first))


def _by_moment() -> list[tuple[datetime, list[IncidentKind]]]:
    groups: dict[datetime, list[IncidentKind]] = defaultdict(list)
    for kind in ALERTING:
        groups[run_moment(kind)].append(kind)
    return sorted(groups.items())


RUNS = _by_moment()


@pytest.fixture(scope="module")
def manifest(incident_season) -> Any:
    """The project parsed once (the session's parse, which built the season too). DuckDB names
    its catalog after the file's stem, and parsing fixes every relation's database: the replays'
    copies keep the season's file name."""
    return parsed_manifest(incident_season.warehouse, judging_vars(incident_season.truth))


def test_every_alerting_documented_incident_has_a_first_run() -> None:
    assert len(ALERTING) == 14
    for kind in DOCUMENTED:
        assert (kind.first_run is None) == (kind.kind in NON_ALERTS), kind.kind
    for kind in ALERTING:
        first_run = _first_run(kind)
        assert first_run.schedule in SCHEDULES, (kind.kind, first_run.schedule)
        assert SCHEDULES[first_run.schedule].command == "run"


def test_the_documented_table_lists_each_first_run() -> None:
    """docs/documented_incidents.md: one row per alerting incident, its first run's moment."""
    text = (REPO / "docs" / "documented_incidents.md").read_text()
    table = text.split("| first run that catches it |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|") for line in table.splitlines()[2:]]
    listed = sorted(row[4].strip()[:11] for row in rows)
    assert listed == sorted(f"{run_moment(kind):%m-%d %H:%M}" for kind in ALERTING)


def test_written_at_covers_every_contract_table() -> None:
    contract = load_contract(REPO)
    assert set(WRITTEN_AT) == set(contract)
    for name, column in WRITTEN_AT.items():
        assert dict(contract[name].columns).get(column) == "TIMESTAMP", (name, column)


def test_the_crons_fire_when_deployed() -> None:
    morning, phase_state = SCHEDULES["pipemon-morning-full"], SCHEDULES["pipemon-phase-state"]
    at = datetime(2025, 12, 28, 4, 0)
    assert morning.first_firing(at) == datetime(2025, 12, 28, 8, 0)
    assert morning.first_firing(datetime(2025, 12, 28, 8, 0)) == datetime(2025, 12, 28, 8, 0)
    assert morning.first_firing(datetime(2025, 12, 28, 8, 1)) == datetime(2025, 12, 29, 8, 0)
    assert phase_state.first_firing(at) == datetime(2025, 12, 28, 14, 0)
    assert SCHEDULES["pipemon-dead-letters"].first_firing(at.replace(minute=1)) == at.replace(
        minute=10
    )
    # the weekly sweep: Mondays at 09:00 (2025-12-29 is a Monday)
    assert SCHEDULES["pipemon-season-sweep"].first_firing(at) == datetime(2025, 12, 29, 9, 0)


def test_the_catalogue_names_the_first_schedule_that_runs_its_checks(manifest, tmp_path) -> None:
    """Of the schedules whose selection runs one of a kind's checks, the one that fires first
    after the kind matters is the one the catalogue names (the weekly sweep judges the season's
    gaps, not the daily checks)."""
    tests = {node.name for node in manifest.nodes.values() if node.resource_type == "test"}
    runs: dict[str, set[str]] = {}
    for name, schedule in SCHEDULES.items():
        if schedule.command != "run":
            continue
        selected = schedule.selection
        outcome = dbt.invoke(
            ["ls"],
            target="local",
            extra=[
                *selected,
                "--resource-type",
                "test",
                "--output",
                "name",
                "--target-path",
                str(tmp_path),
            ],  # fmt: skip
            manifest=manifest,
        )
        assert outcome.exception is None, outcome.exception
        runs[name] = {str(line) for line in outcome.results}
    wrong = []
    for kind in ALERTING:
        first_run = _first_run(kind)
        assert kind.first is not None
        assert set(first_run.checks) <= tests, (kind.kind, set(first_run.checks) - tests)
        due = first_run.due(kind.first)
        firings = {
            name: SCHEDULES[name].first_firing(due)
            for name, selected in runs.items()
            if selected & set(first_run.checks)
        }
        soonest = min(firings.values())
        if firings.get(first_run.schedule) != soonest:  # a tie (08:00, every 10 minutes) is fine
            wrong.append((kind.kind, first_run.schedule, soonest, sorted(firings)))
    assert not wrong, f"a schedule runs these checks sooner than the catalogue says: {wrong}"


def _due_at_first_run(season, kind: IncidentKind) -> list[dict[str, str]]:
    """The kind's records on its first date that were due at its first run."""
    records = [
        r for r in season.truth["incidents"] if r["kind"] == kind.kind and not r.get("consequence")
    ]
    assert records, f"{kind.kind} was not injected"
    first = min(r["game_date"] for r in records)
    assert kind.first is not None and first == kind.first.isoformat(), (kind.kind, first)
    due = [r for r in records if r["game_date"] == first]
    targets = _first_run(kind).targets
    if targets:
        assert set(targets) <= {r["target"] for r in due}, (kind.kind, targets)
        due = [r for r in due if r["target"] in targets]
    return due


@pytest.mark.parametrize(
    ("moment", "kinds"),
    RUNS,
    ids=[f"{moment:%Y-%m-%dT%H%M}ET-" + "+".join(k.kind for k in kinds) for moment, kinds in RUNS],
)
def test_caught_at_its_first_scheduled_run(
    moment: datetime,
    kinds: list[IncidentKind],
    incident_season,
    manifest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_of = to_utc(moment)
    warehouse = copy_warehouse(incident_season.warehouse, tmp_path)
    cut_at(warehouse, as_of)
    checks = sorted({check for kind in kinds for check in _first_run(kind).checks})
    target = tmp_path / "target"
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    outcome = dbt.invoke(
        ["build"],
        target="local",
        vars_={
            "as_of": f"{as_of:%Y-%m-%d %H:%M:%S}",
            "monitor_lookback_days": 3,
            "season_opening_date": incident_season.truth["season_start"],
            "scraper_log_retention_days": scraper_log_days(warehouse, moment.date()),
        },
        extra=[
            "--select",
            " ".join(f"+{check}" for check in checks),
            "--indirect-selection",
            "empty",  # the checks, not every test of their ancestors
            "--exclude-resource-type",
            "unit_test",
            "--exclude-resource-type",
            "seed",  # the copy holds them already
            "--full-refresh",  # incremental marts must not keep what the season's end knew
            "--target-path",
            str(target),
        ],  # fmt: skip
        manifest=manifest,
    )
    assert outcome.exception is None, f"dbt build broke: {outcome.exception}"
    release_dbt_connections()
    run_results = json.loads((target / "run_results.json").read_text())
    season = type(incident_season)(warehouse, incident_season.truth, run_results, {}, {})
    assert season.results_with_status("error", "skipped") == []
    rows = season.failing_rows()
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for test, day, name in rows:
        named[(day, name)].add(test)

    missed = []
    for kind in kinds:
        checks_of_kind = set(_first_run(kind).checks)
        for record in _due_at_first_run(incident_season, kind):
            caught = named[(record["game_date"], record["target"])] & checks_of_kind
            print(f"{kind.kind} {record['game_date']} {record['target']}: {sorted(caught)}")
            if not caught:
                missed.append((kind.kind, record["game_date"], record["target"]))
    assert not missed, f"not caught at the run of {moment} ET: {missed}"
    truth = {(r["game_date"], r["target"]) for r in incident_season.truth["incidents"]}
    false_alerts = sorted({row for row in rows if (row[1], row[2]) not in truth})
    assert not false_alerts, f"raised at {moment} ET with no incident behind it: {false_alerts}"
