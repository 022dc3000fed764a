"""What the test session makes once and shares: empty warehouses, generated seasons, parsed
manifests.

dbt's fixed cost is a parse per invocation (seconds; a fresh target path or another warehouse
path means a full parse), and a generation opens with a dbt `run-operation` for the contract
tables. The fixtures that build seasons share these instead of paying for them each time:

- `contract_tables(logs)`: a DuckDB file with the contract tables (and the runner's), created by
  the project's macro once per log mode; a generation into a copy skips the DDL.
- `generate_once(...)`: a season generated once per arguments, kept untouched; every caller gets
  its own copy of the file and its truth (the generator is deterministic for a seed).
  `generate_fresh(...)` generates for real every time (the generator's own tests), only the DDL
  comes from the copy.
- `parsed_manifest(warehouse, vars_)`: the project parsed once per warehouse file name and stable
  vars, for `pipemon.dbt.invoke(..., manifest=...)`. DuckDB names its catalog after the file's
  stem and parsing fixes every relation's database, so a manifest serves any file of that name;
  the per-run vars (as_of, lookback, open dates) are read while executing, never parsing.

Fixtures that read or copy the results use these; the tests of dbt's parsing and of the DDL
itself still call dbt directly.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

_ROOT: list[Path] = []
_TEMPLATES: dict[str, Path] = {}
_GENERATED: dict[tuple[Any, ...], Any] = {}
_MANIFESTS: dict[tuple[Any, ...], Any] = {}


def set_root(root: Path) -> None:
    """Where the session keeps what it shares (conftest sets it from tmp_path_factory)."""
    _ROOT[:] = [root]


def _dir(name: str) -> Path:
    assert _ROOT, "session_cache.set_root was not called (conftest's session fixture)"
    path = _ROOT[0] / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_duckdb(source: Path, dest: Path) -> Path:
    """Copy a DuckDB file (and its WAL, if a connection left one) to the file `dest`."""
    from pipemon.warehouse.duckdb import release_dbt_connections

    release_dbt_connections()
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, dest)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, dest.with_name(dest.name + ".wal"))
    return dest


def contract_tables(logs: str) -> Path:
    """A DuckDB file holding the empty contract tables of `logs` mode and the runner's tables."""
    if logs not in _TEMPLATES:
        from pipemon.generator import ensure_contract_tables

        path = _dir(f"contract-{logs}") / "warehouse.duckdb"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PIPEMON_DUCKDB_PATH", str(path))
            ensure_contract_tables(path, include_planned=logs == "planned")
        from pipemon.warehouse.duckdb import release_dbt_connections

        release_dbt_connections()
        _TEMPLATES[logs] = path
    return _TEMPLATES[logs]


def generate_fresh(warehouse: Path, start: date, end: date, **kwargs: Any) -> Any:
    """`pipemon.generator.generate(warehouse, start, end, **kwargs)` for real (no cache), into a
    copy of the session's empty warehouse instead of a dbt run of the DDL per call."""
    from pipemon.generator import LOG_MODES, generate

    logs = kwargs.get("logs", "planned")
    if logs in LOG_MODES and kwargs.get("create_tables", True):
        copy_duckdb(contract_tables(logs), warehouse)
        kwargs["create_tables"] = False
    return generate(warehouse, start, end, **kwargs)


def generate_once(
    warehouse: Path,
    start: date,
    end: date,
    *,
    seed: int = 42,
    incidents: str = "all",
    logs: str = "planned",
) -> Any:
    """`pipemon.generator.generate(warehouse, start, end, ...)`, from the session's copy when the
    same season was generated before. Returns the GenerationResult, pointing at `warehouse`."""
    from pipemon import project
    from pipemon.generator import generate

    key = (start, end, seed, incidents, logs)
    if key not in _GENERATED:
        pristine = _dir(f"generated-{len(_GENERATED)}") / "warehouse.duckdb"
        copy_duckdb(contract_tables(logs), pristine)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PIPEMON_DUCKDB_PATH", str(pristine))
            result = generate(
                pristine, start, end, seed=seed, incidents=incidents, logs=logs,
                create_tables=False,
            )  # fmt: skip
        _GENERATED[key] = result
    pristine_result = _GENERATED[key]
    copy_duckdb(pristine_result.warehouse, warehouse)
    truth = project.truth_path(warehouse)
    shutil.copy(pristine_result.truth_path, truth)
    return dataclasses.replace(
        pristine_result, warehouse=warehouse, truth_path=truth,
        row_counts=dict(pristine_result.row_counts),
    )  # fmt: skip


def parsed_manifest(warehouse: Path, vars_: dict[str, Any] | None, target: str = "local") -> Any:
    """dbt's manifest of the project for a DuckDB file named like `warehouse`, parsed with the
    stable part of `vars_`, once per session."""
    from pipemon import dbt, project

    stable, _ = dbt.split_vars(vars_)
    key = (
        str(project.project_dir()),
        str(project.profiles_dir()),
        target,
        warehouse.name,
        json.dumps(stable, sort_keys=True, default=str),
    )
    if key not in _MANIFESTS:
        base = _dir(f"parsed-{len(_MANIFESTS)}")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PIPEMON_DUCKDB_PATH", str(base / warehouse.name))
            _MANIFESTS[key] = dbt.parse(
                target=target, vars_=stable, extra=["--target-path", str(base / "target")]
            )
    return _MANIFESTS[key]


def stamp_manifest(target_path: Path) -> None:
    """Give the manifest.json a build wrote from a parsed manifest the build's invocation id.

    dbt writes a given manifest as it was parsed, stamped with the parse's invocation id; its own
    build stamps manifest.json and run_results.json with one id, and the runner's `alert` refuses
    artifacts of two invocations. So the artifacts read as those of a plain `dbt build`."""
    results = json.loads((target_path / "run_results.json").read_text())
    path = target_path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["metadata"]["invocation_id"] = results["metadata"]["invocation_id"]
    path.write_text(json.dumps(manifest))
