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
    parser.add_argument("--start", type=_date, default=SEASON_START, help="first date, YYYY-MM-DD")
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
        "--truth",
        type=Path,
        help="where to write the ground truth JSON (default: next to the warehouse)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.generator import SEASON_END, generate, parse_kinds, parse_logs

    try:
        parse_kinds(args.incidents)
    except ValueError as exc:
        print(f"pipemon generate: --incidents: {exc}", file=sys.stderr)
        return 2
    try:
        parse_logs(args.logs)
    except ValueError as exc:
        print(f"pipemon generate: --logs: {exc}", file=sys.stderr)
        return 2
    warehouse = (args.warehouse or project.duckdb_path()).resolve()
    end = args.start + timedelta(days=args.days - 1) if args.days else SEASON_END
    if end < args.start:
        print(
            f"pipemon generate: --start {args.start} is after the season's end {SEASON_END}; give --days",
            file=sys.stderr,
        )
        return 2

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"  {msg}", file=sys.stderr, flush=True)

    result = generate(
        warehouse, args.start, end, seed=args.seed, scale=args.scale,
        incidents=args.incidents, truth_path=args.truth, progress=progress, logs=args.logs,
        seasons=args.seasons,
    )  # fmt: skip
    total = sum(result.row_counts.values())
    print(f"generated {args.start} .. {end} (seed {args.seed}, scale {args.scale}, "
          f"seasons {args.seasons}, logs {result.logs}): "
          f"{total:,} rows in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s "
          f"after {result.ddl_seconds:.1f} s creating the tables)")  # fmt: skip
    for table, count in sorted(result.row_counts.items()):
        print(f"  {table:<52} {count:>9,}")
    print(f"incidents injected: {result.incidents} records (truth: {result.truth_path})")
    if result.skipped_kinds:
        print(f"kinds that did not fit this period: {', '.join(result.skipped_kinds)}")
    print(f"warehouse: {result.warehouse}   as_of: {result.as_of} UTC")
    return 0
