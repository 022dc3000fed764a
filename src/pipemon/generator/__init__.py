"""Demo-data generator: a realistic NBA season in the source contract, with known incidents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipemon import project
from pipemon.generator.build import SeasonBuilder
from pipemon.generator.calendar import CALENDARS, parse_calendar, year_end
from pipemon.generator.contract import ContractTable, load_contract
from pipemon.generator.core import LOG_MODES, parse_logs
from pipemon.generator.incidents import parse_kinds
from pipemon.generator.season import SEASON_END, SEASON_START, SEASON_YEAR, season_calendar

__all__ = [
    "CALENDARS",
    "GenerationResult",
    "LOG_MODES",
    "generate",
    "SEASON_START",
    "SEASON_END",
    "history_seasons",
    "parse_kinds",
    "parse_logs",
    "year_bounds",
]


def year_bounds() -> tuple[date, date]:
    """The year calendar's first and last dates (the last: the 2026-27 opener plus the
    project's bootstrap_days)."""
    from pipemon.generator.calendar import YEAR_START

    bootstrap_days = int(str(project.resolved_vars().get("bootstrap_days", 14)))
    return YEAR_START, year_end(bootstrap_days)


@dataclass
class GenerationResult:
    warehouse: Path
    truth_path: Path
    row_counts: dict[str, int]
    incidents: int
    skipped_kinds: list[str]
    seconds: float
    as_of: str
    logs: str = "planned"
    seasons: int = 1

    ddl_seconds: float = 0.0  # creating the contract tables through dbt (a fixed cost)
    calendar: str = "regular"
    # tables the builder wrote rows for that the source contract does not declare: not loaded
    skipped_tables: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        """Rows generated and loaded per second (the call without its fixed DDL cost)."""
        work = self.seconds - self.ddl_seconds
        return sum(self.row_counts.values()) / work if work > 0 else 0.0


@dataclass(frozen=True)
class HistorySeason:
    """An earlier season of a generated history: opening night to the day before the next
    season's, games until its last regular-season day, the off-season after it game-free."""

    season_year: int
    start: date
    last_game_day: date
    end: date


def history_seasons(seasons: int) -> list[HistorySeason]:
    """The `seasons - 1` seasons before 2025-26, newest first."""
    history = []
    next_opening = SEASON_START
    for back in range(1, seasons):
        year = SEASON_YEAR - back
        opening, last, _ = season_calendar(year)
        history.append(HistorySeason(year, opening, last, next_opening - timedelta(days=1)))
        next_opening = opening
    return history


def _unexpired(
    rows: list[dict[str, Any]], table: ContractTable | None, as_of: datetime
) -> list[dict[str, Any]]:
    """The rows whose partition has not expired at `as_of` (a history's older seasons reach
    past the predictions' 365 days; the scraper log's 90 days the builder applies itself)."""
    if table is None or table.expiration_days is None or table.partition_field is None:
        return rows
    oldest = as_of.date() - timedelta(days=table.expiration_days - 1)
    field = table.partition_field

    def day(value: date) -> date:
        return value.date() if isinstance(value, datetime) else value

    return [r for r in rows if r[field] is None or day(r[field]) >= oldest]


def ensure_contract_tables(warehouse: Path, *, include_planned: bool = True) -> None:
    """Creates the contract tables through the project's own macro (the one DDL definition);
    without the plan's new tables when `include_planned` is false."""
    import os

    from pipemon import dbt

    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    args = ["run-operation", "create_contract_tables"]
    if not include_planned:
        args += ["--args", "{include_planned: false}"]
    outcome = dbt.invoke(args, target="local")
    if not outcome.success:
        raise RuntimeError(f"creating the contract tables failed: {outcome.exception}")
    # the runner's own tables are sources too: a fresh warehouse builds before any runner run
    from pipemon.warehouse import open_warehouse, resolve

    runner_tables = open_warehouse(resolve("local"))
    try:
        runner_tables.ensure_tables()
    finally:
        runner_tables.close()


