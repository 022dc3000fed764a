"""Subjects and text of every message. Subjects stay within 80 characters (a phone shows them
whole); bodies are plain text that reads the same in e-mail, chat and a terminal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from pipemon.alerts.model import Finding, json_safe
from pipemon.safe_text import safe_line

SUBJECT_MAX = 80
CELL_MAX = 40
LABELS = {"error": "ERROR", "warn": "WARN"}


def safe_finding(finding: Finding) -> Finding:
    """The finding with every text field made one safe line (names come from the warehouse)."""
    fields = ("check_id", "check_name", "description", "owner", "runbook", "target", "detail")
    changes: dict[str, Any] = {
        f: safe_line(getattr(finding, f)) for f in fields if getattr(finding, f) is not None
    }
    changes["look_further"] = [safe_line(c) for c in finding.look_further]
    changes["rows"] = [{safe_line(k): json_safe(v) for k, v in r.items()} for r in finding.rows]
    if finding.game_date is not None:
        changes["game_date"] = safe_line(finding.game_date)
    return dataclasses.replace(finding, **changes)


def _clip(text: str, limit: int) -> str:
    text = " ".join(safe_line(text).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def clip_words(text: str, limit: int) -> str:
    """Text within `limit` characters, cut at a word boundary (never mid-word) with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    if text[limit - 1] != " ":
        # a word boundary; in one long identifier, its own separators (_ . -) are the words
        seps = " " if " " in cut else "_.-"
        at = max(cut.rfind(sep) for sep in seps)
        if at > 0:
            cut = cut[:at]
    return cut.rstrip(" ,;:-_.") + "…"


