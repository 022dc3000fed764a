"""`pipemon report`: write the self-contained HTML dashboard and print its path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NOT_BUILT = 3

EPILOG = f"""\
Reads the marts only (no dbt run): build them first with `make demo` or `pipemon run`.
The file has no scripts and loads nothing from the network; open it in any browser.

exit codes:
  {EXIT_OK}  report written (its path is printed)
  {EXIT_USAGE}  bad arguments
  {EXIT_NOT_BUILT}  no warehouse, marts not built, or the warehouse cannot be read
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML dashboard of the marts",
        description="Write one HTML file with the dashboard panels (charts inline, no network).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, metavar="PATH", help="output file (default: out/pipemon-report.html)"
    )
    parser.add_argument(
        "--as-of",
        metavar="TIME",
        help="UTC time the report is for (default: the as_of of the runner's last run, else now)",
    )
    parser.add_argument("--target", help="dbt target to read (default: the profile's)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import report, status

    try:
        as_of = status.parse_as_of(args.as_of) if args.as_of else None
    except ValueError as exc:
        print(f"pipemon report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ctx = None
    try:
        ctx = status.open_context(args.target, as_of)
        result = report.write_report(ctx, args.out or report.default_out_path())
    except status.StatusError as exc:
        print(
            f"pipemon report: {exc}: build the marts first with `make demo` or `pipemon run`",
            file=sys.stderr,
        )
        return EXIT_NOT_BUILT
    finally:
        if ctx is not None:
            ctx.warehouse.close()
    print(result.path)
    return EXIT_OK
