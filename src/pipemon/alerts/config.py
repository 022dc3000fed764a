"""config/alerts.yml: channels (one apprise-style URL each), routing and limits.

`${VAR}` in a URL is replaced by the environment variable VAR and `${VAR:-text}` falls back to
text; a channel whose variable is unset is disabled (and says so). Secrets live only in the
environment. See docs/runner.md for the format.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipemon import project
from pipemon.alerts.policy import Limits
from pipemon.alerts.redact import Redactor, url_secrets

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
MATCH_KEYS = ("severity", "owner", "tag", "source", "kind", "test")


class ConfigError(ValueError):
    """config/alerts.yml is malformed."""


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    url: str | None  # expanded; None when disabled
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Route:
    match: dict[str, list[str]]
    channels: list[str]

    def matches(self, attrs: Mapping[str, list[str]]) -> bool:
        for key, wanted in self.match.items():
            have = {v.lower() for v in attrs.get(key, [])}
            if not have & {w.lower() for w in wanted}:
                return False
        return True


@dataclass
class AlertsConfig:
    channels: dict[str, ChannelConfig] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    default_channels: list[str] = field(default_factory=list)
    summary_channels: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    max_rows: int = 5
    samples: bool = True
    heartbeat_url: str | None = None
    delivery_timeout_seconds: float = 10.0
    lock_timeout_seconds: float = 900.0
    claim_stale_minutes: float = 30.0
    history_days: int = 30
    freshness: bool = True
    redactor: Redactor = field(default_factory=Redactor)

    def channels_for(self, attrs: Mapping[str, list[str]]) -> list[str]:
        """Channels of every matching route (in config order), else the defaults."""
        if attrs.get("kind") == ["summary"]:
            return [c for c in self.summary_channels if c in self.channels]
        chosen: list[str] = []
        for route in self.routes:
            if route.matches(attrs):
                chosen += [c for c in route.channels if c not in chosen]
        if not chosen:
            chosen = list(self.default_channels)
        return [c for c in chosen if c in self.channels]


def _expand(value: str, env: Mapping[str, str], secrets: list[str]) -> tuple[str | None, str]:
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        got = env.get(name)
        if got:
            secrets.append(got)
            return got
        if default is not None:
            return default
        missing.append(name)
        return ""

    expanded = _VAR.sub(sub, value)
    if missing:
        return None, f"{', '.join(missing)} not set"
    return expanded, ""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def default_path() -> Path:
    env = os.environ.get("PIPEMON_ALERTS_CONFIG")
    return Path(env) if env else project.project_dir() / "config" / "alerts.yml"


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> AlertsConfig:
    env = os.environ if env is None else env
    path = path or default_path()
    raw: dict[str, Any] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text()) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping")
        raw = loaded
    secrets: list[str] = []
    channels: dict[str, ChannelConfig] = {}
    for name, spec in (raw.get("channels") or {}).items():
        url_raw = spec.get("url") if isinstance(spec, dict) else spec
        if not url_raw:
            channels[name] = ChannelConfig(name, None, "no url")
            continue
        url, reason = _expand(str(url_raw), env, secrets)
        if url:
            secrets += url_secrets(url)
        channels[name] = ChannelConfig(name, url or None, reason or None)
    routes = []
    for entry in raw.get("routes") or []:
        match = {k: _as_list(v) for k, v in (entry.get("match") or {}).items()}
        unknown = set(match) - set(MATCH_KEYS)
        if unknown:
            raise ConfigError(f"{path}: unknown match keys {sorted(unknown)}")
        routes.append(Route(match, _as_list(entry.get("channels"))))
    for route in routes:
        for channel in route.channels:
            if channel not in channels:
                raise ConfigError(f"{path}: route names unknown channel {channel!r}")
    limits_raw = raw.get("limits") or {}
    limits = Limits(**{k: v for k, v in limits_raw.items() if k in Limits.__dataclass_fields__})
    samples = raw.get("samples") or {}
    heartbeat = raw.get("heartbeat_url")
    heartbeat_url = None
    if heartbeat:
        heartbeat_url, _ = _expand(str(heartbeat), env, secrets)
        if heartbeat_url:
            secrets += url_secrets(heartbeat_url)
    heartbeat_url = env.get("PIPEMON_HEARTBEAT_URL") or heartbeat_url or None
    if env.get("PIPEMON_HEARTBEAT_URL"):
        secrets += url_secrets(env["PIPEMON_HEARTBEAT_URL"])
    delivery = raw.get("delivery") or {}
    return AlertsConfig(
        channels=channels,
        routes=routes,
        default_channels=_as_list(raw.get("default_channels")),
        summary_channels=_as_list(raw.get("summary_channels")),
        limits=limits,
        max_rows=int(samples.get("max_rows", 5)),
        samples=bool(samples.get("enabled", True)),
        heartbeat_url=heartbeat_url,
        delivery_timeout_seconds=float(delivery.get("timeout_seconds", 10)),
        lock_timeout_seconds=float(delivery.get("lock_timeout_seconds", 900)),
        claim_stale_minutes=float(delivery.get("claim_stale_minutes", 30)),
        history_days=int(raw.get("history_days", 30)),
        freshness=bool(raw.get("freshness", True)),
        redactor=Redactor(secrets),
    )
