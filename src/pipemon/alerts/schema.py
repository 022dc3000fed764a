"""The schema of config/alerts.yml: every key it may hold, validated by pydantic.

Unknown keys are refused (a misspelt `rutes:` or `supression_window_minutes` would otherwise be
ignored silently) and the error names the closest known key. Values are checked too
(`severity: critical` is not a severity). `pipemon config check` and every run use this.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SEVERITY_VALUES = ("error", "warn")
SOURCE_VALUES = ("test", "freshness", "monitor")
KIND_VALUES = ("alert", "reminder", "resolved", "digest")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


class ChannelSchema(_Strict):
    url: str | None = None


class MatchSchema(_Strict):
    severity: list[Literal["error", "warn"]] = Field(default_factory=list)
    owner: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    source: list[Literal["test", "freshness", "monitor"]] = Field(default_factory=list)
    kind: list[Literal["alert", "reminder", "resolved", "digest"]] = Field(default_factory=list)
    test: list[str] = Field(default_factory=list)

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str]:
        return _as_list(value)


class RouteSchema(_Strict):
    match: MatchSchema = Field(default_factory=MatchSchema)
    channels: list[str] = Field(default_factory=list)

    @field_validator("channels", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str]:
        return _as_list(value)


class LimitsSchema(_Strict):
    max_per_hour: int = Field(5, ge=1)
    # minutes after the last message of a still-open incident before the next reminder; the
    # last step repeats (240, 1440, 4320: after 4 h, then a day, then every 3 days)
    reminder_ladder_minutes: list[float] = Field(default_factory=lambda: [240.0, 1440.0, 4320.0])
    # a run with more incident messages than this for one channel sends that channel one digest
    digest_after: int = Field(8, ge=1)

    @field_validator("reminder_ladder_minutes")
    @classmethod
    def _ladder(cls, value: list[float]) -> list[float]:
        if not value or any(step <= 0 for step in value):
            raise ValueError("needs at least one step, every step > 0 minutes")
        return value


class SamplesSchema(_Strict):
    enabled: bool = True
    max_rows: int = Field(5, ge=0)


class DeliverySchema(_Strict):
    timeout_seconds: float = Field(10, gt=0)
    lock_timeout_seconds: float = Field(900, ge=0)
    claim_stale_minutes: float = Field(30, gt=0)


class AlertsSchema(_Strict):
    channels: dict[str, ChannelSchema | str | None] = Field(default_factory=dict)
    routes: list[RouteSchema] = Field(default_factory=list)
    default_channels: list[str] = Field(default_factory=list)
    summary_channels: list[str] = Field(default_factory=list)
    limits: LimitsSchema = Field(default_factory=LimitsSchema)  # type: ignore[arg-type]
    samples: SamplesSchema = Field(default_factory=SamplesSchema)  # type: ignore[arg-type]
    delivery: DeliverySchema = Field(default_factory=DeliverySchema)  # type: ignore[arg-type]
    freshness: bool = True
    # a dbt build failed only by transient warehouse errors runs `dbt retry` after this long
    transient_retry_seconds: float = Field(30, ge=0)
    history_days: int = Field(30, ge=1)
    heartbeat_url: str | None = None
    # where runbook links in alerts point: docs/runbooks/<check>.md under this base
    runbook_base_url: str = "docs/runbooks"

    @field_validator("default_channels", "summary_channels", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str]:
        return _as_list(value)


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at `loc` (the parent of an unknown key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", {})
        if part not in fields:
            return []
        annotation = fields[part].annotation
        current = _model_in(annotation)
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def explain(exc: ValidationError) -> list[str]:
    """One plain line per problem, with a suggestion for misspelt keys."""
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            key = str(loc[-1])
            known = _known_keys(AlertsSchema, loc[:-1])
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            allowed = f" (known: {', '.join(known)})" if known else ""
            lines.append(f"{where}: unknown key {key!r}{hint}{allowed}")
        else:
            got = error.get("input")
            shown = f" (got {got!r})" if not isinstance(got, dict | list) else ""
            lines.append(f"{where}: {error['msg']}{shown}")
    return lines


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
