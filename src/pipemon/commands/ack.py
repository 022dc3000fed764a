"""`pipemon ack ID --for 24h --reason ...`: silence an open incident until the time runs out."""

from __future__ import annotations

import argparse
from typing import Any

from pipemon.commands.incidents import (
    EXIT_OK,
    EXIT_USAGE,
    add_common,
    incident_parser,
    now,
    tell_pagers,
    with_warehouse,
)


def register(subparsers: Any) -> None:
    parser = incident_parser(
        subparsers,
        "ack",
        help="acknowledge an incident: no messages until the given time has passed",
        description="Silence one incident. It stays open; if it still fails when the time runs "
        "out, the next run reminds. Recorded in incident_events with who and why.",
    )
    parser.add_argument(
        "--for",
        dest="duration",
        default="24h",
        help="how long: 90m, 24h, 2d, 1w (default 24h, at most 90 days)",
    )
    parser.add_argument("--reason", required=True, help="why (kept with the incident)")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.alerts import incidents, manage

    try:
        duration = incidents.parse_duration(args.duration)
    except ValueError as exc:
        print(f"pipemon ack: {exc}")
        return EXIT_USAGE

    def action(wh: Any) -> int:
        incident = manage.ack(wh, args.incident_id, duration, args.reason, now())
        print(
            f"acknowledged {incident.incident_id} until "
            f"{incident.ack_until:%Y-%m-%d %H:%M} UTC: {args.reason}"
        )
        tell_pagers(args, wh, incident, "acknowledged", args.reason, incident.ack_until)
        return EXIT_OK

    return with_warehouse(args, "ack", action)
