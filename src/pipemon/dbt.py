"""In-process dbt invocations through dbt's programmatic runner (dbtRunner)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipemon import project


@dataclass
class DbtOutcome:
    """What one dbt invocation did."""

    command: list[str]
    success: bool
    exception: BaseException | None
    results: list[Any] = field(default_factory=list)

    @property
    def failed_to_run(self) -> bool:
        """dbt itself broke (compile error, warehouse unreachable), as opposed to tests failing."""
        return self.exception is not None


# Vars that change on every run. They reach the SQL through the PIPEMON_RUN_VARS environment
# variable (macros/pipemon_run_var.sql) rather than `--vars`: any change of `--vars` makes dbt
# re-parse the whole project, and these would change it every time.
RUN_VARS = ("as_of", "monitor_lookback_days", "monitor_open_dates", "monitor_last_built_date")
RUN_VARS_ENV = "PIPEMON_RUN_VARS"


def split_vars(vars_: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(vars for `--vars`, vars for PIPEMON_RUN_VARS)."""
    stable = {k: v for k, v in (vars_ or {}).items() if k not in RUN_VARS}
    per_run = {k: v for k, v in (vars_ or {}).items() if k in RUN_VARS}
    return stable, per_run


def _base_args(target: str | None, vars_: dict[str, Any] | None) -> list[str]:
    args = [
        "--project-dir",
        str(project.project_dir()),
        "--profiles-dir",
        str(project.profiles_dir()),
    ]
    if target:
        args += ["--target", target]
    if vars_:
        args += ["--vars", json.dumps(vars_)]
    return args


def invoke(
    command: Sequence[str],
    *,
    target: str | None = None,
    vars_: dict[str, Any] | None = None,
    extra: Sequence[str] = (),
    quiet: bool = True,
    manifest: Any = None,
) -> DbtOutcome:
    """Run one dbt command in this process and return its outcome.

    `manifest` (from `parse`) skips parsing: the vars still apply to everything compiled when
    the command runs (the SQL), not to what parsing rendered (configs, source schemas).
    """
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    # the embedded warehouse's threads (profiles.yml): as many as the machine has cores
    os.environ.setdefault("PIPEMON_DBT_THREADS", str(os.cpu_count() or 2))
    flags = ["--quiet"] if quiet else []
    stable, per_run = split_vars(vars_)
    cli_args = [*flags, *command, *_base_args(target, stable), *extra]
    saved = os.environ.get(RUN_VARS_ENV)
    os.environ[RUN_VARS_ENV] = json.dumps(per_run, default=str)
    try:
        result = dbtRunner(manifest=manifest).invoke(cli_args)
    finally:
        if saved is None:
            os.environ.pop(RUN_VARS_ENV, None)
        else:
            os.environ[RUN_VARS_ENV] = saved
    results: list[Any] = []
    res = result.result
    if res is not None and hasattr(res, "results"):
        results = list(res.results)
    elif isinstance(res, list):  # `ls`: the selected nodes, as printed
        results = list(res)
    return DbtOutcome(
        command=cli_args, success=bool(result.success), exception=result.exception, results=results
    )


def parse(
    *, target: str | None = None, vars_: dict[str, Any] | None = None, extra: Sequence[str] = ()
) -> Any:
    """Parse the project once and return dbt's manifest, for `invoke(..., manifest=...)`."""
    from dbt.cli.main import dbtRunner

    stable, _ = split_vars(vars_)  # the per-run vars are read while executing, never parsing
    result = dbtRunner().invoke(["--quiet", "parse", *_base_args(target, stable), *extra])
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return result.result


def target_path() -> Path:
    """Where dbt writes its artifacts: $DBT_TARGET_PATH (dbt reads it too), else target/."""
    env = os.environ.get("DBT_TARGET_PATH")
    if env:
        path = Path(env)
        return path if path.is_absolute() else project.project_dir() / path
    return project.project_dir() / "target"


def load_run_results() -> dict[str, Any]:
    return json.loads((target_path() / "run_results.json").read_text())


def load_manifest() -> dict[str, Any]:
    return json.loads((target_path() / "manifest.json").read_text())
