"""opsgenie-alerts://API_KEY@api.opsgenie.com: Opsgenie's Alert API v2, over HTTPS with
`requests` (Opsgenie's own Python SDK was last released in 2021; the API is four calls).

The pipemon incident id is the alert's `alias`, Opsgenie's deduplication key: an incident's
first message and every later one (changes, reminders) create the same alert (Opsgenie counts
the repeats on the open alert), `pipemon ack` acknowledges it and pipemon resolving it (or
`pipemon close`) closes it, both addressed by alias (`identifierType=alias`).

The API key (an API integration's key) is the URL's user part, from an environment variable,
redacted everywhere; it travels only in the `Authorization: GenieKey ...` header. The host is
the API's (`api.eu.opsgenie.com` for the EU instance). Opsgenie answers 202 and processes the
request asynchronously. Any other answer, a timeout or no connection raises DeliveryError: the
delivery stays pending and the next run sends it again.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from pipemon.alerts.channels import Channel, DeliveryError, Outbound, api_endpoint, register
from pipemon.safe_text import safe_block, safe_line

DEFAULT_HOST = "api.opsgenie.com"
PRIORITIES = {"error": "P2", "warn": "P3", "info": "P5"}
MESSAGE_MAX, DESCRIPTION_MAX, NOTE_MAX = 130, 15000, 25000  # the Alert API's limits
ACTIONS = {"resolved": "close", "closed": "close", "acknowledged": "acknowledge"}


def request(message: Outbound, base_url: str) -> tuple[str, dict[str, Any]]:
    """(URL, JSON body) of the Alert API call for a message."""
    alias = message.incident_id if message.incident_id and message.incident_id != "-" else None
    action = ACTIONS.get(message.kind)
    if action is None or alias is None:
        details = {k: v for k, v in message.details.items() if v}
        body: dict[str, Any] = {
            "message": safe_line(message.subject)[:MESSAGE_MAX],
            "description": safe_block(message.body)[:DESCRIPTION_MAX],
            "priority": PRIORITIES.get(message.severity, "P3"),
            "source": "pipemon",
            "details": {**details, "kind": message.kind},
            "tags": ["pipemon", message.severity],
        }
        if alias:
            body["alias"] = alias
        if details.get("target"):
            body["entity"] = details["target"]
        return f"{base_url}/v2/alerts", body
    quoted = urllib.parse.quote(alias, safe="")
    note = safe_block(message.body)[:NOTE_MAX]
    url = f"{base_url}/v2/alerts/{quoted}/{action}?identifierType=alias"
    return url, {"source": "pipemon", "note": note}


@register
class OpsgenieChannel(Channel):
    schemes = ("opsgenie-alerts",)
    follows_incidents = True

    def send(self, message: Outbound) -> None:
        import requests

        api_key, base_url = api_endpoint(self.name, self.url, DEFAULT_HOST)
        url, body = request(message, base_url)
        try:
            response = requests.post(
                url,
                json=body,
                headers={"Authorization": f"GenieKey {api_key}"},
                timeout=self.timeout_seconds,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise DeliveryError(
                f"channel {self.name}: Opsgenie not reached: {type(exc).__name__}: {exc}"[:400]
            ) from None
        if response.status_code not in (200, 201, 202):
            detail = " ".join(response.text.split())[:300]
            raise DeliveryError(
                f"channel {self.name}: Opsgenie answered HTTP {response.status_code}: {detail}"
            )
