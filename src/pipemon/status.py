"""Answers to the on-call person's three questions, read from the marts (never rebuilt here).

1. Did the pipeline of a game date complete?  `daily_pipeline_health` and `phase_completion`.
2. What failed, and why?  Every alert check of the build (`pipemon.alerts.catalogue`: the
   `alert_when` tests' own conditions, asked of their marts for the date), so the answer names
   exactly what the runner alerts on, with the same thresholds.
3. Are the next day's predictions ready?  `prediction_system_coverage` and phases 4-5.

Then what the runner still holds open (`incident_events`, the list `pipemon incidents` prints)
beyond the judged day's failures: an incident about today (a log table gone silent) or an older
date is open until its check passes again, and while one is open the verdict is not "all clear".

Every read goes through `pipemon.warehouse` (DuckDB or BigQuery), one small query per mart.
`collect()` returns a `StatusReport` that renders as ✅/❌ lines or as JSON; the CLI shell is
`pipemon.commands.status`.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pipemon import project
from pipemon.alerts.catalogue import AlertCheck
from pipemon.alerts.catalogue import load as load_catalogue
from pipemon.alerts.grouping import CAUSE_RANK
from pipemon.safe_text import safe_line

OK, FAIL, PENDING = "ok", "fail", "pending"
MARKS = {OK: "✅", FAIL: "❌", PENDING: "⏳"}

# overall_status values of daily_pipeline_health and what they mean for the date
GOOD_OVERALL = {"COMPLETE", "BOOTSTRAP", "NO_GAMES", "HALTED"}
PENDING_OVERALL = {"IN_PROGRESS"}

QUESTIONS = {
    "completion": "Did {date}'s pipeline complete?",
    "failures": "What failed for {date}, and why?",
    "predictions": "Are {date}'s predictions ready?",
    "open": "What else is still open?",
    "pauses": "What is paused?",
}


class StatusError(RuntimeError):
    """The question cannot be answered; `exit_code` tells the shell why."""

    exit_code = 3


class NotBuilt(StatusError):
    """No warehouse, or the marts have not been built in it."""

    exit_code = 3


class DateNotCovered(StatusError):
    """The date lies outside what the marts hold."""

    exit_code = 4


@dataclass
class Check:
    """One ✅/❌/⏳ line."""

    state: str
    item: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "item": self.item, "text": self.text, "data": self.data}


@dataclass
class Section:
    key: str
    day: date
    checks: list[Check] = field(default_factory=list)

    @property
    def question(self) -> str:
        return QUESTIONS[self.key].format(date=self.day.isoformat())

    def add(self, state: str, item: str, text: str, **data: Any) -> None:
        self.checks.append(Check(state, item, text, data))


@dataclass
class StatusReport:
    as_of: datetime
    day: date
    predictions_day: date
    overall_status: str | None
    sections: list[Section]
    source: str
    marts_first_date: date | None = None
    marts_last_date: date | None = None

    @property
    def problems(self) -> list[Check]:
        return [c for s in self.sections for c in s.checks if c.state == FAIL]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return _jsonable(
            {
                "ok": self.ok,
                "problems": len(self.problems),
                "as_of": self.as_of,
                "date": self.day,
                "predictions_date": self.predictions_day,
                "overall_status": self.overall_status,
                "warehouse": self.source,
                "marts_cover": [self.marts_first_date, self.marts_last_date],
                "sections": [
                    {
                        "key": s.key,
                        "question": s.question,
                        "date": s.day,
                        "ok": all(c.state != FAIL for c in s.checks),
                        "checks": [c.as_json() for c in s.checks],
                    }
                    for s in self.sections
                ],
            }
        )

    def to_json(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False)

    def lines(self) -> list[str]:
        out = [
            f"pipemon status · as of {fmt_et(self.as_of, with_date=True)} "
            f"({self.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC) · {safe_line(self.source)}"
        ]
        for section in self.sections:
            out += ["", section.question]
            out += [f"{c.mark} {safe_line(c.text)}" for c in section.checks]
        out.append("")
        if self.ok:
            out.append("✅ all clear")
        else:
            n = len(self.problems)
            out.append(f"❌ {n} problem{'s' if n != 1 else ''} (see ❌ lines above)")
        return out

    def render(self) -> str:
        return "\n".join(self.lines())


# -- dates -------------------------------------------------------------------------------


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r}: expected YYYY-MM-DD, e.g. 2026-01-26") from None


def parse_as_of(text: str) -> datetime:
    """A UTC moment: 'YYYY-MM-DD HH:MM[:SS]', ISO with an offset, or a bare date (midnight UTC)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"bad --as-of {text!r}: expected a UTC time like '2026-04-12 15:00:00'"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def et_date(moment: datetime) -> date:
    """The US Eastern date of a moment (never the UTC date)."""
    return moment.astimezone(project.pipeline_zone()).date()


