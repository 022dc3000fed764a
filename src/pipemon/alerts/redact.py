"""Secrets never leave the process: every line the runner prints, logs or stores passes here.

Secrets are the values of the environment variables the alert config references, and every
credential-looking part of a channel URL (userinfo, query values, long path segments). URLs
in free text lose their userinfo, path tokens and query values as well.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Iterable

MASK = "***"
_URL = re.compile(r"\b([a-z][a-z0-9+.\-]*)://([^\s'\"<>]+)", re.IGNORECASE)
_MIN_SECRET = 4


def url_secrets(url: str) -> list[str]:
    """The parts of a channel URL that may be credentials."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return [url]
    found: list[str] = []
    if parts.username:
        found.append(urllib.parse.unquote(parts.username))
        found.append(parts.username)
    if parts.password:
        found.append(urllib.parse.unquote(parts.password))
        found.append(parts.password)
    for _, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        found.append(value)
    for segment in parts.path.split("/"):
        if len(segment) >= 8:  # webhook tokens (Slack, Teams, Google Chat) live in the path
            found.append(segment)
    # Slack/Teams/Discord style URLs carry tokens in the "host" part too
    if parts.hostname and "." not in parts.hostname and len(parts.hostname) >= 8:
        found.append(parts.hostname)
    return [s for s in found if len(s) >= _MIN_SECRET]


def mask_url(url: str) -> str:
    """A URL fit to print: scheme and host only."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if "." not in host and host not in ("localhost",) and not host[:1].isdigit():
            host = MASK if host else ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    rest = "/" + MASK if (parts.path.strip("/") or parts.query or parts.username) else ""
    return f"{parts.scheme}://{host}{port}{rest}"


class Redactor:
    """Replaces known secrets and URL credentials in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET:
                self._secrets.add(secret)
                quoted = urllib.parse.quote(secret, safe="")
                if quoted != secret:
                    self._secrets.add(quoted)

    def __call__(self, text: str | None) -> str:
        if not text:
            return text or ""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return _URL.sub(lambda m: mask_url(m.group(0)), text)

    def logging_filter(self) -> logging.Filter:
        redactor = self

        class _Filter(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                record.msg = redactor(record.getMessage())
                record.args = ()
                return True

        return _Filter()
