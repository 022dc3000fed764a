"""Where the dbt project, its profiles and the embedded warehouse live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_WAREHOUSE = Path("warehouse") / "pipemon.duckdb"


def project_dir() -> Path:
    """The dbt project folder: $PIPEMON_PROJECT_DIR, else the nearest parent holding dbt_project.yml."""
    env = os.environ.get("PIPEMON_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "dbt_project.yml").is_file() and (folder / "src" / "pipemon").is_dir():
                return folder
    raise RuntimeError(
        "cannot find the pipemon dbt project: run from its checkout or set PIPEMON_PROJECT_DIR"
    )


def profiles_dir() -> Path:
    env = os.environ.get("DBT_PROFILES_DIR")
    return Path(env).resolve() if env else project_dir() / "profiles"


def duckdb_path() -> Path:
    """The embedded warehouse file: $PIPEMON_DUCKDB_PATH, else warehouse/pipemon.duckdb."""
    env = os.environ.get("PIPEMON_DUCKDB_PATH")
    path = Path(env) if env else project_dir() / DEFAULT_WAREHOUSE
    return path.resolve()


def truth_path(warehouse: Path | None = None) -> Path:
    """Where the generator writes its incident ground truth: next to the warehouse."""
    base = warehouse or duckdb_path()
    return base.with_name(base.stem + ".truth.json")


def dbt_project(folder: Path | None = None) -> dict[str, Any]:
    """`dbt_project.yml` of the project (or of `folder`): the one reading of that file."""
    import yaml

    data = yaml.safe_load(((folder or project_dir()) / "dbt_project.yml").read_text()) or {}
    return data if isinstance(data, dict) else {}


def declared_vars(folder: Path | None = None) -> dict[str, Any]:
    """The vars the project declares, with their defaults (what dbt resolves without --vars)."""
    return dict(dbt_project(folder).get("vars") or {})


def parse_vars(text: str | None) -> dict[str, Any]:
    """A `--vars` value (YAML or JSON text) as a mapping; ValueError saying what was expected."""
    import yaml

    if not text or not text.strip():
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"--vars is not YAML/JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(
            f"--vars must be a YAML mapping, e.g. '{{as_of: 2025-12-04}}', got {text!r}"
        )
    return value


def resolved_vars(cli_vars: str | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The vars as dbt resolves them for this project: `dbt_project.yml`'s `vars:`, overridden by
    `--vars` (YAML text or a mapping), the way dbt gives command-line vars precedence. Python reads
    thresholds and dataset names from here, never its own copies."""
    values = declared_vars()
    values.update(parse_vars(cli_vars) if isinstance(cli_vars, str) else dict(cli_vars or {}))
    return values


def pipeline_zone() -> ZoneInfo:
    """The pipeline's time zone: var `pipeline_timezone` (its dates are dates there)."""
    return _zone_of(project_dir())


@lru_cache(maxsize=8)
def _zone_of(folder: Path) -> ZoneInfo:
    return ZoneInfo(str(declared_vars(folder).get("pipeline_timezone") or "UTC"))


@dataclass(frozen=True)
class Datasets:
    """Dataset (schema) names of the watched pipeline: the `*_dataset` vars dbt resolves."""

    orchestration: str = "nba_orchestration"
    reference: str = "nba_reference"
    raw: str = "nba_raw"
    analytics: str = "nba_analytics"
    predictions: str = "nba_predictions"
    monitoring: str = "monitoring"

    @classmethod
    def resolved(cls, cli_vars: str | Mapping[str, Any] | None = None) -> Datasets:
        values = resolved_vars(cli_vars)
        names = {
            name: str(values[f"{name}_dataset"])
            for name in ("orchestration", "reference", "raw", "analytics", "predictions")
            if values.get(f"{name}_dataset")
        }
        if values.get("monitoring_dataset"):
            names["monitoring"] = str(values["monitoring_dataset"])
        return cls(**names)
