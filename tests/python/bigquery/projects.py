"""dbt for the BigQuery tests: offline profiles, a throwaway copy of the project, in-process runs.

Offline compile for the real `bigquery` target (docs/bigquery.md) needs three things:
a target with `method: oauth-secrets` and a dummy token (no credential lookup), dbt's
`--no-populate-cache` (no listing of datasets), and the var `offline_incremental`, which the
project's `is_incremental()` override (macros/pipemon_is_incremental.sql) answers from, so both
branches of an incremental model compile without asking whether the table exists.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]

# The one test whose compilation reads the warehouse (column metadata for schema drift); it is
# compiled and run on the emulator instead (test_emulator_build.py).
NEEDS_WAREHOUSE_TO_COMPILE = "assert_source_schema_matches_contract"

# Nothing listens on the discard port: should dbt try to reach BigQuery while compiling offline,
# it gets "connection refused" on loopback instead of resolving googleapis.com.
UNREACHABLE_ENDPOINT = "http://127.0.0.1:9"


def offline_bigquery_output() -> dict[str, Any]:
    """The production `bigquery` target's settings, without credentials and without network."""
    return {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "offline-compile-dummy-token",
        "project": "offline-project",
        "dataset": "nba_monitoring",
        "location": "US",
        "maximum_bytes_billed": 50_000_000_000,
        "job_retries": 0,
        "threads": 4,
        "api_endpoint": UNREACHABLE_ENDPOINT,
    }


def duckdb_output(path: Path) -> dict[str, Any]:
    return {
        "type": "duckdb",
        "path": str(path),
        "schema": "monitoring",
        "threads": 4,
        "settings": {"TimeZone": "UTC"},
    }


def write_profiles(directory: Path, outputs: Mapping[str, Mapping[str, Any]]) -> Path:
    """profiles.yml with profile `pipemon` and the given targets (the first is the default)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "profiles.yml"
    profile = {"pipemon": {"target": next(iter(outputs)), "outputs": dict(outputs)}}
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return directory


def copy_project(
    destination: Path,
    extra_macros: Mapping[str, str] | None = None,
    model_configs: Mapping[str, Any] | None = None,
) -> Path:
    """A copy of the dbt project (no pytest files, no target/), plus test-only macros.

    The copy keeps dbt's partial-parse files and targets away from the checkout and lets a test
    add macros (an emulator workaround, a probe) or project-wide model configs (`+persist_docs`)
    without touching the product.
    """
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("dbt_project.yml", "selectors.yml", ".dbtignore"):
        shutil.copy2(REPO / name, destination / name)
    for folder in ("models", "macros", "seeds"):
        shutil.copytree(REPO / folder, destination / folder)
    shutil.copytree(REPO / "tests", destination / "tests", ignore=shutil.ignore_patterns("python"))
    for name, text in (extra_macros or {}).items():
        path = destination / "macros" / "_test_only" / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if model_configs:
        path = destination / "dbt_project.yml"
        doc = yaml.safe_load(path.read_text())
        _merge(doc["models"]["pipemon"], model_configs)
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return destination


def _merge(into: dict[str, Any], configs: Mapping[str, Any]) -> None:
    """Deep-merge `configs` into a dbt_project.yml `models:` block (a folder's other settings
    stay)."""
    for key, value in configs.items():
        if (
            isinstance(value, Mapping)
            and not key.startswith("+")
            and isinstance(into.get(key), dict)
        ):
            _merge(into[key], value)
        else:
            into[key] = value


@dataclass
class DbtRun:
    args: list[str]
    success: bool
    exception: BaseException | None
    result: Any
    seconds: float
    target_path: Path

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.target_path / "manifest.json").read_text())

    def run_results(self) -> dict[str, Any]:
        return json.loads((self.target_path / "run_results.json").read_text())


def run_dbt(
    command: Sequence[str],
    *,
    project_dir: Path,
    profiles_dir: Path,
    target: str,
    target_path: Path,
    vars_: Mapping[str, Any] | None = None,
    extra: Sequence[str] = (),
    global_flags: Sequence[str] = (),
) -> DbtRun:
    """One in-process dbt invocation (dbtRunner) against any project copy and profile."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    args = [
        "--quiet",
        *global_flags,
        *command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        target,
        "--target-path",
        str(target_path),
        *extra,
    ]
    if vars_:
        args += ["--vars", json.dumps(dict(vars_))]
    began = time.perf_counter()
    outcome = dbtRunner().invoke(args)
    return DbtRun(
        args=args,
        success=bool(outcome.success),
        exception=outcome.exception,
        result=outcome.result,
        seconds=time.perf_counter() - began,
        target_path=target_path,
    )


def compiled_sql(run: DbtRun) -> dict[str, str]:
    """unique_id -> compiled SQL of every model and data test a compile produced."""
    nodes = run.manifest()["nodes"]
    return {
        unique_id: node["compiled_code"]
        for unique_id, node in nodes.items()
        if node["resource_type"] in ("model", "test") and node.get("compiled_code") is not None
    }
