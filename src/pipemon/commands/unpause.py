"""`pipemon unpause ID --reason ...`: end a pause early; its output is judged again from today."""

from __future__ import annotations

import argparse
from typing import Any

from pipemon.commands.incidents import EXIT_OK, add_common, now, with_warehouse
from pipemon.commands.pause import EPILOG, actor, pause_id


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "unpause",
        help="end a pause early (its output is judged again from today)",
        description="End one pause before its --until date. Today (US Eastern) is no longer "
        "covered. Recorded in output_pauses with who and why.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("pause_id", metavar="ID", type=pause_id, help="pause id (or a prefix)")
    parser.add_argument("--reason", required=True, help="why it ends early")
    parser.add_argument("--by", help="who ends it (default: $PIPEMON_ACTOR or the login name)")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import pauses

    def action(wh: Any) -> int:
        if not args.reason.strip():
            raise ValueError("--reason must say why the pause ends early")
        pause = pauses.end(wh, args.pause_id, by=actor(args.by), reason=args.reason, now=now())
        print(
            f"ended {pause.pause_id} ({pause.output_name}) early: judged again from "
            f"{pauses.eastern_date(now())}"
        )
        return EXIT_OK

    return with_warehouse(args, "unpause", action)