def generate(
    warehouse: Path,
    start: date,
    end: date,
    *,
    seed: int = 42,
    scale: int = 1,
    incidents: str = "all",
    truth_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
    create_tables: bool = True,
    logs: str = "planned",
    seasons: int = 1,
    calendar: str = "regular",
    halts: bool = True,
) -> GenerationResult:
    """Writes `start..end` into the contract tables of the DuckDB file, replacing their rows.

    `logs="planned"` writes the pipeline's tables plus the plan's new log tables; `"existing"`
    writes only what the pipeline writes today and drops the plan's tables if a run left them.
    `seasons` > 1 adds that many minus one earlier seasons as clean history (no incidents,
    each with its own calendar and seed stream), seen from the same `as_of`; the rows of
    `start..end` are the same with or without them.

    `calendar="year"` writes the pipeline's year (calendar.YEAR_PLAN): `start..end` must lie in
    `year_bounds()`; `halts=False` leaves the declared-halt tables out. A table the builder
    wrote rows for that the contract does not declare is not loaded and is listed in
    `skipped_tables`.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    if seasons < 1:
        raise ValueError(f"seasons must be a positive integer, got {seasons}")
    plan = parse_calendar(calendar)
    kinds = parse_kinds(incidents, calendar)
    parse_logs(logs)
    if plan.year:
        if seasons != 1:
            raise ValueError("the year calendar has no earlier seasons: seasons must be 1")
        first, last = year_bounds()
        if start < first or end > last:
            raise ValueError(f"the year calendar runs from {first} to {last}, got {start}..{end}")
    planned = logs == "planned"
    began = time.perf_counter()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if create_tables:
        ensure_contract_tables(warehouse, include_planned=planned)
    ddl_seconds = time.perf_counter() - began
    proj = project.project_dir()
    contract = load_contract(proj)
    bootstrap_days = int(str(project.resolved_vars().get("bootstrap_days", 14)))
    builder = SeasonBuilder(
        start, end, seed, scale, kinds, proj / "seeds", progress,
        logs=logs, bootstrap_days=bootstrap_days, calendar=calendar, halts=halts,
    )  # fmt: skip
    rows = builder.build()
    if plan.year:  # the year's as_of is past the predictions' 365 days for its first weeks
        for table_name in list(rows):
            rows[table_name] = _unexpired(rows[table_name], contract.get(table_name), builder.as_of)
    for number, season in enumerate(history_seasons(seasons), start=1):
        earlier = SeasonBuilder(
            season.start, season.end, seed * 1000 + number, scale, [], proj / "seeds", progress,
            logs=logs, bootstrap_days=bootstrap_days, season_start=season.start,
            last_game_day=season.last_game_day, as_of=builder.as_of,
        )  # fmt: skip
        for table_name, table_rows in earlier.build().items():
            rows[table_name].extend(_unexpired(table_rows, contract.get(table_name), builder.as_of))
    counts: dict[str, int] = {}
    written: dict[str, ContractTable] = {
        n: t for n, t in contract.items() if planned or not t.planned
    }
    skipped_tables = sorted(name for name in rows if name not in contract)
    if progress:
        for name in skipped_tables:
            progress(f"not loaded: {name} ({len(rows[name]):,} rows), not in the source contract")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin transaction")
        for table in contract.values():
            if table.planned and not planned:
                con.execute(f"drop table if exists {table.qualified}")
        for name, table in written.items():
            con.execute(f"delete from {table.qualified}")
            data = rows.get(name, [])
            schema = table.arrow_schema()
            arrow = pa.Table.from_pylist(data, schema=schema) if data else schema.empty_table()
            con.register("incoming", arrow)
            con.execute(f"insert into {table.qualified} by name select * from incoming")
            con.unregister("incoming")
            counts[table.qualified] = len(data)
            if progress:
                progress(f"loaded {len(data):>8,} rows into {table.qualified}")
        con.execute("commit")
    finally:
        con.close()
    truth = builder.truth()
    truth["history"] = [
        {"season_start": h.start.isoformat(), "last_game_day": h.last_game_day.isoformat(),
         "end": h.end.isoformat()}
        for h in history_seasons(seasons)
    ]  # fmt: skip
    out = truth_path or project.truth_path(warehouse)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(truth, indent=2) + "\n")
    return GenerationResult(
        warehouse=warehouse,
        truth_path=out,
        row_counts=counts,
        incidents=len(truth["incidents"]),
        skipped_kinds=list(truth["skipped_kinds"]),
        seconds=time.perf_counter() - began,
        as_of=str(truth["as_of"]),
        logs=logs,
        seasons=seasons,
        ddl_seconds=ddl_seconds,
        calendar=calendar,
        skipped_tables=skipped_tables,
    )
