"""Builds the rows of a generated season, table by table, with the planned incidents."""

from __future__ import annotations

import csv
import json
import random
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipemon.generator import incidents as inc
from pipemon.generator.season import (
    PLAYERS_PER_TEAM_IN_BOX,
    PROP_PLAYERS_PER_TEAM,
    SEASON_START,
    Game,
    et_to_utc,
    player_pool,
    season_games,
)

Row = dict[str, Any]

ORCH = "nba_orchestration"
PROJECT = "nba-props-platform"
BOOTSTRAP_DAYS = 14
EMPTY_BOOTSTRAP_DAYS = 7  # phases 4-5 write nothing at all in the first week
BOOKMAKERS = ["BettingPros Consensus", "DraftKings", "FanDuel", "BetMGM", "Caesars"]
SERVICES = [
    "nba-phase1-scrapers",
    "nba-phase2-raw-processors",
    "nba-phase3-analytics-processors",
    "nba-phase4-precompute-processors",
    "nba-phase5-prediction-coordinator",
    "phase2-to-phase3-orchestrator",
    "phase3-to-phase4-orchestrator",
]
# Topic whose push subscription triggers each phase's processors.
TRIGGER_TOPIC = {
    "phase2": "nba-phase1-scrapers-complete",
    "phase3": "nba-phase3-trigger",
    "phase4": "nba-phase4-trigger",
    "phase5": "nba-phase4-precompute-complete",
}
# Upstream tables each processor checks before it runs: (table, fallback available).
DEPENDENCIES: dict[str, list[tuple[str, bool]]] = {
    "player_game_summary": [
        ("nba_raw.nbac_gamebook_player_stats", True),
        ("nba_raw.bdl_player_boxscores", False),
    ],
    "team_defense_game_summary": [("nba_raw.nbac_team_boxscore", False)],
    "team_offense_game_summary": [("nba_raw.nbac_team_boxscore", False)],
    "upcoming_player_game_context": [
        ("nba_raw.bettingpros_player_points_props", True),
        ("nba_raw.nbac_schedule", False),
    ],
    "upcoming_team_game_context": [
        ("nba_raw.odds_api_game_lines", False),
        ("nba_raw.nbac_schedule", False),
    ],
    "team_defense_zone_analysis": [("nba_analytics.team_defense_game_summary", False)],
    "player_shot_zone_analysis": [("nba_analytics.player_game_summary", False)],
    "player_composite_factors": [("nba_analytics.upcoming_player_game_context", False)],
    "player_daily_cache": [("nba_analytics.player_game_summary", False)],
    "ml_feature_store": [
        ("nba_precompute.player_daily_cache", False),
        ("nba_precompute.player_composite_factors", False),
    ],
}
PREDICTION_DEPENDENCIES = [
    ("nba_predictions.ml_feature_store_v2", False),
    ("nba_raw.bettingpros_player_points_props", True),
]
# ET wall-clock times of each scraper workflow, and the day offset from the game date.
WORKFLOW_TIMES: dict[str, list[tuple[str, int]]] = {
    "morning_operations": [("05:00", 0)],
    "injury_discovery": [("09:00", 0), ("17:00", 0)],
    "daily_schedule_lock": [("11:00", 0)],
    "referee_discovery": [("10:00", 0)],
    "betting_lines": [("04:00", 0), ("12:00", 0), ("17:00", 0)],
    "post_game_window_1": [("22:00", 0)],
    "post_game_window_2": [("01:00", 1)],
    "post_game_window_3": [("04:00", 1)],
}
PER_GAME_SCRAPERS = {"oddsa_player_props", "bp_player_props", "nbac_gamebook_pdf"}
NO_DATA_RATE = {
    "bigdataball_pbp": 0.15,
    "bigdataball_discovery": 0.1,
    "nbac_referee_assignments": 0.05,
}


@dataclass(frozen=True)
class Processor:
    name: str
    phase: str
    run_history_class: str
    run_history_phase: str
    cadence: str
    expected: bool
    writes_run_history: bool


@dataclass
class Attempt:
    """The outcome of running one processor for one date."""

    completed_at: datetime | None
    status: str
    records: int
    execution_id: str


