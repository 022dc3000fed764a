"""The command line as a scheduler sees it: exit codes, pure JSON on stdout, no secret in any
output, and two concurrent runs that never both send."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

from pipemon import cli, runner

PIPEMON = [sys.executable, "-m", "pipemon.cli"]
SECRET_USER, SECRET_PASS, SECRET_PATH = "hookuser", "S3cr3tPassw0rd", "tok3nXYZ98765abc"


def run_cli(args, timeout=120):
    return subprocess.run(
        [*PIPEMON, *args], capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
    )


def test_help_documents_exit_codes(capsys):
    parser = cli.build_parser()
    for command in ("run", "alert"):
        with contextlib.suppress(SystemExit):
            parser.parse_args([command, "--help"])
        out = capsys.readouterr().out
        for code, text in runner.EXIT_CODES.items():
            assert f"  {code}  {text.split(':')[0]}" in out


def test_json_stdout_is_pure_json_while_dbt_runs(env):
    env.write_config("channels: {}\n")
    proc = run_cli(
        [
            "run",
            "--json",
            "--dry-run",
            "--no-freshness",
            "--max-rows",
            "1",
            "--vars",
            '{"failing": ["nbac_injury_report", "bdl_player_boxscores"]}',
        ]
    )
    assert proc.returncode == runner.EXIT_FAIL, proc.stderr
    document = json.loads(proc.stdout)  # nothing but the document
    assert list(document) == ["alerts"]
    keys = ["test", "severity", "game_date", "target", "subject", "description", "owner", "rows"]
    assert all(list(a) == keys for a in document["alerts"])
    targets = sorted((a["target"], a["game_date"]) for a in document["alerts"])
    assert targets == [
        ("bdl_player_boxscores", "2025-12-03"),
        ("nbac_injury_report", "2025-12-02"),
        ("nbac_injury_report", "2025-12-03"),
    ]
    assert all(len(a["rows"]) == 1 for a in document["alerts"])
    assert "processor_failed" in proc.stderr  # dbt's own output went to stderr
    assert env.query("select count(*) from monitoring.alert_log") == [(0,)]  # dry run


def test_secret_in_webhook_url_never_appears(env, webhook):
    env.write_config("channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n")
    url = f"json://{SECRET_USER}:{SECRET_PASS}@127.0.0.1:{webhook.port}/hook/{SECRET_PATH}"
    env.monkeypatch.setenv("T_HOOK_URL", url)
    webhook.mode = "fail"
    failed = run_cli(["alert"])
    webhook.mode = "ok"
    sent = run_cli(["alert", "--json"])
    assert failed.returncode == runner.EXIT_MONITOR and sent.returncode == runner.EXIT_FAIL
    assert webhook.posts and webhook.posts[0]["path"] == f"/hook/{SECRET_PATH}"
    assert webhook.posts[0]["headers"]["Authorization"].startswith("Basic ")
    stored = env.query("select * from monitoring.alert_log")
    outputs = [failed.stdout, failed.stderr, sent.stdout, sent.stderr, repr(stored)]
    assert "failed, stays pending" in failed.stderr
    for text in outputs:
        for secret in (SECRET_PASS, SECRET_PATH, url):
            assert secret not in text


def test_two_concurrent_runs_send_once(env, webhook):
    env.write_config("channels:\n  hook: {url: '${T_HOOK_URL}'}\ndefault_channels: [hook]\n")
    env.monkeypatch.setenv("T_HOOK_URL", webhook.url())
    procs = [
        subprocess.Popen(
            [*PIPEMON, "alert"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(2)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [runner.EXIT_FAIL, runner.EXIT_FAIL]
    assert sorted(webhook.titles) == sorted(set(webhook.titles)) and len(webhook.titles) == 3
    kinds = env.query("select kind, count(*) from monitoring.alert_log group by 1 order by 1")
    assert kinds == [("alert", 3), ("suppressed", 3)]
