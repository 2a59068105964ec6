"""Small charts drawn by the server as inline SVG: bars and lines over a few categories
(months, neighbourhoods). No JavaScript and nothing fetched: the page's content security
policy allows neither, and a chart must work in any browser and in a saved page.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what a screen
reader says), each bar or point has its own ``<title>`` (a tooltip with the exact figure),
and every page that shows a chart also shows its figures as a table. Colours are
presentation attributes, not style (the CSP forbids inline style); each has at least 3:1
contrast against white (WCAG 1.4.11), and lines differ by dash pattern too, not only by
colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe-Ito's colour-blind-safe hues, darkened where needed for 3:1 against white.
PALETTE = ("#0072b2", "#c24f00", "#007a5e", "#8e3b8e", "#5c5c5c", "#9a6a00", "#1f3f8f")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4")
TEXT = "#1a1a1a"
GRID = "#8a8f98"
FONT = 12
FONT_FAMILY = "system-ui, sans-serif"
WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 78, 16, 16, 58  # room for the value axis, the labels, the legend
MAX_LABELS = 12  # at most this many category labels under the axis; the rest only in titles


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]  # one per category


Formatter = Callable[[int], str]


def nice_step(span: int, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) that divides `span` into about
    `ticks` parts; at least 1."""
    if span <= 0:
        return 1
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


def _bounds(series: Sequence[Series]) -> tuple[int, int, int]:
    values = [v for s in series for v in s.values]
    low, high = min([0, *values]), max([0, *values])
    step = nice_step(high - low)
    low = (low // step) * step  # floor and ceiling to whole steps
    high = -(-high // step) * step
    if high == low:
        high = low + step
    return low, high, step


def _frame(
    ident: str,
    title: str,
    description: str,
    body: list[str],
    series: Sequence[Series],
    dashed: bool,
) -> Markup:
    legend = []
    x = LEFT
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        y = HEIGHT - 12
        dash = DASHES[i % len(DASHES)] if dashed else ""
        legend.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{colour}" '
            f'stroke-width="4"{f" stroke-dasharray={_q(dash)}" if dash else ""}/>'
            f'<text x="{x + 24}" y="{y}" font-size="{FONT}" fill="{TEXT}">{escape(s.label)}</text>'
        )
        x += 36 + 7 * len(s.label)
    svg = (
        f'<svg id="{escape(ident)}" class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" font-family="{FONT_FAMILY}" '
        f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "".join(legend)
        + "</svg>"
    )
    return Markup(svg)


def _q(value: str) -> str:
    return f'"{value}"'


def _axis(
    low: int, high: int, step: int, fmt: Formatter
) -> tuple[list[str], Callable[[int], float]]:
    plot_h = HEIGHT - TOP - BOTTOM

    def y_of(value: int) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = []
    value = low
    while value <= high:
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="{1.5 if value == 0 else 0.5}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="{FONT}" fill="{TEXT}" '
            f'text-anchor="end">{escape(fmt(value))}</text>'
        )
        value += step
    return parts, y_of


def _category_labels(categories: Sequence[str], centre: Callable[[int], float]) -> list[str]:
    every = max(1, -(-len(categories) // MAX_LABELS))
    y = HEIGHT - BOTTOM + 16
    return [
        f'<text x="{centre(i):.1f}" y="{y}" font-size="{FONT}" fill="{TEXT}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(categories)
        if i % every == 0
    ]


def _check(categories: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values, not {len(categories)}"
            )


def bar_chart(
    ident: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = str,
) -> Markup:
    """Grouped bars: one group per category, one bar per series. `ident` is the SVG's id
    (unique on the page); `fmt` writes a value (the axis and the tooltips)."""
    _check(categories, series)
    low, high, step = _bounds(series)
    body, y_of = _axis(low, high, step, fmt)
    plot_w = WIDTH - LEFT - RIGHT
    group = plot_w / max(1, len(categories))
    bar = group * 0.8 / max(1, len(series))

    def centre(i: int) -> float:
        return LEFT + group * (i + 0.5)

    for i, category in enumerate(categories):
        for j, s in enumerate(series):
            value = s.values[i]
            top, bottom = y_of(max(value, 0)), y_of(min(value, 0))
            x = LEFT + group * i + group * 0.1 + bar * j
            body.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{max(bottom - top, 0):.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(s.label)}, {escape(category)}: {escape(fmt(value))}</title></rect>"
            )
    body += _category_labels(categories, centre)
    return _frame(ident, title, description, body, series, dashed=False)


def line_chart(
    ident: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = str,
) -> Markup:
    """One line per series over the categories, with a marked point at each."""
    _check(categories, series)
    low, high, step = _bounds(series)
    body, y_of = _axis(low, high, step, fmt)
    plot_w = WIDTH - LEFT - RIGHT
    gap = plot_w / max(1, len(categories))

    def centre(i: int) -> float:
        return LEFT + gap * (i + 0.5)

    for j, s in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        dash = DASHES[j % len(DASHES)]
        points = " ".join(f"{centre(i):.1f},{y_of(v):.1f}" for i, v in enumerate(s.values))
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"'
            f"{f' stroke-dasharray={_q(dash)}' if dash else ''}/>"
        )
        for i, value in enumerate(s.values):
            body.append(
                f'<circle cx="{centre(i):.1f}" cy="{y_of(value):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(s.label)}, {escape(categories[i])}: {escape(fmt(value))}</title>"
                "</circle>"
            )
    body += _category_labels(categories, centre)
    return _frame(ident, title, description, body, series, dashed=True)