def load_registry(seeds: Path) -> tuple[list[Processor], list[tuple[str, str, str]]]:
    with (seeds / "processor_registry.csv").open() as f:
        processors = [
            Processor(
                r["processor_name"],
                r["phase"],
                r["run_history_class"],
                r["run_history_phase"],
                r["cadence"],
                r["is_expected_every_game_day"] == "true",
                r["writes_run_history"] == "true",
            )
            for r in csv.DictReader(f)
        ]
    with (seeds / "scraper_registry.csv").open() as f:
        scrapers = [(r["scraper_name"], r["workflow"], r["cadence"]) for r in csv.DictReader(f)]
    return processors, scrapers


def _stable(name: str) -> int:
    return zlib.crc32(name.encode())


class SeasonBuilder:
    """Generates every contract table for `start..end`; `as_of` is 11:00 ET on `end`."""

    def __init__(
        self,
        start: date,
        end: date,
        seed: int,
        scale: int,
        kinds: list[str],
        seeds_dir: Path,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.start, self.end, self.seed, self.scale = start, end, seed, scale
        self.rng = random.Random(seed)
        self.as_of = et_to_utc(end, "11:00")
        self.progress = progress or (lambda _msg: None)
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.processors, self.scrapers = load_registry(seeds_dir)
        self.season_start = SEASON_START if start >= SEASON_START else start
        schedule_rng = random.Random(f"{seed}-schedule")
        self.games = season_games(start, end, schedule_rng, self.season_start)
        self.games_by_day: dict[date, list[Game]] = defaultdict(list)
        for game in self.games:
            self.games_by_day[game.game_date].append(game)
        self.pool = player_pool(random.Random(f"{seed}-players"), scale)
        game_days = sorted(self.games_by_day)
        self.bootstrap_end = self.season_start + timedelta(days=BOOTSTRAP_DAYS)
        self.plan = inc.place(
            kinds,
            game_days,
            {d: len(g) for d, g in self.games_by_day.items()},
            end,
            self.bootstrap_end,
            min_history=7,
            rng=random.Random(f"{seed}-incidents"),
        )
        self.phase_done: dict[tuple[str, date], list[tuple[str, Attempt]]] = defaultdict(list)

    # ------------------------------------------------------------------ helpers
    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _jitter(self, base: datetime, max_seconds: int) -> datetime:
        return base + timedelta(seconds=self.rng.randint(0, max_seconds))

    def _incident(self, kind: str, day: date) -> bool:
        return self.plan.on(kind, day)

    def _target(self, kind: str) -> str:
        return inc.KINDS[kind].target

    def _days_into_season(self, day: date) -> int:
        return (day - self.season_start).days

    # ------------------------------------------------------------------ driver
    def build(self) -> dict[str, list[Row]]:
        day = self.start
        while day <= self.end:
            self._day(day)
            if day.day == 1 or day == self.end:
                self.progress(f"generated through {day.isoformat()}")
            day += timedelta(days=1)
        self._firestore()
        if "log_table_stopped" in self.plan.days:
            self._stop_dependency_log()
        if "malformed_rows" in self.plan.days:
            self._malformed(self.plan.days["malformed_rows"])
        return self.rows

    def truth(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S"),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "season_start": self.season_start.isoformat(),
            "skipped_kinds": self.plan.skipped,
            "incidents": self.plan.records,
        }

    def _day(self, day: date) -> None:
        games = self.games_by_day.get(day, [])
        final = day < self.end
        self._schedule(games)
        self._scrapers(day, games)
        self._health_checks(day)
        if games:
            players = self._players(day, games)
            self._props(day, games, players)
            self._phase4(day, games, players)
            self._phase5(day, games, players)
            if final:
                self._phase2(day, game_day=True)
                self._phase3(day, games, players)
        elif final:
            self._phase2(day, game_day=False)

    # ------------------------------------------------------------------ data tables
    def _players(self, day: date, games: list[Game]) -> dict[str, dict[str, list[str]]]:
        """Per game: the players who play (box) and the players with a prop line."""
        out: dict[str, dict[str, list[str]]] = {}
        per_team = PLAYERS_PER_TEAM_IN_BOX * self.scale
        props_per_team = PROP_PLAYERS_PER_TEAM * self.scale
        for game in games:
            box: list[tuple[str, str]] = []
            props: list[str] = []
            for side, team in enumerate((game.home, game.away)):
                roster = self.rng.sample(self.pool[team], per_team)
                box += [(p, team) for p in roster]
                props += roster[: props_per_team + side]
            out[game.game_id] = {
                "box": [p for p, _ in box],
                "teams": [t for _, t in box],
                "props": props,
            }
        return out

    def _schedule(self, games: list[Game]) -> None:
        for game in games:
            snapshots = [(1, game.tip_utc - timedelta(hours=30))]
            snapshots.append((2, game.tip_utc + timedelta(minutes=55)))
            snapshots.append((3, game.end_utc + timedelta(minutes=20)))
            for status, at in snapshots:
                if at > self.as_of:
                    continue
                self.rows["nbac_schedule"].append(
                    {
                        "game_id": game.game_id,
                        "game_date": game.game_date,
                        "game_date_est": game.tip_utc,
                        "season_year": self.season_start.year,
                        "game_status": status,
                        "home_team_tricode": game.home,
                        "away_team_tricode": game.away,
                        "processed_at": at,
                    }
                )

    def _props(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]]
    ) -> None:
        loaded = et_to_utc(day, "04:30")
        self.lines: dict[tuple[str, str], float] = getattr(self, "lines", {})
        for game in games:
            for player in players[game.game_id]["props"]:
                line = round(self.rng.uniform(7, 31)) + 0.5
                self.lines[(game.game_id, player)] = line
                for book in self.rng.sample(BOOKMAKERS, self.rng.randint(2, 3)):
                    self.rows["bettingpros_player_points_props"].append(
                        {
                            "game_date": day,
                            "game_id": game.game_id,
                            "player_lookup": player,
                            "bookmaker": book,
                            "points_line": line + self.rng.choice([-1.0, 0.0, 0.0, 1.0]),
                            "processed_at": self._jitter(loaded, 600),
                        }
                    )

    def _box_scores(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]], at: datetime
    ) -> None:  # noqa: E501
        fallback_rate = 0.75 if self._incident("fallback_spike", day) else 0.015
        if self._incident("fallback_spike", day):
            self.plan.record("fallback_spike", day, self._target("fallback_spike"))
        missing: set[str] = set()
        if self._incident("missing_box_scores", day):
            for game in games[:2]:
                missing.add(game.game_id)
                self.plan.record("missing_box_scores", day, game.game_id)
        for game in games:
            if game.game_id in missing:
                continue
            source = "bdl_boxscores" if self.rng.random() < fallback_rate else "nbac_gamebook"
            roster = players[game.game_id]
            for player, team in zip(roster["box"], roster["teams"], strict=True):
                minutes = round(self.rng.uniform(4, 40), 1)
                self.rows["player_game_summary"].append(
                    {
                        "game_id": game.game_id,
                        "game_date": day,
                        "player_lookup": player,
                        "team_abbr": team,
                        "points": int(minutes * self.rng.uniform(0.1, 0.9)),
                        "minutes_played": minutes,
                        "primary_source_used": source,
                        "processed_at": self._jitter(at, 60),
                    }
                )

    def _features(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]], at: datetime
    ) -> None:  # noqa: E501
        degraded = self._incident("feature_store_degraded", day)
        if degraded:
            self.plan.record("feature_store_degraded", day, "ml_feature_store")
        early = day < self.bootstrap_end
        for game in games:
            for player in players[game.game_id]["box"]:
                if degraded and self.rng.random() < 0.6:
                    count, score, src = (
                        self.rng.randint(14, 19),
                        self.rng.gauss(45, 6),
                        "phase3_fallback",
                    )
                elif early:
                    count, score, src = (
                        self.rng.randint(22, 25),
                        self.rng.gauss(62, 5),
                        "early_season",
                    )
                else:
                    count, score = 25, self.rng.gauss(88, 4)
                    src = "phase4" if self.rng.random() < 0.9 else "mixed"
                self.rows["ml_feature_store_v2"].append(
                    {
                        "player_lookup": player,
                        "game_id": game.game_id,
                        "game_date": day,
                        "feature_count": count,
                        "feature_quality_score": round(min(100.0, max(0.0, score)), 1),
                        "data_source": src,
                        "created_at": self._jitter(at, 30),
                    }
                )

    # ------------------------------------------------------------------ phases
    def _registry(self, phase: str) -> list[Processor]:
        return [p for p in self.processors if p.phase == phase]

    def _duration(self, name: str, low: int, high: int) -> float:
        base = low + _stable(name) % (high - low)
        return round(base * self.rng.lognormvariate(0, 0.12), 1)

    def _phase2(self, day: date, game_day: bool) -> None:
        start = et_to_utc(day, "00:40", 1)
        for proc in self._registry("phase2"):
            if proc.cadence == "game_day" and not game_day:
                continue
            if proc.cadence == "optional" and self.rng.random() > 0.3:
                continue
            at = self._jitter(start, 300)
            attempt = self._run(proc, day, at, self._duration(proc.name, 20, 150))
            if attempt and game_day:
                self.phase_done[("phase2", day)].append((proc.name, attempt))

    def _phase3(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]]
    ) -> None:
        start = et_to_utc(day, "01:05", 1)
        for proc in self._registry("phase3"):
            at = self._jitter(start, 600)
            duration = self._duration(proc.name, 40, 200)
            attempt = self._run(proc, day, at, duration)
            if attempt:
                self.phase_done[("phase3", day)].append((proc.name, attempt))
                if proc.name == "player_game_summary" and attempt.completed_at:
                    self._box_scores(day, games, players, attempt.completed_at)

    def _phase4(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]]
    ) -> None:
        empty = self._days_into_season(day) < EMPTY_BOOTSTRAP_DAYS
        for proc in self._registry("phase4"):
            if proc.name == "ml_feature_store":
                at = self._jitter(et_to_utc(day, "03:10"), 600)
            else:
                at = self._jitter(et_to_utc(day, "02:20"), 900)
            attempt = self._run(proc, day, at, self._duration(proc.name, 60, 400), skipped=empty)
            if attempt:
                self.phase_done[("phase4", day)].append((proc.name, attempt))
                if proc.name == "ml_feature_store" and not empty and attempt.completed_at:
                    self._features(day, games, players, attempt.completed_at)

    def _phase5(
        self, day: date, games: list[Game], players: dict[str, dict[str, list[str]]]
    ) -> None:
        empty = self._days_into_season(day) < EMPTY_BOOTSTRAP_DAYS
        early = day < self.bootstrap_end
        late = self._incident("phase_late", day)
        if late:
            self.plan.record("phase_late", day, "phase5")
        start = et_to_utc(day, "07:05" if late else "05:30")
        prop_players = [(g.game_id, p) for g in games for p in players[g.game_id]["props"]]
        dropped: set[tuple[str, str]] = set()
        if self._incident("predictions_missing_players", day):
            self.plan.record(
                "predictions_missing_players", day, self._target("predictions_missing_players")
            )
            dropped = {pp for pp in prop_players if self.rng.random() < 0.35}
        for proc in self._registry("phase5"):
            skipped = empty or (early and proc.name not in ("moving_average", "ensemble_v1"))
            silent = self._incident(
                "predictions_missing_system", day
            ) and proc.name == self._target("predictions_missing_system")
            if silent:
                self.plan.record("predictions_missing_system", day, proc.name)
            todo = [] if (skipped or silent) else [pp for pp in prop_players if pp not in dropped]
            at = self._jitter(start, 600)
            attempt = self._run(
                proc,
                day,
                at,
                self._duration(proc.name, 60, 240),
                skipped=skipped,
                records=len(todo),
            )
            if not attempt:
                continue
            self.phase_done[("phase5", day)].append((proc.name, attempt))
            for game_id, player in todo:
                line = self.lines[(game_id, player)]
                predicted = round(line + self.rng.gauss(0, 3), 1)
                edge = predicted - line
                rec = "PASS" if abs(edge) < 1 else ("OVER" if edge > 0 else "UNDER")
                self.rows["player_prop_predictions"].append(
                    {
                        "prediction_id": self._id(),
                        "system_id": proc.name,
                        "player_lookup": player,
                        "game_id": game_id,
                        "game_date": day,
                        "predicted_points": predicted,
                        "confidence_score": round(self.rng.uniform(45, 92), 1),
                        "recommendation": rec,
                        "current_points_line": line,
                        "is_active": True,
                        "created_at": attempt.completed_at,
                    }
                )

    # ------------------------------------------------------------------ executions
    def _run(
        self,
        proc: Processor,
        day: date,
        at: datetime,
        duration: float,
        skipped: bool = False,
        records: int | None = None,
    ) -> Attempt | None:
        """Runs one processor for one date: executions, dependency checks, run history."""
        name = proc.name
        if self._incident("processor_never_ran", day) and name == self._target(
            "processor_never_ran"
        ):
            self.plan.record("processor_never_ran", day, name)
            self.plan.record("processor_never_ran", day, proc.phase, consequence=True)
            return None
        if self._incident("dead_letters", day) and name == self._target("dead_letters"):
            self.plan.record("dead_letters", day, name)
            self.plan.record("dead_letters", day, proc.phase, consequence=True)
            for n in range(2):
                self._dead_letter(proc, day, at + timedelta(minutes=6 + 20 * n))
            return None
        message_id = str(self.rng.randint(10**15, 10**16))
        correlation_id = self._id()
        if records is None:
            games = max(1, len(self.games_by_day.get(day, [])))
            records = (50 + _stable(name) % 400) * games * self.scale // 4
        if self._incident("processing_time_regression", day) and name == self._target(
            "processing_time_regression"
        ):
            self.plan.record("processing_time_regression", day, name)
            duration *= 6

        if self._incident("processor_failed", day) and name == self._target("processor_failed"):
            self.plan.record("processor_failed", day, name)
            self.plan.record("processor_failed", day, proc.phase, consequence=True)
            when = at
            for _attempt in range(5):
                self._execution(proc, day, when, 12.0, "failed", 0, message_id, correlation_id,
                                error=("BigQueryError", "403 Quota exceeded: too many table update operations"))  # fmt: skip
                when += timedelta(seconds=self.rng.randint(40, 120))
            self._dead_letter(proc, day, when, message_id)
            return None

        if not skipped and self.rng.random() < 0.012:  # transient failure, redelivered, then fine
            self._execution(proc, day, at, 8.0, "failed", 0, message_id, correlation_id,
                            error=("TimeoutError", "Deadline exceeded while reading upstream table"))  # fmt: skip
            at += timedelta(seconds=self.rng.randint(30, 90))

        status = "skipped" if skipped else "success"
        exec_id = self._execution(
            proc, day, at, duration, status, 0 if skipped else records, message_id, correlation_id
        )
        done = at + timedelta(seconds=duration)
        extra = 0
        if self._incident("redelivery_storm", day) and name == self._target("redelivery_storm"):
            self.plan.record("redelivery_storm", day, name)
            extra = 11
        elif self.rng.random() < 0.02:
            extra = 1
        when = done
        for _ in range(extra):  # duplicates stopped by the idempotency guard
            when += timedelta(seconds=self.rng.randint(20, 60))
            self._execution(proc, day, when, 0.4, "skipped", 0, message_id, correlation_id,
                            history=False, skip_reason="duplicate message: already processed")  # fmt: skip
        return Attempt(done, status, 0 if skipped else records, exec_id)

    def _execution(
        self,
        proc: Processor,
        day: date,
        at: datetime,
        duration: float,
        status: str,
        records: int,
        message_id: str,
        correlation_id: str,
        error: tuple[str, str] | None = None,
        history: bool = True,
        skip_reason: str | None = None,
    ) -> str:
        exec_id = self._id()
        done = at + timedelta(seconds=duration)
        self.rows["processor_execution_log"].append(
            {
                "execution_id": exec_id,
                "processor_name": proc.name,
                "phase": proc.phase,
                "triggered_at": at,
                "completed_at": done,
                "duration_seconds": duration,
                "status": status,
                "data_date": day,
                "trigger_source": "pubsub",
                "pubsub_message_id": message_id,
                "correlation_id": correlation_id,
                "records_processed": records,
                "records_created": records,
                "records_updated": 0,
                "error_type": error[0] if error else None,
                "error_message": error[1] if error else None,
                "input_params": json.dumps({"game_date": day.isoformat(), "phase": proc.phase}),
                "cloud_run_revision": f"{proc.phase}-processors-00{42 + _stable(proc.name) % 9}-abc",
                "processed_at": done + timedelta(seconds=1),
            }
        )
        if history and skip_reason is None:
            self._dependency_checks(proc, day, at, exec_id)
        if (
            history
            and proc.writes_run_history
            and not (
                self._incident("missing_run_history", day)
                and proc.name == self._target("missing_run_history")
            )
        ):
            self._run_history(proc, day, at, done, duration, status, records, error)
        elif history and proc.writes_run_history:
            self.plan.record("missing_run_history", day, proc.name)
        return exec_id

    def _dependency_checks(self, proc: Processor, day: date, at: datetime, exec_id: str) -> None:
        deps = DEPENDENCIES.get(proc.name) or (
            PREDICTION_DEPENDENCIES if proc.phase == "phase5" else []
        )
        spike = self._incident("dependency_failure_spike", day)
        for table, fallback in deps:
            failed = self.rng.random() < 0.01 and fallback
            if spike and table == self._target("dependency_failure_spike"):
                failed = True
                self.plan.record("dependency_failure_spike", day, table)
            self.rows["dependency_check_log"].append(
                {
                    "check_id": self._id(),
                    "check_time": at - timedelta(seconds=self.rng.randint(2, 20)),
                    "processor_name": proc.name,
                    "data_date": day,
                    "required_table": table,
                    "required_partition": day.isoformat(),
                    "check_result": "FAIL" if failed else "PASS",
                    "row_count": 0 if failed else self.rng.randint(100, 5000),
                    "error_message": f"no rows in {table} for {day.isoformat()}"
                    if failed
                    else None,
                    "fallback_available": fallback,
                    "fallback_used": failed and fallback,
                    "execution_id": exec_id,
                }
            )

    def _run_history(
        self,
        proc: Processor,
        day: date,
        at: datetime,
        done: datetime,
        duration: float,
        status: str,
        records: int,
        error: tuple[str, str] | None,
    ) -> None:
        run_id = f"{proc.run_history_class}_{day:%Y%m%d}_{self.rng.getrandbits(32):08x}"
        base = {
            "processor_name": proc.run_history_class,
            "run_id": run_id,
            "phase": proc.run_history_phase,
            "data_date": day,
            "started_at": at,
            "trigger_source": "pubsub",
            "retry_attempt": 0,
        }
        if self.rng.random() > 0.1:  # some processors never wrote the `running` row
            self.rows["processor_run_history"].append({**base, "status": "running"})
        final = {
            **base,
            "status": status,
            "processed_at": done,
            "duration_seconds": duration,
            "records_processed": records,
            "used_source_fallback": False,
            "failure_category": "processing_error" if status == "failed" else None,
            "errors": json.dumps([{"type": error[0], "message": error[1]}] if error else []),
            "skip_reason": "bootstrap period: not enough history" if status == "skipped" else None,
        }
        self.rows["processor_run_history"].append(final)

    def _dead_letter(
        self, proc: Processor, day: date, at: datetime, message_id: str | None = None
    ) -> None:
        topic = TRIGGER_TOPIC[proc.phase]
        payload = {
            "processor": proc.name,
            "game_date": day.isoformat(),
            "phase": proc.phase,
            "correlation_id": self._id(),
        }
        attributes = {
            "CloudPubSubDeadLetterSourceDeliveryCount": "5",
            "CloudPubSubDeadLetterSourceSubscription": f"projects/{PROJECT}/subscriptions/{topic}-sub",
            "CloudPubSubDeadLetterSourceTopicPublishTime": (at - timedelta(minutes=5)).isoformat()
            + "Z",
        }
        self.rows["pubsub_dead_letters"].append(
            {
                "subscription_name": f"{topic}-dlq-bigquery",
                "message_id": message_id or str(self.rng.randint(10**15, 10**16)),
                "publish_time": at,
                "data": json.dumps(payload),
                "attributes": json.dumps(attributes),
            }
        )

    # ------------------------------------------------------------------ firestore
    def _firestore(self) -> None:
        expected = {
            phase: {p.name for p in self._registry(phase) if p.expected}
            for phase in ("phase2", "phase3", "phase4", "phase5")
        }
        for (phase, day), done in sorted(
            self.phase_done.items(), key=lambda kv: (kv[0][1], kv[0][0])
        ):
            collection = f"phase{phase[-1]}_completion"
            doc_name = (
                f"projects/{PROJECT}/databases/(default)/documents/{collection}/{day.isoformat()}"
            )
            doc: dict[str, Any] = {"_completed_count": 0, "_triggered": False}
            ordered = sorted(
                (a.completed_at, name, a) for name, a in done if a.completed_at is not None
            )
            for i, (when, name, attempt) in enumerate(ordered):
                doc[name] = {
                    "completed_at": when.isoformat() + "Z",
                    "status": attempt.status,
                    "record_count": attempt.records,
                    "execution_id": attempt.execution_id,
                }
                doc["_completed_count"] = len(ordered[: i + 1])
                self._changelog(doc_name, day, "CREATE" if i == 0 else "UPDATE", when, doc)
            complete = expected[phase] <= {name for _, name, _ in ordered}
            if not ordered or not complete:
                continue
            if phase == "phase3" and self._incident("phase_not_triggered", day):
                self.plan.record("phase_not_triggered", day, "phase3")
                continue
            last = ordered[-1][0] + timedelta(seconds=2)
            if last > self.as_of:
                continue
            doc["_triggered"] = True
            doc["_triggered_at"] = last.isoformat() + "Z"
            self._changelog(doc_name, day, "UPDATE", last, doc)

    def _changelog(
        self, doc_name: str, day: date, op: str, when: datetime, doc: dict[str, Any]
    ) -> None:
        if when > self.as_of:
            return
        self.rows["phase_completion_raw_changelog"].append(
            {
                "timestamp": when + timedelta(seconds=1),
                "event_id": self._id(),
                "document_name": doc_name,
                "operation": op,
                "data": json.dumps(doc, sort_keys=True),
                "document_id": day.isoformat(),
            }
        )

    # ------------------------------------------------------------------ scrapers and probes
    def _scrapers(self, day: date, games: list[Game]) -> None:
        spike = self._incident("scraper_error_spike", day)
        if spike:
            self.plan.record("scraper_error_spike", day, self._target("scraper_error_spike"))
        for name, workflow, cadence in self.scrapers:
            if cadence == "game_day" and not games:
                continue
            runs = len(games) if name in PER_GAME_SCRAPERS else 1
            for hhmm, offset in WORKFLOW_TIMES[workflow]:
                for _ in range(runs):
                    at = self._jitter(et_to_utc(day, hhmm, offset), 240)
                    if at > self.as_of:
                        continue
                    spiking = spike and name == self._target("scraper_error_spike")
                    if not self._scraper_run(name, workflow, day, at, spiking) and not spiking:
                        # the controller's recovery pass re-runs a failed scrape 20 minutes later
                        recovery_at = at + timedelta(minutes=20)
                        if recovery_at <= self.as_of:
                            self._scraper_run(
                                name, workflow, day, recovery_at, False, recovery=True
                            )

    def _scraper_run(
        self, name: str, workflow: str, day: date, at: datetime, spike: bool, recovery: bool = False
    ) -> bool:
        """Writes one scraper execution; returns False when it failed."""
        roll = 0.5 if recovery else self.rng.random()
        retries = 0
        error: tuple[str, str] | None = None
        if spike and roll < 0.7:
            status, retries = "failed", 3
            error = ("HTTPError", "403 Client Error: Forbidden for url (proxy blocked)")
        elif not spike and roll < 0.008:
            status, retries = "failed", 3
            error = ("ConnectionError", "Max retries exceeded: read timed out")
        elif roll < 0.008 + NO_DATA_RATE.get(name, 0.0):
            status = "no_data"
        else:
            status = "success"
            retries = 1 if roll > 0.96 else 0
        duration = round(self.rng.uniform(1.5, 25.0) * (1 + retries), 2)
        records = 0 if status != "success" else self.rng.randint(1, 800)
        self.rows["scraper_execution_log"].append(
            {
                "execution_id": self._id(),
                "scraper_name": name,
                "workflow": workflow,
                "game_date": day,
                "status": status,
                "triggered_at": at,
                "completed_at": at + timedelta(seconds=duration),
                "duration_seconds": duration,
                "source": "RECOVERY"
                if recovery
                else ("CONTROLLER" if workflow != "daily_schedule_lock" else "SCHEDULER"),
                "environment": "prod",
                "triggered_by": "workflow-executor",
                "gcs_path": f"gs://nba-scraped-data/{name}/{day.isoformat()}/{at:%H%M%S}.json",
                "data_summary": json.dumps({"record_count": records}),
                "error_type": error[0] if error else None,
                "error_message": error[1] if error else None,
                "retry_count": retries,
                "recovery": recovery,
                "run_id": f"{workflow}-{day:%Y%m%d}",
                "created_at": at + timedelta(seconds=duration + 0.5),
            }
        )
        return status != "failed"

    def _health_checks(self, day: date) -> None:
        sick = (
            self._target("service_unhealthy") if self._incident("service_unhealthy", day) else None
        )
        if sick:
            self.plan.record("service_unhealthy", day, sick)
        for service in SERVICES:
            blip_hour = (
                self.rng.randrange(24) if self.rng.random() < 0.03 and service != sick else -1
            )
            for hour in range(24):
                at = self._jitter(et_to_utc(day, f"{hour:02d}:00"), 20)
                if at > self.as_of:
                    continue
                bad = (service == sick and 1 <= hour <= 3) or hour == blip_hour
                self.rows["service_health_checks"].append(
                    {
                        "checked_at": at,
                        "service_name": service,
                        "url": f"https://{service}-f7p3ac7qba-wl.a.run.app/health",
                        "http_status": 503 if bad else 200,
                        "latency_ms": round(
                            self.rng.uniform(900, 1500) if bad else self.rng.uniform(40, 400), 1
                        ),
                        "is_healthy": not bad,
                        "error_message": "unexpected status 503 Service Unavailable"
                        if bad
                        else None,
                    }
                )

    # ------------------------------------------------------------------ incidents applied afterwards
    def _stop_dependency_log(self) -> None:
        stop = et_to_utc(self.end - timedelta(days=1), "00:00")
        rows = self.rows["dependency_check_log"]
        kept = [r for r in rows if r["check_time"] < stop]
        if len(kept) < len(rows):
            self.plan.record("log_table_stopped", self.end, self._target("log_table_stopped"))
        self.rows["dependency_check_log"] = kept

    def _malformed(self, day: date) -> None:
        """A small documented set of rows that break the contract; staging must quarantine them."""
        base_at = et_to_utc(day, "12:00")

        def scraper(**changes: Any) -> Row:
            row = {
                "execution_id": self._id(), "scraper_name": "nbac_roster", "workflow": "morning_operations",
                "game_date": day, "status": "success", "triggered_at": base_at,
                "completed_at": base_at + timedelta(seconds=4), "duration_seconds": 4.0, "source": "MANUAL",
                "environment": "prod", "data_summary": json.dumps({"record_count": 3}), "retry_count": 0,
            }  # fmt: skip
            row.update(changes)
            return row

        def execution(**changes: Any) -> Row:
            row = {
                "execution_id": self._id(), "processor_name": "nbac_standings", "phase": "phase2",
                "triggered_at": base_at, "completed_at": base_at + timedelta(seconds=30),
                "duration_seconds": 30.0, "status": "success", "data_date": day, "trigger_source": "manual",
                "processed_at": base_at + timedelta(seconds=31),
            }  # fmt: skip
            row.update(changes)
            return row

        dup_id = self._id()
        self.rows["scraper_execution_log"] += [
            scraper(execution_id=None),  # null_key
            scraper(duration_seconds=-12.0),  # negative_duration
        ]
        self.rows["processor_execution_log"] += [
            execution(status="exploded"),  # unknown_status
            execution(completed_at=base_at - timedelta(minutes=5)),  # completed_before_triggered
            execution(execution_id=dup_id, status="success"),  # conflicting_duplicate
            execution(execution_id=dup_id, status="failed"),  # conflicting_duplicate
        ]
        self.rows["processor_run_history"].append(
            {
                "processor_name": "NbacStandingsProcessor",
                "run_id": None,
                "status": "success",
                "data_date": day,
                "started_at": base_at,
                "processed_at": base_at + timedelta(seconds=30),
            }  # fmt: skip
        )  # null_key
        self.rows["dependency_check_log"].append(
            {
                "check_id": self._id(),
                "check_time": base_at,
                "processor_name": "player_daily_cache",
                "data_date": day,
                "required_table": "nba_analytics.player_game_summary",
                "check_result": "MAYBE",
            }  # fmt: skip
        )  # unknown_status
        self.rows["pubsub_dead_letters"].append(
            {
                "subscription_name": "nba-phase3-trigger-dlq-bigquery",
                "message_id": "17",
                "publish_time": base_at,
                "data": '{"processor": "player_game_summ',
                "attributes": "{}",
            }  # fmt: skip
        )  # unparseable_json
        self.rows["phase_completion_raw_changelog"].append(
            {
                "timestamp": base_at,
                "event_id": self._id(),
                "document_name": f"projects/{PROJECT}/databases/(default)/documents/phase2_completion/{day}",
                "operation": "UPDATE",
                "data": "{not json",
                "document_id": day.isoformat(),
            }  # fmt: skip
        )  # unparseable_json
        for table in (
            "nba_orchestration.scraper_execution_log",
            "nba_orchestration.processor_execution_log",
            "nba_reference.processor_run_history",
            "nba_orchestration.dependency_check_log",
            "nba_orchestration.pubsub_dead_letters",
            "firestore_export.phase_completion_raw_changelog",
        ):
            self.plan.record("malformed_rows", day, table)


MALFORMED_EXPECTED = {
    "nba_orchestration.scraper_execution_log": {"null_key": 1, "negative_duration": 1},
    "nba_orchestration.processor_execution_log": {
        "unknown_status": 1,
        "completed_before_triggered": 1,
        "conflicting_duplicate": 2,
    },
    "nba_reference.processor_run_history": {"null_key": 1},
    "nba_orchestration.dependency_check_log": {"unknown_status": 1},
    "nba_orchestration.pubsub_dead_letters": {"unparseable_json": 1},
    "firestore_export.phase_completion_raw_changelog": {"unparseable_json": 1},
}
