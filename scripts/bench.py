"""`make bench`: side-by-side timings on one generated season, reported as ratios.

Every measurement runs as its own process on the same warehouse in the same session, so the
ratios compare like with like on whatever machine runs them:

- generation at scale 2 vs scale 1 (does generation stay linear in volume?)
- incremental `dbt build` vs full-refresh `dbt build` (what the incremental facts save)
- `pipemon run` (build + alerting) vs plain `dbt build` (the runner's overhead)
- `pipemon status` vs `dbt build` (answering from the marts instead of rebuilding)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipemon.demo import demo_vars

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode not in ok:
        sys.exit(
            f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return seconds


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pipemon-bench-"))
    env = dict(os.environ, DBT_PROFILES_DIR=str(REPO / "profiles"), PIPEMON_PROJECT_DIR=str(REPO))
    env["PIPEMON_ALERT_FILE"] = str(tmp / "alerts.log")
    gen = [str(BIN / "pipemon"), "generate", "--quiet"]

    env["PIPEMON_DUCKDB_PATH"] = str(tmp / "scale2.duckdb")
    gen2 = timed(gen + ["--scale", "2"], env)
    env["PIPEMON_DUCKDB_PATH"] = str(tmp / "scale1.duckdb")
    gen1 = timed(gen, env)

    vars_ = json.dumps(demo_vars(tmp / "scale1.truth.json"))
    dbt = [str(BIN / "dbt"), "--quiet", "build", "--vars", vars_]
    full = timed(dbt + ["--full-refresh"], env, ok=(0, 1))
    incremental = timed(dbt, env, ok=(0, 1))
    runner = timed(
        [str(BIN / "pipemon"), "run", "--no-freshness", "--vars", vars_], env, ok=(0, 1, 2)
    )
    status_runs = [timed([str(BIN / "pipemon"), "status"], env, ok=(0, 1)) for _ in range(5)]
    status = statistics.median(status_runs)

    rows = [
        ("generate, whole season, scale 1", gen1, None),
        ("generate, whole season, scale 2", gen2, gen2 / gen1),
        ("dbt build --full-refresh", full, None),
        ("dbt build (incremental facts)", incremental, incremental / full),
        ("pipemon run (build + alerts)", runner, runner / incremental),
        ("pipemon status (median of 5)", status, status / incremental),
    ]
    print(f"{'measurement':<36} {'seconds':>8}  ratio")
    for name, seconds, ratio in rows:
        print(f"{name:<36} {seconds:>8.2f}  {'' if ratio is None else f'{ratio:.2f}'}")
    print("\nratios: scale 2 / scale 1; incremental / full; run / incremental build; "
          "status / incremental build")  # fmt: skip
    print(f"warehouses and alerts in {tmp}")


if __name__ == "__main__":
    main()
