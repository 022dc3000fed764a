"""`pipemon report` opened in real headless Chromium (Debian's, driven by Playwright).

A bad day: the status season after three real runner runs (conftest_report.history_season),
judged as of its last morning (2025-12-03 failed). A good day: the clean full season after a
runner run that found nothing (quiet_season). Every number is compared with the marts or the
runner's tables, read here with SQL of the test's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import BuiltSeason
from conftest_report import HistorySeason, use_history, use_quiet
from conftest_status import XSS
from pipemon import cli, status
from pipemon.report import charts

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PANELS = ("verdict", "incidents", "week", "phases", "errors", "predictions", "freshness",
          "trend-time", "error-rate", "trend-records", "trend-coverage", "checks", "runs")  # fmt: skip
WIDTHS = (360, 768, 1400)


@pytest.fixture
def history_season(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> HistorySeason:
    return use_history(tmp_path_factory, monkeypatch)


@pytest.fixture
def quiet_season(
    clean_season: BuiltSeason,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> HistorySeason:
    return use_quiet(clean_season, tmp_path_factory, monkeypatch)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Path:
    out = tmp_path / "report.html"
    code = cli.main(["report", "--out", str(out), *args])
    printed = capsys.readouterr().out.strip()
    assert code == 0 and printed == str(out.resolve())
    return out


@contextmanager
def browser(tmp_path: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A Chromium context; yields (context, console problems, requested URLs)."""
    path = chromium_path()
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        context.on("request", lambda r: requests.append(r.url))
        try:
            yield context, console, requests
        finally:
            context.close()
    assert console == [], console  # a CSP violation (e.g. a script without its hash) lands here
    assert requests and all(u.startswith("file://") for u in requests), requests


def open_page(context: Any, console: list[str], url: str, width: int) -> Any:
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def no_horizontal_scroll(page: Any) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px window"


def in_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= 900


def open_signatures(season: HistorySeason) -> dict[str, tuple[str, str]]:
    """Incident id -> (owner, severity) of what is open: the rows `pipemon incidents` prints."""
    from datetime import UTC, datetime

    from pipemon.alerts import manage

    ctx = status.open_context(None, season.as_of)
    rows = manage.open_incident_rows(ctx.warehouse, datetime.now(UTC))
    return {str(r["incident_id"]): (str(r["owner"] or ""), str(r["severity"])) for r in rows}


