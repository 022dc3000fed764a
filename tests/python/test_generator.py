"""The demo-data generator: shape of the season, determinism, incidents, bad input."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipemon.generator import generate
from pipemon.generator.incidents import KINDS, parse_kinds
from pipemon.generator.season import SEASON_START, games_on, no_game_days, season_games
from session_cache import generate_fresh


def test_season_calendar_has_the_real_off_days_and_volume() -> None:
    games = season_games(SEASON_START, date(2026, 4, 12), random.Random("42-schedule"))
    per_day: dict[date, int] = {}
    for game in games:
        per_day[game.game_date] = per_day.get(game.game_date, 0) + 1
    off = no_game_days(2025)
    assert date(2025, 11, 27) in off and date(2025, 12, 24) in off  # Thanksgiving, Christmas Eve
    assert {date(2026, 2, 13 + i) for i in range(6)} <= off  # the All-Star break
    assert not set(per_day) & off
    counts = sorted(per_day.values())
    assert counts[0] == 1 and counts[-1] <= 15
    assert 7 <= counts[len(counts) // 2] <= 9  # median about 8
    assert 1100 <= len(games) <= 1400  # about 1,230 regular-season games
    assert games_on(date(2025, 12, 24), random.Random(1), SEASON_START) == 0


def test_late_west_coast_games_end_after_midnight_et_but_keep_their_et_date() -> None:
    games = season_games(SEASON_START, date(2025, 12, 31), random.Random("42-schedule"))
    late = [g for g in games if g.home in ("LAL", "GSW", "POR", "SAC", "LAC")]
    assert late
    for game in late:
        assert game.tip_utc.date() > game.game_date  # 22:00 ET is the next UTC day
        assert game.end_utc.hour >= 4  # ends after 04:00 UTC, after midnight ET


def test_parse_kinds_refuses_unknown_kinds_with_the_list() -> None:
    assert parse_kinds("all") == list(KINDS)
    assert parse_kinds("none") == []
    with pytest.raises(ValueError, match="unknown incident kind.*bogus.*expected all, none"):
        parse_kinds("dead_letters,bogus")


DIGESTS = {
    "nba_orchestration.processor_execution_log": "execution_id || status || cast(triggered_at as varchar)",
    "nba_reference.processor_run_history": "run_id || status || cast(processed_at as varchar)",
    "nba_predictions.player_prop_predictions": "prediction_id || cast(confidence_score as varchar)",
    "nba_raw.bettingpros_player_points_props": "player_lookup || bookmaker || cast(points_line as varchar)",
}


def _digests(path: Path, tables: list[str]) -> dict[str, tuple[object, ...] | None]:
    con = duckdb.connect(str(path))
    try:
        return {
            t: con.execute(f"select count(*), sum(hash({DIGESTS[t]})) from {t}").fetchone()
            for t in tables
        }
    finally:
        con.close()


# generate_fresh: a real generation each call, into a copy of the session's empty warehouse (the
# contract tables made by the dbt macro once a session, not once a call)


def test_generation_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    tables = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.duckdb"
        result = generate_fresh(
            path, date(2025, 12, 1), date(2025, 12, 10), seed=7, incidents="all"
        )
        tables.append(
            (result.row_counts, _digests(path, list(DIGESTS)), result.truth_path.read_text())
        )
    assert tables[0] == tables[1]
    other = generate_fresh(tmp_path / "c.duckdb", date(2025, 12, 1), date(2025, 12, 10), seed=8)
    assert _digests(other.warehouse, list(DIGESTS)) != tables[0][1]


def test_both_log_modes_share_every_table_of_the_pipeline(tmp_path: Path) -> None:
    """`existing` writes the same rows as `planned`, minus the plan's three tables."""
    planned = generate_fresh(tmp_path / "p.duckdb", date(2026, 1, 20), date(2026, 1, 26), seed=5)
    existing = generate_fresh(
        tmp_path / "e.duckdb", date(2026, 1, 20), date(2026, 1, 26), seed=5, logs="existing"
    )
    shared = [t for t in DIGESTS if not t.endswith("processor_execution_log")]
    assert _digests(planned.warehouse, shared) == _digests(existing.warehouse, shared)
    assert set(planned.row_counts) - set(existing.row_counts) == {
        "nba_orchestration.processor_execution_log",
        "nba_orchestration.dependency_check_log",
        "nba_orchestration.pubsub_dead_letters",
    }


def test_cli_refuses_bad_values_with_what_was_expected(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pipemon.cli",
        "generate",
        "--warehouse",
        str(tmp_path / "w.duckdb"),
    ]
    for extra, expected in (
        (["--start", "2025-13-01"], "expected a date as YYYY-MM-DD"),
        (["--days", "0"], "expected a positive whole number"),
        (["--scale", "x"], "expected a positive whole number"),
        (["--incidents", "meteor"], "unknown incident kind(s) meteor"),
        (["--logs", "all"], "--logs: expected planned (the pipeline plus the plan's new log"),
    ):
        done = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, (extra, done.stderr)
        assert expected in done.stderr, (extra, done.stderr)


def test_generate_refuses_an_unknown_log_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected planned .* or existing .*got 'plan'"):
        generate(tmp_path / "w.duckdb", date(2025, 12, 1), date(2025, 12, 2), logs="plan")


def test_scale_multiplies_player_volume(tmp_path: Path) -> None:
    one = generate_fresh(
        tmp_path / "1.duckdb", date(2025, 12, 1), date(2025, 12, 3), seed=3, incidents="none"
    )
    two = generate_fresh(
        tmp_path / "2.duckdb",
        date(2025, 12, 1),
        date(2025, 12, 3),
        seed=3,
        incidents="none",
        scale=2,
    )
    key = "nba_predictions.ml_feature_store_v2"  # one row per rostered player
    assert 1.8 <= two.row_counts[key] / one.row_counts[key] <= 2.2
    for players in ("nba_analytics.player_game_summary", "nba_raw.bettingpros_player_points_props"):
        assert 1.8 <= two.row_counts[players] / one.row_counts[players] <= 2.2, players
    # the run logs stay one row per run: scale is player volume, not log volume
    for log in (
        "nba_reference.processor_run_history",
        "nba_orchestration.scraper_execution_log",
        "nba_orchestration.service_health_checks",
    ):
        assert 0.9 <= two.row_counts[log] / one.row_counts[log] <= 1.1, log
