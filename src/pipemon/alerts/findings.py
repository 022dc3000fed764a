"""dbt artifacts -> findings: one per failing test and failing key, and the monitor's own.

A failing test's rows come from its stored-failures relation (`relation_name` in
run_results). When those rows carry `game_date` and `target` columns, each distinct
(game_date, target) is its own finding (and its own alert signature); otherwise the test is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipemon.alerts.model import EVIDENCE_CAP, Finding, json_safe

MONITOR_PREFIX = "pipemon.monitor."
ALL_ROWS_CAP = 10_000
ReadRows = Callable[[str, int], list[dict[str, Any]]]


@dataclass
class Judgement:
    """What one run established."""

    findings: list[Finding] = field(default_factory=list)
    judged: set[str] = field(default_factory=set)  # check ids that ran to a verdict
    test_rows: list[dict[str, Any]] = field(default_factory=list)  # for test_results
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # for the summary
    invocation_id: str | None = None
    tests_total: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    nodes_errored: int = 0


def monitor_finding(
    what: str, description: str, detail: str, runbook: str = "", check_id: str | None = None
) -> Finding:
    """The monitoring itself failed (dbt, warehouse, freshness query, delivery)."""
    return Finding(
        source="monitor",
        check_id=check_id or MONITOR_PREFIX + what,
        check_name=what,
        severity="error",
        description=description,
        owner="pipemon",
        runbook=runbook or "docs/runner.md#when-the-monitoring-itself-fails",
        detail=detail,
    )


def _meta(node: Mapping[str, Any]) -> dict[str, Any]:
    meta = dict(node.get("meta") or {})
    meta.update((node.get("config") or {}).get("meta") or {})
    return meta


def _humanize(name: str) -> str:
    return name.replace("_", " ")


def _lower_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in row.items()}


def _key_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(json_safe(value))


def _look_further(name: str) -> list[str]:
    """Commands that work as written from the project (the runner passes the profiles dir)."""
    return [f"pipemon run --select {name}  # judge this check again now"]


def judge(
    run_results: Mapping[str, Any],
    manifest: Mapping[str, Any],
    read_rows: ReadRows | None,
    *,
    max_rows: int,
    samples: bool,
) -> Judgement:
    """Findings from dbt's run_results.json and manifest.json (dicts)."""
    out = Judgement(invocation_id=(run_results.get("metadata") or {}).get("invocation_id"))
    nodes: Mapping[str, Any] = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    generated = (run_results.get("metadata") or {}).get("generated_at")
    skipped: list[str] = []
    for result in run_results.get("results", []):
        uid = str(result.get("unique_id", ""))
        status = str(result.get("status", "")).lower()
        node = nodes.get(uid, {})
        name = str(node.get("name") or uid.split(".")[-1])
        is_test = uid.startswith(("test.", "unit_test."))
        if not is_test:
            if status == "error":
                out.nodes_errored += 1
                out.findings.append(
                    Finding(
                        source="monitor",
                        check_id=uid,
                        check_name=name,
                        severity="error",
                        description=f"dbt {node.get('resource_type', 'node')} {name} errored",
                        owner=str(_meta(node).get("owner") or "pipemon"),
                        runbook=f"Fix the model; its tests were skipped: dbt build --select {name}",
                        detail=str(result.get("message") or ""),
                        look_further=_look_further(name),
                    )
                )
            elif status in ("success", "pass"):
                out.judged.add(uid)
            elif status == "skipped":
                skipped.append(name)
            continue
        meta = _meta(node)
        config = node.get("config") or {}
        owner = str(meta.get("owner") or node.get("group") or "unowned")
        description = str(meta.get("description") or node.get("description") or _humanize(name))
        relation = result.get("relation_name")
        failures = int(result.get("failures") or 0)
        tags = [str(t) for t in node.get("tags") or []]
        out.test_rows.append(
            {
                "test_result_id": f"{out.invocation_id}:{uid}",
                "dbt_invocation_id": out.invocation_id,
                "test_unique_id": uid,
                "test_name": name,
                "status": status,
                "severity": str(config.get("severity") or "error").lower(),
                "owner": owner,
                "tags": json.dumps(tags),
                "relation_name": relation,
                "message": result.get("message"),
                "failures": failures,
                "execution_seconds": float(result.get("execution_time") or 0.0),
                "completed_at": generated,
            }
        )
        if status == "skipped":
            skipped.append(name)
            out.checks.append(("error", name, "skipped (an upstream node failed)"))
            continue
        out.tests_total += 1
        if status == "pass":
            out.tests_passed += 1
            out.judged.add(uid)
            out.checks.append(("pass", name, ""))
            continue
        if status == "error":
            out.nodes_errored += 1
            out.checks.append(("error", name, "could not run"))
            out.findings.append(
                Finding(
                    source="monitor",
                    check_id=uid,
                    check_name=name,
                    severity="error",
                    description=f"test {name} could not run",
                    owner=owner,
                    runbook=str(meta.get("runbook") or ""),
                    tags=tags,
                    detail=str(result.get("message") or ""),
                    look_further=_look_further(name),
                )
            )
            continue
        if status not in ("fail", "warn"):
            continue
        severity = "error" if status == "fail" else "warn"
        if status == "fail":
            out.tests_failed += 1
        else:
            out.tests_warned += 1
        out.judged.add(uid)
        rows: list[dict[str, Any]] = []
        detail = ""
        if relation and read_rows is not None:
            try:
                rows = [_lower_keys(r) for r in read_rows(str(relation), ALL_ROWS_CAP)]
            except Exception as exc:  # noqa: BLE001 - reported in the alert, never fatal
                detail = f"stored failing rows unreadable: {exc}"
        elif uid.startswith("unit_test."):
            detail = str(result.get("message") or "")
        groups: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
        keyed = bool(rows) and all("game_date" in r and "target" in r for r in rows)
        if keyed:
            for row in rows:
                key = (_key_text(row.get("game_date")), _key_text(row.get("target")))
                groups.setdefault(key, []).append(row)
        else:
            groups[(None, None)] = rows
        keys_note = ", ".join(
            " ".join(p for p in k if p)
            for k in sorted(groups, key=lambda k: (k[0] or "", k[1] or ""))
        )
        out.checks.append(
            ("fail" if status == "fail" else "warn", name, keys_note or f"{failures} failing rows")
        )
        for key, group in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")):
            count = len(group) if keyed else max(failures, len(group))
            out.findings.append(
                Finding(
                    source="test",
                    check_id=uid,
                    check_name=name,
                    severity=severity,
                    description=description,
                    owner=owner,
                    runbook=str(meta.get("runbook") or ""),
                    tags=tags,
                    game_date=key[0],
                    target=key[1],
                    rows=[json_safe(r) for r in group[:max_rows]] if samples else [],
                    evidence=[json_safe(r) for r in group[:EVIDENCE_CAP]],
                    row_count=count,
                    detail=detail,
                    look_further=_look_further(name),
                )
            )
    if skipped:
        out.findings.append(skipped_finding(skipped))
    return out


