"""Step 3 of a run: from this run's findings and the incidents on record to the messages.

Findings are grouped by cause (alerts/grouping.py) and attached to incidents
(alerts/incidents.py); each incident then gets at most one message per run, decided by the
reminder ladder (alerts/policy.py): opened -> `alert`, changed (spread, worse, better) ->
`update`, still failing -> `reminder` or `suppressed`, fixed -> `resolved`. Closed incidents
send nothing. Messages come out in a stable order: severity, then date, then incident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipemon import project
from pipemon.alerts import grouping, incidents, policy, render
from pipemon.alerts.config import AlertsConfig
from pipemon.alerts.incidents import Incident, Plan, describe_span
from pipemon.alerts.model import Finding, Message

MONITOR_RUNBOOK = "monitoring"
FRESHNESS_RUNBOOK = "source_freshness"


def runbook_name(finding: Finding) -> str:
    if finding.source == "monitor":
        return MONITOR_RUNBOOK
    if finding.source == "freshness":
        return FRESHNESS_RUNBOOK
    return finding.check_name


def runbook_url(cfg: AlertsConfig, finding: Finding) -> str:
    """Link to docs/runbooks/<check>.md (under `runbook_base_url`), when the runbook exists."""
    name = runbook_name(finding)
    if not (project.project_dir() / "docs" / "runbooks" / f"{name}.md").is_file():
        return ""
    return f"{cfg.runbook_base_url}/{name}.md"


def message(
    cfg: AlertsConfig,
    incident: Incident,
    kind: str,
    decision: policy.Decision,
    now: dt.datetime,
    *,
    samples: bool,
    failing: list[str] | None = None,
    changes: list[str] | None = None,
) -> Message:
    members = incident.ordered_members
    cause = members[0].finding
    shown = [m.finding for m in members[1:] if failing is None or m.signature in failing]
    if kind == "resolved":
        shown = [m.finding for m in members[1:]]
    text = render.incident_body(
        incident.incident_id,
        cause,
        shown,
        kind=kind,
        samples=samples,
        occurrence=decision.occurrence,
        opened_at=incident.opened_at,
        suppressed=decision.suppressed_count,
        now=now,
        runbook_url=runbook_url(cfg, cause),
        ack_until=incident.ack_until,
        span=incident.span()
        if kind != "resolved"
        else describe_span(incident.dates(), open_now=False),
        changes=changes or [],
    )
    return Message(
        kind=kind,
        finding=cause,
        subject=render.subject(
            cause, kind, decision.occurrence, severity=incident.severity, more=len(shown)
        ),
        body=cfg.redactor(text),
        occurrence=decision.occurrence,
        incident_id=incident.incident_id,
    )


def messages(
    cfg: AlertsConfig,
    plan: Plan,
    history: Mapping[str, list[policy.Event]],
    now: dt.datetime,
    *,
    samples: bool,
) -> list[Message]:
    """One message (or counted repeat) per incident this run touched, in stable order."""
    out: list[tuple[tuple[int, str, str], Message]] = []
    # incidents still failing, and incidents that only got better (some dates fixed)
    touched = dict(plan.failing)
    for iid in plan.changes:
        if iid not in touched and iid not in plan.resolved:
            touched[iid] = []
    for iid, failing in touched.items():
        incident = plan.incidents[iid]
        if incident.closed:
            continue
        new = iid in plan.opened
        changes = plan.changes.get(iid, [])
        decision = policy.decide(
            policy.Episode(list(history.get(iid, []))),
            now,
            cfg.limits,
            opened_at=None if new else incident.opened_at,
            ack_until=incident.ack_until,
            changed=bool(changes),
        )
        msg = message(
            cfg,
            incident,
            decision.kind,
            decision,
            now,
            samples=samples,
            failing=failing,
            changes=changes,
        )
        out.append((incident.sort_key(), msg))
    for iid in plan.resolved:
        incident = plan.incidents[iid]
        decision = policy.Decision("resolved", 0, incident.opened_at, 0)
        out.append(
            (
                incident.sort_key(),
                message(cfg, incident, "resolved", decision, now, samples=samples),
            )
        )
    out.sort(key=lambda pair: pair[0])
    return [m for _, m in out]


def make_plan(
    findings: list[Finding],
    state: Mapping[str, Incident],
    *,
    judged_checks: set[str],
    judged_dates: set[str] | None,
    now: dt.datetime,
    project_dir: Path | None = None,
    resolved_vars: Mapping[str, Any],
) -> Plan:
    """`resolved_vars`: the vars dbt resolved; the two incident vars (`incident_clean_days_to_end`,
    `incident_worse_factor`) come from there only, their defaults from dbt_project.yml."""
    phases = grouping.processor_phases(project_dir or project.project_dir())
    groups = grouping.group(findings, phases)
    return incidents.plan(
        state,
        groups,
        judged_checks=judged_checks,
        judged_dates=judged_dates,
        now=now,
        clean_days=int(resolved_vars["incident_clean_days_to_end"]),
        worse_factor=float(resolved_vars["incident_worse_factor"]),
    )
