"""Days that are not plain regular-season days (issue 19: expectations follow the kind of day).

A stretch of the 2025-26 season is generated in the pipeline's formats of today, then its
schedule and outputs are rewritten, the way the pipeline's own writers left them, into the year's
other kinds of day (`../shared/REAL_PIPELINE.md` section 6), compressed into two weeks: the
kind of a day is read from the schedule (game_id prefixes), not from dates, so each kind can be
written on any date.

- 01-23 is a preseason day (`001` games) before the scrapers resumed: nothing ran.
- Postponed games, the three ways their old rows were left: at status 1 under the id played the
  next day (GSW@MIN 01-24 -> 01-25), at 9 (set by hand from 02-10), and at Final with nothing
  played (the stale-schedule fixer, from 01-23), each with its makeup row of the same matchup
  later; each makeup is then missing one output, which must be found on the new date only.
- A Final game with no box scores and no makeup row: really missing box scores.
- 01-27..01-30 is the All-Star break (no games; the All-Star game's `003` rows with non-NBA team
  codes on 01-29): the daily jobs run, the game-day jobs do not.
- 02-02 is a play-in day (`005`), 02-03 a playoff day (`004`): box scores, no predictions; on 02-03
  an "if necessary" game the series did not need stays at status 1 on the schedule loaded after.

Then two more moments on the same rows: a week of offseason (only the year-round health checks
write), and the 2026-04-26 shutdown (every job stops while playoff games are still scheduled),
which must still alert.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason
from warehouse.replay import REPO, build_as_of, copy_warehouse, generate_stretch

START, END = date(2026, 1, 22), date(2026, 2, 4)
PRESEASON_DAY = "2026-01-23"
BREAK = [f"2026-01-{d}" for d in (27, 28, 29, 30)]
ALL_STAR_DAY = "2026-01-29"
PLAY_IN_DAY, PLAYOFF_DAY, LAST_DAY = "2026-02-02", "2026-02-03", "2026-02-04"
# (old date, new date, status the old row was left at)
SAME_ID = ("2026-01-24", "2026-01-25", 1)
HAND_SET = ("2026-01-26", "2026-01-31", 9)
FIXER_FINAL = ("2026-01-26", "2026-02-01", 3)
REALLY_MISSING_DAY = "2026-01-22"


def _registry(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / f"{name}.csv").open() as f:
        return list(csv.DictReader(f))


GAME_DAY_SCRAPER_LOGS = [
    r["log_name"] for r in _registry("scraper_registry") if r["cadence"] == "game_day"
]
GAME_DAY_PROCESSORS = [
    name
    for r in _registry("processor_registry")
    if r["cadence"] != "daily"
    for name in (r["processor_name"], r["run_history_class"])
]
ALL_PROCESSORS = [
    name
    for r in _registry("processor_registry")
    for name in (r["processor_name"], r["run_history_class"])
]


def _in(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _no_processing(con: duckdb.DuckDBPyConnection, day: str, processors: list[str]) -> None:
    """Nothing downstream of the scrapers ran for `day`'s games: no runs of `processors`, no
    completion records, no box scores, features, predictions or props."""
    con.execute(
        f"delete from nba_reference.processor_run_history where data_date = ? "
        f"and processor_name in ({_in(processors)})",
        [day],
    )
    con.execute(
        f"delete from nba_orchestration.pipeline_event_log where game_date = ? "
        f"and processor_name in ({_in(processors)})",
        [day],
    )
    con.execute(
        f"delete from nba_orchestration.phase_completions where game_date = ? "
        f"and processor_name in ({_in(processors)})",
        [day],
    )
    con.execute(
        "delete from nba_orchestration.firestore_phase_snapshots where document_id = ? "
        "and collection in ('phase3_completion', 'phase4_completion')",
        [day],
    )
    for table in (
        "nba_analytics.player_game_summary",
        "nba_predictions.ml_feature_store_v2",
        "nba_predictions.player_prop_predictions",
        "nba_raw.bettingpros_player_points_props",
    ):
        con.execute(f"delete from {table} where game_date = ?", [day])


def _relabel(con: duckdb.DuckDBPyConnection, day: str, prefix: str) -> None:
    """The day's games carry another season type's game_id prefix."""
    con.execute(
        "update nba_raw.nbac_schedule set game_id = ? || substr(game_id, 4) where game_date = ?",
        [prefix, day],
    )


def _all_star_break(con: duckdb.DuckDBPyConnection) -> None:
    """No games: the game-day scrapers and processors never ran; the All-Star rows land."""
    for day in BREAK:
        con.execute("delete from nba_raw.nbac_schedule where game_date = ?", [day])
        con.execute(
            f"delete from nba_orchestration.scraper_execution_log where game_date = ? "
            f"and scraper_name in ({_in(GAME_DAY_SCRAPER_LOGS)})",
            [day],
        )
        con.execute(
            f"delete from nba_orchestration.pipeline_event_log where game_date = ? "
            f"and processor_name in ({_in(GAME_DAY_SCRAPER_LOGS)})",
            [day],
        )
        _no_processing(con, day, GAME_DAY_PROCESSORS)
    # the All-Star game, the Rising Stars and the skills night: non-NBA team codes, final
    for number, (away, home) in enumerate([("WLD", "USA"), ("TMA", "TMB"), ("EST", "WST")], 1):
        con.execute(
            "insert into nba_raw.nbac_schedule by name select ? as game_id, "
            "cast(? as date) as game_date, timestamp '2026-01-29 20:00:00' as game_date_est, "
            "2025 as season_year, 3 as game_status, ? as home_team_tricode, "
            "? as away_team_tricode, data_source, "
            "timestamp '2026-01-30 09:00:00' as processed_at "
            "from nba_raw.nbac_schedule limit 1",
            [f"003250000{number}", ALL_STAR_DAY, home, away],
        )


def _game(con: duckdb.DuckDBPyConnection, day: str, nth: int = 0) -> tuple[str, str, str]:
    """(game_id, away, home) of the day's nth game."""
    rows = con.execute(
        "select game_id, away_team_tricode, home_team_tricode from nba_raw.nbac_schedule "
        "where game_date = ? order by game_id",
        [day],
    ).fetchall()
    return rows[nth]


