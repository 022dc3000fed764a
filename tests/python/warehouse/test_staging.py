"""Staging on a generated season in the real formats: counts, dedupe, quarantine, the game key,
ET dates and the real quirks (real dbt on DuckDB)."""

from __future__ import annotations

from collections import Counter

from pipemon.generator.build import malformed_expected

PLANNED = {
    "nba_orchestration.processor_execution_log",
    "nba_orchestration.dependency_check_log",
    "nba_orchestration.pubsub_dead_letters",
}


# The declared-halt tables exist from 2026-05-09 (REAL_PIPELINE.md section 6): a regular season
# has none of their rows (the generated year has them: tests/python/test_generator_year.py).
WRITTEN_AFTER_THE_REGULAR_SEASON = {
    "nba_orchestration.halt_state",
    "nba_orchestration.halt_overrides",
}


def test_every_contract_table_received_rows(incident_season) -> None:
    counts = incident_season.generated_counts
    assert len(counts) == 16
    for table, count in counts.items():
        if table in WRITTEN_AFTER_THE_REGULAR_SEASON:
            assert count == 0, table
            continue
        assert count > 0, table
        (in_table,) = incident_season.query(f"select count(*) from {table}")[0]
        assert in_table == count, table


def test_rows_in_equal_staged_plus_superseded_plus_quarantined(incident_season) -> None:
    rows = incident_season.query(
        "select source_table, rows_in, rows_staged, rows_superseded, rows_quarantined, "
        "rows_out_of_scope, is_reconciled from monitoring_intermediate.int_source_rows_reconciled"
    )
    assert len(rows) == 16
    generated = incident_season.generated_counts
    for table, rows_in, staged, superseded, quarantined, out_of_scope, ok in rows:
        assert ok and rows_in == staged + superseded + quarantined + out_of_scope, table
        assert rows_in == generated[table], table
    scoped = {table: n for table, *_, n, _ in rows if n}
    # other markets of the props table are counted, not dropped
    assert set(scoped) == {"nba_raw.bettingpros_player_points_props"}


def test_reconciliation_holds_without_the_planned_tables(existing_incident_season) -> None:
    rows = existing_incident_season.query(
        "select source_table, rows_in, rows_staged + rows_superseded + rows_quarantined "
        "+ rows_out_of_scope, is_reconciled "
        "from monitoring_intermediate.int_source_rows_reconciled"
    )
    generated = existing_incident_season.generated_counts
    assert PLANNED.isdisjoint(generated)
    for table, rows_in, accounted, ok in rows:
        assert ok and rows_in == accounted == generated.get(table, 0), table


def test_each_malformed_kind_is_quarantined_with_its_reason(incident_season) -> None:
    found: dict[str, Counter[str]] = {}
    for table, reason, count in incident_season.query(
        "select source_table, quarantine_reason, count(*) from "
        "monitoring_intermediate.int_rows_quarantined group by 1, 2"
    ):
        found.setdefault(table, Counter())[reason] = count
    assert {t: dict(c) for t, c in found.items()} == malformed_expected("planned")


def test_clean_season_quarantines_nothing(clean_season) -> None:
    assert clean_season.query(
        "select count(*) from monitoring_intermediate.int_rows_quarantined"
    ) == [(0,)]


def test_schedule_is_one_game_per_id_and_date_and_the_reused_id_is_postponed(
    clean_season,
) -> None:
    (games, keys, id_dates, ids) = clean_season.query(
        "select count(*), count(distinct game_key), count(distinct game_id || game_date), "
        "count(distinct game_id) from monitoring_staging.stg_raw__games"
    )[0]
    assert games == keys == id_dates and ids < games  # an id reused after a postponement
    postponed = clean_season.query(
        "select game_id, cast(game_date as varchar) from monitoring_staging.stg_raw__games "
        "where is_postponed"
    )
    truth_ids = {p["game_id"] for p in clean_season.truth["postponements"]}
    assert {game_id for game_id, _ in postponed} == truth_ids
    # duplicates with a conflicting status (before the MERGE) resolve to the latest load
    (rows,) = clean_season.query("select count(*) from nba_raw.nbac_schedule")[0]
    assert rows > games


def test_run_history_latest_row_wins_and_stuck_runs_are_not_errors(clean_season) -> None:
    (finished, running_left, cleaned, failures) = clean_season.query(
        "select count(case when is_finished then 1 end), "
        "count(case when status = 'running' then 1 end), "
        "count(case when is_cleanup_rewrite then 1 end), count(case when is_failure then 1 end) "
        "from monitoring_staging.stg_reference__processor_runs where sport = 'nba'"
    )[0]
    assert finished > 5000
    # crashed runs: left running before the cleanup job (2026-01-12), rewritten after it
    assert running_left > 0 and cleaned > 0
    (mlb,) = clean_season.query(
        "select count(*) from monitoring_staging.stg_reference__processor_runs where sport = 'mlb'"
    )[0]
    assert mlb > 0
    # no MLB processor and no stuck run reaches an outcome
    outcomes = clean_season.query(
        "select count(*), count(case when processor_name like 'mlb%' then 1 end) "
        "from monitoring.processor_daily_outcomes where is_failed or is_missing"
    )
    assert outcomes == [(0, 0)]
    assert failures >= 0


