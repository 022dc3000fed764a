"""The runner on the generated 2025-26 season (the real project, real dbt builds, real SMTP):
one message per cause, measured per incident day; a digest when one channel would get too many;
a replay of a clean history as of a past moment raises nothing (freshness judged from as_of)."""

from __future__ import annotations

import email.header
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipemon import runner
from pipemon.runner import RunOptions
from pipemon.safe_text import ALERT_MAX
from warehouse.replay import copy_warehouse

CASCADE = "[pipemon ERROR] processor failed after retries: "


def use_copy(season, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: Path) -> Path:
    warehouse = copy_warehouse(season.warehouse, tmp_path)  # same stem: the stored-failure catalog
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.setenv("PIPEMON_ALERTS_CONFIG", str(tmp_path / "alerts.yml"))
    monkeypatch.delenv("PIPEMON_HEARTBEAT_URL", raising=False)
    return warehouse


def subject(message) -> str:
    """The Subject header decoded (a clipped one carries "…", so it is RFC 2047-encoded)."""
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def mail_config(tmp_path: Path, smtp, digest_after: int) -> None:
    (tmp_path / "alerts.yml").write_text(
        f"channels:\n  email: {{url: '{smtp.url()}'}}\ndefault_channels: [email]\n"
        f"limits: {{digest_after: {digest_after}}}\n"
    )


def test_one_message_per_cause_on_the_demo_season(incident_season, tmp_path, monkeypatch, smtp):
    use_copy(incident_season, tmp_path, monkeypatch, incident_season.warehouse.parent / "target")
    mail_config(tmp_path, smtp, digest_after=1000)
    smtp.start()
    report = runner.execute(RunOptions(command="alert"))
    assert report.exit_code == runner.EXIT_FAIL

    before = Counter(f.game_date for f in report.findings)  # the old runner: one per finding
    subjects = [subject(m) for m in smtp.messages]
    after = Counter(
        s.split()[-2] if s.split()[-1].startswith("+") else s.split()[-1] for s in subjects
    )
    per_day = {day: (before[day], after[day]) for day in sorted(before)}
    print(json.dumps({"findings": sum(before.values()), "messages": len(subjects), **per_day}))
    assert len(subjects) < sum(before.values())
    assert all(after[day] <= count for day, count in before.items())
    # six tables quarantining rows on one day are one incident
    malformed = {
        r["game_date"] for r in incident_season.truth["incidents"] if r["kind"] == "malformed_rows"
    }
    (day,) = malformed
    assert before[day] >= 6 and after[day] == 1

    # 2026-01-26, the documented BigQuery load quota: eleven phase-2 processors failed with the
    # same 403, again and again. One incident: a failed processor first, the other failures and
    # the repeated-error-type findings of the same processors inside, never on their own.
    assert per_day["2026-01-26"][0] >= 20 and per_day["2026-01-26"][1] == 1
    (cascade,) = [
        m for m in smtp.messages if subject(m).startswith(CASCADE) and "2026-01-26" in subject(m)
    ]
    text = smtp.text(cascade)
    assert text.startswith("A processor's last attempt for the date failed")
    assert "403 Quota exceeded" in text  # the cause's own rows come first
    inside = text.split("Explained by this, in the same incident (")[1]
    members = [line for line in inside.splitlines() if line.strip().startswith("- ERROR ")]
    assert len(members) >= 10 and all("2026-01-26" in line for line in members)
    assert not any(
        s.startswith("[pipemon ERROR] dead lettered messages") and "2026-01-26" in s
        for s in subjects
    )
    assert "Runbook: docs/runbooks/processor_failed_after_retries.md" in text
    assert (
        Path(runner.project.project_dir()) / "docs/runbooks/processor_failed_after_retries.md"
    ).is_file()
    # stable order: errors first, then by date
    severities = [s.split("]")[0] for s in subjects]
    assert severities == sorted(severities, key=lambda s: "WARN" in s)


