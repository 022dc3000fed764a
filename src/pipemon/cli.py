"""Command-line shell over the pipemon library. Each sub-command lives in pipemon.commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pipemon import __version__

# Sub-commands, in the order `pipemon --help` lists them. Each module has
# `register(subparsers)`, which adds its parser and sets `func` to a callable(args) -> int.
COMMANDS = (
    "demo",
    "generate",
    "run",
    "alert",
    "incidents",
    "show",
    "ack",
    "close",
    "pause",
    "pauses",
    "unpause",
    "config",
    "status",
    "probe",
    "report",
    "grafana",
    "sweep",
    "backtest",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every sub-command, or with `only` that one (`pipemon status` need not
    import what `pipemon generate` and `pipemon run` import: it answers in about a second)."""
    parser = argparse.ArgumentParser(
        prog="pipemon",
        description="SQL-first monitoring for the daily NBA props pipeline.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pipemon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only in COMMANDS else COMMANDS:
        try:
            module = importlib.import_module(f"pipemon.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pipemon.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    # the sub-command is the first argument; anything else (--help, a typo) gets every one
    parser = build_parser(given[0] if given else None)
    args = parser.parse_args(given)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