def _old_row(
    con: duckdb.DuckDBPyConnection, old: str, new: str, status: int, *, same_id: bool
) -> tuple[str, str]:
    """The postponed game's row on its old date, copied from its makeup on the new date.
    Returns (old row's game_id, makeup's game_id)."""
    game_id, _, _ = _game(con, new)
    old_id = game_id if same_id else f"00225{90000 + status}"
    con.execute(
        "insert into nba_raw.nbac_schedule by name select * replace (? as game_id, "
        "cast(? as date) as game_date, cast(? as date) + (game_date_est - cast(game_date as timestamp)) "
        "as game_date_est, ? as game_status, "
        "cast(? as date) + interval 1 day + interval 9 hour as processed_at) "
        "from nba_raw.nbac_schedule where game_id = ? and game_date = ?",
        [old_id, old, old, status, old, game_id, new],
    )
    return old_id, game_id


def _drop_output(con: duckdb.DuckDBPyConnection, table: str, day: str, game_id: str) -> None:
    """One game's rows of an output table are missing (matched as the pipeline keys them)."""
    (away, home) = con.execute(
        "select away_team_tricode, home_team_tricode from nba_raw.nbac_schedule "
        "where game_id = ? and game_date = ?",
        [game_id, day],
    ).fetchone() or ("", "")
    key = f"{day.replace('-', '')}_{away}_{home}"
    con.execute(
        f"delete from {table} where game_date = ? and game_id in (?, ?)", [day, game_id, key]
    )


