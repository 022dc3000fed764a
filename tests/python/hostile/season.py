"""One small generated period with hostile rows injected, built once by real dbt on DuckDB.

Ten quiet days (`incidents="none"`) are generated, then every hostile row of `HOSTILE` is
inserted with DuckDB, then `dbt build` runs once. Each test of the suite reads what became of
its row: quarantined with a reason, or resolved by a rule that survives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import BuiltSeason, _dbt_build
from session_cache import generate_once

START, END = date(2026, 1, 20), date(2026, 1, 29)
FUTURE = "2099-01-01 00:00:00"
DAY = "2026-01-27"


@dataclass(frozen=True)
class Hostile:
    """One hostile row: the table it goes into, the SQL that inserts it, its row key."""

    table: str
    insert: str


def _insert(table: str, values: dict[str, Any]) -> Hostile:
    columns = ", ".join(f'"{c}"' for c in values)
    literals = ", ".join(
        "null" if v is None else v if isinstance(v, Raw) else "'" + str(v).replace("'", "''") + "'"
        for v in values.values()
    )
    return Hostile(table, f"insert into {table} ({columns}) values ({literals})")


class Raw(str):
    """A SQL literal inserted as written (a number, `'nan'::double`)."""


def _scraper(execution_id: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "execution_id": execution_id,
        "scraper_name": "nbac_schedule_api",
        "workflow": "morning_operations",
        "game_date": DAY,
        "status": "success",
        "triggered_at": f"{DAY} 12:00:00",
        "completed_at": f"{DAY} 12:01:00",
        "duration_seconds": Raw("60"),
        "source": "CONTROLLER",
        "data_summary": '{"record_count": 5}',
        "created_at": f"{DAY} 12:01:00",
    }
    row.update(overrides)
    return _insert("nba_orchestration.scraper_execution_log", row)


def _run(run_id: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "processor_name": "PlayerGameSummaryProcessor",
        "run_id": run_id,
        "status": "success",
        "phase": "phase_3_analytics",
        "data_date": DAY,
        "started_at": f"{DAY} 12:00:00",
        "processed_at": f"{DAY} 12:05:00",
        "duration_seconds": Raw("300"),
    }
    row.update(overrides)
    return _insert("nba_reference.processor_run_history", row)


def _health(service: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "checked_at": f"{DAY} 12:00:00",
        "service_name": service,
        "is_healthy": Raw("true"),
        "latency_ms": Raw("12.5"),
    }
    row.update(overrides)
    return _insert("nba_orchestration.service_health_checks", row)


def _dead_letter(message_id: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "subscription_name": "phase3-complete-sub",
        "message_id": message_id,
        "publish_time": f"{DAY} 12:00:00",
        "data": '{"processor": "p", "phase": "phase3", "game_date": "2026-01-27"}',
        "attributes": '{"CloudPubSubDeadLetterSourceDeliveryCount": "5"}',
    }
    row.update(overrides)
    return _insert("nba_orchestration.pubsub_dead_letters", row)


def _firestore(document_id: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "snapshot_at": f"{document_id} 23:00:00",
        "collection": "phase3_completion",
        "document_id": document_id,
        "update_time": f"{document_id} 22:00:00",
        "data": '{"_completed_count": 5, "_triggered": true}',
    }
    row.update(overrides)
    return _insert("nba_orchestration.firestore_phase_snapshots", row)


def _props(player: str, **overrides: Any) -> Hostile:
    row: dict[str, Any] = {
        "game_date": DAY,
        "market_type": "points",
        "bet_side": "over",
        "player_lookup": player,
        "bookmaker": "BetMGM",
        "points_line": Raw("20.5"),
        "created_at": f"{DAY} 12:00:00",
        "processed_at": f"{DAY} 12:00:00",
    }
    row.update(overrides)
    return _insert("nba_raw.bettingpros_player_points_props", row)


HOSTILE: list[Hostile] = [
    _scraper("hostile-future", triggered_at=FUTURE, completed_at=FUTURE, created_at=FUTURE),
    _scraper("hostile-record-count-text", data_summary='{"record_count": "lots"}'),
    _scraper("hostile-blank-name", scraper_name="   "),
    _scraper("hostile-empty-source", source=""),
    _scraper("hostile-nan-duration", duration_seconds=Raw("'nan'::double")),
    _scraper("hostile-inf-duration", duration_seconds=Raw("'inf'::double")),
    _run("hostile-run-future", started_at=FUTURE, processed_at=FUTURE),
    _run("hostile-run-blank-id", processor_name="\t"),
    _run("hostile-run-negative-inf", duration_seconds=Raw("'-inf'::double")),
    _health("hostile-health-future", checked_at=FUTURE),
    _health("hostile-health-nan", latency_ms=Raw("'nan'::double")),
    _health("  "),
    _dead_letter(
        "hostile-dl-count-text", attributes='{"CloudPubSubDeadLetterSourceDeliveryCount": "five"}'
    ),
    _dead_letter("hostile-dl-future", publish_time=FUTURE),
    _dead_letter("hostile-dl-ok"),
    _firestore("2026-01-10", data="[1, 2, 3]"),
    _firestore("2026-01-11", data='"just a string"'),
    _firestore("2026-01-12", data='{"_completed_count": "many"}'),
    _firestore("2026-01-13", update_time=FUTURE, snapshot_at=FUTURE),
    # out of order: the CREATE (no completions yet) is stamped after the UPDATE that completed it
    _firestore(
        "2026-01-14",
        update_time="2026-01-14 22:00:00",
        snapshot_at="2026-01-14 22:30:00",
        data='{"_completed_count": 5, "_triggered": true}',
    ),
    _firestore(
        "2026-01-14",
        update_time="2026-01-14 23:00:00",
        snapshot_at="2026-01-14 23:30:00",
        data='{"_completed_count": 0, "_triggered": false}',
    ),
    _props("hostilenan", points_line=Raw("'nan'::double")),
    _props("hostileinf", points_line=Raw("'inf'::double")),
    _props("hostilefuture", processed_at=FUTURE, created_at=FUTURE),
    _props(""),
    # values outside the contract's sets and impossible rows (kept quarantined, never staged)
    _scraper("hostile-unknown-status", status="exploded"),
    _scraper("hostile-completed-first", completed_at=f"{DAY} 11:00:00"),
    _scraper("hostile-negative-duration", duration_seconds=Raw("-5")),
    _run("hostile-run-conflict", status="success", processed_at=f"{DAY} 13:00:00"),
    _run("hostile-run-conflict", status="failed", processed_at=f"{DAY} 13:00:00"),
    _run("hostile-run-unknown-status", status="exploded"),
    _insert(
        "nba_orchestration.dependency_check_log",
        {
            "check_id": "hostile-dep-maybe",
            "check_time": f"{DAY} 12:00:00",
            "processor_name": "PlayerGameSummaryProcessor",
            "data_date": DAY,
            "required_table": "nba_raw.nbac_schedule",
            "check_result": "MAYBE",
        },
    ),
    _insert(
        "nba_orchestration.dependency_check_log",
        {
            "check_id": "hostile-dep-future",
            "check_time": FUTURE,
            "processor_name": "PlayerGameSummaryProcessor",
            "data_date": DAY,
            "required_table": "nba_raw.nbac_schedule",
            "check_result": "PASS",
        },
    ),
    _insert(
        "nba_orchestration.phase_completions",
        {
            "phase": "phase9",
            "game_date": DAY,
            "processor_name": "hostile_processor",
            "status": "success",
            "completed_at": f"{DAY} 12:00:00",
            "inserted_at": f"{DAY} 12:00:00",
        },
    ),
    _insert(
        "nba_orchestration.phase_completions",
        {
            "phase": "phase3",
            "game_date": DAY,
            "processor_name": "hostile_future_processor",
            "status": "success",
            "completed_at": FUTURE,
            "inserted_at": FUTURE,
        },
    ),
    _insert(
        "nba_orchestration.pipeline_event_log",
        {"event_id": "hostile-event-no-type", "timestamp": f"{DAY} 12:00:00", "event_type": " "},
    ),
    _insert(
        "nba_orchestration.pipeline_event_log",
        {
            "event_id": "hostile-event-future",
            "timestamp": FUTURE,
            "event_type": "processor_start",
            "game_date": DAY,
        },
    ),
    _dead_letter("hostile-dl-not-json", data="{not json"),
    _firestore("2026-01-15", collection="phase9_completion"),
    _firestore("2026-01-16", data="{truncated"),
    _insert(
        "nba_predictions.player_prop_predictions",
        {
            "prediction_id": "hostile-pred-maybe",
            "system_id": "catboost_v8",
            "player_lookup": "hostileplayer",
            "game_id": "hostile-game",
            "game_date": DAY,
            "recommendation": "MAYBE",
            "created_at": f"{DAY} 12:00:00",
        },
    ),
    _insert(
        "nba_predictions.player_prop_predictions",
        {
            "prediction_id": "hostile-pred-future",
            "system_id": "catboost_v8",
            "player_lookup": "hostileplayer",
            "game_id": "hostile-game",
            "game_date": DAY,
            "recommendation": "OVER",
            "created_at": FUTURE,
        },
    ),
    _insert(
        "nba_predictions.ml_feature_store_v2",
        {
            "player_lookup": "hostileplayer",
            "game_id": "hostile-game-score",
            "game_date": DAY,
            "feature_quality_score": Raw("150"),
            "data_source": "phase4",
            "created_at": f"{DAY} 12:00:00",
        },
    ),
    _insert(
        "nba_predictions.ml_feature_store_v2",
        {
            "player_lookup": "hostileplayer",
            "game_id": "hostile-game-source",
            "game_date": DAY,
            "feature_quality_score": Raw("90"),
            "data_source": "astrology",
            "created_at": f"{DAY} 12:00:00",
        },
    ),
    _insert(
        "nba_analytics.player_game_summary",
        {
            "game_id": "hostile-game-negative",
            "game_date": DAY,
            "player_lookup": "hostileplayer",
            "points": Raw("-3"),
            "minutes_played": Raw("30"),
            "processed_at": f"{DAY} 12:00:00",
        },
    ),
    _insert(
        "nba_analytics.player_game_summary",
        {
            "game_id": "hostile-game-future",
            "game_date": DAY,
            "player_lookup": "hostileplayer",
            "points": Raw("3"),
            "minutes_played": Raw("30"),
            "processed_at": FUTURE,
        },
    ),
    _insert(
        "nba_raw.nbac_schedule",
        {
            "game_id": "hostile-game-status",
            "game_date": DAY,
            "game_status": Raw("7"),
            "home_team_tricode": "BOS",
            "away_team_tricode": "NYK",
            "processed_at": f"{DAY} 12:00:00",
        },
    ),
    _props("hostilenegative", points_line=Raw("-1.5")),
    # dates years away from any season, and legitimate dates at a season's edges
    _scraper("hostile-epoch-date", game_date="1970-01-01"),
    _scraper("hostile-opts-2099", game_date=None, opts='{"gamedate": "20991020"}'),
    _scraper("edge-day-before-opening-night", game_date="2025-10-20"),
    _scraper("edge-finals-date", game_date="2026-06-18"),
    _run("hostile-run-2099", data_date="2099-01-27"),
    _insert(
        "nba_raw.nbac_schedule",
        {
            "game_id": "hostile-game-2099",
            "game_date": "2099-10-20",
            "game_status": Raw("1"),
            "home_team_tricode": "BOS",
            "away_team_tricode": "NYK",
            "processed_at": f"{DAY} 12:00:00",
        },
    ),
    _props("hostile2099", game_date="2099-01-27"),
    # durations no run can have
    _run("hostile-run-30-days", duration_seconds=Raw(str(30 * 86_400))),
    _scraper("hostile-scrape-30-days", duration_seconds=Raw(str(30 * 86_400))),
    _insert(
        "nba_orchestration.processor_execution_log",
        {
            "execution_id": "hostile-exec-30-days",
            "processor_name": "player_game_summary",
            "phase": "phase3",
            "triggered_at": f"{DAY} 12:00:00",
            "completed_at": f"{DAY} 12:05:00",
            "duration_seconds": Raw(str(30 * 86_400)),
            "status": "success",
            "data_date": DAY,
        },
    ),
    # a processor the registry does not know: surfaced, never dropped
    _insert(
        "nba_orchestration.processor_execution_log",
        {
            "execution_id": "hostile-exec-unregistered",
            "processor_name": "hostile_unregistered_processor",
            "phase": "phase3",
            "triggered_at": f"{DAY} 12:00:00",
            "completed_at": f"{DAY} 12:05:00",
            "duration_seconds": Raw("300"),
            "status": "failed",
            "data_date": DAY,
        },
    ),
    # SQL in a name is text: staged as written, nothing executed
    _scraper("hostile-sql'; drop table nba_raw.nbac_schedule; --"),
]


@dataclass
class HostileSeason:
    season: BuiltSeason
    before: dict[str, int]  # rows per table before the hostile rows

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.season.query(sql)

    def reason(self, table: str, row_key: str) -> str | None:
        """The quarantine reason of the row with this key (None when it was accepted)."""
        con = self.season.connect()
        try:
            rows = con.execute(
                "select quarantine_reason from monitoring_intermediate.int_rows_quarantined "
                "where source_table = ? and row_key = ?",
                [table, row_key],
            ).fetchall()
        finally:
            con.close()
        return rows[0][0] if rows else None


def _schedule_flip(con: duckdb.DuckDBPyConnection) -> None:
    """A later schedule load says the first final game of DAY is scheduled again."""
    con.execute(
        "insert into nba_raw.nbac_schedule select game_id, game_date, game_date_est, season_year, "
        "1, home_team_tricode, away_team_tricode, data_source, processed_at + interval 1 day "
        f"from nba_raw.nbac_schedule where game_date = '{DAY}' and game_status = 3 "
        "order by game_id limit 1"
    )


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSeason]:
    """The hostile period, built once per run (`session_cache.built_once`): this process's copy."""
    import os

    from session_cache import built_once

    season = built_once("hostile", _build_hostile, tmp_path_factory.mktemp("hostile"))
    os.environ["PIPEMON_DUCKDB_PATH"] = str(season.season.warehouse)
    yield season


def _build_hostile(base: Path) -> HostileSeason:
    import os

    warehouse = base / "warehouse.duckdb"
    generated = generate_once(warehouse, START, END, seed=42, incidents="none")
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    truth = json.loads(Path(generated.truth_path).read_text())
    con = duckdb.connect(str(warehouse))
    try:
        before = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in generated.row_counts
        }  # type: ignore[index]
        for row in HOSTILE:
            con.execute(row.insert)
        _schedule_flip(con)
        counts = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in generated.row_counts
        }  # type: ignore[index]
    finally:
        con.close()
    run_results, manifest = _dbt_build(warehouse, base / "target", truth)
    return HostileSeason(BuiltSeason(warehouse, truth, run_results, manifest, counts), before)
