"""`pipemon backtest`: what the monitor would have said, replayed over history as its schedules
would have run it.

Each moment (every ET date from `first` to `last`, at each of `times` in the pipeline's time
zone) is one real `pipemon run`: `dbt build` as of that moment, with var `read_as_of` so that
every contract source is read as it stood then (rows written later left out, by each table's
`meta.written_at`: a filter, never a copy of the pipeline's data), then the runner's own steps
(findings, incidents, messages) with its clock at the moment. The first moment is a history
build (`--full-refresh`: every mart and registry rebuilt from the rows as they stood), the next
ones daily builds, as the deployed monitor runs.

It never touches the live incidents or channels: its state (the runner's tables, the marts it
builds) lives in scratch, and its messages go to one file channel there, under the team's own
limits (reminder ladder, hourly cap, digest), so `--vars` can try a threshold on last month.
- DuckDB: a scratch copy of the warehouse file (a DuckDB file takes one writer at a time, so
  the live file is not held for the length of a backtest);
- BigQuery: the models and the runner's tables go to a scratch dataset (`<dataset>_backtest`);
  the pipeline's tables are read in place.
Source freshness is left out of a backtest (dbt reads a source's newest row, which a filter
cannot hide); log-table silence is still judged (log_table_activity reads staging).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from pipemon import project, runner
from pipemon.alerts import config as alerts_config
from pipemon.alerts import manage
from pipemon.runner import RunOptions
from pipemon.warehouse import WarehouseSettings, open_warehouse, resolve

RUNNER_TABLES = ("incident_events", "alert_log", "monitor_runs", "test_results")
TOLD = ("alert", "update", "reminder", "resolved", "digest")


@dataclass
class Said:
    """One message the monitor would have sent at one moment."""

    moment: dt.datetime  # UTC
    kind: str
    subject: str
    incident_id: str | None


@dataclass
class Moment:
    at: dt.datetime  # UTC
    local: str  # `2025-12-13 08:00 ET`-like, in the pipeline's zone
    exit_code: int
    said: list[Said] = field(default_factory=list)
    counted: int = 0  # occurrences recorded, not sent
    findings: list[str] = field(default_factory=list)  # `severity check: target date` each


@dataclass
class Result:
    moments: list[Moment] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    scratch: Path | None = None

    @property
    def total(self) -> int:
        return sum(len(m.said) for m in self.moments)

    @property
    def failed_moments(self) -> list[Moment]:
        return [m for m in self.moments if m.exit_code == runner.EXIT_MONITOR]

    def per_day(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.moments:
            day = m.local[:10]
            out[day] = out.get(day, 0) + len(m.said)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "total_messages": self.total,
            "messages_per_day": self.per_day(),
            "moments": [
                {
                    "at": m.local,
                    "exit_code": m.exit_code,
                    "counted": m.counted,
                    "findings": m.findings,
                    "messages": [
                        {"kind": s.kind, "subject": s.subject, "incident_id": s.incident_id}
                        for s in m.said
                    ],
                }
                for m in self.moments
            ],
            "incidents": self.incidents,
        }


def moments(
    first: dt.date,
    last: dt.date,
    times: Sequence[dt.time],
    zone: ZoneInfo,
    *,
    days: Sequence[dt.date] | None = None,
) -> list[dt.datetime]:
    """Every (date, time) of the range in the zone, as UTC instants, in order; with `days`, only
    those dates of the range (days sampled from a season, replayed in order on one warehouse)."""
    wanted = set(days) if days is not None else None
    out = []
    day = first
    while day <= last:
        if wanted is None or day in wanted:
            for at in times:
                out.append(dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC))
        day += dt.timedelta(days=1)
    return sorted(out)


def _scratch_config(scratch: Path, live: Path | None) -> Path:
    """The team's alert limits, one file channel in scratch: what it would send, sent nowhere."""
    limits: dict[str, Any] = {}
    source = live or alerts_config.default_path()
    if source.is_file():
        doc = yaml.safe_load(source.read_text()) or {}
        limits = dict(doc.get("limits") or {}) if isinstance(doc, dict) else {}
    doc = {
        "channels": {"backtest": {"url": f"file://{scratch / 'messages.log'}"}},
        "default_channels": ["backtest"],
        "summary_channels": [],
        "limits": limits,
    }
    path = scratch / "alerts.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _set_environment(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextmanager
