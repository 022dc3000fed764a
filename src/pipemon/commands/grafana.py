"""`pipemon grafana`: write Grafana's provisioning (dashboards, alert rules, data source)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EPILOG = """\
Writes provisioning/ (data source, dashboards provider, alert rules, contact point) and
dashboards/*.json into DIR (default deploy/grafana). The monitoring dataset, location and byte
cap come from PIPEMON_BQ_DATASET, PIPEMON_BQ_LOCATION and PIPEMON_BQ_MAX_BYTES_BILLED.

With --check WAREHOUSE (a DuckDB file with the marts built, e.g. warehouse/pipemon.duckdb after
`make demo`) it also loads the files back through the SDK and runs every panel's and rule's SQL
there for --from .. --to (default: the whole demo season). See docs/dashboards.md.

exit codes: 0 written (and checked), 1 a check failed, 2 bad arguments
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "grafana",
        help="write Grafana provisioning: dashboards, alert rules, BigQuery data source",
        description="Generate Grafana dashboards and alert rules (grafana-foundation-sdk).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="default: deploy/grafana")
    parser.add_argument("--check", type=Path, metavar="WAREHOUSE", help="DuckDB file to run on")
    parser.add_argument(
        "--manifest", type=Path, help="dbt manifest with the marts (default target/manifest.json)"
    )
    parser.add_argument("--from", dest="start", default="2025-10-21T00:00:00Z")
    parser.add_argument("--to", dest="end", default="2026-04-13T00:00:00Z")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime

    from pipemon import grafana, project

    out = args.out or grafana.default_out_dir()
    written = grafana.build(out)
    for path in written:
        print(path)
    if args.check is None:
        return 0

    from pipemon.grafana.verify import verify

    try:
        start = datetime.fromisoformat(args.start.replace("Z", "+00:00"))
        end = datetime.fromisoformat(args.end.replace("Z", "+00:00"))
    except ValueError as exc:
        print(f"pipemon grafana: {exc}", file=sys.stderr)
        return 2
    manifest_path = args.manifest or project.project_dir() / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    from pipemon.warehouse import files

    with files.connected(args.check) as con:
        report = verify(out, manifest, con, start, end)
    for where, rows in report.rows.items():
        print(f"ok  {rows:>5} rows  {where}")
    for problem in report.problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"{len(report.queries)} queries, {len(report.problems)} problems")
    return 0 if report.ok else 1
