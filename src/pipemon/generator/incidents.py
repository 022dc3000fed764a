"""The catalogue of incidents the generator can inject, and where it puts them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class FirstRun:
    """When a documented incident starts to matter, and the scheduled run that must raise it.

    The data the incident kept from arriving was due `days` after the incident's first date at
    `due_et` (America/New_York); `why` says what was due then. The first firing at or after that
    moment of a schedule in deploy/schedules.yml whose selection runs one of `checks` (the
    `alert_when` tests that name the cause) is the run that catches it: `schedule` names it.
    """

    days: int
    due_et: str  # HH:MM
    schedule: str
    checks: tuple[str, ...]
    why: str
    # the targets of the first date that were due then (the rest later); empty: all of them
    targets: tuple[str, ...] = ()

    def due(self, first: date) -> datetime:
        """The naive ET wall-clock moment the incident starting on `first` matters."""
        hour, minute = (int(part) for part in self.due_et.split(":"))
        return datetime.combine(first + timedelta(days=self.days), time(hour, minute))


MORNING = "pipemon-morning-full"
PHASE_STATE = "pipemon-phase-state"
# The phase-4 processors of the registry, the targets the 12:00 ET deadline makes due.
PHASE4_PROCESSORS = (
    "team_defense_zone_analysis",
    "player_shot_zone_analysis",
    "player_composite_factors",
    "player_daily_cache",
    "ml_feature_store",
)


@dataclass(frozen=True)
class IncidentKind:
    kind: str
    target: str  # what the monitoring will name (processor, scraper, phase, table, service)
    summary: str
    needs_predictions: bool = False  # must fall after the bootstrap period
    needs_history: bool = False  # anomaly: needs comparable days before it
    needs_final_games: bool = True  # must fall before the last (in-progress) day
    min_games: int = 1  # fewest games the day must have
    # documented incidents of the real pipeline: the postmortem reproduced (a path in
    # najicham/nba-stats-scraper), the dates placed, and whether other kinds must keep off them
    postmortem: str | None = None
    first: date | None = None
    last: date | None = None
    exclusive: bool = True
    placement_note: str | None = None
    first_run: FirstRun | None = None  # documented incidents that alert: when they are caught

    @property
    def documented(self) -> bool:
        return self.postmortem is not None


CATALOGUE: tuple[IncidentKind, ...] = (
    IncidentKind(
        "missing_box_scores", "<game_id>", "two final games have no box scores", min_games=3
    ),
    IncidentKind("processor_failed", "nbac_injury_report", "all 5 deliveries failed"),
    IncidentKind(
        "missing_run_history", "team_offense_game_summary", "ran but wrote no run history"
    ),
    IncidentKind("processor_never_ran", "nbac_play_by_play", "registry processor never ran"),
    IncidentKind(
        "phase_late",
        "phase5",
        "predictions finished after the phase-5 deadline",
        True,
        False,
        False,
    ),
    IncidentKind("phase_not_triggered", "phase3", "phase 3 completed but never triggered phase 4"),
    IncidentKind(
        "dead_letters", "player_daily_cache", "trigger messages dead-lettered", True, False, False
    ),
    IncidentKind("redelivery_storm", "player_game_summary", "one message delivered 12 times"),
    IncidentKind(
        "predictions_missing_players",
        "nba_predictions.player_prop_predictions",
        "a third of the players with a line got no prediction",
        True,
        False,
        False,
    ),
    IncidentKind(
        "predictions_missing_system",
        "similarity_balanced_v1",
        "one prediction system wrote nothing",
        True,
        False,
        False,
    ),
    IncidentKind(
        "dependency_failure_spike",
        "nba_raw.bettingpros_player_points_props",
        "every check of one upstream table failed",
        True,
        True,
        False,
    ),
    IncidentKind(
        "fallback_spike",
        "player_game_summary",
        "most box scores came from the fallback",
        needs_history=True,
        min_games=6,
    ),
    IncidentKind(
        "processing_time_regression",
        "team_defense_game_summary",
        "one processor ran 6x slower",
        False,
        True,
    ),
    IncidentKind(
        "scraper_error_spike",
        "bp_player_props",
        "70% of one scraper's runs failed",
        needs_history=True,
        min_games=3,
    ),
    IncidentKind(
        "feature_store_degraded",
        "ml_feature_store",
        "feature quality and completeness dropped",
        True,
        False,
        False,
    ),
    IncidentKind(
        "log_table_stopped",
        "nba_orchestration.dependency_check_log",
        "the dependency log stopped receiving rows for the last two days",
    ),
    IncidentKind(
        "service_unhealthy", "nba-phase3-analytics-processors", "a service failed health checks"
    ),
    IncidentKind("malformed_rows", "<table>", "rows that break the source contract"),
)


def _doc(
    kind: str,
    target: str,
    summary: str,
    postmortem: str,
    first: date,
    last: date | None = None,
    *,
    exclusive: bool = True,
    note: str | None = None,
    first_run: FirstRun | None = None,
) -> IncidentKind:
    return IncidentKind(
        kind, target, summary, needs_final_games=False, postmortem=postmortem, first=first,
        last=last or first, exclusive=exclusive, placement_note=note, first_run=first_run,
    )  # fmt: skip


# The pipeline's documented incidents (REAL_PIPELINE.md section 4), on their real dates.
DOCUMENTED: tuple[IncidentKind, ...] = (
    _doc(
        "prop_data_gap",
        "nba_raw.bettingpros_player_points_props",
        "props never loaded for weeks: 0 lines, every prediction NO_LINE",
        "docs/08-projects/current/pipeline-reliability-improvements/2026-01-11-PROP-DATA-GAP-INCIDENT.md",
        date(2025, 10, 22),
        date(2025, 12, 19),
        first_run=FirstRun(
            0,
            "19:00",
            MORNING,
            ("phase_output_short_of_schedule", "processor_succeeded_with_zero_records"),
            "props are due for a game when its collection window closes at tip-off (the first "
            "tips of the evening)",
        ),
    ),
    _doc(
        "bdl_zero_records",
        "bdl_player_boxscores",
        "the BDL box-score processor (and scraper) logged success with 0 records for months",
        "docs/08-projects/current/daily-orchestration-tracking/INCIDENT-2026-01-14-BDL-ZERO-RECORDS.md",
        date(2025, 10, 21),
        date(2026, 1, 13),
        exclusive=False,
        note="the scraper log keeps 90 days: the scraper side is visible on 2026-01-13 only; the "
        "processor side in run history on every date",
        first_run=FirstRun(
            1,
            "06:00",
            MORNING,
            ("processor_succeeded_with_zero_records",),
            "phase 2's deadline: the box scores of the night's games, loaded after the 04:00 ET "
            "gamebook window",
        ),
    ),
    _doc(
        "schedule_stale_phase2_skipped",
        "nbac_schedule",
        "phase 2 silently skipped the schedule files (no gcs_path): the schedule went stale",
        "docs/09-handoff/archive/2025-12/2025-12-20-SESSION152-PIPELINE-DIAGNOSIS.md",
        date(2025, 12, 13),
        date(2025, 12, 19),
        first_run=FirstRun(
            1,
            "06:00",
            MORNING,
            ("registry_processor_never_ran",),
            "phase 2's deadline: the day's schedule load",
        ),
    ),
    _doc(
        "schedule_type_error",
        "nbac_schedule",
        "the schedule processor crashed with a TypeError on every run (the email flood)",
        "docs/00-orchestration/postmortems/2025-12-24-email-flood.md",
        date(2025, 12, 23),
        first_run=FirstRun(
            0,
            "16:20",
            MORNING,
            ("processor_failed_after_retries", "processor_repeated_failures_by_error_type"),
            "the day's last schedule load failed (runs from 06:10 to about 16:15 ET)",
        ),
    ),
    _doc(
        "team_boxscore_empty",
        "nbac_team_boxscore",
        "team box scores empty (processor success, 0 rows) while player box scores are fine",
        "docs/08-projects/current/team-boxscore-data-gap-incident/INCIDENT-REPORT-JAN-22-2026.md",
        date(2025, 12, 27),
        date(2026, 1, 21),
        exclusive=False,
        first_run=FirstRun(
            1,
            "06:00",
            MORNING,
            ("processor_succeeded_with_zero_records",),
            "phase 2's deadline: the team box scores of the night's games",
        ),
    ),
    _doc(
        "gamebook_partial",
        "nba_analytics.player_game_summary",
        "the gamebook resolver collected 1 game of the day and logged success",
        "docs/02-operations/postmortems/2025/GAMEBOOK-INCIDENT-POSTMORTEM.md",
        date(2025, 12, 27),
        first_run=FirstRun(
            1,
            "08:00",
            MORNING,
            ("missing_box_scores_for_final_games", "phase_output_short_of_schedule"),
            "phase 3's deadline: player box scores of the night's final games",
        ),
    ),
    _doc(
        "phase3_partial_phase4_404",
        "nba_predictions.ml_feature_store_v2",
        "phase 3 triggered 1 of its processors and phase 4 answered 404: no features",
        "docs/02-operations/postmortems/2025/2025-12-29-DAILY-ORCHESTRATION-POSTMORTEM.md",
        date(2025, 12, 29),
        first_run=FirstRun(
            0,
            "12:00",
            PHASE_STATE,
            ("processor_failed_after_retries", "phase_output_short_of_schedule"),
            "phase 4's deadline: the same-day features (the untriggered phase-3 context is due "
            "by phase 3's deadline, the next morning)",
            targets=(*PHASE4_PROCESSORS, "nba_predictions.ml_feature_store_v2"),
        ),
    ),
    _doc(
        "gamebook_scraper_blocked",
        "nbac_gamebook_player_stats",
        "the gamebook scraper was blocked (403) and wrote no log rows; nothing was processed",
        "docs/08-projects/current/pipeline-reliability-improvements/INCIDENT-2025-12-30-GAMEBOOK-FAILURE.md",
        date(2025, 12, 30),
        note="the scraper log rows of that date have expired by the season's end: the gap shows "
        "in run history and the box scores",
        first_run=FirstRun(
            1,
            "06:00",
            MORNING,
            ("registry_processor_never_ran",),
            "phase 2's deadline: the gamebooks of the night's games",
        ),
    ),
    _doc(
        "pgs_retry_storm",
        "player_game_summary",
        "a retry storm on games not yet played: hundreds of runs, most failed, many stuck running",
        "docs/incidents/2026-01-16-PLAYERGAMESUMMARY-RETRY-STORM.md",
        date(2026, 1, 16),
        note="scaled down from 7,139 runs to 160",
        first_run=FirstRun(
            0,
            "08:00",
            MORNING,
            ("processor_retry_storm", "redelivery_storm"),
            "a storm from 04:00 ET on games not yet played: by 08:00 its first crashed runs "
            "had been stuck running for stuck_running_hours (4)",
        ),
    ),
    _doc(
        "p3_p4_crash_no_rows",
        "player_game_summary",
        "phase 3 and 4 services crashed at start-up and wrote no row at all",
        "docs/08-projects/current/week-1-improvements/incidents/jan-20-21-healthchecker/INCIDENT-TIMELINE.md",
        date(2026, 1, 20),
        first_run=FirstRun(
            0,
            "12:00",
            PHASE_STATE,
            ("registry_processor_never_ran",),
            "phase 4's deadline: the same-day precompute (phase 3, the same-day contexts "
            "included, is due by its deadline the next morning)",
            targets=PHASE4_PROCESSORS,
        ),
    ),
    _doc(
        "bigquery_load_quota",
        "nbac_gamebook_player_stats",
        "BigQuery load quota exceeded: every phase-2 game load failed (0% complete)",
        "docs/incidents/2026-01-26-bigquery-quota-exceeded.md",
        date(2026, 1, 26),
        first_run=FirstRun(
            1,
            "06:00",
            MORNING,
            ("processor_failed_after_retries", "processor_repeated_failures_by_error_type"),
            "phase 2's deadline: the night's loads, the last failed at about 04:45 ET",
        ),
    ),
    _doc(
        "props_window_false_alarm",
        "nba_raw.bettingpros_player_points_props",
        "props 'missing' in the morning only because the collection window had not opened: "
        "must NOT alert",
        "docs/incidents/2026-01-26-BETTING-DATA-TIMING-ISSUE-ROOT-CAUSE.md",
        date(2026, 1, 26),
        exclusive=False,
    ),
    _doc(
        "scraper_wrong_image",
        "nba_orchestration.scraper_execution_log",
        "the wrong image was deployed to the scraper service: scrapers stopped writing",
        "docs/09-handoff/2026-01-29-POSTMORTEM-SCRAPER-WRONG-DEPLOYMENT.md",
        date(2026, 1, 27),
        date(2026, 1, 29),
        note="the data tables were backfilled after the fix; the scraper log keeps the gap",
        first_run=FirstRun(
            1,
            "04:00",
            MORNING,
            ("scheduled_scraper_absent_from_log",),
            "the day's last scraper window (post_game_window_3 at 04:00 ET)",
        ),
    ),
    _doc(
        "game_id_reuse",
        "<game_id>",
        "a postponed game's reused id hid one game's players from features and predictions",
        "docs/09-handoff/2026-01-29-SESSION-20-HANDOFF.md",
        date(2026, 1, 29),
        first_run=FirstRun(
            0,
            "12:00",
            PHASE_STATE,
            ("missing_features_for_game",),
            "phase 4's deadline: the same-day features, needed before tip-off",
        ),
    ),
    _doc(
        "mlb_redelivery_storm",
        "MlbBpHistoricalPropsProcessor",
        "another sport's processor in a redelivery loop (404), exhausting the shared quota",
        "docs/09-handoff/2026-06-16-system-deep-dive.md",
        date(2026, 3, 16),
        note="really 2026-06-16, after the NBA regular season: placed on 2026-03-16, inside it",
        first_run=FirstRun(
            0,
            "09:20",
            MORNING,
            ("foreign_sport_redelivery_storm",),
            "a loop from 06:00 ET: by about 09:20 foreign_sport_storm_min_runs (50) deliveries "
            "had failed",
        ),
    ),
)
# the documented incident that must raise nothing
NON_ALERTS = ("props_window_false_alarm",)

CATALOGUE = CATALOGUE + DOCUMENTED

KINDS: dict[str, IncidentKind] = {k.kind: k for k in CATALOGUE}

# Kinds only the year calendar has the days for; their dates come from the calendar plan.
YEAR_CATALOGUE: tuple[IncidentKind, ...] = (
    IncidentKind(
        "playoff_box_scores_missing",
        "<game_id>",
        "the last playoff game played before the shutdown is final without box scores",
    ),
    IncidentKind(
        "restart_phase3_failed",
        "upcoming_player_game_context",
        "in the restart's first week a phase-3 processor failed all 5 deliveries",
    ),
    # a model that goes wrong without failing (issue 21): nothing in the pipeline fails
    IncidentKind(
        "prediction_shape_collapsed",
        "catboost_v9",
        "one system predicted every player about six points under the line, every "
        "recommendation UNDER (its run succeeded, its coverage complete)",
    ),
    IncidentKind(
        "prediction_system_unregistered",
        "catboost_v13",
        "a system the registry does not list wrote a prediction for every player",
    ),
)
YEAR_KINDS: dict[str, IncidentKind] = {k.kind: k for k in YEAR_CATALOGUE}


@dataclass
class Plan:
    """Which incident happens on which game date, plus the ground-truth records."""

    days: dict[str, date] = field(default_factory=dict)
    last_days: dict[str, date] = field(default_factory=dict)  # multi-day documented incidents
    records: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    non_alerts: list[dict[str, str]] = field(default_factory=list)
    gaps: list[dict[str, str]] = field(default_factory=list)  # (table, game_date) left short

    def on(self, kind: str, day: date) -> bool:
        first = self.days.get(kind)
        if first is None:
            return False
        return first <= day <= self.last_days.get(kind, first)

    def gap(self, table: str, day: date) -> None:
        rec = {"table": table, "game_date": day.isoformat()}
        if rec not in self.gaps:
            self.gaps.append(rec)

    def record(
        self,
        kind: str,
        day: date,
        target: str,
        consequence: bool = False,
        needs: str | None = None,
    ) -> None:
        """`needs` names the source table that holds the only evidence (a table of the plan,
        absent in `existing` mode)."""
        rec = {"kind": kind, "game_date": day.isoformat(), "target": target}
        postmortem = KINDS[kind].postmortem if kind in KINDS else None
        if postmortem:
            rec["postmortem"] = postmortem
        if consequence:
            rec["consequence"] = "true"
        if needs:
            rec["needs"] = needs
        if rec not in self.records:
            self.records.append(rec)


def parse_kinds(spec: str, calendar: str = "regular") -> list[str]:
    """`all`, `none` or a comma-separated list of kinds; raises ValueError naming the bad one.
    The year calendar's own kinds (YEAR_KINDS) are known only with `calendar="year"`."""
    known = {**KINDS, **YEAR_KINDS} if calendar == "year" else KINDS
    spec = spec.strip()
    if spec == "all":
        return list(known)
    if spec in ("none", ""):
        return []
    kinds = [part.strip() for part in spec.split(",") if part.strip()]
    year_only = [k for k in kinds if k not in known and k in YEAR_KINDS]
    if year_only:
        raise ValueError(
            f"incident kind(s) {', '.join(year_only)} need the year calendar (--calendar year)"
        )
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise ValueError(
            f"unknown incident kind(s) {', '.join(unknown)}; expected all, none or a "
            f"comma-separated list of: {', '.join(known)}"
        )
    return kinds


