"""Plain regular-season days as the real pipeline writes them (issue 19's normal-day defects).

A quiet stretch of the 2025-26 season is generated in the real formats without the plan's new
log tables (`logs="existing"`, the pipeline as it is), then rewritten where the real pipeline
differs from the generator's tidy days, each change written as the pipeline's own writers write
it (run history rows, Firestore snapshots, the dual-write, box scores):

- the processors fed only by scrapers that no workflow schedules never run
  (`../shared/REAL_PIPELINE.md` section 2: 12 scrapers live only in the registry);
- the odds processors run once per game per snapshot (dozens of runs a day, every day);
- on one date a once-a-day processor is triggered thirty times, every run succeeding;
- on one date no completion record exists for phases 3 and 4 (no Firestore snapshot taken yet,
  no dual-write row), though run history shows every one of their processors finished;
- on one date the gamebook of one game failed and the BDL fallback filled its box scores;
- on one date a phase-3 processor was left `running` and never completed its key.

Then the monitor runs: once as of the afternoon after the last day, and at night (00:30 and
03:30 ET, before the last post-game window of the previous date has run) on the untouched
stretch. A last stretch has a log table silent for two days, run by the runner, and asks what
`pipemon status` and the report's headline say while that incident is open.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason, _dbt_build
from warehouse.replay import copy_warehouse, cut_at, to_utc

START, END = date(2026, 1, 18), date(2026, 1, 29)

# Processors whose only feeding scrapers are the registry-only ones (schedule_cdn, scoreboard_v2,
# player_movement, roster, espn_*, oddsa_team_players, bdl_games, bdl_player_box_scores,
# bdl_injuries, bigdataball_discovery): nothing runs them on a normal day.
UNSCHEDULED_FED = {
    "NbacScoreboardV2Processor": "nbac_scoreboard_v2",
    "NbacPlayerMovementProcessor": "nbac_player_movement",
    "EspnBoxscoreProcessor": "espn_boxscores",
    "EspnScoreboardProcessor": "espn_scoreboard",
    "BdlInjuriesProcessor": "bdl_injuries",
}
PER_FILE = {
    "OddsApiPropsProcessor": "odds_api_player_points_props",
    "OddsGameLinesProcessor": "odds_api_game_lines",
}
SNAPSHOTS_PER_GAME = 4
NOT_LOGGED_DAY = "2026-01-27"  # phases 3 and 4 ran; no completion record of either exists
FALLBACK_DAY, FALLBACK_GAME = "2026-01-25", ("MIA", "TOR")
LOOP_DAY, LOOP_CLASS, LOOP_NAME, LOOP_RUNS = (
    "2026-01-28",
    "BettingPropsProcessor",
    "bettingpros_player_points_props",
    30,
)
STUCK_DAY, STUCK_CLASS, STUCK_NAME = (
    "2026-01-26",
    "TeamDefenseGameSummaryProcessor",
    "team_defense_game_summary",
)


def _generate(base: Path, incidents: str, logs: str) -> tuple[Path, dict[str, Any]]:
    """The stretch generated into `base`/warehouse.duckdb (a copy of the run's one generation
    with these arguments, `session_cache.generate_once`)."""
    import os

    from session_cache import generate_once

    warehouse = base / "warehouse.duckdb"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    generated = generate_once(warehouse, START, END, seed=42, incidents=incidents, logs=logs)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    return warehouse, json.loads(generated.truth_path.read_text())


def _unscheduled_fed_never_run(con: duckdb.DuckDBPyConnection) -> None:
    names = list(UNSCHEDULED_FED) + list(UNSCHEDULED_FED.values())
    marks = ", ".join("?" for _ in names)
    con.execute(
        f"delete from nba_reference.processor_run_history where processor_name in ({marks})", names
    )
    con.execute(
        f"delete from nba_orchestration.pipeline_event_log where processor_name in ({marks})", names
    )


def _odds_run_per_game_and_snapshot(con: duckdb.DuckDBPyConnection, as_of: str) -> None:
    """Each odds processor's first successful run of a date is copied once per game per snapshot,
    minutes apart: each a new file's first attempt (its own run_id and trigger message), all
    successful."""
    con.execute(
        f"""
        insert into nba_reference.processor_run_history by name
        select run.* replace (
            run.run_id || '-file' || cast(copy.i as varchar) as run_id,
            run.started_at + copy.i * interval 2 minute as started_at,
            run.processed_at + copy.i * interval 2 minute as processed_at,
            run.trigger_message_id || '-file' || cast(copy.i as varchar) as trigger_message_id,
            1 as retry_attempt
        )
        from (
            select * from nba_reference.processor_run_history
            where processor_name in ({", ".join(f"'{c}'" for c in PER_FILE)})
                and status = 'success'
            qualify row_number() over (partition by processor_name, data_date order by started_at) = 1
        ) as run
        inner join (
            select game_date, count(distinct game_id) * {SNAPSHOTS_PER_GAME} as files
            from nba_raw.nbac_schedule group by 1
        ) as days on run.data_date = days.game_date
        cross join range(1, 100) as copy(i)
        where copy.i < days.files
            and run.processed_at + copy.i * interval 2 minute < timestamp '{as_of}'
        """
    )


def _runs_in_a_loop(con: duckdb.DuckDBPyConnection) -> None:
    """A once-a-day processor triggered again and again on one date, every run succeeding: new
    runs (own run_id, first attempts), not retries."""
    con.execute(
        f"""
        insert into nba_reference.processor_run_history by name
        select run.* replace (
            run.run_id || '-loop' || cast(copy.i as varchar) as run_id,
            run.started_at + copy.i * interval 3 minute as started_at,
            run.processed_at + copy.i * interval 3 minute as processed_at,
            1 as retry_attempt
        )
        from (
            select * from nba_reference.processor_run_history
            where processor_name = '{LOOP_CLASS}' and data_date = '{LOOP_DAY}'
                and status = 'success'
            qualify row_number() over (order by started_at) = 1
        ) as run
        cross join range(1, {LOOP_RUNS}) as copy(i)
        """
    )


def _no_completion_record(con: duckdb.DuckDBPyConnection) -> None:
    for phase in ("phase3", "phase4"):
        con.execute(
            "delete from nba_orchestration.firestore_phase_snapshots "
            "where collection = ? and document_id = ?",
            [f"{phase}_completion", NOT_LOGGED_DAY],
        )
        con.execute(
            "delete from nba_orchestration.phase_completions where phase = ? and game_date = ?",
            [phase, NOT_LOGGED_DAY],
        )


def _gamebook_of_one_game_failed(con: duckdb.DuckDBPyConnection) -> str:
    """The failed run of one game's gamebook, before the day's successful ones; its players'
    box scores come from BDL. Returns the schedule's game id."""
    away, home = FALLBACK_GAME
    ((game_id,),) = con.execute(
        "select distinct game_id from nba_raw.nbac_schedule where game_date = ? "
        "and away_team_tricode = ? and home_team_tricode = ?",
        [FALLBACK_DAY, away, home],
    ).fetchall()
    con.execute(
        "update nba_analytics.player_game_summary set primary_source_used = 'bdl_boxscores' "
        "where game_date = ? and game_id = ?",
        [FALLBACK_DAY, f"{FALLBACK_DAY.replace('-', '')}_{away}_{home}"],
    )
    errors = json.dumps(
        [
            {
                "error_type": "ValueError",
                "error_message": f"gamebook PDF for {away}@{home} has no player table",
                "timestamp": f"{FALLBACK_DAY}T09:00:00Z",
            }
        ]
    )
    con.execute(
        f"""
        insert into nba_reference.processor_run_history by name
        select * replace (
            run_id || '-{away}{home}' as run_id,
            'failed' as status,
            started_at - interval 12 minute as started_at,
            started_at - interval 11 minute as processed_at,
            60.0 as duration_seconds,
            0 as records_processed,
            'processing_error' as failure_category,
            ? as errors
        )
        from nba_reference.processor_run_history
        where processor_name = 'NbacGamebookProcessor' and data_date = ? and status = 'success'
        """,
        [errors, FALLBACK_DAY],
    )
    return str(game_id)


