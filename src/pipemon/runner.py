"""The runner: dbt build -> findings -> deduplicated alerts -> delivered, recorded, never lost.

One run, under a lock beside the warehouse:

1. open the warehouse, create the runner's tables if missing, flush the local spool into it;
2. `dbt build` (and `dbt source freshness`) in-process, unless alerting from the last results;
3. judge the results: one finding per failing test and failing key (game_date, target), plus
   the monitoring's own failures (dbt error, errored nodes, missing warehouse, stale sources);
4. decide per signature from alert history (policy.py): send, aggregate, remind or count;
   open signatures whose check now passes get one "resolved" message;
5. write every message to alert_log as pending (one row per channel), then claim, send and
   mark each delivery; failed deliveries stay pending for the next run;
6. record the run (monitor_runs) and its test results (test_results); ping the heartbeat.

Exit codes: 0 all clear, 1 warnings only, 2 failures alerted, 3 the monitoring itself failed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipemon import dbt, project
from pipemon.alerts import channels, config, heartbeat, policy, render
from pipemon.alerts.findings import MONITOR_PREFIX, Judgement, judge, judge_freshness
from pipemon.alerts.findings import monitor_finding as _monitor
from pipemon.alerts.lock import LockTimeout, RunLock
from pipemon.alerts.model import Finding, Message
from pipemon.alerts.spool import Spool
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
    EXIT_MONITOR: "the monitoring itself failed: dbt error, errored model/test, warehouse "
    "missing or unwritable, freshness not checkable, or an alert could not be delivered",
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
    exclude: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    summary: bool = False
    samples: bool | None = None  # None: config/alerts.yml decides
    max_rows: int | None = None
    freshness: bool | None = None
    config_path: Path | None = None


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
    dbt_seconds: float = 0.0
    runner_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.exit_code]

    def alerts_json(self) -> dict[str, Any]:
        return {"alerts": [f.to_json(render.subject(f)) for f in self.findings]}


def _state_file(settings: WarehouseSettings | None, suffix: str) -> Path:
    base = settings.state_base if settings else project.duckdb_path()
    return base.with_name(base.stem + suffix)


def _eastern_date(now: dt.datetime) -> str:
    try:
        from zoneinfo import ZoneInfo

        return now.astimezone(ZoneInfo("America/New_York")).date().isoformat()
    except Exception:  # noqa: BLE001 - no tz database: fixed offset is close enough for a title
        return (now - dt.timedelta(hours=5)).date().isoformat()


def _route_attrs(message: Message) -> dict[str, list[str]]:
    f = message.finding
    return {
        "severity": [f.severity],
        "owner": [f.owner],
        "tag": list(f.tags),
        "source": [f.source],
        "kind": [message.kind],
        "test": [f.check_name],
    }


def _artifacts(since: float | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """run_results.json and manifest.json from target/ (None when missing or older than since)."""
    target = dbt.target_path()
    results, manifest = target / "run_results.json", target / "manifest.json"
    if not results.is_file() or not manifest.is_file():
        return None, None, f"no dbt results in {target} (run `pipemon run` first)"
    if since is not None and results.stat().st_mtime < since:
        return None, None, "dbt wrote no new results"
    return json.loads(results.read_text()), json.loads(manifest.read_text()), ""


class Runner:
    def __init__(self, options: RunOptions, *, clock: Clock = utc_now, log: Log | None = None):
        self.options = options
        self.clock = clock
        self.cfg = config.load(options.config_path)
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
        try:
            settings: WarehouseSettings | None = resolve(self.options.target, self.options.vars)
        except SettingsError as exc:
            settings = None
            self.problem(_monitor("profile", "dbt profile/target unusable", str(exc)))
        try:
            lock = RunLock(_state_file(settings, ".lock"), self.cfg.lock_timeout_seconds)
            with lock:
                self._locked(settings)
        except LockTimeout as exc:
            self.log(str(exc))
            self.report.exit_code = EXIT_MONITOR
            self.report.notes.append(str(exc))
        total = time.perf_counter() - t0
        self.report.runner_seconds = total - self.report.dbt_seconds
        return self.report

    def _locked(self, settings: WarehouseSettings | None) -> None:
        opts, cfg = self.options, self.cfg
        now = self.clock()
        spool = Spool(_state_file(settings, ".alert_spool.jsonl"))
        wh = self._open(settings, spool)
        store: Warehouse | Spool = wh if wh is not None else spool
        run_row = {
            "run_id": self.run_id,
            "command": opts.command,
            "target_name": settings.target_name if settings else opts.target,
            "selection": " ".join(opts.select) or None,
            "exclusion": " ".join(opts.exclude) or None,
            "vars": json.dumps(opts.vars) if opts.vars else None,
            "outcome": "running",
            "started_at": now,
        }
        if not opts.dry_run:
            store = self._write(store, spool, lambda s: s.insert_rows("monitor_runs", [run_row]))
        if wh is not None and opts.command == "run":
            wh.close()  # DuckDB: let dbt have the file

        judgement = Judgement()
        can_build = settings is not None and not any(
            p.check_id == MONITOR_PREFIX + "warehouse_missing" for p in self.problems
        )
        results = manifest = None
        if opts.command == "run" and can_build:
            results, manifest = self._build()
        elif opts.command == "alert":
            results, manifest, why = _artifacts(None)
            if results is None:
                self.problem(_monitor("artifacts", "no dbt results to alert from", why))
        if results is not None and manifest is not None:
            samples = cfg.samples if opts.samples is None else opts.samples
            max_rows = cfg.max_rows if opts.max_rows is None else opts.max_rows
            reader = wh.read_relation if wh is not None else None
            judgement = judge(
                results, manifest, reader, max_rows=max_rows, samples=samples and max_rows > 0
            )
            self.judged |= judgement.judged
            if opts.command == "run" and self._freshness_ran:
                sources = dbt.target_path() / "sources.json"
                if sources.is_file():
                    judge_freshness(json.loads(sources.read_text()), manifest, judgement)
                    self.judged |= judgement.judged
        for finding in judgement.findings:
            finding.detail = self.redact(finding.detail)
        findings = self._unique(judgement.findings + self.problems)
        self.report.findings = findings

        if opts.dry_run:
            self.report.messages = [
                self._message("alert", f, policy.Decision("alert", 1, now, 0), now)
                for f in findings
            ]
            self.report.exit_code = self._exit_code(findings, pending_failed=False)
            return

        # decide
        since = now - dt.timedelta(days=cfg.history_days)
        history: list[dict[str, Any]] = []
        try:
            history = store.alert_history(since)
        except WarehouseError as exc:
            store = self._lost_warehouse(spool, exc)
            history = spool.alert_history(since)
        events = policy.group_history(history)
        messages = [
            self._message(
                "",
                f,
                policy.decide(
                    policy.current_episode(events.get(f.signature, []), now, cfg.limits),
                    now,
                    cfg.limits,
                ),
                now,
            )
            for f in findings
        ]
        messages += self._resolved(events, {f.signature for f in findings}, now)
        if opts.summary:
            messages.append(self._summary(judgement, findings, now))
        self.report.messages = messages

        # record, then deliver
        rows: list[dict[str, Any]] = []
        for message in messages:
            if message.kind == "suppressed":
                rows.append(
                    message.log_row(run_id=self.run_id, channel=None, status="suppressed", now=now)
                )
                continue
            names = [c for c in cfg.channels_for(_route_attrs(message)) if cfg.channels[c].url]
            if not names:
                self.log(f"no enabled channel for: {message.subject}")
                rows.append(
                    message.log_row(run_id=self.run_id, channel=None, status="no_channel", now=now)
                )
            for name in names:
                rows.append(
                    message.log_row(run_id=self.run_id, channel=name, status="pending", now=now)
                )
        store = self._write(store, spool, lambda s: s.insert_rows("alert_log", rows))
        if judgement.test_rows and not isinstance(store, Spool):
            test_rows = [{**r, "run_id": self.run_id} for r in judgement.test_rows]
            store = self._write(store, spool, lambda s: s.insert_rows("test_results", test_rows))
        self.report.suppressed = sum(1 for m in messages if m.kind == "suppressed")
        self.report.resolved = sum(1 for m in messages if m.kind == "resolved")
        failed = self._deliver(store, spool, now)
        self.report.exit_code = self._exit_code(findings, pending_failed=failed > 0)

        # run log + heartbeat
        end = self.clock()
        values = {
            "dbt_invocation_id": judgement.invocation_id,
            "outcome": self.report.outcome,
            "exit_code": self.report.exit_code,
            "error_message": self.redact("; ".join(p.description for p in self.problems)) or None,
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
            "completed_at": end,
        }
        self._write(store, spool, lambda s: s.update_run(self.run_id, values))
        if wh is not None:
            wh.close()
        if cfg.heartbeat_url and self.report.exit_code != EXIT_MONITOR:
            try:
                heartbeat.ping(
                    cfg.heartbeat_url, self.report.exit_code, cfg.delivery_timeout_seconds
                )
            except Exception as exc:  # noqa: BLE001 - a failed ping never fails the run
                self.log(f"heartbeat failed: {exc}")

    # -- steps -----------------------------------------------------------------------------------
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
                for table in ("monitor_runs", "alert_log"):
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

    _freshness_ran = False
    _t0 = 0.0

    def _build(self) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        opts = self.options
        extra: list[str] = []
        if opts.select:
            extra += ["--select", *opts.select]
        if opts.exclude:
            extra += ["--exclude", *opts.exclude]
        started = time.time()
        t0 = time.perf_counter()
        outcome = dbt.invoke(["build"], target=opts.target, vars_=opts.vars or None, extra=extra)
        self.report.dbt_seconds += time.perf_counter() - t0
        if outcome.exception is not None:
            self.problem(_monitor("dbt", "dbt build failed to run", str(outcome.exception)))
        else:
            self.judged.add(MONITOR_PREFIX + "dbt")
        results, manifest, why = _artifacts(started)
        if outcome.exception is None and not outcome.success and results is not None:
            statuses = {str(r.get("status")) for r in results.get("results", [])}
            if not statuses & {"fail", "warn", "error"}:
                self.problem(
                    _monitor(
                        "dbt",
                        "dbt build failed",
                        "dbt reported failure without a failing node; see its log",
                    )
                )
        if results is None:
            if outcome.exception is None:
                self.problem(_monitor("dbt", "dbt build wrote no results", why))
            return None, None
        freshness = self.cfg.freshness if opts.freshness is None else opts.freshness
        if freshness and outcome.exception is None:
            t0 = time.perf_counter()
            fresh = dbt.invoke(
                ["source", "freshness"], target=opts.target, vars_=opts.vars or None, extra=extra
            )
            self.report.dbt_seconds += time.perf_counter() - t0
            if fresh.exception is not None:
                self.problem(
                    _monitor("freshness", "dbt source freshness failed", str(fresh.exception))
                )
            else:
                self._freshness_ran = True
                self.judged.add(MONITOR_PREFIX + "freshness")
        return results, manifest

    def _write(
        self, store: Warehouse | Spool, spool: Spool, action: Callable[[Any], object]
    ) -> Warehouse | Spool:
        """Do a write on the store; on a warehouse failure, switch to the spool and redo it."""
        try:
            action(store)
            return store
        except WarehouseError as exc:
            if isinstance(store, Spool):
                raise
            new = self._lost_warehouse(spool, exc)
            action(new)
            return new

    def _lost_warehouse(self, spool: Spool, exc: Exception) -> Spool:
        self.judged.discard(MONITOR_PREFIX + "warehouse")
        self.problem(_monitor("warehouse", "warehouse cannot be written", str(exc)))
        return spool

    @staticmethod
    def _unique(findings: list[Finding]) -> list[Finding]:
        seen: dict[str, Finding] = {}
        for finding in findings:
            seen.setdefault(finding.signature, finding)
        return list(seen.values())

    def _message(
        self, kind: str, finding: Finding, decision: policy.Decision, now: dt.datetime
    ) -> Message:
        kind = kind or decision.kind
        samples = self.cfg.samples if self.options.samples is None else self.options.samples
        text = render.body(
            finding,
            kind=kind,
            samples=samples,
            occurrence=decision.occurrence,
            first_seen=decision.first_seen,
            suppressed=decision.suppressed_count,
            now=now,
        )
        return Message(
            kind=kind,
            finding=finding,
            subject=render.subject(finding, kind, decision.occurrence),
            body=self.redact(text),
            occurrence=decision.occurrence,
        )

    def _resolved(
        self, events: Mapping[str, list[policy.Event]], failing: set[str], now: dt.datetime
    ) -> list[Message]:
        out = []
        for signature, evs in events.items():
            if signature in failing or not policy.is_open(evs):
                continue
            last = next(
                (e for e in reversed(evs) if e.kind in policy.SENT_KINDS and e.payload), None
            )
            if last is None or last.payload is None:
                continue
            finding = Finding.from_payload(json.loads(last.payload))
            if finding.check_id not in self.judged:
                continue  # its check did not run to a verdict this time: no news
            after_resolve = [e for e in evs if e.kind == "resolved"]
            start = after_resolve[-1].at if after_resolve else None
            first = next(
                (
                    e.at
                    for e in evs
                    if e.kind in policy.OCCURRENCE_KINDS and (start is None or e.at > start)
                ),
                None,
            )
            decision = policy.Decision("resolved", 0, first or now, 0)
            out.append(self._message("resolved", finding, decision, now))
        return out

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

    def _deliver(self, store: Warehouse | Spool, spool: Spool, now: dt.datetime) -> int:
        """Send every pending delivery (this run's and earlier ones). Returns failures."""
        cfg = self.cfg
        stale = now - dt.timedelta(minutes=cfg.claim_stale_minutes)
        try:
            pending = store.pending_deliveries(stale)
            sendable = [
                r
                for r in pending
                if r.get("channel") in cfg.channels and cfg.channels[str(r["channel"])].url
            ]
            for row in pending:
                if row not in sendable:
                    self.log(
                        f"delivery {row['delivery_id']} waits: channel "
                        f"{row.get('channel')} not configured/enabled"
                    )
            claimed = set(
                store.claim_deliveries(
                    [str(r["delivery_id"]) for r in sendable], self.run_id, now, stale
                )
            )
        except WarehouseError as exc:
            self.log(f"cannot claim deliveries: {exc}")
            return 1
        failed = 0
        for row in sendable:
            delivery_id = str(row["delivery_id"])
            if delivery_id not in claimed:
                continue
            name = str(row["channel"])
            channel_cfg = cfg.channels[name]
            assert channel_cfg.url is not None
            error: str | None = None
            try:
                channel = channels.build(name, channel_cfg.url, cfg.delivery_timeout_seconds)
                channel.send(
                    channels.Outbound(
                        subject=str(row["subject"]),
                        body=str(row["body"]),
                        severity=str(row["severity"]),
                        kind=str(row["kind"]),
                    )
                )
            except Exception as exc:  # noqa: BLE001 - any failure keeps the delivery pending
                error = self.redact(str(exc)) or type(exc).__name__
            done = self.clock()
            try:
                store.finish_delivery(
                    delivery_id, self.run_id, sent=error is None, error=error, now=done
                )
            except WarehouseError as exc:
                self.log(f"cannot record delivery {delivery_id}: {exc}")
            if error is None:
                self.report.sent += 1
                self.log(f"sent via {name}: {row['subject']}")
            else:
                failed += 1
                self.report.pending += 1
                self.log(f"delivery via {name} failed, stays pending: {error}")
        return failed

    def _exit_code(self, findings: list[Finding], *, pending_failed: bool) -> int:
        if pending_failed or any(f.source == "monitor" for f in findings):
            return EXIT_MONITOR
        if any(f.severity == "error" for f in findings):
            return EXIT_FAIL
        if any(f.severity == "warn" for f in findings):
            return EXIT_WARN
        return EXIT_CLEAR


def execute(options: RunOptions, *, clock: Clock = utc_now, log: Log | None = None) -> RunReport:
    """Run the monitor once (the library entry point behind `pipemon run` / `pipemon alert`)."""
    return Runner(options, clock=clock, log=log).execute()
