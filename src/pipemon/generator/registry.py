"""The registries the generator runs from: the project's seeds (the same rows the models join)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Validity:
    valid_from: date | None
    valid_to: date | None

    def live(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Processor(Validity):
    name: str
    phase: str
    run_history_class: str
    run_history_phase: str
    cadence: str
    expected: bool
    is_completion_key: bool
    writes_run_history: bool


@dataclass(frozen=True)
class Scraper(Validity):
    name: str
    log_name: str
    workflow: str
    cadence: str
    is_scheduled: bool


@dataclass(frozen=True)
class System(Validity):
    system_id: str


@dataclass(frozen=True)
class Deadline:
    phase: str
    day_offset: int
    time_et: str
    firestore_valid_to: date | None


@dataclass(frozen=True)
class Registries:
    processors: tuple[Processor, ...]
    scrapers: tuple[Scraper, ...]
    systems: tuple[System, ...]
    deadlines: dict[str, Deadline]

    def phase(self, phase: str, day: date | None = None) -> list[Processor]:
        return [p for p in self.processors if p.phase == phase and (day is None or p.live(day))]

    def processor(self, name: str) -> Processor | None:
        return next((p for p in self.processors if p.name == name), None)

    def systems_on(self, day: date) -> list[str]:
        return [s.system_id for s in self.systems if s.live(day)]

    def live(self, name: str, day: date) -> bool:
        """Whether a registry entry of that name (processor, scraper or system) exists on `day`;
        names that are no registry entry (a table, a phase) always do."""
        for entries in (self.processors, self.scrapers, self.systems):
            for entry in entries:
                key = entry.system_id if isinstance(entry, System) else entry.name
                if key == name:
                    return entry.live(day)
        return True


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def load(seeds: Path) -> Registries:
    processors = tuple(
        Processor(
            _date(r["valid_from"]),
            _date(r["valid_to"]),
            r["processor_name"],
            r["phase"],
            r["run_history_class"],
            r["run_history_phase"],
            r["cadence"],
            r["is_expected_every_game_day"] == "true",
            r["is_completion_key"] == "true",
            r["writes_run_history"] == "true",
        )
        for r in _rows(seeds / "processor_registry.csv")
    )
    scrapers = tuple(
        Scraper(
            _date(r["valid_from"]),
            _date(r["valid_to"]),
            r["scraper_name"],
            r["log_name"],
            r["workflow"],
            r["cadence"],
            r["is_scheduled"] == "true",
        )
        for r in _rows(seeds / "scraper_registry.csv")
    )
    systems = tuple(
        System(_date(r["valid_from"]), _date(r["valid_to"]), r["system_id"])
        for r in _rows(seeds / "prediction_systems.csv")
    )
    deadlines = {
        r["phase"]: Deadline(
            r["phase"],
            int(r["deadline_day_offset"]),
            r["deadline_time_et"],
            _date(r.get("firestore_valid_to") or ""),
        )
        for r in _rows(seeds / "phase_deadlines.csv")
    }
    return Registries(processors, scrapers, systems, deadlines)
