"""config/alerts.yml: channels (one apprise-style URL each), routing and limits.

`${VAR}` in a URL is replaced by the environment variable VAR and `${VAR:-text}` falls back to
text; a channel whose variable is unset is disabled (and says so). Secrets live only in the
environment. See docs/runner.md for the format.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from pipemon import envrefs, project
from pipemon.alerts import channels as channel_types
from pipemon.alerts import schema
from pipemon.alerts.policy import Limits
from pipemon.alerts.redact import Redactor, url_secrets


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
    transient_retry_seconds: float = 30.0
    runbook_base_url: str = "docs/runbooks"
    path: Path | None = None
    redactor: Redactor = field(default_factory=Redactor)

    @property
    def enabled(self) -> list[str]:
        """Channels with a URL (their variables are set), in config order."""
        return [name for name, c in self.channels.items() if c.url]

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
    expanded = envrefs.expand(value, env)
    secrets.extend(expanded.taken)
    if expanded.missing:
        return None, f"{', '.join(expanded.missing)} not set"
    return expanded.text, ""


def default_path() -> Path:
    env = os.environ.get("PIPEMON_ALERTS_CONFIG")
    return Path(env) if env else project.project_dir() / "config" / "alerts.yml"


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> AlertsConfig:
    """Read and validate the alert config. Raises ConfigError (a monitoring failure) when the
    file is missing, is not YAML, breaks the schema or a route names an unknown channel."""
    env = os.environ if env is None else env
    path = path or default_path()
    if not path.is_file():
        raise ConfigError(
            f"alert config {path} does not exist (set --config or PIPEMON_ALERTS_CONFIG to the "
            "file; the image ships config/alerts.yml)"
        )
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        parsed = schema.AlertsSchema.model_validate(loaded)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + "; ".join(schema.explain(exc))) from exc
    secrets: list[str] = []
    channels: dict[str, ChannelConfig] = {}
    for name, spec in parsed.channels.items():
        url_raw = spec.url if isinstance(spec, schema.ChannelSchema) else spec
        if not url_raw:
            channels[name] = ChannelConfig(name, None, "no url")
            continue
        url, reason = _expand(str(url_raw), env, secrets)
        if url:
            secrets += url_secrets(url)
        channels[name] = ChannelConfig(name, url or None, reason or None)
    routes = []
    for i, entry in enumerate(parsed.routes):
        match = {k: list(v) for k, v in entry.match.model_dump().items() if v}
        routes.append(Route(match, list(entry.channels)))
        for channel in entry.channels:
            if channel not in channels:
                raise ConfigError(
                    f"{path}: routes.{i}.channels: unknown channel {channel!r}"
                    + schema.suggest(channel, list(channels))
                )
    for key in ("default_channels", "summary_channels"):
        for channel in getattr(parsed, key):
            if channel not in channels:
                raise ConfigError(
                    f"{path}: {key}: unknown channel {channel!r}"
                    + schema.suggest(channel, list(channels))
                )
    for channel in parsed.summary_channels:
        spec = parsed.channels[channel]
        raw = spec.url if isinstance(spec, schema.ChannelSchema) else spec
        if any(channel_types.follows_incidents(u) for u in (raw, channels[channel].url)):
            raise ConfigError(
                f"{path}: summary_channels: {channel!r} is a pager (one alert per incident); "
                "a morning summary is not an incident: send it to e-mail or chat"
            )
    lim = parsed.limits
    limits = Limits(
        max_per_hour=lim.max_per_hour,
        reminder_ladder_minutes=tuple(lim.reminder_ladder_minutes),
        digest_after=lim.digest_after,
    )
    heartbeat_url = None
    if parsed.heartbeat_url:
        heartbeat_url, _ = _expand(str(parsed.heartbeat_url), env, secrets)
        if heartbeat_url:
            secrets += url_secrets(heartbeat_url)
    heartbeat_url = env.get("PIPEMON_HEARTBEAT_URL") or heartbeat_url or None
    if env.get("PIPEMON_HEARTBEAT_URL"):
        secrets += url_secrets(env["PIPEMON_HEARTBEAT_URL"])
    return AlertsConfig(
        path=path,
        channels=channels,
        routes=routes,
        default_channels=list(parsed.default_channels),
        summary_channels=list(parsed.summary_channels),
        limits=limits,
        max_rows=parsed.samples.max_rows,
        samples=parsed.samples.enabled,
        heartbeat_url=heartbeat_url,
        delivery_timeout_seconds=parsed.delivery.timeout_seconds,
        lock_timeout_seconds=parsed.delivery.lock_timeout_seconds,
        claim_stale_minutes=parsed.delivery.claim_stale_minutes,
        history_days=parsed.history_days,
        freshness=parsed.freshness,
        transient_retry_seconds=parsed.transient_retry_seconds,
        runbook_base_url=parsed.runbook_base_url.rstrip("/"),
        redactor=Redactor(secrets),
    )


def salvage_channels(path: Path | None, env: Mapping[str, str] | None = None) -> AlertsConfig:
    """The channels of a config that failed validation, read leniently, so the monitoring
    failure can still be announced on every channel that works (empty when unreadable)."""
    env = os.environ if env is None else env
    path = path or default_path()
    secrets: list[str] = []
    channels: dict[str, ChannelConfig] = {}
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        specs = raw.get("channels") or {} if isinstance(raw, dict) else {}
        for name, spec in dict(specs).items():
            url_raw = spec.get("url") if isinstance(spec, dict) else spec
            if isinstance(url_raw, str) and url_raw:
                url, _ = _expand(url_raw, env, secrets)
                if url:
                    secrets += url_secrets(url)
                    channels[str(name)] = ChannelConfig(str(name), url)
    except (OSError, yaml.YAMLError, AttributeError, TypeError, ValueError):
        channels = {}
    return AlertsConfig(path=path, channels=channels, redactor=Redactor(secrets))
