"""Promises the daily build keeps on hostile rows (daily.py: the runner's history build, hostile
rows in the real formats, then the daily build and the 10-minute dead-letter check, as the
schedules run them): nothing unseen, no dead letter hidden, closed lists closed, bounded pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.daily import BEFORE_HISTORY, HUGE, DailyHostile

SCRAPER = "nba_orchestration.scraper_execution_log"
EXECUTIONS = "nba_orchestration.processor_execution_log"
RUNS = "nba_reference.processor_run_history"
PHASES = "nba_orchestration.phase_completions"
PROPS = "nba_raw.bettingpros_player_points_props"
PREDICTIONS = "nba_predictions.player_prop_predictions"
SCHEDULE = "nba_raw.nbac_schedule"
BOX = "nba_analytics.player_game_summary"
DEAD = "nba_orchestration.pubsub_dead_letters"


def _reason(daily: DailyHostile, table: str, row_key: str) -> str | None:
    rows = daily.query(
        "select quarantine_reason from monitoring_intermediate.int_rows_quarantined "
        f"where source_table = '{table}' and row_key = '{row_key}'"
    )
    return rows[0][0] if rows else None


# -- every row accounted for ------------------------------------------------------------------
def test_the_daily_build_ran_as_a_daily_build(daily_hostile: DailyHostile) -> None:
    """The reference point: the morning's build read its window (not a history build)."""
    assert daily_hostile.first.exit_code in (0, 1, 2), daily_hostile.first.findings
    ((first_read,),) = daily_hostile.query(
        "select min(cast(triggered_at as date)) "
        "from monitoring_staging.stg_orchestration__processor_executions"
    )
    assert first_read > daily_hostile.as_of.date().replace(day=20)


def test_rows_in_equal_modelled_quarantined_and_outside_the_window_for_every_table(
    daily_hostile: DailyHostile,
) -> None:
    rows = daily_hostile.query(
        "select source_table, rows_in, rows_staged + rows_superseded + rows_quarantined "
        "+ rows_out_of_scope + rows_outside_window, rows_outside_window, is_reconciled "
        "from monitoring_intermediate.int_source_rows_reconciled"
    )
    assert len(rows) == 16
    outside = {}
    for table, rows_in, accounted, rows_outside, ok in rows:
        ((at_source,),) = daily_hostile.query(f"select count(*) from {table}")
        assert ok and rows_in == accounted == at_source, (table, rows_in, accounted, at_source)
        outside[table] = rows_outside
    # the daily window leaves the period's first days and every hostile date outside
    for table in (SCRAPER, EXECUTIONS, RUNS, PHASES, PROPS, PREDICTIONS, SCHEDULE, BOX):
        assert outside[table] > 0, table


def test_rows_outside_the_window_are_counted_by_reason(daily_hostile: DailyHostile) -> None:
    counted = {
        (table, reason): rows
        for table, reason, rows in daily_hostile.query(
            "select source_table, outside_reason, row_count "
            "from monitoring_intermediate.int_source_rows_outside_window"
        )
    }
    assert counted[(SCRAPER, "null_partition_key")] == 1
    assert counted[(EXECUTIONS, "null_partition_key")] == 1
    assert counted[(PHASES, "null_partition_key")] == 1
    for table in (EXECUTIONS, RUNS, PROPS, PREDICTIONS, SCHEDULE, BOX):
        assert counted[(table, "before_earliest_date")] == 1, table
    assert counted[(PROPS, "before_history_read")] == 1
    assert counted[(SCRAPER, "before_daily_window")] > 0


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        (SCRAPER, "null_partition_key"),
        (EXECUTIONS, "null_partition_key"),
        (PHASES, "null_partition_key"),
        (EXECUTIONS, "before_earliest_date"),
        (RUNS, "before_earliest_date"),
        (PROPS, "before_earliest_date"),
        (PREDICTIONS, "before_earliest_date"),
        (SCHEDULE, "before_earliest_date"),
        (BOX, "before_earliest_date"),
    ],
)
def test_rows_no_window_will_read_are_quarantine_findings_alerted_today(
    daily_hostile: DailyHostile, table: str, reason: str
) -> None:
    today = daily_hostile.as_of.date().isoformat()  # 18:00 UTC: the same ET date
    findings = [
        f
        for f in daily_hostile.daily.findings
        if f.check_name == "source_rows_quarantined" and f.target == table and f.game_date == today
    ]
    assert findings, [(f.check_name, f.target, f.game_date) for f in daily_hostile.daily.findings]
    reasons = {row.get("quarantine_reason") for f in findings for row in f.evidence}
    assert reason in reasons, reasons


def test_rows_older_than_the_history_read_are_counted_not_alerted(
    daily_hostile: DailyHostile,
) -> None:
    assert _reason(daily_hostile, PROPS, f"partition {BEFORE_HISTORY}") is None
    reasons = {
        r
        for (r,) in daily_hostile.query(
            "select distinct quarantine_reason from monitoring_intermediate.int_rows_quarantined "
            f"where source_table = '{PROPS}'"
        )
    }
    assert "before_history_read" not in reasons and "before_earliest_date" in reasons


# -- dead letters are never hidden ------------------------------------------------------------
def _dead_letter_rows(report: object) -> list[dict[str, object]]:
    return [
        row
        for f in report.findings  # type: ignore[attr-defined]
        if f.check_name == "dead_lettered_messages"
        for row in f.evidence
    ]


