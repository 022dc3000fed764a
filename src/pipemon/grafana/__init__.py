"""Grafana as code: dashboards and alert rules over the marts, provisioned from the repo.

Built with Grafana's own dashboards-as-code SDK (`grafana-foundation-sdk`): `dashboards`
(status, trends, incidents), `alerting` (rules and their contact point), `queries` (every SQL,
BigQuery dialect with the BigQuery data source's time macros), `provisioning` (the files Grafana
reads at start) and `verify` (the offline checks `make test` runs). `pipemon grafana` writes
the folder (default `deploy/grafana/`); docs/dashboards.md says how to mount it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipemon import project
from pipemon.grafana.dashboards import Settings

DEFAULT_MAX_BYTES_BILLED = 50_000_000_000  # the profile's default (PIPEMON_BQ_MAX_BYTES_BILLED)


def default_out_dir() -> Path:
    return project.project_dir() / "deploy" / "grafana"


def settings_from_env() -> tuple[Settings, int]:
    """The monitoring dataset, location and byte cap the dbt profile also reads."""
    s = Settings(
        dataset=os.environ.get("PIPEMON_BQ_DATASET") or Settings.dataset,
        location=os.environ.get("PIPEMON_BQ_LOCATION") or Settings.location,
    )
    cap = int(os.environ.get("PIPEMON_BQ_MAX_BYTES_BILLED") or DEFAULT_MAX_BYTES_BILLED)
    return s, cap


def build(
    out_dir: Path, s: Settings | None = None, max_bytes_billed: int | None = None
) -> list[Path]:
    """Write the provisioning folder; returns the files written."""
    from pipemon.grafana import provisioning

    env_settings, env_cap = settings_from_env()
    return provisioning.write(out_dir, s or env_settings, max_bytes_billed or env_cap)


__all__ = ["Settings", "build", "default_out_dir", "settings_from_env"]
