"""One message per cause: the findings of one run grouped along the pipeline's dependency graph.

The graph is the pipeline's own: a processor's failure on a date explains, on that date, the
phase it left untriggered (the phase's `processors_missing` names it), the processor's dead
letters and redeliveries (the same processor, or the same Pub/Sub message id), and the
predictions missing downstream (phase 4/5 outputs of the same date, or of the next date for
phases 2-3, which process yesterday's games). A phase left untriggered explains the same
downstream predictions. Findings of one check on one date (six tables quarantining rows on one
day, two games without box scores) are one incident as well, and so are dead letters whose fields
could not be read (every row has a quarantine reason) with the quarantine of the dead-letter
table on their date: one malformed writer, one incident, the dead letter its cause.

Each group becomes one incident whose cause is its most upstream finding (by `CAUSE_RANK`),
consequences listed inside. Findings no cause explains stay their own incidents.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipemon.alerts.model import Finding

# Lower is more upstream. Checks not listed rank after these (and never explain another check).
CAUSE_RANK = {
    "processor_stuck_running": 0,
    "processor_failed_after_retries": 1,
    "processor_repeated_failures_by_error_type": 2,
    "processor_retry_storm": 3,
    "processor_runs_far_above_baseline": 4,
    "registry_processor_never_ran": 5,
    "dead_lettered_messages": 6,
    "redelivery_storm": 7,
    "phase_not_triggered": 8,
    "phase_finished_after_deadline": 9,
    "feature_store_degraded": 10,
    "missing_features_for_game": 10,
    "prediction_system_missing": 11,
    "players_missing_predictions": 12,
}
# Checks whose target is a processor: on one date, the same processor (or the same Pub/Sub
# message) is one cause, whichever of these saw it first.
PROCESSOR_CHECKS = (
    "processor_stuck_running",
    "processor_failed_after_retries",
    "processor_repeated_failures_by_error_type",
    "processor_retry_storm",
    "processor_runs_far_above_baseline",
    "registry_processor_never_ran",
    "dead_lettered_messages",
    "redelivery_storm",
)
PHASE_CHECKS = ("phase_not_triggered", "phase_finished_after_deadline")
PREDICTION_CHECKS = (
    "feature_store_degraded",
    # one game's features missing: on a day its phase-4 processors failed or never ran (a stop of
    # the pipeline), each game's gap is that failure's consequence, not an incident of its own
    "missing_features_for_game",
    "prediction_system_missing",
    "players_missing_predictions",
)


@dataclass
class Group:
    """Findings with one cause: `cause` first, then its consequences."""

    cause: Finding
    consequences: list[Finding] = field(default_factory=list)

    @property
    def members(self) -> list[Finding]:
        return [self.cause, *self.consequences]


def processor_phases(project_dir: Path) -> dict[str, str]:
    """processor_name -> phase ('phase2'..) from the registry seed (empty when absent)."""
    path = project_dir / "seeds" / "processor_registry.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        return {r["processor_name"]: r["phase"] for r in csv.DictReader(handle)}


def _date(finding: Finding) -> dt.date | None:
    try:
        return dt.date.fromisoformat(finding.game_date[:10]) if finding.game_date else None
    except ValueError:
        return None


def _phase_number(phase: str | None) -> int | None:
    digits = "".join(ch for ch in str(phase or "") if ch.isdigit())
    return int(digits[0]) if digits else None


def _row_values(finding: Finding, column: str) -> set[str]:
    out: set[str] = set()
    for row in finding.evidence or finding.rows:
        value = row.get(column)
        if value is None:
            continue
        out |= {part.strip() for part in str(value).split(",") if part.strip()}
    return out


def _processor_phase(finding: Finding, phases: Mapping[str, str]) -> int | None:
    from_rows = _row_values(finding, "phase")
    return _phase_number(next(iter(from_rows), None) or phases.get(finding.target or ""))


def _explains(cause: Finding, effect: Finding, phases: Mapping[str, str]) -> bool:
    """Does `cause` explain `effect` along the dependency graph?"""
    c_date, e_date = _date(cause), _date(effect)
    if c_date is None or e_date is None:
        return False
    c, e = cause.check_name, effect.check_name
    if c == e:
        return c_date == e_date  # one check, one date: one incident
    if {c, e} == {"dead_lettered_messages", "source_rows_quarantined"}:
        dead, quarantine = (cause, effect) if c == "dead_lettered_messages" else (effect, cause)
        rows = dead.evidence or dead.rows
        unreadable = bool(rows) and all(row.get("quarantine_reason") for row in rows)
        table = str(quarantine.target or "")
        return c_date == e_date and unreadable and table.endswith(".pubsub_dead_letters")
    if CAUSE_RANK.get(c, 99) >= CAUSE_RANK.get(e, 99):
        return False
    if c in PROCESSOR_CHECKS and e in PROCESSOR_CHECKS:
        if c_date != e_date:
            return False
        same_message = bool(
            (_row_values(cause, "message_id") | _row_values(cause, "pubsub_message_id"))
            & (_row_values(effect, "message_id") | _row_values(effect, "pubsub_message_id"))
        )
        return cause.target == effect.target or same_message
    if c in PROCESSOR_CHECKS and e in PHASE_CHECKS:
        missing = _row_values(effect, "processors_missing")
        return c_date == e_date and (
            cause.target in missing
            or (not missing and _processor_phase(cause, phases) == _phase_number(effect.target))
        )
    upstream: int | None = None
    if c in PROCESSOR_CHECKS and c != "redelivery_storm":
        upstream = _processor_phase(cause, phases)
    elif c in PHASE_CHECKS and c == "phase_not_triggered":
        upstream = _phase_number(cause.target)
    if upstream is not None and e in PREDICTION_CHECKS:
        # phases 2-3 process yesterday's games: their gap shows in the next day's predictions
        lag = 1 if upstream in (2, 3) else 0
        return upstream <= 5 and e_date in (c_date, c_date + dt.timedelta(days=lag))
    if c in PREDICTION_CHECKS and e in PREDICTION_CHECKS:
        return c_date == e_date
    return False


def group(findings: Sequence[Finding], phases: Mapping[str, str] | None = None) -> list[Group]:
    """Group one run's findings by cause. Monitoring failures are never grouped."""
    phases = phases or {}
    ordered = sorted(
        findings, key=lambda f: (CAUSE_RANK.get(f.check_name, 99), f.game_date or "", f.signature)
    )
    parent: dict[str, str] = {f.signature: f.signature for f in ordered}

    def root(sig: str) -> str:
        while parent[sig] != sig:
            parent[sig] = parent[parent[sig]]
            sig = parent[sig]
        return sig

    for i, cause in enumerate(ordered):
        if cause.source != "test":
            continue
        for effect in ordered[i + 1 :]:
            if effect.source != "test" or root(effect.signature) == root(cause.signature):
                continue
            if _explains(cause, effect, phases):
                a, b = root(cause.signature), root(effect.signature)
                # the more upstream root stays the root
                keep, drop = (
                    (a, b) if ordered_index(ordered, a) <= ordered_index(ordered, b) else (b, a)
                )
                parent[drop] = keep
    groups: dict[str, Group] = {}
    by_sig = {f.signature: f for f in ordered}
    for finding in ordered:
        r = root(finding.signature)
        if r not in groups:
            groups[r] = Group(by_sig[r])
        if finding.signature != r:
            groups[r].consequences.append(finding)
    return list(groups.values())


def ordered_index(ordered: Sequence[Finding], signature: str) -> int:
    for i, f in enumerate(ordered):
        if f.signature == signature:
            return i
    return len(ordered)
