"""Every number the report shows, read from the marts (one small query per panel).

Dates are US Eastern game dates; "today" and "yesterday" are the ET dates of `as_of`. Nothing
here judges the pipeline: flags and baselines come computed from the marts, the verdict from
`pipemon status` (`verdict.py`), the open incidents from the runner (`incidents.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pipemon.status import NotBuilt, StatusError, et_date, first_line, fmt_et, looks_missing

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
    "HALTED": "none",
    "IN_PROGRESS": "wait",
    "PARTIAL": "bad",
    "INCOMPLETE": "bad",
}
BAD_OVERALL = ("PARTIAL", "INCOMPLETE")
TREND_DAYS = 30
HISTORY_RUNS = 20  # results per check in the pass/fail strip (test_flakiness's window)
MONITOR_RUNS = 15


@dataclass(frozen=True)
class Window:
    """The dates and moments one report covers."""

    as_of: datetime
    today: date
    yesterday: date
    week_start: date
    trend_start: date
    since: datetime

    @classmethod
    def of(cls, as_of: datetime) -> Window:
        today = et_date(as_of)
        yesterday = today - timedelta(days=1)
        return cls(
            as_of=as_of,
            today=today,
            yesterday=yesterday,
            week_start=yesterday - timedelta(days=6),
            trend_start=yesterday - timedelta(days=TREND_DAYS - 1),
            since=as_of - timedelta(hours=24),
        )

    @property
    def trend_days(self) -> list[date]:
        return [self.trend_start + timedelta(days=i) for i in range(TREND_DAYS)]


def query(wh: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    from pipemon.warehouse import WarehouseError

    try:
        rows: list[dict[str, Any]] = wh.query(sql, params or {})
        return rows
    except WarehouseError as exc:
        if looks_missing(str(exc)):
            raise NotBuilt(f"the marts are not built ({first_line(exc)})") from exc
        raise StatusError(f"cannot read the marts: {first_line(exc)}") from exc


def optional(wh: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a mart that may not be built yet (the runner's history): [] when missing."""
    try:
        return query(wh, sql, params)
    except NotBuilt:
        return []


# -- the plan's four panels --------------------------------------------------------------


def week(wh: Any, w: Window) -> tuple[list[dict[str, Any]], list[str]]:
    """Last 7 game dates: games and data per day, records processed per phase."""
    t = wh.table
    days = query(
        wh,
        "select game_date, overall_status, games_scheduled, games_final, "
        "games_with_box_scores, games_missing_box_scores, players_with_line, "
        "players_predicted_all_systems, prediction_coverage, feature_rows "
        f"from {t('daily_pipeline_health')} where game_date between @s and @e "
        "order by game_date",
        {"s": w.week_start, "e": w.yesterday},
    )
    if not days:
        raise NotBuilt(f"daily_pipeline_health has no rows for {w.week_start} .. {w.yesterday}")
    per_phase = query(
        wh,
        "select data_date, phase, sum(records_processed) as records_processed, "
        "sum(runs) as runs, sum(failures) as failures "
        f"from {t('processor_daily_stats')} where data_date between @s and @e "
        "group by data_date, phase",
        {"s": w.week_start, "e": w.yesterday},
    )
    phases = sorted({str(r["phase"]) for r in per_phase})
    by_day: dict[date, dict[str, dict[str, Any]]] = {}
    for r in per_phase:
        by_day.setdefault(r["data_date"], {})[str(r["phase"])] = r
    for row in days:
        stats = by_day.get(row["game_date"], {})
        row["by_phase"] = {p: int(stats.get(p, {}).get("records_processed") or 0) for p in phases}
        row["records_processed"] = sum(row["by_phase"].values())
        row["processor_runs"] = sum(int(s.get("runs") or 0) for s in stats.values())
        row["processor_failures"] = sum(int(s.get("failures") or 0) for s in stats.values())
        row["status_css"] = STATUS_CSS.get(str(row["overall_status"]), "none")
    return days, phases


