"""No credential is committed: every tracked file is scanned for key and token patterns."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PATTERNS = {
    "AWS access key": r"AKIA[0-9A-Z]{16}",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE" + r" KEY-----",
    "service-account key": r'"private_key"\s*:\s*"-----',
    "Google API key": r"AIza[0-9A-Za-z_\-]{35}",
    "GitHub token": r"gh[pousr]_[A-Za-z0-9]{36}",
    "Slack token": r"xox[abprs]-[0-9A-Za-z-]{10,}",
    "Slack webhook": r"hooks\.slack\.com/services/T[0-9A-Z]{8,}/B[0-9A-Z]{8,}/[0-9A-Za-z]{20,}",
}


def test_no_tracked_file_holds_a_key_or_token() -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, files):
        path = REPO / name.decode()
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_text(errors="ignore")
        for label, pattern in PATTERNS.items():
            if re.search(pattern, text):
                found.append(f"{name.decode()}: {label}")
    assert found == []


def test_the_scan_catches_a_planted_key() -> None:
    planted = "AKIA" + "ABCDEFGHIJKLMNOP"
    assert re.search(PATTERNS["AWS access key"], planted)
