"""Declared quiet (issue 19): the pipeline's halts, operators' overrides and `pipemon pause`.

The quiet stretch of `test_normal_days` is generated in the real formats, then the predictions
stop from STOP on while games are still scheduled (the 2026-04-26 shutdown: the prediction
scheduler paused, nothing written, nothing declared). Two builds, real dbt on DuckDB:

- undeclared: a warehouse without `halt_state` and `halt_overrides` (before 2026-05-09, or a team
  without them), where one prediction system is paused with `pipemon pause` for two days;
- declared: the halt writer's rows in its own format - `predictions_inactive` on the first
  stopped day (a symptom, not a decision), `between_rounds` on the next, no row yet on the last,
  which an operator's override covers - beside an MLB row and a malformed one.

Then the undeclared stop's findings go through the runner's incident steps, one run a day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason
from warehouse.replay import copy_warehouse
from warehouse.test_normal_days import END, _build, _generate

STOP = dt.date(2026, 1, 27)  # the first date without predictions
STOPPED = [STOP + dt.timedelta(days=k) for k in range((END - STOP).days + 1)]
PAUSED_SYSTEM = "catboost_v8"
# the betting_lines workflow's BettingPros events scraper (registry name, and as it logs itself)
SCRAPER, SCRAPER_LOG_NAME = "bp_events", "betting_pros_events"
PREDICTIONS = "nba_predictions.player_prop_predictions"
HALT_STATE = "nba_orchestration.halt_state"
WRITER = "halt_state_writer_cf"


def _stop_predictions(con: duckdb.DuckDBPyConnection) -> None:
    """The prediction scheduler is paused: no prediction row from STOP on."""
    con.execute(f"delete from {PREDICTIONS} where game_date >= ?", [STOP])


def _stop_scraper(con: duckdb.DuckDBPyConnection) -> None:
    """Its workflow is paused too: no log row from STOP's morning (ET) on."""
    con.execute(
        "delete from nba_orchestration.scraper_execution_log "
        "where scraper_name = ? and triggered_at >= ?",
        [SCRAPER_LOG_NAME, _utc(STOP, 5)],
    )


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def _halt_row(day: dt.date, reason: str | None, since: dt.date | None, **extra: Any) -> list[Any]:
    """A row as the writer MERGEs it at 05:00 ET (10:00 UTC in winter)."""
    row = {
        "effective_date": day,
        "sport": "nba",
        "halt_active": reason is not None,
        "halt_reason": reason,
        "halt_since": since,
        "halt_metrics": json.dumps({"games_today": 7, "has_future_games_14d": True}),
        "source": WRITER,
        "written_at": _utc(day, 10),
        "actor": None,
        **extra,
    }
    return list(row.values())


def _declare_halts(con: duckdb.DuckDBPyConnection) -> None:
    marks = ", ".join("?" for _ in range(9))
    insert = (
        f"insert into {HALT_STATE} (effective_date, sport, halt_active, halt_reason, halt_since, "
        f"halt_metrics, source, written_at, actor) values ({marks})"
    )
    first, second, last = STOPPED
    before = STOP - dt.timedelta(days=1)
    for row in (
        _halt_row(before, None, None),  # in season: not halted
        _halt_row(first, "predictions_inactive", first),  # the writer names a symptom
        _halt_row(second, "between_rounds", second),  # a declared halt
        _halt_row(first, "off_season", first, sport="mlb"),  # another sport: out of scope
        _halt_row(before, "vacation", before, written_at=_utc(before, 11)),  # not a reason
    ):
        con.execute(insert, row)
    # the last date: the writer has not written it; an operator's override covers it
    con.execute(
        "insert into nba_orchestration.halt_overrides (sport, halt_reason, start_date, end_date, "
        "active, note, created_at, created_by) values ('nba', 'manual', ?, null, true, ?, ?, ?)",
        [last, "scheduler jobs paused for the cost review", _utc(last, 9), "ops@example.org"],
    )
    # a lifted override covers nothing
    con.execute(
        "insert into nba_orchestration.halt_overrides (sport, halt_reason, start_date, end_date, "
        "active, note, created_at, created_by) values ('nba', 'manual', ?, ?, false, ?, ?, ?)",
        [first, first, "lifted", _utc(first, 9), "ops@example.org"],
    )


