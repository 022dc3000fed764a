"""The generated season writes the real pipeline's formats, each change on its date."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipemon.generator import generate
from pipemon.generator.build import MALFORMED_EXPECTED, malformed_expected
from pipemon.generator.incidents import KINDS
from session_cache import generate_once

REPO = Path(__file__).resolve().parents[2]
PLANNED = (
    "nba_orchestration.processor_execution_log",
    "nba_orchestration.dependency_check_log",
    "nba_orchestration.pubsub_dead_letters",
)


@dataclass
class Generated:
    path: Path
    truth: dict[str, Any]
    counts: dict[str, int]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.path))
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def one(self, sql: str) -> Any:
        return self.query(sql)[0][0]


def _generate(path: Path, start: date, end: date, logs: str) -> Generated:
    # the whole season is the one conftest's incident_season generates: one generation serves both
    result = generate_once(path, start, end, seed=42, incidents="all", logs=logs)
    return Generated(path, json.loads(result.truth_path.read_text()), result.row_counts)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """The whole 2025-26 season, every incident, the plan's tables too (the demo's default)."""
    base = tmp_path_factory.mktemp("season")
    yield _generate(base / "w.duckdb", date(2025, 10, 21), date(2026, 4, 12), "planned")


@pytest.fixture(scope="module")
def winter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """Six winter weeks (inside the scraper log's 90 days) in `existing` mode."""
    base = tmp_path_factory.mktemp("winter")
    yield _generate(base / "w.duckdb", date(2025, 12, 15), date(2026, 1, 31), "existing")


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / name).open() as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------- truth and placement
def test_truth_records_the_mode_the_clock_and_every_kind(season: Generated) -> None:
    truth = season.truth
    assert truth["logs"] == "planned" and truth["as_of"] == "2026-04-12 18:00:00"  # 14:00 ET
    kinds = {r["kind"] for r in truth["incidents"]} | {r["kind"] for r in truth["non_alerts"]}
    assert kinds == set(KINDS) and truth["skipped_kinds"] == []
    quota = {
        (r["game_date"], r["target"])
        for r in truth["incidents"]
        if r["kind"] == "bigquery_load_quota"
    }
    # the demo's day with incidents: the documented load quota fails the phase-2 loads
    assert ("2026-01-26", "nbac_gamebook_player_stats") in quota


def test_incidents_only_in_a_planned_table_say_which(season: Generated) -> None:
    needs = {
        (r["kind"], r.get("needs")) for r in season.truth["incidents"] if "consequence" not in r
    }
    for kind in (
        "dead_letters",
        "redelivery_storm",
        "dependency_failure_spike",
        "log_table_stopped",
    ):
        assert any(k == kind and n in PLANNED for k, n in needs), kind
    for kind in ("processor_failed", "missing_box_scores", "phase_late", "scraper_error_spike"):
        assert (kind, None) in needs, kind


def test_incidents_fall_inside_their_targets_valid_dates(season: Generated) -> None:
    valid: dict[str, tuple[str, str]] = {}
    for row in _seed("processor_registry.csv") + _seed("scraper_registry.csv"):
        name = row.get("processor_name") or row["scraper_name"]
        valid[name] = (row["valid_from"] or "0000", row["valid_to"] or "9999")
    for row in _seed("prediction_systems.csv"):
        valid[row["system_id"]] = (row["valid_from"] or "0000", row["valid_to"] or "9999")
    for record in season.truth["incidents"]:
        low, high = valid.get(record["target"], ("0000", "9999"))
        assert low <= record["game_date"] <= high, record


def test_scraper_incidents_sit_inside_the_logs_90_days(season: Generated) -> None:
    as_of = datetime.fromisoformat(season.truth["as_of"])
    for record in season.truth["incidents"]:
        if record["kind"] == "scraper_error_spike" or record["target"].endswith(
            "scraper_execution_log"
        ):
            assert date.fromisoformat(record["game_date"]) > (as_of - timedelta(days=90)).date()
    oldest = season.one("select min(triggered_at) from nba_orchestration.scraper_execution_log")
    assert oldest >= as_of - timedelta(days=90)


