"""Writers of phase 1 and the probes: the scraper execution log and service health checks."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from pipemon.generator import formats as fmt
from pipemon.generator.core import Core, props_window_start
from pipemon.generator.registry import Scraper
from pipemon.generator.season import Game

SERVICES = [
    "nba-phase1-scrapers",
    "nba-phase2-raw-processors",
    "nba-phase3-analytics-processors",
    "nba-phase4-precompute-processors",
    "nba-phase5-prediction-coordinator",
    "phase2-to-phase3-orchestrator",
    "phase3-to-phase4-orchestrator",
]
# ET wall-clock times of each scheduled workflow, and the day offset from the game date
# (betting_lines is computed from the day's first tip-off).
WORKFLOW_TIMES: dict[str, list[tuple[str, int]]] = {
    "morning_operations": [("06:05", 0)],
    "injury_discovery": [("11:00", 0), ("17:00", 0)],
    "referee_discovery": [("10:00", 0)],
    "daily_schedule_lock": [("11:00", 0)],
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
MANUAL_RUN_RATE = 0.05  # chance a day has a manual run of one unscheduled scraper
MANUAL_SOURCE_RATE = 0.03  # scheduled scrapes started by hand


class Probes(Core):
    # ------------------------------------------------------------------ scraper_execution_log
    def _scrapers(self, day: date, games: list[Game]) -> None:
        cutoff = self.as_of - timedelta(days=fmt.SCRAPER_LOG_RETENTION_DAYS)
        expired = self._et(day, "06:00", 1) < cutoff
        if expired and day < fmt.EVENT_LOG_FROM:
            return  # the partitions of that day have expired (and there is no event log yet)
        if not expired:  # an expired day's scrapes still log events, not scraper-log rows
            self._record_scrapers_silenced(day, games)
        spike = self._incident("scraper_error_spike", day)
        if spike:
            self.plan.record("scraper_error_spike", day, self._target("scraper_error_spike"))
        for scraper in self.reg.scrapers:
            if not scraper.live(day) or (scraper.cadence == "game_day" and not games):
                continue
            if scraper.name == "nbac_gamebook_pdf" and self._incident(
                "gamebook_scraper_blocked", day
            ):
                continue  # blocked (403) before it could log anything
            if not scraper.is_scheduled:
                if self.rng.random() < MANUAL_RUN_RATE:
                    at = self._jitter(self._et(day, "09:00"), 9 * 3600)
                    for n in range(self.rng.randint(1, 2)):
                        self._scrape(scraper, day, at + timedelta(minutes=7 * n), "MANUAL",
                                     False, cutoff)  # fmt: skip
                continue
            spiking = spike and scraper.name == self._target("scraper_error_spike")
            for at, tip in self._slots(scraper, day, games):
                runs = sum(1 for g in games if g.tip_utc > at) if tip else 1
                if scraper.name in PER_GAME_SCRAPERS and not tip:
                    runs = len(games)
                for _ in range(runs):
                    when = self._jitter(at, 240)
                    manual = self.rng.random() < MANUAL_SOURCE_RATE
                    source = "MANUAL" if manual else "CONTROLLER"
                    ok = self._scrape(scraper, day, when, source, spiking, cutoff)
                    if not ok and not spiking:
                        # the controller's recovery pass re-runs a failed scrape 20 minutes later
                        self._scrape(scraper, day, when + timedelta(minutes=20), "CONTROLLER",
                                     False, cutoff, recovery=True)  # fmt: skip

    def _slots(self, scraper: Scraper, day: date, games: list[Game]) -> list[tuple[datetime, bool]]:
        """(start, is per-game-before-tip) of each scheduled run of the scraper on `day`."""
        if scraper.workflow == "betting_lines":
            if not games:
                return []
            at = props_window_start(day, games)
            last_tip = max(g.tip_utc for g in games)
            slots: list[tuple[datetime, bool]] = []
            while at < last_tip:
                slots.append((at, scraper.name in PER_GAME_SCRAPERS))
                at += timedelta(hours=3)
            return slots
        return [(self._et(day, hhmm, off), False) for hhmm, off in WORKFLOW_TIMES[scraper.workflow]]

    def _scrape(
        self,
        scraper: Scraper,
        day: date,
        at: datetime,
        source: str,
        spike: bool,
        cutoff: datetime,
        recovery: bool = False,
    ) -> bool:
        """Writes one scraper execution; returns False when it failed."""
        expired = at < cutoff  # the scraper log's partition is gone; the event log keeps it
        if at > self.as_of or (expired and self._et_day(at) < fmt.EVENT_LOG_FROM):
            return True
        if self._image_wrong(at):
            return True  # the service ran another image: nothing scraped, nothing logged
        roll = 0.5 if recovery else self.rng.random()
        retries = 0
        error: tuple[str, str] | None = None
        partial_rate = 0.01 if day >= fmt.SCRAPER_PARTIAL_FROM else 0.0
        if spike and roll < 0.7:
            status, retries = "failed", 3
            error = ("HTTPError", "403 Client Error: Forbidden for url (proxy blocked)")
        elif not spike and roll < 0.008:
            status, retries = "failed", 3
            error = ("ConnectionError", "Max retries exceeded: read timed out")
        elif roll < 0.008 + NO_DATA_RATE.get(scraper.name, 0.0):
            status = "no_data"
        elif roll > 1 - partial_rate:
            status = "partial"
        else:
            status = "success"
            retries = 1 if roll > 0.96 else 0
        duration = round(self.rng.uniform(1.5, 25.0) * (1 + retries), 2)
        records = self.rng.randint(1, 800) if status in ("success", "partial") else 0
        if scraper.name == "bdl_box_scores" and self._incident("bdl_zero_records", day):
            status, records, error, retries = "success", 0, None, 0  # upcoming games: 0 players
            if day >= self._scraper_log_judged_from():
                self.plan.record("bdl_zero_records", day, scraper.name)
        game_scrape = scraper.cadence == "game_day"
        opts: dict[str, str] = {"group": "prod", "workflow": scraper.workflow}
        if game_scrape:
            opts["gamedate"] = f"{day:%Y%m%d}"
        manual = source == "MANUAL"
        workflow = "MANUAL" if manual else scraper.workflow
        summary: dict[str, object] = {"record_count": records}
        if status == "partial":
            summary["missing"] = self.rng.randint(1, 3)
        log = [] if expired else self.rows["scraper_execution_log"]
        log.append(
            {
                "execution_id": self._id(),
                "scraper_name": scraper.log_name,
                "workflow": workflow,
                # the column exists for rows written since 2026-01-02 (the date only in opts before)
                "game_date": day
                if game_scrape and self._et_day(at) >= fmt.SCRAPER_GAME_DATE_FROM
                else None,
                "status": status,
                "triggered_at": at,
                "completed_at": at + timedelta(seconds=duration),
                "duration_seconds": duration,
                "source": source,
                "environment": "prod",
                "triggered_by": "operator" if manual else "workflow-executor",
                "gcs_path": f"gs://nba-scraped-data/{scraper.log_name}/{day.isoformat()}/{at:%H%M%S}.json",
                "data_summary": json.dumps(summary),
                "error_type": error[0] if error else None,
                "error_message": error[1] if error else None,
                "retry_count": retries,
                "recovery": recovery,
                "run_id": None if manual else f"{workflow}-{day:%Y%m%d}",
                "opts": json.dumps(opts),
                "created_at": at + timedelta(seconds=duration + 0.5),
            }
        )
        self._scraper_events(
            scraper, day if game_scrape else None, at, duration, status, records, error
        )
        return status != "failed"

    def _scraper_log_judged_from(self) -> date:
        """The first game date the monitor judges in the scraper log at the season's as_of: the
        90-day retention leaves the oldest day partial."""
        return self._et_day(self.as_of) - timedelta(days=fmt.SCRAPER_LOG_RETENTION_DAYS - 1)

    def _image_wrong(self, at: datetime) -> bool:
        kind = "scraper_wrong_image"
        if kind not in self.plan.days:
            return False
        first, last = self.plan.days[kind], self.plan.last_days[kind]
        return self._et(first, "06:00") <= at < self._et(last, "06:00", 1)

    def _record_scrapers_silenced(self, day: date, games: list[Game]) -> None:
        """Every scheduled scraper expected on a date of the wrong-image outage is absent."""
        if not self._incident("scraper_wrong_image", day) or day >= self.end:
            return
        kind = "scraper_wrong_image"
        for scraper in self.reg.scrapers:
            if not scraper.is_scheduled or not scraper.live(day):
                continue
            if scraper.cadence == "game_day" and not games:
                continue
            self.plan.record(kind, day, scraper.name)
        self.plan.record(kind, day, "nba_orchestration.scraper_execution_log", consequence=True)
        self.plan.gap("nba_orchestration.scraper_execution_log", day)
        self.plan.record(kind, day, "phase1", consequence=True)

    def _scraper_events(
        self,
        scraper: Scraper,
        game_date: date | None,
        at: datetime,
        duration: float,
        status: str,
        records: int,
        error: tuple[str, str] | None,
    ) -> None:
        """Scrapers log to pipeline_event_log too, as phase `phase_2`."""
        self._event("processor_start", at, scraper.log_name, "phase_2", game_date, None)
        done = at + timedelta(seconds=duration)
        if status == "failed":
            self._event("error", done, scraper.log_name, "phase_2", game_date, None, error=error)
        else:
            self._event("processor_complete", done, scraper.log_name, "phase_2", game_date,
                        None, duration=duration, records=records)  # fmt: skip

    # ------------------------------------------------------------------ service_health_checks
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
                at = self._jitter(self._et(day, f"{hour:02d}:00"), 20)
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