def _pause(
    warehouse: Path,
    outputs: list[str],
    until: dt.date,
    reason: str,
    *,
    now: dt.datetime,
    first: dt.date | None = None,
) -> None:
    """`pipemon pause OUTPUT --until ... [--from ...]` for each output, declared at `now`."""
    from pipemon import pauses
    from pipemon.project import project_dir
    from pipemon.warehouse import open_warehouse, resolve

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
        wh = open_warehouse(resolve(None))
        try:
            for output in outputs:
                pauses.declare(
                    wh,
                    output,
                    until,
                    reason,
                    by="ml-platform-oncall",
                    now=now.replace(tzinfo=dt.UTC),
                    known=pauses.known_outputs(project_dir()),
                    first=first,
                )
        finally:
            wh.close()


def _stopped_without_halt_tables(
    stretch: tuple[Path, dict[str, Any]], base: Path
) -> tuple[Path, dict[str, Any]]:
    source, truth = stretch
    warehouse = copy_warehouse(source, base)
    con = duckdb.connect(str(warehouse))
    try:
        _stop_predictions(con)
        con.execute(f"drop table {HALT_STATE}")
        con.execute("drop table nba_orchestration.halt_overrides")
    finally:
        con.close()
    return warehouse, truth


@pytest.fixture(scope="module")
def stretch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return _generate(tmp_path_factory.mktemp("quiet-stretch"), "none", "existing")


@pytest.fixture(scope="module")
def undeclared(stretch, tmp_path_factory: pytest.TempPathFactory) -> BuiltSeason:
    """No halt tables; one system paused on STOP's morning for two days; the stopped scraper
    paused after the fact."""
    warehouse, truth = _stopped_without_halt_tables(stretch, tmp_path_factory.mktemp("undecl"))
    con = duckdb.connect(str(warehouse))
    try:
        _stop_scraper(con)
    finally:
        con.close()
    _pause(
        warehouse,
        [SCRAPER],
        END,
        "betting_lines workflow paused",
        now=_utc(END, 15),
        first=STOP,
    )
    _pause(
        warehouse,
        [PAUSED_SYSTEM],
        STOP + dt.timedelta(days=1),
        "catboost_v8 retrained, predictions resume after the retrain",
        now=_utc(STOP, 13),
    )
    return _build(warehouse, truth, truth["as_of"], "undeclared")


@pytest.fixture(scope="module")
def paused_after_the_fact(stretch, tmp_path_factory: pytest.TempPathFactory) -> BuiltSeason:
    """No halt tables; on the last day someone pauses every stopped output from STOP on."""
    from pipemon import pauses
    from pipemon.project import project_dir

    warehouse, truth = _stopped_without_halt_tables(stretch, tmp_path_factory.mktemp("after"))
    known = pauses.known_outputs(project_dir())
    systems = sorted(name for name, seed in known.items() if seed == "prediction_systems")
    _pause(
        warehouse,
        [*systems, "player_prop_predictions", "phase5"],
        END + dt.timedelta(days=7),
        "prediction scheduler paused for the cost review",
        now=_utc(END, 15),
        first=STOP,
    )
    return _build(warehouse, truth, truth["as_of"], "after")


@pytest.fixture(scope="module")
def declared(stretch, tmp_path_factory: pytest.TempPathFactory) -> BuiltSeason:
    source, truth = stretch
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp("quiet-declared"))
    con = duckdb.connect(str(warehouse))
    try:
        _stop_predictions(con)
        _stop_scraper(con)
        _declare_halts(con)
    finally:
        con.close()
    return _build(warehouse, truth, truth["as_of"], "declared")


def _failing(season: BuiltSeason, check: str) -> set[tuple[str, str]]:
    return {(d, t) for name, d, t in season.failing_rows() if name == check}


def _systems(season: BuiltSeason) -> set[str]:
    return {
        system
        for (system,) in season.query(
            "select distinct system_id from monitoring.prediction_system_coverage "
            f"where game_date >= '{STOP}' and is_due"
        )
    }


# ---------------------------------------------------------------- undeclared