def _left_running(con: duckdb.DuckDBPyConnection) -> None:
    """The processor's run never ended: only its `running` row, no completion key, phase 3
    never triggered."""
    runs = con.execute(
        "select run_id from nba_reference.processor_run_history "
        "where processor_name = ? and data_date = ? and status <> 'running'",
        [STUCK_CLASS, STUCK_DAY],
    ).fetchall()
    for (run_id,) in runs:
        con.execute(
            "insert into nba_reference.processor_run_history by name "
            "select processor_name, run_id, 'running' as status, phase, data_date, season_year, "
            "started_at, started_at + interval 1 second as processed_at, trigger_source, "
            "trigger_message_id, retry_attempt from nba_reference.processor_run_history "
            "where run_id = ? and status <> 'running' and not exists (select 1 from "
            "nba_reference.processor_run_history where run_id = ? and status = 'running')",
            [run_id, run_id],
        )
        con.execute(
            "delete from nba_reference.processor_run_history where run_id = ? "
            "and status <> 'running'",
            [run_id],
        )
    con.execute(
        "delete from nba_orchestration.phase_completions where phase = 'phase3' "
        "and game_date = ? and processor_name = ?",
        [STUCK_DAY, STUCK_NAME],
    )
    snapshots = con.execute(
        "select snapshot_at, data from nba_orchestration.firestore_phase_snapshots "
        "where collection = 'phase3_completion' and document_id = ?",
        [STUCK_DAY],
    ).fetchall()
    for snapshot_at, data in snapshots:
        doc = json.loads(data)
        if doc.pop(STUCK_NAME, None) is not None:
            doc["_completed_count"] -= 1
        doc["_triggered"], doc["_triggered_at"] = False, None
        con.execute(
            "update nba_orchestration.firestore_phase_snapshots set data = ? "
            "where collection = 'phase3_completion' and document_id = ? and snapshot_at = ?",
            [json.dumps(doc, sort_keys=True), STUCK_DAY, snapshot_at],
        )


