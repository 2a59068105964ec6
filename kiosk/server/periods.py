"""Periods the back office picks (settlements, reports): local Amsterdam dates and months, as
epoch-millisecond bounds (start inclusive, end exclusive), like kiosk.core.days counts days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.core import days
from kiosk.core.errors import HeitjeError


class PeriodError(HeitjeError):
    """A period that cannot be used (unreadable, end before start, ...)."""


def date_start_ms(day: dt.date) -> int:
    """Local midnight at the start of `day`, in epoch ms (a DST day is 23 or 25 hours)."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=days.LOCAL_TZ).timestamp() * 1000)


def parse_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise PeriodError(
            "bad_date",
            f"'{value}' is geen datum; schrijf JJJJ-MM-DD.",
            f"'{value}' is not a date; write YYYY-MM-DD.",
        ) from exc


def today(now_ms: int) -> dt.date:
    return days.local(now_ms).date()


@dataclass(frozen=True)
class Period:
    """Local dates `first` .. `last`, both inclusive."""

    first: dt.date
    last: dt.date

    @classmethod
    def of(cls, first: str | dt.date, last: str | dt.date) -> Period:
        a, b = parse_date(first), parse_date(last)
        if b < a:
            raise PeriodError(
                "period_reversed",
                f"De periode eindigt ({b}) voor ze begint ({a}).",
                f"The period ends ({b}) before it starts ({a}).",
            )
        return cls(a, b)

    @property
    def start_ms(self) -> int:
        return date_start_ms(self.first)

    @property
    def end_ms(self) -> int:
        """Exclusive: the start of the day after the last."""
        return date_start_ms(self.last + dt.timedelta(days=1))


@dataclass(frozen=True)
class Month:
    key: str  # "YYYY-MM"
    start_ms: int
    end_ms: int  # exclusive


def month_of(day: dt.date) -> Month:
    first = day.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return Month(first.strftime("%Y-%m"), date_start_ms(first), date_start_ms(after))


def months(first: dt.date, last: dt.date) -> list[Month]:
    """Every calendar month from the one holding `first` to the one holding `last`."""
    out: list[Month] = []
    current = month_of(first)
    end = month_of(last)
    while current.start_ms <= end.start_ms:
        out.append(current)
        current = month_of(days.local(current.end_ms).date())
    return out


def parse_month(value: str) -> Month:
    """ "YYYY-MM" as a Month."""
    try:
        day = dt.date.fromisoformat(value.strip() + "-01")
    except ValueError as exc:
        raise PeriodError(
            "bad_month",
            f"'{value}' is geen maand; schrijf JJJJ-MM.",
            f"'{value}' is not a month; write YYYY-MM.",
        ) from exc
    return month_of(day)
