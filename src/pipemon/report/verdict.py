"""The report's headline: `pipemon status`'s own judgement, in its own words.

Nothing is judged here: `status.collect` reads the marts and decides every ✅/❌/⏳ line; this
module only groups its sections into the two tiles the report opens with (the judged day, with
what the runner still holds open, and today) and keeps status's closing line ("✅ all clear" /
"❌ N problems ...") as the headline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipemon import status


@dataclass
class Line:
    state: str
    mark: str
    text: str


@dataclass
class Tile:
    """One verdict tile: a day, the questions status answers for it, and its lines."""

    key: str
    day: date
    questions: list[str]
    state: str
    headline: str
    lines: list[Line] = field(default_factory=list)

    @property
    def problems(self) -> list[Line]:
        return [line for line in self.lines if line.state == status.FAIL]


@dataclass
class Verdict:
    overall_state: str
    overall_text: str
    tiles: list[Tile]


def _headline(lines: list[Line]) -> tuple[str, str]:
    """State and words of a tile, in status's vocabulary."""
    failing = sum(line.state == status.FAIL for line in lines)
    if failing:
        return status.FAIL, f"{status.MARKS[status.FAIL]} {failing} problem{'s' * (failing != 1)}"
    if any(line.state == status.PENDING for line in lines):
        return status.PENDING, f"{status.MARKS[status.PENDING]} pending, not due yet"
    return status.OK, f"{status.MARKS[status.OK]} all clear"


def tile(key: str, sections: list[status.Section]) -> Tile:
    lines = [Line(c.state, c.mark, c.text) for s in sections for c in s.checks]
    state, headline = _headline(lines)
    # problems first, then pending, then the ✅ lines, each in status's own order
    order = {status.FAIL: 0, status.PENDING: 1, status.OK: 2}
    lines.sort(key=lambda line: order[line.state])
    return Tile(key, sections[0].day, [s.question for s in sections], state, headline, lines)


def verdict(report: status.StatusReport) -> Verdict:
    by_key = {s.key: s for s in report.sections}
    # what the runner still holds open (when anything is) is counted by the headline, so it is
    # shown with the judged day's failures
    judged = [by_key["completion"], by_key["failures"]] + (
        [by_key["open"]] if "open" in by_key else []
    )
    tiles = [
        tile("judged", judged),
        # the pauses in force (output, until, reason, who) beside today's predictions
        tile("today", [by_key["predictions"]] + ([by_key["pauses"]] if "pauses" in by_key else [])),
    ]
    return Verdict(
        overall_state=status.OK if report.ok else status.FAIL,
        # status's closing line, less its pointer to the lines "above" (here they are below)
        overall_text=report.lines()[-1].split(" (see ")[0],
        tiles=tiles,
    )


def judge(ctx: status.Context) -> Verdict:
    """`pipemon status` for the context's as_of: yesterday's pipeline and today's predictions."""
    return verdict(status.collect(ctx))
