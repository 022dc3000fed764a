"""Any apprise URL: mailto(s):// e-mail over SMTP, json(s):// webhooks, slack://, gchat://,
workflows:// / msteams:// and the rest of apprise's services.

Read and connect timeouts default to the config's delivery timeout and the format to plain
text, unless the URL sets apprise's own `rto`/`cto`/`format`.

Each service gets text in its own format: e-mail and webhooks (plain text) get the text as
written; a service set to HTML (`format=html`) gets it escaped by apprise's text-to-HTML
conversion; chat services whose text markup reads `<...>` and `&` (Slack links and `<!channel>`
mentions, Google Chat, Teams, ...) get those three characters escaped as their markup expects.
"""

from __future__ import annotations

import html
import logging

import apprise

from pipemon.alerts.channels import Channel, DeliveryError, Outbound, register
from pipemon.safe_text import safe_block, safe_line

# services whose plain-text format is really plain text: nothing in it is markup
_PLAIN_TEXT = frozenset({"mailto", "mailtos", "json", "jsons", "form", "forms", "xml", "xmls"})

_TYPES = {
    "error": apprise.NotifyType.FAILURE,
    "warn": apprise.NotifyType.WARNING,
    "info": apprise.NotifyType.INFO,
}


@register
class AppriseChannel(Channel):
    schemes = ()  # the fallback for every scheme no other channel claims

    def _url(self) -> str:
        url = self.url
        joiner = "&" if "?" in url else "?"
        defaults = {"rto": f"{self.timeout_seconds:g}", "cto": f"{self.timeout_seconds:g}"}
        defaults["format"] = "text"  # keep the aligned plain text (e-mail would turn it to HTML)
        for key, value in defaults.items():
            if f"{key}=" not in url:
                url += f"{joiner}{key}={value}"
                joiner = "&"
        return url

    def send(self, message: Outbound) -> None:
        notifier = apprise.Apprise()
        if not notifier.add(self._url()):
            raise DeliveryError(f"channel {self.name}: apprise does not accept its URL")
        notify_type = apprise.NotifyType.SUCCESS if message.kind == "resolved" else None
        title, body = safe_line(message.subject), safe_block(message.body)
        if _reads_markup(notifier[0]):
            title, body = html.escape(title, quote=False), html.escape(body, quote=False)
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = notifier.notify(
                title=title,
                body=body,
                notify_type=notify_type or _TYPES.get(message.severity, apprise.NotifyType.INFO),
                body_format=apprise.NotifyFormat.TEXT,
            )
        if not ok:
            detail = " ".join(str(captured.getvalue()).split())[-400:]  # type: ignore[attr-defined]
            raise DeliveryError(f"channel {self.name}: {detail or 'delivery failed'}")


def _reads_markup(service: object) -> bool:
    """Whether plain text sent to this service is read as markup (`<`, `>`, `&`): not for
    e-mail and webhooks, nor for a service set to HTML (apprise escapes the text then)."""
    if getattr(service, "notify_format", None) == apprise.NotifyFormat.HTML:
        return False
    protocols: set[str] = set()
    for attribute in ("protocol", "secure_protocol"):
        value = getattr(service, attribute, None)
        protocols.update([value] if isinstance(value, str) else value or ())
    return not protocols & _PLAIN_TEXT
