"""`pipemon status` against a generated, dbt-built season with known incidents (ground truth)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest_status import REPO, StatusSeason, use_season
from pipemon import cli, status

# What the failures answer must say for each incident kind (default: the truth's target).
EXPECTED_TEXT = {
    "predictions_missing_players": "got no prediction",
    "phase_late": "finished",
    "phase_not_triggered": "not triggered",
    "dead_letters": "dead letter",
    "redelivery_storm": "redelivery storm",
    "missing_run_history": "wrote no run history",
    "processor_never_ran": "never ran",
}


@pytest.fixture
def on_status_season(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> StatusSeason:
    return use_season(tmp_path_factory, monkeypatch)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["status", *args])
    out, err = capsys.readouterr()
    return code, out, err


def fail_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("❌")]


def test_failed_processor_is_named_with_its_error(
    on_status_season: StatusSeason, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = [
        i for i in on_status_season.truth["incidents"]
        if i["kind"] == "processor_failed" and not i.get("consequence")
    ]  # fmt: skip
    assert failed, "the generated period has no processor_failed incident"
    day, processor = failed[0]["game_date"], failed[0]["target"]
    error_type, message = on_status_season.query(
        "select error_type, error_message from nba_orchestration.processor_execution_log "
        "where processor_name = ? and data_date = ? and status = 'failed' "
        "order by triggered_at desc limit 1",
        [processor, day],
    )[0]

    code, out, err = run_cli(["--date", day], capsys)
    assert code == 1, err
    assert f"Did {day}'s pipeline complete?" in out
    line = next(x for x in fail_lines(out) if x.startswith(f"❌ {processor} "))
    assert "FAILED" in line and error_type in line and message in line

    code, out, _ = run_cli(["--date", day, "--json"], capsys)
    answer = json.loads(out)
    assert code == 1 and answer["ok"] is False and answer["date"] == day
    failures = next(s for s in answer["sections"] if s["key"] == "failures")
    check = next(
        c
        for c in failures["checks"]
        if c["item"] == processor and c["data"]["check"] == "processor_failed_after_retries"
    )
    assert check["data"]["is_failed"] is True and check["data"]["severity"] == "error"
    assert check["state"] == "fail"
    assert check["data"]["last_error_type"] == error_type
    assert check["data"]["last_error_message"] == message
    states = [c["state"] for s in answer["sections"] for c in s["checks"]]
    assert answer["problems"] == states.count("fail") >= 1


def _clean_dates(season: StatusSeason) -> list[date]:
    incidents = season.incident_dates()
    end = date.fromisoformat(season.truth["end"])
    yesterday = status.et_date(season.as_of) - timedelta(days=1)
    games = {
        r[0]
        for r in season.query(
            "select game_date from monitoring.daily_pipeline_health "
            "where games_scheduled > 0 and not is_bootstrap"
        )
    }
    return [
        d
        for d in sorted(games)
        if d not in incidents
        and d + timedelta(days=1) not in incidents
        and d + timedelta(days=1) < end
        and d != yesterday
        and d + timedelta(days=1) in games
    ]


def test_clean_date_says_complete(
    on_status_season: StatusSeason, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = _clean_dates(on_status_season)
    assert clean, "no incident-free date in the generated period"
    day = clean[0].isoformat()
    code, out, err = run_cli(["--date", day], capsys)
    assert code == 0, out + err
    assert fail_lines(out) == []
    assert "✅ overall COMPLETE" in out
    assert "✅ nothing failed" in out
    assert out.rstrip().endswith("✅ all clear")
    predictions = out.split("predictions ready?")[1]
    assert predictions.count("players with a line predicted (100%)") == 5


@pytest.mark.parametrize(
    "kind",
    [
        "missing_box_scores", "processor_failed", "phase_late", "phase_not_triggered",
        "dead_letters", "redelivery_storm", "predictions_missing_players",
        "predictions_missing_system", "fallback_spike", "processing_time_regression",
        "scraper_error_spike", "feature_store_degraded", "service_unhealthy",
        "missing_run_history", "processor_never_ran", "dependency_failure_spike",
    ],
)  # fmt: skip
def test_every_incident_is_answered(on_status_season: StatusSeason, kind: str) -> None:
    records = [
        i for i in on_status_season.truth["incidents"]
        if i["kind"] == kind and not i.get("consequence")
    ]  # fmt: skip
    if not records:
        pytest.skip(f"{kind} did not fit the generated period (see truth skipped_kinds)")
    ctx = status.open_context("local", on_status_season.as_of)
    try:
        for record in records:
            report = status.collect(ctx, date.fromisoformat(record["game_date"]))
            assert not report.ok
            failures = report.sections[1].checks
            want = EXPECTED_TEXT.get(kind, record["target"])
            texts = [c.text for c in failures if c.state == status.FAIL]
            assert any(want in t for t in texts), (kind, record, texts)
    finally:
        ctx.warehouse.close()


def test_default_dates_are_yesterday_and_today_of_the_demo_as_of(
    on_status_season: StatusSeason, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["--json"], capsys)
    answer = json.loads(out)
    today = status.et_date(on_status_season.as_of)  # truth as_of (UTC) seen from New York
    assert answer["as_of"].startswith(on_status_season.truth["as_of"].replace(" ", "T"))
    assert answer["date"] == (today - timedelta(days=1)).isoformat()
    assert answer["predictions_date"] == today.isoformat()
    assert code == (0 if answer["ok"] else 1)
    # an explicit --as-of moves both dates; 03:00 UTC is still the previous day in New York
    code, out, _ = run_cli(["--json", "--as-of", f"{today} 03:00:00"], capsys)
    assert json.loads(out)["predictions_date"] == (today - timedelta(days=1)).isoformat()


def test_bad_input_and_unbuilt_warehouse_exit_codes(
    on_status_season: StatusSeason,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(["--date", "2026-13-40"], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "YYYY-MM-DD" in err

    code, _, err = run_cli(["--as-of", "yesterday"], capsys)
    assert code == 2 and "--as-of" in err

    code, _, err = run_cli(["--date", "2030-01-01"], capsys)
    assert code == 4 and "the marts cover" in err and err.count("\n") == 1

    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "missing.duckdb"))
    code, _, err = run_cli([], capsys)
    assert code == 3 and "make demo" in err and err.count("\n") == 1

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(empty))
    code, _, err = run_cli([], capsys)
    assert code == 3 and "not built" in err and "make demo" in err


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["status", "--help"])
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "3", "4"):
        assert f"\n  {code}  " in out


def test_status_is_fast_in_a_fresh_process(on_status_season: StatusSeason) -> None:
    """The whole command, interpreter start included (the closing note measures a full season)."""
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pipemon.cli", "status"],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        timings.append(time.perf_counter() - began)
        assert proc.returncode in (0, 1), proc.stderr
    assert statistics.median(timings) < 5, timings


def test_daily_health_summary_script(on_status_season: StatusSeason) -> None:
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "daily_health_summary.sh"), "--no-validate", "--no-probe"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    summary = proc.stdout.split("== daily health summary")[1]
    status_code = 1 if "❌ status" in summary else 0
    assert proc.returncode == status_code, proc.stdout + proc.stderr
    assert "➖ validation: skipped" in summary and "Did " in proc.stdout

    failed = next(i for i in on_status_season.truth["incidents"] if i["kind"] == "processor_failed")
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "daily_health_summary.sh"), "--no-validate",
         "--no-probe", "--date", failed["game_date"]],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"❌ {failed['target']} " in proc.stdout and "❌ status" in proc.stdout

    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "daily_health_summary.sh"), "--date", "2026-1-5"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "YYYY-MM-DD" in proc.stderr


def test_what_failed_is_exactly_what_the_alert_tests_failed(on_status_season: StatusSeason) -> None:
    """One catalogue: for every date of the build, the failures status lists are the failing
    rows of the build's daily alert tests, check for check and target for target (a check the
    status forgot, or a threshold of its own, would show as a difference)."""
    from pipemon.alerts import catalogue

    checks = {c.name for c in catalogue.load() if c.is_daily}
    results = json.loads(on_status_season.run_results.read_text())["results"]
    assert {
        r["unique_id"].split(".")[2] for r in results if r["unique_id"].startswith("test.")
    } >= checks
    built: set[tuple[str, str, str]] = set()
    for result in results:
        name = result["unique_id"].split(".")[2]
        if name not in checks or result["status"] not in ("fail", "warn"):
            continue
        for day, target in on_status_season.query(
            f"select cast(game_date as varchar), cast(target as varchar) from {result['relation_name']}"
        ):
            built.add((name, day, target))
    assert len({name for name, _, _ in built}) >= 10  # the season fails many different checks

    as_of_day = status.et_date(on_status_season.as_of)
    days = sorted(
        d
        for (d,) in on_status_season.query("select game_date from monitoring.daily_pipeline_health")
        if d <= as_of_day
    )
    ctx = status.open_context("local", on_status_season.as_of)
    answered: set[tuple[str, str, str]] = set()
    try:
        for day in days:
            report = status.collect(ctx, day)
            for c in report.sections[1].checks:
                if c.state == status.FAIL:
                    answered.add((c.data["check"], day.isoformat(), c.item))
    finally:
        ctx.warehouse.close()
    judged_days = {d.isoformat() for d in days}
    assert answered == {row for row in built if row[1] in judged_days}


def test_status_and_the_alert_agree_on_every_systems_coverage(
    on_status_season: StatusSeason,
) -> None:
    """One threshold: for every date of the build, the systems `pipemon status` marks failed for
    the predictions date are exactly the systems `prediction_system_missing` failed on it, and a
    system whose coverage is short but above the alert's threshold passes in both."""
    results = json.loads(on_status_season.run_results.read_text())["results"]
    (missing,) = [r for r in results if r["unique_id"].split(".")[2] == "prediction_system_missing"]
    alerted: set[tuple[str, str]] = set()
    if missing["status"] in ("fail", "warn"):
        alerted = {
            (day, target)
            for day, target in on_status_season.query(
                "select cast(game_date as varchar), cast(target as varchar) "
                f"from {missing['relation_name']}"
            )
        }
    coverage = {
        (d.isoformat(), system): cov
        for d, system, cov in on_status_season.query(
            "select game_date, system_id, coverage from monitoring.prediction_system_coverage"
        )
    }
    as_of_day = status.et_date(on_status_season.as_of)
    days = sorted(
        d
        for (d,) in on_status_season.query("select game_date from monitoring.daily_pipeline_health")
        if d < as_of_day
    )
    ctx = status.open_context("local", on_status_season.as_of)
    failed: set[tuple[str, str]] = set()
    passed: set[tuple[str, str]] = set()
    try:
        for day in days:
            report = status.collect(ctx, day)
            predictions = next(s for s in report.sections if s.key == "predictions")
            next_day = (day + timedelta(days=1)).isoformat()
            for c in predictions.checks:
                if (next_day, c.item) not in coverage:
                    continue
                (failed if c.state == status.FAIL else passed).add((next_day, c.item))
    finally:
        ctx.warehouse.close()
    judged = {d for d, _ in failed | passed}
    assert alerted, "the season has no system below the alert's threshold to compare"
    assert failed == {row for row in alerted if row[0] in judged}
    short = {k for k in passed if coverage[k] is not None and 0 < coverage[k] < 1}
    print(f"\nsystems failed by both: {len(failed)}; short but above the threshold: {len(short)}")