def _unmatched_pair(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Two teams that meet nowhere on the schedule (either way round): no makeup row is theirs."""
    teams = sorted(
        t
        for (t,) in con.execute(
            "select distinct home_team_tricode from nba_raw.nbac_schedule"
        ).fetchall()
    )
    met = set(
        con.execute(
            "select away_team_tricode, home_team_tricode from nba_raw.nbac_schedule"
        ).fetchall()
    )
    return next(
        (a, h) for a in teams for h in teams if a != h and (a, h) not in met and (h, a) not in met
    )


def _final_without_play(con: duckdb.DuckDBPyConnection, day: str) -> str:
    """A Final game no box score, feature or prop was ever written for, and no makeup."""
    away, home = _unmatched_pair(con)
    game_id = "0022599999"
    con.execute(
        "insert into nba_raw.nbac_schedule by name select * replace (? as game_id, "
        "? as away_team_tricode, ? as home_team_tricode, 3 as game_status) "
        "from nba_raw.nbac_schedule where game_date = ? order by game_id limit 1",
        [game_id, away, home, day],
    )
    return game_id


def _if_necessary_game(con: duckdb.DuckDBPyConnection) -> str:
    """A playoff game the series did not need: still status 1 on the morning-after schedule."""
    away, home = _unmatched_pair(con)
    game_id = "0042500407"
    con.execute(
        "insert into nba_raw.nbac_schedule by name select * replace (? as game_id, "
        "? as away_team_tricode, ? as home_team_tricode, 1 as game_status, "
        "timestamp '2026-02-04 11:00:00' as processed_at) "
        "from nba_raw.nbac_schedule where game_date = ? order by game_id limit 1",
        [game_id, away, home, PLAYOFF_DAY],
    )
    return game_id


@pytest.fixture(scope="module")
def turns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, str]]:
    """The stretch rewritten into the year's kinds of day; the ids of the games that matter."""
    source, truth = generate_stretch(
        tmp_path_factory.mktemp("calendar-days"), START, END, incidents="none", logs="existing"
    )
    con = duckdb.connect(str(source))
    ids: dict[str, str] = {}
    try:
        _relabel(con, PRESEASON_DAY, "001")
        # before the scrapers resume (about 14 days before the opener) nothing at all runs
        # (the daily scrapers log no game_date: their date is the ET date they ran, UTC-5 in winter)
        con.execute(
            "delete from nba_orchestration.scraper_execution_log where game_date = ? or "
            "(game_date is null and cast(triggered_at - interval 5 hour as date) = ?)",
            [PRESEASON_DAY, PRESEASON_DAY],
        )
        _no_processing(con, PRESEASON_DAY, ALL_PROCESSORS)
        ids["really_missing"] = _final_without_play(con, REALLY_MISSING_DAY)
        ids["same_id"], ids["same_id_makeup"] = _old_row(con, *SAME_ID, same_id=True)
        _drop_output(con, "nba_analytics.player_game_summary", SAME_ID[1], ids["same_id_makeup"])
        ids["hand_set"], ids["hand_set_makeup"] = _old_row(con, *HAND_SET, same_id=False)
        _drop_output(
            con, "nba_predictions.ml_feature_store_v2", HAND_SET[1], ids["hand_set_makeup"]
        )
        ids["fixer_final"], ids["fixer_final_makeup"] = _old_row(con, *FIXER_FINAL, same_id=False)
        _drop_output(
            con, "nba_analytics.player_game_summary", FIXER_FINAL[1], ids["fixer_final_makeup"]
        )
        _all_star_break(con)
        for day, prefix in ((PLAY_IN_DAY, "005"), (PLAYOFF_DAY, "004"), (LAST_DAY, "004")):
            _relabel(con, day, prefix)
            con.execute(
                "delete from nba_predictions.player_prop_predictions where game_date = ?", [day]
            )
            con.execute(
                "delete from nba_reference.processor_run_history where data_date = ? "
                "and processor_name = 'PredictionCoordinator'",
                [day],
            )
        ids["if_necessary"] = _if_necessary_game(con)
    finally:
        con.close()
    return source, truth, ids


@pytest.fixture(scope="module")
def season_turns(
    turns, tmp_path_factory: pytest.TempPathFactory
) -> tuple[BuiltSeason, dict[str, str]]:
    source, truth, ids = turns
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp("calendar-days-built"))
    return build_as_of(warehouse, truth, truth["as_of"], "turns"), ids