def test_absent_halt_tables_build_and_declare_nothing(undeclared: BuiltSeason) -> None:
    assert undeclared.results_with_status("error", "skipped") == []
    kinds = undeclared.query("select distinct quiet_kind from monitoring.declared_quiet_days")
    assert kinds == [("pause",)]
    statuses = dict(
        undeclared.query(
            "select cast(game_date as varchar), overall_status "
            f"from monitoring.daily_pipeline_health where game_date >= '{STOP}'"
        )
    )
    assert "HALTED" not in statuses.values()
    assert statuses[str(STOP)] in ("PARTIAL", "INCOMPLETE")


def test_an_undeclared_stop_fails_every_stopped_output_every_day(undeclared: BuiltSeason) -> None:
    systems = _systems(undeclared) - {PAUSED_SYSTEM}
    assert len(systems) >= 4
    missing = _failing(undeclared, "prediction_system_missing")
    assert {(str(d), s) for d in STOPPED for s in systems} <= missing
    assert _failing(undeclared, "players_missing_predictions") == {
        (str(d), PREDICTIONS) for d in STOPPED
    }


def test_a_pause_silences_its_output_only_until_it_expires(undeclared: BuiltSeason) -> None:
    missing = _failing(undeclared, "prediction_system_missing")
    paused = {d for d, s in missing if s == PAUSED_SYSTEM}
    # covered STOP and STOP + 1; the day after `until` it is judged again
    assert paused == {str(STOPPED[-1])}
    rows = undeclared.query(
        "select cast(quiet_date as varchar), quiet_reason, declared_by, "
        "cast(quiet_until_date as varchar) from monitoring.declared_quiet_days "
        f"where output_name = '{PAUSED_SYSTEM}' and quiet_date <= '{END}' order by 1"
    )
    assert [r[0] for r in rows] == [str(STOPPED[0]), str(STOPPED[1])]
    assert {r[2] for r in rows} == {"ml-platform-oncall"}
    assert {r[3] for r in rows} == {str(STOPPED[1])}


def test_a_paused_scraper_is_listed_not_alerted(
    undeclared: BuiltSeason, declared: BuiltSeason
) -> None:
    """The same stopped scraper: alerted where nothing declared it (a halt covers predictions,
    not scrapers), silent where it is paused - and still absent in the mart, the pause listed."""
    absent = {d for d, t in _failing(declared, "scheduled_scraper_absent_from_log") if t == SCRAPER}
    assert str(STOP) in absent
    assert not {
        d for d, t in _failing(undeclared, "scheduled_scraper_absent_from_log") if t == SCRAPER
    }
    rows = undeclared.query(
        "select count(*) from monitoring.scraper_daily_outcomes "
        f"where scraper_name = '{SCRAPER}' and is_absent and game_date in "
        f"({', '.join(repr(str(d)) for d in absent)})"
    )
    assert rows == [(len(absent),)]
    listed = undeclared.query(
        "select min(quiet_date), max(quiet_date) from monitoring.declared_quiet_days "
        f"where output_name = '{SCRAPER}'"
    )
    assert listed == [(STOP, END)]


def test_status_lists_the_pauses_in_force(
    undeclared: BuiltSeason, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipemon import status
    from pipemon.report import verdict

    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(undeclared.warehouse))
    ctx = status.open_context(None, status.parse_as_of(undeclared.truth["as_of"]))
    try:
        answer = status.collect(ctx)
    finally:
        ctx.warehouse.close()
    (paused,) = [s for s in answer.sections if s.key == "pauses"]
    lines = {c.item: c.text for c in paused.checks}
    # output, until, who and why; the system's pause (until STOP + 1) covers the judged day
    assert (
        lines[SCRAPER] == f"paused until {END} by ml-platform-oncall: betting_lines workflow paused"
    )
    assert lines[PAUSED_SYSTEM].startswith(f"paused until {STOPPED[1]} by ml-platform-oncall")
    assert "What is paused?" in answer.render()
    assert not answer.ok  # the undeclared stop is still a problem
    today = verdict.verdict(answer).tiles[1]
    assert any(line.text == lines[SCRAPER] for line in today.lines)


# ---------------------------------------------------------------- declared


