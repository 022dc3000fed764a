"""`pipemon generate`: fill the embedded warehouse's contract tables with a demo season."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipemon import project


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def register(sub: Any) -> None:
    from pipemon.generator import SEASON_END, SEASON_START
    from pipemon.generator.incidents import KINDS

    parser = sub.add_parser(
        "generate",
        help="write a realistic season with known incidents into the DuckDB warehouse",
        description=(
            "Writes a generated NBA season into the source-contract tables of the embedded "
            "DuckDB warehouse (replacing their rows) and the incident ground truth as JSON. "
            f"Default: the whole {SEASON_START.year}-{SEASON_END.year % 100} regular season "
            f"({SEASON_START} to {SEASON_END}). Incident kinds: {', '.join(KINDS)}."
        ),
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $PIPEMON_DUCKDB_PATH or warehouse/pipemon.duckdb)",
    )
    parser.add_argument(
        "--start",
        type=_date,
        help=f"first date, YYYY-MM-DD (default: {SEASON_START}, or 2025-10-01 with --calendar year)",
    )
    parser.add_argument(
        "--days", type=_positive, help="number of days (default: to the season's end)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    parser.add_argument(
        "--scale",
        type=_positive,
        default=1,
        help=(
            "multiply the players per team (rosters, box scores, props, features, predictions "
            "and their lines); the run logs stay one row per run"
        ),
    )
    parser.add_argument(
        "--seasons",
        type=_positive,
        default=1,
        help=(
            "seasons of history: the latest plus N-1 earlier ones (2024-25, 2023-24, ...), "
            "clean (no incidents) and each through the day before the next opening night"
        ),
    )
    parser.add_argument(
        "--incidents", default="all", help="all, none, or a comma-separated list of kinds"
    )
    parser.add_argument(
        "--logs",
        default="planned",
        help=(
            "planned (default): the pipeline's tables plus the plan's new log tables "
            "(processor_execution_log, dependency_check_log, pubsub_dead_letters); existing: only "
            "what the pipeline writes today (the plan's tables are not created, and dropped if present)"
        ),
    )
    parser.add_argument(
        "--calendar",
        default="regular",
        help=(
            "regular (default): the 2025-26 regular season; year: the pipeline's year, "
            "2025-10-01 through the 2026-27 opener's bootstrap (preseason, All-Star break, "
            "postponements, play-in and playoffs, the 04-26 shutdown, the offseason, the restart "
            "in waves, the declared halts); --start and --days pick a window inside it"
        ),
    )
    parser.add_argument(
        "--no-halts",
        dest="halts",
        action="store_false",
        help="year calendar: leave the declared-halt tables (halt_state, halt_overrides) out",
    )
    parser.add_argument(
        "--truth",
        type=Path,
        help="where to write the ground truth JSON (default: next to the warehouse)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.generator import (
        SEASON_END,
        SEASON_START,
        generate,
        parse_kinds,
        parse_logs,
        year_bounds,
    )
    from pipemon.generator.calendar import parse_calendar

    try:
        plan = parse_calendar(args.calendar)
    except ValueError as exc:
        print(f"pipemon generate: --calendar: {exc}", file=sys.stderr)
        return 2
    try:
        parse_kinds(args.incidents, args.calendar)
    except ValueError as exc:
        print(f"pipemon generate: --incidents: {exc}", file=sys.stderr)
        return 2
    if not args.halts and not plan.year:
        print("pipemon generate: --no-halts: only the year calendar writes halts "
              "(give --calendar year)", file=sys.stderr)  # fmt: skip
        return 2
    try:
        parse_logs(args.logs)
    except ValueError as exc:
        print(f"pipemon generate: --logs: {exc}", file=sys.stderr)
        return 2
    warehouse = (args.warehouse or project.duckdb_path()).resolve()
    first, last = year_bounds() if plan.year else (SEASON_START, SEASON_END)
    start = args.start or first
    end = start + timedelta(days=args.days - 1) if args.days else last
    if end < start:
        print(
            f"pipemon generate: --start {start} is after the {plan.name} calendar's end {last}; "
            "give --days",
            file=sys.stderr,
        )
        return 2
    if plan.year and (start < first or end > last):
        print(
            f"pipemon generate: the year calendar runs from {first} to {last}; "
            f"got {start} .. {end}",
            file=sys.stderr,
        )
        return 2
    if plan.year and args.seasons != 1:
        print("pipemon generate: --seasons: the year calendar has no earlier seasons",
              file=sys.stderr)  # fmt: skip
        return 2

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"  {msg}", file=sys.stderr, flush=True)

    result = generate(
        warehouse, start, end, seed=args.seed, scale=args.scale,
        incidents=args.incidents, truth_path=args.truth, progress=progress, logs=args.logs,
        seasons=args.seasons, calendar=args.calendar, halts=args.halts,
    )  # fmt: skip
    total = sum(result.row_counts.values())
    print(f"generated {start} .. {end} (calendar {result.calendar}, seed {args.seed}, "
          f"scale {args.scale}, seasons {args.seasons}, logs {result.logs}): "
          f"{total:,} rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s "
          f"after {result.ddl_seconds:.1f} s creating the tables)")  # fmt: skip
    for table, count in sorted(result.row_counts.items()):
        print(f"  {table:<52} {count:>9,}")
    for table in result.skipped_tables:
        print(f"  {table:<52} not loaded: the source contract does not declare it")
    print(f"incidents injected: {result.incidents} records (truth: {result.truth_path})")
    if result.skipped_kinds:
        print(f"kinds that did not fit this period: {', '.join(result.skipped_kinds)}")
    print(f"warehouse: {result.warehouse}   as_of: {result.as_of} UTC")
    return 0
