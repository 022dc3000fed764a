"""How the pipeline's documented incidents (incidents.DOCUMENTED) are written into the tables:
the runs they left (or did not leave) behind, the way each really showed up."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from pipemon.generator import formats as fmt
from pipemon.generator.registry import Processor
from pipemon.generator.runs import EVENT_PHASE, Executions

TYPE_ERROR = ("TypeError", "unsupported operand type(s) for +: 'NoneType' and 'str'")
NOT_FOUND_404 = ("HTTPError", "404 Client Error: Not Found for url: /process")
LOAD_QUOTA = (
    "quotaExceeded",
    "403 Quota exceeded: Your table exceeded quota for imports or query appends per table",
)
NOT_PLAYED = ("ValueError", "no final games for the date: 0 player rows to process")
MLB_STORM_CLASS = "MlbBpHistoricalPropsProcessor"
MLB_NOT_FOUND = ("NotFound", "404 Not found: Table nba_raw.bp_pitcher_props was not found")
STORM_RUNS = 160
MLB_STORM_RUNS = 150


class Documented(Executions):
    def _failed_runs(
        self,
        proc: Processor,
        day: date,
        at: datetime,
        attempts: int,
        error: tuple[str, str],
        *,
        gap_minutes: int = 2,
        data_date: date | None = None,
    ) -> None:
        """`attempts` deliveries of one trigger, each failing with `error`."""
        message_id = self._message_id()
        correlation_id = self._id()
        for attempt in range(1, attempts + 1):
            if at > self.as_of:
                return
            self._attempt(proc, day, data_date or day, at, 6.0, "failed", 0, message_id,
                          correlation_id, attempt, error=error)  # fmt: skip
            at += timedelta(minutes=gap_minutes, seconds=self.rng.randint(0, 90))

    def _retry_storm(self, proc: Processor, day: date) -> None:
        """A catch-up scheduler fires the processor for today's games before they are played:
        hundreds of deliveries from 04:00 ET, most failing, a third left `running`."""
        self.plan.record("pgs_retry_storm", day, proc.name)
        at = self._et(day, "04:00")
        step = (16 * 3600) // STORM_RUNS
        messages = [self._message_id() for _ in range(8)]
        for n in range(STORM_RUNS):
            when = self._jitter(at + timedelta(seconds=step * n), step // 2)
            if when > self.as_of:
                return
            message_id = messages[n % len(messages)]
            correlation_id = self._id()
            if self.rng.random() < 0.35:
                self._crash(proc, day, when, message_id, correlation_id)
            else:
                self._attempt(proc, day, day, when, 4.0, "failed", 0, message_id,
                              correlation_id, 1 + n // len(messages), error=NOT_PLAYED)  # fmt: skip

    def _mlb_storm(self, day: date) -> None:
        """Another sport's processor redelivered in a loop, every delivery failing (404) and
        logging an error event: the shared quota runs out for everyone."""
        self.plan.record("mlb_redelivery_storm", day, MLB_STORM_CLASS)
        message_id = self._message_id()
        at = self._et(day, "06:00")
        for n in range(MLB_STORM_RUNS):
            when = self._jitter(at + timedelta(minutes=4 * n), 60)
            if when > self.as_of:
                return
            done = when + timedelta(seconds=3)
            self._history(MLB_STORM_CLASS, "phase_2_raw", day, when, done, "failed", 0,
                          message_id, n + 1, error=MLB_NOT_FOUND)  # fmt: skip
            if self._et_day(when) >= fmt.EVENT_LOG_FROM:
                self._event("error", done, MLB_STORM_CLASS, EVENT_PHASE["phase2"], day, None,
                            error=MLB_NOT_FOUND, keep=True)  # fmt: skip

    def _schedule_loads_documented(self, proc: Processor, day: date) -> bool:
        """The schedule processor's documented incidents; True when the day's load is handled
        (not run at all, or failed on every run)."""
        if proc.name != "nbac_schedule":
            return False
        games = self.games_by_day.get(day)
        if self._incident("schedule_stale_phase2_skipped", day):
            if games and day < self.end:
                self.plan.record("schedule_stale_phase2_skipped", day, proc.name)
            return True  # the completion message had no gcs_path: phase 2 skipped the file
        if self._incident("schedule_type_error", day):
            self.plan.record("schedule_type_error", day, proc.name)
            at = self._et(day, "06:10")
            for hour in range(0, 12, 2):  # every schedule scrape triggered another failing run
                self._failed_runs(proc, day, at + timedelta(hours=hour), 1, TYPE_ERROR)
            return True
        return False

    def _record_error_payload(self, error: tuple[str, str]) -> str:
        return json.dumps([{"error_type": error[0], "error_message": error[1]}])