def phases_today(wh: Any, w: Window) -> list[dict[str, Any]]:
    """Phases 1, 4, 5 of today's games and 2, 3 of yesterday's, against their deadlines."""
    rows = query(
        wh,
        f"select * from {wh.table('phase_completion')} where data_date in (@y, @t) "
        "order by phase_number",
        {"y": w.yesterday, "t": w.today},
    )
    by_key = {(r["data_date"], int(r["phase_number"])): r for r in rows}
    out = []
    for number in range(1, 6):
        day = w.today if PHASE_SOURCE_DAY[number] == "today" else w.yesterday
        prow: dict[str, Any] = by_key.get((day, number)) or {}
        state = str(prow["phase_status"]) if prow.get("phase_status") else "no games"
        out.append(
            {
                "number": number,
                "label": prow.get("phase_label") or f"phase {number}",
                "game_date": day,
                "status": state,
                "css": STATUS_CSS.get(state, "none"),
                "completed": fmt_et(prow.get("completed_at")),
                "deadline": fmt_et(prow.get("deadline_at")),
                "minutes_after_deadline": prow.get("minutes_after_deadline"),
                "processors": f"{prow.get('processors_completed') or 0}/"
                f"{prow.get('processors_expected') or 0}",
                "missing": prow.get("processors_missing"),
            }
        )
    return out


def _executions_sql(t: Any, columns: str, group: bool) -> str:
    parts = []
    for kind, rel, name, owner in (
        ("processor", "fct_processor_executions", "processor_name", "cast(null as string)"),
        ("scraper", "fct_scraper_executions", "scraper_name", "owner"),
    ):
        select = columns.format(kind=kind, name=name, owner=owner)
        sql = (
            f"select {select} from {t(rel)} where is_failure "
            "and triggered_at > @since and triggered_at <= @as_of"
        )
        if group:
            sql += f" group by {name}"
        parts.append(sql)
    return "\nunion all\n".join(parts)


def errors_24h(wh: Any, w: Window) -> dict[str, Any]:
    """Failed executions of the last 24 h per processor/scraper, and unhealthy services."""
    t = wh.table
    window = {"since": w.since, "as_of": w.as_of}
    by_name = query(
        wh,
        _executions_sql(t, "'{kind}' as kind, {name} as name, count(*) as errors", group=True)
        + "\norder by errors desc, name",  # fmt: skip
        window,
    )
    recent = query(
        wh,
        "select * from (\n"
        + _executions_sql(
            t,
            "'{kind}' as kind, {name} as name, {owner} as owner, error_type, error_message, "
            "triggered_at",
            group=False,
        )
        + "\n) as e order by triggered_at desc limit 15",
        window,
    )
    owners = {
        str(r["processor_name"]): str(r["owner"])
        for r in query(
            wh,
            f"select distinct processor_name, owner from {t('processor_daily_outcomes')} "
            "where data_date between @s and @e and owner is not null",
            {"s": w.yesterday - timedelta(days=1), "e": w.today},
        )
    }
    for r in recent:
        r["at"] = fmt_et(r.get("triggered_at"))
        r["owner"] = r.get("owner") or owners.get(str(r["name"]), "")
        r["date"] = et_date(r["triggered_at"]) if r.get("triggered_at") else None
    services = query(
        wh,
        "select service_name, check_date, checks, unhealthy_checks, last_error_message "
        f"from {t('service_health_daily')} where check_date in (@y, @t) "
        "and unhealthy_checks > 0 order by unhealthy_checks desc, service_name",
        {"y": w.yesterday, "t": w.today},
    )
    items = [(f"{r['kind']} {r['name']}", float(r["errors"])) for r in by_name]
    items += [
        (f"service {r['service_name']} ({r['check_date']:%m-%d})", float(r["unhealthy_checks"]))
        for r in services
    ]
    return {"items": items, "recent": recent, "services": services}


def predictions(wh: Any, w: Window) -> list[dict[str, Any]]:
    return query(
        wh,
        "select system_id, owner, players_with_line, players_predicted, predictions, coverage, "
        "is_due, is_system_missing "
        f"from {wh.table('prediction_system_coverage')} where game_date = @t order by system_id",
        {"t": w.today},
    )


# -- trends with baselines ---------------------------------------------------------------


