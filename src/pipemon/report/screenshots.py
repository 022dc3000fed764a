"""Screenshots of a written report at a phone's, a tablet's and a desktop's width.

    python -m pipemon.report.screenshots out/pipemon-report.html docs/img

Drives Debian's chromium through Playwright (never a browser of Playwright's own), offline,
one viewport per width (what a reader sees before scrolling), so the PNGs stay small.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

SIZES = {"phone": (360, 780), "tablet": (768, 1024), "desktop": (1400, 900)}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def capture(html: Path, out_dir: Path, prefix: str = "report") -> list[Path]:
    from playwright.sync_api import sync_playwright

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=browser, headless=True, args=ARGS
        )
        try:
            for name, (width, height) in SIZES.items():
                page = context.new_page()
                page.set_viewport_size({"width": width, "height": height})
                page.goto(html.resolve().as_uri())
                page.wait_for_load_state("load")
                path = out_dir / f"{prefix}-{name}.png"
                page.screenshot(path=str(path))
                written.append(path)
        finally:
            context.close()
    return written


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    for path in capture(Path(argv[0]), Path(argv[1]), *argv[2:]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
