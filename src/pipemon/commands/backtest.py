"""`pipemon backtest`: replay the monitor over a date range as its schedules would have run it,
each moment seeing only the rows written by then; report what it would have said."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipemon.commands.run import _vars

EXIT_DONE, EXIT_USAGE, EXIT_MONITOR = 0, 2, 3
MAX_MOMENTS = 2000

EPILOG = f"""\
Each moment is a real `dbt build` and runner pass as of that moment (var read_as_of: every
source read as it stood then), in scratch state: the live incidents, alert_log and channels are
never touched. Messages go to one file channel under the team's limits (config/alerts.yml).

examples:
  pipemon backtest --from 2025-12-12 --to 2025-12-21 --at 08:00,14:00 \\
      --vars '{{monitor_lookback_days: 2}}'
  pipemon backtest --on 2025-10-05,2026-02-15,2026-04-28 --at 03:30,08:00,14:00
      (sampled days, replayed in order on one scratch warehouse)

exit codes:
  {EXIT_DONE}  the backtest ran (whatever the monitor would have said)
  {EXIT_USAGE}  bad arguments
  {EXIT_MONITOR}  the monitoring failed at some moment (see the moments marked)
"""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date YYYY-MM-DD") from None


def _times(text: str) -> list[dt.time]:
    out = []
    for part in text.split(","):
        try:
            hour, minute = (int(x) for x in part.strip().split(":"))
            out.append(dt.time(hour, minute))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r}: expected times HH:MM (pipeline time zone), comma-separated, "
                "e.g. 08:00,14:00"
            ) from None
    return sorted(set(out))


def _dates(text: str) -> list[dt.date]:
    days = sorted({_date(part.strip()) for part in text.split(",") if part.strip()})
    if not days:
        raise argparse.ArgumentTypeError(f"{text!r}: expected dates YYYY-MM-DD, comma-separated")
    return days


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="replay the monitor over history: what it would have said, and when",
        description="Replay the monitor over a date range, as its schedules would have run it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="first", type=_date, metavar="DATE")
    parser.add_argument("--to", dest="last", type=_date, metavar="DATE")
    parser.add_argument(
        "--on",
        dest="days",
        type=_dates,
        metavar="DATE,...",
        help="only these dates (instead of --from/--to), replayed in order on one warehouse",
    )
    parser.add_argument(
        "--at",
        type=_times,
        default=_times("08:00,14:00"),
        metavar="HH:MM,...",
        help="moments of each day in the pipeline's time zone (default 08:00,14:00)",
    )
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    parser.add_argument("--vars", type=_vars, default={}, help="dbt vars to try, YAML mapping")
    parser.add_argument("--scratch", type=Path, metavar="DIR", help="scratch state (default: temp)")
    parser.add_argument("--json", action="store_true", help="the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import backtest

    if args.days is not None:
        if args.first is not None or args.last is not None:
            print("--on lists the dates itself: give it without --from/--to", file=sys.stderr)
            return EXIT_USAGE
        args.first, args.last = args.days[0], args.days[-1]
    elif args.first is None or args.last is None:
        print(
            "which dates? --from DATE --to DATE, or --on DATE,DATE,... (YYYY-MM-DD)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.last < args.first:
        print(f"--to {args.last} is before --from {args.first}", file=sys.stderr)
        return EXIT_USAGE
    days = len(args.days) if args.days is not None else (args.last - args.first).days + 1
    count = days * len(args.at)
    if count > MAX_MOMENTS:
        print(f"{count} moments: at most {MAX_MOMENTS} per backtest", file=sys.stderr)
        return EXIT_USAGE
    if "as_of" in args.vars:
        print("--vars as_of: a backtest sets as_of to each moment itself", file=sys.stderr)
        return EXIT_USAGE
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="pipemon-backtest-"))
    with contextlib.redirect_stdout(sys.stderr):  # dbt's own lines: stdout is the answer's
        result = backtest.run(
            args.first,
            args.last,
            args.at,
            target=args.target,
            vars_=args.vars,
            scratch=scratch,
            log=lambda line: print(line, file=sys.stderr),
            days=args.days,
        )
    if args.json:
        print(json.dumps(result.to_json(), indent=2, default=str))
    else:
        print(backtest.text(result), end="")
        print(f"Scratch state: {scratch}")
    return EXIT_MONITOR if result.failed_moments else EXIT_DONE
