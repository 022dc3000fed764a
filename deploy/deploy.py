#!/usr/bin/env python3
"""Deploy pipemon to Google Cloud: one Cloud Run job, its Cloud Scheduler triggers, and the
IAM bindings they need, all from deploy/schedules.yml.

    python deploy/deploy.py --project my-proj --region us-east1 \\
        --image us-east1-docker.pkg.dev/my-proj/pipemon/pipemon:1.0 \\
        --service-account pipemon-runner@my-proj.iam.gserviceaccount.com --dry-run

--dry-run prints the commands (a shell script you can read or pipe to bash) and runs nothing.
Every step is create-or-update, so running it again after editing the schedules file is safe.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_CONFIG = Path(__file__).resolve().with_name("schedules.yml")
DEFAULT_REGION = "us-east1"

# Starting a job execution with per-execution args needs run.jobs.run and
# run.jobs.runWithOverrides; roles/run.invoker holds only the first, so the scheduler's
# account gets the narrowest predefined role that holds both, on this job only.
INVOKER_ROLE = "roles/run.jobsExecutorWithOverrides"
READ_ROLE = "roles/bigquery.dataViewer"
WRITE_ROLE = "roles/bigquery.dataEditor"
QUERY_ROLE = "roles/bigquery.jobUser"
SECRET_ROLE = "roles/secretmanager.secretAccessor"
OAUTH_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

# Set by this script from its arguments; the config may not set them.
MANAGED_ENV = ("PIPEMON_BQ_PROJECT", "PIPEMON_BQ_DATASET")
SECRET_NAME = re.compile(
    r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|WEBHOOK|API_?KEY|PRIVATE_KEY|CREDENTIAL)"
)
SECRET_VALUE = re.compile(
    r"(?i)(://[^/\s:@]+:[^/\s@]+@|hooks\.slack\.com|/api/webhooks/|webhook\.office\.com"
    r"|BEGIN [A-Z ]*PRIVATE KEY|[?&][\w.-]*(key|token|sig|signature|credential|password)="
    r"|\bbearer\s+\S{8,}|\bAIza[0-9A-Za-z_-]{35}|\bxox[abprs]-)"
)
SECRET_REF = re.compile(r"^[A-Za-z0-9_-]{1,255}:(latest|[0-9]+)$")
JOB_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
SCHEDULER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
DATASET_NAME = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,-]+$")
PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
REGION = re.compile(r"^[a-z]+-[a-z]+[0-9]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(ValueError):
    """The schedules file or the arguments cannot be deployed."""


# --------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    args: tuple[str, ...]
    time_zone: str
    description: str


@dataclass(frozen=True)
class JobConfig:
    name: str
    args: tuple[str, ...]
    task_timeout: str
    max_retries: int
    memory: str
    cpu: str
    env: dict[str, str]
    secrets: dict[str, str]


@dataclass(frozen=True)
class BigQueryConfig:
    location: str
    monitoring_dataset: str
    monitoring_dataset_suffixes: tuple[str, ...]
    pipeline_datasets: tuple[str, ...]

    @property
    def monitoring_datasets(self) -> list[str]:
        base = self.monitoring_dataset
        return [base, *(f"{base}_{suffix}" for suffix in self.monitoring_dataset_suffixes)]


@dataclass(frozen=True)
class Config:
    job: JobConfig
    bigquery: BigQueryConfig
    schedules: tuple[Schedule, ...]


def _mapping(value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    missing = sorted(required - set(value))
    if missing:
        raise ConfigError(f"{where}: missing key(s) {', '.join(missing)}")
    return value


def _str(value: Any, where: str, pattern: re.Pattern[str] | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    text = str(value)
    if not text or (pattern is not None and not pattern.fullmatch(text)):
        raise ConfigError(f"{where}: invalid value {text!r}")
    return text


def _str_list(value: Any, where: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: expected a non-empty list")
    return tuple(_str(item, f"{where}[{i}]", pattern) for i, item in enumerate(value))


def _time_zone(value: Any, where: str) -> str:
    name = _str(value, where)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown time zone {name!r}") from exc
    return name


def _cron(value: Any, where: str) -> str:
    cron = _str(value, where)
    fields = cron.split()
    if len(fields) != 5 or not all(CRON_FIELD.fullmatch(f) for f in fields):
        raise ConfigError(f"{where}: {cron!r} is not a 5-field cron expression")
    return cron


def _parse_job(raw: Any) -> JobConfig:
    keys = {"name", "args", "task_timeout", "max_retries", "memory", "cpu", "env", "secrets"}
    job = _mapping(raw, "job", keys, {"name"})
    env = _mapping(job.get("env") or {}, "job.env", set(job.get("env") or {}), set())
    secrets = _mapping(
        job.get("secrets") or {}, "job.secrets", set(job.get("secrets") or {}), set()
    )
    clean_env: dict[str, str] = {}
    for key, value in env.items():
        name = _str(key, "job.env key", ENV_NAME)
        if name in MANAGED_ENV:
            raise ConfigError(f"job.env.{name}: set by deploy.py from its arguments; remove it")
        if SECRET_NAME.search(name) or SECRET_VALUE.search(str(value)):
            raise ConfigError(
                f"job.env.{name}: looks like a secret; store it in Secret Manager and "
                "reference it under job.secrets instead"
            )
        clean_env[name] = _str(value, f"job.env.{name}")
    clean_secrets: dict[str, str] = {}
    for key, value in secrets.items():
        name = _str(key, "job.secrets key", ENV_NAME)
        if not isinstance(value, str) or not SECRET_REF.fullmatch(value):
            # never echo it: a value here instead of a reference may be the secret itself
            raise ConfigError(
                f"job.secrets.{name}: expected a Secret Manager reference NAME:VERSION "
                "(e.g. pipemon-smtp-password:latest); the value given is not shown"
            )
        clean_secrets[name] = value
    clash = sorted(set(clean_env) & set(clean_secrets))
    if clash:
        raise ConfigError(f"job: {', '.join(clash)} set both in env and secrets")
    max_retries = job.get("max_retries", 0)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigError(f"job.max_retries: expected a non-negative integer, got {max_retries!r}")
    return JobConfig(
        name=_str(job["name"], "job.name", JOB_NAME),
        args=_str_list(job.get("args", ["run"]), "job.args"),
        task_timeout=_str(job.get("task_timeout", "1800s"), "job.task_timeout"),
        max_retries=max_retries,
        memory=_str(job.get("memory", "2Gi"), "job.memory"),
        cpu=_str(job.get("cpu", "1"), "job.cpu"),
        env=clean_env,
        secrets=clean_secrets,
    )


def _parse_bigquery(raw: Any) -> BigQueryConfig:
    keys = {"location", "monitoring_dataset", "monitoring_dataset_suffixes", "pipeline_datasets"}
    bq = _mapping(raw, "bigquery", keys, {"location", "monitoring_dataset", "pipeline_datasets"})
    suffixes = bq.get("monitoring_dataset_suffixes") or []
    return BigQueryConfig(
        location=_str(bq["location"], "bigquery.location"),
        monitoring_dataset=_str(
            bq["monitoring_dataset"], "bigquery.monitoring_dataset", DATASET_NAME
        ),
        monitoring_dataset_suffixes=(
            _str_list(suffixes, "bigquery.monitoring_dataset_suffixes", DATASET_NAME)
            if suffixes
            else ()
        ),
        pipeline_datasets=_str_list(
            bq["pipeline_datasets"], "bigquery.pipeline_datasets", DATASET_NAME
        ),
    )


def _parse_schedules(raw: Any, default_tz: str) -> tuple[Schedule, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("schedules: expected a non-empty list")
    schedules = []
    for i, item in enumerate(raw):
        where = f"schedules[{i}]"
        entry = _mapping(
            item,
            where,
            {"name", "cron", "args", "time_zone", "description"},
            {"name", "cron", "args"},
        )
        name = _str(entry["name"], f"{where}.name", SCHEDULER_NAME)
        where = f"schedules[{i}] ({name})"
        schedules.append(
            Schedule(
                name=name,
                cron=_cron(entry["cron"], f"{where}.cron"),
                args=_str_list(entry["args"], f"{where}.args"),
                time_zone=_time_zone(entry.get("time_zone", default_tz), f"{where}.time_zone"),
                description=_str(entry.get("description", name), f"{where}.description"),
            )
        )
    names = [s.name for s in schedules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"schedules: duplicate name(s) {', '.join(duplicates)}")
    return tuple(schedules)


def load_config(path: Path) -> Config:
    """Read and check the schedules file; a problem raises ConfigError saying where."""
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}") from exc
    top = _mapping(
        raw,
        "top level",
        {"job", "bigquery", "time_zone", "schedules"},
        {"job", "bigquery", "schedules"},
    )
    default_tz = _time_zone(top.get("time_zone", "America/New_York"), "time_zone")
    return Config(
        job=_parse_job(top["job"]),
        bigquery=_parse_bigquery(top["bigquery"]),
        schedules=_parse_schedules(top["schedules"], default_tz),
    )


# --------------------------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    project: str
    region: str
    image: str
    service_account: str
    invoker_service_account: str


@dataclass(frozen=True)
class Step:
    """One command; with ``probe`` it only runs when the probe fails (resource missing), and
    with ``probe`` + ``update`` it is create-or-update."""

    description: str
    command: tuple[str, ...]
    probe: tuple[str, ...] | None = None
    update: tuple[str, ...] | None = None


def _list_flag(items: Sequence[str]) -> str:
    """gcloud list/dict flag value; switches delimiter when an item holds a comma."""
    if any("," in item for item in items):
        if any(";;" in item for item in items):
            raise ConfigError(f"cannot pass {list(items)!r}: items contain both ',' and ';;'")
        return "^;;^" + ";;".join(items)
    return ",".join(items)


def _dict_flag(values: Mapping[str, str]) -> str:
    return _list_flag([f"{key}={value}" for key, value in values.items()])


def run_uri(options: Options, job: str) -> str:
    return (
        f"https://{options.region}-run.googleapis.com/apis/run.googleapis.com/v1/"
        f"namespaces/{options.project}/jobs/{job}:run"
    )


def message_body(args: Sequence[str]) -> str:
    """The jobs.run request body that starts one execution with these container args."""
    return json.dumps({"overrides": {"containerOverrides": [{"args": list(args)}]}})


def _grant_sql(role: str, project: str, dataset: str, member: str) -> str:
    return f'GRANT `{role}` ON SCHEMA `{project}.{dataset}` TO "{member}"'


def build_plan(config: Config, options: Options) -> list[Step]:
    p, r = options.project, options.region
    job = config.job
    bq = config.bigquery
    runner = f"serviceAccount:{options.service_account}"
    invoker = f"serviceAccount:{options.invoker_service_account}"
    steps: list[Step] = []

    for dataset in bq.monitoring_datasets:
        steps.append(
            Step(
                f"monitoring dataset {dataset} (created if missing)",
                ("bq", f"--project_id={p}", f"--location={bq.location}", "mk", "--dataset",
                 "--description=pipemon monitoring (dbt models, alert log)", f"{p}:{dataset}"),
                probe=("bq", f"--project_id={p}", "show", "--dataset", f"{p}:{dataset}"),
            )
        )  # fmt: skip

    for secret in sorted({ref.split(":", 1)[0] for ref in job.secrets.values()}):
        steps.append(
            Step(
                f"runner may read secret {secret}",
                ("gcloud", "secrets", "add-iam-policy-binding", secret, f"--project={p}",
                 f"--member={runner}", f"--role={SECRET_ROLE}"),
            )
        )  # fmt: skip

    steps.append(
        Step(
            "runner may run BigQuery query jobs in the project",
            ("gcloud", "projects", "add-iam-policy-binding", p, f"--member={runner}",
             f"--role={QUERY_ROLE}", "--condition=None"),
        )
    )  # fmt: skip
    grants = [(READ_ROLE, d) for d in bq.pipeline_datasets]
    grants += [(WRITE_ROLE, d) for d in bq.monitoring_datasets]
    for role, dataset in grants:
        steps.append(
            Step(
                f"runner gets {role} on dataset {dataset}",
                ("bq", f"--project_id={p}", f"--location={bq.location}", "query",
                 "--use_legacy_sql=false", _grant_sql(role, p, dataset, runner)),
            )
        )  # fmt: skip

    env = {**job.env, "PIPEMON_BQ_PROJECT": p, "PIPEMON_BQ_DATASET": bq.monitoring_dataset}
    deploy = [
        "gcloud", "run", "jobs", "deploy", job.name, f"--project={p}", f"--region={r}",
        f"--image={options.image}", f"--service-account={options.service_account}",
        "--tasks=1", f"--max-retries={job.max_retries}", f"--task-timeout={job.task_timeout}",
        f"--memory={job.memory}", f"--cpu={job.cpu}", f"--args={_list_flag(job.args)}",
        f"--set-env-vars={_dict_flag(env)}",
    ]  # fmt: skip
    if job.secrets:
        deploy.append(f"--set-secrets={_dict_flag(job.secrets)}")
    steps.append(Step(f"Cloud Run job {job.name} (create or update)", tuple(deploy)))

    steps.append(
        Step(
            f"scheduler account may start {job.name} executions with overrides",
            ("gcloud", "run", "jobs", "add-iam-policy-binding", job.name, f"--project={p}",
             f"--region={r}", f"--member={invoker}", f"--role={INVOKER_ROLE}"),
        )
    )  # fmt: skip

    uri = run_uri(options, job.name)
    for schedule in config.schedules:
        common = (
            schedule.name, f"--project={p}", f"--location={r}",
            f"--schedule={schedule.cron}", f"--time-zone={schedule.time_zone}",
            f"--uri={uri}", "--http-method=POST",
            f"--message-body={message_body(schedule.args)}",
            f"--oauth-service-account-email={options.invoker_service_account}",
            f"--oauth-token-scope={OAUTH_SCOPE}",
            f"--description={schedule.description}",
        )  # fmt: skip
        header = "Content-Type=application/json"
        steps.append(
            Step(
                f"scheduler job {schedule.name}: {schedule.cron} {schedule.time_zone} -> "
                f"pipemon {shlex.join(schedule.args)}",
                ("gcloud", "scheduler", "jobs", "create", "http", *common, f"--headers={header}"),
                probe=("gcloud", "scheduler", "jobs", "describe", schedule.name,
                       f"--project={p}", f"--location={r}"),
                update=("gcloud", "scheduler", "jobs", "update", "http", *common,
                        f"--update-headers={header}"),
            )
        )  # fmt: skip
    return steps


# --------------------------------------------------------------------------------------------
# Output and execution
# --------------------------------------------------------------------------------------------


def render(steps: Sequence[Step], options: Options) -> str:
    """The plan as a shell script (what --dry-run prints)."""
    lines = [
        "#!/usr/bin/env bash",
        f"# pipemon deploy plan: project={options.project} region={options.region}",
        "set -euo pipefail",
    ]
    for step in steps:
        lines += ["", f"# {step.description}"]
        command = shlex.join(step.command)
        if step.probe is None:
            lines.append(command)
        elif step.update is None:
            lines.append(f"{shlex.join(step.probe)} >/dev/null 2>&1 || {command}")
        else:
            lines += [
                f"if {shlex.join(step.probe)} >/dev/null 2>&1; then",
                f"  {shlex.join(step.update)}",
                "else",
                f"  {command}",
                "fi",
            ]
    return "\n".join(lines) + "\n"


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def execute(steps: Sequence[Step], run: Runner = subprocess.run) -> int:
    for step in steps:
        print(f"==> {step.description}", flush=True)
        command = step.command
        if step.probe is not None:
            exists = run(list(step.probe), capture_output=True, text=True).returncode == 0
            if exists and step.update is None:
                print("    exists; left as is", flush=True)
                continue
            if exists and step.update is not None:
                command = step.update
        result = run(list(command), text=True)
        if result.returncode != 0:
            print(
                f"deploy.py: error: step failed (exit {result.returncode}): {step.description}",
                file=sys.stderr,
            )
            return 1
    return 0


def _options(args: argparse.Namespace) -> Options:
    checks = (
        ("--project", args.project, PROJECT_ID),
        ("--region", args.region, REGION),
        ("--service-account", args.service_account, EMAIL),
        ("--invoker-service-account", args.invoker_service_account or args.service_account, EMAIL),
    )
    for flag, value, pattern in checks:
        if not pattern.fullmatch(value):
            raise ConfigError(f"{flag}: invalid value {value!r}")
    return Options(
        project=args.project,
        region=args.region,
        image=args.image,
        service_account=args.service_account,
        invoker_service_account=args.invoker_service_account or args.service_account,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deploy.py",
        description="Deploy the pipemon Cloud Run job and its Cloud Scheduler triggers.",
    )
    parser.add_argument("--project", required=True, help="Google Cloud project id")
    parser.add_argument("--region", default=DEFAULT_REGION, help="Cloud Run / Scheduler region")
    parser.add_argument("--image", required=True, help="runner image (Artifact Registry URL)")
    parser.add_argument(
        "--service-account", required=True, help="email of the account the job runs as"
    )
    parser.add_argument(
        "--invoker-service-account",
        help="email of the account Cloud Scheduler calls the job with (default: --service-account)",
    )
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, help="schedules file (deploy/schedules.yml)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the commands instead of running them"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"deploy.py: error: {args.config}: {exc}", file=sys.stderr)
        return 2
    try:
        options = _options(args)
        steps = build_plan(config, options)
    except ConfigError as exc:
        print(f"deploy.py: error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        sys.stdout.write(render(steps, options))
        return 0
    try:
        return execute(steps)
    except FileNotFoundError as exc:
        print(
            f"deploy.py: error: {exc.filename} not found; install the Google Cloud SDK",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
