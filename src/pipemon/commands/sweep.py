"""`pipemon sweep`: judge the whole season's date grid for outputs still missing and print one
digest of table and date ranges (the weekly schedule in deploy/schedules.yml)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

EXIT_CLEAR = 0
EXIT_GAPS = 1
EXIT_USAGE = 2
EXIT_MONITOR_FAILED = 3

EPILOG = f"""\
The daily run judges the last `monitor_lookback_days` dates and forgets a gap nobody fixed; the
sweep builds `season_gap_ranges` (and everything it reads) over every date the warehouse holds
and reports what is still missing as ranges of game days per table, in one message.

exit codes:
  {EXIT_CLEAR}  nothing missing
  {EXIT_GAPS}  gaps still open (the digest lists them)
  {EXIT_USAGE}  bad arguments
  {EXIT_MONITOR_FAILED}  the monitoring failed (dbt error, warehouse unreachable)
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="judge the whole season for outputs still missing: one digest of date ranges",
        description="Build the season sweep and print one digest of the gaps still open.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument("--as-of", metavar="TIME", help="UTC 'YYYY-MM-DD HH:MM:SS' (default: now)")
    parser.add_argument("--vars", metavar="YAML", help="more dbt vars, as for dbt --vars")
    parser.add_argument("--no-build", action="store_true", help="read the last sweep's mart only")
    parser.add_argument("--json", action="store_true", help="the ranges as JSON")
    parser.add_argument("--out", type=Path, metavar="PATH", help="also write the digest here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from pipemon import project, sweep, validate
    from pipemon.warehouse import WarehouseError, open_warehouse, resolve
    from pipemon.warehouse.duckdb import release_dbt_connections

    try:
        extra = project.parse_vars(args.vars)
        if args.as_of:
            validate.timestamp("--as-of", args.as_of)
        problems = validate.invalid_vars(extra, project.declared_vars())
        if problems:
            raise ValueError("; ".join(problems))
    except (yaml.YAMLError, ValueError) as exc:
        print(f"pipemon sweep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    vars_ = sweep.sweep_vars(args.as_of, extra)
    if not args.no_build:
        outcome = sweep.build(args.target, vars_)
        if outcome.exception is not None or any(
            getattr(r, "status", None) in ("error", "skipped")
            and not str(getattr(getattr(r, "node", None), "unique_id", "")).startswith("test.")
            for r in outcome.results
        ):
            print(f"pipemon sweep: the build failed: {outcome.exception}", file=sys.stderr)
            return EXIT_MONITOR_FAILED
        release_dbt_connections()
    try:
        warehouse = open_warehouse(resolve(args.target, vars_))
        try:
            ranges = sweep.read_ranges(warehouse)
        finally:
            warehouse.close()
    except WarehouseError as exc:
        print(f"pipemon sweep: {exc}", file=sys.stderr)
        return EXIT_MONITOR_FAILED
    text = sweep.digest(ranges, args.as_of)
    if args.json:
        print(json.dumps([{**asdict(r), "first_date": r.first_date.isoformat(),
                           "last_date": r.last_date.isoformat()} for r in ranges], indent=2))  # fmt: skip
    else:
        print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return EXIT_GAPS if ranges else EXIT_CLEAR