# ---------------------------------------------------------------------- modes
def test_existing_mode_has_no_planned_tables(winter: Generated) -> None:
    assert winter.truth["logs"] == "existing"
    tables = {
        f"{s}.{t}" for s, t in winter.query("select schema_name, table_name from duckdb_tables()")
    }
    assert not tables & set(PLANNED)
    assert not set(winter.counts) & set(PLANNED)
    assert set(malformed_expected("existing")) == set(MALFORMED_EXPECTED) - set(PLANNED)


def test_existing_mode_drops_planned_tables_a_previous_run_left(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    generate(path, date(2026, 1, 5), date(2026, 1, 6), incidents="none")
    generate(path, date(2026, 1, 5), date(2026, 1, 6), incidents="none", logs="existing")
    con = duckdb.connect(str(path))
    names = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    con.close()
    assert not names & {t.split(".")[1] for t in PLANNED}


# ---------------------------------------------------------------------- scraper_execution_log
def test_scraper_log_game_date_exists_from_2026_01_02(winter: Generated) -> None:
    rows = winter.query(
        "select triggered_at < timestamp '2026-01-02 05:00', count(*), count(game_date), "
        "count(json_extract_string(opts, '$.gamedate')) from nba_orchestration.scraper_execution_log "
        "where json_extract_string(opts, '$.gamedate') is not null and execution_id is not null group by 1"
    )
    by_era = {early: (n, dated, with_opts) for early, n, dated, with_opts in rows}
    assert by_era[True][1] == 0 and by_era[True][0] == by_era[True][2]  # only opts.gamedate
    assert by_era[False][1] == by_era[False][0]
    mismatched = winter.one(
        "select count(*) from nba_orchestration.scraper_execution_log where game_date is not null "
        "and strftime(game_date, '%Y%m%d') <> json_extract_string(opts, '$.gamedate')"
    )
    assert mismatched == 0


def test_scraper_log_names_statuses_and_sources(winter: Generated) -> None:
    log_names = {r["log_name"] for r in _seed("scraper_registry.csv")}
    names = {
        n
        for (n,) in winter.query(
            "select distinct scraper_name from nba_orchestration.scraper_execution_log"
        )
    }
    assert names <= log_names and "bdl_box_scores_scraper" in names
    assert winter.one(
        "select min(triggered_at) from nba_orchestration.scraper_execution_log where status = 'partial'"
    ) >= datetime(2026, 1, 16, 5)
    assert {
        s
        for (s,) in winter.query(
            "select distinct source from nba_orchestration.scraper_execution_log"
        )
    } == {
        "CONTROLLER",
        "MANUAL",
    }
    unscheduled = {
        r["log_name"] for r in _seed("scraper_registry.csv") if r["is_scheduled"] == "false"
    }
    assert (
        winter.one(
            "select count(*) from nba_orchestration.scraper_execution_log where source = 'CONTROLLER' "
            f"and scraper_name in ({', '.join(repr(n) for n in unscheduled)})"
        )
        == 0
    )


def test_bdl_scrapers_stop_after_their_valid_to(season: Generated) -> None:
    last = season.one(
        "select max(coalesce(game_date, cast(triggered_at as date))) from nba_orchestration.scraper_execution_log "
        "where scraper_name like 'bdl_%'"
    )
    assert last <= date(2026, 1, 28)


# ---------------------------------------------------------------------- processor_run_history
def test_run_history_formats_by_date(season: Generated) -> None:
    phases = {
        p for (p,) in season.query("select distinct phase from nba_reference.processor_run_history")
    }
    assert phases == {
        "phase_2_raw",
        "phase_3_analytics",
        "phase_4_precompute",
        "phase_5_predictions",
        None,
    }
    early = "from nba_reference.processor_run_history where run_id is not null and started_at < timestamp '2026-01-13 05:00'"
    assert season.one(f"select count(failure_category) {early}") == 0
    assert season.one(f"select count(trigger_message_id) {early}") == 0
    assert {t for (t,) in season.query(f"select distinct trigger_source {early}")} == {"manual"}
    late = (
        "from nba_reference.processor_run_history where started_at >= timestamp '2026-01-14 05:00'"
    )
    assert (
        season.one(f"select count(*) - count(trigger_message_id) {late} and run_id is not null")
        == 0
    )
    assert season.one(
        "select min(data_date) from nba_reference.processor_run_history where processor_name like 'Mlb%'"
    ) == date(2026, 1, 7)
    assert season.one("select min(retry_attempt) from nba_reference.processor_run_history") == 1
    assert (
        season.one(
            "select count(*) from (select run_id from nba_reference.processor_run_history "
            "group by run_id having count(distinct started_at) > 1)"
        )
        == 0
    )


def test_one_coordinator_run_per_game_day(season: Generated) -> None:
    runs = season.query(
        "select data_date, count(distinct run_id) from nba_reference.processor_run_history "
        "where processor_name = 'PredictionCoordinator' group by 1 having count(distinct run_id) <> 1"
    )
    assert runs == []
    game_days = season.one(
        "select count(distinct game_date) from nba_raw.nbac_schedule where game_status = 3 or game_date = date '2026-04-12'"
    )
    coordinator_days = season.one(
        "select count(distinct data_date) from nba_reference.processor_run_history "
        "where processor_name = 'PredictionCoordinator'"
    )
    assert coordinator_days == game_days


def test_stuck_runs_stay_running_before_the_cleanup_and_are_rewritten_after(
    season: Generated,
) -> None:
    latest = """
        with ranked as (
            select *, row_number() over (partition by run_id order by processed_at desc) as n
            from nba_reference.processor_run_history where run_id is not null
        ) select * from ranked where n = 1
    """
    stuck = season.query(
        f"select max(started_at), count(*) from ({latest}) where status = 'running'"
    )
    assert stuck[0][1] > 0 and stuck[0][0] < datetime(2026, 1, 12, 12)
    cleaned = season.query(
        "select started_at, processed_at, failure_category, json_extract_string(errors, '$.original_status') "
        "from nba_reference.processor_run_history where json_type(errors) = 'OBJECT'"
    )
    assert cleaned
    for started, processed, category, original in cleaned:
        assert started >= datetime(2026, 1, 12, 5) and processed - started > timedelta(hours=4)
        assert original == "running"
        if started >= datetime(2026, 1, 23, 5):
            assert category == "STALE_HEARTBEAT"
    lists = season.one(
        "select count(*) from nba_reference.processor_run_history where status = 'failed' "
        "and json_type(errors) = 'ARRAY' and json_extract_string(errors, '$[0].error_type') is null"
    )
    assert lists == 0


# ---------------------------------------------------------------------- schedule and box scores
def test_schedule_ids_tips_duplicates_and_a_reused_id(season: Generated) -> None:
    assert (
        season.one(
            "select count(*) from nba_raw.nbac_schedule where not regexp_matches(game_id, '^002\\d{7}$')"
        )
        == 0
    )
    tips = season.query(
        "select game_date >= date '2025-12-23', count(*), "
        "count(case when strftime(game_date_est, '%H:%M') = '00:00' then 1 end) "
        "from nba_raw.nbac_schedule group by 1"
    )
    by_era = {late: (n, midnight) for late, n, midnight in tips}
    assert by_era[False][0] == by_era[False][1] and by_era[True][1] == 0
    # ET wall clock written as if UTC: the stored hour is an ET tip slot
    assert {
        h
        for (h,) in season.query(
            "select distinct hour(game_date_est) from nba_raw.nbac_schedule where game_date >= date '2025-12-23'"
        )
    } <= {15, 19, 20, 21, 22}
    dup_last = season.one(
        "select max(game_date) from (select game_id, game_date from nba_raw.nbac_schedule group by 1, 2 having count(*) > 1)"
    )
    assert dup_last < date(2026, 1, 11)
    (postponed,) = season.truth["postponements"]
    rows = season.query(
        f"select game_date, game_status from nba_raw.nbac_schedule where game_id = '{postponed['game_id']}' order by 1"
    )
    assert rows == [
        (date.fromisoformat(postponed["scheduled_date"]), 1),
        (date.fromisoformat(postponed["played_date"]), 3),
    ]


def test_box_scores_ids_players_and_fallback_by_date(season: Generated) -> None:
    ids = season.query(
        "select game_date between date '2025-12-28' and date '2025-12-30', min(length(game_id)), max(length(game_id)) "
        "from nba_analytics.player_game_summary group by 1"
    )
    assert {k: (lo, hi) for k, lo, hi in ids} == {True: (10, 10), False: (16, 16)}
    assert (
        season.one(
            "select count(*) from nba_analytics.player_game_summary "
            "where game_date >= date '2026-01-28' and primary_source_used <> 'nbac_gamebook'"
        )
        == 0
    )
    per_team = season.query(
        "select min(n), max(n) from (select game_id, team_abbr, count(*) n "
        "from nba_analytics.player_game_summary group by 1, 2)"
    )[0]
    assert per_team[0] >= 9 and per_team[1] <= 12
    assert season.one(
        "select bool_and(is_active) and bool_and(team_abbr <> opponent_team_abbr) from nba_analytics.player_game_summary"
    )


def test_props_have_every_market_two_sides_and_no_game_id(season: Generated) -> None:
    columns = {
        c
        for (c,) in season.query(
            "select column_name from duckdb_columns() where table_name = 'bettingpros_player_points_props'"
        )
    }
    assert "game_id" not in columns and "bp_event_id" in columns
    markets = {
        m
        for (m,) in season.query(
            "select distinct market_type from nba_raw.bettingpros_player_points_props"
        )
    }
    assert {"points", "rebounds", "assists", "threes"} <= markets
    unpaired = season.one(
        "select count(*) from (select game_date, player_lookup, market_type, bookmaker, created_at, points_line "
        "from nba_raw.bettingpros_player_points_props group by all having count(distinct bet_side) <> 2 or count(*) <> 2)"
    )
    assert unpaired == 0


# ---------------------------------------------------------------------- features and predictions
def test_feature_store_versions_ids_and_bootstrap(season: Generated) -> None:
    versions = season.query(
        "select feature_version, min(game_date), max(game_date), max(feature_count) "
        "from nba_predictions.ml_feature_store_v2 group by 1"
    )
    assert {v: (lo, hi, n) for v, lo, hi, n in versions} == {
        "v1_baseline_25": (date(2025, 10, 21), date(2026, 1, 8), 25),
        "v2_33features": (date(2026, 1, 9), date(2026, 4, 12), 33),
    }
    ids = season.query(
        "select length(game_id), min(game_date), max(game_date) "
        "from nba_predictions.ml_feature_store_v2 group by 1 order by 1"
    )
    assert ids == [
        (10, date(2025, 10, 21), date(2026, 1, 17)),
        (16, date(2026, 1, 18), date(2026, 4, 12)),
    ]
    boot = season.query(
        "select bool_and(early_season_flag), count(feature_count), max(game_date) "
        "from nba_predictions.ml_feature_store_v2 where data_source = 'early_season'"
    )
    assert boot == [(True, 0, date(2025, 11, 3))]
    sources = {
        s
        for (s,) in season.query(
            "select distinct data_source from nba_predictions.ml_feature_store_v2"
        )
    }
    assert sources <= {"phase4", "phase4_partial", "phase3", "mixed", "early_season", "unknown"}


def test_prediction_formats_by_date(season: Generated) -> None:
    scale = season.query(
        "select game_date between date '2025-12-10' and date '2026-01-29', max(confidence_score) "
        "from nba_predictions.player_prop_predictions group by 1"
    )
    assert {k: float(v) <= 1 for k, v in scale} == {True: True, False: False}
    ids = season.query(
        "select length(game_id), max(game_date) from nba_predictions.player_prop_predictions group by 1 order by 1"
    )
    assert ids[0] == (10, date(2026, 1, 17)) and ids[1][0] == 16
    no_line = season.query(
        "select distinct has_prop_line, line_source from nba_predictions.player_prop_predictions "
        "where recommendation = 'NO_LINE'"
    )
    assert no_line == [(False, "ESTIMATED_AVG")]
    lines = season.query(
        "select game_date <= date '2026-02-09', max(n) from "
        "(select game_date, system_id, player_lookup, created_at, count(*) n "
        "from nba_predictions.player_prop_predictions where has_prop_line group by all) group by 1"
    )
    assert dict(lines) == {True: 5, False: 1}
    reruns = season.one(
        "select max(game_date) from (select game_date, system_id, player_lookup, current_points_line "
        "from nba_predictions.player_prop_predictions group by all having count(*) > 1)"
    )
    assert reruns < date(2025, 12, 29)
    late = next(r["game_date"] for r in season.truth["incidents"] if r["kind"] == "phase_late")
    hours = season.query(
        "select min(strftime(timezone('America/New_York', created_at::timestamptz), '%H:%M')), "
        "max(strftime(timezone('America/New_York', created_at::timestamptz), '%H:%M')) "
        f"from nba_predictions.player_prop_predictions where game_date <> date '{late}'"
    )[0]
    assert hours[0] >= "11:30" and hours[1] <= "12:59"  # before the 13:00 ET phase-5 deadline


def test_prediction_systems_only_within_their_valid_dates(season: Generated) -> None:
    ranges = {
        s: (lo, hi)
        for s, lo, hi in season.query(
            "select system_id, min(game_date), max(game_date) from nba_predictions.player_prop_predictions group by 1"
        )
    }
    for row in _seed("prediction_systems.csv"):
        if row["system_id"] not in ranges:
            continue
        lo, hi = ranges[row["system_id"]]
        if row["valid_from"]:
            assert lo >= date.fromisoformat(row["valid_from"]), row
        if row["valid_to"]:
            assert hi <= date.fromisoformat(row["valid_to"]), row
    assert {"catboost_v8", "catboost_v9", "catboost_v12", "ensemble_v1_1", "xgboost_v1"} <= set(
        ranges
    )


# ---------------------------------------------------------------------- completion state and events
def test_firestore_documents_by_phase_and_date(season: Generated) -> None:
    collections = dict(
        season.query(
            "select collection, max(document_id) from nba_orchestration.firestore_phase_snapshots group by 1"
        )
    )
    assert set(collections) == {
        "phase2_completion",
        "phase3_completion",
        "phase4_completion",
    }  # no phase 5
    assert collections["phase2_completion"] == "2026-02-10"
    docs = season.query(
        "select collection, document_id, data from nba_orchestration.firestore_phase_snapshots where data like '{\"%'"
    )
    for collection, document_id, data in docs:
        doc = json.loads(data)
        keys = [k for k in doc if not k.startswith("_")]
        assert doc["_completed_count"] == len(keys)
        if collection == "phase2_completion":
            assert doc["_triggered"] == (len(keys) >= 6) and all(
                k.startswith("p2_") == (document_id >= "2026-01-28") for k in keys
            )
        for key in keys:
            assert set(doc[key]) == {
                "completed_at",
                "correlation_id",
                "status",
                "record_count",
                "execution_id",
            }


def test_phase_completions_and_event_log_start_on_their_dates(season: Generated) -> None:
    spans = dict(
        (p, (lo, hi))
        for p, lo, hi in season.query(
            "select phase, min(game_date), max(game_date) from nba_orchestration.phase_completions group by 1"
        )
    )
    assert set(spans) == {"phase2", "phase3", "phase4"}
    assert all(lo == date(2026, 1, 23) for lo, _ in spans.values()) and spans["phase2"][1] == date(
        2026, 2, 10
    )
    assert (
        season.one(
            "select count(*) from (select phase, game_date, processor_name "
            "from nba_orchestration.phase_completions group by all having count(*) > 1)"
        )
        == 0
    )
    assert season.one(
        "select min(timestamp) from nba_orchestration.pipeline_event_log"
    ) >= datetime(2026, 1, 25, 5)
    phases = {
        p
        for (p,) in season.query("select distinct phase from nba_orchestration.pipeline_event_log")
    }
    assert {"phase_2", "phase_2_raw", "phase_3"} <= phases
