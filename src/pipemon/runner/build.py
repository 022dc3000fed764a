"""Step 1 of a run: the dbt results to judge, and the vars and dates they judged.

`pipemon run` builds (dbt build, then dbt source freshness) in-process; `pipemon alert` reads
the last results from target/, but only results of a `dbt build` of this project on this
warehouse (not `dbt docs generate`, not another project's, not another warehouse's).

A build whose every error is a transient warehouse error (BigQuery 5xx, `rateLimitExceeded`,
`backendError`; a DuckDB file locked by another process) is not a monitoring failure yet: after
`transient_retry_seconds` it runs `dbt retry` (the failed and skipped nodes only, in-process)
and its results complete the build's; only an error that survives the retry is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from pipemon import cost, dbt, project
from pipemon.alerts.findings import monitor_finding
from pipemon.alerts.model import Finding
from pipemon.alerts.schema import suggest
from pipemon.warehouse import WarehouseSettings

# vars dbt itself or the tests set that the project does not declare
EXTRA_VARS = ("offline_incremental",)
# Errors worth one more try: BigQuery's retryable errors (its 5xx answers, `backendError`,
# `internalError`, `rateLimitExceeded`: the per-table or per-project rate limits, unlike the
# daily `quotaExceeded`) and DuckDB's file lock held by another process.
TRANSIENT = re.compile(
    r"rateLimitExceeded|backendError|internalError|Exceeded rate limits"
    r"|Retrying may solve the problem"
    r"|\b50[0234] (?:GET|POST|PUT|PATCH|DELETE|Internal|Bad Gateway|Service|Gateway|Server)"
    r"|(?:InternalServerError|ServiceUnavailable|BadGateway|GatewayTimeout|TooManyRequests): \d{3}"
    r"|Could not set lock on file|Conflicting lock is held",
)
ERROR_STATUSES = ("error", "runtime error")


def selector_names() -> list[str]:
    """The names of the project's YAML selectors (selectors.yml; none when it has none)."""
    path = project.project_dir() / "selectors.yml"
    data = yaml.safe_load(path.read_text()) if path.is_file() else None
    entries = data.get("selectors") if isinstance(data, dict) else None
    return [str(e["name"]) for e in entries or [] if isinstance(e, dict) and "name" in e]


def unknown_vars(given: Mapping[str, Any], declared: Mapping[str, Any]) -> list[str]:
    """One line per var the project does not declare (dbt would silently ignore it)."""
    known = [*declared, *EXTRA_VARS]
    return [f"unknown var {name!r}{suggest(name, known)}" for name in given if name not in known]


def as_of(resolved: Mapping[str, Any], now: dt.datetime) -> dt.datetime:
    """The moment the run judged from: var as_of (UTC) when set, else the clock."""
    text = str(resolved.get("as_of") or "").strip()
    if not text:
        return now
    moment = dt.datetime.fromisoformat(text.replace("T", " "))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def built_date(run: Mapping[str, Any] | None) -> str | None:
    """The ET date of the moment a recorded run built as of (its vars' as_of, else when it
    started), 'YYYY-MM-DD'; None without a run or a moment."""
    started = run.get("started_at") if run else None
    if not isinstance(started, dt.datetime):
        return None
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    try:
        recorded = json.loads(run.get("vars") or "{}") if run else None
        moment = as_of(recorded if isinstance(recorded, dict) else {}, started)
    except ValueError:  # unreadable vars or as_of: when it started
        moment = started
    return moment.astimezone(project.pipeline_zone()).date().isoformat()


def judged_dates(
    resolved: Mapping[str, Any], now: dt.datetime, open_dates: list[str]
) -> set[str] | None:
    """ET dates the alert tests judged: the lookback window ending at as_of's date, plus the
    open incidents' dates. None when the project has no window (every date is judged)."""
    if "monitor_lookback_days" not in resolved:
        return None
    end = as_of(resolved, now).astimezone(project.pipeline_zone()).date()
    days = int(resolved["monitor_lookback_days"])
    window = {(end - dt.timedelta(days=i)).isoformat() for i in range(max(days, 1))}
    return window | {d for d in open_dates if d <= end.isoformat()}


@dataclass
class Built:
    results: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None
    sources: dict[str, Any] | None = None  # dbt source freshness results
    problems: list[Finding] = field(default_factory=list)
    judged: set[str] = field(default_factory=set)  # monitor checks that ran to a verdict
    dbt_seconds: float = 0.0
    vars: dict[str, Any] = field(default_factory=dict)  # the vars dbt ran with
    retry_reason: str | None = None  # the transient error that made the runner retry
    retried_nodes: int | None = None  # nodes `dbt retry` reran (None: no retry)
    bytes_billed: int | None = None  # what dbt's queries billed (None: not reported)


