"""Subjects and text of every message. Subjects stay within 80 characters (a phone shows them
whole); bodies are plain text that reads the same in e-mail, chat and a terminal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pipemon.alerts.model import Finding, json_safe

SUBJECT_MAX = 80
CELL_MAX = 40
LABELS = {"error": "ERROR", "warn": "WARN"}


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _stamp(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "?"


def subject(finding: Finding, kind: str = "alert", occurrence: int = 1) -> str:
    """`[pipemon ERROR] processor failed: nbac_injury_report 2025-12-03`."""
    if kind == "resolved":
        tag = "[pipemon RESOLVED]"
    elif finding.source == "monitor":
        tag = "[pipemon MONITOR]"
    else:
        tag = f"[pipemon {LABELS.get(finding.severity, finding.severity.upper())}]"
    if kind in ("aggregate", "reminder"):
        tag = tag[:-1] + f" x{occurrence}]"
    head = f"{tag} "
    room = SUBJECT_MAX - len(head)
    # a test's name is its short headline ("processor failed after retries"); the plain-words
    # description goes in the body, where a phone has room for it
    test = finding.source == "test"
    description = finding.check_name.replace("_", " ") if test else finding.description.rstrip(". ")
    if finding.target or finding.game_date:
        date = f" {finding.game_date}" if finding.game_date else ""
        target = finding.target or ""
        if target:  # the date always shows whole; a long target gives way to the description
            target = _clip(target, max(room - len(date) - 2 - min(len(description), 28), 12))
        key = (target + date).strip()
        return f"{head}{_clip(description, room - len(key) - 2)}: {key}"
    return head + _clip(description, room)


def rows_table(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Rows as an aligned text table."""
    if not rows:
        return []
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    cells = [[_clip(str(json_safe(row.get(c, ""))), CELL_MAX) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    for r in cells:
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return lines


def _fields(finding: Finding) -> list[str]:
    lines = [f"Severity:   {finding.severity.upper()}"]
    if finding.target:
        lines.append(f"Target:     {finding.target}")
    if finding.game_date:
        lines.append(f"Game date:  {finding.game_date}")
    what = "Check" if finding.source == "monitor" else "Test"
    lines.append(f"{what}:{' ' * (11 - len(what))}{finding.check_name} ({finding.check_id})")
    lines.append(f"Owner:      {finding.owner}")
    return lines


def body(
    finding: Finding,
    *,
    kind: str = "alert",
    samples: bool = True,
    occurrence: int = 1,
    first_seen: dt.datetime | None = None,
    suppressed: int = 0,
    now: dt.datetime | None = None,
) -> str:
    """The text of an alert, aggregate, reminder or resolved message."""
    lines: list[str] = []
    if kind == "resolved":
        lines.append(f"Resolved: {finding.description.rstrip('. ')}. It passes again.")
        lines.append(f"First seen {_stamp(first_seen)}, resolved {_stamp(now)}.")
        lines.append("")
        lines += _fields(finding)
        return "\n".join(lines) + "\n"
    lines.append(f"{finding.description.rstrip('. ')}.")
    if kind in ("aggregate", "reminder"):
        lines.append(
            f"Still failing: seen {occurrence} times since {_stamp(first_seen)}; "
            f"{suppressed} repeats were counted, not sent."
        )
    lines.append("")
    lines += _fields(finding)
    if finding.detail:
        lines += ["", f"Detail: {_clip(finding.detail, 600)}"]
    if finding.source != "monitor" or finding.row_count:
        lines.append("")
        if not samples:
            lines.append(f"Failing rows: {finding.row_count} (samples are off)")
        elif finding.rows:
            lines.append(f"Failing rows: {finding.row_count} (first {len(finding.rows)})")
            lines += rows_table(finding.rows)
        elif finding.row_count:
            lines.append(f"Failing rows: {finding.row_count}")
    if finding.runbook:
        lines += ["", f"Runbook: {finding.runbook}"]
    if finding.look_further:
        lines += ["", "Look further:"] + [f"  {cmd}" for cmd in finding.look_further]
    return "\n".join(lines) + "\n"


def summary(
    day: str,
    checks: Sequence[tuple[str, str, str]],
    *,
    monitor_ok: bool,
) -> tuple[str, str]:
    """Morning summary: ✅/⚠️/❌ per check. `checks` are (status, name, note) with status
    pass|warn|fail|error."""
    counts = {s: sum(1 for c in checks if c[0] == s) for s in ("pass", "warn", "fail", "error")}
    bad = counts["fail"] + counts["error"]
    if bad or not monitor_ok:
        head = f"❌ {bad} failing, {counts['warn']} warning, {counts['pass']} passing"
    elif counts["warn"]:
        head = f"⚠️ {counts['warn']} warning, {counts['pass']} passing"
    else:
        head = f"✅ all {counts['pass']} checks passing"
    title = _clip(f"[pipemon] {day} summary: {head}", SUBJECT_MAX)
    icons = {"pass": "✅", "warn": "⚠️", "fail": "❌", "error": "❌"}
    order = {"error": 0, "fail": 1, "warn": 2, "pass": 3}
    lines = [f"Pipeline health for {day} (US Eastern).", ""]
    if not monitor_ok:
        lines += ["❌ the monitoring itself failed this run: see the MONITOR alert.", ""]
    for status, name, note in sorted(checks, key=lambda c: (order.get(c[0], 9), c[1])):
        lines.append(f"{icons.get(status, '?')} {name}" + (f": {note}" if note else ""))
    if not checks:
        lines.append("(no checks ran)")
    return title, "\n".join(lines) + "\n"