def _on(season: BuiltSeason, days: list[str]) -> list[tuple[str, str, str]]:
    return [row for row in season.failing_rows() if row[1] in days]


def test_a_preseason_day_expects_nothing_downstream(season_turns) -> None:
    season, _ = season_turns
    assert _on(season, [PRESEASON_DAY]) == []


def test_the_all_star_break_is_quiet(season_turns) -> None:
    season, _ = season_turns
    assert _on(season, BREAK) == []


@pytest.mark.parametrize("case", ["same_id", "hand_set", "fixer_final"])
def test_a_postponed_game_expects_nothing_on_its_old_date(season_turns, case: str) -> None:
    season, ids = season_turns
    old = {"same_id": SAME_ID, "hand_set": HAND_SET, "fixer_final": FIXER_FINAL}[case][0]
    assert [row for row in season.failing_rows() if row[1] == old] == []
    (postponed,) = season.query(
        "select count(*) from monitoring.game_data_coverage "
        f"where game_date = '{old}' and game_id = '{ids[case]}'"
    )
    assert postponed == (0,)  # not a game of its old date at all


@pytest.mark.parametrize(
    "case, check",
    [
        ("same_id", "missing_box_scores_for_final_games"),
        ("hand_set", "missing_features_for_game"),
        ("fixer_final", "missing_box_scores_for_final_games"),
    ],
)
def test_a_postponed_game_expects_everything_on_its_new_date(
    season_turns, case: str, check: str
) -> None:
    season, ids = season_turns
    new = {"same_id": SAME_ID, "hand_set": HAND_SET, "fixer_final": FIXER_FINAL}[case][1]
    assert (check, new, ids[f"{case}_makeup"]) in season.failing_rows()


def test_a_final_game_without_box_scores_or_makeup_is_missing_box_scores(season_turns) -> None:
    season, ids = season_turns
    row = ("missing_box_scores_for_final_games", REALLY_MISSING_DAY, ids["really_missing"])
    assert row in season.failing_rows()


def test_play_in_and_playoff_days_expect_box_scores_and_no_predictions(season_turns) -> None:
    season, ids = season_turns
    (box_scored,) = season.query(
        "select count(*) from monitoring.game_data_coverage "
        f"where game_date in ('{PLAY_IN_DAY}', '{PLAYOFF_DAY}') and box_score_players > 0"
    )
    assert box_scored[0] > 0
    noisy = [r for r in _on(season, [PLAY_IN_DAY, PLAYOFF_DAY]) if r[2] != ids["if_necessary"]]
    assert noisy == []


def test_an_unplayed_if_necessary_playoff_game_is_one_warning(season_turns) -> None:
    season, ids = season_turns
    about_it = [row for row in season.failing_rows() if row[2] == ids["if_necessary"]]
    assert about_it == [("playoff_game_never_played", PLAYOFF_DAY, ids["if_necessary"])]
    statuses = {
        r["status"]
        for r in season.run_results["results"]
        if r["unique_id"].split(".")[2] == "playoff_game_never_played"
    }
    assert statuses == {"warn"}


def test_nothing_else_alerts_and_nothing_errors(season_turns) -> None:
    season, ids = season_turns
    explained = {
        ("missing_box_scores_for_final_games", SAME_ID[1], ids["same_id_makeup"]),
        ("missing_features_for_game", HAND_SET[1], ids["hand_set_makeup"]),
        ("missing_box_scores_for_final_games", FIXER_FINAL[1], ids["fixer_final_makeup"]),
        ("playoff_game_never_played", PLAYOFF_DAY, ids["if_necessary"]),
        # the same missing outputs, counted per table
        ("phase_output_short_of_schedule", SAME_ID[1], "nba_analytics.player_game_summary"),
        ("phase_output_short_of_schedule", HAND_SET[1], "nba_predictions.ml_feature_store_v2"),
        ("phase_output_short_of_schedule", FIXER_FINAL[1], "nba_analytics.player_game_summary"),
    }
    # the really missing game: named, and short in the tables it should have filled
    really_missing = {
        ids["really_missing"],
        "nba_analytics.player_game_summary",
        "nba_predictions.ml_feature_store_v2",
    }
    noisy = [
        row
        for row in season.failing_rows()
        if row not in explained and not (row[1] == REALLY_MISSING_DAY and row[2] in really_missing)
    ]
    assert noisy == []
    assert season.results_with_status("error", "skipped") == []


