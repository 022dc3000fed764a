"""The calendar plan: what kind of day each date is, and which job groups run on it.

Data, not code: one line per calendar fact, each with the upstream document it comes from (a
path in najicham/nba-stats-scraper; REAL_PIPELINE.md section 6 summarises them). The writers ask
the plan (`CalendarPlan.runs(day, job)`) instead of assuming every date is a regular-season day.

Two calendars:
- `regular`: every date a regular-season day on which every job runs (the generator's
  original output, row for row);
- `year`: the pipeline's year, 2025-10-01 to the 2026-27 bootstrap (`year_end`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CALENDARS = ("regular", "year")

# Job groups the writers gate on.
SCRAPERS = "scrapers"  # phase-1 scraper workflows (scraper_execution_log)
PHASE2 = "phase2"  # raw processors, the props load included
PHASE3 = "phase3"
PHASE4 = "phase4"
PREDICTIONS = "predictions"  # the phase-5 coordinator
REFERENCE = "reference"  # daily reference loads outside the registry (gamebook, roster)
HEALTH_CHECKS = "health_checks"  # service health checks
MLB = "mlb"  # another sport's processors, in the same run history
HALT_WRITER = "halt_writer"  # halt_state_writer, daily at 05:00 ET

JOBS = (SCRAPERS, PHASE2, PHASE3, PHASE4, PREDICTIONS, REFERENCE, HEALTH_CHECKS, MLB, HALT_WRITER)
SEASON_JOBS = frozenset(JOBS) - {HALT_WRITER}
YEAR_ROUND = frozenset({HEALTH_CHECKS, MLB, HALT_WRITER})
WAVE_SCRAPERS = YEAR_ROUND | {SCRAPERS, PHASE2, REFERENCE}
WAVE_PHASE34 = WAVE_SCRAPERS | {PHASE3, PHASE4}
WAVE_PREDICTIONS = WAVE_PHASE34 | {PREDICTIONS}
ALL_JOBS = frozenset(JOBS)

# Documents the facts below come from.
SCHEDULE_DOC = "scrapers/nbacom/nbac_schedule_api.py (_analyze_game_context)"
PROCESSOR_DOC = "data_processors/raw/nbacom/nbac_schedule_processor.py (is_business_relevant_game)"
ALL_STAR_DOC = "docs/09-handoff/2026-02-18-SESSION-298-HANDOFF.md"
PLAYOFFS_DOC = "docs/09-handoff/2026-04-19-SESSION-544-HANDOFF.md"
SHUTDOWN_DOC = "docs/08-projects/current/2026-offseason-plan/03-COST-REDUCTION-EXECUTION.md"
HALT_DOC = "orchestration/cloud_functions/halt_state_writer/main.py"
RESTART_DOC = "docs/02-operations/runbooks/season-resume-2026-27.md"
MANIFEST_DOC = "docs/02-operations/scheduler-restore-manifest-2026.md"
DATES_DOC = "shared/config/nba_season_dates.py"
POSTPONE_DOC = "docs/09-handoff/2026-01-25-POSTPONEMENT-SESSION4-HANDOFF.md"
STATUS9_DOC = "docs/09-handoff/2026-02-10-SESSION-185-HANDOFF.md"
FIXER_DOC = "docs/09-handoff/2026-01-23-ORCHESTRATION-VALIDATION-HANDOFF.md"


@dataclass(frozen=True)
class Stretch:
    """Consecutive dates of one kind, and the job groups that run on them."""

    first: date
    last: date
    kind: str
    jobs: frozenset[str]
    source: str


D = date
# fmt: off
YEAR: tuple[Stretch, ...] = (
    Stretch(D(2025, 10, 1), D(2025, 10, 20), "preseason", SEASON_JOBS, PROCESSOR_DOC),  # scrapes, no schedule rows
    Stretch(D(2025, 10, 21), D(2025, 10, 21), "opener", SEASON_JOBS, DATES_DOC),
    Stretch(D(2025, 10, 22), D(2026, 2, 12), "regular", SEASON_JOBS, SCHEDULE_DOC),
    Stretch(D(2026, 2, 13), D(2026, 2, 18), "all_star_break", SEASON_JOBS, ALL_STAR_DOC),  # last games 02-12, resumed 02-19
    Stretch(D(2026, 2, 19), D(2026, 4, 12), "regular", SEASON_JOBS, SCHEDULE_DOC),
    Stretch(D(2026, 4, 13), D(2026, 4, 17), "play_in", SEASON_JOBS - {PREDICTIONS}, PLAYOFFS_DOC),  # auto-halted: 0 picks
    Stretch(D(2026, 4, 18), D(2026, 4, 25), "playoffs", SEASON_JOBS - {PREDICTIONS}, PLAYOFFS_DOC),
    Stretch(D(2026, 4, 26), D(2026, 5, 8), "shutdown", YEAR_ROUND - {HALT_WRITER}, SHUTDOWN_DOC),  # ~70 jobs paused
    Stretch(D(2026, 5, 9), D(2026, 6, 30), "shutdown", YEAR_ROUND, HALT_DOC),  # the halt writer exists
    Stretch(D(2026, 7, 1), D(2026, 10, 6), "offseason", YEAR_ROUND, SHUTDOWN_DOC),  # 94 jobs deleted 07-03
    Stretch(D(2026, 10, 7), D(2026, 10, 13), "restart_scrapers", WAVE_SCRAPERS, MANIFEST_DOC),  # opener - 14
    Stretch(D(2026, 10, 14), D(2026, 10, 17), "restart_phase3_4", WAVE_PHASE34, RESTART_DOC),  # opener - 7
    Stretch(D(2026, 10, 18), D(2026, 10, 20), "restart_predictions", WAVE_PREDICTIONS, RESTART_DOC),  # opener - 3
    Stretch(D(2026, 10, 21), D(2026, 10, 21), "opener", ALL_JOBS, DATES_DOC),  # provisional opener
    Stretch(D(2026, 10, 22), D(2026, 11, 30), "bootstrap", ALL_JOBS, DATES_DOC),  # until opener + bootstrap_days
)
# fmt: on

YEAR_START = D(2025, 10, 1)
OPENER_2026 = D(2026, 10, 21)  # DATES_DOC (provisional)
NEW_SEASON_FROM = D(2026, 10, 1)  # run history and box scores carry season_year 2026 from here
SHUTDOWN = D(2026, 4, 26)  # SHUTDOWN_DOC
HALT_WRITER_FROM = D(2026, 5, 9)  # HALT_DOC
HALT_WRITER_ET = "05:00"  # scheduler halt-state-writer-daily, HALT_DOC

# Preseason games (001): scraped, never in the schedule table (PROCESSOR_DOC).
PRESEASON = ((D(2025, 10, 2), D(2025, 10, 17)), (D(2026, 10, 2), D(2026, 10, 16)))
# NBA Cup nights 2025 (002 games flagged is_emirates_cup, SCHEDULE_DOC): group play, knockouts.
CUP_NIGHTS = (
    D(2025, 10, 31), D(2025, 11, 7), D(2025, 11, 14), D(2025, 11, 21), D(2025, 11, 25),
    D(2025, 11, 26), D(2025, 11, 28), D(2025, 12, 9), D(2025, 12, 10), D(2025, 12, 13),
    D(2025, 12, 16),
)  # fmt: skip
# All-Star weekend rows (003, non-NBA codes, ALL_STAR_DOC): (date, away, home, event).
ALL_STAR = (
    (D(2026, 2, 13), "RSA", "RSB", "Rising Stars semifinal"),
    (D(2026, 2, 13), "RSC", "RSD", "Rising Stars semifinal"),
    (D(2026, 2, 13), "RSW", "RSV", "Rising Stars final"),
    (D(2026, 2, 15), "USA", "WLD", "All-Star game 1"),
    (D(2026, 2, 15), "USB", "WLD", "All-Star game 2"),
    (D(2026, 2, 15), "USA", "USB", "All-Star game 3"),
)
# Play-in (005, PLAYOFFS_DOC): the dates of its games.
PLAY_IN = (D(2026, 4, 14), D(2026, 4, 14), D(2026, 4, 15), D(2026, 4, 15), D(2026, 4, 17),
           D(2026, 4, 17))  # fmt: skip
# First round (004) from 04-18: game n of a series `PLAYOFF_GAP[n]` days after game n-1;
# games 5-7 are "if necessary" and not flagged in the table (SCHEDULE_DOC).
PLAYOFFS_FROM = D(2026, 4, 18)
PLAYOFF_SERIES = 8
PLAYOFF_GAP = (0, 2, 3, 2, 2, 2, 2)


@dataclass(frozen=True)
class Postponement:
    away: str
    home: str
    scheduled: date
    played: date
    reuses_id: bool


# POSTPONE_DOC; the original-date rows stay at status 1, then 9 from STATUS_9_FROM (STATUS9_DOC)
POSTPONEMENTS = (
    Postponement("MIA", "CHI", D(2026, 1, 8), D(2026, 1, 29), True),
    Postponement("GSW", "MIN", D(2026, 1, 24), D(2026, 1, 25), False),
    Postponement("DEN", "MEM", D(2026, 1, 25), D(2026, 3, 18), False),
    Postponement("DAL", "MIL", D(2026, 1, 25), D(2026, 3, 31), False),
    Postponement("CHI", "MIA", D(2026, 1, 30), D(2026, 1, 31), False),
)
STATUS_9_FROM = D(2026, 2, 10)  # STATUS9_DOC: set by hand
STALE_FIXER = (D(2026, 1, 23), D(2026, 2, 10))  # FIXER_DOC: fix-stale-schedule, every 4 h
STALE_FIXER_EVERY = timedelta(hours=4)


@dataclass(frozen=True)
class CalendarPlan:
    name: str
    stretches: tuple[Stretch, ...]

    def stretch(self, day: date) -> Stretch:
        for stretch in self.stretches:
            if stretch.first <= day <= stretch.last:
                return stretch
        if self.name == "regular":
            return Stretch(day, day, "regular", SEASON_JOBS, SCHEDULE_DOC)
        raise ValueError(f"{day} is outside the {self.name} calendar")

    def kind(self, day: date) -> str:
        return self.stretch(day).kind

    def runs(self, day: date, job: str) -> bool:
        return job in self.stretch(day).jobs

    @property
    def year(self) -> bool:
        return self.name == "year"


REGULAR_PLAN = CalendarPlan("regular", ())
YEAR_PLAN = CalendarPlan("year", YEAR)


def parse_calendar(value: str) -> CalendarPlan:
    """`regular` or `year`; raises ValueError saying what was expected."""
    if value == "regular":
        return REGULAR_PLAN
    if value == "year":
        return YEAR_PLAN
    raise ValueError(
        f"expected regular (the 2025-26 regular season) or year (2025-10-01 through the "
        f"2026-27 opener's bootstrap), got {value!r}"
    )


def year_end(bootstrap_days: int) -> date:
    """The year run's last date: the 2026-27 opener plus the bootstrap window."""
    return OPENER_2026 + timedelta(days=bootstrap_days)