def _read(path_name: str) -> dict[str, Any] | None:
    path = dbt.target_path() / path_name
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def transient_error(results: Mapping[str, Any] | None, exception: object) -> str | None:
    """The first error message, if the build failed and every error in it is transient."""
    if results is None:
        text = str(exception or "")
        return text if exception is not None and TRANSIENT.search(text) else None
    errors = [
        str(r.get("message") or "")
        for r in results.get("results", [])
        if str(r.get("status")) in ERROR_STATUSES
    ]
    if exception is not None:
        errors.append(str(exception))
    if errors and all(TRANSIENT.search(e) for e in errors):
        return errors[0]
    return None


def _retryable(results: Mapping[str, Any]) -> set[str]:
    """The nodes `dbt retry` reruns: errored, failed and skipped ones (not operations)."""
    statuses = {*ERROR_STATUSES, "fail", "skipped", "partial success"}
    return {
        str(r["unique_id"])
        for r in results.get("results", [])
        if str(r.get("status")) in statuses and not str(r["unique_id"]).startswith("operation.")
    }


def merged(first: dict[str, Any], retry: dict[str, Any], rerun: set[str]) -> dict[str, Any]:
    """The build's results completed by the retry's: the retry's result for every node it
    reran, the build's for the rest; the retry's metadata (its manifest is the one on disk)."""
    kept = [r for r in first.get("results", []) if str(r.get("unique_id")) not in rerun]
    return {
        **first,
        "metadata": retry.get("metadata") or first.get("metadata"),
        "results": kept + list(retry.get("results", [])),
        "elapsed_time": float(first.get("elapsed_time") or 0)
        + float(retry.get("elapsed_time") or 0),
    }


def _invoke_build(
    target: str | None, vars_: dict[str, Any], extra: list[str], out: Built
) -> tuple[dbt.DbtOutcome, dict[str, Any] | None, dict[str, Any] | None]:
    """One `dbt build`: its outcome and its fresh results and manifest (None when it wrote none)."""
    started = time.time()
    t0 = time.perf_counter()
    # unit tests check the SQL against fixed rows: `make test` and CI run them, the monitor's
    # scheduled builds judge the warehouse
    outcome = dbt.invoke(
        ["build"],
        target=target,
        vars_=vars_ or None,
        extra=[*extra, "--exclude-resource-type", "unit_test"],
    )
    out.dbt_seconds += time.perf_counter() - t0
    results, manifest = _fresh(started)
    out.bytes_billed = cost.add(out.bytes_billed, cost.billed(results))
    return outcome, results, manifest


def _fresh(started: float) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    results_path = dbt.target_path() / "run_results.json"
    if not (results_path.is_file() and results_path.stat().st_mtime >= started):
        return None, None
    return _read("run_results.json"), _read("manifest.json")


def _retry(
    target: str | None,
    vars_: dict[str, Any],
    extra: list[str],
    out: Built,
    outcome: dbt.DbtOutcome,
    results: dict[str, Any] | None,
    manifest: dict[str, Any] | None,
) -> tuple[dbt.DbtOutcome, dict[str, Any] | None, dict[str, Any] | None]:
    """`dbt retry` of a build that wrote results (its failed and skipped nodes), or the build
    again when the transient error stopped it before it wrote any (nothing ran)."""
    if results is None:
        out.retried_nodes = 0
        return _invoke_build(target, vars_, extra, out)
    rerun = _retryable(results)
    out.retried_nodes = len(rerun)
    started = time.time()
    t0 = time.perf_counter()
    # dbt retry takes the build's own arguments (target, selection) from its run_results.json
    again = dbt.invoke(["retry"], vars_=vars_ or None)
    out.dbt_seconds += time.perf_counter() - t0
    retry_results, retry_manifest = _fresh(started)
    if retry_results is None or retry_manifest is None:
        return again, results, manifest
    out.bytes_billed = cost.add(out.bytes_billed, cost.billed(retry_results))
    full = merged(results, retry_results, rerun)
    # `pipemon alert` reads the build's results later: leave the completed ones in target/
    (dbt.target_path() / "run_results.json").write_text(json.dumps(full))
    return again, full, retry_manifest


def build(
    target: str | None,
    vars_: dict[str, Any],
    selection: list[str],
    exclude: list[str],
    freshness: bool,
    retry_after_seconds: float | None = None,
) -> Built:
    """dbt build (and source freshness) in-process, with the same selection (`--select ...` or
    `--selector NAME`; empty: everything). A build failed only by transient warehouse errors
    is retried once (`dbt retry`) after `retry_after_seconds` (None: never)."""
    out = Built(vars=dict(vars_))
    extra: list[str] = list(selection)
    if exclude:
        extra += ["--exclude", *exclude]
    outcome, results, manifest = _invoke_build(target, vars_, extra, out)
    reason = None if outcome.success else transient_error(results, outcome.exception)
    if reason is not None and retry_after_seconds is not None:
        out.retry_reason = reason
        time.sleep(retry_after_seconds)
        outcome, results, manifest = _retry(target, vars_, extra, out, outcome, results, manifest)
    if outcome.exception is not None:
        out.problems.append(
            monitor_finding("dbt", "dbt build failed to run", str(outcome.exception))
        )
    else:
        out.judged.add("pipemon.monitor.dbt")
    if outcome.exception is None and not outcome.success and results is not None:
        statuses = {str(r.get("status")) for r in results.get("results", [])}
        if not statuses & {"fail", "warn", "error"}:
            out.problems.append(
                monitor_finding(
                    "dbt", "dbt build failed", "dbt reported failure without a failing node"
                )
            )
    if results is None or manifest is None:
        if outcome.exception is None:
            out.problems.append(
                monitor_finding(
                    "dbt", "dbt build wrote no results", f"no new results in {dbt.target_path()}"
                )
            )
        return out
    out.results, out.manifest = results, manifest
    if freshness and outcome.exception is None:
        t0 = time.perf_counter()
        fresh = dbt.invoke(["source", "freshness"], target=target, vars_=vars_ or None, extra=extra)
        out.dbt_seconds += time.perf_counter() - t0
        if fresh.exception is not None:
            out.problems.append(
                monitor_finding("freshness", "dbt source freshness failed", str(fresh.exception))
            )
        else:
            out.judged.add("pipemon.monitor.freshness")
            out.sources = _read("sources.json")
            out.bytes_billed = cost.add(out.bytes_billed, cost.billed(out.sources))
    return out


