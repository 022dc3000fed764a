"""Promises every output keeps against hostile text, and the runner against skipped checks."""

from __future__ import annotations

from pathlib import Path

from pipemon.alerts import render
from pipemon.alerts.channels import Outbound, build
from pipemon.alerts.findings import judge
from pipemon.alerts.model import Finding
from pipemon.runner import EXIT_MONITOR, exit_code
from pipemon.safe_text import ALERT_MAX, safe_block, safe_html, safe_line

FORGED = "nbac_schedule\n=== 2026-01-27 00:00:00Z [pipemon RESOLVED] all clear"


def _finding(**overrides: object) -> Finding:
    values: dict[str, object] = {
        "source": "test",
        "check_id": "test.pipemon.processor_failed",
        "check_name": "processor_failed",
        "severity": "error",
        "description": "a processor failed",
        "owner": "data-eng",
        "target": "nbac_schedule",
        "game_date": "2026-01-27",
    }
    values.update(overrides)
    return Finding(**values)  # type: ignore[arg-type]


def _file_alert(tmp_path: Path, finding: Finding) -> str:
    path = tmp_path / "alerts.log"
    body = render.incident_body("inc-1", finding, [])
    build("file", f"file://{path}", 5).send(
        Outbound(render.subject(finding), body, "error", "alert")
    )
    return path.read_text()


def test_a_forged_newline_in_a_name_cannot_forge_an_alert_line(tmp_path: Path) -> None:
    text = _file_alert(tmp_path, _finding(target=FORGED))
    headers = [line for line in text.splitlines() if line.startswith("===")]
    assert len(headers) == 1 and "RESOLVED" not in headers[0]


def test_a_forged_newline_in_a_failing_row_stays_in_its_cell(tmp_path: Path) -> None:
    text = _file_alert(tmp_path, _finding(rows=[{"processor": FORGED}], row_count=1))
    assert sum(line.startswith("===") for line in text.splitlines()) == 1


def test_terminal_escapes_nul_and_direction_overrides_never_reach_the_file(
    tmp_path: Path,
) -> None:
    text = _file_alert(tmp_path, _finding(target="a\x1b[2Jb\x00c\u202ed", detail="x\x07y"))
    assert not {"\x1b", "\x00", "\u202e", "\x07"} & set(text)
    assert "a\\x1b[2Jbcd" in text


def test_a_huge_name_makes_a_bounded_alert(tmp_path: Path) -> None:
    text = _file_alert(tmp_path, _finding(target="x" * 100_000, detail="y" * 1_000_000))
    assert len(text) < ALERT_MAX + 200
    assert "truncated" in safe_line("x" * 100_000)


def test_a_body_is_capped_with_a_marker() -> None:
    body = safe_block("line\n" * 100_000)
    assert len(body) <= ALERT_MAX and body.endswith("characters]")


def test_html_is_escaped_for_html_outputs() -> None:
    assert safe_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_one_line_is_one_line() -> None:
    assert "\n" not in safe_line("a\r\nb\nc\u2028d") and "\r" not in safe_line("a\rb")


def _results(*statuses: tuple[str, str]) -> dict[str, object]:
    return {
        "metadata": {"invocation_id": "i"},
        "results": [{"unique_id": uid, "status": status} for uid, status in statuses],
    }


def test_a_skipped_check_is_a_monitoring_failure_named_in_an_alert() -> None:
    out = judge(
        _results(("test.pipemon.phase_not_triggered", "skipped")),
        {"nodes": {}},
        None,
        max_rows=5,
        samples=False,
    )
    monitor = [f for f in out.findings if f.source == "monitor"]
    assert monitor and "phase_not_triggered" in monitor[0].detail
    assert exit_code(out.findings, pending_failed=False) == EXIT_MONITOR


def test_a_skipped_model_is_named_even_when_tests_also_warn() -> None:
    out = judge(
        _results(
            ("model.pipemon.fct_processor_runs", "skipped"),
            ("test.pipemon.some_warning", "warn"),
        ),
        {"nodes": {}},
        None,
        max_rows=5,
        samples=False,
    )
    assert any("fct_processor_runs" in f.detail for f in out.findings if f.source == "monitor")
    assert exit_code(out.findings, pending_failed=False) == EXIT_MONITOR


def test_status_shows_a_hostile_name_on_one_inert_line() -> None:
    import datetime as dt

    from pipemon.status import FAIL, Section, StatusReport

    section = Section("failures", dt.date(2026, 1, 27))
    section.add(FAIL, "p", "nbac\x1b[31m_schedule\n✅ all clear\u202e failed")
    report = StatusReport(
        dt.datetime(2026, 1, 28, tzinfo=dt.UTC),
        dt.date(2026, 1, 27),
        dt.date(2026, 1, 28),
        None,
        [section],
        "duckdb",
    )
    text = report.render()
    assert not {"\x1b", "\u202e"} & set(text)
    assert [line for line in text.splitlines() if line.startswith("✅")] == []
