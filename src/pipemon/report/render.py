"""From the gathered numbers to one HTML file: chart geometry, then the Jinja2 template.

The page runs one inline script (the filters). The Content-Security-Policy allows exactly that
script by its SHA-256 hash and nothing else: no other script (an injected `<script>` in a data
string would be escaped text anyway), no network, no external style or image.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

from pipemon.cost import size
from pipemon.report import charts
from pipemon.report.data import BAD_OVERALL
from pipemon.safe_text import safe_line


def _short(d: date) -> str:
    return f"{d:%m-%d}"


def _rate(fail: list[float | None], runs: list[float | None]) -> list[float | None]:
    return [f / n if n and f is not None else None for f, n in zip(fail, runs, strict=True)]


def _per_day(rows: list[dict[str, Any]], days: list[date], field: str) -> list[float | None]:
    index = {d: i for i, d in enumerate(days)}
    out: list[float | None] = [None] * len(days)
    for r in rows:
        i = index.get(r["day"])
        if i is not None and r.get(field) is not None:
            out[i] = float(r[field])
    return out


def _markers(days: list[date], flagged: dict[date, str]) -> list[tuple[int, str]]:
    return [(i, flagged[d]) for i, d in enumerate(days) if d in flagged]


def build_charts(data: dict[str, Any]) -> dict[str, charts.Chart]:
    week = data["week"]
    cats = [f"{r['game_date']:%a %m-%d}" for r in week]
    palette = ["s1", "s2", "s3", "s4", "s5"]
    systems = data["systems"]
    out = {
        "week": charts.grouped_bars(
            cats,
            [
                ("games scheduled", [r["games_scheduled"] for r in week], "s1"),
                ("games final", [r["games_final"] for r in week], "s2"),
                ("games with box scores", [r["games_with_box_scores"] for r in week], "s3"),
            ],
            unit="games",
            x_title="game date (ET)",
        ),
        "week_phases": charts.grouped_bars(
            cats,
            [
                (f"{p} records", [r["by_phase"][p] for r in week], palette[i % 5])
                for i, p in enumerate(data["week_phases"])
            ],
            unit="records processed",
            x_title="game date (ET) the processors ran for",
        ),
        "errors": charts.horizontal_bars(data["errors"]["items"][:15], unit="errors"),
        "predictions": charts.grouped_bars(
            [r["system_id"] for r in systems],
            [
                ("expected (players with a line)", [r["players_with_line"] for r in systems], "s1"),
                ("generated (players predicted)", [r["players_predicted"] for r in systems], "s3"),
            ],
            unit="players",
            x_title="prediction system",
        ),  # fmt: skip
    }
    days: list[date] = data["trend_days"]
    labels = [_short(d) for d in days]
    trends = data["trends"]
    proc, scr, health = trends["processors"], trends["scrapers"], trends["health"]
    bad = {r["day"]: f"pipeline {r['overall_status']}" for r in health
           if r["overall_status"] in BAD_OVERALL}  # fmt: skip
    regressions = {r["day"]: "processing-time regression" for r in proc if r.get("regression")}
    spikes = {r["day"]: "scraper error spike" for r in scr if r.get("spike")}

    out["trend_time"] = charts.line_chart(
        labels,
        [("median run time, all processors", _per_day(proc, days, "p50"), "s2")],
        baselines=[
            ("baseline (median of comparable days)", _per_day(proc, days, "base_p50"), "s2")
        ],
        markers=_markers(days, {**bad, **regressions}),
        unit="seconds (sum of processors' p50)",
        x_title="game date (ET)",
    )
    proc_rate = _rate(_per_day(proc, days, "failures"), _per_day(proc, days, "runs"))
    scr_rate = _rate(_per_day(scr, days, "failures"), _per_day(scr, days, "runs"))
    out["trend_errors"] = charts.line_chart(
        labels,
        [("processors", proc_rate, "s2"), ("scrapers", scr_rate, "s5")],
        baselines=[
            (
                "processors' baseline",
                _rate(_per_day(proc, days, "base_failures"), _per_day(proc, days, "runs")),
                "s2",
            ),
            (
                "scrapers' baseline",
                _rate(_per_day(scr, days, "base_failures"), _per_day(scr, days, "runs")),
                "s5",
            ),
        ],  # fmt: skip
        markers=_markers(days, {**bad, **spikes}),
        unit="failed runs / runs",
        pct=True,
        x_title="game date (ET)",
    )
    out["trend_records"] = charts.line_chart(
        labels,
        [("records processed", _per_day(proc, days, "records"), "s3")],
        baselines=[("baseline", _per_day(proc, days, "base_records"), "s3")],
        markers=_markers(days, bad),
        unit="records (all processors)",
        x_title="game date (ET)",
    )
    coverage_min = data["coverage_min"]
    due = [r for r in health if r.get("is_predictions_due")]
    out["trend_coverage"] = charts.line_chart(
        labels,
        [("players with a line predicted by every system", _per_day(due, days,
                                                                    "prediction_coverage"), "s4")],
        baselines=[
            (f"a system alerts below {coverage_min:.0%}", [coverage_min] * len(days), "s5")
        ],
        markers=_markers(days, bad),
        unit="share of players with a line",
        pct=True,
        x_title="game date (ET)",
    )  # fmt: skip
    data["error_rate_table"] = [
        {"day": d, "proc": p, "scr": s} for d, p, s in zip(days, proc_rate, scr_rate, strict=True)
    ]
    return out


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _age(hours: float | None) -> str:
    if hours is None:
        return "-"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} d"


REPORT_TEXT_MAX = 500


def environment() -> Any:
    """The report's Jinja environment: its templates, autoescaped, and its filters."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipemon.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "-" if v is None else f"{v:.0%}"
    env.filters["num"] = lambda v: "-" if v is None else f"{v:,.0f}"
    env.filters["bytes"] = lambda v: "-" if v is None else size(v)
    env.filters["age"] = _age
    # untrusted text (names, error messages): one safe line, capped; autoescape escapes the HTML
    env.filters["text"] = lambda v, limit=REPORT_TEXT_MAX: safe_line(v, limit)
    return env


def render(data: dict[str, Any]) -> str:
    env = environment()
    assert env.loader is not None
    script, _, _ = env.loader.get_source(env, "report.js")
    template = env.get_template("report.html.j2")
    return template.render(
        charts=build_charts(data), script=script, script_hash=script_hash(script), **data
    )
