"""`pipemon probe`: HTTP health checks of the pipeline's services."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipemon import probe

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1
EXIT_SETUP = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "probe",
        help="HTTP health checks of the pipeline's services",
        description=(
            "GET each service in the services file concurrently, print one line per service "
            "and write the results to service_health_checks. Exit 0 when all are healthy, "
            "1 when any is not, 2 for a bad config or a warehouse without the contract tables."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="services file (default: config/services.yml in the project)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="timeout in seconds for every check, overriding the file",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="run the checks and print them, but write nothing to the warehouse",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--firestore",
        action="store_true",
        help=(
            "also snapshot the phase-completion documents of the last --firestore-days dates "
            "through the Firestore client into firestore_phase_snapshots"
        ),
    )
    parser.add_argument(
        "--firestore-days",
        type=int,
        default=3,
        metavar="N",
        help="data dates to read with --firestore, ending today (ET) (default: 3)",
    )
    parser.set_defaults(func=run)


def _config_label(path: Path | None) -> tuple[Path, str]:
    """The services file and how messages name it: as given, or relative to the project."""
    if path is not None:
        return path, str(path)
    default = probe.default_config_path()
    return default, str(default.relative_to(default.parents[1]))


def _line(result: probe.CheckResult) -> str:
    mark = "✅" if result.is_healthy else "❌"
    status = str(result.http_status) if result.http_status is not None else "---"
    latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
    text = f"{mark} {result.service_name:<36} {status:>3} {latency:>9}  {result.url}"
    return f"{text}  {result.error_message}" if result.error_message else text


def run(args: argparse.Namespace) -> int:
    try:
        path, label = _config_label(args.config)
        services = probe.load_config(path, label=label)
        if args.timeout is not None:
            if args.timeout <= 0:
                raise probe.ConfigError(f"--timeout must be positive, got {args.timeout:g}")
            services = [replace(s, timeout_seconds=args.timeout) for s in services]
    except (probe.ConfigError, RuntimeError) as exc:
        print(f"pipemon probe: {exc}", file=sys.stderr)
        return EXIT_SETUP

    results = probe.run_checks(services)
    if args.json:
        print(json.dumps([r.as_row() for r in results], indent=2))
    else:
        for result in results:
            print(_line(result))
        healthy = sum(r.is_healthy for r in results)
        print(f"{healthy}/{len(results)} services healthy")

    if not args.dry_run:
        try:
            probe.write_results(results, probe.DuckDBSink())
        except probe.WarehouseNotReady as exc:
            print(f"pipemon probe: {exc}", file=sys.stderr)
            return EXIT_SETUP
    if args.firestore:
        code = _snapshot_firestore(args)
        if code != EXIT_HEALTHY:
            return code
    return EXIT_HEALTHY if all(r.is_healthy for r in results) else EXIT_UNHEALTHY


def _snapshot_firestore(args: argparse.Namespace, client: Any = None) -> int:
    """Reads the phase-completion documents and stores the versions not seen yet."""
    from pipemon import firestore_snapshots as fs
    from pipemon.alerts.redact import scrub_credentials
    from pipemon.status import et_date

    try:
        dates = fs.dates_to_read(et_date(datetime.now(UTC)), args.firestore_days)
    except ValueError as exc:
        print(f"pipemon probe: {exc}", file=sys.stderr)
        return EXIT_SETUP
    try:
        snapshots = fs.read_documents(client or fs.default_client(), dates)
    except Exception as exc:  # the client's auth and transport errors have no common base
        detail = scrub_credentials(str(exc))
        print(
            f"pipemon probe: reading Firestore failed: {type(exc).__name__}: {detail}",
            file=sys.stderr,
        )
        return EXIT_SETUP
    if args.dry_run:
        print(f"firestore: {len(snapshots)} document(s) read (dry run, nothing written)")
        return EXIT_HEALTHY
    try:
        written = fs.DuckDBSnapshotSink().write(snapshots)
    except probe.WarehouseNotReady as exc:
        print(f"pipemon probe: {exc}", file=sys.stderr)
        return EXIT_SETUP
    print(f"firestore: {len(snapshots)} document(s) read, {written} new version(s) stored")
    return EXIT_HEALTHY