def test_a_declared_halt_silences_missing_predictions(declared: BuiltSeason) -> None:
    assert declared.results_with_status("error", "skipped") == []
    systems = _systems(declared)
    missing = _failing(declared, "prediction_system_missing")
    first, second, last = STOPPED
    # predictions_inactive is the writer naming the symptom: it silences nothing
    assert {(str(first), s) for s in systems} <= missing
    # between_rounds (the writer) and the operator's manual override silence the rest
    assert not {(d, s) for d, s in missing if d in (str(second), str(last))}
    assert _failing(declared, "players_missing_predictions") == {(str(first), PREDICTIONS)}


def test_the_quiet_is_listed_with_what_declared_it(declared: BuiltSeason) -> None:
    first, second, last = STOPPED
    rows = declared.query(
        "select cast(quiet_date as varchar), quiet_reason, cast(quiet_since_date as varchar), "
        "declared_by from monitoring.declared_quiet_days "
        f"where output_name = 'phase5' and quiet_date <= '{END}' order by 1"
    )
    assert rows == [
        (str(second), "between_rounds", str(second), WRITER),
        (str(last), "manual", str(last), "ops@example.org"),
    ]
    health = dict(
        declared.query(
            "select cast(game_date as varchar), overall_status || ':' || coalesce(halt_reason, '') "
            f"from monitoring.daily_pipeline_health where game_date in ('{first}', '{second}')"
        )
    )
    assert health == {str(first): "INCOMPLETE:", str(second): "HALTED:between_rounds"}


def test_malformed_and_other_sport_halt_rows_are_counted_not_dropped(
    declared: BuiltSeason,
) -> None:
    ((rows_in, staged, quarantined, out_of_scope, reconciled),) = declared.query(
        "select rows_in, rows_staged, rows_quarantined, rows_out_of_scope, is_reconciled "
        f"from monitoring_intermediate.int_source_rows_reconciled where source_table = '{HALT_STATE}'"
    )
    assert (rows_in, staged, quarantined, out_of_scope, reconciled) == (5, 3, 1, 1, True)
    (reason,) = declared.query(
        "select quarantine_reason from monitoring_staging.base_orchestration__halt_states "
        "where quarantine_reason is not null"
    )
    assert reason == ("unknown_halt_reason",)
    quarantine = _failing(declared, "source_rows_quarantined")
    assert any(target == HALT_STATE for _, target in quarantine), quarantine


def test_status_says_halted_with_its_reason_and_date(
    declared: BuiltSeason, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipemon import status
    from pipemon.report import verdict

    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(declared.warehouse))
    ctx = status.open_context(None, status.parse_as_of(declared.truth["as_of"]))
    try:
        answer = status.collect(ctx)
    finally:
        ctx.warehouse.close()
    first, second, last = STOPPED
    assert answer.day == second
    text = answer.render()
    assert f"halted: between_rounds, since {second}" in text
    assert f"halted: manual, since {last}" in text  # today's predictions
    assert answer.overall_status == "HALTED"
    failing = {c.item for c in answer.problems}
    assert not failing & _systems(declared), text
    tiles = verdict.verdict(answer).tiles
    assert any("halted: between_rounds" in line.text for line in tiles[0].lines)


# ---------------------------------------------------------------- incidents


def _findings(season: BuiltSeason) -> list[Any]:
    import os

    from pipemon.alerts import findings
    from pipemon.warehouse import open_warehouse, resolve

    os.environ["PIPEMON_DUCKDB_PATH"] = str(season.warehouse)
    wh = open_warehouse(resolve(None))
    try:
        judged = findings.judge(
            season.run_results, season.manifest, wh.read_relation, max_rows=50, samples=True
        )
    finally:
        wh.close()
    return [f for f in judged.findings if f.source == "test"]