def _health_checks_go_on(con: duckdb.DuckDBPyConnection, until: str) -> None:
    """The year-round health checks keep writing after the last game: the last day's checks,
    day after day."""
    con.execute(
        "insert into nba_orchestration.service_health_checks by name "
        "select checks.* replace (checks.checked_at + copy.i * interval 1 day as checked_at) "
        "from nba_orchestration.service_health_checks as checks "
        "cross join range(1, 12) as copy(i) "
        "where checked_at >= (select max(checked_at) from nba_orchestration.service_health_checks) "
        "- interval 1 day and checked_at + copy.i * interval 1 day <= cast(? as timestamp)",
        [until],
    )


def test_an_offseason_week_with_only_year_round_jobs_is_quiet(
    turns, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source, truth, _ = turns
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp("offseason"))
    as_of = "2026-02-11 19:00:00"
    con = duckdb.connect(str(warehouse))
    try:
        _health_checks_go_on(con, as_of)
    finally:
        con.close()
    season = build_as_of(
        warehouse, {**truth, "start": "2026-02-05", "end": "2026-02-11"}, as_of, "offseason"
    )
    assert season.failing_rows() == []
    assert season.results_with_status("error", "skipped") == []
    ((silent, due),) = season.query(
        "select hours_silent, due_hours_silent from monitoring.log_table_activity "
        "where source_table like '%scraper_execution_log'"
    )
    assert silent > 24 * 7 and due < 16  # a week without scrapes, none of it on a due day


def test_the_shutdown_with_playoff_games_still_scheduled_alerts(
    turns, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """2026-04-26: the jobs were paused (undeclared) while playoff games stayed on the schedule;
    the schedule scrape stopped with them. The calendar must not make that quiet."""
    source, truth, _ = turns
    warehouse = copy_warehouse(source, tmp_path_factory.mktemp("shutdown"))
    as_of = "2026-02-06 19:00:00"
    con = duckdb.connect(str(warehouse))
    try:
        for offset, day in enumerate(("2026-02-05", "2026-02-06")):
            for nth in range(2):
                con.execute(
                    "insert into nba_raw.nbac_schedule by name select * replace ("
                    "? as game_id, cast(? as date) as game_date, "
                    "cast(? as date) + (game_date_est - cast(game_date as timestamp)) as game_date_est, "
                    "1 as game_status) from nba_raw.nbac_schedule "
                    "where game_date = ? order by game_id limit 1 offset ?",
                    [f"00425002{offset}{nth}", day, day, LAST_DAY, 2 * offset + nth],
                )
        _health_checks_go_on(con, as_of)
    finally:
        con.close()
    season = build_as_of(
        warehouse, {**truth, "start": "2026-02-05", "end": "2026-02-06"}, as_of, "shutdown"
    )
    checks = {name for name, _, _ in season.failing_rows()}
    stopped = [r for r in season.failing_rows() if r[0] == "log_table_stopped_receiving_rows"]
    assert [t for _, _, t in stopped] == [
        t for _, _, t in stopped if t.endswith("scraper_execution_log")
    ]
    assert len(stopped) == 1  # once per stopped table, not once per day
    assert "scheduled_scraper_absent_from_log" in checks
    assert any(
        name == "scheduled_scraper_absent_from_log" and d == "2026-02-05"
        for name, d, _ in season.failing_rows()
    )
