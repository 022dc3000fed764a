"""What the test run makes once and shares: empty warehouses, generated seasons, parsed
manifests, built seasons.

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
- `built_once(name, build, dest)`: anything a session fixture builds into a directory (a built
  season, a replayed history), built once and copied whole into `dest` for the process that
  asked: the fixture's tests read (and may write) their process's copy, never the original.

`make test` runs the suite in two processes (pytest-xdist, `-n 2`). What is shared across them
lives in one directory of the run (beside the workers' own temporary directories), each entry
built by the first worker that asks for it under a file lock (`filelock`) while the other
waits, then read by both: a finished entry is never written again. DuckDB lets one process at a
time open a file for writing, so a worker never opens a shared file: it copies it first
(`contract_tables` and `generate_once` hand out copies; `built_once` copies the directory).
Parsed manifests are Python objects and stay per process. In a plain `pytest` run the same
directory serves the one process.

Fixtures that read or copy the results use these; the tests of dbt's parsing and of the DDL
itself still call dbt directly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

_ROOT: list[Path] = []
_TEMPLATES: dict[str, Path] = {}
_GENERATED: dict[tuple[Any, ...], Any] = {}
_MANIFESTS: dict[tuple[Any, ...], Any] = {}
_BUILT: dict[str, Any] = {}
_RESULT = "built-once.pickle"  # written last: its presence says the entry is complete


def worker() -> str:
    """This process's pytest-xdist worker id (`gw0`, `gw1`, ...), `main` without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def set_root(root: Path) -> None:
    """Where the run keeps what it shares (conftest sets it from tmp_path_factory: one
    directory for all the workers of a run)."""
    _ROOT[:] = [root]


def _dir(name: str) -> Path:
    assert _ROOT, "session_cache.set_root was not called (conftest's session fixture)"
    path = _ROOT[0] / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _entry_name(prefix: str, key: Any) -> str:
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:12]
    return f"{prefix}-{digest}"


def _once(name: str, build: Callable[[Path], T]) -> tuple[T, Path]:
    """`build(directory)` once per run across the workers; its result (pickled) and directory.

    The first worker to take the lock builds; the others wait for it, then read the result. A
    build that raised leaves no result: the next caller builds again (and fails the same way)."""
    from filelock import FileLock

    assert _ROOT, "session_cache.set_root was not called (conftest's session fixture)"
    base = _ROOT[0] / name
    done = base / _RESULT
    with FileLock(str(_ROOT[0] / f"{name}.lock")):
        if not done.is_file():
            if base.exists():
                shutil.rmtree(base)
            base.mkdir(parents=True)
            result = build(base)
            from pipemon.warehouse.duckdb import release_dbt_connections

            release_dbt_connections()  # every file closed before another process copies it
            partial = base / f"{_RESULT}.partial"
            partial.write_bytes(pickle.dumps(result))
            partial.rename(done)
    return pickle.loads(done.read_bytes()), base


def relocate(value: Any, old: Path, new: Path) -> Any:
    """`value` with every path under `old` moved under `new`: Paths, and strings that are such a
    path (a dbt argument list's `--project-dir`), through dataclasses, dicts, lists and tuples."""
    if isinstance(value, Path):
        try:
            return new / value.relative_to(old)
        except ValueError:
            return value
    if isinstance(value, str):
        if value == str(old) or value.startswith(str(old) + os.sep):
            return str(new) + value[len(str(old)) :]
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: relocate(getattr(value, f.name), old, new)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {k: relocate(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [relocate(v, old, new) for v in value]
    if isinstance(value, tuple):
        return tuple(relocate(v, old, new) for v in value)
    return value


def built_once(name: str, build: Callable[[Path], T], dest: Path) -> T:
    """What `build(directory)` returns, built once per run (across the xdist workers) into a
    directory of its own and copied whole into `dest` the first time this process asks; every
    Path of the result under the build's directory points into `dest`. Later calls in the
    process return the same copy (a session fixture's value). The result must pickle, and its
    files must not depend on where they lie (DuckDB files, JSON artifacts)."""
    if name not in _BUILT:
        result, base = _once(name, build)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(base, dest, ignore=shutil.ignore_patterns(_RESULT))
        _BUILT[name] = relocate(result, base, dest)
    return _BUILT[name]  # type: ignore[no-any-return]


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

        def build(base: Path) -> Path:
            from pipemon.generator import ensure_contract_tables

            path = base / "warehouse.duckdb"
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("PIPEMON_DUCKDB_PATH", str(path))
                ensure_contract_tables(path, include_planned=logs == "planned")
            return path

        _TEMPLATES[logs], _ = _once(f"contract-{logs}", build)
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

        def build(base: Path) -> Any:
            pristine = base / "warehouse.duckdb"
            copy_duckdb(contract_tables(logs), pristine)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("PIPEMON_DUCKDB_PATH", str(pristine))
                return generate(
                    pristine, start, end, seed=seed, incidents=incidents, logs=logs,
                    create_tables=False,
                )  # fmt: skip

        _GENERATED[key], _ = _once(_entry_name("generated", key), build)
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
        base = _dir(f"parsed-{worker()}-{len(_MANIFESTS)}")  # a Python object: per process
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
