"""Staging on a generated season: counts, dedupe, quarantine, ET dates (real dbt on DuckDB)."""

from __future__ import annotations

from collections import Counter

from pipemon.generator.build import MALFORMED_EXPECTED


def test_every_contract_table_received_rows(incident_season) -> None:
    counts = incident_season.generated_counts
    assert len(counts) == 12
    for table, count in counts.items():
        assert count > 0, table
        (in_table,) = incident_season.query(f"select count(*) from {table}")[0]
        assert in_table == count, table


def test_rows_in_equal_staged_plus_superseded_plus_quarantined(incident_season) -> None:
    rows = incident_season.query(
        "select source_table, rows_in, rows_staged, rows_superseded, rows_quarantined, is_reconciled "
        "from monitoring_intermediate.int_source_rows_reconciled"
    )
    assert len(rows) == 12
    generated = incident_season.generated_counts
    for table, rows_in, staged, superseded, quarantined, ok in rows:
        assert ok and rows_in == staged + superseded + quarantined, table
        assert rows_in == generated[table], table


def test_each_malformed_kind_is_quarantined_with_its_reason(incident_season) -> None:
    found: dict[str, Counter[str]] = {}
    for table, reason, count in incident_season.query(
        "select source_table, quarantine_reason, count(*) from "
        "monitoring_intermediate.int_rows_quarantined group by 1, 2"
    ):
        found.setdefault(table, Counter())[reason] = count
    assert {t: dict(c) for t, c in found.items()} == MALFORMED_EXPECTED


def test_clean_season_quarantines_nothing(clean_season) -> None:
    assert clean_season.query(
        "select count(*) from monitoring_intermediate.int_rows_quarantined"
    ) == [(0,)]


def test_duplicates_are_resolved_latest_row_wins(incident_season) -> None:
    # several schedule snapshots per game: one staged game each, the final one
    (games, distinct_ids, finals) = incident_season.query(
        "select count(*), count(distinct game_id), count(case when game_status = 3 then 1 end) "
        "from monitoring_staging.stg_raw__games"
    )[0]
    (snapshots,) = incident_season.query("select count(*) from nba_raw.nbac_schedule")[0]
    assert games == distinct_ids and snapshots > 2 * games
    assert finals >= games - 20  # all but the last day's games are final
    # run history: `running` row then final row -> one finished run per run_id
    running = incident_season.query(
        "select count(*) from monitoring_staging.stg_reference__processor_runs where status = 'running'"
    )
    assert running == [(0,)]
    # redelivered messages keep every execution (distinct ids), not collapsed
    (redelivered,) = incident_season.query(
        "select count(*) from monitoring.fct_processor_executions where delivery_attempt > 1"
    )[0]
    assert redelivered > 20


def test_conflicting_duplicate_is_quarantined_not_guessed(incident_season) -> None:
    rows = incident_season.query(
        "select execution_id, status from nba_orchestration.processor_execution_log "
        "where execution_id in (select row_key from monitoring_intermediate.int_rows_quarantined "
        "where quarantine_reason = 'conflicting_duplicate')"
    )
    assert sorted(status for _, status in rows) == ["failed", "success"]
    staged = incident_season.query(
        f"select count(*) from monitoring_staging.stg_orchestration__processor_executions "
        f"where execution_id = '{rows[0][0]}'"
    )
    assert staged == [(0,)]


def test_late_west_coast_game_keeps_its_et_game_date(incident_season) -> None:
    rows = incident_season.query(
        "select g.game_id, g.game_date, g.tip_off_date_et, cast(g.tip_off_at as date), "
        "min(b.processed_at) "
        "from monitoring_staging.stg_raw__games as g "
        "join monitoring_staging.stg_analytics__player_game_summaries as b using (game_id) "
        "where g.home_team_tricode in ('LAL', 'GSW', 'SAC', 'POR', 'LAC') "
        "group by all limit 20"
    )
    assert rows
    for game_id, game_date, et_date, utc_date, processed in rows:
        assert game_date == et_date, game_id
        assert utc_date > game_date, game_id  # tip-off is already the next day in UTC
        assert processed.date() > game_date  # box scores land after midnight


def test_dead_letter_attributes_and_payload_are_parsed(incident_season) -> None:
    rows = incident_season.query(
        "select processor_name, delivery_count, original_topic, source_subscription, data_date "
        "from monitoring_staging.stg_orchestration__dead_letters order by 1"
    )
    assert rows
    for processor, count, topic, subscription, data_date in rows:
        assert processor and count == 5 and topic.startswith("nba-phase")
        assert subscription.endswith(f"{topic}-sub") and data_date is not None