@pytest.mark.parametrize(
    ("message_id", "reason"),
    [
        ("hostile-dl-five", "non_numeric_delivery_count"),
        ("hostile-dl-array", "not_an_object"),
        ("hostile-dl-garbled", "unparseable_json"),
    ],
)
def test_an_unreadable_dead_letter_is_still_alerted_as_a_dead_letter(
    daily_hostile: DailyHostile, message_id: str, reason: str
) -> None:
    for report in (daily_hostile.daily, daily_hostile.check):
        rows = [r for r in _dead_letter_rows(report) if r.get("message_id") == message_id]
        assert len(rows) == 1, _dead_letter_rows(report)
        assert rows[0]["quarantine_reason"] == reason
        assert rows[0]["original_topic"] == "nba-phase3-trigger"
    assert _reason(daily_hostile, DEAD, message_id) == reason  # and counted as quarantined


def test_a_message_in_two_dead_letter_subscriptions_is_one_alert_row(
    daily_hostile: DailyHostile,
) -> None:
    for report in (daily_hostile.daily, daily_hostile.check):
        rows = [r for r in _dead_letter_rows(report) if r.get("message_id") == "hostile-dl-twin"]
        assert len(rows) == 1, rows


@pytest.mark.parametrize("message_id", ["hostile-dl-dup", "hostile-dl-twin"])
def test_a_duplicated_dead_letter_is_one_row_of_the_mart(
    daily_hostile: DailyHostile, message_id: str
) -> None:
    """A replayed message (dead-lettered again days later, once before the window) and a message
    in two dead-letter subscriptions are one dead letter each: its first dead-lettering."""
    assert (
        daily_hostile.query(
            "select count(*), min(cast(dead_lettered_at as date)) from monitoring.fct_dead_letters "
            f"where message_id = '{message_id}'"
        )[0][0]
        == 1
    )


def test_no_row_skips_a_node_of_the_daily_build_or_the_dead_letter_check(
    daily_hostile: DailyHostile,
) -> None:
    for results in (daily_hostile.daily_results, daily_hostile.check_results):
        broken = [
            (r["unique_id"], r["status"])
            for r in results["results"]
            if r["status"] in ("error", "skipped")
        ]
        assert broken == []
    assert not [f for f in daily_hostile.daily.findings if f.source == "monitor"]
    assert not [f for f in daily_hostile.check.findings if f.source == "monitor"]
    ran = {r["unique_id"].split(".")[2] for r in daily_hostile.check_results["results"]}
    assert {"fct_dead_letters", "dead_lettered_messages"} <= ran


# -- closed lists where the contract lists values ---------------------------------------------
@pytest.mark.parametrize(
    ("table", "row_key", "reason"),
    [
        (RUNS, "hostile-run-magic", "unknown_phase"),
        (SCRAPER, "hostile-source-nobody", "unknown_source"),
        (EXECUTIONS, "hostile-trigger-pigeon", "unknown_trigger_source"),
        (SCRAPER, "hostile-summary-array", "not_an_object"),
        (DEAD, "hostile-dl-array", "not_an_object"),
    ],
)
def test_a_value_outside_the_contract_s_list_is_quarantined(
    daily_hostile: DailyHostile, table: str, row_key: str, reason: str
) -> None:
    assert _reason(daily_hostile, table, row_key) == reason


@pytest.mark.parametrize(
    ("table", "column", "value", "reason"),
    [
        (SCHEDULE, "data_source", "fax", "unknown_data_source"),
        (PROPS, "bet_side", "sideways", "unknown_bet_side"),
        (BOX, "primary_source_used", "espn_guess", "unknown_primary_source_used"),
    ],
)
def test_every_column_the_fact_sheet_enumerates_is_closed(
    daily_hostile: DailyHostile, table: str, column: str, value: str, reason: str
) -> None:
    reasons = {
        r
        for (r,) in daily_hostile.query(
            "select quarantine_reason from monitoring_intermediate.int_rows_quarantined "
            f"where source_table = '{table}'"
        )
    }
    assert reason in reasons, (column, value, reasons)


# -- size caps on everything a person reads ---------------------------------------------------
def test_a_1_mb_error_message_makes_a_report_under_1_mb_and_show_has_it_whole(
    daily_hostile: DailyHostile,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipemon import cli

    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(daily_hostile.warehouse))
    out = tmp_path / "report.html"
    as_of = (daily_hostile.as_of).strftime("%Y-%m-%d %H:%M:%S")
    assert cli.main(["report", "--out", str(out), "--as-of", as_of]) == 0
    page = out.read_text()
    assert len(page.encode()) < 1_000_000
    assert "truncated" in page and "E" * 400 in page  # the message is there, cut with a marker
    capsys.readouterr()
    huge = [
        f
        for f in daily_hostile.daily.findings
        if any(HUGE in str(v) for row in f.evidence for v in row.values())
    ]
    assert huge, "the failure with the 1 MB message was not alerted"
    ids = [
        i
        for (i,) in daily_hostile.query(
            "select distinct incident_id from monitoring.incident_events "
            f"where test_name = '{huge[0].check_name}' and target = '{huge[0].target}'"
        )
    ]
    assert ids
    assert cli.main(["show", ids[0]]) == 0
    assert HUGE in capsys.readouterr().out