def _environment(changes: dict[str, str | None]) -> Iterator[None]:
    """The process environment with `changes` (None: unset), as it was afterwards."""
    before = {k: os.environ.get(k) for k in changes}
    try:
        _set_environment(changes)
        yield
    finally:
        _set_environment(before)


def _scratch_warehouse(settings: WarehouseSettings, scratch: Path) -> dict[str, str | None]:
    """Where the backtest builds and records, as environment for dbt and the runner."""
    if settings.type == "duckdb":
        from pipemon.warehouse.duckdb import release_dbt_connections

        assert settings.path is not None
        release_dbt_connections()
        copy = scratch / settings.path.name
        shutil.copy(settings.path, copy)
        wal = settings.path.with_name(settings.path.name + ".wal")
        if wal.exists():
            shutil.copy(wal, copy.with_name(copy.name + ".wal"))
        return {"PIPEMON_DUCKDB_PATH": str(copy)}
    dataset = os.environ.get("PIPEMON_BQ_DATASET", "nba_monitoring")
    return {"PIPEMON_BQ_DATASET": f"{dataset}_backtest"}


def _forget_runner_state(settings: WarehouseSettings) -> None:
    """The scratch warehouse starts with no incidents, messages or runs of its own."""
    wh = open_warehouse(settings)
    try:
        wh.ensure_tables()
        for table in RUNNER_TABLES:
            wh.query(f"delete from {wh.table(table)} where true")
    finally:
        wh.close()


def run(
    first: dt.date,
    last: dt.date,
    times: Sequence[dt.time],
    *,
    target: str | None = None,
    vars_: dict[str, Any] | None = None,
    scratch: Path,
    config_path: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
    days: Sequence[dt.date] | None = None,
    instants: Sequence[dt.datetime] | None = None,
) -> Result:
    """Replay the monitor at every moment of the range (of `days` in it, when given), or at the
    `instants` given (aware datetimes: a sampled day each at its own time); see the module
    docstring."""
    scratch.mkdir(parents=True, exist_ok=True)
    settings = resolve(target, vars_ or {})
    cfg_path = _scratch_config(scratch, config_path)
    result = Result(scratch=scratch)
    zone = project.pipeline_zone()
    env = {
        **_scratch_warehouse(settings, scratch),
        "DBT_TARGET_PATH": str(scratch / "target"),
        "PIPEMON_HEARTBEAT_URL": None,
    }
    with _environment(env):
        scratch_settings = resolve(target, vars_ or {})
        _forget_runner_state(scratch_settings)
        oldest_scrape = _oldest_scrape(scratch_settings)
        at = (
            sorted(i.astimezone(dt.UTC) for i in instants)
            if instants is not None
            else moments(first, last, times, zone, days=days)
        )
        for n, moment in enumerate(at):
            run_vars = {**(vars_ or {}), "read_as_of": True}
            if oldest_scrape is not None and "scraper_log_retention_days" not in run_vars:
                run_vars["scraper_log_retention_days"] = _kept_days(oldest_scrape, moment, zone)
            # the first run rebuilds every mart and registry from the rows as they stood (a copy
            # holds marts built from later rows, and seeds an older pipemon may have loaded)
            options = RunOptions(
                command="run",
                target=target,
                vars=run_vars,
                freshness=False,
                config_path=cfg_path,
                full_refresh=n == 0,
            )
            report = runner.execute(options, clock=_fixed(moment))
            local = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
            said = [
                Said(moment, m.kind, m.subject, m.incident_id)
                for m in report.messages
                if m.kind in TOLD
            ]
            counted = sum(1 for m in report.messages if m.kind == "suppressed")
            findings = [
                f"{f.severity} {f.check_name}: {f.target or ''} {f.game_date or ''}".rstrip()
                for f in report.findings
            ]
            result.moments.append(Moment(moment, local, report.exit_code, said, counted, findings))
            log(f"{local}: {len(said)} message(s), {counted} counted, exit {report.exit_code}")
        result.incidents = _incidents(scratch_settings, result)
    return result


