"""`pipemon pause OUTPUT --until DATE --reason ...`: declare planned quiet for one output.

`pauses` lists them and `unpause` ends one early (their own modules share the helpers here)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import Any

from pipemon.commands.incidents import EXIT_OK, EXIT_USAGE, add_common, now, with_warehouse

EPILOG = """\
A pause covers its output from today (US Eastern; --from an earlier date to declare a stop after
the fact) through --until, then expires by itself.
The checks of that output skip the covered dates; `pipemon status` and the report list it.
Teams whose pipeline writes halt_state get its declared halts without pausing anything.

exit codes:
  0  done
  2  bad arguments (unknown output, no reason, an end in the past), or no such pause
  3  the warehouse cannot be read or written
"""


def _date_option(name: str) -> Any:
    def parse(text: str) -> dt.date:
        from pipemon import validate

        try:
            return dt.date.fromisoformat(validate.date(name, text))
        except validate.InvalidValue as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def pause_id(text: str) -> str:
    """argparse type of a pause ID: the hex id `pipemon pauses` shows (or a prefix of it)."""
    value = text.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{4,32}", value):
        raise argparse.ArgumentTypeError(
            f"a pause ID is 4 to 32 hex digits as `pipemon pauses` shows it, got {text!r}"
        )
    return value


def actor(given: str | None) -> str:
    from pipemon.alerts import manage

    return given.strip() if given and given.strip() else manage.actor()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pause",
        help="declare planned quiet for one output until a date",
        description="Declare that an output (a processor, output table, prediction system or "
        "scraper of the registries) is deliberately not produced from today through --until: "
        "who, why, until when. Recorded in output_pauses.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("output", metavar="OUTPUT", help="the output that is quiet")
    parser.add_argument(
        "--until",
        required=True,
        type=_date_option("--until"),
        help="last US Eastern date covered, YYYY-MM-DD (today or later, within a year)",
    )
    parser.add_argument(
        "--from",
        dest="first",
        type=_date_option("--from"),
        help="first US Eastern date covered, YYYY-MM-DD (default today; a past date declares "
        "after the fact a stop nobody declared in time, at most 90 days back)",
    )
    parser.add_argument("--reason", required=True, help="why (kept with the pause)")
    parser.add_argument("--by", help="who declares it (default: $PIPEMON_ACTOR or the login name)")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import pauses
    from pipemon.project import project_dir

    moment = now()
    known = pauses.known_outputs(project_dir())
    try:
        pauses.check_request(
            args.output, args.until, args.reason, pauses.eastern_date(moment), known, args.first
        )
    except ValueError as exc:
        print(f"pipemon pause: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def action(wh: Any) -> int:
        pause = pauses.declare(
            wh,
            args.output,
            args.until,
            args.reason,
            by=actor(args.by),
            now=moment,
            known=known,
            first=args.first,
        )
        print(
            f"paused {pause.output_name} ({pause.pause_id}) from {pause.first_date} through "
            f"{pause.until_date}, by {pause.actor}: {pause.reason}"
        )
        return EXIT_OK

    return with_warehouse(args, "pause", action)
