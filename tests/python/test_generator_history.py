"""A generated history: earlier seasons with their own calendars, clean, in the formats of the
latest season's start, and the latest season's rows the same with or without them."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from pipemon.generator import GenerationResult, generate, history_seasons
from pipemon.generator.contract import load_contract
from pipemon.generator.season import SEASON_START, no_game_days, season_calendar, season_games
from pipemon.project import project_dir
from session_cache import generate_fresh

LATEST_END = SEASON_START + timedelta(days=9)


def test_earlier_seasons_have_their_own_opening_nights_and_off_days() -> None:
    openings = [s.start for s in history_seasons(5)]
    assert openings == [
        date(2024, 10, 22),
        date(2023, 10, 24),
        date(2022, 10, 18),
        date(2021, 10, 19),
    ]
    ends = [s.end for s in history_seasons(3)]
    assert ends == [date(2025, 10, 20), date(2024, 10, 21)]  # up to the next opening night
    off = no_game_days(2024)
    assert {date(2024, 11, 28), date(2024, 12, 24)} <= off  # Thanksgiving 2024, Christmas Eve
    assert {date(2025, 2, 14 + i) for i in range(6)} <= off  # that season's All-Star break
    opening, last, _ = season_calendar(2024)
    games = season_games(opening, date(2025, 10, 20), random.Random("1-schedule"), opening, last)
    assert {g.game_id[:5] for g in games} == {"00224"}
    assert games[0].game_id == "0022400001" and games[0].game_date == opening
    assert max(g.game_date for g in games) <= last
    assert not {g.game_date for g in games} & off


@pytest.fixture(scope="module")
def latest_and_history(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GenerationResult, GenerationResult]:
    base = tmp_path_factory.mktemp("history")
    # real generations; only the empty contract tables come from the session's copy
    alone = generate_fresh(base / "one.duckdb", SEASON_START, LATEST_END, seed=11)
    with_history = generate_fresh(base / "two.duckdb", SEASON_START, LATEST_END, seed=11, seasons=2)
    return alone, with_history


def test_the_latest_season_is_the_same_with_or_without_history(
    latest_and_history: tuple[GenerationResult, GenerationResult],
) -> None:
    alone, with_history = latest_and_history
    contract = load_contract(project_dir())
    con = duckdb.connect()
    try:
        con.execute(f"attach '{alone.warehouse}' as one (read_only)")
        con.execute(f"attach '{with_history.warehouse}' as two (read_only)")
        extra_rows = 0
        for table in contract.values():
            name = table.qualified
            missing = con.execute(
                f"select count(*) from (select * from one.{name} except all select * from two.{name})"
            ).fetchone()
            assert missing == (0,), f"{name}: rows of the latest season changed with a history"
            # a table without a partition column (the operators' halt overrides) has no day
            field = table.partition_field or "null"
            added = con.execute(
                f"select count(*), max({field}) from "
                f"(select * from two.{name} except all select * from one.{name})"
            ).fetchone()
            assert added is not None
            extra_rows += added[0]
            if added[0] and table.partition_field:
                latest_day = added[1].date() if hasattr(added[1], "date") else added[1]
                assert latest_day <= SEASON_START, f"{name}: history rows after the opening night"
            count = con.execute(f"select count(*) from two.{name}").fetchone()
            assert count == (with_history.row_counts[name],)
        assert extra_rows > 100_000  # a whole earlier season, not a handful of rows
        assert 0 < with_history.ddl_seconds < with_history.seconds
        assert with_history.rows_per_second > sum(with_history.row_counts.values()) / (
            with_history.seconds
        )
    finally:
        con.close()
    truth_alone = alone.truth_path.read_text()
    assert with_history.incidents == alone.incidents  # the history is clean
    assert '"history": []' in truth_alone
    assert '"season_start": "2024-10-22"' in with_history.truth_path.read_text()


def test_history_takes_the_formats_and_registry_of_the_latest_season_start(
    latest_and_history: tuple[GenerationResult, GenerationResult],
) -> None:
    _, with_history = latest_and_history
    con = duckdb.connect(str(with_history.warehouse), read_only=True)
    try:

        def one(sql: str) -> tuple[object, ...]:
            row = con.execute(sql).fetchone()
            assert row is not None
            return tuple(row)

        before = "date '2025-10-21'"
        # game ids of that season, every game final at as_of
        assert one(
            f"select count(distinct substr(game_id, 1, 5)), min(substr(game_id, 1, 5)), "
            f"count(distinct game_id) - count(distinct game_id) filter (where game_status = 3) "
            f"from nba_raw.nbac_schedule where game_date < {before}"
        ) == (1, "00224", 0)
        # the first feature version; the schedule without tip times
        assert one(
            f"select count(*) > 0, count(distinct feature_version), min(feature_version) "
            f"from nba_predictions.ml_feature_store_v2 where game_date < {before}"
        ) == (True, 1, "v1_baseline_25")
        # systems only while the registry says they were live (catboost_v8 from 2026-01-08)
        systems = {
            r[0]
            for r in con.execute(
                "select distinct system_id from nba_predictions.player_prop_predictions "
                f"where game_date < {before}"
            ).fetchall()
        }
        assert systems and not systems & {"catboost_v8", "catboost_v9", "catboost_v12"}
        # tables that did not exist yet have no history rows; the scraper log's partitions and
        # predictions older than their expiration are gone at the latest as_of
        for table, column in (
            ("nba_orchestration.pipeline_event_log", "timestamp"),
            ("nba_orchestration.phase_completions", "game_date"),
        ):
            assert one(f"select count(*) from {table} where {column} < {before}") == (0,), table
        # as_of 2025-10-30 18:00 UTC: the scraper log keeps 90 days, history rows included
        assert one(
            "select count(*) > 0, min(triggered_at) >= timestamp '2025-07-31' "
            f"from nba_orchestration.scraper_execution_log where triggered_at < {before}"
        ) == (True, True)
        # as_of 2025-10-30: the 365 days of predictions start on 2024-10-31 (the history's
        # predictions start a week after its 2024-10-22 opening night)
        assert one("select min(game_date) from nba_predictions.player_prop_predictions") == (
            date(2024, 10, 31),
        )
        # no MLB rows before 2026-01-07
        assert one(
            f"select count(*) from nba_reference.processor_run_history "
            f"where processor_name like 'Mlb%' and data_date < {before}"
        ) == (0,)
    finally:
        con.close()


def test_seasons_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seasons must be a positive integer, got 0"):
        generate(tmp_path / "w.duckdb", SEASON_START, LATEST_END, seasons=0)