def _oldest_scrape(settings: WarehouseSettings) -> dt.datetime | None:
    """The scraper log's oldest row: its partitions expire (90 days), so a moment replayed
    from long ago finds its own days gone, and must not judge them as scrapes never run."""
    dataset = str(project.declared_vars().get("orchestration_dataset") or "")
    wh = open_warehouse(settings)
    try:
        table = wh.table("scraper_execution_log", schema=dataset or None)
        rows = wh.query(f"select min(triggered_at) as oldest from {table}")
    finally:
        wh.close()
    oldest = rows[0]["oldest"] if rows else None
    if oldest is None:
        return None
    assert isinstance(oldest, dt.datetime)
    return oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)


def _kept_days(oldest: dt.datetime, moment: dt.datetime, zone: ZoneInfo) -> int:
    """The whole ET days of scraper log the warehouse still holds up to the moment's date."""
    first_whole = oldest.astimezone(zone).date() + dt.timedelta(days=1)
    kept = int(project.declared_vars().get("scraper_log_retention_days") or 90)
    return max(0, min(kept, (moment.astimezone(zone).date() - first_whole).days + 1))


def _fixed(moment: dt.datetime) -> Callable[[], dt.datetime]:
    """The runner's clock, stopped at the moment it replays."""
    return lambda: moment


def _incidents(settings: WarehouseSettings, result: Result) -> list[dict[str, Any]]:
    """Every incident the backtest held, with when it was first told and how often."""
    end = result.moments[-1].at if result.moments else dt.datetime.now(dt.UTC)
    wh = open_warehouse(settings)
    try:
        state = manage.load(wh, end)
    finally:
        wh.close()
    told: dict[str, list[Said]] = {}
    for moment in result.moments:
        for said in moment.said:
            if said.incident_id:
                told.setdefault(said.incident_id, []).append(said)
    zone = project.pipeline_zone()
    out = []
    for incident in sorted(state.values(), key=lambda i: (i.opened_at, i.incident_id)):
        messages = told.get(incident.incident_id, [])
        cause = incident.cause_finding
        out.append(
            {
                "incident_id": incident.incident_id,
                "status": incident.status(end),
                "severity": incident.severity,
                "check": cause.check_name,
                "target": cause.target,
                "dates": incident.span(),
                "days": len(incident.dates()),
                "first_date": min(incident.dates(), default=None),
                "last_date": max(incident.dates(), default=None),
                "first_told": (
                    messages[0].moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
                    if messages
                    else None
                ),
                "messages": len(messages),
                "kinds": [s.kind for s in messages],
            }
        )
    return out


def text(result: Result) -> str:
    """The backtest as a person reads it: each moment's messages, the incidents, the total."""
    lines = []
    for moment in result.moments:
        head = f"{moment.local}  {len(moment.said)} message(s), {moment.counted} counted"
        if moment.exit_code == runner.EXIT_MONITOR:
            head += "  (the monitoring failed at this moment)"
        lines.append(head)
        lines += [f"    {s.kind:<9} {s.subject}" for s in moment.said]
    lines += ["", f"{len(result.incidents)} incident(s):"]
    for i in result.incidents:
        first = i["first_told"] or "never told"
        lines.append(
            f"  {i['incident_id']}  {i['status']:<8} {i['severity']:<5} {i['check']}: "
            f"{i['target'] or ''} {i['dates']}  first told {first}, {i['messages']} message(s)"
        )
    lines += ["", f"Total: {result.total} message(s) over {len(result.moments)} run(s)."]
    return "\n".join(lines) + "\n"
