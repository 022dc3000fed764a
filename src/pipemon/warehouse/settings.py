"""Which warehouse a dbt target points at, read from the project's own dbt profile.

The runner's tables live in the monitoring dataset: the `monitoring_dataset` var when set,
else the target's schema (the same rule as the dbt sources over them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from pipemon import project


class SettingsError(RuntimeError):
    """The profile or target cannot be resolved."""


@dataclass(frozen=True)
class WarehouseSettings:
    type: str
    target_name: str
    schema: str
    path: Path | None = None
    project: str | None = None
    location: str | None = None
    keyfile: str | None = None

    @property
    def state_base(self) -> Path:
        """Where local runner state (lock, spool) lives: beside the DuckDB file."""
        if self.path is not None:
            return self.path
        return project.duckdb_path()


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SettingsError(f"profile needs environment variable {name}")
    return value


def _render(value: Any) -> Any:
    if not isinstance(value, str) or "{{" not in value:
        return value
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["env_var"] = _env_var
    env.globals["var"] = lambda name, default=None: default
    return env.from_string(value).render()


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SettingsError(f"missing {path}")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path} is not a mapping")
    return data


def resolve(target: str | None = None, vars_: Mapping[str, Any] | None = None) -> WarehouseSettings:
    """Settings of `target` (default: the profile's default target)."""
    dbt_project = project.dbt_project()
    profile_name = dbt_project.get("profile") or dbt_project.get("name")
    profiles = _load_yaml(project.profiles_dir() / "profiles.yml")
    profile = profiles.get(str(profile_name))
    if not isinstance(profile, dict):
        raise SettingsError(f"profile {profile_name!r} not found in profiles.yml")
    target_name = str(target or _render(profile.get("target", "")) or "")
    outputs = profile.get("outputs") or {}
    output = outputs.get(target_name)
    if not isinstance(output, dict):
        raise SettingsError(f"target {target_name!r} not found in profile {profile_name!r}")
    rendered = {key: _render(value) for key, value in output.items()}
    kind = str(rendered.get("type", ""))
    schema = str(rendered.get("schema") or rendered.get("dataset") or "")
    project_vars = dbt_project.get("vars") or {}
    monitoring = (vars_ or {}).get("monitoring_dataset") or project_vars.get("monitoring_dataset")
    if monitoring:
        schema = str(_render(monitoring))
    _check_names(schema, rendered.get("project") if kind == "bigquery" else None)
    if kind == "duckdb":
        raw = str(rendered.get("path") or ":memory:")
        path = Path(raw)
        if not path.is_absolute():
            path = Path.cwd() / path  # dbt-duckdb opens relative paths from the working dir
        return WarehouseSettings(kind, target_name, schema or "main", path=path.resolve())
    if kind == "bigquery":
        keyfile = rendered.get("keyfile") or None
        return WarehouseSettings(
            kind,
            target_name,
            schema,
            project=str(rendered.get("project") or "") or None,
            location=str(rendered.get("location") or "") or None,
            keyfile=str(keyfile) if keyfile else None,
        )
    raise SettingsError(f"target {target_name!r}: warehouse type {kind!r} is not supported")


def _check_names(schema: str, project_id: Any) -> None:
    """The dataset and project become part of every SQL statement the runner writes: refuse
    anything but a plain name before it gets there."""
    from pipemon import validate

    try:
        if schema:
            validate.identifier(
                "the monitoring dataset (monitoring_dataset or the target's schema)", schema
            )
        if project_id:
            validate.project_id("the target's project", str(project_id))
    except validate.InvalidValue as exc:
        raise SettingsError(str(exc)) from None
