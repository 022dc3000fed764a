"""`pipemon incidents`: what is open, with its age (the same list the report shows).

`ack`, `close` and `show` (their own modules) share the helpers here."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_WAREHOUSE = 0, 2, 3

EPILOG = """\
exit codes:
  0  done
  2  bad arguments, or no such incident
  3  the warehouse cannot be read or written
"""


def incident_id(text: str) -> str:
    """argparse type of an incident ID argument."""
    from pipemon import validate

    try:
        return validate.incident_id(text)
    except validate.InvalidValue as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def incident_parser(
    subparsers: Any, name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """The parser of a command about one incident (`ack`, `close`, `show`): its ID argument,
    the shared epilog."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "incident_id", metavar="ID", type=incident_id, help="incident id (or a unique prefix)"
    )
    return parser


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help="dbt target (default: the profile's)")


def with_warehouse(args: argparse.Namespace, name: str, action: Callable[[Any], int]) -> int:
    from pipemon.warehouse import SettingsError, WarehouseError, open_warehouse, resolve

    try:
        settings = resolve(args.target)
    except (SettingsError, RuntimeError) as exc:
        print(f"pipemon {name}: {exc}", file=sys.stderr)
        return EXIT_WAREHOUSE
    if settings.type == "duckdb" and settings.path is not None and not settings.path.is_file():
        print(f"pipemon {name}: no warehouse at {settings.path}", file=sys.stderr)
        return EXIT_WAREHOUSE
    wh = open_warehouse(settings)
    try:
        return action(wh)
    except (KeyError, ValueError) as exc:
        print(f"pipemon {name}: {str(exc).strip(chr(39))}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseError as exc:
        print(f"pipemon {name}: warehouse error: {exc}", file=sys.stderr)
        return EXIT_WAREHOUSE
    finally:
        wh.close()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tell_pagers(
    args: argparse.Namespace,
    wh: Any,
    incident: Any,
    kind: str,
    reason: str,
    until: dt.datetime | None = None,
) -> None:
    """`ack`/`close`: the pagers that carry the incident (PagerDuty, Opsgenie) follow it."""
    from pipemon.alerts import manage
    from pipemon.runner import follow
    from pipemon.warehouse import resolve

    told = follow.tell(
        wh,
        incident,
        kind,
        actor=manage.actor(),
        reason=reason,
        now=now(),
        settings=resolve(args.target),
        until=until,
        log=lambda line: print(line, file=sys.stderr),
    )
    if told.problem:
        print(f"pipemon {args.command}: {told.problem}", file=sys.stderr)
    elif told.channels:
        print(f"pagers told ({', '.join(told.channels)}): {told.sent} sent", end="")
        if told.pending:
            print(f", {told.pending} pending (the next `pipemon run` or `alert` retries)", end="")
        print()


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "incidents",
        help="list open incidents with their age",
        description="List the open (and acknowledged) incidents from the warehouse: id, "
        "status, severity, age, members, cause. Severity first, then date.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="print them as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.alerts import manage

    def action(wh: Any) -> int:
        moment = now()
        if args.json:
            rows = manage.open_incident_rows(wh, moment)
            print(json.dumps({"incidents": rows}, default=str, indent=2))
        else:
            print(manage.listing(manage.open_incidents(wh, moment), moment), end="")
        return EXIT_OK

    return with_warehouse(args, "incidents", action)
