"""The runner: dbt build -> findings -> incidents -> one message per cause, delivered, recorded.

One run, under a lock beside the warehouse, in five steps (one module each):

1. build (build.py): open the warehouse, create the runner's tables if missing, flush the
   local spool, read the open incidents; `dbt build` (and `dbt source freshness`) in-process
   with the open incidents' dates added to the judged window, or, for `pipemon alert`, the
   last results if they are a build of this project on this warehouse;
2. judge (alerts/findings.py): one finding per failing test and failing key (game_date,
   target), plus the monitoring's own failures (dbt error, errored nodes, missing warehouse,
   stale sources, unknown vars);
3. decide (decide.py): group findings by cause, attach them to incidents, open, remind,
   resolve (only when the raising check judged the date again and passed);
4. record (record.py): route, write every incident transition and every message to the
   warehouse (alert_log as pending, one row per channel) before sending;
5. deliver (deliver.py): claim, send and mark each delivery; failures stay pending.
Then the run is recorded (monitor_runs, test_results) and the heartbeat pinged.

Exit codes: 0 all clear, 1 warnings only, 2 failures alerted, 3 the monitoring itself failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipemon import cost, project, validate
from pipemon.alerts import config, heartbeat, incidents, policy, render
from pipemon.alerts.findings import MONITOR_PREFIX, Judgement, judge, judge_freshness
from pipemon.alerts.findings import monitor_finding as _monitor
from pipemon.alerts.lock import LockTimeout, RunLock
from pipemon.alerts.model import Finding, Message
from pipemon.alerts.spool import Spool
from pipemon.runner import build, decide, deliver, record
from pipemon.warehouse import (
    SettingsError,
    Warehouse,
    WarehouseError,
    WarehouseSettings,
    open_warehouse,
    resolve,
)

EXIT_CLEAR, EXIT_WARN, EXIT_FAIL, EXIT_MONITOR = 0, 1, 2, 3
EXIT_CODES = {
    EXIT_CLEAR: "all clear: every test passed",
    EXIT_WARN: "warnings only: some tests warned, none failed",
    EXIT_FAIL: "failures: at least one test failed at error severity (alerted or counted)",
    EXIT_MONITOR: "the monitoring itself failed: invalid or missing config, unknown var, dbt "
    "error, errored model/test, warehouse missing or unwritable, freshness not checkable, "
    "results not from this project, or an alert no enabled channel took or could deliver",
}
OUTCOMES = {
    EXIT_CLEAR: "clear",
    EXIT_WARN: "warn",
    EXIT_FAIL: "fail",
    EXIT_MONITOR: "monitor_error",
}

Clock = Callable[[], dt.datetime]
Log = Callable[[str], None]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class RunOptions:
    command: str = "run"  # run: dbt build then alert; alert: from the last results
    target: str | None = None
    select: list[str] = field(default_factory=list)
    selector: str | None = None  # a YAML selector of selectors.yml, instead of select
    exclude: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    vars_error: str | None = None  # --vars that could not be read (the command line's words)
    dry_run: bool = False
    summary: bool = False
    samples: bool | None = None  # None: config/alerts.yml decides
    max_rows: int | None = None
    freshness: bool | None = None
    full_refresh: bool = False  # rebuild every incremental mart and seed (a backtest's first run)
    config_path: Path | None = None

    @property
    def dbt_selection(self) -> list[str]:
        """The selection as dbt arguments: `--selector NAME`, `--select ...`, or none."""
        if self.selector:
            return ["--selector", self.selector]
        return ["--select", *self.select] if self.select else []

    @property
    def selection_label(self) -> str | None:
        """The selection as monitor_runs records it (`selector:NAME`; null: everything)."""
        return f"selector:{self.selector}" if self.selector else " ".join(self.select) or None


@dataclass
class RunReport:
    run_id: str
    exit_code: int
    findings: list[Finding] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    sent: int = 0
    suppressed: int = 0
    pending: int = 0
    resolved: int = 0
    incidents_opened: int = 0
    dbt_seconds: float = 0.0
    runner_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.exit_code]

    def alerts_json(self) -> dict[str, Any]:
        return {"alerts": [f.to_json(render.subject(f)) for f in self.findings]}


def state_file(settings: WarehouseSettings | None, suffix: str) -> Path:
    base = settings.state_base if settings else project.duckdb_path()
    return base.with_name(base.stem + suffix)


def _eastern_date(now: dt.datetime) -> str:
    return now.astimezone(project.pipeline_zone()).date().isoformat()


def exit_code(findings: list[Finding], *, pending_failed: bool) -> int:
    # the monitor's own warnings (its cost) are warnings, not a monitoring failure
    if pending_failed or any(f.source == "monitor" and f.severity == "error" for f in findings):
        return EXIT_MONITOR
    if any(f.severity == "error" for f in findings):
        return EXIT_FAIL
    if any(f.severity == "warn" for f in findings):
        return EXIT_WARN
    return EXIT_CLEAR


class Runner:
    def __init__(self, options: RunOptions, *, clock: Clock = utc_now, log: Log | None = None):
        self.options = options
        self.clock = clock
        self.config_error: str | None = None
        try:
            self.cfg = config.load(options.config_path)
        except config.ConfigError as exc:
            self.config_error = str(exc)
            self.cfg = config.salvage_channels(options.config_path)
        self.redact = self.cfg.redactor
        self._log = log or (lambda line: None)
        self.run_id = uuid.uuid4().hex
        self.problems: list[Finding] = []
        self.judged: set[str] = set()
        self.report = RunReport(self.run_id, EXIT_CLEAR)
        secret_filter = self.redact.logging_filter()
        for name in ("", "apprise", "pipemon"):
            logger = logging.getLogger(name)
            for old in [f for f in logger.filters if type(f).__name__ == "_Filter"]:
                logger.removeFilter(old)
            logger.addFilter(secret_filter)

    def log(self, line: str) -> None:
        self._log(self.redact(line))

    def problem(self, finding: Finding) -> None:
        finding.detail = self.redact(finding.detail)
        self.problems.append(finding)
        self.log(f"monitoring problem: {finding.description}: {finding.detail}")

    # -- the run -------------------------------------------------------------------------------
    def execute(self) -> RunReport:
        t0 = self._t0 = time.perf_counter()
        if self.config_error is not None:
            return self._config_failed()
        try:
            settings: WarehouseSettings | None = resolve(self.options.target, self.options.vars)
        except SettingsError as exc:
            settings = None
            self.problem(_monitor("profile", "dbt profile/target unusable", str(exc)))
        try:
            lock = RunLock(state_file(settings, ".lock"), self.cfg.lock_timeout_seconds)
            with lock:
                self._locked(settings)
        except LockTimeout as exc:
            self.log(str(exc))
            self.report.exit_code = EXIT_MONITOR
            self.report.notes.append(str(exc))
        except OSError as exc:
            self._fault(exc)
        total = time.perf_counter() - t0
        self.report.runner_seconds = total - self.report.dbt_seconds
        return self.report

    def _fault(self, exc: OSError) -> None:
        """The disk around the warehouse refused us (read-only or full directory, a file that
        cannot be created): a monitoring failure, said on every channel that works, exit 3."""
        finding = _monitor(
            "warehouse_directory",
            "cannot write beside the warehouse",
            f"{exc.strerror or exc} ({exc.filename or 'warehouse directory'}): "
            "is the directory read-only or the disk full?",
            "Make the warehouse directory writable with free space, then `pipemon run` again",
        )
        self.problem(finding)
        subject = render.subject(finding)
        body = render.incident_body("-", finding, [], now=self.clock())
        if not self.options.dry_run:
            deliver.announce(self.cfg, subject, body, self.log)
        self.report.findings = [*self.report.findings, finding]
        self.report.exit_code = EXIT_MONITOR
        self.report.notes.append(f"{finding.description}: {finding.detail}")

    def _config_failed(self) -> RunReport:
        """The config is missing or invalid: nothing can be routed or trusted. Say so on every
        channel the file still names that works, and on stderr, and exit 3."""
        finding = _monitor(
            "config",
            "alert config invalid",
            self.config_error or "",
            "Fix it; `pipemon config check` explains every problem",
        )
        self.problem(finding)
        subject = render.subject(finding)
        body = render.incident_body("-", finding, [], now=self.clock())
        reached = 0 if self.options.dry_run else deliver.announce(self.cfg, subject, body, self.log)
        self.log(f"config problem announced on {reached} channel(s); nothing else was run")
        self.report.findings = [finding]
        self.report.exit_code = EXIT_MONITOR
        return self.report

    def _open(self, settings: WarehouseSettings | None, spool: Spool) -> Warehouse | None:
        if settings is None:
            return None
        if settings.type == "duckdb" and settings.path is not None and not settings.path.is_file():
            self.problem(
                _monitor(
                    "warehouse_missing",
                    "warehouse file missing",
                    f"{settings.path} does not exist (target {settings.target_name})",
                    "Restore the file or run `pipemon generate`; dbt was not run",
                )
            )
            return None
        wh = open_warehouse(settings)
        try:
            wh.ensure_tables()
            if spool and not self.options.dry_run:
                for table in ("monitor_runs", "alert_log", "incident_events"):
                    wh.insert_rows(table, spool.rows(table))
                self.log(f"flushed {len(spool.entries)} spooled rows into the warehouse")
                spool.entries = []
                spool.save()
        except WarehouseError as exc:
            self.problem(_monitor("warehouse", "warehouse unreachable", str(exc)))
            wh.close()
            return None
        self.judged.add(MONITOR_PREFIX + "warehouse")
        self.judged.add(MONITOR_PREFIX + "warehouse_missing")
        return wh

    def _lost(self, exc: Exception) -> None:
        self.judged.discard(MONITOR_PREFIX + "warehouse")
        self.problem(_monitor("warehouse", "warehouse cannot be written", str(exc)))

    def _locked(self, settings: WarehouseSettings | None) -> None:
        opts, cfg = self.options, self.cfg
        now = self.clock()
        spool = Spool(state_file(settings, ".alert_spool.jsonl"))
        wh = self._open(settings, spool)
        store = record.Store(wh, spool, self._lost)
        run_row = {
            "run_id": self.run_id,
            "command": opts.command,
            "target_name": settings.target_name if settings else opts.target,
            "selection": opts.selection_label,
            "exclusion": " ".join(opts.exclude) or None,
            "vars": json.dumps(opts.vars) if opts.vars else None,
            "outcome": "running",
            "started_at": now,
        }
        if not opts.dry_run:
            store.write(lambda s: s.insert_rows("monitor_runs", [run_row]))
        since = now - dt.timedelta(days=cfg.history_days)
        state = incidents.fold(store.read(lambda s: s.incident_events(since)))
        open_dates = sorted({d for i in state.values() if not i.finished for d in i.open_dates()})

        # 1. build (or read the last build)
        declared = project.declared_vars()
        unknown = build.unknown_vars(opts.vars, declared)
        bad_vars = [opts.vars_error] if opts.vars_error else []
        bad_vars += unknown + validate.invalid_vars(opts.vars, declared)
        if bad_vars:
            why = "dbt would ignore them silently" if unknown else "refused before SQL"
            self.problem(
                _monitor(
                    "vars",
                    "unknown dbt vars" if unknown else "invalid dbt vars",
                    "; ".join(bad_vars) + f" ({why}; nothing was run)",
                    "Fix the --vars; `pipemon config check --vars ...` lists the known ones",
                )
            )
        else:
            self.judged.add(MONITOR_PREFIX + "vars")
        last_built = None  # read while the warehouse is open, and only for a build
        cost_baseline: list[int] = []
        if opts.command == "run":
            last_built = build.built_date(store.read(lambda s: s.last_run(everything=True)))
            if wh is not None and not store.is_spool and cost.RUNS_VAR in declared:
                cost_baseline = cost.history(
                    wh,
                    command=opts.command,
                    target=settings.target_name if settings else opts.target,
                    selection=opts.selection_label,
                    runs=int(declared[cost.RUNS_VAR]),
                )
        if wh is not None and opts.command == "run":
            wh.close()  # DuckDB: let dbt have the file
        can_build = (
            settings is not None
            and not bad_vars
            and not any(p.check_id == MONITOR_PREFIX + "warehouse_missing" for p in self.problems)
        )
        built = build.Built()
        if opts.command == "run" and can_build:
            run_vars = dict(opts.vars)
            if "as_of" in declared and not run_vars.get("as_of"):
                # dbt judges from the runner's clock, so both agree on the window
                run_vars["as_of"] = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            if "monitor_open_dates" in declared and open_dates:
                run_vars["monitor_open_dates"] = open_dates
            if "monitor_last_built_date" in declared and last_built:
                # after an outage of the monitor, the daily build rewrites the days it missed
                run_vars.setdefault("monitor_last_built_date", last_built)
            freshness = cfg.freshness if opts.freshness is None else opts.freshness
            built = build.build(
                opts.target,
                run_vars,
                [*opts.dbt_selection, *(["--full-refresh"] if opts.full_refresh else [])],
                opts.exclude,
                freshness,
                retry_after_seconds=cfg.transient_retry_seconds,
            )
            if built.retry_reason is not None:
                self.report.notes.append(
                    self.redact(
                        f"dbt build hit a transient warehouse error; dbt retry reran "
                        f"{built.retried_nodes} failed and skipped nodes: "
                        + " ".join(built.retry_reason.split())[:300]
                    )
                )
                self.log(self.report.notes[-1])
        elif opts.command == "alert" and not bad_vars:
            built = build.last_results(settings)
        self.report.dbt_seconds += built.dbt_seconds
        for p in built.problems:
            self.problem(p)
        self.judged |= built.judged

        # 2. judge
        judgement = Judgement()
        if built.results is not None and built.manifest is not None:
            samples = cfg.samples if opts.samples is None else opts.samples
            max_rows = cfg.max_rows if opts.max_rows is None else opts.max_rows
            reader = None
            if not store.is_spool and wh is not None:
                reader = wh.read_relation
            judgement = judge(
                built.results,
                built.manifest,
                reader,
                max_rows=max_rows,
                samples=samples and max_rows > 0,
            )
            if built.sources is not None:
                not_due: dict[str, str] = {}
                if wh is not None and not store.is_spool:
                    day = build.as_of({**declared, **built.vars}, now).astimezone(
                        project.pipeline_zone()
                    )
                    not_due = build.freshness_not_due(
                        wh, day.date().isoformat(), built.sources, built.manifest
                    )
                judge_freshness(built.sources, built.manifest, judgement, not_due=not_due)
            self.judged |= judgement.judged
        for finding in judgement.findings:
            finding.detail = self.redact(finding.detail)
        resolved_vars = {**declared, **built.vars}
        priced = cost.judge(built.bytes_billed, cost_baseline, resolved_vars)
        if priced.judged:
            self.judged.add(cost.CHECK_ID)
        warnings = [priced.finding] if priced.finding else []
        findings = self._unique(judgement.findings + self.problems + warnings)
        self.report.findings = findings
        judged_dates = build.judged_dates(
            resolved_vars, now, [str(d) for d in resolved_vars.get("monitor_open_dates") or []]
        )

        # 3. decide
        plan = decide.make_plan(
            findings,
            {} if opts.dry_run else state,
            judged_checks=self.judged,
            judged_dates=judged_dates,
            now=now,
            resolved_vars=resolved_vars,
        )
        history: dict[str, list[policy.Event]] = {}
        if not opts.dry_run:
            history = policy.group_history(store.read(lambda s: s.alert_history(since)))
        samples_on = cfg.samples if opts.samples is None else opts.samples
        messages = decide.messages(cfg, plan, history, now, samples=samples_on)
        if opts.summary:
            messages.append(self._summary(judgement, findings, now))
        for i, message in enumerate(messages):  # sortable ids: delivery follows this order
            message.alert_id = f"{now:%Y%m%d%H%M%S}{i:04d}{uuid.uuid4().hex[:12]}"
        self.report.messages = messages
        self.report.incidents_opened = len(plan.opened)
        if opts.dry_run:
            self.report.exit_code = exit_code(findings, pending_failed=False)
            return

        # 4. record
        rows, digests, unrouted = record.rows_for(cfg, messages, self.run_id, now)
        if unrouted:
            problem = record.unrouted_problem(unrouted[0])
            self.problem(problem)
            findings.append(problem)
            alarm = Message(
                kind="alert",
                finding=problem,
                subject=render.subject(problem),
                body=self.redact(render.incident_body("-", problem, [], now=now)),
            )
            alarm.alert_id = f"{now:%Y%m%d%H%M%S}9999{uuid.uuid4().hex[:12]}"
            if not cfg.enabled:
                self.log(f"no channel works; the alert stays on stderr: {unrouted[0].subject}")
            rows += [
                alarm.log_row(run_id=self.run_id, channel=c, status="pending", now=now)
                for c in cfg.enabled
            ]
        else:
            self.judged.add(MONITOR_PREFIX + "routing")
        self.report.messages += digests
        events = [t.row(self.run_id, now) for t in plan.transitions]
        # messages before transitions: a run killed between the two leaves pending messages and
        # an incident the next run opens again (a repeat), never a recorded incident whose first
        # message is gone (a loss)
        store.write(lambda s: s.insert_rows("alert_log", rows))
        store.write(lambda s: s.insert_rows("incident_events", events))
        if judgement.test_rows and not store.is_spool:
            test_rows = [{**r, "run_id": self.run_id} for r in judgement.test_rows]
            store.write(lambda s: s.insert_rows("test_results", test_rows))
        self.report.suppressed = sum(1 for m in messages if m.kind == "suppressed")
        self.report.resolved = sum(1 for m in messages if m.kind == "resolved")

        # 5. deliver
        delivered = deliver.deliver(cfg, store, self.run_id, now, self.clock, self.log)
        self.report.sent += delivered.sent
        self.report.pending += delivered.failed
        self.report.exit_code = exit_code(findings, pending_failed=delivered.failed > 0)

        # run log + heartbeat
        values = {
            "dbt_invocation_id": judgement.invocation_id,
            "outcome": self.report.outcome,
            "exit_code": self.report.exit_code,
            "error_message": self.redact("; ".join(p.description for p in self.problems)) or None,
            "vars": json.dumps(built.vars) if built.vars else run_row["vars"],
            "tests_total": judgement.tests_total,
            "tests_passed": judgement.tests_passed,
            "tests_warned": judgement.tests_warned,
            "tests_failed": judgement.tests_failed,
            "nodes_errored": judgement.nodes_errored,
            "alerts_sent": self.report.sent,
            "alerts_suppressed": self.report.suppressed,
            "alerts_pending": self.report.pending,
            "dbt_seconds": round(self.report.dbt_seconds, 3),
            "runner_seconds": round(time.perf_counter() - self._t0 - self.report.dbt_seconds, 3),
            "dbt_retry_reason": self.redact(built.retry_reason)[:1000] or None,
            "dbt_retried_nodes": built.retried_nodes,
            "bytes_billed": built.bytes_billed,
            "completed_at": self.clock(),
        }
        store.write(lambda s: s.update_run(self.run_id, values))
        if wh is not None:
            wh.close()
        if cfg.heartbeat_url and self.report.exit_code != EXIT_MONITOR:
            try:
                heartbeat.ping(
                    cfg.heartbeat_url, self.report.exit_code, cfg.delivery_timeout_seconds
                )
            except Exception as exc:  # noqa: BLE001 - a failed ping never fails the run
                self.log(f"heartbeat failed: {exc}")

    _t0 = 0.0

    @staticmethod
    def _unique(findings: list[Finding]) -> list[Finding]:
        seen: dict[str, Finding] = {}
        for finding in findings:
            seen.setdefault(finding.signature, finding)
        return sorted(
            seen.values(),
            key=lambda f: (
                incidents.SEVERITY_ORDER.get(f.severity, 9),
                f.game_date or "",
                f.signature,
            ),
        )

    def _summary(self, judgement: Judgement, findings: list[Finding], now: dt.datetime) -> Message:
        day = _eastern_date(now)
        monitor_ok = not any(f.source == "monitor" for f in findings)
        title, text = render.summary(day, judgement.checks, monitor_ok=monitor_ok)
        finding = Finding(
            source="summary",
            check_id="pipemon.summary",
            check_name="morning summary",
            severity="info",
            description=f"pipeline health {day}",
            owner="pipemon",
            game_date=day,
        )
        return Message(kind="summary", finding=finding, subject=title, body=self.redact(text))


def execute(options: RunOptions, *, clock: Clock = utc_now, log: Log | None = None) -> RunReport:
    """Run the monitor once (the library entry point behind `pipemon run` / `pipemon alert`)."""
    return Runner(options, clock=clock, log=log).execute()
