"""`pipemon config check`: is the alert config valid, and does every alert reach someone?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BAD = 0, 3

EPILOG = """\
Validates config/alerts.yml (or --config / PIPEMON_ALERTS_CONFIG) against its schema: unknown
keys are refused with the closest known one, values are checked, every channel a route names
must exist. Then lists the channels (enabled, or why not: a channel is disabled while its
environment variable is unset) and the routes that reach them, and checks that an error, a
warning and a monitoring failure each reach at least one enabled channel. With --vars, also
refuses vars the dbt project does not declare.

exit codes:
  0  valid, and every kind of alert reaches an enabled channel
  3  invalid config, unknown var, or an alert that no enabled channel would take
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "config",
        help="check the alert config (schema, channels, routes) and dbt vars",
        description="Check the alert configuration.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser(
        "check",
        help="validate the config and vars; list channels and routes",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--config", type=Path, help="alert config (default: config/alerts.yml)")
    check.add_argument("--vars", default="", help="dbt vars to check, YAML or JSON mapping")
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import project
    from pipemon.alerts import config
    from pipemon.alerts.redact import mask_url
    from pipemon.commands.run import _vars
    from pipemon.runner import build

    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(f"pipemon config check: invalid: {exc}", file=sys.stderr)
        return EXIT_BAD
    problems: list[str] = []
    try:
        given = _vars(args.vars)
        problems += build.unknown_vars(given, project.declared_vars())
    except argparse.ArgumentTypeError as exc:
        problems.append(str(exc))
    print(f"config {cfg.path}: valid")
    print("channels:")
    for name, channel in cfg.channels.items():
        if channel.url:
            print(f"  ✅ {name:<12} enabled   {mask_url(channel.url)}")
        else:
            print(f"  ⛔ {name:<12} disabled  ({channel.disabled_reason})")
    print("routes:")
    for route in cfg.routes:
        match = ", ".join(f"{k}={'|'.join(v)}" for k, v in route.match.items()) or "everything"
        names = [f"{c}{'' if cfg.channels[c].url else ' (disabled)'}" for c in route.channels]
        print(f"  {match:<40} -> {', '.join(names) or '(none)'}")
    defaults = ", ".join(cfg.default_channels) or "(none)"
    print(f"  {'(no route matched)':<40} -> {defaults}")
    print("who gets what:")
    for label, attrs in (
        ("an error", {"severity": ["error"], "source": ["test"], "kind": ["alert"]}),
        ("a warning", {"severity": ["warn"], "source": ["test"], "kind": ["alert"]}),
    ):
        reach = [c for c in cfg.channels_for(attrs) if cfg.channels[c].url]
        print(f"  {label:<24} -> {', '.join(reach) or 'NOBODY'}")
        if not reach:
            problems.append(f"{label} reaches no enabled channel")
    print(f"  {'a monitoring failure':<24} -> {', '.join(cfg.enabled) or 'NOBODY (stderr only)'}")
    if not cfg.enabled:
        problems.append("no channel is enabled: set the variables the channels name")
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return EXIT_BAD if problems else EXIT_OK
