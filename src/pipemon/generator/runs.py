"""Writers of the execution logs: run history, event log and the plan's execution tables."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from pipemon.generator import formats as fmt
from pipemon.generator.core import PROJECT, Attempt, Core, stable
from pipemon.generator.registry import Processor

# Topic whose push subscription triggers each phase's processors.
TRIGGER_TOPIC = {
    "phase2": "nba-phase1-scrapers-complete",
    "phase3": "nba-phase3-trigger",
    "phase4": "nba-phase4-trigger",
    "phase5": "nba-predictions-trigger",
}
# How the pipeline logger spells each phase (mixed, as it really is).
EVENT_PHASE = {
    "phase2": "phase_2_raw",
    "phase3": "phase_3",
    "phase4": "phase_4",
    "phase5": "phase_5_predictions",
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
    "prediction_coordinator": [
        ("nba_predictions.ml_feature_store_v2", False),
        ("nba_raw.bettingpros_player_points_props", True),
    ],
}
MLB_PROCESSORS = ("MlbScheduleProcessor", "MlbPitcherStatsProcessor", "MlbGameLinesProcessor")
TRANSIENT_FAILURE_RATE = 0.012
CRASH_RATE = 0.005  # runs that die without a final row (left `running`), then rerun
STALE_AFTER = timedelta(hours=4)


class Executions(Core):
    # ------------------------------------------------------------------ one processor run
    def _run(
        self,
        proc: Processor,
        day: date,
        at: datetime,
        duration: float,
        *,
        data_date: date | None = None,
        records: int | None = None,
        status: str = "success",
        skip_reason: str | None = None,
        fallback: bool = False,
        flaky: bool = True,
    ) -> Attempt | None:
        """Runs one processor for game date `day`: execution log, dependency checks, run history,
        events. Returns what the completion state records, or None when it did not complete.
        `flaky` runs may crash (left running, then rerun) or fail once and be redelivered."""
        if at > self.as_of:
            return None
        name = proc.name
        data_date = data_date or day
        if self._hits("processor_never_ran", day, name):
            self.plan.record("processor_never_ran", day, name)
            self.plan.record("processor_never_ran", day, proc.phase, consequence=True)
            return None
        if self._hits("dead_letters", day, name):
            self.plan.record(
                "dead_letters", day, name, needs="nba_orchestration.pubsub_dead_letters"
            )
            self.plan.record("dead_letters", day, proc.phase, consequence=True)
            for n in range(2):
                self._dead_letter(proc, day, at + timedelta(minutes=6 + 20 * n))
            return None
        message_id = self._message_id()
        correlation_id = self._id()
        if records is None:
            games = max(1, len(self.games_by_day.get(day, [])))
            records = (50 + stable(name) % 400) * games * self.scale // 4
        if self._hits("processing_time_regression", day, name):
            self.plan.record("processing_time_regression", day, name)
            duration *= 6

        if self._hits("processor_failed", day, name):
            self.plan.record("processor_failed", day, name)
            self.plan.record("processor_failed", day, proc.phase, consequence=True)
            when = at
            error = ("BigQueryError", "403 Quota exceeded: too many table update operations")
            for attempt in range(1, 6):
                self._attempt(proc, day, data_date, when, 12.0, "failed", 0, message_id,
                              correlation_id, attempt, error=error)  # fmt: skip
                when += timedelta(seconds=self.rng.randint(40, 120))
            self._dead_letter(proc, day, when, message_id)
            return None

        retry = 1
        incident_day = any(
            self._hits(kind, day, name)
            for kind in ("missing_run_history", "redelivery_storm", "processing_time_regression")
        )
        if flaky and not incident_day and self.rng.random() < CRASH_RATE:
            if at + STALE_AFTER + timedelta(hours=1) <= self.as_of:
                self._crash(proc, data_date, at, message_id, correlation_id)
                at += timedelta(minutes=self.rng.randint(8, 15))
        elif flaky and status == "success" and self.rng.random() < TRANSIENT_FAILURE_RATE:
            error = ("TimeoutError", "Deadline exceeded while reading upstream table")
            self._attempt(proc, day, data_date, at, 8.0, "failed", 0, message_id,
                          correlation_id, retry, error=error)  # fmt: skip
            at += timedelta(seconds=self.rng.randint(30, 90))
            retry += 1

        exec_id = self._attempt(
            proc, day, data_date, at, duration, status, records, message_id, correlation_id,
            retry, skip_reason=skip_reason, fallback=fallback,
        )  # fmt: skip
        done = at + timedelta(seconds=duration)
        extra = 0
        if self._hits("redelivery_storm", day, name):
            self.plan.record(
                "redelivery_storm", day, name, needs="nba_orchestration.processor_execution_log"
            )
            extra = 11
        elif self.rng.random() < 0.02:
            extra = 1
        when = done
        for _ in range(extra):  # duplicates stopped by the idempotency guard: no run history
            when += timedelta(seconds=self.rng.randint(20, 60))
            self._execution(proc, data_date, when, 0.4, "skipped", 0, message_id, correlation_id)
        return Attempt(done, status, records, exec_id, correlation_id)

    def _attempt(
        self,
        proc: Processor,
        day: date,
        data_date: date,
        at: datetime,
        duration: float,
        status: str,
        records: int,
        message_id: str,
        correlation_id: str,
        retry_attempt: int,
        *,
        error: tuple[str, str] | None = None,
        skip_reason: str | None = None,
        fallback: bool = False,
    ) -> str:
        """One delivery that ran to its end: every log it writes."""
        exec_id = self._execution(
            proc, data_date, at, duration, status, records, message_id, correlation_id, error
        )
        self._dependency_checks(proc, day, data_date, at, exec_id)
        done = at + timedelta(seconds=duration)
        skip_history = self._hits("missing_run_history", day, proc.name)
        if skip_history:
            self.plan.record(
                "missing_run_history", day, proc.name,
                needs="nba_orchestration.processor_execution_log",
            )  # fmt: skip
        elif proc.writes_run_history:
            self._history(
                proc.run_history_class, proc.run_history_phase, data_date, at, done, status,
                records, message_id, retry_attempt, error=error, skip_reason=skip_reason,
                fallback=fallback,
            )  # fmt: skip
        self._events(proc, data_date, at, done, status, records, correlation_id, error,
                     keep=skip_history)  # fmt: skip
        return exec_id

    def _crash(
        self, proc: Processor, data_date: date, at: datetime, message_id: str, correlation_id: str
    ) -> None:
        """A run that died after its `running` row; the cleanup rewrites it since 2026-01-12."""
        run_id = self._run_id(proc.run_history_class, data_date)
        base = self._history_base(proc.run_history_class, proc.run_history_phase, data_date,
                                  run_id, at, message_id, 1)  # fmt: skip
        self.rows["processor_run_history"].append(
            {**base, "status": "running", "processed_at": at + timedelta(seconds=1)}
        )
        self._event("processor_start", at, proc.run_history_class, EVENT_PHASE[proc.phase],
                    data_date, correlation_id)  # fmt: skip
        started = self._et_day(at)
        cleaned = at + STALE_AFTER + timedelta(minutes=self.rng.randint(5, 55))
        if started < fmt.STALE_CLEANUP_FROM or cleaned > self.as_of:
            return  # before the cleanup job existed the row stays `running` forever
        if started >= fmt.STALE_HEARTBEAT_FROM:
            category: str | None = "STALE_HEARTBEAT"
        elif started >= fmt.FAILURE_CATEGORY_FROM:
            category = "timeout"
        else:
            category = None
        errors = {
            "cleanup_reason": "stale_running",
            "original_status": "running",
            "stale_minutes": int((cleaned - at).total_seconds() // 60),
            "cleaned_at": self._iso(cleaned),
        }
        self.rows["processor_run_history"].append(
            {
                **base,
                "status": "failed",
                "processed_at": cleaned,
                "failure_category": category,
                "errors": json.dumps(errors),
            }
        )

    # ------------------------------------------------------------------ run history
    def _run_id(self, cls: str, data_date: date) -> str:
        return f"{cls}_{data_date:%Y%m%d}_{self.rng.getrandbits(32):08x}"

    def _history_base(
        self,
        cls: str,
        phase: str | None,
        data_date: date,
        run_id: str,
        at: datetime,
        message_id: str | None,
        retry_attempt: int,
    ) -> dict[str, object]:
        pubsub = self._et_day(at) >= fmt.PUBSUB_TRIGGER_FROM and message_id is not None
        return {
            "processor_name": cls,
            "run_id": run_id,
            "phase": phase,
            "data_date": data_date,
            "season_year": self.season_start.year,
            "started_at": at,
            "trigger_source": "pubsub" if pubsub else "manual",
            "trigger_message_id": message_id if pubsub else None,
            "retry_attempt": retry_attempt,
        }

    def _history(
        self,
        cls: str,
        phase: str | None,
        data_date: date,
        at: datetime,
        done: datetime,
        status: str,
        records: int,
        message_id: str | None,
        retry_attempt: int,
        *,
        error: tuple[str, str] | None = None,
        skip_reason: str | None = None,
        fallback: bool = False,
    ) -> None:
        """A `running` row at start and the final row; both carry run_id and started_at."""
        run_id = self._run_id(cls, data_date)
        base = self._history_base(cls, phase, data_date, run_id, at, message_id, retry_attempt)
        rows = self.rows["processor_run_history"]
        if self.rng.random() > 0.1:  # some runs never wrote the `running` row
            rows.append({**base, "status": "running", "processed_at": at + timedelta(seconds=1)})
        failed = status == "failed"
        category = (
            "processing_error" if failed and self._et_day(at) >= fmt.FAILURE_CATEGORY_FROM else None
        )
        errors = (
            json.dumps(
                [{"error_type": error[0], "error_message": error[1], "timestamp": self._iso(done)}]
            )
            if error
            else None
        )
        rows.append(
            {
                **base,
                "status": status,
                "processed_at": done,
                "duration_seconds": round((done - at).total_seconds(), 1),
                "records_processed": records,
                "used_source_fallback": fallback,
                "failure_category": category,
                "dependency_check_passed": not failed,
                "missing_dependencies": "[]",
                "errors": errors,
                "skip_reason": skip_reason,
            }
        )

    def _plain_run(
        self, cls: str, phase: str | None, data_date: date, at: datetime, duration: float
    ) -> None:
        """A run outside the registry (MLB, reference): run history only."""
        if at > self.as_of:
            return
        done = at + timedelta(seconds=duration)
        self._history(cls, phase, data_date, at, min(done, self.as_of), "success",
                      self.rng.randint(10, 900), self._message_id(), 1)  # fmt: skip

    def _outside_registry_runs(self, day: date, *, reference: bool, mlb: bool = True) -> None:
        """Daily runs the registry does not list: reference loads and (since 2026-01-07) MLB;
        the calendar says whether each runs on `day`."""
        if reference:
            gamebook = self._jitter(self._et(day, "05:40"), 600)
            self._plain_run("gamebook", None, gamebook.date(), gamebook, self.rng.uniform(20, 90))
            roster = self._jitter(self._et(day, "20:30"), 1200)  # UTC date is already tomorrow
            self._plain_run("roster", None, roster.date(), roster, self.rng.uniform(20, 90))
        if mlb and day >= fmt.MLB_FROM:
            for n, cls in enumerate(MLB_PROCESSORS):
                at = self._jitter(self._et(day, f"{9 + n:02d}:15"), 900)
                self._plain_run(cls, "phase_2_raw", day, at, self.rng.uniform(5, 60))

    # ------------------------------------------------------------------ the plan's tables
    def _execution(
        self,
        proc: Processor,
        data_date: date,
        at: datetime,
        duration: float,
        status: str,
        records: int,
        message_id: str,
        correlation_id: str,
        error: tuple[str, str] | None = None,
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
                "data_date": data_date,
                "trigger_source": "pubsub",
                "pubsub_message_id": message_id,
                "correlation_id": correlation_id,
                "records_processed": records,
                "records_created": records,
                "records_updated": 0,
                "error_type": error[0] if error else None,
                "error_message": error[1] if error else None,
                "input_params": json.dumps(
                    {"game_date": data_date.isoformat(), "phase": proc.phase}
                ),
                "cloud_run_revision": f"{proc.phase}-processors-00{42 + stable(proc.name) % 9}-abc",
                "processed_at": done + timedelta(seconds=1),
            }
        )
        return exec_id

    def _dependency_checks(
        self, proc: Processor, day: date, data_date: date, at: datetime, exec_id: str
    ) -> None:
        spike = self._incident("dependency_failure_spike", day)
        for table, fallback in DEPENDENCIES.get(proc.name, []):
            failed = fallback and self.rng.random() < 0.01
            if spike and table == self._target("dependency_failure_spike"):
                failed = True
                self.plan.record(
                    "dependency_failure_spike", day, table,
                    needs="nba_orchestration.dependency_check_log",
                )  # fmt: skip
            self.rows["dependency_check_log"].append(
                {
                    "check_id": self._id(),
                    "check_time": at - timedelta(seconds=self.rng.randint(2, 20)),
                    "processor_name": proc.name,
                    "data_date": data_date,
                    "required_table": table,
                    "required_partition": data_date.isoformat(),
                    "check_result": "FAIL" if failed else "PASS",
                    "row_count": 0 if failed else self.rng.randint(100, 5000),
                    "error_message": f"no rows in {table} for {data_date.isoformat()}"
                    if failed
                    else None,
                    "fallback_available": fallback,
                    "fallback_used": failed and fallback,
                    "execution_id": exec_id,
                }
            )

    def _dead_letter(
        self, proc: Processor, day: date, at: datetime, message_id: str | None = None
    ) -> None:
        topic = TRIGGER_TOPIC[proc.phase]
        suffix = "dlq-monitor" if self._et_day(at) >= fmt.DLQ_MONITOR_FROM else "dlq-sub"
        payload = {
            "processor": proc.name,
            "game_date": day.isoformat(),
            "phase": proc.phase,
            "correlation_id": self._id(),
        }
        attributes = {
            "CloudPubSubDeadLetterSourceDeliveryCount": "5",
            "CloudPubSubDeadLetterSourceSubscription": f"projects/{PROJECT}/subscriptions/{topic}-sub",
            "CloudPubSubDeadLetterSourceTopicPublishTime": self._iso(at - timedelta(minutes=5)),
        }
        self.rows["pubsub_dead_letters"].append(
            {
                "subscription_name": f"{topic}-{suffix}",
                "message_id": message_id or self._message_id(),
                "publish_time": at,
                "data": json.dumps(payload),
                "attributes": json.dumps(attributes),
            },
        )

    # ------------------------------------------------------------------ pipeline_event_log
    def _events(
        self,
        proc: Processor,
        data_date: date,
        at: datetime,
        done: datetime,
        status: str,
        records: int,
        correlation_id: str,
        error: tuple[str, str] | None,
        keep: bool = False,
    ) -> None:
        phase = EVENT_PHASE[proc.phase]
        cls = proc.run_history_class
        self._event("processor_start", at, cls, phase, data_date, correlation_id, keep=keep)
        if status == "failed":
            self._event(
                "error", done, cls, phase, data_date, correlation_id, error=error, keep=keep
            )
        else:
            self._event("processor_complete", done, cls, phase, data_date, correlation_id,
                        duration=(done - at).total_seconds(), records=records, keep=keep)  # fmt: skip
