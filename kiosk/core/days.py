"""Local (Amsterdam) days, months and years of epoch milliseconds: the calendar the caps count in.

Shops and residents count days the way the clock on the wall does, so a day is 23 or 25 hours
long on the two DST days. Server and device both use these (daily spend caps, earn caps per
month and year); the caches are for the server, which asks for the same few days all day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "LOCAL_TZ",
    "day_bounds",
    "day_key",
    "day_start_ms",
    "local",
    "month_year",
    "year_start_ms",
]

LOCAL_TZ: Final = ZoneInfo("Europe/Amsterdam")


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def local(ms: int) -> dt.datetime:
    """`ms` (epoch milliseconds) as an aware Amsterdam datetime."""
    return dt.datetime.fromtimestamp(ms / 1000, tz=LOCAL_TZ)


@lru_cache(maxsize=8192)
def day_key(ms: int) -> str:
    """The local day of `ms` as "YYYY-MM-DD"."""
    return local(ms).strftime("%Y-%m-%d")


@lru_cache(maxsize=1024)
def day_bounds(ms: int) -> tuple[str, int, int]:
    """The local day of `ms`: its key and its start and end (exclusive) in epoch ms."""
    d = local(ms)
    start = dt.datetime(d.year, d.month, d.day, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ)
    return start.strftime("%Y-%m-%d"), _ms(start), _ms(end)


def day_start_ms(ms: int) -> int:
    """The start of the local calendar day holding `ms`."""
    return day_bounds(ms)[1]


@lru_cache(maxsize=8192)
def month_year(ms: int) -> tuple[str, str]:
    """The local month and year of `ms`: ("YYYY-MM", "YYYY")."""
    d = local(ms)
    return d.strftime("%Y-%m"), d.strftime("%Y")


def year_start_ms(ms: int) -> int:
    """The start of 1 January, local time, of the year holding `ms`."""
    return _ms(dt.datetime(local(ms).year, 1, 1, tzinfo=LOCAL_TZ))