def fmt_et(moment: datetime | None, *, with_date: bool = False) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = project.pipeline_zone()
    local = moment.astimezone(zone)
    label = "ET" if zone.key == "America/New_York" else zone.key
    return local.strftime("%Y-%m-%d %H:%M " if with_date else "%m-%d %H:%M ") + label


def demo_as_of(warehouse_path: Path | None) -> datetime | None:
    """The generator's `as_of` when the warehouse is a generated demo one (truth file beside it)."""
    if warehouse_path is None:
        return None
    truth = project.truth_path(warehouse_path)
    if not truth.is_file():
        return None
    try:
        return parse_as_of(str(json.loads(truth.read_text())["as_of"]))
    except (ValueError, KeyError, TypeError):
        return None


def last_run_as_of(wh: Any) -> datetime | None:
    """The moment the runner's last completed `pipemon run` judged from (its as_of var, else
    when it started), from monitor_runs: the same truth the alerts were sent from."""
    from pipemon.warehouse import WarehouseError

    try:
        row = wh.last_run()
    except WarehouseError:
        return None
    if not row:
        return None
    try:
        given = json.loads(row.get("vars") or "{}").get("as_of")
    except (ValueError, AttributeError):
        given = None
    if given:
        try:
            return parse_as_of(str(given))
        except ValueError:
            pass
    started = row.get("started_at")
    if isinstance(started, datetime):
        return started if started.tzinfo else started.replace(tzinfo=UTC)
    return None


def default_dates(as_of: datetime, day: date | None) -> tuple[date, date]:
    """(judged date, predictions date): yesterday and today in ET, or `day` and the day after."""
    if day is not None:
        return day, day + timedelta(days=1)
    today = et_date(as_of)
    return today - timedelta(days=1), today


# -- thresholds (the dbt vars people tune) -----------------------------------------------


def thresholds() -> dict[str, float]:
    """`system_coverage_min` as dbt resolves it (dbt_project.yml or --vars, its only home): only
    to word a verdict the marts computed (the alert's own `is_system_missing`), never to decide
    one."""
    return {"system_coverage_min": float(project.resolved_vars()["system_coverage_min"])}


# -- reading -----------------------------------------------------------------------------


