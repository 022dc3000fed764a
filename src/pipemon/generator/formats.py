"""The dates the real pipeline changed what it writes (REAL_PIPELINE.md), in one place.

Each constant is the first ET date the new format holds (`*_FROM`) or the last date the old
one did (`*_UNTIL`); the writers compare a row's date against them and nothing else.
"""

from __future__ import annotations

from datetime import date

# nbac_schedule
SCHEDULE_TIP_TIMES_FROM = date(2025, 12, 23)  # game_date_est holds the ET tip (midnight before)
SCHEDULE_MERGE_FROM = date(2026, 1, 11)  # no conflicting duplicate rows from here
# scraper_execution_log
SCRAPER_GAME_DATE_FROM = date(2026, 1, 2)  # the game_date column exists
SCRAPER_PARTIAL_FROM = date(2026, 1, 16)  # status `partial`
SCRAPER_LOG_RETENTION_DAYS = 90  # partition expiration
# betting_lines starts 12 h (not 6 h) before the first tip: changed on 2026-01-26 at 11:00 ET,
# after that day's window had been planned at 6 h (the false alarm), so in force from the 27th
PROPS_WINDOW_12H_FROM = date(2026, 1, 27)
# processor_run_history
STALE_CLEANUP_FROM = date(2026, 1, 12)  # running > 4 h rewritten to failed with an errors object
FAILURE_CATEGORY_FROM = date(2026, 1, 13)  # failure_category column
PUBSUB_TRIGGER_FROM = date(2026, 1, 13)  # trigger_source pubsub + trigger_message_id
STALE_HEARTBEAT_FROM = date(2026, 1, 23)  # cleanup rows carry failure_category STALE_HEARTBEAT
MLB_FROM = date(2026, 1, 7)  # Mlb*Processor rows
# logs and completion state
EVENT_LOG_FROM = date(2026, 1, 25)  # pipeline_event_log
PHASE_COMPLETIONS_FROM = date(2026, 1, 23)  # BigQuery dual-write of the Firestore state
P2_PREFIX_FROM = date(2026, 1, 28)  # phase-2 completion keys prefixed `p2_`
DLQ_MONITOR_FROM = date(2026, 1, 25)  # `-dlq-monitor` subscriptions (`-dlq-sub` before)
# player_game_summary
PGS_SCHEDULE_IDS = (date(2025, 12, 28), date(2025, 12, 30))  # the gamebook wrote 10-digit ids
# ml_feature_store_v2 and player_prop_predictions
FEATURES_V2_FROM = date(2026, 1, 9)  # v2_33features
DATE_GAME_IDS_FROM = date(2026, 1, 18)  # same-day game_id YYYYMMDD_AWAY_HOME (10-digit before)
CONFIDENCE_0_1 = (date(2025, 12, 10), date(2026, 1, 29))  # confidence stored 0-1
PREDICTION_MERGE_FROM = date(2025, 12, 29)  # reruns no longer append duplicates
MULTI_LINE_UNTIL = date(2026, 2, 9)  # up to 5 line rows per player and system

FEATURE_VERSIONS = {"v1_baseline_25": 25, "v2_33features": 33}


def feature_version(day: date) -> str:
    return "v2_33features" if day >= FEATURES_V2_FROM else "v1_baseline_25"


def confidence_is_fraction(day: date) -> bool:
    return CONFIDENCE_0_1[0] <= day <= CONFIDENCE_0_1[1]


def pgs_uses_schedule_id(day: date) -> bool:
    return PGS_SCHEDULE_IDS[0] <= day <= PGS_SCHEDULE_IDS[1]
