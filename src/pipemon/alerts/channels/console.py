"""console://: print each message to standard error (stdout stays clean for --json)."""

from __future__ import annotations

import sys

from pipemon.alerts.channels import Channel, Outbound, register
from pipemon.safe_text import safe_block, safe_line


@register
class ConsoleChannel(Channel):
    schemes = ("console", "stderr")

    def send(self, message: Outbound) -> None:
        body = safe_block(message.body).rstrip()
        sys.stderr.write(f"--- {safe_line(message.subject)}\n{body}\n\n")
        sys.stderr.flush()
