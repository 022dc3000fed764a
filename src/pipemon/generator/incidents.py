"""The catalogue of incidents the generator can inject, and where it puts them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class IncidentKind:
    kind: str
    target: str  # what the monitoring will name (processor, scraper, phase, table, service)
    summary: str
    needs_predictions: bool = False  # must fall after the bootstrap period
    needs_history: bool = False  # anomaly: needs comparable days before it
    needs_final_games: bool = True  # must fall before the last (in-progress) day
    min_games: int = 1  # fewest games the day must have


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

KINDS: dict[str, IncidentKind] = {k.kind: k for k in CATALOGUE}


@dataclass
class Plan:
    """Which incident happens on which game date, plus the ground-truth records."""

    days: dict[str, date] = field(default_factory=dict)
    records: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def on(self, kind: str, day: date) -> bool:
        return self.days.get(kind) == day

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
        if consequence:
            rec["consequence"] = "true"
        if needs:
            rec["needs"] = needs
        if rec not in self.records:
            self.records.append(rec)


def parse_kinds(spec: str) -> list[str]:
    """`all`, `none` or a comma-separated list of kinds; raises ValueError naming the bad one."""
    spec = spec.strip()
    if spec == "all":
        return list(KINDS)
    if spec in ("none", ""):
        return []
    kinds = [part.strip() for part in spec.split(",") if part.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(
            f"unknown incident kind(s) {', '.join(unknown)}; expected all, none or a "
            f"comma-separated list of: {', '.join(KINDS)}"
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
    placeable = [k for k in kinds if k != "log_table_stopped"]
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
