"""`pipemon run`: dbt build in-process, then alert on what failed."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from pipemon import project, runner, validate
from pipemon.alerts import render
from pipemon.runner import build

EPILOG = (
    "exit codes:\n"
    + "\n".join(f"  {code}  {text}" for code, text in sorted(runner.EXIT_CODES.items()))
    + "\n\nSee docs/runner.md for channels, routing, deduplication and the tables written."
)


class VarsError(argparse.ArgumentTypeError):
    """--vars that cannot be used: what was expected."""


def _vars(text: str) -> dict[str, Any]:
    """The --vars mapping, checked; raises VarsError saying what was expected."""
    try:
        value = project.parse_vars(text)
    except ValueError as exc:
        raise VarsError(str(exc)) from None
    problems = validate.invalid_vars(value, project.declared_vars())
    if problems:
        raise VarsError("; ".join(problems))
    return value


def _selection(text: str) -> str:
    try:
        return validate.selector(text)
    except validate.InvalidValue as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _named_selector(text: str) -> str:
    try:
        return validate.named_selector(text, build.selector_names())
    except validate.InvalidValue as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_alert_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `run` and `alert`."""
    parser.add_argument("--target", help="dbt target (default: the profile's)")
    # checked in main: a setting that stops a scheduled run is a monitoring failure (exit 3, told
    # on every channel); a dry run sends nothing, so there it is a usage error (exit 2)
    parser.add_argument("--vars", default="", help="dbt vars, YAML or JSON mapping")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the alerts instead of sending or recording them",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print only {"alerts": [...]} on stdout (everything else on stderr)',
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="also send the morning summary (one message, a line per check)",
    )
    parser.add_argument(
        "--no-samples",
        dest="samples",
        action="store_false",
        default=None,
        help="send no failing rows (sensitive data)",
    )
    parser.add_argument(
        "--max-rows", type=int, metavar="N", help="failing rows per alert (default: config, 5)"
    )
    parser.add_argument("--config", type=Path, help="alert config (default: config/alerts.yml)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="dbt build, then alert on failing tests",
        description="Run `dbt build` in-process (and `dbt source freshness`), turn failing "
        "tests into alerts, deduplicate, deliver and record them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--select",
        "-s",
        nargs="+",
        action="extend",
        type=_selection,
        default=[],
        help="dbt node selection, passed to dbt build",
    )
    chosen.add_argument(
        "--selector",
        type=_named_selector,
        metavar="NAME",
        help="a named selection of selectors.yml (dead_letter_check), passed to dbt build",
    )
    parser.add_argument(
        "--exclude",
        nargs="+",
        action="extend",
        type=_selection,
        default=[],
        help="dbt exclusion, passed to dbt build",
    )
    parser.add_argument(
        "--no-freshness",
        dest="freshness",
        action="store_false",
        default=None,
        help="skip `dbt source freshness`",
    )
    add_alert_arguments(parser)
    parser.set_defaults(func=lambda args: main(args, "run"))


def _print_report(report: runner.RunReport, dry_run: bool) -> None:
    if dry_run:
        for message in report.messages:
            print(message.subject)
            print(message.body)
    else:
        for message in report.messages:
            print(f"{message.kind:<10} {message.subject}")
    print(
        f"{report.outcome} (exit {report.exit_code}): {len(report.findings)} findings, "
        f"{report.sent} sent, {report.suppressed} counted not sent, {report.resolved} resolved, "
        f"{report.pending} pending; dbt {report.dbt_seconds:.1f}s, "
        f"runner {report.runner_seconds:.2f}s"
    )


def main(args: argparse.Namespace, command: str) -> int:
    vars_error = None
    try:
        vars_ = _vars(args.vars)
    except VarsError as exc:
        if args.dry_run:
            print(f"pipemon {command}: error: argument --vars: {exc}", file=sys.stderr)
            return 2
        vars_, vars_error = {}, str(exc)
    options = runner.RunOptions(
        command=command,
        target=args.target,
        select=list(getattr(args, "select", []) or []),
        selector=getattr(args, "selector", None),
        exclude=list(getattr(args, "exclude", []) or []),
        vars=vars_,
        vars_error=vars_error,
        dry_run=args.dry_run,
        summary=args.summary,
        samples=args.samples,
        max_rows=args.max_rows,
        freshness=getattr(args, "freshness", False) if command == "run" else False,
        config_path=args.config,
    )

    def log(line: str) -> None:
        print(f"pipemon: {line}", file=sys.stderr)

    stdout = sys.stdout
    # dbt and every library print to stderr while we run: stdout carries only our output
    with contextlib.redirect_stdout(sys.stderr):
        report = runner.execute(options, log=log)
    if args.json:
        stdout.write(json.dumps(report.alerts_json(), indent=2) + "\n")
    else:
        with contextlib.redirect_stdout(stdout):
            _print_report(report, args.dry_run)
    stdout.flush()
    return report.exit_code


__all__ = ["add_alert_arguments", "main", "register", "render"]