def trends(wh: Any, w: Window) -> dict[str, list[dict[str, Any]]]:
    """Per day over TREND_DAYS: processors (time, errors, records vs baselines), scrapers,
    prediction coverage and the days the marts flagged."""
    t = wh.table
    span = {"s": w.trend_start, "e": w.yesterday}
    processors = query(
        wh,
        "select data_date as day, sum(runs) as runs, sum(failures) as failures, "
        "sum(duration_p50_seconds) as p50, sum(baseline_duration_p50_seconds) as base_p50, "
        "sum(records_processed) as records, sum(baseline_records_processed) as base_records, "
        "sum(baseline_error_rate * runs) as base_failures, "
        "max(case when is_duration_regression then 1 else 0 end) as regression "
        f"from {t('processor_daily_stats')} where data_date between @s and @e group by data_date",
        span,
    )
    scrapers = query(
        wh,
        "select game_date as day, sum(runs) as runs, sum(failures) as failures, "
        "sum(baseline_error_rate * runs) as base_failures, "
        "max(case when is_error_spike then 1 else 0 end) as spike "
        f"from {t('scraper_daily_stats')} where game_date between @s and @e group by game_date",
        span,
    )
    health = query(
        wh,
        "select game_date as day, overall_status, prediction_coverage, is_predictions_due "
        f"from {t('daily_pipeline_health')} where game_date between @s and @e",
        span,
    )
    return {"processors": processors, "scrapers": scrapers, "health": health}


# -- the monitor's own history -----------------------------------------------------------


def check_history(wh: Any) -> dict[str, Any]:
    """Per check: its last HISTORY_RUNS results (oldest first) and test_flakiness's numbers."""
    t = wh.table
    results = optional(
        wh,
        "select * from (select test_unique_id, test_name, status, severity, owner, "
        "failing_row_count, completed_at, row_number() over (partition by test_unique_id "
        f"order by completed_at desc) as recency from {t('fct_test_results')}) as r "
        f"where recency <= {HISTORY_RUNS} order by test_unique_id, completed_at",
    )
    flaky = {
        str(r["test_unique_id"]): r
        for r in optional(
            wh,
            "select test_unique_id, run_count, failure_count, error_count, "
            f"status_change_count, failure_rate, is_flaky from {t('test_flakiness')}",
        )
    }
    checks: dict[str, dict[str, Any]] = {}
    for r in results:
        uid = str(r["test_unique_id"])
        check = checks.setdefault(
            uid,
            {
                "id": uid,
                "name": r["test_name"],
                "owner": r.get("owner") or "",
                "severity": r.get("severity") or "",
                "history": [],
                **{k: v for k, v in flaky.get(uid, {}).items() if k != "test_unique_id"},
            },
        )
        check["history"].append(
            {
                "status": r["status"],
                "at": fmt_et(r.get("completed_at"), with_date=True),
                "rows": r.get("failing_row_count"),
            }  # fmt: skip
        )
    for check in checks.values():
        check["last_status"] = check["history"][-1]["status"]
        check["ever_failed"] = any(h["status"] != "pass" for h in check["history"])
    shown = sorted(
        (c for c in checks.values() if c["ever_failed"] or c.get("is_flaky")),
        key=lambda c: (
            not c.get("is_flaky"),
            c["last_status"] == "pass",
            c["severity"] != "error",
            c["name"],
        ),
    )
    return {"checks": shown, "always_passed": len(checks) - len(shown), "total": len(checks)}


def monitor_runs(wh: Any) -> list[dict[str, Any]]:
    rows = optional(
        wh,
        "select run_id, command, target_name, selection, outcome, exit_code, tests_total, "
        "tests_passed, tests_warned, tests_failed, nodes_errored, alerts_sent, "
        "alerts_suppressed, dbt_seconds, duration_seconds, bytes_billed, started_at "
        f"from {wh.table('fct_monitor_runs')} order by started_at desc limit {MONITOR_RUNS}",
    )
    for r in rows:
        r["at"] = fmt_et(r.get("started_at"), with_date=True)
        r["date"] = et_date(r["started_at"]) if r.get("started_at") else None
    return rows


def freshness(wh: Any, w: Window) -> list[dict[str, Any]]:
    """Per pipeline log table: last row, hours silent relative to as_of, allowed silence."""
    rows = query(
        wh,
        "select source_table, owner, max_silent_hours, hours_silent, executions_since_last_row, "
        f"is_stopped, last_row_at, as_of_date from {wh.table('log_table_activity')} "
        "order by is_stopped desc, source_table",
    )
    latest = max((r["as_of_date"] for r in rows), default=None)
    out = [r for r in rows if r["as_of_date"] == latest]
    for r in out:
        r["last"] = fmt_et(r.get("last_row_at"), with_date=True)
    return out
