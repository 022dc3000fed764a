"""`pipemon report`: one self-contained HTML dashboard of the marts.

Panels: games vs data processed over the last 7 days, today's phase 1-5 status, errors of
the last 24 h by processor/scraper/service, predictions generated vs expected, processing-time
and error-rate trends, open alerts.

Why Jinja2 and inline SVG rather than a charting library: the file must open with no network,
so a JavaScript library would have to be inlined whole (plotly.js is ~4.6 MB per report) and
every data string would travel inside a script where escaping is the library's business.
Jinja2 (already a dependency, for the profile) escapes every value with its autoescaping;
the charts are bars and lines whose geometry `charts.py` computes, drawn as SVG that needs no
JavaScript at all. A Content-Security-Policy meta tag forbids scripts and network loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipemon import project
from pipemon.report import charts
from pipemon.status import (
    Context,
    NotBuilt,
    StatusError,
    et_date,
    first_line,
    fmt_et,
    looks_missing,
)

PHASE_SOURCE_DAY = {1: "today", 2: "yesterday", 3: "yesterday", 4: "today", 5: "today"}
STATUS_CSS = {
    "on_time": "good",
    "bootstrap": "good",
    "late": "bad",
    "not_triggered": "bad",
    "pending": "wait",
    "COMPLETE": "good",
    "BOOTSTRAP": "good",
    "NO_GAMES": "none",
    "IN_PROGRESS": "wait",
    "PARTIAL": "bad",
    "INCOMPLETE": "bad",
}
TREND_DAYS = 30


@dataclass
class ReportResult:
    path: Path
    data: dict[str, Any]


def default_out_path() -> Path:
    return project.project_dir() / "out" / "pipemon-report.html"


def _query(wh: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    from pipemon.warehouse import WarehouseError

    try:
        rows: list[dict[str, Any]] = wh.query(sql, params)
        return rows
    except WarehouseError as exc:
        if looks_missing(str(exc)):
            raise NotBuilt(f"the marts are not built ({first_line(exc)})") from exc
        raise StatusError(f"cannot read the marts: {first_line(exc)}") from exc


def _executions_sql(t: Any, columns: str, group: bool) -> str:
    parts = []
    for kind, rel, name in (
        ("processor", "fct_processor_executions", "processor_name"),
        ("scraper", "fct_scraper_executions", "scraper_name"),
    ):
        select = columns.format(kind=kind, name=name)
        sql = (
            f"select {select} from {t(rel)} where is_failure "
            "and triggered_at > @since and triggered_at <= @as_of"
        )
        if group:
            sql += f" group by {name}"
        parts.append(sql)
    return "\nunion all\n".join(parts)


def gather(ctx: Context) -> dict[str, Any]:
    """Every number the report shows, read from the marts."""
    wh, as_of = ctx.warehouse, ctx.as_of
    t = wh.table
    today = et_date(as_of)
    yesterday = today - timedelta(days=1)
    week_start = yesterday - timedelta(days=6)
    trend_start = yesterday - timedelta(days=TREND_DAYS - 1)
    since = as_of - timedelta(hours=24)

    week = _query(
        wh,
        "select game_date, overall_status, games_scheduled, games_final, "
        "games_with_box_scores, games_missing_box_scores, players_with_line, "
        "players_predicted_all_systems, prediction_coverage, feature_rows "
        f"from {t('daily_pipeline_health')} where game_date between @s and @e "
        "order by game_date",
        {"s": week_start, "e": yesterday},
    )
    if not week:
        raise NotBuilt(f"daily_pipeline_health has no rows for {week_start} .. {yesterday}")
    processed = {
        r["data_date"]: r
        for r in _query(
            wh,
            "select data_date, sum(records_processed) as records_processed, "
            "sum(runs) as runs, sum(failures) as failures "
            f"from {t('processor_daily_stats')} where data_date between @s and @e "
            "group by data_date",
            {"s": week_start, "e": yesterday},
        )
    }
    for row in week:
        stats = processed.get(row["game_date"], {})
        row["records_processed"] = int(stats.get("records_processed") or 0)
        row["processor_runs"] = int(stats.get("runs") or 0)
        row["status_css"] = STATUS_CSS.get(str(row["overall_status"]), "none")

    phase_rows = _query(
        wh,
        f"select * from {t('phase_completion')} where data_date in (@y, @t) order by phase_number",
        {"y": yesterday, "t": today},
    )
    by_key = {(r["data_date"], int(r["phase_number"])): r for r in phase_rows}
    phases = []
    for number in range(1, 6):
        day = today if PHASE_SOURCE_DAY[number] == "today" else yesterday
        prow: dict[str, Any] = by_key.get((day, number)) or {}
        status = str(prow["phase_status"]) if prow.get("phase_status") else "no games"
        phases.append(
            {
                "number": number,
                "label": prow.get("phase_label") or f"phase {number}",
                "game_date": day,
                "status": status,
                "css": STATUS_CSS.get(status, "none"),
                "completed": fmt_et(prow.get("completed_at")),
                "deadline": fmt_et(prow.get("deadline_at")),
                "minutes_after_deadline": prow.get("minutes_after_deadline"),
                "processors": f"{prow.get('processors_completed') or 0}/"
                f"{prow.get('processors_expected') or 0}",
                "missing": prow.get("processors_missing"),
            }
        )

    window = {"since": since, "as_of": as_of}
    errors_by_name = _query(
        wh,
        _executions_sql(t, "'{kind}' as kind, {name} as name, count(*) as errors", group=True)
        + "\norder by errors desc, name",  # fmt: skip
        window,
    )
    recent_errors = _query(
        wh,
        "select * from (\n"
        + _executions_sql(
            t,
            "'{kind}' as kind, {name} as name, error_type, error_message, triggered_at",
            group=False,
        )
        + "\n) as e order by triggered_at desc limit 15",
        window,
    )
    for r in recent_errors:
        r["at"] = fmt_et(r.get("triggered_at"))
    services = _query(
        wh,
        "select service_name, check_date, checks, unhealthy_checks, last_error_message "
        f"from {t('service_health_daily')} where check_date in (@y, @t) "
        "and unhealthy_checks > 0 order by unhealthy_checks desc, service_name",
        {"y": yesterday, "t": today},
    )
    error_items = [(f"{r['kind']} {r['name']}", float(r["errors"])) for r in errors_by_name]
    error_items += [
        (f"service {r['service_name']} ({r['check_date']:%m-%d})", float(r["unhealthy_checks"]))
        for r in services
    ]

    systems = _query(
        wh,
        "select system_id, players_with_line, players_predicted, predictions, coverage "
        f"from {t('prediction_system_coverage')} where game_date = @t order by system_id",
        {"t": today},
    )

    proc_trend = _query(
        wh,
        "select data_date, phase, sum(runs) as runs, sum(failures) as failures, "
        "max(duration_p95_seconds) as p95 "
        f"from {t('processor_daily_stats')} where data_date between @s and @e "
        "group by data_date, phase",
        {"s": trend_start, "e": yesterday},
    )
    scraper_trend = _query(
        wh,
        "select game_date, sum(runs) as runs, sum(failures) as failures "
        f"from {t('scraper_daily_stats')} where game_date between @s and @e group by game_date",
        {"s": trend_start, "e": yesterday},
    )
    alerts, alerts_source = open_alerts(wh)

    days = [trend_start + timedelta(days=i) for i in range(TREND_DAYS)]
    return {
        "as_of": as_of,
        "as_of_et": fmt_et(as_of, with_date=True),
        "today": today,
        "yesterday": yesterday,
        "source": ctx.label,
        "week": week,
        "phases": phases,
        "errors": error_items,
        "recent_errors": recent_errors,
        "services": services,
        "systems": systems,
        "trend_days": days,
        "proc_trend": proc_trend,
        "scraper_trend": scraper_trend,
        "alerts": alerts,
        "alerts_source": alerts_source,
    }


def open_alerts(wh: Any) -> tuple[list[dict[str, Any]], str]:
    """The open incidents in the warehouse: the same list, from the same function, as
    `pipemon incidents` (pipemon.alerts.manage.open_incident_rows)."""
    from pipemon.alerts import manage
    from pipemon.warehouse import WarehouseError

    try:
        rows = manage.open_incident_rows(wh, datetime.now(UTC))
    except WarehouseError as exc:
        return [], f"incidents unreadable: {exc}"
    for r in rows:
        r["at"] = fmt_et(r.get("opened_at"))
    return rows, "open incidents recorded by the runner (the list `pipemon incidents` prints)"


# -- charts ------------------------------------------------------------------------------


def _short(d: date) -> str:
    return f"{d:%m-%d}"


def build_charts(data: dict[str, Any]) -> dict[str, charts.Chart]:
    week = data["week"]
    cats = [f"{r['game_date']:%a %m-%d}" for r in week]
    out = {
        "week": charts.grouped_bars(
            cats,
            [
                ("games scheduled", [r["games_scheduled"] for r in week], "s1"),
                ("games final", [r["games_final"] for r in week], "s2"),
                ("games with box scores", [r["games_with_box_scores"] for r in week], "s3"),
            ],
            unit="games",
        ),
        "week_players": charts.grouped_bars(
            cats,
            [
                ("players with a line", [r["players_with_line"] for r in week], "s1"),
                (
                    "predicted by every system",
                    [r["players_predicted_all_systems"] for r in week],
                    "s3",
                ),
                ("feature rows", [r["feature_rows"] for r in week], "s4"),
            ],
            unit="rows",
        ),
        "errors": charts.horizontal_bars(data["errors"][:15], unit="errors"),
        "predictions": charts.grouped_bars(
            [r["system_id"] for r in data["systems"]],
            [
                (
                    "expected (players with a line)",
                    [r["players_with_line"] for r in data["systems"]],
                    "s1",
                ),
                (
                    "generated (players predicted)",
                    [r["players_predicted"] for r in data["systems"]],
                    "s3",
                ),
            ],
            unit="players",
        ),  # fmt: skip
    }
    days: list[date] = data["trend_days"]
    index = {d: i for i, d in enumerate(days)}
    labels = [_short(d) for d in days]
    durations: dict[str, list[float | None]] = {}
    proc_runs = [0.0] * len(days)
    proc_fail = [0.0] * len(days)
    for r in data["proc_trend"]:
        i = index.get(r["data_date"])
        if i is None:
            continue
        durations.setdefault(str(r["phase"]), [None] * len(days))[i] = (
            float(r["p95"]) if r["p95"] is not None else None
        )
        proc_runs[i] += float(r["runs"] or 0)
        proc_fail[i] += float(r["failures"] or 0)
    scr_runs = [0.0] * len(days)
    scr_fail = [0.0] * len(days)
    for r in data["scraper_trend"]:
        i = index.get(r["game_date"])
        if i is not None:
            scr_runs[i] += float(r["runs"] or 0)
            scr_fail[i] += float(r["failures"] or 0)

    def rate(fail: list[float], runs: list[float]) -> list[float | None]:
        return [f / n if n else None for f, n in zip(fail, runs, strict=True)]

    palette = ["s1", "s2", "s3", "s4", "s5"]
    out["durations"] = charts.line_chart(
        labels,
        [(p, durations[p], palette[i % 5]) for i, p in enumerate(sorted(durations))],
        unit="seconds",
    )
    out["error_rate"] = charts.line_chart(
        labels,
        [
            ("processors", rate(proc_fail, proc_runs), "s2"),
            ("scrapers", rate(scr_fail, scr_runs), "s5"),
        ],
        unit="error rate",
        pct=True,
    )
    data["error_rate_table"] = [
        {"day": d, "proc": p, "scr": s}
        for d, p, s in zip(days, rate(proc_fail, proc_runs), rate(scr_fail, scr_runs), strict=True)
    ]
    return out


def render(data: dict[str, Any]) -> str:
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
    template = env.get_template("report.html.j2")
    return template.render(charts=build_charts(data), **data)


def write_report(ctx: Context, out: Path) -> ReportResult:
    data = gather(ctx)
    html = render(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return ReportResult(out.resolve(), data)


__all__ = ["ReportResult", "build_charts", "default_out_path", "gather", "render", "write_report"]