def _build(warehouse: Path, truth: dict[str, Any], as_of: str, name: str) -> BuiltSeason:
    moment = {**truth, "as_of": as_of}
    run_results, manifest = _dbt_build(warehouse, warehouse.parent / f"target-{name}", moment)
    return BuiltSeason(warehouse, moment, run_results, manifest, {})


@pytest.fixture(scope="module")
def stretch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The untouched quiet stretch, in the pipeline's formats of today."""
    return _generate(tmp_path_factory.mktemp("normal-days"), "none", "existing")


@pytest.fixture(scope="module")
def normal_days(stretch, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltSeason, str]:
    source, truth = stretch
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp("normal-days-real"))
    con = duckdb.connect(str(warehouse))
    try:
        _unscheduled_fed_never_run(con)
        _odds_run_per_game_and_snapshot(con, truth["as_of"])
        _runs_in_a_loop(con)
        _no_completion_record(con)
        game_id = _gamebook_of_one_game_failed(con)
        _left_running(con)
    finally:
        con.close()
    return _build(warehouse, truth, truth["as_of"], "afternoon"), game_id


def _rows(season: BuiltSeason, check: str) -> list[tuple[str, str]]:
    return [(d, t) for name, d, t in season.failing_rows() if name == check]


def test_processors_fed_only_by_unscheduled_scrapers_are_not_expected(normal_days) -> None:
    season, _ = normal_days
    flagged = _rows(season, "registry_processor_never_ran")
    assert not [r for r in flagged if r[1] in UNSCHEDULED_FED.values()], flagged


def test_evidence_that_a_phase_ran_beats_a_missing_completion_record(normal_days) -> None:
    season, _ = normal_days
    assert not [r for r in _rows(season, "phase_not_triggered") if r[0] == NOT_LOGGED_DAY]
    (source,) = season.query(
        "select string_agg(distinct completion_source, ',') from monitoring.phase_completion "
        f"where data_date = '{NOT_LOGGED_DAY}' and phase in ('phase3', 'phase4')"
    )[0]
    assert source == "run_history"


def test_a_processor_that_runs_once_per_file_is_no_retry_storm(normal_days) -> None:
    season, _ = normal_days
    (most,) = season.query(
        "select max(runs_logged) from monitoring.processor_daily_outcomes "
        f"where processor_name in ({', '.join(repr(n) for n in PER_FILE.values())})"
    )[0]
    assert most >= 40  # dozens of runs a day, every day
    assert _rows(season, "processor_retry_storm") == []


def test_runs_far_above_a_processors_own_normal_are_a_storm(normal_days) -> None:
    season, _ = normal_days
    assert _rows(season, "processor_runs_far_above_baseline") == [(LOOP_DAY, LOOP_NAME)]
    assert (LOOP_DAY, LOOP_NAME) not in _rows(season, "processor_retry_storm")  # no retries