def _catalogs(results: Mapping[str, Any]) -> set[str]:
    """First part of every stored-failures relation name (DuckDB catalog / BigQuery project)."""
    out = set()
    for r in results.get("results", []):
        name = r.get("relation_name")
        if name:
            out.add(str(name).split(".")[0].strip('"`'))
    return out


def last_results(settings: WarehouseSettings | None) -> Built:
    """The last dbt results in target/, if they are a build of this project on this warehouse."""
    out = Built()
    results, manifest = _read("run_results.json"), _read("manifest.json")
    target = dbt.target_path()
    if results is None or manifest is None:
        out.problems.append(
            monitor_finding(
                "artifacts",
                "no dbt results to alert from",
                f"no run_results.json and manifest.json in {target} (run `pipemon run` first)",
            )
        )
        return out
    meta, args = manifest.get("metadata") or {}, results.get("args") or {}
    name = project.dbt_project().get("name")
    reasons = []
    if args.get("which") != "build":
        reasons.append(f"they are from `dbt {args.get('which', '?')}`, not `dbt build`")
    if meta.get("project_name") != name:
        reasons.append(f"they are project {meta.get('project_name')!r}'s, not {name!r}'s")
    invocation = (results.get("metadata") or {}).get("invocation_id")
    if meta.get("invocation_id") != invocation:
        reasons.append("manifest.json and run_results.json are from different invocations")
    if settings is not None:
        if meta.get("adapter_type") != settings.type:
            reasons.append(
                f"they were built on {meta.get('adapter_type')}, this target is {settings.type}"
            )
        expected = (
            settings.path.stem if settings.type == "duckdb" and settings.path else settings.project
        )
        catalogs = _catalogs(results)
        if expected and catalogs and catalogs != {expected}:
            reasons.append(
                f"their stored failures live in {', '.join(sorted(catalogs))}, not in {expected}"
            )
    if reasons:
        out.problems.append(
            monitor_finding(
                "artifacts",
                "dbt results are not from a build of this project on this warehouse",
                f"{target}/run_results.json refused: " + "; ".join(reasons),
                "Run `pipemon run` (it builds and alerts in one go)",
            )
        )
        return out
    out.results, out.manifest = results, manifest
    out.vars = dict(args.get("vars") or {})
    out.judged.add("pipemon.monitor.artifacts")
    return out


def freshness_not_due(
    wh: Any, day: str, sources: Mapping[str, Any], manifest: Mapping[str, Any]
) -> dict[str, str]:
    """The sources of this freshness run whose writers are not due on `day`'s kind of day
    (int_day_kinds: the offseason, a preseason day, the All-Star break), from the log tables'
    registry (`due_on_day_kinds` of seeds/log_table_expectations.csv) and, for every other
    table, var `due_on_day_kinds_default`. Empty when the kind is unknown (then every staleness
    is judged)."""
    import csv

    from pipemon.warehouse import WarehouseError

    try:
        rows = wh.query(
            f"select day_kind from {wh.table('int_day_kinds', wh.schema + '_intermediate')} "
            "where calendar_date = cast(@d as date)",
            {"d": day},
        )
    except WarehouseError:
        return {}
    if not rows or not rows[0].get("day_kind"):
        return {}
    kind = str(rows[0]["day_kind"])
    default = str(project.declared_vars().get("due_on_day_kinds_default") or "")
    due: dict[str, str] = {}
    registry = project.project_dir() / "seeds" / "log_table_expectations.csv"
    if registry.is_file():
        with registry.open(newline="") as handle:
            due = {
                r["source_table"]: r.get("due_on_day_kinds") or default
                for r in csv.DictReader(handle)
            }
    nodes = manifest.get("sources", {})
    out = {}
    for result in sources.get("results", []):
        node = nodes.get(str(result.get("unique_id", "")), {})
        name = f"{node.get('source_name', '?')}.{node.get('name', '?')}"
        kinds = (due.get(name) or default).split("|")
        if kind not in kinds:
            out[name] = kind
    return out
