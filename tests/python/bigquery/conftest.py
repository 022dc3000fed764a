"""Session fixtures of the BigQuery tests: the project compiled offline for the real `bigquery`
target, once in full and once in incremental form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bigquery.projects import (
    NEEDS_WAREHOUSE_TO_COMPILE,
    DbtRun,
    compiled_sql,
    copy_project,
    offline_bigquery_output,
    run_dbt,
    write_profiles,
)


@dataclass
class OfflineCompiles:
    """The two compiles, with their manifests and compiled SQL read right away (a later dbt
    invocation reusing the target path, like test_macros' inline compile, rewrites them)."""

    full: DbtRun
    incremental: DbtRun
    compiled: dict[str, dict[str, str]] = field(default_factory=dict)
    incremental_manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.compiled = {
            "full": compiled_sql(self.full),
            "incremental": compiled_sql(self.incremental),
        }
        self.incremental_manifest = self.incremental.manifest()

    def sql(self, mode: str) -> dict[str, str]:
        return self.compiled[mode]

    def manifest(self) -> dict[str, Any]:
        return self.incremental_manifest


@pytest.fixture(scope="session")
def offline_compiles(tmp_path_factory: pytest.TempPathFactory) -> OfflineCompiles:
    """Compiled once per run (`session_cache.built_once`); this process's copy of the project
    and targets (test_macros compiles again into it)."""
    from session_cache import built_once

    return built_once("bq-offline", _compile, tmp_path_factory.mktemp("bq_offline"))


def _compile(base: Path) -> OfflineCompiles:
    project = copy_project(base / "project")
    profiles = write_profiles(base / "profiles", {"bigquery": offline_bigquery_output()})
    runs = {}
    for mode, incremental in (("full", False), ("incremental", True)):
        runs[mode] = run_dbt(
            ["compile"],
            project_dir=project,
            profiles_dir=profiles,
            target="bigquery",
            target_path=base / f"target_{mode}",
            vars_={"offline_incremental": incremental},
            extra=["--exclude", NEEDS_WAREHOUSE_TO_COMPILE],
            global_flags=["--no-populate-cache"],
        )
        assert runs[mode].exception is None, f"offline {mode} compile broke: {runs[mode].exception}"
        assert runs[mode].success, f"offline {mode} compile failed"
    # dbt's in-memory result objects stay behind (what is shared is pickled); the artifacts
    # on disk say what the compiles did
    return OfflineCompiles(
        full=dataclasses.replace(runs["full"], result=None),
        incremental=dataclasses.replace(runs["incremental"], result=None),
    )
