"""Replaying a scheduled run of the monitor: the moment it fires (from deploy/schedules.yml) and
the warehouse as it stood then (every contract-table row written later taken out)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml

from conftest import BuiltSeason, _dbt_build
from pipemon.generator.contract import load_contract

REPO = Path(__file__).resolve().parents[3]
SCHEDULES = REPO / "deploy" / "schedules.yml"

# The column each contract table stamps when a row is written (what the pipeline knew by then).
# Not always the source's `loaded_at_field`: a scraper or processor log row is written when the
# run ends (`created_at`, `processed_at`), not when it was triggered; a props row when it was
# loaded (`processed_at`), not when the snapshot was taken.
WRITTEN_AT: dict[str, str] = {
    "player_game_summary": "processed_at",
    "scraper_execution_log": "created_at",
    "processor_execution_log": "processed_at",
    "dependency_check_log": "check_time",
    "pubsub_dead_letters": "publish_time",
    "service_health_checks": "checked_at",
    "pipeline_event_log": "timestamp",
    "phase_completions": "inserted_at",
    "firestore_phase_snapshots": "snapshot_at",
    "ml_feature_store_v2": "created_at",
    "player_prop_predictions": "created_at",
    "nbac_schedule": "processed_at",
    "bettingpros_player_points_props": "processed_at",
    "processor_run_history": "processed_at",
    "halt_state": "written_at",
    "halt_overrides": "created_at",
}
# Each schedule load rewrites the season's rows: a game that finished after the moment was still
# on the schedule then, not yet final (as the morning load left it).
REWRITTEN = "nbac_schedule"


def copy_warehouse(warehouse: Path, dest: Path) -> Path:
    """A copy of a DuckDB file dbt may still hold open in this process (its WAL too)."""
    from pipemon.warehouse.duckdb import release_dbt_connections

    release_dbt_connections()
    copy = dest / warehouse.name
    shutil.copy(warehouse, copy)
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    return copy


def cut_at(warehouse: Path, as_of: datetime) -> None:
    """Take out of every contract table the rows written after `as_of` (naive UTC)."""
    contract = load_contract(REPO)
    stamp = f"timestamp '{as_of:%Y-%m-%d %H:%M:%S}'"
    con = duckdb.connect(str(warehouse))
    try:
        present = {
            (schema, name)
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        for name, column in WRITTEN_AT.items():
            table = contract[name]
            if (table.schema, name) not in present:  # a planned table this warehouse lacks
                continue
            later = f'"{column}" > {stamp}'
            if name == REWRITTEN:
                con.execute(
                    f"update {table.qualified} set game_status = 1, "
                    f"processed_at = {stamp} - interval 1 hour where {later}"
                )
            else:
                con.execute(f"delete from {table.qualified} where {later}")
    finally:
        con.close()


def scraper_log_days(warehouse: Path, as_of_date: date) -> int:
    """The whole ET days of scraper log this warehouse keeps up to `as_of_date`: a generated
    season keeps the last 90 days before its own end, so a replay earlier than that must not
    judge the days whose rows expired later (the `scraper_log_retention_days` to run with)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (oldest,) = con.execute(
            "select min(triggered_at) from nba_orchestration.scraper_execution_log"
        ).fetchone() or (None,)
    finally:
        con.close()
    if oldest is None:
        return 0
    first_whole = to_et(oldest).date() + timedelta(days=1)
    return max(0, min(90, (as_of_date - first_whole).days + 1))


# ------------------------------------------------------------------ schedules


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    command: str
    selection: list[str]  # the run's dbt selection (`--select X` or `--selector NAME`); []: all

    def fires(self, moment: datetime) -> bool:
        minute, hour, day, month, weekday = self.cron.split()
        return (
            _matches(minute, moment.minute)
            and _matches(hour, moment.hour)
            and _matches(day, moment.day)
            and _matches(month, moment.month)
            and _matches(weekday, moment.isoweekday() % 7)
        )

    def first_firing(self, at: datetime) -> datetime:
        """The first firing at or after `at` (naive wall clock in the schedules' time zone)."""
        moment = at.replace(second=0, microsecond=0)
        if moment < at:
            moment += timedelta(minutes=1)
        for _ in range(8 * 24 * 60):
            if self.fires(moment):
                return moment
            moment += timedelta(minutes=1)
        raise ValueError(f"{self.name} ({self.cron}) does not fire within 8 days of {at}")


def _matches(field: str, value: int) -> bool:
    for part in field.split(","):
        if part == "*":
            return True
        if part.startswith("*/"):
            if value % int(part[2:]) == 0:
                return True
        elif "-" in part:
            low, high = (int(x) for x in part.split("-"))
            if low <= value <= high:
                return True
        elif int(part) == value:
            return True
    return False


def load_schedules() -> tuple[ZoneInfo, dict[str, Schedule]]:
    """The production schedules and their time zone, as deploy/deploy.py deploys them."""
    doc = yaml.safe_load(SCHEDULES.read_text())
    schedules: dict[str, Schedule] = {}
    for entry in doc["schedules"]:
        args = [str(a) for a in entry["args"]]
        selection = next(
            (
                [flag, args[i + 1]]
                for i, flag in enumerate(args)
                if flag in ("--select", "--selector")
            ),
            [],
        )
        schedules[entry["name"]] = Schedule(entry["name"], entry["cron"], args[0], selection)
    return ZoneInfo(doc["time_zone"]), schedules


def to_et(utc: datetime) -> datetime:
    zone, _ = load_schedules()
    return utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def to_utc(wall: datetime) -> datetime:
    zone, _ = load_schedules()
    return wall.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def generate_stretch(
    base: Path, start: date, end: date, *, incidents: str, logs: str
) -> tuple[Path, dict[str, Any]]:
    """`start`..`end` generated into `base`/warehouse.duckdb (a copy of the run's one
    generation with these arguments, `session_cache.generate_once`: the caller may rewrite it);
    returns it with its ground truth."""
    import json
    import os

    from session_cache import generate_once

    warehouse = base / "warehouse.duckdb"
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    generated = generate_once(warehouse, start, end, seed=42, incidents=incidents, logs=logs)
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    return warehouse, json.loads(generated.truth_path.read_text())


def build_as_of(warehouse: Path, truth: dict[str, Any], as_of: str, name: str) -> BuiltSeason:
    """`dbt build --full-refresh` of `warehouse` as of `as_of`, judging truth's start..end."""
    moment = {**truth, "as_of": as_of}
    run_results, manifest = _dbt_build(warehouse, warehouse.parent / f"target-{name}", moment)
    return BuiltSeason(warehouse, moment, run_results, manifest, {})
