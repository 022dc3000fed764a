"""deploy/deploy.py in dry-run: the rendered gcloud/bq commands, and errors on bad config."""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "deploy.py"
SCHEDULES = ROOT / "deploy" / "schedules.yml"
RUNNER_SA = "pipemon-runner@my-proj.iam.gserviceaccount.com"
INVOKER_SA = "pipemon-scheduler@my-proj.iam.gserviceaccount.com"
ARGS = [
    "--project=my-proj",
    "--region=us-east1",
    "--image=us-east1-docker.pkg.dev/my-proj/pipemon/pipemon:1.0",
    f"--service-account={RUNNER_SA}",
    f"--invoker-service-account={INVOKER_SA}",
]
SECRET_VALUE = "hunter2-do-not-print"


def load_deploy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pipemon_deploy", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


deploy = load_deploy()


@pytest.fixture(scope="module")
def dry_run() -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PIPEMON_ALERT_EMAIL_URL": SECRET_VALUE,
        "PIPEMON_ALERT_WEBHOOK_URL": SECRET_VALUE,
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *ARGS, "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def commands(output: str, prefix: str) -> list[list[str]]:
    """Every command in the rendered script that starts with ``prefix``."""
    found = []
    for line in output.splitlines():
        for part in line.replace("; then", "").split(" || "):
            argv = shlex.split(part.strip().removeprefix("if ").removesuffix(">/dev/null 2>&1"))
            if argv[: len(prefix.split())] == prefix.split():
                found.append(argv)
    return found


def flags(argv: list[str]) -> dict[str, str]:
    return dict(arg[2:].split("=", 1) for arg in argv if arg.startswith("--") and "=" in arg)


def test_dry_run_exits_zero_and_runs_nothing(dry_run: subprocess.CompletedProcess[str]) -> None:
    assert dry_run.returncode == 0, dry_run.stderr
    assert dry_run.stdout.startswith("#!/usr/bin/env bash")
    assert "==>" not in dry_run.stdout  # execution progress is never printed in a dry run


def test_four_scheduler_jobs_with_cron_time_zone_and_selection(
    dry_run: subprocess.CompletedProcess[str],
) -> None:
    created = commands(dry_run.stdout, "gcloud scheduler jobs create http")
    updated = commands(dry_run.stdout, "gcloud scheduler jobs update http")
    probes = commands(dry_run.stdout, "gcloud scheduler jobs describe")
    assert len(created) == len(updated) == len(probes) == 4

    expected = {
        "pipemon-morning-full": ("0 8 * * *", ["run", "--summary"]),
        "pipemon-phase-state": ("0 14 * * *", ["run", "--select", "+tag:phase_state"]),
        "pipemon-dead-letters": (
            "*/10 * * * *",
            ["run", "--selector", "dead_letter_check", "--no-freshness"],
        ),
        "pipemon-season-sweep": ("0 9 * * 1", ["sweep"]),
    }
    uri = (
        "https://us-east1-run.googleapis.com/apis/run.googleapis.com/v1/"
        "namespaces/my-proj/jobs/pipemon:run"
    )
    for argv in created + updated:
        name = argv[5]
        cron, args = expected[name]
        f = flags(argv)
        assert f["schedule"] == cron
        assert f["time-zone"] == "America/New_York"
        assert f["uri"] == uri
        assert f["http-method"] == "POST"
        assert f["oauth-service-account-email"] == INVOKER_SA
        assert f["location"] == "us-east1" and f["project"] == "my-proj"
        body = json.loads(f["message-body"])
        assert body == {"overrides": {"containerOverrides": [{"args": args}]}}
    assert {argv[5] for argv in created} == set(expected)
    assert all(flags(a)["headers"] == "Content-Type=application/json" for a in created)
    assert all(flags(a)["update-headers"] == "Content-Type=application/json" for a in updated)


