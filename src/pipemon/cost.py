"""What the monitor itself costs: the bytes its dbt queries billed, and a warning when a run
bills several times its usual.

dbt-bigquery reports each query's `bytes_billed` in the node's `adapter_response` in
run_results.json; a run's cost is their sum (over the build and its retry), recorded in
monitor_runs.bytes_billed. DuckDB reports none: null, and nothing to judge. A run that bills more
than `monitor_cost_factor` (var, 3) times the median of the last `monitor_cost_baseline_runs`
(var, 10) comparable runs (same command, target and selection; at least MIN_BASELINE of them)
is a warning finding of the monitor's own (source monitor, severity warn): it says so, it is not
a monitoring failure. A project that declares neither var is not judged.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipemon.alerts.findings import MONITOR_PREFIX
from pipemon.alerts.model import Finding
from pipemon.warehouse import Warehouse

CHECK_ID = MONITOR_PREFIX + "cost"
FACTOR_VAR, RUNS_VAR = "monitor_cost_factor", "monitor_cost_baseline_runs"
MIN_BASELINE = 3  # fewer comparable runs than this is no usual to compare with


def billed(results: Mapping[str, Any] | None) -> int | None:
    """Sum of `adapter_response.bytes_billed` over a run_results.json; None when no node has it."""
    values = [
        (r.get("adapter_response") or {}).get("bytes_billed")
        for r in (results or {}).get("results", [])
    ]
    numbers = [int(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None


def add(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else a + b


def history(
    wh: Warehouse, *, command: str, target: str | None, selection: str | None, runs: int
) -> list[int]:
    """bytes_billed of the last `runs` completed comparable runs, newest first."""
    rows = wh.query(
        f"select bytes_billed from {wh.table('monitor_runs')} "
        "where command = @command and coalesce(target_name, '') = @target "
        "and coalesce(selection, '') = @selection "
        "and bytes_billed is not null and completed_at is not null "
        f"order by started_at desc limit {int(runs)}",
        {"command": command, "target": target or "", "selection": selection or ""},
    )
    return [int(r["bytes_billed"]) for r in rows]


def size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


@dataclass
class Verdict:
    judged: bool  # the check ran to a verdict (a warning or a pass)
    finding: Finding | None = None


def judge(
    bytes_billed: int | None, baseline: Sequence[int], resolved_vars: Mapping[str, Any]
) -> Verdict:
    """Warn when this run billed more than the factor times its usual."""
    if FACTOR_VAR not in resolved_vars or bytes_billed is None:
        return Verdict(False)
    factor = float(resolved_vars[FACTOR_VAR])
    if len(baseline) < MIN_BASELINE:
        return Verdict(False)
    usual = statistics.median(baseline)
    if usual <= 0 or bytes_billed <= factor * usual:
        return Verdict(True)
    finding = Finding(
        source="monitor",
        check_id=CHECK_ID,
        check_name="cost",
        severity="warn",
        description="the monitor billed several times its usual",
        owner="pipemon",
        runbook="docs/runbooks/monitoring.md#the-monitor-billed-several-times-its-usual",
        detail=(
            f"this run billed {size(bytes_billed)}, {bytes_billed / usual:.1f}x the median "
            f"{size(usual)} of its last {len(baseline)} comparable runs (a warning above "
            f"{factor:g}x, var {FACTOR_VAR})"
        ),
    )
    return Verdict(True, finding)
