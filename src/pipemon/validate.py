"""Checks on every value a user hands the monitor before it reaches dbt or SQL.

dbt vars are rendered into SQL text (`cast('{{ var('as_of') }}' as timestamp)`), selections go to
dbt's selector parser and dataset names into quoted identifiers, so each is checked here against
what it should be, and a refusal says what was expected. The command line turns a refusal into a
usage error (exit 2); the runner, called as a library, into a monitoring failure (exit 3).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# a BigQuery dataset or DuckDB schema name as the project uses them: letters, digits, underscores
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,1023}$")
# a GCP project id (lowercase letters, digits, hyphens; optionally domain-scoped `example.com:x`)
_PROJECT = re.compile(r"^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")
# dbt selection: node names, `tag:x`, `path:models/x`, `+x+`, `2+x`, `@x`, `a,b` and wildcards
_SELECTOR = re.compile(r"^[A-Za-z0-9_.:/*+@,=-]{1,300}$")
_INCIDENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# text that would end a SQL literal or start a statement when rendered into SQL
_UNSAFE_TEXT = re.compile(r"['\"`\\;\x00-\x1f\x7f]")

# one season and its preseason fit; staging reads `source_history_days` (400) back by default
LOOKBACK_DAYS_MAX = 400


class InvalidValue(ValueError):
    """A value that is not what its option or var expects (the message says what is)."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def timestamp(name: str, value: object) -> str:
    """A UTC time 'YYYY-MM-DD[ HH:MM[:SS]]' that is a real calendar moment."""
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value).strip()
    if isinstance(value, str) and _TIMESTAMP.match(text):
        try:
            dt.datetime.fromisoformat(text.replace(" ", "T"))
            return text
        except ValueError:
            pass
    raise InvalidValue(
        f"{name} must be a UTC time 'YYYY-MM-DD HH:MM:SS' (or 'YYYY-MM-DD'), got {_shown(value)}"
    )


def date(name: str, value: object) -> str:
    """A calendar date 'YYYY-MM-DD'."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value).strip()
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise InvalidValue(f"{name} must be a date 'YYYY-MM-DD', got {_shown(value)}")


def whole_number(name: str, value: object, low: int, high: int) -> int:
    """An integer (not a bool, not text) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(
            f"{name} must be a whole number from {low} to {high}, got {_shown(value)}"
        )
    return value


def number(name: str, value: object, low: float, high: float) -> float:
    """A finite number within [low, high]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value  # NaN
        or not low <= value <= high
    ):
        raise InvalidValue(f"{name} must be a number from {low:g} to {high:g}, got {_shown(value)}")
    return float(value)


def identifier(name: str, value: object) -> str:
    """A dataset or schema name: a letter or underscore, then letters, digits, underscores."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise InvalidValue(
            f"{name} must be a dataset name (letters, digits and underscores, not starting "
            f"with a digit), got {_shown(value)}"
        )
    return value


def project_id(name: str, value: object) -> str:
    """A Google Cloud project id."""
    if not isinstance(value, str) or not _PROJECT.match(value):
        raise InvalidValue(
            f"{name} must be a Google Cloud project id (6-30 lowercase letters, digits and "
            f"hyphens), got {_shown(value)}"
        )
    return value


def selector(value: str) -> str:
    """One dbt selection argument (`processor_failed`, `tag:alerts`, `+fct_alerts`), or several
    separated by single spaces, as dbt reads them (`+tag:dead_letters +tag:redeliveries`)."""
    parts = value.split(" ")
    if not all(_SELECTOR.match(part) and not part.startswith("-") for part in parts):
        raise InvalidValue(
            "a dbt selection is node names, tag:/path:/config: methods, +, @, * and commas, "
            "several separated by single spaces (no options, quotes or semicolons), "
            f"got {_shown(value)}"
        )
    return value


def named_selector(value: str, names: list[str]) -> str:
    """The name of one of the project's YAML selectors (selectors.yml)."""
    if value not in names:
        known = ", ".join(names) or "none: the project has no selectors.yml"
        raise InvalidValue(
            f"--selector must name a selector of selectors.yml ({known}), got {_shown(value)}"
        )
    return value


def incident_id(value: str) -> str:
    """An incident id or a prefix of one (`i3f9c2a1`, `i3f`)."""
    if not _INCIDENT.match(value):
        raise InvalidValue(
            f"an incident id is letters and digits such as i3f9c2a1 (see `pipemon incidents`), "
            f"got {_shown(value)}"
        )
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or _UNSAFE_TEXT.search(value) or len(value) > 300:
        raise InvalidValue(
            f"{name} must be plain text (no quotes, backslashes, semicolons or control "
            f"characters, at most 300 characters), got {_shown(value)}"
        )
    return value


