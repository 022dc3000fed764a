"""console://: print each message to standard error (stdout stays clean for --json)."""

from __future__ import annotations

import sys

from pipemon.alerts.channels import Channel, Outbound, register


@register
class ConsoleChannel(Channel):
    schemes = ("console", "stderr")

    def send(self, message: Outbound) -> None:
        sys.stderr.write(f"--- {message.subject}\n{message.body.rstrip()}\n\n")
        sys.stderr.flush()
