"""pagerduty-events://ROUTING_KEY@events.pagerduty.com: PagerDuty's Events API v2, through
PagerDuty's own client library (`pagerduty`, its EventsApiV2Client).

The pipemon incident id is the event's `dedup_key`, so PagerDuty keeps one alert per pipemon
incident: its first message and every later one (changes, reminders) `trigger` the same alert,
`pipemon ack` sends `acknowledge`, and pipemon resolving it (or `pipemon close`) sends
`resolve`: the pager's incident closes when pipemon's does. (apprise's `pagerduty://` always
triggers, with no deduplication key, so it cannot.)

The routing key is the URL's user part (from an environment variable, redacted everywhere);
the host is the Events API's (`events.eu.pagerduty.com` for the EU service region). HTTPS only.
A failure (an HTTP error, a timeout, no connection) raises DeliveryError: the delivery stays
pending and the next run sends it again; the client's own retry loop is kept short so a run
never waits minutes on PagerDuty.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pipemon.alerts.channels import Channel, DeliveryError, Outbound, api_endpoint, register
from pipemon.safe_text import safe_block, safe_line

DEFAULT_HOST = "events.pagerduty.com"
SEVERITIES = {"error": "error", "warn": "warning", "info": "info"}
SUMMARY_MAX = 1024  # the Events API's limit on payload.summary
ACTIONS = {"resolved": "resolve", "closed": "resolve", "acknowledged": "acknowledge"}


def dedup_key(message: Outbound) -> str:
    """The incident id; a message about no incident (a monitoring failure announced before
    anything could be recorded) gets a stable key of its subject, so repeats stay one alert."""
    if message.incident_id and message.incident_id != "-":
        return message.incident_id
    return "pipemon-" + hashlib.sha256(message.subject.encode()).hexdigest()[:16]


def event(message: Outbound) -> dict[str, Any]:
    """The Events API v2 event for a message (without the routing key, which the client adds)."""
    action = ACTIONS.get(message.kind, "trigger")
    out: dict[str, Any] = {"event_action": action, "dedup_key": dedup_key(message)}
    if action != "trigger":
        return out
    details = {k: v for k, v in message.details.items() if v}
    payload: dict[str, Any] = {
        "summary": safe_line(message.subject)[:SUMMARY_MAX],
        "source": "pipemon",
        "severity": SEVERITIES.get(message.severity, "error"),
        "custom_details": {**details, "kind": message.kind, "text": safe_block(message.body)},
    }
    for field, key in (("component", "target"), ("group", "owner"), ("class", "check")):
        if details.get(key):
            payload[field] = details[key]
    out["payload"] = payload
    out["client"] = "pipemon"
    return out


@register
class PagerDutyChannel(Channel):
    schemes = ("pagerduty-events",)
    follows_incidents = True

    def send(self, message: Outbound) -> None:
        import pagerduty

        routing_key, base_url = api_endpoint(self.name, self.url, DEFAULT_HOST)
        body = event(message)
        action = str(body.pop("event_action"))
        client = pagerduty.EventsApiV2Client(routing_key, base_url=base_url)
        client.timeout = max(1, math.ceil(self.timeout_seconds))
        client.retry = {429: 1}  # once after a short cooldown; then pending, the next run retries
        client.max_network_attempts = 0
        try:
            client.send_event(action, **body)
        except pagerduty.Error as exc:
            response = exc.response
            if response is not None:
                detail = " ".join(response.text.split())[:300]
                raise DeliveryError(
                    f"channel {self.name}: PagerDuty answered HTTP {response.status_code} "
                    f"to {action}: {detail}"
                ) from None
            raise DeliveryError(
                f"channel {self.name}: PagerDuty not reached ({action}): {exc.__cause__ or exc}"
            ) from None
        finally:
            client.close()
