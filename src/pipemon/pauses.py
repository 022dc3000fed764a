"""Planned quiet for teams without the pipeline's `halt_state`: `pipemon pause OUTPUT`.

A pause says an output is deliberately not produced from today (US Eastern) through `until`:
who declared it, why and until when. It is written to the runner's `output_pauses` table
(append-only: a `paused` row, and an `ended` row when it is ended early), which dbt reads as a
source (`int_declared_quiet`): the checks of that output skip the covered dates, and status and
the report list the pause. A pause expires by itself after its last date.

    pause = declare(wh, "ml_feature_store", until, "feature store rebuilt", by="ana", today=...)
    active(wh, today)          # the pauses covering today or later, oldest first
    end(wh, pause_id, ...)     # ended early: the day it is ended is no longer covered
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipemon import project
from pipemon.warehouse import Warehouse

TABLE = "output_pauses"
# A pause is planned quiet, not a way to switch a check off for good: a year at most; declared
# after the fact (a stop nobody declared in time), it reaches back at most the judged dates of an
# open incident's season.
MAX_DAYS = 366
MAX_DAYS_BACK = 90
MAX_REASON = 500

# registry seed -> the columns whose values name an output a pause may cover
REGISTRIES: dict[str, tuple[str, ...]] = {
    "processor_registry": ("processor_name", "output_table"),
    "prediction_systems": ("system_id",),
    "scraper_registry": ("scraper_name",),
    "phase_deadlines": ("phase",),
}


@dataclass(frozen=True)
class Pause:
    pause_id: str
    output_name: str
    reason: str
    actor: str
    first_date: dt.date
    until_date: dt.date
    paused_at: dt.datetime
    ended_at: dt.datetime | None = None
    ended_by: str | None = None

    @property
    def last_date(self) -> dt.date:
        """The last ET date covered: until, or the day before it was ended."""
        if self.ended_at is None:
            return self.until_date
        return min(self.until_date, eastern_date(self.ended_at) - dt.timedelta(days=1))

    def covers(self, day: dt.date) -> bool:
        return self.first_date <= day <= self.last_date

    def line(self) -> str:
        ended = f", ended early by {self.ended_by}" if self.ended_at else ""
        return (
            f"{self.pause_id}  {self.output_name}  {self.first_date}..{self.last_date}  "
            f"by {self.actor}{ended}: {self.reason}"
        )


def eastern_date(moment: dt.datetime) -> dt.date:
    """The US Eastern date of a UTC moment (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(project.pipeline_zone()).date()


def known_outputs(project_dir: Path) -> dict[str, str]:
    """Every name a pause accepts, with the registry it comes from."""
    out: dict[str, str] = {}
    for seed, columns in REGISTRIES.items():
        path = project_dir / "seeds" / f"{seed}.csv"
        if not path.is_file():
            continue
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                for column in columns:
                    name = (row.get(column) or "").strip()
                    if name:
                        out.setdefault(name, seed)
    return out


def check_request(
    output: str,
    until: dt.date,
    reason: str,
    today: dt.date,
    known: dict[str, str],
    first: dt.date | None = None,
) -> None:
    """Raise ValueError saying what was expected when a pause cannot be declared."""
    if output not in known:
        by_seed: dict[str, list[str]] = {}
        for name, seed in known.items():
            by_seed.setdefault(seed, []).append(name)
        listed = "; ".join(f"{seed}: {', '.join(sorted(names))}" for seed, names in by_seed.items())
        raise ValueError(
            f"unknown output {output!r}: expected a processor, output table, prediction system, "
            f"scraper or phase of the registries ({listed})"
        )
    if not reason.strip():
        raise ValueError("--reason must say why the output is quiet (it is kept with the pause)")
    if len(reason) > MAX_REASON:
        raise ValueError(f"--reason must be at most {MAX_REASON} characters, got {len(reason)}")
    if until < today:
        raise ValueError(
            f"--until {until} is in the past: expected today ({today}, US Eastern) or later"
        )
    if until > today + dt.timedelta(days=MAX_DAYS):
        raise ValueError(
            f"--until {until} is more than {MAX_DAYS} days away: a pause is planned quiet, "
            "expected an end within a year"
        )
    if first is not None and first > until:
        raise ValueError(f"--from {first} is after --until {until}: expected from <= until")
    if first is not None and first < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise ValueError(
            f"--from {first} is more than {MAX_DAYS_BACK} days ago: expected a date since "
            f"{today - dt.timedelta(days=MAX_DAYS_BACK)}"
        )


def declare(
    wh: Warehouse,
    output: str,
    until: dt.date,
    reason: str,
    *,
    by: str,
    now: dt.datetime,
    known: dict[str, str],
    first: dt.date | None = None,
) -> Pause:
    """Write a pause of `output` covering `first` (default today, ET) through `until`; a
    `first` in the past declares after the fact a quiet nobody declared in time."""
    today = eastern_date(now)
    check_request(output, until, reason, today, known, first)
    pause = Pause(uuid.uuid4().hex[:8], output, reason.strip(), by, first or today, until, now)
    wh.ensure_tables()
    wh.insert_rows(TABLE, [_row(pause, "paused", by, now)])
    return pause


def end(wh: Warehouse, pause_id: str, *, by: str, reason: str, now: dt.datetime) -> Pause:
    """End a pause early; its output is judged again from today (ET)."""
    matches = [p for p in load(wh) if p.pause_id.startswith(pause_id)]
    if not matches:
        raise ValueError(f"no pause {pause_id!r}: `pipemon pauses --all` lists them")
    if len(matches) > 1:
        raise ValueError(f"{pause_id!r} names several pauses: give more of the id")
    (pause,) = matches
    if pause.ended_at is not None or pause.last_date < eastern_date(now):
        raise ValueError(f"pause {pause.pause_id} is already over (last date {pause.last_date})")
    wh.insert_rows(TABLE, [_row(pause, "ended", by, now, reason)])
    return replace(pause, ended_at=now, ended_by=by)


def load(wh: Warehouse) -> list[Pause]:
    """Every pause, oldest first (the fold of its rows)."""
    wh.ensure_tables()
    rows = wh.query(f"select * from {wh.table(TABLE)} order by occurred_at, pause_event_id")
    paused: dict[str, Pause] = {}
    ended: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["event_type"] == "paused":
            paused[row["pause_id"]] = Pause(
                pause_id=row["pause_id"],
                output_name=row["output_name"],
                reason=row["reason"],
                actor=row["actor"],
                first_date=_date(row["first_date"]),
                until_date=_date(row["until_date"]),
                paused_at=row["occurred_at"],
            )
        elif row["event_type"] == "ended":
            ended.setdefault(row["pause_id"], row)
    out = []
    for pause_id, pause in paused.items():
        if pause_id in ended:
            last = ended[pause_id]
            pause = replace(pause, ended_at=last["occurred_at"], ended_by=last["actor"])
        out.append(pause)
    return out


def active(wh: Warehouse, today: dt.date) -> list[Pause]:
    """The pauses that cover today or a later date (not expired, not ended)."""
    return [p for p in load(wh) if p.last_date >= today and p.first_date <= p.last_date]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _row(
    pause: Pause, event_type: str, actor: str, now: dt.datetime, reason: str | None = None
) -> dict[str, Any]:
    return {
        "pause_event_id": f"{pause.pause_id}:{event_type}",
        "pause_id": pause.pause_id,
        "event_type": event_type,
        "output_name": pause.output_name,
        "reason": reason if reason is not None else pause.reason,
        "actor": actor,
        "first_date": pause.first_date,
        "until_date": pause.until_date,
        "occurred_at": now,
    }
