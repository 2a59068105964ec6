"""The server's SVG charts (kiosk/server/backoffice/charts.py): well-formed SVG for any
figures (Hypothesis), every bar inside the plot and as tall as its value, an accessible
title and description, text escaped, and colours that stand out against white."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.server.backoffice import charts
from tests.server.backoffice.test_pages import contrast

SVG = "{http://www.w3.org/2000/svg}"
values = st.integers(min_value=-(10**12), max_value=10**12)


@given(st.integers(min_value=0, max_value=10**15))
def test_a_step_is_round_and_divides_the_span_into_a_few_parts(span: int) -> None:
    step = charts.nice_step(span)
    assert step >= 1
    digits = str(step).rstrip("0")
    assert digits in ("1", "2", "5")
    if span > 0:
        assert span / step <= 4


@given(st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=4))
def test_the_axis_covers_every_value_and_zero(rows: list[list[int]]) -> None:
    series = [charts.Series(f"s{i}", r) for i, r in enumerate(rows)]
    low, high, step = charts._bounds(series)
    flat = [v for r in rows for v in r]
    assert low <= min([0, *flat]) and high >= max([0, *flat]) and high > low
    assert (high - low) % step == 0 and low % step == 0


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


@given(
    st.lists(st.lists(values, min_size=4, max_size=4), min_size=1, max_size=3),
    st.sampled_from([charts.bar_chart, charts.line_chart]),
)
def test_any_figures_give_well_formed_svg_inside_its_box(
    rows: list[list[int]], draw: object
) -> None:
    months = ["2026-08", "2026-09", "2026-10", "2026-11"]
    series = [charts.Series(f"reeks {i}", r) for i, r in enumerate(rows)]
    assert callable(draw)
    svg = parse(str(draw("c", "Titel", "Uitleg", months, series, str)))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Titel"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Uitleg"  # type: ignore[union-attr]
    top, bottom = charts.TOP - 0.1, charts.HEIGHT - charts.BOTTOM + 0.1
    for rect in svg.iter(f"{SVG}rect"):
        y, h = float(rect.get("y", "0")), float(rect.get("height", "0"))
        assert h >= 0 and top <= y and y + h <= bottom
    for dot in svg.iter(f"{SVG}circle"):
        assert top <= float(dot.get("cy", "0")) <= bottom


def test_bars_are_as_tall_as_their_values_and_say_them() -> None:
    svg = parse(
        charts.bar_chart(
            "b",
            "Geld",
            "Staven",
            ["okt", "nov"],
            [charts.Series("uitgegeven", [100, 300]), charts.Series("besteed", [0, 150])],
            lambda v: f"{v / 100:.2f}",
        )
    )
    rects = list(svg.iter(f"{SVG}rect"))
    assert len(rects) == 4
    heights = [float(r.get("height", "0")) for r in rects]
    # the order is category by category: okt (100, 0), nov (300, 150)
    assert heights[1] == 0 and heights[0] * 3 == pytest.approx(heights[2], rel=1e-2)
    assert heights[3] * 2 == pytest.approx(heights[2], rel=1e-2)
    tips = [r.find(f"{SVG}title").text for r in rects]  # type: ignore[union-attr]
    assert tips == [
        "uitgegeven, okt: 1.00",
        "besteed, okt: 0.00",
        "uitgegeven, nov: 3.00",
        "besteed, nov: 1.50",
    ]


def test_text_is_escaped() -> None:
    markup = str(
        charts.line_chart(
            "x", "<script>alert(1)</script>", "&", ["<b>"], [charts.Series('"s"', [1])]
        )
    )
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    svg = parse(markup)
    assert svg.find(f"{SVG}title").text == "<script>alert(1)</script>"  # type: ignore[union-attr]


def test_series_must_fit_the_categories() -> None:
    with pytest.raises(ValueError, match="2 values, not 3"):
        charts.bar_chart("x", "t", "d", ["a", "b", "c"], [charts.Series("s", [1, 2])])


def test_every_colour_stands_out_against_white() -> None:
    for colour in charts.PALETTE:
        assert contrast(colour, "#ffffff") >= 3, colour  # WCAG 1.4.11, graphics
    assert contrast(charts.TEXT, "#ffffff") >= 4.5