def test_cloud_run_job_env_and_secret_references(
    dry_run: subprocess.CompletedProcess[str],
) -> None:
    (job,) = commands(dry_run.stdout, "gcloud run jobs deploy")
    f = flags(job)
    assert job[4] == "pipemon"
    assert f["image"] == "us-east1-docker.pkg.dev/my-proj/pipemon/pipemon:1.0"
    assert f["service-account"] == RUNNER_SA
    env = dict(item.split("=", 1) for item in f["set-env-vars"].split(","))
    assert env["PIPEMON_TARGET"] == "bigquery"
    assert env["PIPEMON_BQ_PROJECT"] == "my-proj"
    assert env["PIPEMON_BQ_DATASET"] == "nba_monitoring"
    assert not any("PASSWORD" in key or "WEBHOOK" in key for key in env)
    secrets = dict(item.split("=", 1) for item in f["set-secrets"].split(","))
    assert secrets == {
        "PIPEMON_ALERT_EMAIL_URL": "pipemon-alert-email-url:latest",
        "PIPEMON_ALERT_WEBHOOK_URL": "pipemon-alert-webhook-url:latest",
    }


def test_no_secret_values_in_output(dry_run: subprocess.CompletedProcess[str]) -> None:
    assert SECRET_VALUE not in dry_run.stdout + dry_run.stderr


def test_iam_bindings_are_exactly_the_needed_ones(
    dry_run: subprocess.CompletedProcess[str],
) -> None:
    out = dry_run.stdout
    member = f"serviceAccount:{RUNNER_SA}"
    (project_binding,) = commands(out, "gcloud projects add-iam-policy-binding")
    assert flags(project_binding)["role"] == "roles/bigquery.jobUser"
    assert flags(project_binding)["member"] == member

    grants = [argv[-1] for argv in commands(out, "bq --project_id=my-proj --location=US query")]
    viewer = {g.split("`")[3].split(".")[1] for g in grants if "roles/bigquery.dataViewer" in g}
    editor = {g.split("`")[3].split(".")[1] for g in grants if "roles/bigquery.dataEditor" in g}
    assert viewer == {
        "nba_orchestration",
        "nba_reference",
        "nba_raw",
        "nba_analytics",
        "nba_predictions",
    }
    assert "nba_monitoring" in editor and editor.isdisjoint(viewer)
    assert all(g.endswith(f'TO "{member}"') for g in grants)
    assert len(grants) == len(viewer) + len(editor)

    (invoker,) = commands(out, "gcloud run jobs add-iam-policy-binding")
    assert flags(invoker)["member"] == f"serviceAccount:{INVOKER_SA}"
    # Overrides need run.jobs.runWithOverrides, which roles/run.invoker lacks.
    assert flags(invoker)["role"] == "roles/run.jobsExecutorWithOverrides"

    secret_bindings = commands(out, "gcloud secrets add-iam-policy-binding")
    assert sorted(a[3] for a in secret_bindings) == [
        "pipemon-alert-email-url",
        "pipemon-alert-webhook-url",
    ]
    assert all(flags(a)["role"] == "roles/secretmanager.secretAccessor" for a in secret_bindings)
    roles = {flags(a).get("role") for a in commands(out, "gcloud")} - {None}
    assert not roles & {"roles/owner", "roles/editor", "roles/bigquery.admin", "roles/run.admin"}


def test_main_in_process_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main([*ARGS, "--dry-run"]) == 0
    assert capsys.readouterr().out.count("gcloud scheduler jobs create http") == 4


def test_live_run_uses_create_or_update(capsys: pytest.CaptureFixture[str]) -> None:
    config = deploy.load_config(SCHEDULES)
    options = deploy.Options("my-proj", "us-east1", "img", RUNNER_SA, INVOKER_SA)
    calls: list[list[str]] = []

    def fake_run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        # Everything already exists except the phase-state scheduler job.
        missing = argv[:4] == ["gcloud", "scheduler", "jobs", "describe"] and (
            argv[4] == "pipemon-phase-state"
        )
        return subprocess.CompletedProcess(argv, 1 if missing else 0, "", "")

    assert deploy.execute(deploy.build_plan(config, options), run=fake_run) == 0
    actions = {
        (a[3], a[5])
        for a in calls
        if a[:3] == ["gcloud", "scheduler", "jobs"] and a[3] in ("create", "update")
    }
    assert actions == {
        ("update", "pipemon-morning-full"),
        ("create", "pipemon-phase-state"),
        ("update", "pipemon-dead-letters"),
        ("update", "pipemon-season-sweep"),
    }
    assert not any(a[:4] == ["bq", "--project_id=my-proj", "--location=US", "mk"] for a in calls)


