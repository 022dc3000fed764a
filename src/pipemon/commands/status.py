"""`pipemon status`: did the pipeline complete, what failed and why, are predictions ready."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_NOT_BUILT = 3
EXIT_NOT_COVERED = 4

EPILOG = f"""\
Reads the marts only (no dbt run): build them first with `make demo` or `pipemon run`.
Dates are US Eastern game dates. Without --date: yesterday's pipeline and today's predictions,
relative to --as-of (default: the as_of of the runner's last run, else a generated demo's
own, else now).
With --date D: D's pipeline and D+1's predictions.

exit codes:
  {EXIT_OK}  every line is ✅ (⏳ pending lines, not yet due, do not count)
  {EXIT_PROBLEMS}  at least one ❌
  {EXIT_USAGE}  bad arguments (e.g. a date that is not YYYY-MM-DD)
  {EXIT_NOT_BUILT}  no warehouse, marts not built, or the warehouse cannot be read
  {EXIT_NOT_COVERED}  the date is outside the dates the marts hold
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
        help="answer: did yesterday's pipeline complete, what failed, are predictions ready",
        description="Answer the on-call questions from the marts with ✅/❌ lines.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--date", metavar="YYYY-MM-DD", help="game date to judge (default: yesterday ET)"
    )
    parser.add_argument(
        "--as-of",
        metavar="TIME",
        help="UTC time the answer is for, e.g. '2026-04-12 15:00:00' (default: the last run's)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    parser.add_argument("--target", help="dbt target to read (default: the profile's)")
    parser.set_defaults(func=run)


def _fail(code: int, message: str) -> int:
    print(f"pipemon status: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from pipemon import status

    try:
        day = status.parse_date(args.date) if args.date else None
        as_of = status.parse_as_of(args.as_of) if args.as_of else None
    except ValueError as exc:
        return _fail(EXIT_USAGE, str(exc))
    ctx = None
    try:
        ctx = status.open_context(args.target, as_of)
        report = status.collect(ctx, day)
    except status.NotBuilt as exc:
        return _fail(
            EXIT_NOT_BUILT,
            f"{exc}: build the marts first with `make demo` (demo data) or `pipemon run`",
        )
    except status.DateNotCovered as exc:
        return _fail(EXIT_NOT_COVERED, str(exc))
    except status.StatusError as exc:
        return _fail(EXIT_NOT_BUILT, f"{exc}: check the target and that no other process holds it")
    finally:
        if ctx is not None:
            ctx.warehouse.close()
    print(report.to_json() if args.json else report.render())
    return EXIT_OK if report.ok else EXIT_PROBLEMS