SKIPPED_NAMES_SHOWN = 50


def skipped_finding(names: list[str]) -> Finding:
    """Skipped nodes are checks that never ran: a monitoring failure (exit 3), whatever else
    failed, with the skipped nodes named."""
    shown = sorted(set(names))
    more = len(shown) - SKIPPED_NAMES_SHOWN
    listed = ", ".join(shown[:SKIPPED_NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return monitor_finding(
        "skipped",
        f"{len(shown)} dbt node(s) skipped: their checks did not run",
        f"skipped: {listed}",
        "Fix the node that errored upstream, then `pipemon run` again",
    )


def judge_freshness(
    sources: Mapping[str, Any],
    manifest: Mapping[str, Any],
    out: Judgement,
    *,
    not_due: Mapping[str, str] | None = None,
) -> None:
    """Add findings from target/sources.json (dbt source freshness). `not_due`: sources whose
    writers are not due on the judged day's kind (source name -> the kind): a stale one is the
    calendar's quiet (the offseason, a preseason day), recorded as passing, not a finding."""
    nodes = manifest.get("sources", {})
    quiet = dict(not_due or {})
    for result in sources.get("results", []):
        uid = str(result.get("unique_id", ""))
        status = str(result.get("status", "")).lower()
        node = nodes.get(uid, {})
        name = f"{node.get('source_name', '?')}.{node.get('name', uid.split('.')[-1])}"
        if status == "pass":
            out.judged.add(uid)
            out.checks.append(("pass", f"freshness {name}", ""))
            continue
        if status in ("warn", "error") and name in quiet:
            out.judged.add(uid)
            out.checks.append(("pass", f"freshness {name}", f"not due on {quiet[name]} days"))
            continue
        if status in ("warn", "error"):
            out.judged.add(uid)
            age = result.get("max_loaded_at_time_ago_in_s")
            hours = f"{float(age) / 3600:.1f} h" if age is not None else "unknown time"
            severity = "error" if status == "error" else "warn"
            out.checks.append(
                ("fail" if severity == "error" else "warn", f"freshness {name}", hours)
            )
            out.findings.append(
                Finding(
                    source="freshness",
                    check_id=uid,
                    check_name=f"freshness {name}",
                    severity=severity,
                    description="source data is stale",
                    owner=str(_meta(node).get("owner") or "data-eng"),
                    runbook="Check the job that writes the table; docs/runner.md#freshness",
                    target=name,
                    detail=f"last loaded {result.get('max_loaded_at')} ({hours} ago)",
                    look_further=[
                        f"pipemon run --select source:{name}+     judge this source again"
                    ],
                )
            )
            continue
        out.checks.append(("error", f"freshness {name}", "could not be checked"))
        out.findings.append(
            monitor_finding(
                f"freshness.{name}",
                f"freshness of {name} could not be checked",
                str(result.get("error") or result.get("message") or status),
                check_id=uid,
            )
        )