def write_config(tmp_path: Path, mutate: Any) -> Path:
    raw = yaml.safe_load(SCHEDULES.read_text())
    mutate(raw)
    path = tmp_path / "schedules.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def run_script(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *ARGS, "--dry-run", f"--config={config}"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["schedules"][0].update(cron="0 8 * *"), "not a 5-field cron"),
        (lambda c: c["schedules"][1].update(time_zone="Eastern"), "unknown time zone"),
        (lambda c: c["schedules"][2].pop("args"), "missing key(s) args"),
        (lambda c: c["schedules"].append(dict(c["schedules"][0])), "duplicate name"),
        (lambda c: c["job"]["env"].update(PIPEMON_SMTP_PASSWORD="x"), "looks like a secret"),
        (
            lambda c: c["job"]["env"].update(ALERT_URL="https://hooks.slack.com/services/T/B/X"),
            "looks like a secret",
        ),
        (lambda c: c["job"]["secrets"].update(X="no version"), "job.secrets.X"),
        (lambda c: c.update(schedule=[]), "unknown key(s) schedule"),
    ],
)
def test_bad_schedules_file_fails_clearly(tmp_path: Path, mutate: Any, message: str) -> None:
    result = run_script(write_config(tmp_path, mutate))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "deploy.py: error:" in result.stderr and message in result.stderr


def test_unparseable_or_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("schedules: [\n")
    result = run_script(broken)
    assert result.returncode == 2 and "not valid YAML" in result.stderr
    result = run_script(tmp_path / "absent.yml")
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_deploy_file_image_and_alert_config_agree() -> None:
    """The secrets the job gets are the variables the config reads, and the image ships the
    config (and the runbooks alerts link to); the deploy doc names the same variables."""
    import re

    schedules = yaml.safe_load((ROOT / "deploy" / "schedules.yml").read_text())
    secrets = set(schedules["job"]["secrets"])
    config_text = (ROOT / "config" / "alerts.yml").read_text()
    read = set(re.findall(r"\$\{(PIPEMON_ALERT_[A-Z_]+)\}", config_text))
    assert secrets, "the job delivers nothing without channel secrets"
    assert secrets <= read, f"secrets no channel reads: {sorted(secrets - read)}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY config \./config$", dockerfile, re.M), "the image lacks config/"
    assert re.search(r"^COPY docs/runbooks \./docs/runbooks$", dockerfile, re.M)
    assert "PIPEMON_PROJECT_DIR=/app" in dockerfile  # so config/alerts.yml is /app/config/...
    # the dead-letter schedule's --selector is defined there
    assert re.search(r"^COPY dbt_project\.yml selectors\.yml \./$", dockerfile, re.M)
    doc = (ROOT / "docs" / "deploying.md").read_text()
    for name in secrets:
        assert name in doc
        assert schedules["job"]["secrets"][name].split(":")[0] in doc  # the secret created
    from pipemon.alerts import config

    cfg = config.load(
        ROOT / "config" / "alerts.yml", env={name: "json://127.0.0.1/x" for name in secrets}
    )
    assert set(cfg.enabled) >= {"email", "webhook"}
    # with only the deployed secrets set, an error and a warning reach a deployed channel
    deployed = {n for n, c in cfg.channels.items() if c.url and "127.0.0.1/x" in c.url}
    for severity in ("error", "warn"):
        attrs = {"severity": [severity], "source": ["test"], "kind": ["alert"]}
        assert set(cfg.channels_for(attrs)) & deployed, severity
