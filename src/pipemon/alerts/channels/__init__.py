"""Alert channels: one small interface, one file per channel type.

A channel type is a `Channel` subclass decorated with `@register`, in its own module in this
package (modules here are discovered, nothing else to edit). It claims URL schemes; a URL whose
scheme no module claims goes to apprise (`apprise_url.py`), which knows email (mailto://,
mailtos://), JSON webhooks (json://, jsons://), Slack, Google Chat, Teams and ~100 others.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


class DeliveryError(RuntimeError):
    """The channel did not accept the message (it stays pending and is retried)."""


@dataclass(frozen=True)
class Outbound:
    """What a channel sends."""

    subject: str
    body: str
    severity: str  # error | warn | info
    kind: str  # alert | reminder | resolved | digest | summary


class Channel(ABC):
    """Sends one message; raises DeliveryError when the destination did not take it."""

    schemes: ClassVar[tuple[str, ...]] = ()

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


def build(name: str, url: str, timeout_seconds: float) -> Channel:
    """The channel for a URL: the module claiming its scheme, else the fallback (apprise)."""
    _discover()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    for cls in _REGISTRY:
        if scheme in cls.schemes:
            return cls(name, url, timeout_seconds)
    if not _FALLBACK:
        raise DeliveryError(f"channel {name}: no channel type for scheme {scheme!r}")
    return _FALLBACK[0](name, url, timeout_seconds)
