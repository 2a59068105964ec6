"""Local (Amsterdam) days for the daily spend totals, including the two DST days."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.server.service import LOCAL_TZ, _day_bounds, _day_key


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
def test_day_bounds(moment: int, key: str, hours: int) -> None:
    day, start, end = _day_bounds(moment)
    assert day == key == _day_key(moment)
    assert start <= moment < end
    assert end - start == hours * 3_600_000
    assert _day_key(start) == key and _day_key(end) != key and _day_key(end - 1) == key