def test_one_failed_game_run_filled_by_the_fallback_is_named_with_its_game(normal_days) -> None:
    season, game_id = normal_days
    named = [
        (name, d, t) for name, d, t in season.failing_rows() if d == FALLBACK_DAY and t == game_id
    ]
    assert named, f"nothing names {game_id} on {FALLBACK_DAY}"
    (check,) = {name for name, _, _ in named}
    statuses = {
        r["status"] for r in season.run_results["results"] if r["unique_id"].split(".")[2] == check
    }
    assert statuses == {"warn"}


def test_a_stuck_phase3_processor_is_named(normal_days) -> None:
    season, _ = normal_days
    named = {name for name, d, t in season.failing_rows() if (d, t) == (STUCK_DAY, STUCK_NAME)}
    assert named, "the stuck processor is named by no check"
    (stuck,) = season.query(
        "select final_status from monitoring.processor_daily_outcomes "
        f"where processor_name = '{STUCK_NAME}' and data_date = '{STUCK_DAY}'"
    )
    assert stuck == ("stuck",)


def test_the_rest_of_the_normal_days_is_quiet(normal_days) -> None:
    season, game_id = normal_days
    explained = {
        (FALLBACK_DAY, game_id),
        (STUCK_DAY, STUCK_NAME),
        (STUCK_DAY, "phase3"),
        (LOOP_DAY, LOOP_NAME),
    }
    noisy = [row for row in season.failing_rows() if (row[1], row[2]) not in explained]
    assert noisy == []
    assert season.results_with_status("error", "skipped") == []


@pytest.mark.parametrize("night", ["00:30", "03:30"])
def test_a_night_run_judges_nothing_before_its_window(
    stretch, tmp_path_factory: pytest.TempPathFactory, night: str
) -> None:
    """At night the previous date's last post-game window (04:00 ET) has not run yet."""
    source, truth = stretch
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp(f"night-{night[:2]}"))
    hour, minute = (int(x) for x in night.split(":"))
    moment = to_utc(datetime.combine(END, datetime.min.time()).replace(hour=hour, minute=minute))
    cut_at(warehouse, moment)
    season = _build(warehouse, truth, f"{moment:%Y-%m-%d %H:%M:%S}", f"night-{night[:2]}")
    assert season.failing_rows() == []
    assert season.results_with_status("error", "skipped") == []


@pytest.fixture(scope="module")
def open_incident(tmp_path_factory: pytest.TempPathFactory):
    """A log table silent for two days, run by the runner: an error incident about today."""
    import os

    from pipemon import runner
    from pipemon.runner import RunOptions

    base = tmp_path_factory.mktemp("open-incident")
    warehouse, truth = _generate(base, "log_table_stopped", "planned")
    (base / "alerts.yml").write_text(
        f"channels:\n  local: {{url: 'file://{base / 'alerts.log'}'}}\ndefault_channels: [local]\n"
    )
    saved = {k: os.environ.get(k) for k in ("DBT_TARGET_PATH", "PIPEMON_ALERTS_CONFIG")}
    os.environ["DBT_TARGET_PATH"] = str(base / "target")
    os.environ["PIPEMON_ALERTS_CONFIG"] = str(base / "alerts.yml")
    try:
        report = runner.execute(
            RunOptions(
                command="run",
                vars={"as_of": truth["as_of"], "season_opening_date": truth["season_start"]},
                freshness=False,
            )
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return warehouse, truth, report


def test_status_and_the_report_count_what_is_open(
    open_incident, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipemon import status
    from pipemon.alerts import manage
    from pipemon.report import verdict
    from pipemon.warehouse import open_warehouse, resolve

    warehouse, truth, report = open_incident
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    assert report.exit_code == 2, report
    wh = open_warehouse(resolve(None))
    try:
        open_now = manage.open_incidents(wh, datetime.now().astimezone())
    finally:
        wh.close()
    silent = [
        i for i in open_now if i.cause_finding.check_name == "log_table_stopped_receiving_rows"
    ]
    assert silent and silent[0].severity == "error"
    assert silent[0].cause_finding.game_date == truth["end"]  # about today

    ctx = status.open_context(None, status.parse_as_of(truth["as_of"]))
    answer = status.collect(ctx)
    text = answer.render()
    assert not answer.ok, text
    assert "✅ all clear" not in text
    assert "log_table_stopped_receiving_rows" in text or "stopped receiving rows" in text
    headline = verdict.verdict(answer)
    assert headline.overall_state == status.FAIL
    assert "all clear" not in headline.overall_text
    assert (date.fromisoformat(truth["end"]) - timedelta(days=1)) == answer.day