def date_literal(value: date) -> str:
    """`date 'YYYY-MM-DD'`: the same literal in DuckDB and BigQuery SQL."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"expected a date, got {value!r}")
    return f"date '{value.isoformat()}'"


def _queries(
    wh: Any, day: date, next_day: date, checks: list[AlertCheck]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """One query per mart, and one per alert check (its test's condition for `day`). The two
    dates are inlined as literals rather than bound: binding any parameter makes the duckdb
    package import pandas (half a second of a one-second budget), and both values are `date`
    objects, never text from a user."""
    t = wh.table
    dph = t("daily_pipeline_health")
    queries = {
        "bounds": f"select min(game_date) as first_date, max(game_date) as last_date from {dph}",
        "health": f"select * from {dph} where game_date in (@d, @n)",
        "phases": (
            f"select * from {t('phase_completion')} where data_date in (@d, @n) "
            "order by data_date, phase_number"
        ),
        "systems": (
            "select game_date, system_id, players_with_line, players_predicted, coverage, "
            "is_due, is_relaxed, is_system_missing, last_prediction_at "
            f"from {t('prediction_system_coverage')} where game_date in (@d, @n) "
            "order by game_date, system_id"
        ),
        # declared quiet: the halts and pauses covering the two dates, and the pauses in force
        "quiet": (
            f"select * from {t('declared_quiet_days')} where quiet_date in (@d, @n) "
            "order by quiet_date, quiet_kind, output_name"
        ),
        "pauses": (
            "select output_name, quiet_reason, declared_by, quiet_note, quiet_since_date, "
            f"quiet_until_date from {t('declared_quiet_days')} "
            "where quiet_kind = 'pause' and quiet_date >= @d "
            "group by 1, 2, 3, 4, 5, 6 order by quiet_until_date, output_name"
        ),
    }
    for check in checks:
        queries[f"check:{check.name}"] = (
            check.failing_rows_sql(t(check.model), "@d", t("declared_quiet_days"))
            + " order by alert_target"
        )
    literals = {"@d": date_literal(day), "@n": date_literal(next_day)}
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, sql in queries.items():
        for name, literal in literals.items():
            sql = sql.replace(name, literal)
        out[key] = (sql, {})
    return out


def _n(x: Any) -> str:
    return "-" if x is None else f"{x:.0f}"


# How a failing row of a check reads; a check without an entry gets `_generic_text`.
def _processor_failed(r: Mapping[str, Any]) -> str:
    why = f"{r.get('last_error_type') or 'error'}: {r.get('last_error_message') or '-'}"
    deps = r.get("failed_dependency_tables")
    deps_text = f"; failed dependencies: {deps}" if deps else ""
    return (
        f"{r['alert_target']} ({r.get('phase')}) FAILED after {r.get('attempts')} attempt(s) "
        f"- {why}{deps_text}"
    )


def _phase_not_triggered(r: Mapping[str, Any]) -> str:
    missing = r.get("processors_missing") or "none missing: the trigger itself was lost"
    return f"{r['alert_target']} not triggered - processors missing: {missing}"


def _phase_late(r: Mapping[str, Any]) -> str:
    return (
        f"{r['alert_target']} finished {r.get('minutes_after_deadline')} min after its "
        f"{fmt_et(r.get('deadline_at'))} deadline, at {fmt_et(r.get('completed_at'))}"
    )


def _dead_letter(r: Mapping[str, Any]) -> str:
    target = r.get("processor_name") or r["alert_target"] or "?"
    return (
        f"dead letter: {target} ({r.get('phase')}) on {r.get('original_topic')} after "
        f"{r.get('delivery_count')} deliveries at {fmt_et(r.get('dead_lettered_at'))} "
        f"(message {r.get('message_id')})"
    )


def _scraper_spike(r: Mapping[str, Any]) -> str:
    a, b = r.get("runs"), r.get("failures")
    rate = (b or 0) / a if a else 0
    return (
        f"scraper {r['alert_target']} failed {_n(b)} of {_n(a)} runs ({rate:.0%}; usually "
        f"{_pct(r.get('baseline_error_rate'))})"
    )


FORMATS: dict[str, Any] = {
    "processor_failed_after_retries": _processor_failed,
    "registry_processor_never_ran": lambda r: (
        f"{r['alert_target']} ({r.get('phase')}) never ran for {r['alert_game_date']}"
    ),
    "processor_ran_without_run_history": lambda r: (
        f"{r['alert_target']} ({r.get('phase')}) ran but wrote no run history "
        f"({r.get('run_history_class') or 'class unknown'})"
    ),
    "phase_not_triggered": _phase_not_triggered,
    "phase_finished_after_deadline": _phase_late,
    "dead_lettered_messages": _dead_letter,
    "redelivery_storm": lambda r: (
        f"redelivery storm: {r['alert_target']} got message {r.get('pubsub_message_id')} "
        f"{r.get('deliveries')} times ({r.get('failed_deliveries')} failed)"
    ),
    "missing_box_scores_for_final_games": lambda r: (
        f"game {r['alert_target']} {r.get('away_team_tricode')}@{r.get('home_team_tricode')} "
        "is final but has no box scores"
    ),
    "prediction_system_missing": lambda r: (
        f"prediction system {r['alert_target']} wrote "
        f"{r.get('players_predicted')}/{r.get('players_with_line')} predictions"
    ),
    "scraper_error_rate_spike": _scraper_spike,
    "processing_time_regression": lambda r: (
        f"{r['alert_target']} ran {r.get('duration_ratio') or 0:.1f}x slower than usual "
        f"(p50 {_n(r.get('duration_p50_seconds'))} s vs "
        f"{_n(r.get('baseline_duration_p50_seconds'))} s)"
    ),
    "dependency_failure_spike": lambda r: (
        f"dependency {r['alert_target']}: {_n(r.get('failures'))} of {_n(r.get('checks'))} "
        f"checks failed (usually {_n(r.get('baseline_failures'))}); processors held up: "
        f"{r.get('processors_failed') or '-'}"
    ),
    "service_unhealthy": lambda r: (
        f"service {r['alert_target']} failed {_n(r.get('unhealthy_checks'))} of "
        f"{_n(r.get('checks'))} health checks - {r.get('last_error_message') or 'no message'}"
    ),
    "feature_store_degraded": lambda r: (
        f"{r['alert_target']} degraded: {_n(r.get('feature_rows'))} rows, "
        f"{_pct(r.get('feature_complete_share'))} complete, average quality "
        f"{r.get('feature_quality_avg') or 0:.0f}/100"
    ),
    "fallback_source_spike": lambda r: (
        f"{r['alert_target']}: {_n(r.get('fallback_games'))} of "
        f"{_n(r.get('games_with_box_scores'))} games' box scores came from a fallback source "
        f"(usually {_pct(r.get('baseline_fallback_game_rate'))})"
    ),
    "players_missing_predictions": lambda r: (
        f"{_n(r.get('players_without_prediction'))} of {_n(r.get('players_with_line'))} "
        f"players with a line got no prediction ({_pct(r.get('missing_player_rate'))}) "
        f"in {r['alert_target']}"
    ),
    "log_table_stopped_receiving_rows": lambda r: (
        f"log table {r['alert_target']} received no rows for {r.get('hours_silent') or 0:.0f} h "
        f"while {_n(r.get('executions_since_last_row'))} executions ran"
    ),
}


def _generic_text(check: AlertCheck, row: Mapping[str, Any]) -> str:
    """`<check>: <target> - <description> (<column> <value>, ...)`."""
    shown = ", ".join(f"{c} {row.get(c)}" for c in check.columns if row.get(c) is not None)
    text = f"{check.name.replace('_', ' ')}: {row['alert_target']}"
    if check.description:
        text += f" - {check.description.rstrip('.')}"
    return f"{text} ({shown})" if shown else text


def failure_text(check: AlertCheck, row: Mapping[str, Any]) -> str:
    """One failing row of a check as a status line (warnings say so)."""
    fmt = FORMATS.get(check.name)
    text = fmt(row) if fmt else _generic_text(check, row)
    return text if check.severity == "error" else f"{text} (warning)"


def looks_missing(message: str) -> bool:
    text = message.lower()
    return any(
        s in text
        for s in ("does not exist", "not found", "catalog error", "no such table", "notfound")
    )


def fetch(
    wh: Any, day: date, next_day: date, checks: list[AlertCheck]
) -> dict[str, list[dict[str, Any]]]:
    """Rows of every mart the answer needs, and each daily alert check's failing rows for `day`
    (under `check:<name>`). BigQuery runs the queries concurrently."""
    from pipemon.warehouse import WarehouseError

    queries = _queries(wh, day, next_day, checks)

    def run(key: str) -> list[dict[str, Any]]:
        sql, params = queries[key]
        try:
            return wh.query(sql, params)
        except WarehouseError as exc:
            if looks_missing(str(exc)):
                raise NotBuilt(f"the marts are not built ({first_line(exc)})") from exc
            raise StatusError(f"cannot read the marts: {first_line(exc)}") from exc

    if getattr(wh, "dialect", "") == "bigquery":
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(queries), 16)) as pool:
            futures = {key: pool.submit(run, key) for key in queries}
            return {key: future.result() for key, future in futures.items()}
    return {key: run(key) for key in queries}


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- judging -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _phase_check(row: Mapping[str, Any]) -> tuple[str, str]:
    """State and text of one phase_completion row."""
    status = row.get("phase_status")
    label = f"phase {row['phase_number']} {row.get('phase_label') or ''}".rstrip()
    deadline = fmt_et(row.get("deadline_at"))
    done = fmt_et(row.get("completed_at"))
    minutes = row.get("minutes_after_deadline")
    missing = row.get("processors_missing")
    completed = row.get("processors_completed")
    expected = row.get("processors_expected")
    if status == "on_time":
        early = f", {-minutes} min early" if isinstance(minutes, int) and minutes < 0 else ""
        return OK, f"{label}: on time, done {done} (deadline {deadline}{early})"
    if status == "bootstrap":
        return OK, f"{label}: bootstrap period, not expected yet (deadline {deadline})"
    if status == "late":
        return FAIL, f"{label}: LATE, done {done}, {minutes} min after the {deadline} deadline"
    if status == "not_triggered":
        why = (
            f"processors missing: {missing}"
            if missing
            else f"all {completed}/{expected} processors reported, but the phase never "
            "triggered the next one"
        )
        return FAIL, f"{label}: NOT TRIGGERED by the {deadline} deadline; {why}"
    if status == "pending":
        waiting = f"; waiting for {missing}" if missing else ""
        return PENDING, f"{label}: pending, deadline {deadline} not reached{waiting}"
    if status is None:
        return OK, f"{label}: not expected (no games)"
    return FAIL, f"{label}: {status}"


def _health_line(row: Mapping[str, Any]) -> tuple[str, str]:
    overall = str(row.get("overall_status"))
    if overall == "NO_GAMES":
        return OK, "overall NO_GAMES: no games scheduled, nothing expected"
    state = OK if overall in GOOD_OVERALL else PENDING if overall in PENDING_OVERALL else FAIL
    parts = [
        f"{row.get('games_final')}/{row.get('games_scheduled')} games final, "
        f"{row.get('games_with_box_scores')} with box scores",
        f"{row.get('players_predicted_all_systems')}/{row.get('players_with_line')} players "
        f"with a line predicted by every system ({_pct(row.get('prediction_coverage'))})",
        f"{row.get('feature_rows')} feature rows",
    ]
    phases = (
        f"phases: {row.get('phases_on_time')}/{row.get('phases_due')} on time"
        + (f", {row.get('phases_late')} late" if row.get("phases_late") else "")
        + (
            f", {row.get('phases_not_triggered')} not triggered"
            if row.get("phases_not_triggered")
            else ""
        )
    )
    return state, f"overall {overall}: " + "; ".join([*parts, phases])


def judge(
    rows: Mapping[str, list[dict[str, Any]]],
    day: date,
    next_day: date,
    *,
    as_of: datetime,
    source: str,
    checks: list[AlertCheck],
    coverage_min: float,
) -> StatusReport:
    """The report for `day` (completion, failures: every failing alert check) and `next_day`
    (predictions)."""
    health = {r["game_date"]: r for r in rows["health"]}
    bounds = rows["bounds"][0] if rows["bounds"] else {}
    first, last = bounds.get("first_date"), bounds.get("last_date")
    if day not in health:
        if first is None:
            raise NotBuilt("the marts are built but empty")
        raise DateNotCovered(
            f"no pipeline health for {day}: the marts cover {first} .. {last}; pick a date "
            "in that range or rebuild them (`pipemon run`)"
        )
    row = health[day]
    phases: dict[date, list[dict[str, Any]]] = {}
    for p in rows["phases"]:
        phases.setdefault(p["data_date"], []).append(p)

    quiet: dict[date, list[dict[str, Any]]] = {}
    for q in rows.get("quiet", []):
        quiet.setdefault(q["quiet_date"], []).append(q)

    completion = Section("completion", day)
    state, text = _health_line(row)
    completion.add(state, "overall", text, **{k: row.get(k) for k in _HEALTH_FIELDS})
    halt = halt_line(quiet.get(day, []))
    if halt:
        completion.add(OK, "halt", halt[0], **halt[1])
    for p in phases.get(day, []):
        state, text = _phase_check(p)
        completion.add(state, p["phase"], text, **{k: p.get(k) for k in _PHASE_FIELDS})

    failures = Section("failures", day)
    for check in checks:
        for r in rows.get(f"check:{check.name}", []):
            data = {k: v for k, v in r.items() if k not in ("alert_game_date", "alert_target")}
            data.update(check=check.name, severity=check.severity, runbook=check.runbook)
            failures.add(FAIL, str(r["alert_target"]), failure_text(check, r), **data)
    if not failures.checks:
        failures.add(
            OK,
            "nothing",
            f"nothing failed: all {len(checks)} alert checks pass for {day}",
        )

    predictions = Section("predictions", next_day)
    nxt = health.get(next_day)
    if nxt is None:
        predictions.add(
            FAIL,
            "coverage",
            f"no data for {next_day} in the marts (they end at {last}): rebuild them "
            "(`pipemon run`) to see its predictions",
        )
    elif nxt.get("overall_status") == "NO_GAMES" or not nxt.get("games_scheduled"):
        predictions.add(OK, "coverage", f"no games on {next_day}: no predictions expected")
    elif halt_line(quiet.get(next_day, [])):
        text, data = halt_line(quiet.get(next_day, [])) or ("", {})
        predictions.add(OK, "halt", text + ": no predictions expected", **data)
    else:
        paused = {
            q["output_name"]: q for q in quiet.get(next_day, []) if q["quiet_kind"] == "pause"
        }
        for p in phases.get(next_day, []):
            if p.get("phase_number") in (4, 5):
                state, text = _phase_check(p)
                predictions.add(state, p["phase"], text, **{k: p.get(k) for k in _PHASE_FIELDS})
        systems = [s for s in rows["systems"] if s["game_date"] == next_day]
        for s in systems:
            cov = s.get("coverage")
            text = (
                f"{s['system_id']}: {s.get('players_predicted')}/{s.get('players_with_line')} "
                f"players with a line predicted ({_pct(cov)})"
            )
            if s["system_id"] in paused:
                predictions.add(
                    OK, s["system_id"], text + " - " + pause_text(paused[s["system_id"]]), **s
                )
            elif s.get("is_relaxed") or nxt.get("is_bootstrap"):
                predictions.add(OK, s["system_id"], text + " - bootstrap period, relaxed", **s)
            elif s.get("is_system_missing"):
                # the alert's own verdict (prediction_system_missing reads the same column)
                predictions.add(FAIL, s["system_id"], text + f" - below {coverage_min:.0%}", **s)
            elif not s.get("is_due") and (cov is None or cov < coverage_min):
                predictions.add(PENDING, s["system_id"], text + " - not due yet", **s)
            else:
                predictions.add(OK, s["system_id"], text, **s)
        if not systems:
            predictions.add(FAIL, "coverage", f"no prediction coverage rows for {next_day}")
        predictions.add(
            OK,
            "feature_rows",
            f"feature store: {nxt.get('feature_rows')} rows for {nxt.get('players_with_line')} "
            "players with a line",
            feature_rows=nxt.get("feature_rows"),
        )

    sections = [completion, failures, predictions]
    if rows.get("pauses"):
        pauses = Section("pauses", day)
        for p in rows["pauses"]:
            pauses.add(OK, str(p["output_name"]), pause_text(p), **p)
        sections.append(pauses)

    return StatusReport(
        as_of=as_of,
        day=day,
        predictions_day=next_day,
        overall_status=str(row.get("overall_status")),
        sections=sections,
        source=source,
        marts_first_date=first,
        marts_last_date=last,
    )


def halt_line(quiet: list[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """ "halted: <reason>, since <date>" when a declared halt covers the date
    (declared_quiet_days rows of the date), with who declared it."""
    halts = [q for q in quiet if q.get("quiet_kind") == "halt"]
    if not halts:
        return None
    halt = halts[0]
    text = f"halted: {halt['quiet_reason']}, since {halt['quiet_since_date']}"
    if halt.get("quiet_until_date"):
        text += f", until {halt['quiet_until_date']}"
    if halt.get("declared_by"):
        text += f" (declared by {halt['declared_by']})"
    data = {
        k: halt.get(k)
        for k in ("quiet_reason", "quiet_since_date", "quiet_until_date", "declared_by")
    }
    return text, data


def pause_text(pause: Mapping[str, Any]) -> str:
    """A pause as status and the report show it: output, until, reason, who."""
    return (
        f"paused until {pause.get('quiet_until_date')} by {pause.get('declared_by')}: "
        f"{pause.get('quiet_reason')}"
    )


_HEALTH_FIELDS = (
    "overall_status",
    "games_scheduled",
    "games_final",
    "games_with_box_scores",
    "games_missing_box_scores",
    "players_with_line",
    "players_predicted_all_systems",
    "prediction_coverage",
    "feature_rows",
    "systems_missing",
    "phases_due",
    "phases_on_time",
    "phases_late",
    "phases_not_triggered",
    "is_bootstrap",
)
_PHASE_FIELDS = (
    "phase",
    "phase_status",
    "processors_expected",
    "processors_completed",
    "processors_missing",
    "deadline_at",
    "completed_at",
    "minutes_after_deadline",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "as_integer_ratio") and not isinstance(value, int | float):
        return float(value)  # Decimal
    return value


# -- one call ----------------------------------------------------------------------------


@dataclass
class Context:
    """Where to read and from when: resolved once for `status` and `report`."""

    warehouse: Any
    label: str
    as_of: datetime
    demo_path: Path | None


def open_context(target: str | None, as_of: datetime | None) -> Context:
    """Open the warehouse of `target`; `as_of` defaults to the as_of of the runner's last run
    (monitor_runs), else to a generated demo's own, else to now."""
    from pipemon.warehouse import SettingsError, open_warehouse, resolve

    try:
        settings = resolve(target)
    except (SettingsError, RuntimeError) as exc:
        raise StatusError(str(exc)) from exc
    path = settings.path if settings.type == "duckdb" else None
    if path is not None and not path.is_file():
        raise NotBuilt(f"no warehouse at {path}")
    label = (
        str(path) if path is not None else f"{settings.type}:{settings.project}.{settings.schema}"
    )
    wh = open_warehouse(settings)
    # the moment of the runner's last run, else a generated demo's own, else now
    when = as_of or last_run_as_of(wh) or demo_as_of(path) or datetime.now(UTC)
    return Context(wh, label, when, path)


def open_section(incidents: list[dict[str, Any]], day: date, failures: Section) -> Section | None:
    """The runner's open incidents (`manage.open_incident_rows`) that the judged day's failures
    do not already name: one problem line each for the judged day and later (today's silent log
    table), one line for all those about earlier dates; None when there are none."""
    named = {(c.data.get("check"), c.item) for c in failures.checks if c.state == FAIL}
    section = Section("open", day)
    earlier: list[str] = []
    for row in incidents:
        # an outage spans dates: it is about the judged day while its last date is not earlier
        first = str(row.get("first_date") or row.get("game_date") or "")
        last = str(row.get("last_date") or first)
        if last and last < day.isoformat():
            earlier.append(first)
            continue
        if (
            first <= day.isoformat() <= last
            and (row.get("test_name"), str(row.get("target"))) in named
        ):
            continue
        opened = row.get("opened_at")
        span = f" ({row['dates']})" if row.get("dates") and first != last else ""
        text = (
            f"{row['subject']}{span}, open since {fmt_et(opened, with_date=True)}"
            if opened
            else row["subject"] + span
        )
        if row.get("ack_until"):
            text += f", acknowledged until {fmt_et(row['ack_until'], with_date=True)}"
        section.add(FAIL, str(row["incident_id"]), text, **row)
    if earlier:
        n = len(earlier)
        section.add(
            FAIL,
            "earlier",
            f"{n} incident{'s' * (n != 1)} about earlier dates still open, the oldest about "
            f"{min(earlier)} (`pipemon incidents` lists them)",
            incidents=n,
            oldest_game_date=min(earlier),
        )
    return section if section.checks else None


def read_open_incidents(ctx: Context) -> list[dict[str, Any]]:
    """The incidents the runner holds open at `ctx.as_of`; none when it never ran here."""
    from pipemon.alerts import manage
    from pipemon.warehouse import WarehouseError

    try:
        return manage.open_incident_rows(ctx.warehouse, ctx.as_of)
    except WarehouseError:
        return []


def collect(ctx: Context, day: date | None = None) -> StatusReport:
    """Read the marts and judge the date (default: yesterday in ET relative to `ctx.as_of`)."""
    judged, next_day = default_dates(ctx.as_of, day)
    # errors first, then the pipeline's causes before their consequences (the runner's order)
    checks = sorted(
        (c for c in load_catalogue() if c.is_daily),
        key=lambda c: (c.severity != "error", CAUSE_RANK.get(c.name, len(CAUSE_RANK))),
    )
    rows = fetch(ctx.warehouse, judged, next_day, checks)
    report = judge(
        rows,
        judged,
        next_day,
        as_of=ctx.as_of,
        source=ctx.label,
        checks=checks,
        coverage_min=thresholds()["system_coverage_min"],
    )
    # a verdict counts what is open, not only what failed for the judged day
    failures = next(s for s in report.sections if s.key == "failures")
    still_open = open_section(read_open_incidents(ctx), judged, failures)
    if still_open is not None:
        report.sections.append(still_open)
    return report
