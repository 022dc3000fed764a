"""Where the dbt project, its profiles and the embedded warehouse live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Datasets:
    """Dataset (schema) names of the watched pipeline; the vars in dbt_project.yml."""

    orchestration: str = "nba_orchestration"
    reference: str = "nba_reference"
    raw: str = "nba_raw"
    analytics: str = "nba_analytics"
    predictions: str = "nba_predictions"
    firestore: str = "firestore_export"
    monitoring: str = "monitoring"