class Runs:
    """The runner's memory between daily runs (incident_events and alert_log as rows)."""

    def __init__(self, judged_checks: set[str]) -> None:
        self.events: list[dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.judged_checks = judged_checks

    def run(self, now: dt.datetime, failing: list[Any], judged: list[dt.date]) -> list[str]:
        from pipemon.alerts import incidents, policy
        from pipemon.alerts.config import AlertsConfig
        from pipemon.runner import decide

        state = incidents.fold(self.events)
        open_dates = {d for i in state.values() if not i.finished for d in i.open_dates()}
        plan = decide.make_plan(
            failing,
            state,
            judged_checks=self.judged_checks,
            judged_dates={d.isoformat() for d in judged} | open_dates,
            now=now,
            resolved_vars={"incident_clean_days_to_end": 3, "incident_worse_factor": 2},
        )
        messages = decide.messages(
            AlertsConfig(), plan, policy.group_history(self.log), now, samples=True
        )
        self.events += [t.row("run", now) for t in plan.transitions]
        for n, m in enumerate(messages):
            m.alert_id = f"{now:%Y%m%d%H%M}{n:03d}"
            self.log.append(m.log_row(run_id="run", channel="email", status="sent", now=now))
        return [m.kind for m in messages]

    def incidents(self) -> dict[str, Any]:
        from pipemon.alerts import incidents

        return incidents.fold(self.events)


def _on(findings: list[Any], days: list[dt.date]) -> list[Any]:
    wanted = {d.isoformat() for d in days}
    return [f for f in findings if (f.game_date or "")[:10] in wanted]


def test_an_undeclared_stop_is_one_incident_told_once_until_a_halt_covers_it(
    undeclared: BuiltSeason, declared: BuiltSeason
) -> None:
    """One run each evening of the stop: every stopped date so far still fails. Then the halt
    is declared (the second build's findings: the covered dates pass)."""
    # the paused system's pause expiring mid-stop would spread the incident (an update): the
    # stop alone is judged here
    stopped = [
        f
        for f in _findings(undeclared)
        if (f.game_date or "")[:10] >= str(STOP) and f.target != PAUSED_SYSTEM
    ]
    assert {f.check_name for f in stopped} >= {
        "prediction_system_missing",
        "players_missing_predictions",
    }
    checks = {f.check_id for f in stopped} | {f.check_id for f in _findings(declared)}
    runs = Runs(checks)
    kinds: list[str] = []
    for k, day in enumerate(STOPPED):
        evening = dt.datetime.combine(day, dt.time(23), dt.UTC)
        kinds += runs.run(evening, _on(stopped, STOPPED[: k + 1]), [day])
    live = [i for i in runs.incidents().values() if not i.finished]
    # one incident per stopped output: the predictions (every system, the table, phase 5)
    assert len(live) == 1, [i.cause for i in live]
    (incident,) = live
    assert incident.dates() == [d.isoformat() for d in STOPPED]
    # told once; the later days are counted, not sent again
    assert kinds.count("alert") == 1
    assert [k for k in kinds if k not in ("suppressed", "reminder")] == ["alert"]

    # the halt is declared: its dates pass; the first date (a symptom, not a decision) stays
    after = dt.datetime.combine(END + dt.timedelta(days=1), dt.time(23), dt.UTC)
    halted = [f for f in _findings(declared) if f.target != SCRAPER]
    runs.run(after, _on(halted, STOPPED), STOPPED)
    (still,) = [i for i in runs.incidents().values() if not i.finished]
    assert still.open_dates() == {str(STOP)}


def test_a_pause_declared_after_the_fact_closes_the_stop(
    undeclared: BuiltSeason, paused_after_the_fact: BuiltSeason
) -> None:
    stopped = [
        f
        for f in _findings(undeclared)
        if (f.game_date or "")[:10] >= str(STOP) and f.target != PAUSED_SYSTEM
    ]
    paused = _findings(paused_after_the_fact)
    assert not _on(paused, STOPPED), [(f.check_name, f.game_date, f.target) for f in paused]
    runs = Runs({f.check_id for f in stopped})
    evening = dt.datetime.combine(END, dt.time(23), dt.UTC)
    assert runs.run(evening, stopped, STOPPED) == ["alert"]
    told = runs.run(evening + dt.timedelta(days=1), _on(paused, STOPPED), STOPPED)
    assert told == ["resolved"]
    assert all(i.finished for i in runs.incidents().values())
    listed = paused_after_the_fact.query(
        "select count(distinct output_name), min(quiet_date), max(quiet_reason) "
        f"from monitoring.declared_quiet_days where quiet_date <= '{END}'"
    )
    assert listed[0][1:] == (STOP, "prediction scheduler paused for the cost review")
