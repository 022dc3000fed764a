"""`pipemon alert`: alert from the last dbt results (target/run_results.json) without
rebuilding; also retries pending deliveries."""

from __future__ import annotations

import argparse
from typing import Any

from pipemon.commands.run import EPILOG, add_alert_arguments, main


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alert",
        help="alert from the last dbt results without rebuilding",
        description="Read target/run_results.json and manifest.json from the last dbt build "
        "and alert on its failing tests (deduplicated); retry pending deliveries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_alert_arguments(parser)
    parser.set_defaults(func=lambda args: main(args, "alert"))
