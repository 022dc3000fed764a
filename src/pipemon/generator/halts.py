"""The declared halts: `halt_state` rows as the pipeline's halt_state_writer computes them
(orchestration/cloud_functions/halt_state_writer/main.py upstream), from the schedule and the
predictions as they stood when it ran, daily at 05:00 ET from 2026-05-09; `halt_overrides`
holds the operators' halts (none are documented: the generator writes none unless given).

What the writer reads that the generator does not write (model_performance_daily, the model
registry) leaves `fleet_blocked` out: it never fires here. MLB rows are left out too (no MLB
schedule is generated)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

SOURCE = "halt_state_writer_cf"
SPORT = "nba"
WINDOW_DAYS = 21  # off_season: no game within +-21 days
FUTURE_DAYS = 14  # between_rounds: no game in the next 14 days
INACTIVE_LOOKBACK_DAYS = 3  # predictions_inactive: none in the last 3 days ...
INACTIVE_AHEAD_DAYS = 7  # ... while games are scheduled in the next 7
EDGE_DAYS = 7  # edge_collapse: the last 7 days' predictions
SEASON_WINDOW = ((10, 1), (6, 30))  # NBA: Oct 1 - Jun 30


@dataclass(frozen=True)
class Override:
    halt_reason: str
    start_date: date
    end_date: date | None
    active: bool
    note: str
    created_at: datetime
    created_by: str

    def row(self) -> dict[str, Any]:
        return {
            "sport": SPORT, "halt_reason": self.halt_reason, "start_date": self.start_date,
            "end_date": self.end_date, "active": self.active, "note": self.note,
            "created_at": self.created_at, "created_by": self.created_by,
        }  # fmt: skip


@dataclass(frozen=True)
class Prediction:
    game_date: date
    created_at: datetime  # naive UTC
    predicted_points: float
    line: float | None


def in_season_window(day: date) -> bool:
    start, end = SEASON_WINDOW
    md = (day.month, day.day)
    return md >= start or md <= end


def decide(
    today: date,
    schedule: list[date],
    predictions: list[Prediction],
    overrides: Iterable[Override],
) -> tuple[bool, str | None, dict[str, Any]]:
    """(halt_active, halt_reason, halt_metrics) for `today`, given the schedule's game dates and
    the predictions visible when the writer ran (the writer's evaluate_halt_state)."""
    window = [
        d
        for d in schedule
        if today - timedelta(days=WINDOW_DAYS) <= d <= today + timedelta(days=WINDOW_DAYS)
    ]
    games_today = sum(1 for d in window if d == today)
    future = any(today <= d <= today + timedelta(days=FUTURE_DAYS) for d in window)
    in_window = in_season_window(today)
    metrics: dict[str, Any] = {
        "games_today": games_today,
        "has_games_in_21d_window": bool(window),
        "has_future_games_14d": future,
        "in_season_window": in_window,
    }
    active, reason = False, None
    if not window or not in_window:
        active, reason = True, "off_season"
    elif not future:
        active, reason = True, "between_rounds"
    if not active:
        edges = _edge_collapse(today, predictions)
        if edges is not None:
            active, reason = True, "edge_collapse"
            metrics.update(edges)
    if not active:
        recent = sum(
            1 for p in predictions
            if today - timedelta(days=INACTIVE_LOOKBACK_DAYS) <= p.game_date <= today
        )  # fmt: skip
        upcoming = sum(
            1 for d in schedule if today <= d <= today + timedelta(days=INACTIVE_AHEAD_DAYS)
        )
        if recent == 0 and upcoming > 0:
            active, reason = True, "predictions_inactive"
            metrics.update({"recent_preds_3d": recent, "upcoming_games_7d": upcoming})
    override = _active_override(today, overrides)
    if override is not None:
        if not active:
            active, reason = True, override.halt_reason or "manual"
        metrics["manual_override"] = {
            "halt_reason": override.halt_reason or "manual",
            "override_start_date": override.start_date.isoformat(),
            "override_end_date": override.end_date.isoformat() if override.end_date else None,
            "override_note": override.note,
            "override_created_by": override.created_by,
        }
    return active, reason, metrics


def _edge_collapse(today: date, predictions: list[Prediction]) -> dict[str, Any] | None:
    by_day: dict[date, list[float]] = {}
    for p in predictions:
        if today - timedelta(days=EDGE_DAYS) <= p.game_date < today and p.line is not None:
            by_day.setdefault(p.game_date, []).append(abs(p.predicted_points - p.line))
    if not by_day:
        return None
    avg_edge = round(sum(sum(e) / len(e) for e in by_day.values()) / len(by_day), 2)
    total = sum(len(e) for e in by_day.values())
    pct = round(100.0 * sum(1 for e in by_day.values() for x in e if x >= 5.0) / total, 1)
    metrics: dict[str, Any] = {
        "rolling_7d_avg_edge": avg_edge,
        "rolling_7d_pct_edge_5plus": pct,
        "edge_halt_days_sampled": len(by_day),
    }
    if avg_edge < 5.0 and pct < 50.0 and len(by_day) >= 3:
        metrics["halt_threshold"] = "avg_edge<5.0 AND pct_5plus<50.0 AND days>=3"
        return metrics
    return None


def _active_override(today: date, overrides: Iterable[Override]) -> Override | None:
    live = [
        o for o in overrides
        if o.active and o.start_date <= today and (o.end_date is None or o.end_date >= today)
    ]  # fmt: skip
    return max(live, key=lambda o: o.created_at) if live else None


def halt_rows(
    days: list[tuple[date, datetime]],
    schedule: list[tuple[date, datetime]],
    predictions: list[Prediction],
    overrides: list[Override],
) -> list[dict[str, Any]]:
    """One row per (day, written_at): the schedule's (game_date, first loaded at) and the
    predictions created before the writer ran; halt_since carried while halted."""
    rows: list[dict[str, Any]] = []
    since: date | None = None
    last_active = False
    for today, written_at in days:
        known = [d for d, loaded in schedule if loaded <= written_at]
        visible = [p for p in predictions if p.created_at <= written_at]
        live = [o for o in overrides if o.created_at <= written_at]
        active, reason, metrics = decide(today, known, visible, live)
        if not active:
            since = None
        elif not last_active or since is None:
            since = today
        last_active = active
        rows.append(
            {
                "effective_date": today,
                "sport": SPORT,
                "halt_active": active,
                "halt_reason": reason,
                "halt_since": since,
                "halt_metrics": json.dumps(metrics, default=str),
                "source": SOURCE,
                "written_at": written_at,
                "actor": None,
            }
        )
    return rows
