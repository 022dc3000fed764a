"""`pipemon demo`: generate a season with known incidents, run the monitor on it, answer and draw."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from pipemon import project


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="generate a season with incidents, run the monitor on it, print status and a report",
        description=(
            "Starts the embedded DuckDB warehouse afresh, generates the 2025-26 season with every "
            "incident kind, runs `pipemon run` (dbt build + alerts to the local file channel) as "
            "of the season's last morning, then prints `pipemon status` for that day and writes "
            "the HTML report."
        ),
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $PIPEMON_DUCKDB_PATH or warehouse/pipemon.duckdb)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed of the generated season")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipemon import cli
    from pipemon.demo import (
        alert_file,
        demo_vars,
        quarantine_counts,
        reset_warehouse,
        summarize_build,
    )
    from pipemon.generator import SEASON_END, SEASON_START, generate

    warehouse = (args.warehouse or project.duckdb_path()).resolve()
    os.environ["PIPEMON_DUCKDB_PATH"] = str(warehouse)
    reset_warehouse(warehouse)

    print(
        f"== 1/4 generate: the {SEASON_START.year}-{SEASON_END.year % 100} season with every incident kind"
    )
    generated = generate(warehouse, SEASON_START, SEASON_END, seed=args.seed, incidents="all")
    print(f"   {sum(generated.row_counts.values()):,} rows in {generated.seconds:.1f} s")
    for table, count in sorted(generated.row_counts.items()):
        print(f"     {table:<50} {count:>9,}")

    vars_ = demo_vars(generated.truth_path)
    print(f"\n== 2/4 pipemon run: dbt build + alerts, as of {vars_['as_of']} UTC, judging the "
          f"last {vars_['monitor_lookback_days']} days")  # fmt: skip
    run_code = cli.main(["run", "--no-freshness", "--vars", json.dumps(vars_)])
    summary = summarize_build()
    print(f"\n   built {summary.models} models; {summary.tests_passed} tests and unit tests passed")
    print("   rows per source table: in = staged + superseded + quarantined")
    for table, rows_in, staged, superseded, quarantined in quarantine_counts(warehouse):
        print(
            f"     {table:<50} {rows_in:>8,} = {staged:>8,} + {superseded:>6,} + {quarantined:>3}"
        )
    print(f"   failing tests ({len(summary.failing)}), each an alert:")
    for status, name, rows in sorted(summary.failing, key=lambda f: (f[0] == "warn", f[1])):
        mark = "❌" if status in ("fail", "error") else "⚠️ "
        print(f"     {mark} {status:<5} {name:<40} {rows:>3} row(s)")
    print(
        f"   runner exit code {run_code} (2 = failures alerted); alerts written to {alert_file()}"
    )

    print("\n== 3/4 pipemon status (the season's last morning)")
    cli.main(["status"])
    print("\n== 4/4 pipemon report")
    cli.main(["report"])
    print(f"\nwarehouse:      {warehouse}")
    print(f"incident truth: {generated.truth_path} ({generated.incidents} records)")
    return 3 if run_code == 3 or summary.errors else 0
