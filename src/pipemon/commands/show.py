"""`pipemon show ID`: an incident and every failing row of its members, from the warehouse
(what the runner stored when they failed; nothing is rebuilt)."""

from __future__ import annotations

import argparse
from typing import Any

from pipemon.commands.incidents import (
    EXIT_OK,
    add_common,
    incident_parser,
    now,
    with_warehouse,
)


def register(subparsers: Any) -> None:
    parser = incident_parser(
        subparsers,
        "show",
        help="print an incident's failing rows from the warehouse (no rebuild)",
        description="Print one incident: its cause, its consequences and their failing rows "
        "as stored in incident_events when they failed.",
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.alerts import manage

    def action(wh: Any) -> int:
        print(manage.show(wh, args.incident_id, now()), end="")
        return EXIT_OK

    return with_warehouse(args, "show", action)
