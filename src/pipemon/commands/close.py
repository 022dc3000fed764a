"""`pipemon close ID --reason ...`: end an incident by hand."""

from __future__ import annotations

import argparse
from typing import Any

from pipemon.commands.incidents import (
    EXIT_OK,
    add_common,
    incident_parser,
    now,
    tell_pagers,
    with_warehouse,
)


def register(subparsers: Any) -> None:
    parser = incident_parser(
        subparsers,
        "close",
        help="close an incident by hand (no more messages for it)",
        description="End one incident. Its checks failing on would send nothing; once they "
        "pass, a new failure opens a new incident. Recorded with who and why.",
    )
    parser.add_argument("--reason", required=True, help="why (kept with the incident)")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.alerts import manage

    def action(wh: Any) -> int:
        incident = manage.close(wh, args.incident_id, args.reason, now())
        print(f"closed {incident.incident_id}: {args.reason}")
        tell_pagers(args, wh, incident, "closed", args.reason)
        return EXIT_OK

    return with_warehouse(args, "close", action)
