"""Text from the warehouse made safe once, for every output (alert channels, status, report).

Names, messages and rows come from tables anyone upstream can write: a newline in a name would
forge an alert line, a terminal escape would repaint `pipemon status`, a direction override
would reorder what a reader sees, raw HTML would render in chat and e-mail, and a 1 MB error
message would make a 1 MB alert. Every output passes untrusted text through `safe_line` (one
line of text), `safe_block` (a message body) or `safe_html` (HTML channels and the report).
"""

from __future__ import annotations

import html
import re

LINE_MAX = 2_000  # characters of one untrusted value
ALERT_MAX = 16_000  # characters of one alert body
TRUNCATED = "… [truncated {n} characters]"

# removed outright: NUL and the bidirectional overrides/isolates (they reorder displayed text)
_REMOVED = re.compile("[\x00\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# other control characters (C0 but tab, DEL, C1), shown as a visible escape instead
_CONTROL = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = re.compile("\r\n|[\r\n\u2028\u2029\x85]")


def _escape(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    marker = TRUNCATED.format(n=len(text) - limit)
    return text[: max(limit - len(marker), 0)] + marker


def safe_line(value: object, limit: int = LINE_MAX) -> str:
    """One line: line breaks shown as `⏎`, tabs as spaces, other control characters as `\\xNN`,
    NUL and direction overrides removed, at most `limit` characters (with a marker)."""
    text = _REMOVED.sub("", "" if value is None else str(value))
    text = _BREAKS.sub(" ⏎ ", text).replace("\t", " ")
    return _cap(_CONTROL.sub(_escape, text), limit)


def safe_block(value: object, limit: int = ALERT_MAX) -> str:
    """A message body: its own line breaks kept, every line made safe, the whole capped."""
    text = _REMOVED.sub("", "" if value is None else str(value))
    lines = [_CONTROL.sub(_escape, line.replace("\t", "    ")) for line in _BREAKS.split(text)]
    return _cap("\n".join(lines), limit)


def safe_html(value: object, limit: int = LINE_MAX) -> str:
    """`safe_line`, HTML-escaped (for HTML channels and the report)."""
    return html.escape(safe_line(value, limit))
