"""file:///path/alerts.log (or file://relative/path): append each message to a local file.

The demo's channel: readable with `cat`/`tail -f`, no network.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipemon.alerts.channels import Channel, DeliveryError, Outbound, register
from pipemon.safe_text import safe_block, safe_line


def path_of(url: str) -> Path:
    rest = url.split("://", 1)[1]
    return Path(rest.split("?", 1)[0])


@register
class FileChannel(Channel):
    schemes = ("file",)

    def send(self, message: Outbound) -> None:
        path = path_of(self.url)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        # a body line that starts like a header would read as an alert of its own: indent it
        body = "\n".join(
            " " + line if line.startswith("===") else line
            for line in safe_block(message.body).rstrip().split("\n")
        )
        text = f"=== {stamp} {safe_line(message.subject)}\n{body}\n\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise DeliveryError(f"channel {self.name}: cannot write {path}: {exc}") from exc
