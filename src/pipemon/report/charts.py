"""Chart geometry for the report: plain numbers the SVG template draws.

Python computes where each bar and point goes; the Jinja2 template writes the SVG elements,
so every label from the data passes through the template's autoescaping like any other text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 14, 56


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exp
        if top >= value:
            return float(top)
    return float(10 ** (exp + 1))


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}" if value == int(value) else f"{value:.2g}"


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    value: float
    label: str
    series: str
    css: str


@dataclass
class Chart:
    """Everything the template needs to draw one chart."""

    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    ticks: list[Tick] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    x_labels: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    plot: dict[str, float] = field(default_factory=dict)
    unit: str = ""
    x_title: str = ""
    markers: list[dict[str, Any]] = field(default_factory=list)


def _frame(chart: Chart, top_value: float, unit: str, pct: bool = False) -> None:
    inner_h = chart.height - TOP - BOTTOM
    chart.plot = {
        "left": LEFT,
        "top": TOP,
        "right": chart.width - RIGHT,
        "bottom": chart.height - BOTTOM,
        "width": chart.width - LEFT - RIGHT,
        "height": inner_h,
    }
    chart.unit = unit
    for i in range(5):
        value = top_value * i / 4
        label = f"{value * 100:.3g}%" if pct else _fmt(value)
        chart.ticks.append(Tick(y=TOP + inner_h - inner_h * i / 4, label=label))


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    unit: str = "",
    x_title: str = "",
) -> Chart:
    """Vertical bars: one group per category, one bar per (name, values, css class) series."""
    chart = Chart(kind="bars", x_title=x_title)
    values = [v or 0 for _, vals, _ in series for v in vals]
    top = nice_max(max(values, default=0))
    _frame(chart, top, unit)
    n = max(len(categories), 1)
    group_w = chart.plot["width"] / n
    bar_w = group_w * 0.8 / max(len(series), 1)
    for i, cat in enumerate(categories):
        gx = LEFT + group_w * i + group_w * 0.1
        for j, (name, vals, css) in enumerate(series):
            value = float(vals[i] or 0)
            h = chart.plot["height"] * value / top
            chart.bars.append(
                Bar(
                    x=gx + bar_w * j,
                    y=chart.plot["bottom"] - h,
                    w=max(bar_w - 2, 1),
                    h=h,
                    value=value,
                    label=cat,
                    series=name,
                    css=css,
                )
            )
        chart.x_labels.append({"x": LEFT + group_w * (i + 0.5), "text": cat})
    chart.legend = [{"name": name, "css": css, "dashed": False} for name, _, css in series]
    return chart


def horizontal_bars(
    items: Sequence[tuple[str, float]], *, css: str = "bad", unit: str = ""
) -> Chart:
    """One horizontal bar per (label, value), largest first as given."""
    row_h = 22
    height = max(len(items), 1) * row_h + TOP + 20
    chart = Chart(kind="hbars", height=height)
    top = nice_max(max((v for _, v in items), default=0))
    left, right = 210, chart.width - 50
    chart.plot = {"left": left, "right": right, "width": right - left, "top": TOP}
    chart.unit = unit
    for i, (label, value) in enumerate(items):
        w = (right - left) * value / top
        chart.bars.append(
            Bar(
                x=left,
                y=TOP + i * row_h,
                w=w,
                h=row_h - 6,
                value=value,
                label=label,
                series=unit,
                css=css,
            )  # fmt: skip
        )
    return chart


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    unit: str = "",
    pct: bool = False,
    label_every: int = 5,
    baselines: Sequence[tuple[str, Sequence[float | None], str]] = (),
    markers: Sequence[tuple[int, str]] = (),
    x_title: str = "",
) -> Chart:
    """Lines over dates; a None value breaks the line (no run that day).

    `baselines` are drawn dashed in their series' colour (the value a day is compared with);
    `markers` are (index, label) days shaded behind the lines (incidents)."""
    chart = Chart(kind="lines", x_title=x_title)
    values = [v for _, vals, _ in (*series, *baselines) for v in vals if v is not None]
    top = (
        nice_max(max(values, default=0)) if not pct else min(1.0, nice_max(max(values, default=0)))
    )
    _frame(chart, top, unit, pct)
    n = len(x_labels)
    step = chart.plot["width"] / max(n - 1, 1)
    for i, label in markers:
        chart.markers.append(
            {
                "x": LEFT + step * (i - 0.5) if i else LEFT,
                "w": step if i else step / 2,
                "label": x_labels[i],
                "text": label,
            }  # fmt: skip
        )
    drawn = [(s, False) for s in series] + [(b, True) for b in baselines]
    for (name, vals, css), dashed in drawn:
        segments: list[list[tuple[float, float]]] = [[]]
        points = []
        for i, v in enumerate(vals):
            if v is None:
                segments.append([])
                continue
            x = LEFT + step * i
            y = chart.plot["bottom"] - chart.plot["height"] * min(v, top) / top
            segments[-1].append((x, y))
            points.append({"x": x, "y": y, "value": v, "label": x_labels[i]})
        chart.lines.append(
            {
                "name": name,
                "css": css,
                "dashed": dashed,
                "paths": [" ".join(f"{x:.1f},{y:.1f}" for x, y in seg) for seg in segments if seg],
                "points": points,
            }
        )
    for i, label in enumerate(x_labels):
        if i % label_every == 0 or i == n - 1:
            chart.x_labels.append({"x": LEFT + step * i, "text": label})
    chart.legend = [{"name": name, "css": css, "dashed": d} for (name, _, css), d in drawn]
    return chart
