"""Dead-man's switch: ping a URL after each completed run (healthchecks.io, Cronitor, a Cloud
Monitoring uptime check's endpoint...). `{exit_code}` in the URL is replaced by the run's code."""

from __future__ import annotations

import urllib.request


def ping(url: str, exit_code: int, timeout_seconds: float = 10.0) -> None:
    """GET the URL; raises OSError (incl. urllib errors) when it does not answer 2xx/3xx."""
    request = urllib.request.Request(
        url.replace("{exit_code}", str(exit_code)), headers={"User-Agent": "pipemon"}
    )
    with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310
        response.read(1024)
