"""Rows written by the processor instrumentation are picked up by the marts and the alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipemon.instrument import DuckDBSink, track_execution


def test_a_failing_instrumented_processor_is_alerted_with_its_error(season_builder) -> None:
    # a quiet ten days, then one more phase-4 execution that raises, written by the helper
    season = season_builder("none", start="2025-12-01", days=10)
    assert season.results_with_status("fail", "warn", "error") == []
    sink = DuckDBSink(season.warehouse)
    moment = datetime(2025, 12, 9, 17, 30, tzinfo=UTC)  # 12:30 ET, after the same-day run

    def clock() -> datetime:
        return moment

    with (
        pytest.raises(RuntimeError, match="feature vector"),
        track_execution(
            "ml_feature_store",
            phase=4,
            data_date="2025-12-09",
            trigger_source="pubsub",
            pubsub_message_id="9000000000000001",
            sink=sink,
            clock=clock,
        ) as run,
    ):
        run.check_dependency(
            "nba_precompute.player_daily_cache", passed=False, partition="2025-12-09",
            row_count=0, error_message="partition empty", fallback_available=False,
        )  # fmt: skip
        moment += timedelta(seconds=42)
        raise RuntimeError("feature vector length 17, expected 25")
    execution_id = run.execution_row["execution_id"]

    rebuilt = season.rebuild()
    (status, error_type, message, failed_tables) = rebuilt.query(
        "select status, error_type, error_message, failed_dependency_tables "
        f"from monitoring.fct_processor_executions where execution_id = '{execution_id}'"
    )[0]
    assert (status, error_type) == ("failed", "RuntimeError")
    assert "feature vector length 17" in message
    assert failed_tables == "nba_precompute.player_daily_cache"
    outcome = rebuilt.query(
        "select final_status, last_error_type from monitoring.processor_daily_outcomes "
        "where processor_name = 'ml_feature_store' and data_date = '2025-12-09'"
    )
    assert outcome == [("failed", "RuntimeError")]
    assert (
        "processor_failed_after_retries",
        "2025-12-09",
        "ml_feature_store",
    ) in rebuilt.failing_rows()
