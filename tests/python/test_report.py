"""`pipemon report` opened in real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest_status import XSS, StatusSeason, use_season
from pipemon import cli, report, status
from pipemon.report import charts

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PANELS = ("week", "phases", "errors", "predictions", "durations", "error-rate", "alerts")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def season(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> StatusSeason:
    return use_season(tmp_path_factory, monkeypatch)


def record_incidents(season: StatusSeason, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pipemon alert` on the season's build, so the warehouse holds open incidents."""
    from pipemon import runner

    config = tmp_path / "alerts.yml"
    config.write_text(f"channels:\n  log: {{url: 'file://{tmp_path}/alerts.log'}}\n"
                      "default_channels: [log]\n")  # fmt: skip
    monkeypatch.setenv("PIPEMON_ALERTS_CONFIG", str(config))
    monkeypatch.setenv("DBT_TARGET_PATH", str(season.target_path))
    runner.execute(runner.RunOptions(command="alert"))


@pytest.fixture
def written(
    season: StatusSeason,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    record_incidents(season, tmp_path, monkeypatch)
    out = tmp_path / "report.html"
    capsys.readouterr()
    code = cli.main(["report", "--out", str(out)])
    printed = capsys.readouterr().out.strip()
    assert code == 0 and printed == str(out.resolve())
    return out


def expected(season: StatusSeason) -> dict[str, Any]:
    """The numbers the panels must show, read straight from the marts."""
    today = status.et_date(season.as_of)
    yesterday = today - timedelta(days=1)
    week = season.query(
        "select cast(game_date as varchar), games_scheduled, games_with_box_scores, "
        "players_with_line, players_predicted_all_systems, feature_rows "
        "from monitoring.daily_pipeline_health where game_date between ? and ? order by 1",
        [yesterday - timedelta(days=6), yesterday],
    )
    systems = season.query(
        "select system_id, players_with_line, players_predicted "
        "from monitoring.prediction_system_coverage where game_date = ? order by 1",
        [today],
    )
    phases = {
        n: season.query(
            "select phase_status from monitoring.phase_completion "
            "where phase_number = ? and data_date = ?",
            [n, today if n in (1, 4, 5) else yesterday],
        )[0][0]
        for n in range(1, 6)
    }
    failing = [
        r
        for r in json.loads(season.run_results.read_text())["results"]
        if r["unique_id"].startswith("test.") and r["status"] in ("fail", "warn", "error")
    ]
    incidents = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pipemon.cli", "incidents", "--json"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout
    )["incidents"]  # fmt: skip
    return {"week": week, "systems": systems, "phases": phases, "failing": failing,
            "incidents": incidents}  # fmt: skip


def test_report_renders_in_chromium(season: StatusSeason, written: Path, tmp_path: Path) -> None:
    browser_path = chromium_path()
    if browser_path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    want = expected(season)
    console: list[str] = []
    requests: list[str] = []
    shot = tmp_path / "report.png"
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=browser_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda m: console.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda e: console.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(written.as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(shot), full_page=True)

            for panel in PANELS:
                assert page.locator(f"[data-panel='{panel}']").is_visible(), panel
            for name in ("games per day", "predictions per system", "error rate per day"):
                box = page.locator(f"svg[data-chart='{name}']").bounding_box()
                assert box and box["width"] > 300 and box["height"] > 100, name

            # last 7 days: the table and the bars carry the mart's numbers
            rows = page.locator("[data-panel='week'] tbody tr")
            assert rows.count() == len(want["week"]) == 7
            for i, (day, games, box_scores, line, predicted, features) in enumerate(want["week"]):
                row = rows.nth(i)
                assert row.get_attribute("data-date") == day

                def cell(field: str, row: Any = row) -> str:
                    return str(row.locator(f"[data-field='{field}']").inner_text())

                assert cell("games_scheduled") == str(games)
                assert cell("games_with_box_scores") == str(box_scores)
                assert cell("players_with_line") == str(line)
                assert cell("players_predicted_all_systems") == str(predicted)
                assert cell("feature_rows") == str(features)
            bars = page.locator(
                "svg[data-chart='games per day'] rect[data-series='games scheduled']"
            )
            assert [bars.nth(i).get_attribute("data-value") for i in range(bars.count())] == [
                str(w[1]) for w in want["week"]
            ]

            # today's phases
            for number, phase_status in want["phases"].items():
                card = page.locator(f"[data-panel='phases'] [data-phase='{number}']")
                assert card.get_attribute("data-status") == phase_status

            # predictions generated vs expected
            for system_id, line, predicted in want["systems"]:
                row = page.locator(f"[data-panel='predictions'] tr[data-system='{system_id}']")
                assert row.locator("[data-field='players_with_line']").inner_text() == str(line)
                assert row.locator("[data-field='players_predicted']").inner_text() == str(
                    predicted
                )
            assert want["systems"], "no prediction rows for today"

            # errors of the last 24 h: the injected message is shown as inert text
            errors = page.locator("[data-panel='errors']")
            assert (
                errors.locator(f"rect[data-label='processor {season.xss_processor}']").count() == 1
            )
            messages = errors.locator("td.msg").all_inner_texts()
            assert XSS in messages
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("img").count() == 0
            assert page.locator("script").count() == 0

            # open alerts: exactly the open incidents `pipemon incidents` lists
            alerts = page.locator("[data-panel='alerts'] tr.alert-row")
            assert alerts.count() == len(want["incidents"]) > 0
            shown = alerts.locator("td.msg").all_inner_texts()
            assert shown == [i["subject"] for i in want["incidents"]]
        finally:
            context.close()

    assert console == []
    assert all(url.startswith("file://") for url in requests), requests
    assert shot.stat().st_size > 20_000


def test_report_html_escapes_data_and_needs_no_network(written: Path) -> None:
    html = written.read_text()
    assert XSS not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;&lt;img src=x onerror=" in html
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert "default-src 'none'" in html


def test_report_without_marts_says_what_to_do(
    season: StatusSeason,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(tmp_path / "none.duckdb"))
    code = cli.main(["report", "--out", str(tmp_path / "r.html")])
    err = capsys.readouterr().err
    assert code == 3 and "make demo" in err and not (tmp_path / "r.html").exists()


def test_open_alerts_panel_equals_pipemon_incidents(
    season: StatusSeason, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_incidents(season, tmp_path, monkeypatch)
    listed = subprocess.run(
        [sys.executable, "-m", "pipemon.cli", "incidents", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    from pipemon.warehouse import open_warehouse, resolve

    wh = open_warehouse(resolve())
    try:
        rows, source = report.open_alerts(wh)
    finally:
        wh.close()
    ids = [i["incident_id"] for i in json.loads(listed.stdout)["incidents"]]
    assert ids and [r["incident_id"] for r in rows] == ids
    assert "pipemon incidents" in source


def test_chart_axes_are_round_and_bars_scale() -> None:
    assert [charts.nice_max(v) for v in (0, 7, 14, 180, 0.06)] == [1.0, 10.0, 20.0, 200.0, 0.1]
    chart = charts.grouped_bars(["d1", "d2"], [("games", [5, 10], "s1")])
    tall, short = chart.bars[1], chart.bars[0]
    assert tall.h == pytest.approx(chart.plot["height"]) and short.h == pytest.approx(tall.h / 2)
    lines = charts.line_chart(["a", "b", "c"], [("r", [0.1, None, 0.2], "s1")], pct=True)
    assert len(lines.lines[0]["paths"]) == 2  # a day without runs breaks the line
