"""Any apprise URL: mailto(s):// e-mail over SMTP, json(s):// webhooks, slack://, gchat://,
workflows:// / msteams:// and the rest of apprise's services.

Read and connect timeouts default to the config's delivery timeout and the format to plain
text, unless the URL sets apprise's own `rto`/`cto`/`format`.
"""

from __future__ import annotations

import html
import logging

import apprise

from pipemon.alerts.channels import Channel, DeliveryError, Outbound, register
from pipemon.safe_text import safe_block, safe_line

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
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = notifier.notify(
                title=html.escape(safe_line(message.subject), quote=False),
                body=html.escape(safe_block(message.body), quote=False),
                notify_type=notify_type or _TYPES.get(message.severity, apprise.NotifyType.INFO),
                body_format=apprise.NotifyFormat.TEXT,
            )
        if not ok:
            detail = " ".join(str(captured.getvalue()).split())[-400:]  # type: ignore[attr-defined]
            raise DeliveryError(f"channel {self.name}: {detail or 'delivery failed'}")
