"""Server-side charts: the geometry of an accessible horizontal bar chart, which
templates/includes/bar_chart.html draws as SVG (role="img", a title and a description, every
bar labelled with its words and its figure, never colour alone). The page puts the chart's
data table right after it. Used by the concentration radar and the Centre of Excellence
dashboard. Pure: no database."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, NamedTuple

CHART_WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 110
BAR_HEIGHT = 22
BAR_GAP = 10
TOP_PAD = 10
LABEL_MAX = 30


class Bar(NamedTuple):
    """One bar: its label, value (on the chart's scale), the value in words, whether it is
    marked with a warning ("!") and its style ("" or "secondary": a darker fill for a second
    figure of the same label, such as a 90th percentile beside a median, always also said in
    the label)."""

    label: str
    value: float
    text: str
    warn: bool = False
    style: str = ""


def percent(part: int, whole: int) -> int:
    """A whole-number percentage (half up); 0 of nothing."""
    if whole <= 0:
        return 0
    return int(Fraction(100 * part, whole) + Fraction(1, 2))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "…"


def bar_chart(
    *,
    key: str,
    title: str,
    summary: str,
    rows: Sequence[tuple[str, float, str, bool] | Bar],
    scale_max: float | None = None,
    threshold: tuple[float, str] | None = None,
) -> dict[str, Any]:
    """Geometry for a horizontal bar chart (width CHART_WIDTH): rows are (label, value, value
    text, warn) or Bars; `scale_max` widens the scale (else the largest value fills it);
    `threshold` (value, words) draws a dashed line. `key` makes the SVG's ids unique on a page;
    `summary` is the description a screen reader hears."""
    bars_in = [row if isinstance(row, Bar) else Bar(*row) for row in rows]
    top = max([scale_max or 0, *(b.value for b in bars_in), 1])
    area = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, bar in enumerate(bars_in):
        y = TOP_PAD + index * (BAR_HEIGHT + BAR_GAP)
        width = round(area * max(bar.value, 0) / top)
        bars.append(
            {
                "label": _short(bar.label),
                "text": bar.text,
                "warn": bar.warn,
                "style": bar.style,
                "y": y,
                "width": width,
                "text_y": y + BAR_HEIGHT // 2 + 5,
                "value_x": LABEL_WIDTH + width + 6,
            }
        )
    height = TOP_PAD * 2 + len(bars_in) * (BAR_HEIGHT + BAR_GAP)
    line = None
    if threshold is not None:
        at, words = threshold
        line = {"x": LABEL_WIDTH + round(area * at / top), "label": words, "y2": height - 4}
    return {
        "key": key,
        "title": title,
        "summary": summary,
        "width": CHART_WIDTH,
        "height": height,
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
        "threshold": line,
        "warnings": any(b.warn for b in bars_in),
    }
