"""Promises the channels keep: a setting that stops a run is a monitoring failure every channel
hears of, and each channel gets text in its own format (real SMTP and HTTP servers)."""

from __future__ import annotations

from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from pipemon import cli
from pipemon.alerts import render
from pipemon.alerts.channels import Outbound, build
from pipemon.alerts.model import Finding
from runner.conftest import Smtp, Webhook, free_port
from runner.conftest import webhook as webhook  # noqa: F401 - the real HTTP receiver fixture

HOSTILE_NAME = "<script>alert(1)</script> & co"


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(port=free_port())
    server.start()
    yield server
    server.stop()


def _subject(message: object) -> str:
    return str(make_header(decode_header(message["Subject"])))  # type: ignore[index]


# -- a setting that stops the run is a monitoring failure --------------------------------------
@pytest.mark.parametrize(
    ("vars_", "expected"),
    [
        ('{as_of: "2026-02-30 10:00:00"}', "as_of must be a UTC time 'YYYY-MM-DD HH:MM:SS'"),
        ("{monitor_lookback_days: 0}", "monitor_lookback_days must be a whole number from 1 to"),
        ("{as_of: [unclosed", "--vars is not YAML/JSON"),
    ],
)
def test_run_with_a_bad_setting_exits_3_and_tells_every_enabled_channel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    smtp: Smtp,
    webhook: Webhook,
    vars_: str,
    expected: str,
) -> None:
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    monkeypatch.setenv("PIPEMON_DUCKDB_PATH", str(warehouse))
    log = tmp_path / "alerts.log"
    config = tmp_path / "alerts.yml"
    config.write_text(
        "channels:\n"
        f"  file:\n    url: file://{log}\n"
        f"  email:\n    url: '{smtp.url()}'\n"
        f"  webhook:\n    url: '{webhook.url()}'\n"
        "routes:\n  - match: {severity: warn}\n    channels: [webhook]\n"
        "default_channels: [file]\n"
    )
    code = cli.main(["run", "--vars", vars_, "--config", str(config)])
    assert code == 3
    assert expected in capsys.readouterr().err
    assert expected in log.read_text()
    assert len(smtp.messages) == 1 and expected in Smtp.text(smtp.messages[0])
    assert len(webhook.posts) == 1 and expected in webhook.posts[0]["json"]["message"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["status", "--as-of", "2026-02-30 10:00:00"], "expected a UTC time"),
        (["report", "--as-of", "2026-02-30 10:00:00"], "expected a UTC time"),
        (["show", "i1' or '1'='1"], "an incident id is letters and digits"),
        (["run", "--dry-run", "--vars", "{monitor_lookback_days: 0}"], "must be a whole number"),
    ],
)
def test_a_read_only_command_keeps_exit_2_for_a_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """A dry run sends and records nothing: its bad setting is a usage error too."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert expected in capsys.readouterr().err


# -- each channel its own format ---------------------------------------------------------------
def _finding() -> Finding:
    return Finding(
        source="test",
        check_id="test.pipemon.processor_failed",
        check_name="processor_failed",
        severity="error",
        description="a processor failed",
        owner="data-eng",
        target=HOSTILE_NAME,
        game_date="2026-01-27",
        rows=[{"processor": HOSTILE_NAME}],
        row_count=1,
    )


def _send(url: str) -> None:
    finding = _finding()
    body = render.incident_body("inc-1", finding, [])
    build("channel", url, 5).send(Outbound(render.subject(finding), body, "error", "alert"))


def test_an_email_gets_plain_text_in_its_subject_and_body(smtp: Smtp) -> None:
    _send(smtp.url())
    (message,) = smtp.messages
    subject, body = _subject(message), Smtp.text(message)
    assert HOSTILE_NAME in subject and "&lt;" not in subject and "&amp;" not in subject
    assert HOSTILE_NAME in body and "&lt;" not in body and "&amp;" not in body


def test_an_html_email_gets_escaped_html(smtp: Smtp) -> None:
    _send(smtp.url() + "&format=html")
    (message,) = smtp.messages
    html = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/html"
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;" not in _subject(message)


def test_a_json_webhook_gets_plain_text(webhook: Webhook) -> None:
    _send(webhook.url())
    (post,) = webhook.posts
    assert HOSTILE_NAME in post["json"]["title"] and HOSTILE_NAME in post["json"]["message"]
    assert "&lt;" not in post["json"]["title"] + post["json"]["message"]
