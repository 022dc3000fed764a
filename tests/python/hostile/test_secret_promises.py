"""Promises the instrumentation, the probe and the deploy script keep about secrets: a credential
in an error, a log line or a config mistake is scrubbed before it is stored or printed."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from pipemon.alerts.redact import REDACTED, scrub_credentials
from pipemon.instrument import SinkError, track_execution

ROOT = Path(__file__).resolve().parents[3]
DSN_PASSWORD = "hunter2-dsn-password"
SIGNATURE = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
API_KEY = "AIza" + "S" * 35


class _FailingSink:
    """A sink whose driver error quotes its DSN, password and all."""

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        raise ConnectionError(
            f"could not connect to postgresql://monitor:{DSN_PASSWORD}@db.internal:5432/pipeline"
        )


def test_a_sink_error_quoting_its_dsn_reaches_neither_the_log_nor_the_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="pipemon")
    with (
        pytest.raises(SinkError) as raised,
        track_execution(
            "player_game_summary",
            phase="phase3",
            data_date=date(2026, 1, 27),
            sink=_FailingSink(),
            strict=True,
        ),
    ):
        pass
    logged = "\n".join(
        r.getMessage() + (r.exc_text or "") + str(r.exc_info or "") for r in caplog.records
    )
    assert "could not write" in logged and "ConnectionError" in logged  # still diagnosable
    assert DSN_PASSWORD not in logged
    assert DSN_PASSWORD not in str(raised.value)


def test_a_processor_error_holding_a_signed_url_is_stored_scrubbed() -> None:
    from pipemon.instrument import MemorySink

    sink = MemorySink()
    signed = (
        "https://storage.googleapis.com/nba-scraped/x.json?X-Goog-Algorithm=GOOG4-RSA-SHA256"
        f"&X-Goog-Credential=svc%40p.iam&X-Goog-Signature={SIGNATURE}"
    )
    with (
        pytest.raises(RuntimeError),
        track_execution("player_game_summary", phase="phase3", sink=sink),
    ):
        raise RuntimeError(f"download failed: {signed} (key {API_KEY})")
    (row,) = sink.tables["processor_execution_log"]
    message = row["error_message"]
    assert SIGNATURE not in message and "svc%40p.iam" not in message and API_KEY not in message
    assert "download failed" in message and REDACTED in message


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer ya29.a0AfH6SMBexampletokenvalue",
        "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
        f"proxy http://user:{DSN_PASSWORD}@proxy:3128 refused",
        "slack said invalid_auth for " + "xoxb" + "-1234567890-abcdefghij",  # split: secret scan
    ],
)
def test_the_one_scrubber_removes_every_credential_shape(text: str) -> None:
    scrubbed = scrub_credentials(text)
    for secret in ("ya29.a0AfH6SMBexampletokenvalue", "XXXXXXXXXXXXXXXX", DSN_PASSWORD, "xoxb-"):
        assert secret not in scrubbed


def test_a_firestore_error_quoting_a_credential_is_printed_scrubbed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipemon.commands import probe as probe_command

    class _Client:
        def collection(self, name: str) -> Any:
            raise PermissionError(
                f"token refresh via https://proxy:{DSN_PASSWORD}@oauth2.googleapis.com failed "
                "for access_token=ya29.secretsecretsecret"
            )

    args = argparse.Namespace(firestore_days=2, dry_run=True)
    code = probe_command._snapshot_firestore(args, client=_Client())
    err = capsys.readouterr().err
    assert code != 0 and "reading Firestore failed: PermissionError" in err
    assert DSN_PASSWORD not in err and "ya29.secretsecretsecret" not in err


def _deploy() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pipemon_deploy_hostile", ROOT / "deploy/deploy.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _deploy_error(tmp_path: Path, mutate: Any) -> str:
    deploy = _deploy()
    config = yaml.safe_load((ROOT / "deploy/schedules.yml").read_text())
    mutate(config)
    path = tmp_path / "schedules.yml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(deploy.ConfigError) as raised:
        deploy.load_config(path)
    return str(raised.value)


def test_a_secret_value_put_where_a_reference_belongs_is_never_echoed(tmp_path: Path) -> None:
    message = _deploy_error(
        tmp_path, lambda c: c["job"]["secrets"].update(PIPEMON_SMTP_PASSWORD=DSN_PASSWORD)
    )
    assert "job.secrets.PIPEMON_SMTP_PASSWORD" in message and "NAME:VERSION" in message
    assert DSN_PASSWORD not in message


@pytest.mark.parametrize(
    "value",
    [
        f"https://example.com/hook?token={SIGNATURE}",
        f"Bearer {SIGNATURE}",
        API_KEY,
    ],
)
def test_a_credential_shaped_env_value_is_refused_by_deploy(tmp_path: Path, value: str) -> None:
    message = _deploy_error(tmp_path, lambda c: c["job"]["env"].update(PIPEMON_EXTRA=value))
    assert "looks like a secret" in message and SIGNATURE not in message
