"""State and helpers every table writer of the generator shares."""

from __future__ import annotations

import json
import random
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from pipemon.generator import formats as fmt
from pipemon.generator import incidents as inc
from pipemon.generator.registry import Processor, Registries
from pipemon.generator.season import Game, et_date, et_to_utc

Row = dict[str, Any]

PROJECT = "nba-props-platform"
EVENT_LOSS_RATE = 0.02  # pipeline_event_log writes are buffered and some are lost
LOG_MODES = ("planned", "existing")
# the tables the plan adds and the pipeline has not built yet (written in `planned` mode only)
PLANNED_TABLES = ("processor_execution_log", "dependency_check_log", "pubsub_dead_letters")


def parse_logs(value: str) -> str:
    """`planned` or `existing`; raises ValueError saying what was expected."""
    if value not in LOG_MODES:
        raise ValueError(
            f"expected planned (the pipeline plus the plan's new log tables) or existing "
            f"(only what the pipeline writes today), got {value!r}"
        )
    return value


def stable(name: str) -> int:
    return zlib.crc32(name.encode())


def props_window_start(day: date, games: list[Game]) -> datetime:
    """When the betting_lines workflow starts: 6 h (12 h since 2026-01-26) before the first tip."""
    hours = 12 if day >= fmt.PROPS_WINDOW_12H_FROM else 6
    return min(g.tip_utc for g in games) - timedelta(hours=hours)


def et_wall(day: date, hhmm: str) -> datetime:
    """The ET wall clock `hhmm` on `day` as a naive timestamp (how the schedule stores tips)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute))


@dataclass
class Attempt:
    """A run that completed: what the completion state (Firestore) records of it."""

    completed_at: datetime
    status: str
    records: int
    execution_id: str
    correlation_id: str


@dataclass
class DayPlayers:
    """One game's players: rostered (feature store, predictions), active (box scores), lines."""

    rostered: list[tuple[str, str]]  # (player, team)
    active: list[tuple[str, str]]
    lines: dict[str, list[float]] = field(default_factory=dict)  # points lines per player
    main_line: dict[str, float] = field(default_factory=dict)


class Core:
    """What the writers share: the period, the clock, the registries, the plan, the rows."""

    def __init__(
        self,
        start: date,
        end: date,
        seed: int,
        scale: int,
        logs: str,
        registries: Registries,
        plan: inc.Plan,
        as_of: datetime,
        bootstrap_days: int,
        season_start: date,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.start, self.end, self.seed, self.scale = start, end, seed, scale
        self.logs = logs
        self.planned = (
            logs == "planned"
        )  # the plan's tables are built either way, loaded if planned
        self.reg = registries
        self.plan = plan
        self.as_of = as_of
        self.bootstrap_days = bootstrap_days
        self.season_start = season_start
        self.bootstrap_end = season_start + timedelta(days=bootstrap_days)
        self.rng = random.Random(seed)
        self.progress = progress or (lambda _msg: None)
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.games_by_day: dict[date, list[Game]] = defaultdict(list)
        self.pool: dict[str, list[str]] = {}
        # completion state per (phase, data date): (key, attempt) in completion order
        self.completions: dict[tuple[str, date], list[tuple[str, Attempt]]] = defaultdict(list)

    # ------------------------------------------------------------------ helpers
    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _message_id(self) -> str:
        return str(self.rng.randint(10**15, 10**16))

    def _jitter(self, base: datetime, max_seconds: int) -> datetime:
        return base + timedelta(seconds=self.rng.randint(0, max_seconds))

    def _incident(self, kind: str, day: date) -> bool:
        return self.plan.on(kind, day)

    def _target(self, kind: str) -> str:
        return inc.KINDS[kind].target

    def _hits(self, kind: str, day: date, name: str) -> bool:
        return self.plan.on(kind, day) and name == inc.KINDS[kind].target

    @staticmethod
    def _et(day: date, hhmm: str, day_offset: int = 0) -> datetime:
        return et_to_utc(day, hhmm, day_offset)

    def _duration(self, name: str, low: int, high: int) -> float:
        base = low + stable(name) % (high - low)
        return round(base * self.rng.lognormvariate(0, 0.12), 1)

    def _days_into_season(self, day: date) -> int:
        return (day - self.season_start).days

    @staticmethod
    def _iso(ts: datetime) -> str:
        return ts.isoformat(timespec="milliseconds") + "Z"

    @staticmethod
    def _et_day(ts: datetime) -> date:
        return et_date(ts)

    def _registry(self, phase: str, day: date) -> list[Processor]:
        return self.reg.phase(phase, day)

    # ------------------------------------------------------------------ pipeline_event_log
    def _event(
        self,
        event_type: str,
        ts: datetime,
        processor: str,
        phase: str,
        game_date: date | None,
        correlation_id: str | None,
        *,
        duration: float | None = None,
        records: int | None = None,
        error: tuple[str, str] | None = None,
        keep: bool = False,
    ) -> None:
        if ts > self.as_of or self._et_day(ts) < fmt.EVENT_LOG_FROM:
            return
        if not keep and self.rng.random() < EVENT_LOSS_RATE:
            return  # buffered writes that were lost
        self.rows["pipeline_event_log"].append(
            {
                "event_id": self._id(),
                "timestamp": ts,
                "event_type": event_type,
                "phase": phase,
                "processor_name": processor,
                "game_date": game_date,
                "correlation_id": correlation_id,
                "trigger_source": "pubsub",
                "duration_seconds": None if duration is None else round(duration, 1),
                "records_processed": records,
                "error_type": error[0] if error else None,
                "error_message": error[1] if error else None,
                "metadata": json.dumps({"environment": "prod"}),
            }
        )
