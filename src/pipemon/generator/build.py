"""Builds the rows of a generated season: the phase writers, the incidents applied afterwards.
The calendar plan (`calendar`) says what kind of day each date is and which job groups run;
the daily driver (`year_days.YearDays._day`) asks it on every date. One writer module per
table family:

- `year_days`: the daily driver; the year's schedule rows and declared halts (`halts`)
- `games`: schedule, box scores, props, feature store, predictions
- `runs`: run history, the plan's execution / dependency / dead-letter logs
- `firestore`: the probe's Firestore snapshots and the `phase_completions` dual-write
- `probes`: the scraper execution log and service health checks
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipemon.generator import calendar as cal
from pipemon.generator import formats as fmt
from pipemon.generator import incidents as inc
from pipemon.generator import registry
from pipemon.generator.core import (
    PLANNED_TABLES,
    PROJECT,
    Attempt,
    DayPlayers,
    Row,
    parse_logs,
    props_window_start,
)
from pipemon.generator.documented import LOAD_QUOTA, NOT_FOUND_404
from pipemon.generator.season import (
    SEASON_END,
    SEASON_START,
    Game,
    et_to_utc,
    player_pool,
    season_games,
)
from pipemon.generator.year import YearSchedule, year_schedule
from pipemon.generator.year_days import YearDays

AS_OF_ET = "14:00"  # the monitor looks at the period from 14:00 ET on its last day
EMPTY_BOOTSTRAP_DAYS = 7  # phase 5 predicts nothing in the first week
EARLY_SYSTEMS = ("moving_average", "ensemble_v1")  # the only systems in the rest of bootstrap
# ET times the real schedulers start the same-day runs (the deadlines come from the seed)
SAME_DAY_START = {"phase3": "10:30", "phase4": "11:00", "phase5": "11:30"}
PROPS_PROCESSORS = {
    "odds_api_player_points_props",
    "odds_api_game_lines",
    "bettingpros_player_points_props",
}
GAMEBOOK_PROCESSORS = {
    "nbac_gamebook_player_stats",
    "nbac_play_by_play",
    "bigdataball_play_by_play",
}
UPCOMING_PROCESSORS = {"upcoming_player_game_context", "upcoming_team_game_context"}
SCRAPER_LOG_KINDS = ("scraper_error_spike", "malformed_rows")
REUSED_ID_PLAYED = date(2026, 1, 29)  # the documented game_id reuse


def postpone(games: list[Game], end: date) -> tuple[list[Game], list[Game]]:
    """One game postponed: it stays scheduled on its date and is played, under the same game_id,
    on a game day about three weeks later (on 2026-01-29, as the documented reuse, when the
    period allows). Returns (games played, games postponed)."""
    by_day: dict[date, list[Game]] = defaultdict(list)
    for game in games:
        by_day[game.game_date].append(game)

    def busy(day: date) -> set[str]:
        return {t for g in by_day[day] for t in (g.home, g.away)}

    choice: tuple[Game, date] | None = None
    for first in sorted(d for d in by_day if d >= date(2026, 1, 5) and len(by_day[d]) >= 8):
        later = [d for d in sorted(by_day) if first + timedelta(days=21) <= d <= end and by_day[d]]
        preferred = [d for d in later if d == REUSED_ID_PLAYED] + later
        for day in preferred:
            movable = [g for g in by_day[first] if not {g.home, g.away} & busy(day)]
            if movable:
                choice = (movable[-1], day)
                break
        if choice is not None and (choice[1] == REUSED_ID_PLAYED or end < REUSED_ID_PLAYED):
            break
        if choice is not None and first + timedelta(days=21) > REUSED_ID_PLAYED:
            break
    if choice is None:
        return games, []
    moved, day = choice
    shift = timedelta(days=(day - moved.game_date).days)
    played = Game(
        moved.game_id, day, moved.home, moved.away, moved.tip_utc + shift, moved.end_utc + shift
    )
    rest = [g for g in games if g is not moved] + [played]
    rest.sort(key=lambda g: (g.game_date, g.game_id))
    return rest, [moved]


class SeasonBuilder(YearDays):
    """Generates every contract table for `start..end`; `as_of` is 14:00 ET on `end`."""

    def __init__(
        self,
        start: date,
        end: date,
        seed: int,
        scale: int,
        kinds: list[str],
        seeds_dir: Path,
        progress: Callable[[str], None] | None = None,
        *,
        logs: str = "planned",
        bootstrap_days: int = 14,
        season_start: date | None = None,
        last_game_day: date | None = None,
        as_of: datetime | None = None,
        calendar: str = "regular",
        halts: bool = True,
    ) -> None:
        """An earlier season of a history passes its own `season_start` and `last_game_day`
        (no games in the off-season after it) and the latest season's `as_of` (the moment the
        whole warehouse is seen from: expired scraper-log partitions are gone)."""
        regs = registry.load(seeds_dir)
        plan_of_days = cal.parse_calendar(calendar)
        year: YearSchedule | None = None
        if plan_of_days.year:
            season_start = SEASON_START
            year = year_schedule(seed, end)
        if season_start is None:
            season_start = SEASON_START if start >= SEASON_START else start
        if as_of is None:
            as_of = et_to_utc(end, AS_OF_ET)
        if year is None:
            games = season_games(
                start, end, random.Random(f"{seed}-schedule"), season_start, last_game_day
            )
        else:  # the year's incidents fall on the 2025-26 regular season's games
            games = [
                g for g in year.games
                if g.game_id[:3] == "002" and SEASON_START <= g.game_date <= SEASON_END
            ]  # fmt: skip
        per_day: dict[date, int] = defaultdict(int)
        for game in games:
            per_day[game.game_date] += 1
        retention = (as_of - timedelta(days=fmt.SCRAPER_LOG_RETENTION_DAYS)).date() + timedelta(
            days=1
        )

        def allowed(kind: str, day: date) -> bool:
            if kind in SCRAPER_LOG_KINDS:
                history = 9 if kind == "scraper_error_spike" else 0
                if day < retention + timedelta(days=history):
                    return False  # its scraper rows would have expired (or lack a baseline)
            if kind == "fallback_spike":
                bdl = regs.processor("bdl_player_boxscores")
                if bdl is not None and not bdl.live(day):
                    return False
                zero = inc.KINDS["bdl_zero_records"]
                injected = "bdl_zero_records" in kinds
                if injected and zero.first and zero.last and zero.first <= day <= zero.last:
                    return False  # BDL loaded nothing to fall back on
            return regs.live(inc.KINDS[kind].target, day)

        season_kinds = [k for k in kinds if k not in inc.YEAR_KINDS]
        plan = inc.place(
            season_kinds,
            sorted(per_day),
            dict(per_day),
            end,
            season_start + timedelta(days=bootstrap_days),
            min_history=7,
            rng=random.Random(f"{seed}-incidents"),
            allowed=allowed,
        )
        super().__init__(
            start, end, seed, scale, parse_logs(logs), regs, plan, as_of, bootstrap_days,
            season_start, progress,
        )  # fmt: skip
        self.calendar = plan_of_days
        self.halts = halts
        self.year = year
        self.postponed_on: dict[date, list[Game]] = defaultdict(list)  # predicted, never played
        self.preseason_on: dict[date, list[Game]] = defaultdict(list)  # scraped, never loaded
        if year is None:
            self.games, self.postponed = postpone(games, end)
            for game in self.games:
                self.games_by_day[game.game_date].append(game)
        else:
            self._year_setup(year, kinds, allowed)
        self.pool = player_pool(random.Random(f"{seed}-players"), scale)

    # ------------------------------------------------------------------ driver
    def build(self) -> dict[str, list[Row]]:
        day = self.start
        while day <= self.end:
            self._day(day)
            if day.day == 1 or day == self.end:
                self.progress(f"generated through {day.isoformat()}")
            day += timedelta(days=1)
        if self.year is None:
            self._schedule(self.games, self.postponed)
        else:
            self._year_tables()
        self._completion_state()
        if "log_table_stopped" in self.plan.days:
            self._stop_dependency_log()
        if "malformed_rows" in self.plan.days:
            self._malformed(self.plan.days["malformed_rows"])
        if self.year is not None:
            self._unseen_kinds()
        return self.rows

    def truth(self) -> dict[str, Any]:
        if self.year is not None:
            return self._year_truth()
        return {
            **self._truth_of_run(),
            "season_start": self.season_start.isoformat(),
            "postponements": [
                {
                    "game_id": g.game_id,
                    "scheduled_date": g.game_date.isoformat(),
                    "played_date": next(
                        p.game_date.isoformat() for p in self.games if p.game_id == g.game_id
                    ),
                }
                for g in self.postponed
            ],
            **self._truth_of_plan(),
        }

    def _complete(self, phase: str, data_date: date, name: str, attempt: Attempt | None) -> None:
        if attempt is not None:
            self.completions[(phase, data_date)].append((name, attempt))

    # ------------------------------------------------------------------ phase 2
    def _phase2_daily(self, day: date) -> None:
        """Reference loads after the morning scrapes; they carry no date: data_date = UTC today."""
        for proc in self._registry("phase2", day):
            if proc.cadence != "daily":
                continue
            if self._schedule_loads_documented(proc, day):
                continue
            at = self._jitter(self._et(day, "06:40"), 2400)
            attempt = self._run(
                proc, day, at, self._duration(proc.name, 20, 150), data_date=at.date()
            )
            self._complete("phase2", at.date(), proc.name, attempt)

    def _phase2_props(self, day: date, games: list[Game]) -> None:
        start = props_window_start(day, games) + timedelta(minutes=10)
        for proc in self._registry("phase2", day):
            if proc.name in PROPS_PROCESSORS:
                records = None
                if proc.name == "bettingpros_player_points_props" and self._incident(
                    "prop_data_gap", day
                ):
                    records = 0  # it ran and loaded nothing
                    self.plan.record("prop_data_gap", day, proc.name)
                attempt = self._run(
                    proc, day, self._jitter(start, 600), self._duration(proc.name, 20, 90),
                    records=records,
                )  # fmt: skip
                self._complete("phase2", day, proc.name, attempt)

    def _phase2_games(self, day: date) -> None:
        """Game processors follow the post-game scrapes: box scores after the 01:00 ET window,
        gamebooks and play-by-play after the 04:00 ET one."""
        for proc in self._registry("phase2", day):
            if proc.cadence == "daily" or proc.name in PROPS_PROCESSORS:
                continue
            if proc.cadence == "optional":
                if self.rng.random() > 0.3:
                    continue
                at = self._jitter(self._et(day, "23:30"), 900)
            elif proc.name in GAMEBOOK_PROCESSORS:
                at = self._jitter(self._et(day, "04:15", 1), 900)
            elif proc.name == "nbac_referee_assignments":
                at = self._jitter(self._et(day, "10:15"), 600)
            else:
                at = self._jitter(self._et(day, "01:10", 1), 900)
            if proc.name == "nbac_gamebook_player_stats" and self._incident(
                "gamebook_scraper_blocked", day
            ):
                self.plan.record("gamebook_scraper_blocked", day, proc.name)
                continue  # the scraper was blocked: no file, nothing to process
            if self._incident("bigquery_load_quota", day):
                self.plan.record("bigquery_load_quota", day, proc.name)
                self.plan.record("bigquery_load_quota", day, "phase2", consequence=True)
                self._failed_runs(proc, day, at, 3, LOAD_QUOTA, gap_minutes=5)
                continue
            records = None
            if proc.name == "bdl_player_boxscores" and self._incident("bdl_zero_records", day):
                records = 0  # the idempotency trap: the morning's empty file marked the date done
                self.plan.record("bdl_zero_records", day, proc.name)
            if proc.name == "nbac_team_boxscore" and self._incident("team_boxscore_empty", day):
                records = 0
                self.plan.record("team_boxscore_empty", day, proc.name)
            attempt = self._run(proc, day, at, self._duration(proc.name, 20, 150), records=records)
            self._complete("phase2", day, proc.name, attempt)

    # ------------------------------------------------------------------ phase 3
    def _phase3_upcoming(self, day: date) -> None:
        start = self._et(day, SAME_DAY_START["phase3"])
        for proc in self._registry("phase3", day):
            if proc.name == "player_game_summary" and self._incident("pgs_retry_storm", day):
                self._retry_storm(proc, day)
            if proc.name in UPCOMING_PROCESSORS and self._crashed_no_rows(proc.name, day):
                continue
            if proc.name == "upcoming_team_game_context" and self._incident(
                "phase3_partial_phase4_404", day
            ):
                self.plan.record("phase3_partial_phase4_404", day, proc.name)
                self.plan.record("phase3_partial_phase4_404", day, "phase3", consequence=True)
                continue  # only part of phase 3 was triggered
            if proc.name in UPCOMING_PROCESSORS:
                attempt = self._run(
                    proc, day, self._jitter(start, 300), self._duration(proc.name, 40, 200)
                )
                self._complete("phase3", day, proc.name, attempt)

    def _phase3_summaries(
        self, day: date, games: list[Game], players: dict[str, DayPlayers]
    ) -> None:
        """Yesterday's summaries overnight, done by about 07:00 ET."""
        start = self._et(day, "05:00", 1)
        for proc in self._registry("phase3", day):
            if proc.name in UPCOMING_PROCESSORS or self._crashed_no_rows(proc.name, day):
                continue
            at = self._jitter(start, 1800)
            attempt = self._run(proc, day, at, self._duration(proc.name, 40, 200))
            self._complete("phase3", day, proc.name, attempt)
            if proc.name == "player_game_summary" and attempt is not None:
                self._box_scores(day, games, players, attempt.completed_at)

    # ------------------------------------------------------------------ phase 4
    def _phase4(self, day: date, games: list[Game], players: dict[str, DayPlayers]) -> None:
        bootstrap = day < self.bootstrap_end
        start = self._et(day, SAME_DAY_START["phase4"])
        for proc in self._registry("phase4", day):
            mlfs = proc.name == "ml_feature_store"
            at = self._jitter(start + timedelta(minutes=12 if mlfs else 0), 300)
            if self._crashed_no_rows(proc.name, day):
                continue
            if self._incident("phase3_partial_phase4_404", day):
                self.plan.record("phase3_partial_phase4_404", day, proc.name)
                self.plan.record("phase3_partial_phase4_404", day, "phase4", consequence=True)
                self._failed_runs(proc, day, at, 2, NOT_FOUND_404)
                if mlfs:
                    self._features_missing("phase3_partial_phase4_404", day, games)
                continue
            duration = self._duration(proc.name, 60, 400)
            records = None
            if mlfs:
                records = sum(len(players[g.game_id].rostered) for g in games)
            elif bootstrap:
                records = 0
            attempt = self._run(
                proc, day, at, duration, records=records,
                skip_reason="early season: not enough history" if bootstrap and not mlfs else None,
            )  # fmt: skip
            self._complete("phase4", day, proc.name, attempt)
            if mlfs and attempt is not None:
                self._features(day, games, players, attempt.completed_at)

    # ------------------------------------------------------------------ phase 5
    def _phase5(self, day: date, games: list[Game], players: dict[str, DayPlayers]) -> None:
        coordinator = next(iter(self._registry("phase5", day)), None)
        if coordinator is None:
            return
        late = self._incident("phase_late", day)
        if late:
            self.plan.record("phase_late", day, "phase5")
            start = self._deadline("phase5", day) + timedelta(minutes=5)
        else:
            start = self._et(day, SAME_DAY_START["phase5"])
        start = self._jitter(start, 240)
        if start > self.as_of:
            return
        systems = self.reg.systems_on(day)
        if self._days_into_season(day) < EMPTY_BOOTSTRAP_DAYS:
            systems = []
        elif day < self.bootstrap_end:
            systems = [s for s in systems if s in EARLY_SYSTEMS]
        partial = False
        silent = self._target("predictions_missing_system")
        if self._incident("predictions_missing_system", day) and silent in systems:
            self.plan.record("predictions_missing_system", day, silent)
            # phase 5 completes only when every live system predicted: it stays incomplete
            self.plan.record("predictions_missing_system", day, "phase5", consequence=True)
            systems = [s for s in systems if s != silent]
            partial = True
        dropped: set[str] = set()
        if self._incident("predictions_missing_players", day):
            self.plan.record(
                "predictions_missing_players", day, self._target("predictions_missing_players")
            )
            with_line = [p for g in games for p in players[g.game_id].main_line]
            dropped = {p for p in with_line if self.rng.random() < 0.35}
            partial = True
        written, last = self._predictions(day, games, players, systems, start, dropped)
        duration = round((last - start).total_seconds() + self.rng.uniform(20, 60), 1)
        self._run(coordinator, day, start, duration, records=written,
                  status="partial" if partial else "success", flaky=False)  # fmt: skip

    def _crashed_no_rows(self, name: str, day: date) -> bool:
        """Phase 3 and 4 services crashed at start-up for the date: not a single row."""
        kind = "p3_p4_crash_no_rows"
        if not self._incident(kind, day):
            return False
        games = self.games_by_day.get(day, [])
        self.plan.record(kind, day, name)
        phase = (
            "phase3"
            if self.reg.processor(name) and name in {p.name for p in self._registry("phase3", day)}
            else "phase4"
        )
        self.plan.record(kind, day, phase, consequence=True)
        if name == "player_game_summary" and day < self.end:
            table = "nba_analytics.player_game_summary"
            for game in games:
                self.plan.record(kind, day, game.game_id, consequence=True)
            self.plan.record(kind, day, table, consequence=True)
            self.plan.gap(table, day)
        if name == "ml_feature_store":
            self._features_missing(kind, day, games)
        return True

    def _features_missing(self, kind: str, day: date, games: list[Game]) -> None:
        table = "nba_predictions.ml_feature_store_v2"
        self.plan.record(kind, day, table, consequence=kind != "phase3_partial_phase4_404")
        self.plan.gap(table, day)
        for game in games:
            self.plan.record(kind, day, game.game_id, consequence=True)

    def _deadline(self, phase: str, day: date) -> datetime:
        deadline = self.reg.deadlines[phase]
        return self._et(day, deadline.time_et, deadline.day_offset)

    # ------------------------------------------------------------------ incidents applied afterwards
    def _stop_dependency_log(self) -> None:
        stop = et_to_utc(self.end - timedelta(days=1), "00:00")
        rows = self.rows["dependency_check_log"]
        kept = [r for r in rows if r["check_time"] < stop]
        if len(kept) < len(rows):
            self.plan.record(
                "log_table_stopped", self.end, self._target("log_table_stopped"),
                needs="nba_orchestration.dependency_check_log",
            )  # fmt: skip
        self.rows["dependency_check_log"] = kept

    def _malformed(self, day: date) -> None:
        """A small documented set of rows that break the contract; staging must quarantine them."""
        base_at = et_to_utc(day, "12:00")

        def scraper(**changes: Any) -> Row:
            row = {
                "execution_id": self._id(), "scraper_name": "nba_team_roster", "workflow": "MANUAL",
                "game_date": None, "status": "success", "triggered_at": base_at,
                "completed_at": base_at + timedelta(seconds=4), "duration_seconds": 4.0, "source": "MANUAL",
                "environment": "prod", "data_summary": json.dumps({"record_count": 3}), "retry_count": 0,
                "opts": json.dumps({"group": "prod"}),
            }  # fmt: skip
            row.update(changes)
            return row

        def execution(**changes: Any) -> Row:
            row = {
                "execution_id": self._id(), "processor_name": "nbac_player_list_current", "phase": "phase2",
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
        for row in (
            execution(status="exploded"),  # unknown_status
            execution(completed_at=base_at - timedelta(minutes=5)),  # completed_before_triggered
            execution(execution_id=dup_id, status="success"),  # conflicting_duplicate
            execution(execution_id=dup_id, status="failed"),  # conflicting_duplicate
        ):
            self.rows["processor_execution_log"].append(row)
        self.rows["processor_run_history"].append(
            {
                "processor_name": "NbacPlayerListProcessor",
                "run_id": None,
                "status": "success",
                "phase": "phase_2_raw",
                "data_date": day,
                "season_year": self.season_start.year,
                "started_at": base_at,
                "processed_at": base_at + timedelta(seconds=30),
                "retry_attempt": 1,
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
            },  # fmt: skip
        )  # unknown_status
        self.rows["pubsub_dead_letters"].append(
            {
                "subscription_name": "nba-phase2-raw-complete-dlq-sub",
                "message_id": "17",
                "publish_time": base_at,
                "data": '{"processor": "player_game_summ',
                "attributes": "{}",
            },  # fmt: skip
        )  # unparseable_json
        self.rows["firestore_phase_snapshots"].append(
            {
                "snapshot_at": base_at,
                "collection": "phase3_completion",
                "document_id": day.isoformat(),
                "update_time": base_at - timedelta(minutes=3),
                "data": "{not json",
            }  # fmt: skip
        )  # unparseable_json
        for table in MALFORMED_EXPECTED:
            name = table.split(".")[1]
            needs = table if name in PLANNED_TABLES else None
            self.plan.record("malformed_rows", day, table, needs=needs)
        # the unreadable dead letter is still a dead letter: alerted on its topic, with its reason
        self.plan.record(
            "malformed_rows",
            day,
            "nba-phase2-raw-complete",
            consequence=True,
            needs="nba_orchestration.pubsub_dead_letters",
        )


# What staging quarantines from the malformed_rows incident, per table and reason (planned mode).
MALFORMED_EXPECTED: dict[str, dict[str, int]] = {
    "nba_orchestration.scraper_execution_log": {"null_key": 1, "negative_duration": 1},
    "nba_orchestration.processor_execution_log": {
        "unknown_status": 1,
        "completed_before_triggered": 1,
        "conflicting_duplicate": 2,
    },
    "nba_reference.processor_run_history": {"null_key": 1},
    "nba_orchestration.dependency_check_log": {"unknown_status": 1},
    "nba_orchestration.pubsub_dead_letters": {"unparseable_json": 1},
    "nba_orchestration.firestore_phase_snapshots": {"unparseable_json": 1},
}


def malformed_expected(logs: str = "planned") -> dict[str, dict[str, int]]:
    """MALFORMED_EXPECTED for a log mode: `existing` has no planned tables to quarantine from."""
    parse_logs(logs)
    if logs == "planned":
        return {t: dict(r) for t, r in MALFORMED_EXPECTED.items()}
    return {
        t: dict(r) for t, r in MALFORMED_EXPECTED.items() if t.split(".")[1] not in PLANNED_TABLES
    }


__all__ = ["PROJECT", "MALFORMED_EXPECTED", "SeasonBuilder", "malformed_expected"]
