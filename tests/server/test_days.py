"""Local (Amsterdam) days for the daily spend totals, including the two DST days."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core.days import (
    LOCAL_TZ,
    day_bounds,
    day_key,
    day_start_ms,
    local,
    month_year,
    year_start_ms,
)


def ms(y: int, m: int, d: int, h: int, minute: int = 0) -> int:
    return int(dt.datetime(y, m, d, h, minute, tzinfo=LOCAL_TZ).timestamp() * 1000)


@pytest.mark.parametrize(
    ("moment", "key", "hours"),
    [
        (ms(2026, 11, 23, 12), "2026-11-23", 24),
        (ms(2026, 3, 29, 12), "2026-03-29", 23),  # clocks go forward
        (ms(2026, 10, 25, 12), "2026-10-25", 25),  # clocks go back
        (ms(2026, 1, 1, 0, 30), "2026-01-01", 24),
    ],
)
def testday_bounds(moment: int, key: str, hours: int) -> None:
    day, start, end = day_bounds(moment)
    assert day == key == day_key(moment)
    assert start <= moment < end
    assert end - start == hours * 3_600_000
    assert day_key(start) == key and day_key(end) != key and day_key(end - 1) == key
    assert day_start_ms(moment) == start


@pytest.mark.parametrize(
    ("moment", "month", "year", "jan1"),
    [
        (ms(2026, 11, 23, 12), "2026-11", "2026", ms(2026, 1, 1, 0)),
        (ms(2027, 1, 1, 0, 30), "2027-01", "2027", ms(2027, 1, 1, 0)),  # still 2026 in UTC
        (ms(2026, 12, 31, 23, 59), "2026-12", "2026", ms(2026, 1, 1, 0)),
    ],
)
def test_month_year_and_year_start(moment: int, month: str, year: str, jan1: int) -> None:
    assert month_year(moment) == (month, year)
    assert year_start_ms(moment) == jan1 <= moment
    assert local(jan1).strftime("%m-%d %H:%M") == "01-01 00:00"
