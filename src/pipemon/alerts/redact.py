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

# Credential-looking text in free text: what the instrumentation, the probe and the deploy
# script scrub before an error message is stored or printed (the runner's Redactor, which also
# knows the config's own secrets, masks URLs as well).
REDACTED = "[REDACTED]"
SECRET_KEY = (
    r"(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key"
    r"|auth|authorization|credentials?|webhook[_-]?url)"
)
_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
        REDACTED,
    ),
    # credentials inside URLs: scheme://user:password@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"), rf"\1{REDACTED}@"),
    # chat webhooks carry their secret in the path
    (re.compile(r"https://hooks\.slack\.com/\S+"), f"https://hooks.slack.com/{REDACTED}"),
    (
        re.compile(r"https://(?:discord(?:app)?\.com)/api/webhooks/\S+"),
        f"https://discord.com/api/webhooks/{REDACTED}",
    ),
    (
        re.compile(r"https://[\w.-]*webhook\.office\.com/\S+"),
        f"https://webhook.office.com/{REDACTED}",
    ),
    # Authorization: Bearer <token>
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    # query parameters such as ?key=...&access_token=...
    (
        re.compile(r"(?i)([?&][\w.-]*(?:key|token|sig|signature|credential|password)=)[^&\s]+"),
        rf"\1{REDACTED}",
    ),
    # password=..., "token": "...", api_key: ..., access_token=...
    (
        re.compile(
            rf"(?i)([\"']?\b[\w-]*{SECRET_KEY}\b[\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&}}]+)"
        ),
        rf"\1{REDACTED}",
    ),
    # Google API keys and Slack tokens, wherever they stand
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), REDACTED),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), REDACTED),
)


def scrub_credentials(text: str) -> str:
    """Remove what looks like a credential (URL passwords, tokens, webhook URLs, keys)."""
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


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
