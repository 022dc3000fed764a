"""Session fixtures of the BigQuery tests: the project compiled offline for the real `bigquery`
target, once in full and once in incremental form."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    base = tmp_path_factory.mktemp("bq_offline")
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
    return OfflineCompiles(full=runs["full"], incremental=runs["incremental"])
