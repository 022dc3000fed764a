"""Writers of the phase-completion state: the probe's Firestore snapshots and the BigQuery copy."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from pipemon.generator import formats as fmt
from pipemon.generator.core import Attempt, Core, stable

PHASE2_TRIGGER_KEYS = 6  # the phase-2 orchestrator fires after any 6 keys
COMPLETION_PHASES = ("phase2", "phase3", "phase4")  # there is no phase-5 document


class Firestore(Core):
    def _completion_state(self) -> None:
        phase2_until = self.reg.deadlines["phase2"].firestore_valid_to
        for (phase, day), done in sorted(
            self.completions.items(), key=lambda kv: (kv[0][1], kv[0][0])
        ):
            if phase not in COMPLETION_PHASES:
                continue
            if phase == "phase2" and phase2_until is not None and day > phase2_until:
                continue  # the phase-2 orchestrator was deleted
            self._document(phase, day, done)

    def _key(self, phase: str, day: date, name: str) -> str:
        return f"p2_{name}" if phase == "phase2" and day >= fmt.P2_PREFIX_FROM else name

    def _document(self, phase: str, day: date, done: list[tuple[str, Attempt]]) -> None:
        expected = {p.name for p in self._registry(phase, day)}
        completion_keys = {p.name for p in self._registry(phase, day) if p.is_completion_key}
        blocked = phase == "phase3" and self._incident("phase_not_triggered", day)
        doc: dict[str, Any] = {"_completed_count": 0, "_triggered": False, "_triggered_at": None}
        seen: set[str] = set()
        versions: list[tuple[datetime, str]] = []
        for name, attempt in sorted(done, key=lambda na: na[1].completed_at):
            when = attempt.completed_at
            if when > self.as_of:
                break
            if name in seen:
                continue  # the first write of a key wins
            seen.add(name)
            key = self._key(phase, day, name)
            doc[key] = {
                "completed_at": self._iso(when),
                "correlation_id": attempt.correlation_id,
                "status": attempt.status,
                "record_count": attempt.records,
                "execution_id": attempt.execution_id,
            }
            doc["_completed_count"] += 1
            ready = (
                doc["_completed_count"] >= PHASE2_TRIGGER_KEYS
                if phase == "phase2"
                else expected <= seen
            )
            written = when + timedelta(seconds=1)
            if ready and not doc["_triggered"]:
                if blocked:
                    self.plan.record("phase_not_triggered", day, "phase3")
                else:
                    doc["_triggered"] = True
                    doc["_triggered_at"] = self._iso(written)
            versions.append((written, json.dumps(doc, sort_keys=True)))
            if day >= fmt.PHASE_COMPLETIONS_FROM and name in completion_keys:
                self.rows["phase_completions"].append(
                    {
                        "phase": phase,
                        "game_date": day,
                        "processor_name": key,
                        "status": attempt.status,
                        "record_count": attempt.records,
                        "correlation_id": attempt.correlation_id,
                        "execution_id": attempt.execution_id,
                        "completed_at": when,
                        "is_incremental": False,
                        "metadata": json.dumps({"source": "firestore_dual_write"}),
                        "inserted_at": written + timedelta(seconds=1),
                    }
                )
        self._probe_snapshots(f"phase{phase[-1]}_completion", day, versions)

    def _probe_snapshots(
        self, collection: str, day: date, versions: list[tuple[datetime, str]]
    ) -> None:
        """The hourly probe sees a version when it is still current at the next full hour."""
        for i, (updated, data) in enumerate(versions):
            hour = updated.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            probe = hour + timedelta(seconds=stable(f"{collection}{day}{hour}") % 40)
            if probe > self.as_of:
                break
            if i + 1 < len(versions) and versions[i + 1][0] <= probe:
                continue  # superseded before the probe looked
            self.rows["firestore_phase_snapshots"].append(
                {
                    "snapshot_at": probe,
                    "collection": collection,
                    "document_id": day.isoformat(),
                    "update_time": updated,
                    "data": data,
                }
            )