def _timezone(name: str, value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            f"{name} must be an IANA time zone such as America/New_York, got {_shown(value)}"
        ) from None
    return _text(name, value)


def _optional(check: Callable[[str, object], object]) -> Callable[[str, object], object]:
    def inner(name: str, value: object) -> object:
        return value if value in ("", None) else check(name, value)

    return inner


def _dates(name: str, value: object) -> object:
    if not isinstance(value, list):
        raise InvalidValue(f"{name} must be a list of dates 'YYYY-MM-DD', got {_shown(value)}")
    return [date(f"{name}[{i}]", d) for i, d in enumerate(value)]


def _seasons(name: str, value: object) -> object:
    if not isinstance(value, Mapping) or not value:
        raise InvalidValue(f"{name} must map a season label to [first, last], got {_shown(value)}")
    for label, window in value.items():
        _text(f"{name} label", str(label))
        if not isinstance(window, list) or len(window) != 2:
            raise InvalidValue(
                f"{name}.{label} must be [first date, last date], got {_shown(window)}"
            )
        first, last = (date(f"{name}.{label}", d) for d in window)
        if first > last:
            raise InvalidValue(f"{name}.{label}: the first date {first} is after the last {last}")
    return value


# vars with a rule of their own; every other var must have the type of its declared default
RULES: dict[str, Callable[[str, object], object]] = {
    "as_of": _optional(timestamp),
    "source_start_date": _optional(date),
    "source_earliest_date": date,
    "season_opening_date": _optional(date),
    "monitor_open_dates": _dates,
    "monitor_last_built_date": _optional(date),
    "monitor_lookback_days": lambda n, v: whole_number(n, v, 1, LOOKBACK_DAYS_MAX),
    "source_history_days": lambda n, v: whole_number(n, v, 1, 3660),
    "future_tolerance_minutes": lambda n, v: whole_number(n, v, 0, 24 * 60),
    "incremental_lookback_days": lambda n, v: whole_number(n, v, 0, 400),
    "daily_scan_margin_days": lambda n, v: whole_number(n, v, 0, 400),
    "scraper_log_retention_days": lambda n, v: whole_number(n, v, 0, 3660),
    "bootstrap_days": lambda n, v: whole_number(n, v, 0, 120),
    "incident_clean_days_to_end": lambda n, v: whole_number(n, v, 0, 60),
    "incident_worse_factor": lambda n, v: number(n, v, 1.1, 1000),
    "max_run_duration_hours": lambda n, v: number(n, v, 1, 24 * 365),
    "prediction_shape_min_players": lambda n, v: whole_number(n, v, 2, 10_000),
    "prediction_edge_gap_max_points": lambda n, v: number(n, v, 0.1, 100),
    "prediction_one_side_share_max": lambda n, v: number(n, v, 0.5, 1),
    "prediction_single_value_share_max": lambda n, v: number(n, v, 0.01, 1),
    "pipeline_timezone": _timezone,
    "seasons": _seasons,
    "monitoring_dataset": _optional(identifier),
    **{
        f"{area}_dataset": identifier
        for area in ("orchestration", "reference", "raw", "analytics", "predictions")
    },
}


def _like_default(name: str, value: object, default: object) -> object:
    """A var without a rule of its own: the type of its default, text without SQL quotes."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InvalidValue(f"{name} must be true or false, got {_shown(value)}")
    elif isinstance(default, int | float):
        number(name, value, 0, 10**9)
    elif isinstance(default, str):
        _text(name, value)
    elif isinstance(default, list | dict) and not isinstance(value, type(default)):
        kind = "a list" if isinstance(default, list) else "a mapping"
        raise InvalidValue(f"{name} must be {kind}, got {_shown(value)}")
    return value


def invalid_vars(given: Mapping[str, Any], declared: Mapping[str, Any]) -> list[str]:
    """One line per given var whose value is not what the var expects (unknown vars are
    `runner.build.unknown_vars`' business)."""
    problems: list[str] = []
    for name, value in given.items():
        try:
            if name in RULES:
                RULES[name](f"var {name}", value)
            elif name in declared:
                _like_default(f"var {name}", value, declared[name])
        except InvalidValue as exc:
            problems.append(str(exc))
    return problems