def test_box_scores_join_the_schedule_on_the_game_key_in_both_id_formats(clean_season) -> None:
    rows = clean_season.query(
        "select cast(game_date as varchar), count(*), count(case when box_score_players > 0 then 1 end) "
        "from monitoring.game_data_coverage where is_final "
        "and game_date between '2025-12-26' and '2025-12-31' group by 1 order by 1"
    )
    assert rows
    # 2025-12-28..30 carry the schedule's 10-digit id, the other days YYYYMMDD_AWAY_HOME
    for game_date, finals, with_box_scores in rows:
        assert finals == with_box_scores, game_date


def test_props_are_points_lines_one_per_player_and_bookmaker(clean_season) -> None:
    (rows, markets, sides) = clean_season.query(
        "select count(*), count(distinct market_type), count(distinct bet_side) "
        "from nba_raw.bettingpros_player_points_props"
    )[0]
    assert markets > 1 and sides == 2
    (lines, distinct_lines) = clean_season.query(
        "select count(*), count(distinct prop_line_id) "
        "from monitoring_staging.stg_raw__player_points_props"
    )[0]
    assert lines == distinct_lines and lines * 2 < rows


def test_confidence_is_on_one_scale_and_no_line_players_are_not_expected(clean_season) -> None:
    (low, high) = clean_season.query(
        "select min(confidence_score), max(confidence_score) "
        "from monitoring_staging.stg_predictions__player_prop_predictions "
        "where recommendation <> 'NO_LINE'"
    )[0]
    assert low > 1 and high <= 100
    rescaled = clean_season.query(
        "select min(cast(game_date as varchar)), max(cast(game_date as varchar)) "
        "from monitoring_staging.stg_predictions__player_prop_predictions "
        "where is_confidence_rescaled"
    )
    assert rescaled == [("2025-12-10", "2026-01-29")]
    # players without a line (NO_LINE) are predicted but never count as missing (bootstrap days,
    # when phase 5 may be empty, are relaxed)
    (no_line_players,) = clean_season.query(
        "select count(*) from monitoring_intermediate.int_player_lines_predicted "
        "where not has_line and is_predicted"
    )[0]
    assert no_line_players > 1000
    assert clean_season.query(
        "select count(*) from monitoring.daily_data_quality "
        "where players_without_prediction > 0 and not is_bootstrap"
    ) == [(0,)]


def test_systems_are_expected_only_on_their_dates(clean_season) -> None:
    rows = dict(
        clean_season.query(
            "select system_id, min(cast(game_date as varchar)) || '..' || max(cast(game_date as varchar)) "
            "from monitoring.prediction_system_coverage group by 1"
        )
    )
    assert rows["catboost_v8"].startswith("2026-01-08") and rows["catboost_v8"].endswith(
        "2026-02-24"
    )
    assert rows["xgboost_v1"].endswith("..2026-01-07")
    assert rows["catboost_v12"].startswith("2026-02-19")  # first game day after the break


def test_late_west_coast_game_keeps_its_et_game_date(clean_season) -> None:
    rows = clean_season.query(
        "select g.game_key, g.game_date, cast(g.tip_off_at as date), min(b.processed_at) "
        "from monitoring_staging.stg_raw__games as g "
        "join monitoring_staging.stg_analytics__player_game_summaries as b using (game_key) "
        "where g.home_team_tricode in ('LAL', 'GSW', 'SAC', 'POR', 'LAC') "
        "and not g.is_tip_off_placeholder group by all order by 1"
    )
    # The odd afternoon game (15:00 ET) tips off the same UTC day; the 22:00 ET games do not.
    late = [row for row in rows if row[2] > row[1]]
    assert len(late) >= 20, len(late)
    for game_key, game_date, *_ in rows:
        assert game_key.startswith(game_date.strftime("%Y%m%d")), game_key
    for game_key, game_date, _, processed in late:
        assert processed.date() > game_date, game_key  # box scores land after midnight


def test_dead_letter_attributes_and_payload_are_parsed(incident_season) -> None:
    # every readable one (an unreadable dead letter is staged too, with what could be read and
    # its quarantine reason, so that it is still alerted: tests/python/hostile)
    rows = incident_season.query(
        "select processor_name, delivery_count, original_topic, source_subscription, data_date "
        "from monitoring_staging.stg_orchestration__dead_letters "
        "where quarantine_reason is null order by 1"
    )
    assert rows
    for processor, count, topic, subscription, data_date in rows:
        assert processor and count == 5 and topic.startswith("nba-phase")
        assert subscription.endswith(f"{topic}-sub") and data_date is not None


def test_planned_tables_missing_are_reported_not_logged_yet(existing_clean_season) -> None:
    rows = dict(
        existing_clean_season.query(
            "select source_table, availability from monitoring.monitor_source_availability"
        )
    )
    assert {t for t, a in rows.items() if a == "not logged yet"} == PLANNED
    assert all(a == "logged" for t, a in rows.items() if t not in PLANNED)