def test_a_channel_with_too_many_incidents_gets_one_digest(
    incident_season, tmp_path, monkeypatch, smtp
):
    use_copy(incident_season, tmp_path, monkeypatch, incident_season.warehouse.parent / "target")
    mail_config(tmp_path, smtp, digest_after=8)
    smtp.start()
    runner.execute(RunOptions(command="alert"))
    (digest,) = smtp.messages
    found = re.fullmatch(r"\[pipemon DIGEST\] (\d+) incidents \((\d+) errors\)", subject(digest))
    assert found and int(found[1]) > 8 and 0 < int(found[2]) <= int(found[1])
    digest_text = smtp.text(digest)
    # one line per incident, errors first, the body capped at the alert size limit with a marker
    # (since an outage of many days is one incident, the season's list fits whole)
    assert f"in one message instead of {found[1]}" in digest_text
    listed = [line for line in digest_text.splitlines() if re.match(r"\s+i[0-9a-f]{7}\s", line)]
    assert digest_text.count("[pipemon ERROR]") >= 10
    assert len(digest_text) <= ALERT_MAX
    assert "[truncated" in digest_text or len(listed) == int(found[1])


def test_replay_of_a_clean_history_as_of_a_past_morning_is_quiet(
    clean_season, tmp_path, monkeypatch, smtp
):
    """The README's replay example, with `dbt source freshness` on: judged from as_of, nothing
    is stale (the wall clock would make every source months old)."""
    target = tmp_path / "target"
    use_copy(clean_season, tmp_path, monkeypatch, target)
    mail_config(tmp_path, smtp, digest_after=8)
    smtp.start()
    vars_ = {"as_of": "2026-01-27 13:00:00", "monitor_lookback_days": 3}
    report = runner.execute(RunOptions(command="run", vars=vars_))
    assert [f.signature for f in report.findings] == []
    assert report.exit_code == runner.EXIT_CLEAR and smtp.messages == []
    freshness = json.loads((target / "sources.json").read_text())["results"]
    assert freshness and {r["status"] for r in freshness} == {"pass"}


def test_status_the_report_and_incidents_agree_on_what_is_open(
    incident_season, tmp_path, monkeypatch, smtp
):
    """After the season's alerts: `pipemon incidents`, the report's open-incidents panel and the
    status answer hold the same open incidents, each outage with its date range."""
    from datetime import UTC, datetime

    from pipemon import status
    from pipemon.alerts import manage
    from pipemon.report.incidents import open_incidents

    use_copy(incident_season, tmp_path, monkeypatch, incident_season.warehouse.parent / "target")
    mail_config(tmp_path, smtp, digest_after=1000)
    smtp.start()
    runner.execute(RunOptions(command="alert"))
    as_of = datetime.fromisoformat(incident_season.truth["as_of"]).replace(tzinfo=UTC)
    ctx = status.open_context(None, as_of)
    try:
        rows = manage.open_incident_rows(ctx.warehouse, as_of)
        panel = {i.signature: i.dates for i in open_incidents(ctx.warehouse, as_of) or []}
        answer = status.collect(ctx)
    finally:
        ctx.warehouse.close()
    assert rows and panel == {r["incident_id"]: r["dates"] for r in rows}
    outages = [r for r in rows if r["days"] > 1]
    assert outages and all(
        f"{r['days']} days since {r['first_date']}" in r["dates"] for r in outages
    )
    day = answer.day.isoformat()
    (still_open,) = [s for s in answer.sections if s.key == "open"]
    listed = {c.item for c in still_open.checks}
    failures = next(s for s in answer.sections if s.key == "failures")
    named = {(c.data.get("check"), c.item) for c in failures.checks if c.state == status.FAIL}
    earlier = [r for r in rows if str(r["last_date"]) < day]
    for r in rows:
        if r in earlier:
            assert r["incident_id"] not in listed
        else:
            assert r["incident_id"] in listed or (r["test_name"], str(r["target"])) in named
            if r["incident_id"] in listed and r["days"] > 1:
                (line,) = [c.text for c in still_open.checks if c.item == r["incident_id"]]
                assert r["dates"] in line
    if earlier:
        (summary,) = [c for c in still_open.checks if c.item == "earlier"]
        assert summary.data["incidents"] == len(earlier)
    assert not answer.ok
