"""A hostile period run as the schedules run it: the runner's first build (a history build) the
day before, then hostile rows arrive in the real formats, then the morning's daily build
(`pipemon run`, no --full-refresh) and the 10-minute dead-letter check, each through the runner
with a real file channel.

The rows are the ones a daily window cannot see (a null partition key, 1970, a date older than
the history read), dead letters that are unreadable or duplicated, values outside the lists the
contract enumerates, JSON of the wrong type, and a 1 MB error message.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from hostile.season import END, START, Raw, _insert

HUGE = "E" * 1_000_000  # a 1 MB error message
EPOCH = "1970-01-01"
BEFORE_HISTORY = "2024-11-15"  # in season 2024-25, older than source_history_days (400) back
DLQ = "nba-phase3-trigger-dlq-monitor"


def _scraper(execution_id: str, at: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "execution_id": execution_id,
        "scraper_name": "nbac_schedule_api",
        "workflow": "morning_operations",
        "game_date": at[:10],
        "status": "success",
        "triggered_at": at,
        "completed_at": at,
        "duration_seconds": Raw("60"),
        "source": "CONTROLLER",
        "data_summary": '{"record_count": 5}',
        "created_at": at,
    }
    row.update(overrides)
    return _insert("nba_orchestration.scraper_execution_log", row).insert


def _execution(execution_id: str, at: str | None, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "execution_id": execution_id,
        "processor_name": "player_game_summary",
        "phase": "phase3",
        "triggered_at": at,
        "completed_at": at,
        "duration_seconds": Raw("30"),
        "status": "success",
        "data_date": at[:10] if at else None,
        "trigger_source": "pubsub",
        "records_processed": Raw("10"),
    }
    row.update(overrides)
    return _insert("nba_orchestration.processor_execution_log", row).insert


def _run(run_id: str, day: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "processor_name": "PlayerGameSummaryProcessor",
        "run_id": run_id,
        "status": "success",
        "phase": "phase_3_analytics",
        "data_date": day,
        "started_at": f"{day} 12:00:00",
        "processed_at": f"{day} 12:05:00",
        "duration_seconds": Raw("300"),
        "trigger_source": "manual",
    }
    row.update(overrides)
    return _insert("nba_reference.processor_run_history", row).insert


def _dead_letter(message_id: str, at: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "subscription_name": DLQ,
        "message_id": message_id,
        "publish_time": at,
        "data": json.dumps(
            {"processor": "player_game_summary", "game_date": at[:10], "phase": "phase3"}
        ),
        "attributes": json.dumps(
            {
                "CloudPubSubDeadLetterSourceDeliveryCount": "5",
                "CloudPubSubDeadLetterSourceSubscription": "projects/p/subscriptions/x-sub",
            }
        ),
    }
    row.update(overrides)
    return _insert("nba_orchestration.pubsub_dead_letters", row).insert


def _props(player: str, day: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "bp_event_id": Raw("1"),
        "game_date": day,
        "market_type": "points",
        "bet_side": "over",
        "player_lookup": player,
        "bookmaker": "BetMGM",
        "points_line": Raw("20.5"),
        "is_active": Raw("true"),
        "created_at": f"{day} 12:00:00" if day else None,
        "processed_at": f"{day} 12:00:00" if day else None,
    }
    row.update(overrides)
    return _insert("nba_raw.bettingpros_player_points_props", row).insert


def _game(game_id: str, day: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "game_id": game_id,
        "game_date": day,
        "game_status": Raw("1"),
        "home_team_tricode": "BOS",
        "away_team_tricode": "NYK",
        "data_source": "api_stats",
        "processed_at": "2026-01-20 12:00:00",
    }
    row.update(overrides)
    return _insert("nba_raw.nbac_schedule", row).insert


def _box(game_id: str, day: str, **overrides: Any) -> str:
    row: dict[str, Any] = {
        "game_id": game_id,
        "game_date": day,
        "player_lookup": "hostileplayer",
        "team_abbr": "BOS",
        "points": Raw("10"),
        "minutes_played": Raw("30"),
        "primary_source_used": "nbac_gamebook",
        "processed_at": "2026-01-20 12:00:00",
    }
    row.update(overrides)
    return _insert("nba_analytics.player_game_summary", row).insert


def _prediction(prediction_id: str, day: str) -> str:
    return _insert(
        "nba_predictions.player_prop_predictions",
        {
            "prediction_id": prediction_id,
            "system_id": "moving_average",
            "player_lookup": "hostileplayer",
            "game_id": "0022500999",
            "game_date": day,
            "recommendation": "OVER",
            "created_at": "2026-01-20 12:00:00",
        },
    ).insert


def _dup_payload(as_of: datetime) -> str:
    day = (as_of - timedelta(days=9)).strftime("%Y-%m-%d")
    return json.dumps({"processor": "player_game_summary", "game_date": day, "phase": "phase3"})


def _arriving(as_of: datetime) -> list[str]:
    """The rows that arrive between the runner's first build and the morning's daily build."""
    day = as_of.strftime("%Y-%m-%d")
    at = (as_of - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S")
    recent = (as_of - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    return [
        # partition keys no window reads: null, 1970, older than the history read
        _insert(
            "nba_orchestration.scraper_execution_log",
            {
                "execution_id": "hostile-scrape-no-trigger",
                "scraper_name": "nbac_schedule_api",
                "status": "success",
                "source": "CONTROLLER",
            },
        ).insert,
        _execution("hostile-exec-no-trigger", None),
        _execution("hostile-exec-1970", f"{EPOCH} 12:00:00"),
        _run("hostile-run-1970", EPOCH),
        _insert(
            "nba_orchestration.phase_completions",
            {
                "phase": "phase3",
                "processor_name": "player_game_summary",
                "status": "success",
                "completed_at": at,
                "inserted_at": at,
            },
        ).insert,
        _props("hostileepoch", EPOCH),
        _props("hostileold", BEFORE_HISTORY),
        _prediction("hostile-pred-1970", EPOCH),
        _game("0022599999", EPOCH),
        _box("19700101_NYK_BOS", EPOCH),
        # dead letters: unreadable fields, duplicates of one message
        _dead_letter(
            "hostile-dl-five",
            at,
            attributes='{"CloudPubSubDeadLetterSourceDeliveryCount": "five"}',
        ),
        _dead_letter(
            "hostile-dl-array", at, attributes='["CloudPubSubDeadLetterSourceDeliveryCount"]'
        ),
        _dead_letter("hostile-dl-garbled", at, data="{not json"),
        # dead-lettered again (a replay): the same message, 9 days after the first time
        _dead_letter("hostile-dl-dup", recent, data=_dup_payload(as_of)),
        _dead_letter("hostile-dl-twin", at),
        _dead_letter("hostile-dl-twin", at, subscription_name="nba-phase3-trigger-dlq-sub"),
        # values outside the lists the contract enumerates, JSON of the wrong type
        _run("hostile-run-magic", day, phase="phase_9_magic"),
        _scraper("hostile-source-nobody", at, source="NOBODY_WRITES_THIS"),
        _scraper("hostile-summary-array", at, data_summary="[5]"),
        _execution("hostile-trigger-pigeon", at, trigger_source="carrier_pigeon"),
        _game("0022500998", day, data_source="fax"),
        # well formed but for a null season_year: once a second "season" over its date
        _game("0022500997", day, season_year=None, home_team_tricode="LAL"),
        _props("hostilesideways", day, bet_side="sideways"),
        _box("hostile-game-guess", day, primary_source_used="espn_guess"),
        # a failure whose error message is 1 MB
        _execution(
            "hostile-exec-huge",
            at,
            status="failed",
            error_type="RuntimeError",
            error_message=HUGE,
        ),
    ]


@dataclass
class DailyHostile:
    warehouse: Path
    as_of: datetime
    alerts_log: Path
    config: Path
    first: Any  # RunReport of the runner's first build (a history build)
    daily: Any  # RunReport of the morning's daily build
    check: Any  # RunReport of the 10-minute dead-letter check after it
    daily_results: dict[str, Any]
    check_results: dict[str, Any]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
        con = duckdb.connect(str(self.warehouse))
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="session")
def daily_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DailyHostile]:
    from pipemon import runner
    from pipemon.warehouse.duckdb import release_dbt_connections
    from session_cache import generate_once

    base = tmp_path_factory.mktemp("daily-hostile")
    warehouse = base / "warehouse.duckdb"
    saved = {k: os.environ.get(k) for k in ("PIPEMON_DUCKDB_PATH", "DBT_TARGET_PATH")}
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    generated = generate_once(warehouse, START, END, seed=11, incidents="none")
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    truth = json.loads(Path(generated.truth_path).read_text())
    as_of = datetime.fromisoformat(truth["as_of"])
    alerts_log = base / "alerts.log"
    config = base / "alerts.yml"
    config.write_text(
        f"channels:\n  file:\n    url: file://{alerts_log}\ndefault_channels: [file]\n"
    )

    def run(moment: datetime, target: str, **options: Any) -> tuple[Any, dict[str, Any]]:
        os.environ["DBT_TARGET_PATH"] = str(base / target)
        report = runner.execute(
            runner.RunOptions(
                command="run",
                vars={
                    "as_of": moment.strftime("%Y-%m-%d %H:%M:%S"),
                    "season_opening_date": truth["season_start"],
                },
                freshness=False,
                config_path=config,
                **options,
            )
        )
        release_dbt_connections()
        results = json.loads((base / target / "run_results.json").read_text())
        return report, results

    con = duckdb.connect(str(warehouse))
    try:
        # dead-lettered once before the first build, and again after it
        first_time = (as_of - timedelta(days=9)).isoformat(" ")
        con.execute(_dead_letter("hostile-dl-dup", first_time, data=_dup_payload(as_of)))
    finally:
        con.close()
    try:
        first, _ = run(as_of - timedelta(days=1), "t-first")
        con = duckdb.connect(str(warehouse))
        try:
            for insert in _arriving(as_of):
                con.execute(insert)
        finally:
            con.close()
        daily, daily_results = run(as_of, "t-daily")
        check, check_results = run(
            as_of + timedelta(minutes=10), "t-check", selector="dead_letter_check"
        )
    finally:
        # the runs are over: later tests (and other suites) get the environment they had
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield DailyHostile(
        warehouse,
        as_of,
        alerts_log,
        config,
        first,
        daily,
        check,
        daily_results,
        check_results,
    )
