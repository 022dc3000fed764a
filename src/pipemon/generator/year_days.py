"""The daily driver: each date's jobs come from the calendar plan (both calendars); and the
year's own tables (the schedule with its postponements and playoffs, the declared halts),
written from the plan's facts."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pipemon.generator import calendar as cal
from pipemon.generator import halts as halt
from pipemon.generator import incidents as inc
from pipemon.generator.core import DayPlayers
from pipemon.generator.documented import Documented
from pipemon.generator.firestore import Firestore
from pipemon.generator.games import GameTables
from pipemon.generator.probes import Probes
from pipemon.generator.season import SEASON_START, Game, et_to_utc
from pipemon.generator.year import YearSchedule, postponed_status

WAVE_NO_GAMES = "no games scheduled: the restart before the opener"
RESTART_FAILURE = ("RuntimeError", "Service unavailable: failed to load schedule context")
RESTART_FAILURE_OFFSET = 2  # days after phase 3/4 resume
# the shape incidents' dates: regular-season days with every early system and catboost_v9 live
SHAPE_COLLAPSED_ON = date(2026, 3, 5)
UNREGISTERED_ON = date(2026, 3, 10)
UNREGISTERED_COPIES = "moving_average"  # the unregistered system's rows are this one's, copied
POSTPONED_FILTER = "postponed_game"
SCRAPER_LOG_KINDS = ("scraper_error_spike", "malformed_rows")


class YearDays(GameTables, Documented, Firestore, Probes):
    calendar: cal.CalendarPlan
    year: YearSchedule | None
    halts: bool
    games: list[Game]
    postponed: list[Game]
    postponed_on: dict[date, list[Game]]
    preseason_on: dict[date, list[Game]]

    if TYPE_CHECKING:  # the phase writers of the driver (build.SeasonBuilder)

        def _phase2_daily(self, day: date) -> None: ...
        def _phase2_props(self, day: date, games: list[Game]) -> None: ...
        def _phase2_games(self, day: date) -> None: ...
        def _phase3_upcoming(self, day: date) -> None: ...
        def _phase3_summaries(
            self, day: date, games: list[Game], players: dict[str, DayPlayers]
        ) -> None: ...
        def _phase4(self, day: date, games: list[Game], players: dict[str, DayPlayers]) -> None: ...
        def _phase5(self, day: date, games: list[Game], players: dict[str, DayPlayers]) -> None: ...

    # ------------------------------------------------------------------ set-up
    def _year_setup(
        self, year: YearSchedule, kinds: list[str], allowed: Callable[[str, date], bool]
    ) -> None:
        self.games = [g for g in year.games if self.start <= g.game_date <= self.end]
        self.postponed = [g for g in year.postponed if self.start <= g.game_date <= self.end]
        for game in self.postponed:
            self.postponed_on[game.game_date].append(game)
        for game in year.preseason:
            self.preseason_on[game.game_date].append(game)
        for game in self.games:
            if game.game_id[:3] != "003" and game.game_id not in year.unplayed:
                self.games_by_day[game.game_date].append(game)
        self._place_year_kinds(year, kinds, allowed)

    def _place_year_kinds(
        self, year: YearSchedule, kinds: list[str], allowed: Callable[[str, date], bool]
    ) -> None:
        """The year's own kinds on the plan's dates; the scraper-log kinds the log's 90 days
        refused in the regular season on the 2026-27 season's game days."""
        playoff_days = sorted(
            d for d, games in self.games_by_day.items() if any(g.game_id[:3] == "004" for g in games)
        )  # fmt: skip
        restart = next(s.first for s in self.calendar.stretches if s.kind == "restart_phase3_4")
        days = {
            "playoff_box_scores_missing": playoff_days[-1] if playoff_days else None,
            "restart_phase3_failed": restart + timedelta(days=RESTART_FAILURE_OFFSET),
            "prediction_shape_collapsed": SHAPE_COLLAPSED_ON,
            "prediction_system_unregistered": UNREGISTERED_ON,
        }
        for kind, day in days.items():
            if kind not in kinds:
                continue
            if day is None or not self.start <= day < self.end:
                self.plan.skipped.append(kind)
            else:
                self.plan.days[kind] = day
        refused = [k for k in SCRAPER_LOG_KINDS if k in self.plan.skipped]
        later = sorted(d for d in self.games_by_day if d >= cal.OPENER_2026)
        if not refused or not later:
            return
        again = inc.place(
            refused, later, {d: len(self.games_by_day[d]) for d in later}, self.end,
            self.end, min_history=7, rng=random.Random(f"{self.seed}-year-incidents"),
            allowed=allowed,
        )  # fmt: skip
        for kind, day in again.days.items():
            self.plan.days[kind] = day
            self.plan.skipped.remove(kind)

    # ------------------------------------------------------------------ one date
    def _day(self, day: date) -> None:
        """One date, for either calendar: the plan says which job groups run (the regular
        calendar: every season job, every date)."""
        plan = self.calendar
        if plan.year and day >= cal.NEW_SEASON_FROM and self.season_start < cal.OPENER_2026:
            self.season_start = cal.OPENER_2026
            self.bootstrap_end = cal.OPENER_2026 + timedelta(days=self.bootstrap_days)
        played = self.games_by_day.get(day, [])
        same_day = played + self.postponed_on.get(day, [])
        if plan.runs(day, cal.SCRAPERS):
            self._scrapers(day, same_day + self.preseason_on.get(day, []))
        if plan.runs(day, cal.HEALTH_CHECKS):
            self._health_checks(day)
        if plan.runs(day, cal.PHASE2):
            self._phase2_daily(day)
        self._outside_registry_runs(
            day, reference=plan.runs(day, cal.REFERENCE), mlb=plan.runs(day, cal.MLB)
        )
        if self._incident("mlb_redelivery_storm", day):
            self._mlb_storm(day)
        if not same_day:
            self._wave_runs(day)
            return
        players = self._players(same_day)
        if plan.runs(day, cal.PHASE2):
            self._props(day, same_day, players)
            self._phase2_props(day, same_day)
        if plan.runs(day, cal.PHASE3):
            self._phase3_upcoming(day)
        if plan.runs(day, cal.PHASE4):
            self._phase4(day, same_day, players)
        if plan.runs(day, cal.PREDICTIONS):
            self._phase5(day, same_day, players)
        if day < self.end:  # the last day's games are not final at as_of
            if plan.runs(day, cal.PHASE2):
                self._phase2_games(day)
            if plan.runs(day, cal.PHASE3):
                self._phase3_summaries(day, self._box_score_games(day, played), players)

    def _box_score_games(self, day: date, played: list[Game]) -> list[Game]:
        kind = "playoff_box_scores_missing"
        if not self._incident(kind, day):
            return played
        lost = [g for g in played if g.game_id[:3] == "004"][-1]
        table = "nba_analytics.player_game_summary"
        self.plan.record(kind, day, lost.game_id)
        self.plan.record(kind, day, table, consequence=True)
        self.plan.gap(table, day)
        return [g for g in played if g is not lost]

    def _wave_runs(self, day: date) -> None:
        """A restart date before the opener: phase 3's same-day contexts, phase 4 and the
        coordinator run on their schedules and find nothing to do (zero picks)."""
        if not self.calendar.kind(day).startswith("restart_"):
            return
        if self.calendar.runs(day, cal.PHASE3):
            at = self._jitter(self._et(day, "10:30"), 300)
            for proc in self._registry("phase3", day):
                if proc.name not in ("upcoming_player_game_context", "upcoming_team_game_context"):
                    continue
                if self._incident("restart_phase3_failed", day) and proc.name == (
                    inc.YEAR_KINDS["restart_phase3_failed"].target
                ):
                    self.plan.record("restart_phase3_failed", day, proc.name)
                    self.plan.record("restart_phase3_failed", day, "phase3", consequence=True)
                    self._failed_runs(proc, day, at, 5, RESTART_FAILURE)
                    self._dead_letter(proc, day, at + timedelta(minutes=12))
                    continue
                self._run(proc, day, at, self._duration(proc.name, 5, 30), records=0,
                          skip_reason=WAVE_NO_GAMES)  # fmt: skip
        if self.calendar.runs(day, cal.PHASE4):
            at = self._jitter(self._et(day, "11:00"), 300)
            for proc in self._registry("phase4", day):
                self._run(proc, day, at, self._duration(proc.name, 5, 30), records=0,
                          skip_reason=WAVE_NO_GAMES)  # fmt: skip
        if self.calendar.runs(day, cal.PREDICTIONS):
            coordinator = next(iter(self._registry("phase5", day)), None)
            if coordinator is not None:
                at = self._jitter(self._et(day, "11:30"), 240)
                self._run(coordinator, day, at, self._duration(coordinator.name, 5, 30),
                          records=0, flaky=False)  # fmt: skip

    # ------------------------------------------------------------------ the year's tables
    def _year_tables(self) -> None:
        self._year_schedule_rows()
        self._deactivate_postponed()
        self._shape_incidents()
        if self.halts:
            self._halt_tables()

    def _unseen_kinds(self) -> None:
        """A kind placed on its dates that left nothing visible at `as_of` (the scraper log's
        90 days end long before the year does) did not fit the period: it is skipped."""
        recorded = {r["kind"] for r in self.plan.records}
        silent = {n["kind"] for n in self.plan.non_alerts}
        for kind in self.plan.days:
            if kind not in recorded and kind not in silent and kind not in self.plan.skipped:
                self.plan.skipped.append(kind)

    def _year_schedule_rows(self) -> None:
        """One row per game as the last load before `as_of` left it: games on or after the
        shutdown (the "if necessary" ones among them) stay at status 1; the postponed games'
        original rows at 9 since 2026-02-10."""
        assert self.year is not None
        last_load = cal.SHUTDOWN - timedelta(days=1)
        for game in self.games:
            extra = self._schedule_flags(game)
            if game.game_id in self.year.unplayed:
                at = self._jitter(et_to_utc(min(game.game_date, last_load), "06:05"), 300)
                self._schedule_row(game, 1, min(at, self.as_of), extra)
                continue
            if game.end_utc + timedelta(minutes=20) <= self.as_of:
                status, at = 3, self._jitter(game.end_utc + timedelta(minutes=20), 2400)
            elif game.tip_utc + timedelta(minutes=55) <= self.as_of:
                status, at = 2, game.tip_utc + timedelta(minutes=55)
            else:
                status, at = 1, self._jitter(et_to_utc(game.game_date, "06:05"), 300)
            self._schedule_row(game, status, min(at, self.as_of), extra)
        for game in self.postponed:
            at = et_to_utc(cal.STATUS_9_FROM, "12:00")
            if at <= self.as_of:
                self._schedule_row(game, 9, at, self._schedule_flags(game))
            else:
                self._schedule_row(game, postponed_status(game, self.as_of),
                                   self.as_of, self._schedule_flags(game))  # fmt: skip

    def _schedule_flags(self, game: Game) -> dict[str, Any]:
        """The flags the scraper sets (not in the source contract: the loader keeps only the
        contract's columns), and the season from the id."""
        assert self.year is not None
        prefix = game.game_id[:3]
        return {
            "season_year": 2000 + int(game.game_id[3:5]),
            "is_regular_season": prefix == "002",
            "is_playoffs": prefix in ("004", "005"),
            "is_all_star": prefix == "003",
            "is_emirates_cup": game.game_id in self.year.cup,
            "playoff_round": "first_round" if prefix == "004" else None,
        }

    def _deactivate_postponed(self) -> None:
        """Predictions made for a postponed game were deactivated (the morning after its date:
        the handoffs do not say when)."""
        keys = {(g.game_date, self._same_day_game_id(g)): g for g in self.postponed}
        for row in self.rows["player_prop_predictions"]:
            game = keys.get((row["game_date"], row["game_id"]))
            if game is None:
                continue
            at = et_to_utc(game.game_date + timedelta(days=1), "10:00")
            if at <= self.as_of:
                row["is_active"] = False
                row["updated_at"] = at
                row["filter_reason"] = POSTPONED_FILTER

    def _shape_incidents(self) -> None:
        """A system's predictions collapsed (rewritten in place: the run and its rows are
        there), and a system the registry does not list writing rows (another system's rows,
        copied under its id half an hour later)."""
        rows = self.rows["player_prop_predictions"]
        kind = "prediction_shape_collapsed"
        day = self.plan.days.get(kind)
        target = inc.YEAR_KINDS[kind].target
        if day is not None:
            hit = [r for r in rows if r["game_date"] == day and r["system_id"] == target]
            for r in hit:
                if r["has_prop_line"]:
                    jitter = (sum(map(ord, str(r["player_lookup"]))) % 10) / 10
                    r["predicted_points"] = round(r["current_points_line"] - 6 + jitter, 1)
                    r["recommendation"] = "UNDER"
            if hit:
                self.plan.record(kind, day, target)
            else:
                self.plan.skipped.append(kind)
        kind = "prediction_system_unregistered"
        day = self.plan.days.get(kind)
        target = inc.YEAR_KINDS[kind].target
        if day is not None:
            copied = [
                {**r, "prediction_id": self._id(), "system_id": target,
                 "created_at": r["created_at"] + timedelta(minutes=30)}
                for r in rows
                if r["game_date"] == day and r["system_id"] == UNREGISTERED_COPIES
                and r["created_at"] + timedelta(minutes=30) <= self.as_of
            ]  # fmt: skip
            rows.extend(copied)
            if copied:
                self.plan.record(kind, day, target)
            else:
                self.plan.skipped.append(kind)

    def _halt_tables(self) -> None:
        first_load = et_to_utc(
            next(s.first for s in self.calendar.stretches if s.kind == "restart_scrapers"), "06:05"
        )
        schedule = [
            (g.game_date, first_load if g.game_date >= cal.OPENER_2026 else et_to_utc(self.start, "00:00"))
            for g in self.games + self.postponed
        ]  # fmt: skip
        oldest = cal.HALT_WRITER_FROM - timedelta(days=halt.EDGE_DAYS)
        predictions = [
            halt.Prediction(
                r["game_date"], r["created_at"], r["predicted_points"], r["current_points_line"]
            )  # fmt: skip
            for r in self.rows["player_prop_predictions"]
            if r["game_date"] >= oldest
        ]
        days = []
        day = max(cal.HALT_WRITER_FROM, self.start)
        while day <= self.end:
            written = self._jitter(et_to_utc(day, cal.HALT_WRITER_ET), 90)
            if self.calendar.runs(day, cal.HALT_WRITER) and written <= self.as_of:
                days.append((day, written))
            day += timedelta(days=1)
        self.rows["halt_state"] = halt.halt_rows(days, schedule, predictions, [])
        self.rows["halt_overrides"] = []

    # ------------------------------------------------------------------ ground truth
    def _truth_of_run(self) -> dict[str, Any]:
        """What the truth file says of the generation itself (first in the file)."""
        return {
            "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S"),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "logs": self.logs,
        }

    def _truth_of_plan(self) -> dict[str, Any]:
        """What was injected, skipped and left as gaps (last in the file)."""
        return {
            "skipped_kinds": self.plan.skipped,
            "incidents": self.plan.records,
            "non_alerts": self.plan.non_alerts,
            "gaps": sorted(self.plan.gaps, key=lambda g: (g["table"], g["game_date"])),
        }

    def _year_truth(self) -> dict[str, Any]:
        assert self.year is not None
        played = {g.game_id: g for g in self.games}
        return {
            **self._truth_of_run(),
            "calendar": self.calendar.name,
            "halts": self.halts,
            "season_start": SEASON_START.isoformat(),  # the schedule's first game
            "season_starts": [
                d.isoformat() for d in (SEASON_START, cal.OPENER_2026) if d <= self.end
            ],
            "calendar_plan": [
                {
                    "first": s.first.isoformat(),
                    "last": s.last.isoformat(),
                    "kind": s.kind,
                    "jobs": sorted(s.jobs),
                    "source": s.source,
                }
                for s in self.calendar.stretches
            ],  # fmt: skip
            "postponements": [
                {
                    "game_id": g.game_id,
                    "scheduled_date": g.game_date.isoformat(),
                    "played_game_id": self.year.played_as[g.game_id],
                    "played_date": played[self.year.played_as[g.game_id]].game_date.isoformat()
                    if self.year.played_as[g.game_id] in played
                    else None,
                    "status_9_from": cal.STATUS_9_FROM.isoformat(),
                }
                for g in self.postponed
            ],
            "unplayed_games": sorted(self.year.unplayed),
            **self._truth_of_plan(),
        }
