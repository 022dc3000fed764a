"""The year calendar: the pipeline's year (2025-10-01 to the 2026-27 bootstrap) generated from
the calendar plan, each case on its date; and the regular calendar unchanged row for row."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipemon import project
from pipemon.generator import calendar as cal
from pipemon.generator import halts, year_bounds
from pipemon.generator.build import SeasonBuilder
from pipemon.generator.contract import load_contract
from pipemon.generator.incidents import KINDS, YEAR_KINDS, parse_kinds
from pipemon.generator.season import TEAMS, Game, et_to_utc
from pipemon.generator.year import postponed_status
from session_cache import generate_fresh

pytestmark = pytest.mark.slow  # generates seasons (conftest's slow modules are not ours to edit)

Row = dict[str, Any]
YEAR_ONLY = ("halt_state", "halt_overrides")


@dataclass
class Year:
    builder: SeasonBuilder
    rows: dict[str, list[Row]]
    truth: dict[str, Any]


def _build(start: date, end: date, calendar: str = "year", **kwargs: Any) -> Year:
    builder = SeasonBuilder(
        start, end, 42, 1, parse_kinds(kwargs.pop("incidents", "all"), calendar),
        project.project_dir() / "seeds", calendar=calendar, bootstrap_days=14, **kwargs,
    )  # fmt: skip
    rows = builder.build()
    return Year(builder, rows, builder.truth())


@pytest.fixture(scope="module")
def year() -> Year:
    first, last = year_bounds()
    return _build(first, last)


@pytest.fixture(scope="module")
def shutdown() -> Year:
    """The year seen from 2026-06-15: the scraper log still holds the weeks around 04-26."""
    return _build(date(2026, 3, 1), date(2026, 6, 15))


def _by_id(rows: list[Row]) -> dict[str, Row]:
    return {r["game_id"]: r for r in rows}


def _key(row: Row) -> str:
    """The date-based id the box scores, features and predictions carry (YYYYMMDD_AWAY_HOME)."""
    return f"{row['game_date']:%Y%m%d}_{row['away_team_tricode']}_{row['home_team_tricode']}"


def _ids(rows: list[Row]) -> set[str]:
    return {r["game_id"] for r in rows}


# ---------------------------------------------------------------------------- regular unchanged
# sha256 (first 16 hex) of every table's rows, in order, and of the truth, for the regular
# calendar of 2026-01-05..2026-01-31 (seed 42, scale 1, every kind, planned logs), as the
# generator wrote them before the calendar plan existed (main at 0082c91).
REGULAR_DIGESTS = {
    "bettingpros_player_points_props": (68558, "4207446a8563ffe1"),
    "dependency_check_log": (601, "65d7e13bd8979b5c"),
    "firestore_phase_snapshots": (241, "ba276cd600ae0098"),
    "ml_feature_store_v2": (5700, "8fa60e4819fba2fe"),
    "nbac_schedule": (200, "c4052273f916e898"),
    "phase_completions": (132, "a769eaec464dc93e"),
    "pipeline_event_log": (1184, "52c8ec0afdb4b940"),
    "player_game_summary": (3917, "803853e470db5868"),
    "player_prop_predictions": (49985, "76621fac714a154c"),
    "processor_execution_log": (1013, "5e349b35675aaf72"),
    "processor_run_history": (2228, "edddf875ec84d91d"),
    "pubsub_dead_letters": (4, "87738813be861371"),
    "scraper_execution_log": (1774, "cd63306a60588a02"),
    "service_health_checks": (4466, "bc1aab4163651e8a"),
    "__truth__": (0, "8d6412daad2bb198"),
}


def _digest(items: list[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def test_the_regular_calendar_writes_what_it_wrote_before_row_for_row() -> None:
    regular = _build(date(2026, 1, 5), date(2026, 1, 31), calendar="regular")
    got = {name: (len(rows), _digest(rows)) for name, rows in regular.rows.items()}
    got["__truth__"] = (0, _digest([regular.truth]))
    assert got == REGULAR_DIGESTS


# ---------------------------------------------------------------------------- the plan
def test_the_plan_gives_every_date_of_the_year_one_kind_with_its_source() -> None:
    first, last = year_bounds()
    stretches = cal.YEAR_PLAN.stretches
    for before, after in zip(stretches, stretches[1:], strict=False):
        assert after.first == before.last + timedelta(days=1), (before, after)
    assert stretches[0].first == first and stretches[-1].last >= last
    assert all(s.source and s.jobs <= set(cal.JOBS) for s in stretches)
    assert cal.YEAR_PLAN.kind(date(2026, 2, 15)) == "all_star_break"
    assert cal.YEAR_PLAN.kind(date(2026, 8, 1)) == "offseason"
    assert not cal.YEAR_PLAN.runs(date(2026, 4, 20), cal.PREDICTIONS)  # playoffs: no picks
    assert cal.YEAR_PLAN.runs(date(2026, 4, 20), cal.PHASE3)
    assert cal.YEAR_PLAN.stretch(date(2026, 5, 1)).jobs == {cal.HEALTH_CHECKS, cal.MLB}
    # the regular calendar: every date a regular-season day with every season job
    assert cal.REGULAR_PLAN.stretch(date(2026, 8, 1)).jobs == cal.SEASON_JOBS
    with pytest.raises(ValueError, match="outside the year calendar"):
        cal.YEAR_PLAN.stretch(date(2025, 9, 30))


def test_bad_calendar_values_are_refused_with_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected regular .* or year .*got 'leap'"):
        cal.parse_calendar("leap")
    with pytest.raises(ValueError, match="need the year calendar"):
        parse_kinds("playoff_box_scores_missing")
    assert set(parse_kinds("all", "year")) == set(KINDS) | set(YEAR_KINDS)
    assert parse_kinds("all") == list(KINDS)
    cmd = [
        sys.executable,
        "-m",
        "pipemon.cli",
        "generate",
        "--warehouse",
        str(tmp_path / "w.duckdb"),
    ]
    for extra, expected in (
        (["--calendar", "leap"], "--calendar: expected regular"),
        (["--no-halts"], "--no-halts: only the year calendar writes halts"),
        (["--calendar", "year", "--start", "2025-09-01"], "the year calendar runs from 2025-10-01"),
        (["--incidents", "restart_phase3_failed"], "need the year calendar"),
    ):
        done = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (extra, done.stderr)
        assert expected in done.stderr, (extra, done.stderr)
    assert not (tmp_path / "w.duckdb").exists()  # nothing written


# ---------------------------------------------------------------------------- the schedule
def test_the_schedule_holds_each_kind_of_game_on_its_dates(year: Year) -> None:
    schedule = year.rows["nbac_schedule"]
    prefixes: dict[str, set[date]] = {}
    for row in schedule:
        prefixes.setdefault(row["game_id"][:3], set()).add(row["game_date"])
    assert "001" not in prefixes  # preseason games are scraped but never loaded
    assert prefixes["003"] == {date(2026, 2, 13), date(2026, 2, 15)}
    assert prefixes["005"] == set(cal.PLAY_IN)
    assert min(prefixes["004"]) == cal.PLAYOFFS_FROM
    regular = prefixes["002"]
    break_days = {date(2026, 2, 13) + timedelta(days=n) for n in range(6)}
    assert date(2026, 2, 12) in regular and date(2026, 2, 19) in regular
    assert not regular & break_days
    assert not {d for d in regular if date(2026, 4, 13) <= d < cal.OPENER_2026}
    assert min(d for d in regular if d.year == 2026 and d.month >= 10) == cal.OPENER_2026
    seasons = {(r["game_id"][3:5], r["season_year"]) for r in schedule}
    assert seasons == {("25", 2025), ("26", 2026)}


def test_all_star_rows_carry_non_nba_codes_and_have_no_outputs(year: Year) -> None:
    stars = [r for r in year.rows["nbac_schedule"] if r["game_id"].startswith("003")]
    assert len(stars) == len(cal.ALL_STAR)
    assert all(r["home_team_tricode"] not in TEAMS for r in stars)
    ids = {r["game_id"] for r in stars} | {_key(r) for r in stars}
    for table in ("player_game_summary", "ml_feature_store_v2", "player_prop_predictions"):
        assert not ids & _ids(year.rows[table]), table
    star_days = {r["game_date"] for r in stars}
    props = {r["game_date"] for r in year.rows["bettingpros_player_points_props"]}
    assert not star_days & props


def test_the_five_postponements_on_their_dates(year: Year) -> None:
    schedule = year.rows["nbac_schedule"]
    nine = [r for r in schedule if r["game_status"] == 9]
    got = {(r["away_team_tricode"], r["home_team_tricode"], r["game_date"]) for r in nine}
    assert got == {(p.away, p.home, p.scheduled) for p in cal.POSTPONEMENTS}
    assert all(r["processed_at"] >= et_to_utc(cal.STATUS_9_FROM, "00:00") for r in nine)
    for p in cal.POSTPONEMENTS:  # the makeup game: the same matchup, played and final
        makeup = [
            r for r in schedule
            if (r["away_team_tricode"], r["home_team_tricode"], r["game_date"])
            == (p.away, p.home, p.played)
        ]  # fmt: skip
        assert len(makeup) == 1 and makeup[0]["game_status"] == 3, p
        original = next(
            r for r in nine if r["game_date"] == p.scheduled and r["home_team_tricode"] == p.home
        )
        assert (makeup[0]["game_id"] == original["game_id"]) == p.reuses_id, p
    by_truth = {(t["scheduled_date"], t["played_date"]) for t in year.truth["postponements"]}
    assert by_truth == {(p.scheduled.isoformat(), p.played.isoformat()) for p in cal.POSTPONEMENTS}
    # no box scores on the original dates for the postponed teams
    for p in cal.POSTPONEMENTS:
        teams = {
            r["team_abbr"]
            for r in year.rows["player_game_summary"]
            if r["game_date"] == p.scheduled
        }
        assert not teams & {p.home, p.away}, p


def test_predictions_made_for_postponed_games_are_deactivated(year: Year) -> None:
    builder = year.builder
    postponed = {(g.game_date, builder._same_day_game_id(g)) for g in builder.postponed}
    made = [
        r for r in year.rows["player_prop_predictions"]
        if (r["game_date"], r["game_id"]) in postponed
    ]  # fmt: skip
    assert {(r["game_date"], r["game_id"]) for r in made} == postponed
    assert all(not r["is_active"] and r["filter_reason"] == "postponed_game" for r in made)
    assert all(r["updated_at"] > r["created_at"] for r in made)
    others = [r for r in year.rows["player_prop_predictions"] if "filter_reason" in r]
    assert len(others) == len(made)


def test_a_postponed_row_looks_final_for_part_of_each_day_from_the_fixer_to_status_nine() -> None:
    p = cal.POSTPONEMENTS[0]  # MIA@CHI on 2026-01-08
    game = Game("0022501900", p.scheduled, p.home, p.away, et_to_utc(p.scheduled, "20:00"),
                et_to_utc(p.scheduled, "22:30"))  # fmt: skip
    assert postponed_status(game, et_to_utc(date(2026, 1, 20), "09:00")) == 1  # no fixer yet
    day = date(2026, 1, 28)
    assert postponed_status(game, et_to_utc(day, "04:30")) == 3  # the 04:00 fix: Final, no score
    assert postponed_status(game, et_to_utc(day, "07:00")) == 1  # the 06:05 schedule load
    assert postponed_status(game, et_to_utc(day, "16:10")) == 3  # the 16:00 fix
    assert postponed_status(game, et_to_utc(date(2026, 2, 11), "07:00")) == 9
    later = cal.POSTPONEMENTS[4]  # CHI@MIA on 2026-01-30: not final before its own tip
    evening = Game("x", later.scheduled, later.home, later.away,
                   et_to_utc(later.scheduled, "19:30"), et_to_utc(later.scheduled, "22:00"))  # fmt: skip
    assert postponed_status(evening, et_to_utc(later.scheduled, "16:30")) == 1
    assert postponed_status(evening, et_to_utc(later.scheduled, "20:30")) == 3


# ---------------------------------------------------------------------------- postseason
def test_play_in_and_playoffs_have_box_scores_and_no_predictions(year: Year) -> None:
    schedule = _by_id(year.rows["nbac_schedule"])
    boxed = _ids(year.rows["player_game_summary"])
    lost = {
        i["target"] for i in year.truth["incidents"] if i["kind"] == "playoff_box_scores_missing"
    }
    for game_id, row in schedule.items():
        if game_id[:3] not in ("004", "005"):
            continue
        played = row["game_date"] < cal.SHUTDOWN
        assert row["game_status"] == (3 if played else 1), row
        assert (_key(row) in boxed) == (played and game_id not in lost), row
    postseason_dates = {
        r["game_date"] for r in schedule.values() if r["game_id"][:3] in ("004", "005")
    }
    predicted = {r["game_date"] for r in year.rows["player_prop_predictions"]}
    assert not predicted & postseason_dates
    assert not {d for d in predicted if date(2026, 4, 13) <= d < cal.OPENER_2026}


def test_if_necessary_games_never_happen_and_stay_scheduled(year: Year) -> None:
    schedule = year.rows["nbac_schedule"]
    necessary = [r for r in schedule if r["game_id"][:3] == "004" and r["game_id"][-1] in "567"]
    assert len(necessary) == 3 * cal.PLAYOFF_SERIES
    assert all(r["game_status"] == 1 for r in necessary)
    assert all(r["processed_at"] < et_to_utc(cal.SHUTDOWN, "00:00") for r in necessary)


def test_after_the_shutdown_only_the_year_round_jobs_write(shutdown: Year) -> None:
    rows = shutdown.rows
    cut = cal.SHUTDOWN
    assert any(r["game_date"] == cut - timedelta(days=1) for r in rows["player_game_summary"])
    for table, column in (
        ("player_game_summary", "game_date"),
        ("ml_feature_store_v2", "game_date"),
        ("player_prop_predictions", "game_date"),
        ("bettingpros_player_points_props", "game_date"),
        ("processor_execution_log", "data_date"),
        ("dependency_check_log", "data_date"),
        ("phase_completions", "game_date"),
    ):
        assert rows[table] and not [r for r in rows[table] if r[column] >= cut], table
    late = et_to_utc(cut, "08:00")  # the 04-25 games' overnight processing is done by then
    assert [r for r in rows["scraper_execution_log"] if r["triggered_at"] < late]
    assert not [r for r in rows["scraper_execution_log"] if r["triggered_at"] >= late]
    history = {
        r["processor_name"] for r in rows["processor_run_history"] if r["started_at"] >= late
    }
    assert history and all(name.startswith("Mlb") for name in history)
    checks = [r for r in rows["service_health_checks"] if r["checked_at"] >= late]
    assert len({r["checked_at"].date() for r in checks}) > 40  # every day of the 50


# ---------------------------------------------------------------------------- the restart
def test_the_restart_comes_back_in_waves(year: Year) -> None:
    restart = date(2026, 9, 1)

    def first_day(phase: str) -> date:
        return min(
            r["data_date"] for r in year.rows["processor_execution_log"]
            if r["phase"] == phase and r["data_date"] >= restart
        )  # fmt: skip

    scrapes = [
        r
        for r in year.rows["scraper_execution_log"]
        if r["triggered_at"] >= et_to_utc(restart, "00:00")
    ]
    assert min(r["triggered_at"] for r in scrapes) >= et_to_utc(date(2026, 10, 7), "00:00")
    assert first_day("phase2") == date(2026, 10, 7)
    assert first_day("phase3") == date(2026, 10, 14) == first_day("phase4")
    assert first_day("phase5") == date(2026, 10, 18)
    # the preseason's games are scraped (by date) though the schedule has none of them
    scraped = {json.loads(r["opts"]).get("gamedate") for r in scrapes}
    assert "20261008" in scraped
    # zero picks at first: the coordinator ran and predicted nothing before the opener's week
    coordinator = [
        r for r in year.rows["processor_execution_log"]
        if r["phase"] == "phase5" and date(2026, 10, 18) <= r["data_date"] < cal.OPENER_2026
    ]  # fmt: skip
    assert coordinator and all(r["records_processed"] == 0 for r in coordinator)
    predicted = {
        r["game_date"] for r in year.rows["player_prop_predictions"] if r["game_date"] >= restart
    }
    assert min(predicted) == cal.OPENER_2026 + timedelta(days=7)  # the empty first bootstrap week
    assert year.builder.end == cal.OPENER_2026 + timedelta(days=14)


# ---------------------------------------------------------------------------- halts
def test_halt_state_rows_as_the_writer_computes_them(year: Year) -> None:
    state = {r["effective_date"]: r for r in year.rows["halt_state"]}
    assert min(state) == cal.HALT_WRITER_FROM and max(state) == year.builder.end
    assert len(state) == len(year.rows["halt_state"]) == (max(state) - min(state)).days + 1
    first = state[cal.HALT_WRITER_FROM]
    # the last first-round rows (status 1, dated up to early May) are within 21 days: between rounds
    assert (first["halt_active"], first["halt_reason"], first["halt_since"]) == (
        True, "between_rounds", cal.HALT_WRITER_FROM,
    )  # fmt: skip
    summer = state[date(2026, 7, 15)]
    assert (summer["halt_reason"], summer["halt_since"]) == ("off_season", cal.HALT_WRITER_FROM)
    assert json.loads(summer["halt_metrics"])["in_season_window"] is False
    assert state[date(2026, 10, 8)]["halt_active"] is False  # the 2026-27 schedule is loaded
    waiting = state[date(2026, 10, 15)]  # games within 7 days, no predictions in 3
    assert (waiting["halt_reason"], waiting["halt_since"]) == (
        "predictions_inactive",
        date(2026, 10, 14),
    )
    assert json.loads(waiting["halt_metrics"])["recent_preds_3d"] == 0
    for row in state.values():
        assert row["source"] == "halt_state_writer_cf" and row["sport"] == "nba"
        assert row["actor"] is None
        assert row["written_at"] == row["written_at"].replace(microsecond=0)
        local = row["written_at"] - et_to_utc(row["effective_date"], "05:00")
        assert timedelta(0) <= local < timedelta(minutes=2)
        assert (row["halt_since"] is None) == (not row["halt_active"])
    assert year.rows["halt_overrides"] == []


def test_the_writer_decides_off_season_between_rounds_and_manual() -> None:
    may = date(2026, 5, 20)
    active, reason, metrics = halts.decide(may, [date(2026, 5, 2)], [], [])
    assert (active, reason) == (True, "between_rounds") and metrics["has_games_in_21d_window"]
    assert halts.decide(date(2026, 6, 1), [date(2026, 5, 2)], [], [])[1] == "off_season"
    assert halts.decide(date(2026, 7, 2), [date(2026, 7, 10)], [], [])[1] == "off_season"
    override = halts.Override(
        "manual", date(2026, 3, 1), None, True, "hold", datetime(2026, 2, 28), "op"
    )
    games = [date(2026, 3, 2)]
    preds = [halts.Prediction(date(2026, 2, 28), datetime(2026, 2, 28), 20.0, 12.5)]
    assert halts.decide(date(2026, 3, 1), games, preds, [])[:2] == (False, None)
    active, reason, metrics = halts.decide(date(2026, 3, 1), games, preds, [override])
    assert (active, reason) == (True, "manual") and metrics["manual_override"][
        "override_created_by"
    ] == "op"
    expired = halts.Override(
        "manual", date(2026, 1, 1), date(2026, 2, 1), True, "", datetime(2026, 1, 1), "op"
    )
    assert halts.decide(date(2026, 3, 1), games, preds, [expired])[0] is False


def test_no_halts_leaves_the_halt_tables_out() -> None:
    quiet = _build(date(2026, 5, 1), date(2026, 5, 20), halts=False)
    assert not quiet.rows.get("halt_state") and not quiet.rows.get("halt_overrides")
    assert quiet.truth["halts"] is False


# ---------------------------------------------------------------------------- incidents
def test_every_kind_has_its_ground_truth_and_the_year_kinds_their_dates(year: Year) -> None:
    recorded = {i["kind"] for i in year.truth["incidents"]}
    silent = {n["kind"] for n in year.truth["non_alerts"]}
    skipped = set(year.truth["skipped_kinds"])
    assert recorded | silent | skipped == set(KINDS) | set(YEAR_KINDS)
    assert skipped <= {"scraper_wrong_image"}  # its scraper-log rows expire long before as_of
    assert set(YEAR_KINDS) <= recorded
    by_kind = {(i["kind"], i.get("consequence")): i for i in year.truth["incidents"]}
    lost = by_kind[("playoff_box_scores_missing", None)]
    schedule = _by_id(year.rows["nbac_schedule"])
    boxed = _ids(year.rows["player_game_summary"])
    last_playoff_day = max(
        r["game_date"] for i, r in schedule.items() if i.startswith("004") and _key(r) in boxed
    )
    assert lost["game_date"] == last_playoff_day.isoformat() == "2026-04-25"
    assert schedule[lost["target"]]["game_status"] == 3
    assert _key(schedule[lost["target"]]) not in boxed
    failed = by_kind[("restart_phase3_failed", None)]
    assert (
        failed["game_date"] == "2026-10-16" and failed["target"] == "upcoming_player_game_context"
    )
    runs = [
        r for r in year.rows["processor_execution_log"]
        if r["processor_name"] == failed["target"] and r["data_date"] == date(2026, 10, 16)
    ]  # fmt: skip
    assert len(runs) == 5 and all(r["status"] == "failed" for r in runs)
    # the regular season's kinds stay in the regular season (the scraper-log ones excepted)
    for incident in year.truth["incidents"]:
        if incident["kind"] in KINDS and incident["kind"] not in (
            "scraper_error_spike",
            "malformed_rows",
            "log_table_stopped",
        ):
            assert "2025-10-21" <= incident["game_date"] <= "2026-04-12", incident


# ---------------------------------------------------------------------------- the loader
def test_the_loader_writes_a_table_only_if_the_contract_declares_it(tmp_path: Path) -> None:
    result = generate_fresh(
        tmp_path / "w.duckdb", date(2026, 4, 20), date(2026, 5, 12), calendar="year"
    )
    contract = load_contract(project.project_dir())
    undeclared = [t for t in YEAR_ONLY if t not in contract]
    assert result.skipped_tables == sorted(undeclared)
    assert result.calendar == "year"
    con = duckdb.connect(str(result.warehouse))
    try:
        statuses = con.execute(
            "select game_date >= ? as after_shutdown, list(distinct game_status), count(*) "
            "from nba_raw.nbac_schedule where game_id like '004%' group by 1 order by 1",
            [cal.SHUTDOWN],
        ).fetchall()
        if "halt_state" in contract:  # one row a day from the writer's first, 05-09
            loaded = con.execute(
                f"select count(*) from {contract['halt_state'].qualified}"
            ).fetchone()
            assert loaded == (4,)
    finally:
        con.close()
    assert [(after, status) for after, status, _n in statuses] == [(False, [3]), (True, [1])]


def test_the_event_log_keeps_scrapes_whose_scraper_log_rows_expired(year: Year) -> None:
    cutoff = year.builder.as_of - timedelta(days=90)
    log = year.rows["scraper_execution_log"]
    assert log and min(r["triggered_at"] for r in log) >= cutoff
    february = [
        r for r in year.rows["pipeline_event_log"]
        if r["phase"] == "phase_2" and r["timestamp"].month == 2 and r["game_date"] is not None
    ]  # fmt: skip
    assert february  # scraper events of 2026-02, long past the scraper log's 90 days


def test_the_cli_generates_a_window_of_the_year_and_says_what_it_left_out(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "pipemon.cli", "generate", "--calendar", "year",
        "--start", "2026-05-08", "--days", "3", "--warehouse", str(tmp_path / "w.duckdb"),
        "--quiet",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "generated 2026-05-08 .. 2026-05-10 (calendar year" in done.stdout
    contract = load_contract(project.project_dir())
    for table in YEAR_ONLY:
        left_out = f"{table:<52} not loaded: the source contract does not declare it"
        assert (left_out in done.stdout) == (table not in contract), done.stdout
    truth = json.loads((tmp_path / "w.truth.json").read_text())
    assert truth["calendar"] == "year" and truth["halts"] is True