def _stamp(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "?"


# subjects of the messages that say what happened to an incident rather than what failed
KIND_TAGS = {
    "resolved": "[pipemon RESOLVED]",
    "acknowledged": "[pipemon ACKED]",
    "closed": "[pipemon CLOSED]",
}


def subject(
    finding: Finding,
    kind: str = "alert",
    occurrence: int = 1,
    *,
    severity: str | None = None,
    more: int = 0,
) -> str:
    """`[pipemon ERROR] processor failed: nbac_injury_report 2025-12-03` (whole words only);
    `more` consequences grouped with the cause add ` +N`."""
    finding = safe_finding(finding)
    severity = severity or finding.severity
    if kind in KIND_TAGS:
        tag = KIND_TAGS[kind]
    elif finding.source == "monitor":
        tag = "[pipemon MONITOR]"
    else:
        tag = f"[pipemon {LABELS.get(severity, severity.upper())}]"
    if kind == "reminder":
        tag = tag[:-1] + f" x{occurrence}]"
    elif kind == "update":
        tag = tag[:-1] + " update]"
    head = f"{tag} "
    tail = f" +{more}" if more else ""
    room = SUBJECT_MAX - len(head) - len(tail)
    # a test's name is its short headline ("processor failed after retries"); the plain-words
    # description goes in the body, where a phone has room for it
    test = finding.source == "test"
    description = finding.check_name.replace("_", " ") if test else finding.description.rstrip(". ")
    if finding.target or finding.game_date:
        date = f" {finding.game_date}" if finding.game_date else ""
        target = finding.target or ""
        if target and len(description) + len(target) + len(date) + 2 > room:
            # the date always shows whole; the headline keeps up to 30 characters, the target
            # takes the rest (at least 16)
            target = clip_words(target, max(room - len(date) - 2 - min(len(description), 30), 16))
        key = (target + date).strip()
        return f"{head}{clip_words(description, room - len(key) - 2)}: {key}{tail}"
    return head + clip_words(description, room) + tail


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


def cut_cells(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The values `rows_table` cut short, whole: one safe line each (what `pipemon show` adds
    under the table, so a 1 MB error message is cut in every page and message but readable)."""
    lines: list[str] = []
    for n, row in enumerate(rows, start=1):
        for column, value in row.items():
            text = str(json_safe(value))
            if len(" ".join(safe_line(text).split())) > CELL_MAX:
                whole = safe_line(text, limit=len(text) * 4 + 16)  # escapes widen a value
                lines.append(f"  row {n} {column} ({len(text)} characters): {whole}")
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


def _ago(since: dt.datetime | None, now: dt.datetime | None) -> str:
    if since is None or now is None:
        return ""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def _member_line(finding: Finding) -> str:
    label = LABELS.get(finding.severity, finding.severity.upper())
    key = " ".join(p for p in (finding.target, finding.game_date) if p)
    what = finding.check_name.replace("_", " ") if finding.source == "test" else finding.description
    rows = f" ({finding.row_count} rows)" if finding.row_count > 1 else ""
    return f"  - {label:<5} {what}: {key}{rows}" if key else f"  - {label:<5} {what}{rows}"


def incident_body(
    incident_id: str,
    cause: Finding,
    consequences: Sequence[Finding],
    *,
    kind: str = "alert",
    samples: bool = True,
    occurrence: int = 1,
    opened_at: dt.datetime | None = None,
    suppressed: int = 0,
    now: dt.datetime | None = None,
    runbook_url: str = "",
    ack_until: dt.datetime | None = None,
    span: str = "",
    changes: Sequence[str] = (),
) -> str:
    """The text of an incident's alert, update, reminder or resolved message: the cause first
    (its fields, failing rows and runbook), then what it explains, then what to type next.
    `span`: the dates the incident holds, in words; `changes`: what an update tells."""
    cause = safe_finding(cause)
    consequences = [safe_finding(f) for f in consequences]
    lines: list[str] = []
    since = f"open since {_stamp(opened_at)} ({_ago(opened_at, now)})" if opened_at else ""
    if kind == "resolved":
        lines.append(
            f"Resolved: {cause.description.rstrip('. ')}. Its checks pass again on their dates."
        )
        lines.append(f"Incident {incident_id}: opened {_stamp(opened_at)}, resolved {_stamp(now)}.")
        if span:
            lines.append(f"Dates: {safe_line(span)}.")
        lines.append("")
        lines += _fields(cause)
        if consequences:
            lines += ["", f"Also resolved, in the same incident ({len(consequences)}):"]
            lines += [_member_line(f) for f in consequences]
        return "\n".join(lines) + "\n"
    lines.append(f"{cause.description.rstrip('. ')}.")
    times = "time" if occurrence == 1 else "times"
    lines.append(f"Incident {incident_id}, {since}, seen {occurrence} {times}.".replace(", ,", ","))
    if span:
        lines.append(f"Dates: {safe_line(span)}.")
    if kind == "update" and changes:
        lines.append("What changed since the last message:")
        lines += [f"  - {safe_line(c)}" for c in changes]
    if kind == "reminder":
        if ack_until is not None and now is not None and ack_until <= now:
            lines.append(f"Still failing after the acknowledgement ran out ({_stamp(ack_until)}).")
        else:
            lines.append(f"Still failing; {suppressed} repeats were counted, not sent.")
    lines.append("")
    lines += _fields(cause)
    if cause.detail:
        lines += ["", f"Detail: {_clip(cause.detail, 600)}"]
    if cause.source != "monitor" or cause.row_count:
        lines.append("")
        if not samples:
            lines.append(f"Failing rows: {cause.row_count} (samples are off)")
        elif cause.rows:
            lines.append(f"Failing rows: {cause.row_count} (first {len(cause.rows)})")
            lines += rows_table(cause.rows)
        elif cause.row_count:
            lines.append(f"Failing rows: {cause.row_count}")
    if consequences:
        lines += ["", f"Explained by this, in the same incident ({len(consequences)}):"]
        lines += [_member_line(f) for f in consequences]
    if runbook_url or cause.runbook:
        lines.append("")
        lines.append(f"Runbook: {runbook_url}" if runbook_url else f"Runbook: {cause.runbook}")
        if runbook_url and cause.runbook:
            lines.append(f"  {cause.runbook}")
    lines += [
        "",
        "Next (each line runs as written in a shell, from the project):",
        f"  pipemon show {incident_id}  # every failing row, from the warehouse",
        f'  pipemon ack {incident_id} --for 24h --reason "..."  # silence it for a day',
        f'  pipemon close {incident_id} --reason "..."  # end it by hand',
    ]
    lines += [f"  {cmd}" for cmd in cause.look_further]
    return "\n".join(lines) + "\n"


def digest(
    entries: Sequence[tuple[str, str]], *, now: dt.datetime | None = None
) -> tuple[str, str]:
    """One message standing for many: (subject, incident id) per incident, already ordered."""
    errors = sum(
        1 for s, _ in entries if "ERROR" in s.split("]")[0] or "MONITOR" in s.split("]")[0]
    )
    title = f"[pipemon DIGEST] {len(entries)} incidents ({errors} errors)"
    lines = [
        f"{len(entries)} incident messages this run ({_stamp(now)}), in one message instead of "
        f"{len(entries)}:",
        "",
    ]
    lines += [f"  {iid}  {subj}" for subj, iid in entries]
    lines += ["", "pipemon incidents     lists what is open; pipemon show ID prints its rows"]
    return clip_words(title, SUBJECT_MAX), "\n".join(lines) + "\n"
