"""`make bench`: side-by-side costs of the daily run at several history sizes, in one run.

For each size (seasons x scale) it generates a warehouse whose last day is D, removes day D
(rows on or after D's ET midnight by each table's partition column), runs a full build as of
D-1, appends day D back and runs the daily build (`dbt build`, default lookback, as_of = D's
run). Every command is its own process, timed by wall clock, its peak memory the max RSS of
its process tree (RUSAGE_CHILDREN of a one-command wrapper). At each size it also times the
runner against plain dbt, `pipemon status`, and the dead-letter check (the 10-minute schedule
of deploy/schedules.yml) against a build that selects nothing. Last, from the BigQuery offline compile, every
daily-run scan of a contract source table and its partition bound (pipemon.pruning).

    python scripts/bench.py [--sizes 1x1,5x1,1x10,5x10] [--quick] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SIZES = ((1, 1), (5, 1), (1, 10), (5, 10))


def _schedule_args(name: str) -> list[str]:
    """A production schedule's `pipemon` arguments, as deploy/schedules.yml gives them."""
    import yaml

    doc = yaml.safe_load((REPO / "deploy" / "schedules.yml").read_text())
    return next([str(a) for a in s["args"]] for s in doc["schedules"] if s["name"] == name)


DEAD_LETTER_ARGS = _schedule_args("pipemon-dead-letters")  # every 10 minutes
WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
)


@dataclass
class Timed:
    seconds: float
    max_rss_mb: float