def place(
    kinds: list[str],
    game_days: list[date],
    games_per_day: dict[date, int],
    end: date,
    bootstrap_end: date,
    min_history: int,
    rng: random.Random,
    allowed: Callable[[str, date], bool] | None = None,
) -> Plan:
    """Give each kind its own eligible game date, spread over the period.

    `allowed` adds constraints of the real formats (a target's valid dates, the scraper log's
    retention). Kinds are placed as without it first, and only a kind whose day it refuses is
    moved afterwards, so the other kinds keep their days.
    """
    plan = Plan()
    taken: set[date] = set()
    for kind_name in kinds:
        kind = KINDS[kind_name]
        if kind.first is None or kind.last is None:
            continue
        if not game_days or kind.first > end or kind.last < game_days[0]:
            plan.skipped.append(kind_name)
            continue
        plan.days[kind_name] = kind.first
        plan.last_days[kind_name] = kind.last
        if kind.exclusive:
            taken |= {d for d in game_days if kind.first <= d <= kind.last}
    placeable = [k for k in kinds if k != "log_table_stopped" and not KINDS[k].documented]
    rng.shuffle(placeable)

    def eligible(kind_name: str, check: bool) -> list[date]:
        kind = KINDS[kind_name]
        days = []
        for idx, day in enumerate(game_days):
            if day in taken or games_per_day.get(day, 0) < kind.min_games:
                continue
            if kind_name in ("dependency_failure_spike", "malformed_rows") and (
                day >= end - timedelta(days=2)
            ):
                continue  # the dependency log stops for the last two days
            if kind.needs_final_games and day >= end:
                continue
            if kind.needs_predictions and day < bootstrap_end:
                continue
            if kind.needs_history and idx < min_history + 1:
                continue
            if check and allowed is not None and not allowed(kind_name, day):
                continue
            days.append(day)
        return days

    for kind_name in placeable:
        days = eligible(kind_name, check=False)
        if not days:
            plan.skipped.append(kind_name)
            continue
        day = days[rng.randrange(len(days))]
        taken.add(day)
        plan.days[kind_name] = day
    if allowed is not None:
        for kind_name in placeable:
            day_or_none = plan.days.get(kind_name)
            if day_or_none is None or allowed(kind_name, day_or_none):
                continue
            taken.discard(day_or_none)
            del plan.days[kind_name]
            days = eligible(kind_name, check=True)
            if not days:
                plan.skipped.append(kind_name)
                continue
            day = days[rng.randrange(len(days))]
            taken.add(day)
            plan.days[kind_name] = day
    if "log_table_stopped" in kinds:
        plan.days["log_table_stopped"] = end
    return plan
