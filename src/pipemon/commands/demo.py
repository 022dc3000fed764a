"""`pipemon demo`: generate a season with known incidents, build it, show what was caught."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="generate a season with incidents into the DuckDB warehouse, build it and show the alerts",
        description=(
            "Generates the 2025-26 season with every incident kind into the embedded DuckDB "
            "warehouse, runs dbt build on it as of the season's last morning, and prints the row "
            "counts, the quarantined rows, the marts built and the failing tests."
        ),
    )
    parser.add_argument("--warehouse", type=Path, help="DuckDB file (default: $PIPEMON_DUCKDB_PATH or warehouse/pipemon.duckdb)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the generated season")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon.demo import quarantine_counts, run_demo

    generated, summary = run_demo(args.warehouse, seed=args.seed)
    if summary.errors:
        print("dbt build failed:")
        for error in summary.errors:
            print(f"  {error}")
        return 3
    print(f"    built {summary.models} models; {summary.tests_passed} tests passed")
    print("\nrows per source table: in = staged + superseded + quarantined")
    for table, rows_in, staged, superseded, quarantined in quarantine_counts(generated.warehouse):
        print(f"  {table:<50} {rows_in:>8,} = {staged:>8,} + {superseded:>6,} + {quarantined:>3}")
    print(f"\nfailing tests ({len(summary.failing)}): each is an alert")
    for status, name, rows in sorted(summary.failing, key=lambda f: (f[0] != "fail", f[1])):
        mark = "❌" if status in ("fail", "error") else "⚠️ "
        print(f"  {mark} {status:<5} {name:<40} {rows:>3} row(s)")
    print(f"\nwarehouse:          {generated.warehouse}")
    print(f"incident truth:     {generated.truth_path} ({generated.incidents} records)")
    return 0