@dataclass
class SizeResult:
    seasons: int
    scale: int
    rows: int = 0
    rows_per_second: float = 0.0  # generation and load, without the fixed DDL
    generate: float = 0.0
    full: Timed | None = None
    daily: Timed | None = None
    daily_node_seconds: float = 0.0
    full_node_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.seasons} season{'s' if self.seasons > 1 else ''} x scale {self.scale}"


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Timed:
    """Wall seconds and peak RSS (MB) of one command in a fresh wrapper process."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], cwd=REPO, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    *errors, last = done.stderr.strip().splitlines() or ["1 0"]
    code, rss_kb = (int(x) for x in last.split())
    if code not in ok:
        sys.exit(f"{' '.join(cmd)} exited {code}:\n" + "\n".join(errors)[-3000:])
    return Timed(seconds, rss_kb / 1024)


def partition_columns() -> dict[str, tuple[str, str]]:
    from pipemon.generator.contract import load_contract

    tables = load_contract(REPO).values()
    return {t.qualified: (t.partition_field or "", t.qualified) for t in tables}


def split_last_day(warehouse: Path, day: str) -> Path:
    """Moves the rows of `day` and later (by partition column, ET midnight) to a side file."""
    side = warehouse.with_name(warehouse.stem + ".lastday.duckdb")
    side.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{side}' as side")
        midnight_utc = (datetime.fromisoformat(day) + timedelta(hours=5)).isoformat(sep=" ")
        for qualified, (column, _) in partition_columns().items():
            schema, name = qualified.split(".")
            kind = con.execute(
                "select data_type from information_schema.columns where table_schema = ? "
                "and table_name = ? and column_name = ?",
                [schema, name, column],
            ).fetchone()
            if kind is None:
                continue
            bound = f"date '{day}'" if kind[0] == "DATE" else f"timestamp '{midnight_utc}'"
            con.execute(f"create schema if not exists side.{schema}")
            con.execute(
                f"create table side.{qualified} as select * from {qualified} "
                f'where "{column}" >= {bound}'
            )
            con.execute(f'delete from {qualified} where "{column}" >= {bound}')
    finally:
        con.close()
    return side


def append_last_day(warehouse: Path, side: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"attach '{side}' as side (read_only)")
        for qualified in partition_columns():
            schema, name = qualified.split(".")
            found = con.execute(
                "select count(*) from duckdb_tables() where database_name = 'side' "
                "and schema_name = ? and table_name = ?",
                [schema, name],
            ).fetchone()
            if found and found[0]:
                con.execute(f"insert into {qualified} by name select * from side.{qualified}")
    finally:
        con.close()


def node_seconds(target: Path) -> float:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return float(sum(r.get("execution_time") or 0 for r in results))


def measure_size(seasons: int, scale: int, tmp: Path, base_env: dict[str, str]) -> SizeResult:
    result = SizeResult(seasons, scale)
    warehouse = tmp / f"s{seasons}x{scale}.duckdb"
    target = tmp / f"target_s{seasons}x{scale}"
    env = dict(base_env, PIPEMON_DUCKDB_PATH=str(warehouse))
    began = time.perf_counter()
    gen = subprocess.run(
        [str(BIN / "pipemon"), "generate", "--quiet", "--warehouse", str(warehouse),
         "--seasons", str(seasons), "--scale", str(scale)],
        cwd=REPO, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result.generate = time.perf_counter() - began
    found = re.search(r"([\d,]+) rows in .*\(([\d,]+) rows/s", gen.stdout)
    assert found, gen.stdout
    result.rows = int(found[1].replace(",", ""))
    result.rows_per_second = float(found[2].replace(",", ""))
    truth = json.loads(warehouse.with_name(warehouse.stem + ".truth.json").read_text())
    as_of = datetime.fromisoformat(truth["as_of"])
    last_day = truth["end"]
    side = split_last_day(warehouse, last_day)
    # production's defaults otherwise, and as the runner runs dbt: the moment in the environment
    # (PIPEMON_RUN_VARS, so a new as_of does not re-parse), the parse cache warm, unit tests left
    # to CI
    common = {"season_opening_date": truth["season_start"]}
    dbt = [str(BIN / "dbt"), "--quiet", "build", "--target-path", str(target),
           "--vars", json.dumps(common), "--exclude-resource-type", "unit_test"]  # fmt: skip

    def at(moment: datetime) -> dict[str, str]:
        return dict(env, PIPEMON_RUN_VARS=json.dumps({"as_of": moment.isoformat(sep=" ")}))

    yesterday, today = at(as_of - timedelta(days=1)), at(as_of)
    timed([str(BIN / "dbt"), "--quiet", "parse", "--target-path", str(target),
           "--vars", json.dumps(common)], env)  # fmt: skip
    result.full = timed(dbt + ["--full-refresh"], yesterday, ok=(0, 1))
    full_nodes = node_seconds(target)
    append_last_day(warehouse, side)
    result.daily = timed(dbt, today, ok=(0, 1))
    result.daily_node_seconds = node_seconds(target)
    result.full_node_seconds = full_nodes
    # the runner's rows, at every size
    again = timed(dbt, today, ok=(0, 1))
    single = timed(dbt + ["--threads", "1"], today, ok=(0, 1))
    single_nodes = node_seconds(target)
    run_vars = json.dumps({**common, "as_of": truth["as_of"]})
    run = timed(
        [str(BIN / "pipemon"), "run", "--no-freshness", "--vars", run_vars], env, ok=(0, 1, 2)
    )
    status = [timed([str(BIN / "pipemon"), "status"], env, ok=(0, 1)).seconds for _ in range(5)]
    dead, empty = [], []
    for _ in range(3):  # alternated, the median of each
        check = [str(BIN / "pipemon"), *DEAD_LETTER_ARGS, "--vars", run_vars]
        dead.append(timed(check, env, ok=(0, 1, 2)).seconds)
        empty.append(timed(dbt + ["--select", "tag:no_node_has_this_tag"], today).seconds)
    result.extra = {
        "dbt_build_again": again.seconds,
        "pipemon_run": run.seconds,
        "status_median": statistics.median(status),
        "dead_letter_check": statistics.median(dead),
        "empty_build": statistics.median(empty),
        "single_thread_wall": single.seconds,
        "single_thread_nodes": single_nodes,
    }
    return result


def scans_table(as_of: str) -> tuple[list[str], int, int]:
    """The daily run's scans of contract sources from the BigQuery offline compile."""
    sys.path.insert(0, str(REPO / "tests" / "python"))  # the offline-compile helpers live there
    from bigquery.projects import (
        NEEDS_WAREHOUSE_TO_COMPILE,
        copy_project,
        offline_bigquery_output,
        run_dbt,
        write_profiles,
    )
    from pipemon import pruning

    base = Path(tempfile.mkdtemp(prefix="pipemon-bench-bq-"))
    run = run_dbt(
        ["compile"],
        project_dir=copy_project(base / "project"),
        profiles_dir=write_profiles(base / "profiles", {"bigquery": offline_bigquery_output()}),
        target="bigquery",
        target_path=base / "target",
        vars_={"offline_incremental": True, "as_of": as_of},
        extra=["--exclude", NEEDS_WAREHOUSE_TO_COMPILE],
        global_flags=["--no-populate-cache"],
    )
    if not run.success:
        sys.exit(f"BigQuery offline compile failed: {run.exception}")
    manifest = run.manifest()
    compiled = {
        u: n["compiled_code"] for u, n in manifest["nodes"].items() if n.get("compiled_code")
    }
    shutil.rmtree(base, ignore_errors=True)
    rows = pruning.summarize(pruning.scans(manifest, compiled, as_of))
    per_source: dict[str, list[tuple[str, str, str, int, int, int | None, str]]] = {}
    for row in rows:
        per_source.setdefault(row[1], []).append(row)
    lines = [
        "| source table | daily queries scanning it | of them prunable | most days read | "
        "a bound |",
        "|---|---:|---:|---:|---|",
    ]
    for source, group in sorted(per_source.items()):
        prunable = [r for r in group if r[4] == r[3]]
        widest = max((r[5] or 0 for r in prunable), default=0)
        example = prunable[0][6] if prunable else group[0][6]
        lines.append(
            f"| {source} | {len(group)} | {len(prunable)} | {widest or ''} | "
            f"`` {_short(example)} `` |"
        )
    lines += [
        "",
        "<details><summary>Every (query, source table) pair</summary>",
        "",
        "| query | kind | source table | scans | prunable | days read | bound or reason |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for query, source, kind, n, bounded, days, detail in rows:
        lines.append(
            f"| {query} | {kind} | {source} | {n} | {bounded} | {days or ''} | "
            f"`` {_short(detail)} `` |"
        )
    lines += ["", "</details>"]
    unbounded = sum(1 for r in rows if r[4] < r[3])
    return lines, len(rows), unbounded


def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def machine() -> str:
    import dbt.version

    cores = os.cpu_count()
    ram = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        ram = f", {kb / 1024 / 1024:.1f} GiB RAM"
    return (
        f"{cores} cores{ram}, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}, dbt-core {dbt.version.__version__}, duckdb {duckdb.__version__}"
    )


BACKTEST_DAYS = 30


def measure_backtest(tmp: Path, base_env: dict[str, str]) -> dict[str, float]:
    """A 30-day backtest at 08:00 ET (1 season x scale 1) against 30 daily builds as of the same
    moments: what replaying a month costs beside the builds it replays."""
    warehouse = tmp / "s1x1.duckdb"
    env = dict(base_env, PIPEMON_DUCKDB_PATH=str(warehouse))
    truth = json.loads(warehouse.with_name(warehouse.stem + ".truth.json").read_text())
    last = date.fromisoformat(truth["end"]) - timedelta(days=1)
    first = last - timedelta(days=BACKTEST_DAYS - 1)
    scratch = tmp / "backtest"
    backtest = timed(
        [str(BIN / "pipemon"), "backtest", "--from", str(first), "--to", str(last),
         "--at", "08:00", "--scratch", str(scratch), "--json"],
        env,
    )  # fmt: skip
    target = tmp / "target_daily30"
    common = {"season_opening_date": truth["season_start"]}
    dbt = [str(BIN / "dbt"), "--quiet", "build", "--target-path", str(target),
           "--vars", json.dumps(common), "--exclude-resource-type", "unit_test"]  # fmt: skip
    from pipemon import backtest as replay

    daily = 0.0
    for moment in replay.moments(first, last, [clock_time(8, 0)], replay.pipeline_zone()):
        as_of = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        daily += timed(
            dbt, dict(env, PIPEMON_RUN_VARS=json.dumps({"as_of": as_of})), (0, 1)
        ).seconds
    return {"backtest": backtest.seconds, "daily_builds": daily}


def report(
    results: list[SizeResult],
    scans: tuple[list[str], int, int],
    command: str,
    backtest_cost: dict[str, float] | None = None,
) -> str:
    out = [
        f"# Benchmarks\n\nRun {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` on {machine()}.",
        "Every figure is one run on a shared machine: compare ratios within the table, not "
        "seconds across machines.\n",
        "| size | rows | generate s | rows/s | full build s | peak MB | daily build s | "
        "daily / full | dbt wall / node time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        assert r.full and r.daily
        out.append(
            f"| {r.label} | {r.rows:,} | {r.generate:.1f} | {r.rows_per_second:,.0f} | "
            f"{r.full.seconds:.1f} | {r.full.max_rss_mb:.0f} | {r.daily.seconds:.1f} | "
            f"{r.daily.seconds / r.full.seconds:.2f} | "
            f"{r.daily.seconds / r.daily_node_seconds:.2f} |"
        )
    by = {(r.seasons, r.scale): r for r in results}
    growth = [
        f"| daily build, {r.seasons} seasons / 1 season, scale {r.scale} | "
        f"{r.daily.seconds / by[(1, r.scale)].daily.seconds:.2f} |"  # type: ignore[union-attr]
        for r in results
        if r.seasons > 1 and (1, r.scale) in by
    ]
    out += [
        "",
        "| ratio | value |",
        "|---|---:|",
        *growth,
        "",
        "The runner's costs, at each size:\n",
        "| size | daily / full, node time | `pipemon run` / plain `dbt build` | "
        "daily `--threads 1`: wall / node time | `pipemon status` s (median of 5) | "
        "dead-letter check s | `dbt build` selecting no node s | dead-letter / no node |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        x = r.extra
        out.append(
            f"| {r.label} | {r.daily_node_seconds / r.full_node_seconds:.2f} | "
            f"{x['pipemon_run'] / x['dbt_build_again']:.2f} | "
            f"{x['single_thread_wall'] / x['single_thread_nodes']:.2f} "
            f"({x['single_thread_wall']:.1f} / {x['single_thread_nodes']:.1f}) | "
            f"{x['status_median']:.2f} | {x['dead_letter_check']:.1f} | {x['empty_build']:.1f} | "
            f"{x['dead_letter_check'] / x['empty_build']:.2f} |"
        )
    out += [
        "",
        f"- *dead-letter check*: `pipemon {' '.join(DEAD_LETTER_ARGS)}`, the 10-minute schedule "
        "of deploy/schedules.yml. *daily / full, node time*: the sums of run_results' node times, "
        "dbt's fixed cost per invocation left out.",
        "- *daily build*: day D appended to a warehouse fully built as of D-1, then `dbt build` "
        "with the default lookback and as_of = D's run: staging reads the rewrite window less "
        "`daily_scan_margin_days` (9 days), the incremental marts rewrite their last 7 dates "
        "(docs/incremental.md). *full*: `dbt build --full-refresh` as of D-1, a history build: "
        "staging reads `source_history_days` (400) back. Both as the runner runs dbt: the moment "
        "in PIPEMON_RUN_VARS (no re-parse), the parse cache warm, unit tests excluded (CI runs "
        "them), the profile's threads (PIPEMON_DBT_THREADS, the runner sets the core count; 2 here) "
        "and DuckDB's `memory_limit` (1500MB).",
        "- *dbt wall / node time*: the daily build's wall clock over the sum of run_results' "
        "per-node `execution_time` (each node's SQL and materialization statements). With "
        "several threads the node times overlap and inflate each other, so the ratio row with "
        "`--threads 1` is the one to read: above 1 is dbt's own cost (start-up, "
        "parse, graph, run_results). Replaying target/run/ SQL in a bare DuckDB was not used: "
        "it holds only each node's main statement, not the temp relations of incremental "
        "models, so it would not be the same work.",
        "- *peak MB*: max RSS of the full build's process tree.",
        "- *generate*: `pipemon generate` wall clock (the dbt run-operation creating the tables "
        "included); *rows/s*: rows generated and bulk-loaded (Arrow) per second, without that DDL.",
        "- *scale k*: k times the players per team, so box scores, props, feature rows and "
        "predictions grow k-fold; the run logs (run history, execution, dependency, scraper and "
        "event logs, health checks, Firestore snapshots, dead letters) and the schedule stay one "
        "row per run or game: scale is player volume, not log volume.",
        "",
        f"## Daily-run scans of contract source tables (BigQuery offline compile)\n\n"
        f"{scans[1]} (query, table) pairs; {scans[2]} without a prunable bound. "
        "*days read*: from the scan's lower bound through as_of's date.\n",
        *scans[0],
    ]
    if backtest_cost:
        b = backtest_cost
        out += [
            "",
            f"## Backtest cost\n\n`pipemon backtest` over {BACKTEST_DAYS} days at 08:00 ET "
            f"(1 season x scale 1): {b['backtest']:.0f} s, against {BACKTEST_DAYS} daily "
            f"`dbt build`s as of the same moments: {b['daily_builds']:.0f} s; ratio "
            f"**{b['backtest'] / b['daily_builds']:.2f}** (the backtest adds its first full "
            "build, the runner's steps and the read-as-of filters).",
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated SEASONSxSCALE (default 1x1,5x1,1x10,5x10)")
    parser.add_argument("--quick", action="store_true", help="1 season x scale 1 only")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    sizes = list(SIZES)
    if args.quick:
        sizes = [(1, 1)]
    elif args.sizes:
        sizes = [tuple(int(p) for p in s.split("x")) for s in args.sizes.split(",")]  # type: ignore[misc]
    tmp = Path(tempfile.mkdtemp(prefix="pipemon-bench-"))
    env = dict(os.environ, DBT_PROFILES_DIR=str(REPO / "profiles"), PIPEMON_PROJECT_DIR=str(REPO))
    env["PIPEMON_ALERT_FILE"] = str(tmp / "alerts.log")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    results = []
    for seasons, scale in sizes:
        print(f"measuring {seasons} season(s) x scale {scale} ...", file=sys.stderr, flush=True)
        results.append(measure_size(seasons, scale, tmp, env))
    backtest_cost = None
    if (1, 1) in sizes:
        print(f"a {BACKTEST_DAYS}-day backtest ...", file=sys.stderr, flush=True)
        backtest_cost = measure_backtest(tmp, env)
    print("compiling for BigQuery offline ...", file=sys.stderr, flush=True)
    scans = scans_table("2026-04-12 18:00:00")
    command = "python scripts/bench.py " + " ".join(sys.argv[1:])
    text = report(results, scans, command.strip(), backtest_cost)
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out}; warehouses in {tmp}", file=sys.stderr)


if __name__ == "__main__":
    main()
