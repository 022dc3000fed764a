"""`pipemon pauses`: the pauses in force (or, with --all, every pause ever declared)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pipemon.commands.incidents import EXIT_OK, add_common, now, with_warehouse
from pipemon.commands.pause import EPILOG


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pauses",
        help="list the pauses in force (output, until, reason, who)",
        description="List the pauses declared with `pipemon pause` that cover today or later: "
        "id, output, dates, who and why. With --all, expired and ended ones too.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--all", action="store_true", help="also expired and ended pauses")
    parser.add_argument("--json", action="store_true", help="print them as JSON")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import pauses

    def action(wh: Any) -> int:
        today = pauses.eastern_date(now())
        listed = pauses.load(wh) if args.all else pauses.active(wh, today)
        if args.json:
            rows = [{**p.__dict__, "last_date": p.last_date} for p in listed]
            print(json.dumps({"pauses": rows}, default=str, indent=2))
        elif not listed:
            print("no pause in force" if not args.all else "no pause declared")
        else:
            for pause in listed:
                print(pause.line())
        return EXIT_OK

    return with_warehouse(args, "pauses", action)
