"""`pipemon report`: one self-contained HTML dashboard of the marts.

What it opens with: `pipemon status`'s verdict for the judged day (yesterday, ET) and for today,
and the incidents the runner holds open (cause, age, owner, a failing-row sample). Then the
plan's four panels (last 7 days games vs data processed per phase; today's phases against
their deadlines; errors of the last 24 h by service; predictions generated vs expected per
system), 30-day trends against their baselines with incident days marked, the pass/fail history
and flakiness of every check, the monitor's own runs and the log tables' freshness. Filters
(owner, severity, date) run in the page itself.

Why Jinja2 and inline SVG rather than a charting library: the file must open with no network,
so a JavaScript library would have to be inlined whole (plotly.js is ~4.6 MB per report) and
every data string would travel inside a script where escaping is the library's business.
Jinja2 escapes every value with its autoescaping; the charts are bars and lines whose geometry
`charts.py` computes, drawn as SVG. The only script is the filter code (`templates/report.js`,
no data inside), allowed by its hash in the Content-Security-Policy.

Modules: `data` (queries, one per panel), `verdict` (status's judgement as tiles),
`incidents` (the one function that says where open incidents come from), `charts` (geometry),
`render` (charts + template).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipemon import project, status
from pipemon.report import data as panels
from pipemon.report.incidents import OpenIncident, open_incidents
from pipemon.report.render import build_charts, render
from pipemon.report.verdict import judge
from pipemon.status import Context, fmt_et


@dataclass
class ReportResult:
    path: Path
    data: dict[str, Any]


def default_out_path() -> Path:
    return project.project_dir() / "out" / "pipemon-report.html"


def build_failures(path: Path | None) -> list[dict[str, Any]]:
    """Failing tests of a dbt run_results.json named on the command line (`--run-results`)."""
    if path is None:
        return []
    try:
        results = json.loads(path.read_text()).get("results", [])
    except (OSError, ValueError):
        return []
    out = []
    for r in results:
        uid = str(r.get("unique_id", ""))
        if uid.startswith(("test.", "unit_test.")) and r.get("status") in ("fail", "warn", "error"):
            out.append(
                {
                    "severity": "warn" if r.get("status") == "warn" else "error",
                    "name": uid.split(".")[2] if uid.count(".") >= 2 else uid,
                    "failures": r.get("failures") or 0,
                    "message": r.get("message") or "",
                }
            )
    out.sort(key=lambda r: (r["severity"] != "error", r["name"]))
    return out


def _filters(
    incidents: list[OpenIncident], checks: list[dict[str, Any]], recent: list[dict[str, Any]]
) -> dict[str, list[str]]:
    owners = {i.owner for i in incidents} | {str(c["owner"]) for c in checks}
    owners |= {str(r["owner"]) for r in recent}
    severities = {i.severity for i in incidents} | {str(c["severity"]) for c in checks}
    return {
        "owners": sorted(o for o in owners if o),
        "severities": sorted(s for s in severities if s),
    }


def _label(ctx: Context) -> str:
    """The warehouse as the report names it: relative to the project when inside it."""
    if ctx.demo_path is not None:
        try:
            return str(ctx.demo_path.resolve().relative_to(project.project_dir().resolve()))
        except ValueError:
            pass
    return ctx.label


def gather(
    ctx: Context, run_results: Path | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Every number the report shows: the verdict, incidents and panels."""
    wh = ctx.warehouse
    w = panels.Window.of(ctx.as_of)
    now = now or datetime.now(UTC)
    week, week_phases = panels.week(wh, w)
    errors = panels.errors_24h(wh, w)
    incidents = open_incidents(wh, now)
    history = panels.check_history(wh)
    return {
        "as_of": ctx.as_of,
        "as_of_et": fmt_et(ctx.as_of, with_date=True),
        "generated_at": fmt_et(now, with_date=True),
        "now": now,
        "today": w.today,
        "yesterday": w.yesterday,
        "source": _label(ctx),
        "verdict": judge(ctx),
        "incidents": incidents or [],
        "incidents_recorded": incidents is not None,
        "week": week,
        "week_phases": week_phases,
        "phases": panels.phases_today(wh, w),
        "errors": errors,
        "systems": panels.predictions(wh, w),
        "trend_days": w.trend_days,
        "trends": panels.trends(wh, w),
        "coverage_min": status.thresholds()["system_coverage_min"],
        "checks": history,
        "build_failures": build_failures(run_results),
        "runs": panels.monitor_runs(wh),
        "freshness": panels.freshness(wh, w),
        "filters": _filters(incidents or [], history["checks"], errors["recent"]),
    }


def write_report(ctx: Context, out: Path, run_results: Path | None = None) -> ReportResult:
    data = gather(ctx, run_results)
    html = render(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return ReportResult(out.resolve(), data)


__all__ = [
    "OpenIncident",
    "ReportResult",
    "build_charts",
    "default_out_path",
    "gather",
    "open_incidents",
    "render",
    "write_report",
]