def test_bad_day_reads_at_a_glance_at_every_width(
    history_season: HistorySeason, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    season = history_season
    html = write(tmp_path, capsys)
    answer = status.collect(status.open_context(None, season.as_of))
    assert not answer.ok, "the season's last morning should be a bad day"
    incidents = open_signatures(season)
    assert len(incidents) > 5
    today = status.et_date(season.as_of)
    yesterday = today - timedelta(days=1)

    with browser(tmp_path) as (context, console, _):
        page = open_page(context, console, html.as_uri(), 1400)
        # the verdict: status's own words and states, first thing on the page
        headline = page.locator("[data-headline]").inner_text()
        assert headline == answer.lines()[-1].split(" (see ")[0]
        assert headline.startswith("❌") and "problem" in headline
        judged = page.locator("[data-tile='judged']")
        assert judged.get_attribute("data-state") == "fail"
        shown = [
            t.removeprefix("❌ ")
            for t in judged.locator("li[data-line='fail']").all_text_contents()
        ]
        assert sorted(shown) == sorted(c.text for c in answer.problems)
        assert XSS in shown[0] or any(XSS in s for s in shown)  # as text, not markup
        predictions = answer.sections[2]
        assert page.locator("[data-tile='today']").get_attribute("data-state") == (
            "fail" if any(c.state == "fail" for c in predictions.checks) else
            "pending" if any(c.state == "pending" for c in predictions.checks) else "ok"
        )  # fmt: skip
        assert in_first_screen(page, "[data-headline]")
        assert in_first_screen(page, "#panel-incidents h2")
        assert in_first_screen(page, "tr.incident-row")

        # open incidents = what the runner holds open, with cause, age and owner
        rows = page.locator("tr.incident-row")
        assert rows.count() == len(incidents)
        first = rows.first
        assert first.locator("td[data-label='age']").inner_text().strip() not in ("", "-")
        assert first.locator("td[data-label='check · cause']").inner_text().strip()
        errors_first = [rows.nth(i).get_attribute("data-severity") for i in range(rows.count())]
        assert errors_first == sorted(errors_first, key=lambda s: s != "error")

        # filters change what is shown
        owner = "ml-platform"
        want = sum(1 for o, _ in incidents.values() if o == owner)
        assert 0 < want < len(incidents)
        page.select_option("select[name=owner]", owner)
        visible = page.locator("tr.incident-row:visible")
        assert visible.count() == want
        assert {visible.nth(i).get_attribute("data-owner") for i in range(want)} == {owner}
        assert (
            f"{want} of {len(incidents)} shown" in page.locator("#panel-incidents h2").inner_text()
        )
        checks_visible = page.locator("tr.check-row:visible")
        assert all(checks_visible.nth(i).get_attribute("data-owner") == owner
                   for i in range(checks_visible.count()))  # fmt: skip
        page.select_option("select[name=owner]", "")
        page.select_option("select[name=severity]", "warn")
        warn = sum(1 for _, s in incidents.values() if s == "warn")
        assert page.locator("tr.incident-row:visible").count() == warn
        page.select_option("select[name=severity]", "")
        page.fill("input[name=from]", str(yesterday))
        week_rows = page.locator("[data-panel='week'] tbody tr:visible")
        assert week_rows.count() == 1 and week_rows.first.get_attribute("data-date") == str(
            yesterday
        )
        page.click("button[type=reset]")
        # a function, not an expression string: the page's CSP forbids eval, which an expression
        # string needs once Playwright has to poll
        page.wait_for_function(
            "(n) => document.querySelectorAll('tr.incident-row:not([hidden])').length === n",
            arg=len(incidents),
        )

        # the plan's four panels carry the marts' numbers
        week = season.query(
            "select cast(game_date as varchar), games_scheduled, games_with_box_scores, "
            "players_with_line from monitoring.daily_pipeline_health "
            "where game_date between ? and ? order by 1",
            [yesterday - timedelta(days=6), yesterday],
        )
        table = page.locator("[data-panel='week'] tbody tr")
        assert table.count() == 7
        for i, (day, games, box, line) in enumerate(week):
            row = table.nth(i)
            assert row.get_attribute("data-date") == day
            assert row.locator("[data-field='games_scheduled']").inner_text() == str(games)
            assert row.locator("[data-field='games_with_box_scores']").inner_text() == str(box)
            assert row.locator("[data-field='players_with_line']").inner_text() == str(line)
        phase3 = season.query(
            "select sum(records_processed) from monitoring.processor_daily_stats "
            "where data_date = ? and phase = 'phase3'",
            [yesterday],
        )[0][0]
        cell = table.nth(6).locator("[data-field='phase3_records']").inner_text()
        assert cell == f"{phase3:,.0f}"
        for number in range(1, 6):
            day = today if number in (1, 4, 5) else yesterday
            want_status = season.query(
                "select phase_status from monitoring.phase_completion "
                "where phase_number = ? and data_date = ?",
                [number, day],
            )[0][0]
            card = page.locator(f"[data-panel='phases'] [data-phase='{number}']")
            assert card.get_attribute("data-status") == want_status
        for system_id, line, predicted in season.query(
            "select system_id, players_with_line, players_predicted "
            "from monitoring.prediction_system_coverage where game_date = ?",
            [today],
        ):
            row = page.locator(f"tr[data-system='{system_id}']")
            assert row.locator("[data-field='players_with_line']").inner_text() == str(line)
            assert row.locator("[data-field='players_predicted']").inner_text() == str(predicted)
        errors = page.locator("[data-panel='errors']")
        assert errors.locator(f"rect[data-label='processor {season.xss_processor}']").count() == 1
        assert XSS in errors.locator("td.msg").all_inner_texts()
        assert page.evaluate("typeof window.__xss") == "undefined"

        # trends: labelled axes, baselines, the incomplete days marked
        for name in ("processing time per day", "error rate per day",
                     "records processed per day", "prediction coverage per day"):  # fmt: skip
            svg = page.locator(f"svg[data-chart='{name}']")
            assert (svg.locator("text[data-axis='y']").text_content() or "").strip(), name
            assert svg.locator("text[data-axis='x']").text_content() == "game date (ET)"
            assert svg.locator("polyline.dashed").count() >= 1, f"{name}: no baseline"
        bad_days = {
            f"{d:%m-%d}"
            for (d,) in season.query(
                "select game_date from monitoring.daily_pipeline_health where game_date "
                "between ? and ? and overall_status in ('PARTIAL', 'INCOMPLETE')",
                [yesterday - timedelta(days=29), yesterday],
            )
        }
        assert bad_days, "the window holds incomplete days"
        marked = page.locator("svg[data-chart='records processed per day'] rect.marker")
        assert {
            marked.nth(i).get_attribute("data-marker") for i in range(marked.count())
        } == bad_days

        # the monitor's own history: per-check strips, flakiness, runs, freshness
        strips = dict(
            season.query(
                "select test_name, string_agg(status, ',' order by completed_at) "
                "from monitoring.fct_test_results where test_name = 'feature_store_degraded' "
                "group by test_name"
            )
        )
        check = page.locator("tr.check-row[data-check='feature_store_degraded']")
        assert check.get_attribute("data-history") == strips["feature_store_degraded"]
        # the second run judges only the last 3 days plus the dates of open incidents, so the
        # unfixed feature-store incident is judged again and fails again (never falsely passes)
        assert strips["feature_store_degraded"] == "fail,fail"
        runs = season.query("select count(*) from monitoring.fct_monitor_runs")[0][0]
        assert page.locator("tr.run-row").count() == runs == season.runs
        stopped = page.locator("[data-source='nba_orchestration.dependency_check_log']")
        assert "stopped" in stopped.inner_text()

        for panel in PANELS:
            assert page.locator(f"[data-panel='{panel}']").is_visible(), panel
        no_horizontal_scroll(page)
        page.screenshot(path=str(tmp_path / "bad-1400.png"))

        for width in (360, 768):
            small = open_page(context, console, html.as_uri(), width)
            no_horizontal_scroll(small)
            assert in_first_screen(small, "[data-headline]")
            assert small.locator("tr.incident-row").first.is_visible()
            small.screenshot(path=str(tmp_path / f"bad-{width}.png"))


def test_good_day_reads_all_clear(
    quiet_season: HistorySeason, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = write(tmp_path, capsys)
    answer = status.collect(status.open_context(None, quiet_season.as_of))
    assert answer.ok, [c.text for c in answer.problems]
    assert quiet_season.query("select count(*) from monitoring.alert_log")[0][0] == 0
    with browser(tmp_path) as (context, console, _):
        for width in WIDTHS:
            page = open_page(context, console, html.as_uri(), width)
            assert page.locator("[data-headline]").inner_text() == "✅ all clear"
            assert page.locator("[data-panel='verdict']").get_attribute("data-state") == "ok"
            assert page.locator("[data-tile='judged']").get_attribute("data-state") == "ok"
            assert page.locator("[data-tile='judged'] li[data-line='fail']").count() == 0
            assert page.locator("[data-empty='incidents']").inner_text() == "No open incidents."
            assert in_first_screen(page, "[data-empty='incidents']") or width < 1400
            assert page.locator("rect.marker").count() == 0  # no incident day to mark
            no_horizontal_scroll(page)


def test_report_html_escapes_data_and_needs_no_network(
    history_season: HistorySeason, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = write(tmp_path, capsys).read_text()
    assert XSS not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;img src=x onerror=" in html
    assert html.lower().count("<script") == 1  # the filters, allowed by hash in the CSP
    assert "script-src 'sha256-" in html and "default-src 'none'" in html
    assert "http://" not in html and "https://" not in html


def test_report_without_marts_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "none.duckdb"))
    code = cli.main(["report", "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 3 and "make demo" in err and not (tmp_path / "r.html").exists()


def test_chart_axes_are_round_and_bars_scale() -> None:
    assert [charts.nice_max(v) for v in (0, 7, 14, 180, 0.06)] == [1.0, 10.0, 20.0, 200.0, 0.1]
    chart = charts.grouped_bars(["d1", "d2"], [("games", [5, 10], "s1")])
    tall, short = chart.bars[1], chart.bars[0]
    assert tall.h == pytest.approx(chart.plot["height"]) and short.h == pytest.approx(tall.h / 2)
    lines = charts.line_chart(
        ["a", "b", "c"], [("r", [0.1, None, 0.2], "s1")], pct=True,
        baselines=[("base", [0.1, 0.1, 0.1], "s1")], markers=[(1, "incident")],
    )  # fmt: skip
    assert len(lines.lines[0]["paths"]) == 2  # a day without runs breaks the line
    assert lines.lines[1]["dashed"] and lines.markers[0]["label"] == "b"
