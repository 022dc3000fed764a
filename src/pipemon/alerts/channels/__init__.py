"""Alert channels: one small interface, one file per channel type.

A channel type is a `Channel` subclass decorated with `@register`, in its own module in this
package (modules here are discovered, nothing else to edit). It claims URL schemes; a URL whose
scheme no module claims goes to apprise (`apprise_url.py`), which knows email (mailto://,
mailtos://), JSON webhooks (json://, jsons://), Slack, Google Chat, Teams and ~100 others.

Paging channels (`pagerduty.py`, `opsgenie.py`) follow incidents: each message carries its
incident id as the pager's deduplication key, they are never sent a digest, and they are also
told when someone acknowledges or closes an incident (kinds `acknowledged`, `closed`).
"""

from __future__ import annotations

import importlib
import pkgutil
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


class DeliveryError(RuntimeError):
    """The channel did not accept the message (it stays pending and is retried)."""


@dataclass(frozen=True)
class Outbound:
    """What a channel sends."""

    subject: str
    body: str
    severity: str  # error | warn | info
    kind: str  # alert | reminder | resolved | digest | summary | acknowledged | closed
    incident_id: str | None = None
    # what the message is about, for channels with fields of their own (check, target, owner,
    # game_date); every value is already redacted
    details: Mapping[str, str] = field(default_factory=dict)


class Channel(ABC):
    """Sends one message; raises DeliveryError when the destination did not take it."""

    schemes: ClassVar[tuple[str, ...]] = ()
    # a channel that keeps an incident of its own per pipemon incident (a pager): it gets every
    # incident message by itself (never a digest) and `acknowledged`/`closed` messages too
    follows_incidents: ClassVar[bool] = False

    def __init__(self, name: str, url: str, timeout_seconds: float) -> None:
        self.name = name
        self.url = url
        self.timeout_seconds = timeout_seconds

    @abstractmethod
    def send(self, message: Outbound) -> None: ...


_REGISTRY: list[type[Channel]] = []
_FALLBACK: list[type[Channel]] = []


def register(cls: type[Channel]) -> type[Channel]:
    """Class decorator: make a channel type available by its URL schemes."""
    (_REGISTRY if cls.schemes else _FALLBACK).append(cls)
    return cls


def _discover() -> None:
    if _REGISTRY or _FALLBACK:
        return
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def type_of(url: str) -> type[Channel] | None:
    """The channel type for a URL: the module claiming its scheme, else the fallback (apprise)."""
    _discover()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    for cls in _REGISTRY:
        if scheme in cls.schemes:
            return cls
    return _FALLBACK[0] if _FALLBACK else None


def follows_incidents(url: str | None) -> bool:
    """Does the channel at this URL keep an incident per pipemon incident (a pager)?"""
    cls = type_of(url) if url else None
    return bool(cls and cls.follows_incidents)


def build(name: str, url: str, timeout_seconds: float) -> Channel:
    """The channel for a URL: the module claiming its scheme, else the fallback (apprise)."""
    cls = type_of(url)
    if cls is None:
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        raise DeliveryError(f"channel {name}: no channel type for scheme {scheme!r}")
    return cls(name, url, timeout_seconds)


def api_endpoint(name: str, url: str, default_host: str) -> tuple[str, str]:
    """(secret, https base URL) of a `scheme://SECRET@host[:port][/path]` channel URL.

    The secret (a routing or API key, from an environment variable) is the URL's user part;
    the host defaults to the service's own (EU regions and tests name theirs). Always HTTPS.
    """
    parts = urllib.parse.urlsplit(url)
    secret = urllib.parse.unquote(parts.username or "")
    if not secret:
        raise DeliveryError(f"channel {name}: the URL has no key before the @")
    host = parts.hostname or default_host
    port = f":{parts.port}" if parts.port else ""
    return secret, f"https://{host}{port}{parts.path.rstrip('/')}"
