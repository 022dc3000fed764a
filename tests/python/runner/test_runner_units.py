"""Fast checks without dbt: message text against saved expected output, the dedupe policy with
an injected clock, config and redaction, and the DDL in step with the dbt sources."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from pipemon.alerts import config, policy, render
from pipemon.alerts.model import Finding
from pipemon.alerts.redact import Redactor
from pipemon.warehouse.tables import TABLES

EXPECTED = Path(__file__).parent / "expected"
REPO = Path(__file__).parents[3]
T0 = dt.datetime(2025, 12, 4, 13, 0, tzinfo=dt.UTC)


def finding(**kw) -> Finding:
    base = dict(
        source="test",
        check_id="test.pipemon.processor_failed",
        check_name="processor_failed",
        severity="error",
        description="processor failed",
        owner="data-eng",
        runbook="Rerun the processor for the date",
        tags=["processors"],
        game_date="2025-12-03",
        target="nbac_injury_report",
        rows=[
            {
                "game_date": "2025-12-03",
                "target": "nbac_injury_report",
                "status": "failed",
                "error_message": "ValueError: no rows in the injury report PDF for the date",
            },
        ],
        row_count=1,
        look_further=["pipemon run --select processor_failed  # judge this check again now"],
    )
    base.update(kw)
    return Finding(**base)


def check_expected(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("PIPEMON_UPDATE_EXPECTED"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs (PIPEMON_UPDATE_EXPECTED=1 rewrites)"


def consequence() -> Finding:
    return finding(
        check_id="test.pipemon.phase_not_triggered",
        check_name="phase_not_triggered",
        description="phase never triggered",
        target="phase2",
        rows=[],
        row_count=1,
    )


@pytest.mark.parametrize(
    ("name", "kind", "kw"),
    [
        ("alert_error.txt", "alert", {}),
        ("alert_reminder.txt", "reminder", {"occurrence": 3, "suppressed": 1}),
        ("alert_resolved.txt", "resolved", {}),
        ("alert_no_samples.txt", "alert", {"samples": False}),
    ],
)
def test_alert_text_matches_expected(name, kind, kw):
    f = finding()
    occurrence = kw.get("occurrence", 1)
    text = (
        render.subject(f, kind, occurrence, more=1)
        + "\n\n"
        + render.incident_body(
            "i1a2b3c4",
            f,
            [consequence()],
            kind=kind,
            opened_at=T0,
            now=T0 + dt.timedelta(hours=2),
            runbook_url="docs/runbooks/processor_failed.md",
            **kw,
        )
    )
    check_expected(name, text)


def test_monitor_and_summary_text_match_expected():
    f = Finding(
        source="monitor",
        check_id="pipemon.monitor.dbt",
        check_name="dbt",
        severity="error",
        description="dbt build failed to run",
        owner="pipemon",
        runbook="docs/runner.md#when-the-monitoring-itself-fails",
        detail="Compilation Error: 'x' is undefined",
    )
    body = render.incident_body("i9f8e7d6", f, [], opened_at=T0, now=T0)
    check_expected("alert_monitor.txt", render.subject(f) + "\n\n" + body)
    title, text = render.summary(
        "2025-12-04",
        [
            ("pass", "schedule_loaded", ""),
            ("fail", "processor_failed", "2025-12-03 bdl_injuries"),
            ("warn", "scraper_late", "2025-12-03 bp_events"),
        ],
        monitor_ok=True,
    )
    check_expected("summary.txt", title + "\n\n" + text)


def test_subjects_fit_a_phone():
    long = finding(
        description="phase 3 analytics processor wrote fewer rows than expected " * 3,
        target="upcoming_player_game_context_processor_with_a_long_name",
    )
    for kind in ("alert", "reminder", "resolved"):
        for more in (0, 3):
            subject = render.subject(long, kind, 12, more=more)
            assert len(subject) <= render.SUBJECT_MAX
            # whole words: the headline before the colon is cut only between words
            headline = subject.split("] ", 1)[1].split(":")[0].rstrip("…")
            assert set(headline.split()) <= set(long.check_name.split("_")), subject
    assert render.subject(finding()) == (
        "[pipemon ERROR] processor failed: nbac_injury_report 2025-12-03"
    )


def kinds_over(
    minutes: list[float], limits: policy.Limits, ack_until: dt.datetime | None = None
) -> list[str]:
    history: list[policy.Event] = []
    out = []
    for i, m in enumerate(minutes):
        now = T0 + dt.timedelta(minutes=m)
        decision = policy.decide(
            policy.Episode(history), now, limits, opened_at=T0 if i else None, ack_until=ack_until
        )
        history.append(policy.Event(str(i), decision.kind, now))
        out.append(decision.kind)
    return out


def test_policy_hundred_repeats_one_alert_then_counted():
    kinds = kinds_over([float(i) for i in range(100)], policy.Limits())
    assert kinds[0] == "alert" and kinds.count("alert") == 1
    assert kinds.count("suppressed") == 99  # 99 minutes: the first reminder is due at 240


def test_policy_reminders_follow_the_ladder_and_cap_per_hour():
    ladder = policy.Limits(reminder_ladder_minutes=(60.0, 180.0))
    kinds = kinds_over([i * 30.0 for i in range(20)], ladder)  # every 30 min for 9.5 h
    sent_at = [i * 30 for i, k in enumerate(kinds) if k != "suppressed"]
    assert sent_at == [0, 60, 240, 420]  # +60, then +180 repeating
    eager = policy.Limits(reminder_ladder_minutes=(0.5,))
    kinds = kinds_over([float(i) for i in range(60)], eager)
    assert len([k for k in kinds if k != "suppressed"]) == 5  # never more than 5 an hour


def test_policy_ack_silences_until_expiry_then_reminds():
    until = T0 + dt.timedelta(minutes=600)
    kinds = kinds_over([0, 250, 500, 610, 620], policy.Limits(), ack_until=until)
    assert kinds == ["alert", "suppressed", "suppressed", "reminder", "suppressed"]


def test_config_expands_env_routes_and_collects_secrets(tmp_path):
    path = tmp_path / "alerts.yml"
    path.write_text(
        "channels:\n"
        "  email: {url: 'mailtos://bot:${SMTP_PASS}@smtp.example.com?to=oncall@example.com'}\n"
        "  slack: {url: '${SLACK_URL}'}\n"
        "  local: {url: 'file://${OUT:-out}/alerts.log'}\n"
        "routes:\n"
        "  - {match: {severity: error}, channels: [email]}\n"
        "  - {match: {owner: [predictions, ml]}, channels: [slack]}\n"
        "  - {match: {tag: dlq}, channels: [local]}\n"
        "default_channels: [local]\n"
        "limits: {max_per_hour: 2}\n"
    )
    cfg = config.load(path, env={"SMTP_PASS": "pa55word!"})
    assert cfg.channels["slack"].url is None and "SLACK_URL" in (
        cfg.channels["slack"].disabled_reason or ""
    )
    assert cfg.channels["local"].url == "file://out/alerts.log"
    assert cfg.limits.max_per_hour == 2 and cfg.limits.reminder_ladder_minutes[0] == 240
    assert cfg.channels_for({"severity": ["error"], "owner": ["ml"]}) == ["email", "slack"]
    assert cfg.channels_for({"severity": ["warn"], "tag": ["dlq", "x"]}) == ["local"]
    assert cfg.channels_for({"severity": ["warn"]}) == ["local"]
    line = "delivery failed: mailtos://bot:pa55word!@smtp.example.com?to=oncall@example.com"
    assert "pa55word" not in cfg.redactor(line)


def test_redactor_masks_tokens_in_any_url():
    redact = Redactor(["hunter22"])
    text = (
        "POST https://hooks.slack.com/services/T000AAAA/B000BBBB/XXXXYYYYZZZZ failed; "
        "json://u:pw1234@10.0.0.1:8080/x?token=abcdef; password hunter22"
    )
    out = redact(text)
    for secret in ("XXXXYYYYZZZZ", "pw1234", "abcdef", "hunter22", "T000AAAA"):
        assert secret not in out
    assert "https://hooks.slack.com/***" in out


def test_runner_tables_match_the_dbt_sources():
    path = REPO / "models" / "staging" / "monitoring" / "_monitoring__sources.yml"
    sources = yaml.safe_load(path.read_text())["sources"][0]
    declared = {
        t["name"]: [(c["name"], c["data_type"]) for c in t["columns"]] for t in sources["tables"]
    }
    assert declared == {
        name: [(c.name, c.type) for c in table.columns] for name, table in TABLES.items()
    }


def test_a_processors_repeated_error_type_is_inside_its_failure_incident():
    """2026-01-26's load quota: the processors that failed after retries also failed again and
    again with one error type; that is the same cause, not a second page. The same check on
    another day, with no failure behind it, stays its own incident."""
    from pipemon.alerts.grouping import group

    def check(name: str, target: str, day: str = "2026-01-26") -> Finding:
        return finding(
            check_id=f"test.pipemon.{name}",
            check_name=name,
            game_date=day,
            target=target,
            rows=[{"game_date": day, "target": target, "error_type": "Forbidden"}],
        )

    failed = [check("processor_failed_after_retries", p) for p in ("NbacGamebook", "BdlBox")]
    repeated = [
        check("processor_repeated_failures_by_error_type", p)
        for p in ("NbacGamebook", "BdlBox", "OddsApiProps")
    ]
    next_day = check("processor_repeated_failures_by_error_type", "BdlBox", "2026-01-27")
    groups = group([*repeated, next_day, *failed])
    shapes = sorted(
        (g.cause.check_name, g.cause.game_date, sorted(f.target or "" for f in g.members))
        for g in groups
    )
    both = ["BdlBox", "BdlBox", "NbacGamebook", "NbacGamebook"]
    assert shapes == [
        # one check on one date is one incident, so OddsApiProps's repeats come along
        ("processor_failed_after_retries", "2026-01-26", [*both, "OddsApiProps"]),
        ("processor_repeated_failures_by_error_type", "2026-01-27", ["BdlBox"]),
    ]
    (cascade,) = [g for g in groups if g.cause.game_date == "2026-01-26"]
    assert cascade.cause.check_name == "processor_failed_after_retries"
