"""Promises the staging layer keeps against hostile rows (real dbt on DuckDB, one build).

Each test names a hostile row injected by `conftest.HOSTILE` and asserts what became of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.season import HostileSeason

SCRAPER = "nba_orchestration.scraper_execution_log"
RUNS = "nba_reference.processor_run_history"
HEALTH = "nba_orchestration.service_health_checks"
DEAD = "nba_orchestration.pubsub_dead_letters"
FIRESTORE = "nba_orchestration.firestore_phase_snapshots"
PROPS = "nba_raw.bettingpros_player_points_props"
DEPS = "nba_orchestration.dependency_check_log"
PHASES = "nba_orchestration.phase_completions"
EVENTS = "nba_orchestration.pipeline_event_log"
PREDICTIONS = "nba_predictions.player_prop_predictions"
FEATURES = "nba_predictions.ml_feature_store_v2"
BOX = "nba_analytics.player_game_summary"
SCHEDULE = "nba_raw.nbac_schedule"
STAGING = Path(__file__).resolve().parents[3] / "models" / "staging"
EXECUTIONS = "nba_orchestration.processor_execution_log"
DAY = "2026-01-27"


@pytest.mark.parametrize(
    ("table", "row_key", "reason"),
    [
        # a row from the future cannot push incremental bounds or freshness past today
        (SCRAPER, "hostile-future", "future_timestamp"),
        (RUNS, "hostile-run-future", "future_timestamp"),
        (HEALTH, "hostile-health-future@2099-01-01 00:00:00", "future_timestamp"),
        (DEAD, "hostile-dl-future", "future_timestamp"),
        (FIRESTORE, "phase3_completion/2026-01-13@2099-01-01 00:00:00", "future_timestamp"),
        (PROPS, "2026-01-27:hostilefuture:BetMGM", "future_timestamp"),
        # text where a number is expected is quarantined by name, never an error downstream
        (SCRAPER, "hostile-record-count-text", "non_numeric_record_count"),
        (DEAD, "hostile-dl-count-text", "non_numeric_delivery_count"),
        (
            FIRESTORE,
            "phase3_completion/2026-01-12@2026-01-12 22:00:00",
            "non_numeric_completed_count",
        ),
        # a blank key is a missing key
        (SCRAPER, "hostile-blank-name", "null_key"),
        (SCRAPER, "hostile-empty-source", "null_key"),
        (RUNS, "hostile-run-blank-id", "null_key"),
        (HEALTH, "  @2026-01-27 12:00:00", "null_key"),
        (PROPS, "2026-01-27::BetMGM", "null_key"),
        # NaN and infinity are not measurements
        (SCRAPER, "hostile-nan-duration", "non_finite_number"),
        (SCRAPER, "hostile-inf-duration", "non_finite_number"),
        (RUNS, "hostile-run-negative-inf", "non_finite_number"),
        (HEALTH, "hostile-health-nan@2026-01-27 12:00:00", "non_finite_number"),
        (PROPS, "2026-01-27:hostilenan:BetMGM", "non_finite_number"),
        (PROPS, "2026-01-27:hostileinf:BetMGM", "non_finite_number"),
        # a Firestore document that is not an object is not a phase state
        (FIRESTORE, "phase3_completion/2026-01-10@2026-01-10 22:00:00", "not_an_object"),
        (FIRESTORE, "phase3_completion/2026-01-11@2026-01-11 22:00:00", "not_an_object"),
        # values outside the contract's sets and rows that contradict themselves
        (SCRAPER, "hostile-unknown-status", "unknown_status"),
        (SCRAPER, "hostile-completed-first", "completed_before_triggered"),
        (SCRAPER, "hostile-negative-duration", "negative_duration"),
        (RUNS, "hostile-run-conflict", "conflicting_duplicate"),
        (RUNS, "hostile-run-unknown-status", "unknown_status"),
        (DEPS, "hostile-dep-maybe", "unknown_status"),
        (DEPS, "hostile-dep-future", "future_timestamp"),
        (PHASES, "phase9:2026-01-27:hostile_processor", "unknown_phase"),
        (PHASES, "phase3:2026-01-27:hostile_future_processor", "future_timestamp"),
        (EVENTS, "hostile-event-no-type", "null_key"),
        (EVENTS, "hostile-event-future", "future_timestamp"),
        (DEAD, "hostile-dl-not-json", "unparseable_json"),
        (FIRESTORE, "phase9_completion/2026-01-15@2026-01-15 22:00:00", "unknown_collection"),
        (FIRESTORE, "phase3_completion/2026-01-16@2026-01-16 22:00:00", "unparseable_json"),
        (PREDICTIONS, "hostile-pred-maybe", "unknown_recommendation"),
        (PREDICTIONS, "hostile-pred-future", "future_timestamp"),
        (FEATURES, "hostile-game-score:hostileplayer", "score_out_of_range"),
        (FEATURES, "hostile-game-source:hostileplayer", "unknown_data_source"),
        (BOX, "hostile-game-negative:hostileplayer", "negative_value"),
        (BOX, "hostile-game-future:hostileplayer", "future_timestamp"),
        (SCHEDULE, "hostile-game-status:2026-01-27", "unknown_status"),
        (PROPS, "2026-01-27:hostilenegative:BetMGM", "negative_line"),
        # a date years away from every season of var `seasons` is a broken row
        (SCRAPER, "hostile-epoch-date", "outside_season"),
        (SCRAPER, "hostile-opts-2099", "outside_season"),
        (RUNS, "hostile-run-2099", "outside_season"),
        (SCHEDULE, "hostile-game-2099:2099-10-20", "outside_season"),
        (PROPS, "2099-01-27:hostile2099:BetMGM", "outside_season"),
        # a run of 30 days is not a run
        (RUNS, "hostile-run-30-days", "absurd_duration"),
        (SCRAPER, "hostile-scrape-30-days", "absurd_duration"),
        (EXECUTIONS, "hostile-exec-30-days", "absurd_duration"),
    ],
)
def test_hostile_row_is_quarantined_with_its_reason(
    hostile: HostileSeason, table: str, row_key: str, reason: str
) -> None:
    assert hostile.reason(table, row_key) == reason


def test_a_well_formed_neighbour_is_accepted(hostile: HostileSeason) -> None:
    assert hostile.reason(DEAD, "hostile-dl-ok") is None
    rows = hostile.query(
        "select delivery_count from monitoring_staging.stg_orchestration__dead_letters "
        "where message_id = 'hostile-dl-ok'"
    )
    assert rows == [(5,)]


def test_every_model_built_despite_the_hostile_rows(hostile: HostileSeason) -> None:
    broken = hostile.season.results_with_status("error", "skipped")
    assert broken == [], [r["unique_id"] for r in broken]


def test_rows_in_equal_modeled_plus_quarantined_for_every_table(hostile: HostileSeason) -> None:
    rows = hostile.query(
        "select source_table, rows_in, rows_staged + rows_superseded + rows_quarantined "
        "+ rows_out_of_scope, is_reconciled "
        "from monitoring_intermediate.int_source_rows_reconciled"
    )
    assert len(rows) == 16
    for table, rows_in, accounted, ok in rows:
        assert ok and rows_in == accounted == hostile.season.generated_counts[table], table


def test_future_rows_do_not_make_a_table_look_fresh(hostile: HostileSeason) -> None:
    (latest,) = hostile.query(
        "select max(triggered_at) from monitoring_staging.stg_orchestration__scraper_executions"
    )[0]
    assert latest.year == 2026


def test_every_quarantined_row_reaches_one_alert_per_day_and_table(
    hostile: HostileSeason,
) -> None:
    failing = {
        (target, day)
        for name, day, target in hostile.season.failing_rows()
        if name.startswith("alert_when_source_rows_quarantined")
        or "source_rows_quarantined" in name
    }
    tables = {table for table, _ in failing}
    assert {SCRAPER, RUNS, HEALTH, DEAD, PROPS} <= tables, failing


def test_an_out_of_order_firestore_create_never_rolls_the_phase_back(
    hostile: HostileSeason,
) -> None:
    rows = hostile.query(
        "select completed_count, is_triggered from "
        "monitoring_staging.stg_orchestration__firestore_phase_documents "
        "where phase_document_id = 'phase3_completion/2026-01-14'"
    )
    assert rows == [(5, True)]


def test_a_final_game_never_goes_back_to_scheduled(hostile: HostileSeason) -> None:
    (finals_before,) = hostile.query(
        "select count(*) from nba_raw.nbac_schedule "
        "where game_date = '2026-01-27' and game_status = 3"
    )[0]
    (finals_after,) = hostile.query(
        "select count(*) from monitoring_staging.stg_raw__games "
        "where game_date = '2026-01-27' and is_final"
    )[0]
    assert finals_before > 0 and finals_after == finals_before


def test_sql_in_a_name_is_staged_as_text_and_executes_nothing(hostile: HostileSeason) -> None:
    assert hostile.reason(SCRAPER, "hostile-sql'; drop table nba_raw.nbac_schedule; --") is None
    rows = hostile.query(
        "select execution_id from "
        "monitoring_staging.stg_orchestration__scraper_executions "
        "where execution_id like 'hostile-sql%'"
    )
    assert len(rows) == 1
    assert hostile.query("select count(*) from nba_raw.nbac_schedule")[0][0] > 0


def test_a_quarantined_row_dated_in_the_future_is_alerted_on_as_of_s_date(
    hostile: HostileSeason,
) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    as_of = dt.datetime.fromisoformat(hostile.season.truth["as_of"]).replace(tzinfo=dt.UTC)
    today = as_of.astimezone(ZoneInfo("America/New_York")).date()
    rows = hostile.query(
        "select event_date from monitoring.source_quarantine_daily "
        f"where source_table = '{HEALTH}' and quarantine_reason = 'future_timestamp'"
    )
    assert rows == [(today,)]
    alerted = {
        (target, day)
        for name, day, target in hostile.season.failing_rows()
        if "source_rows_quarantined" in name
    }
    assert (HEALTH, today.isoformat()) in alerted


@pytest.mark.parametrize("execution_id", ["edge-day-before-opening-night", "edge-finals-date"])
def test_a_date_at_a_season_s_edge_is_accepted(hostile: HostileSeason, execution_id: str) -> None:
    """The day before opening night (the schedule scrape) and a Finals date are in the season."""
    assert hostile.reason(SCRAPER, execution_id) is None
    rows = hostile.query(
        "select count(*) from monitoring_staging.stg_orchestration__scraper_executions "
        f"where execution_id = '{execution_id}'"
    )
    assert rows == [(1,)]


def _contract_enumerations() -> dict[tuple[str, str], dict[str, list[object]]]:
    """{(source, table): {column: accepted values}} as the source YAML declares them."""
    import yaml

    out: dict[tuple[str, str], dict[str, list[object]]] = {}
    for path in STAGING.glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                for column in table.get("columns", []):
                    values = (column.get("meta") or {}).get("accepted_values")
                    if values:
                        key = (source["name"], table["name"])
                        out.setdefault(key, {})[column["name"]] = values
    return out


def test_every_enumeration_is_read_from_the_source_yaml(hostile: HostileSeason) -> None:
    """The staging SQL holds no hand-written value lists; what it compiles to is the YAML's."""
    import re

    enumerations = _contract_enumerations()
    assert len(enumerations) >= 9
    for path in STAGING.glob("*/base_*.sql"):
        text = path.read_text()
        assert "accepted={" not in text and not re.search(r"not in \(\s*['0-9]", text), path
    compiled = {
        r["unique_id"].split(".")[-1]: r.get("compiled_code") or ""
        for r in hostile.season.run_results["results"]
        if r["unique_id"].startswith("model.pipemon.base_")
    }
    for (source, table), columns in enumerations.items():
        sql = next(
            code
            for code in compiled.values()
            if re.search(rf"\b{re.escape(table)}\b", code) and "quarantine_reason" in code
        )
        for column, values in columns.items():
            rendered = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
            assert f"{column} not in ({rendered})" in sql, (source, table, column)


def test_an_unregistered_processor_is_surfaced_not_dropped(hostile: HostileSeason) -> None:
    assert hostile.reason(EXECUTIONS, "hostile-exec-unregistered") is None
    rows = hostile.query(
        "select is_registered, final_status, attempts from monitoring.processor_daily_outcomes "
        f"where processor_name = 'hostile_unregistered_processor' and data_date = '{DAY}'"
    )
    assert rows == [(False, "failed", 1)]
    alerted = {
        (name, day, target)
        for name, day, target in hostile.season.failing_rows()
        if name.startswith("alert_when_unregistered_processor_ran")
        or name == "unregistered_processor_ran"
    }
    assert {(day, target) for _, day, target in alerted} == {
        (DAY, "hostile_unregistered_processor")
    }
