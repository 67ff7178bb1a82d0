"""The `period` of a figure: its format, and the years a period may plausibly lie in.

A period is `YYYY` (a year), `YYYY/YYYY` (an inclusive span of years), `YYYY-MM` (a month) or
`YYYY-MM/YYYY-MM` (an inclusive span of months); ASCII digits only, nothing around them.
`parse_period(text)` returns a `Period` or raises `PeriodError` with a message that says what is wrong.

Plausible years run from EARLIEST_YEAR to `latest_year(descriptor)`: the year of the newest source
(the `date` of the sources in data/datapackage.json) plus PLAN_HORIZON_YEARS, so that a plan or
target the newest source states can be dated, but a year such as 0000 or 2199 cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "EARLIEST_YEAR", "FALLBACK_LATEST_YEAR", "PLAN_HORIZON_YEARS", "Period", "PeriodError", "latest_year",
    "parse_period", "period_error",
]  # fmt: skip

EARLIEST_YEAR = 1978  # reform and opening: no figure of the pairing programme (from 1996) can be older
# One five-year plan, the longest horizon on which pairing targets are set (the sources themselves state none
# beyond their own year): a plan or target may be dated up to that many years after the newest source.
PLAN_HORIZON_YEARS = 5
# When no source carries a date: the end of China's long-range objectives ("基本实现社会主义现代化", 2035).
FALLBACK_LATEST_YEAR = 2035

_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:/([0-9]{4})(?:-([0-9]{2}))?)?", re.ASCII)
_SOURCE_YEAR = re.compile(r"([0-9]{4})(?:-[0-9]{2}(?:-[0-9]{2})?)?", re.ASCII)
FORMAT = "YYYY, YYYY/YYYY, YYYY-MM or YYYY-MM/YYYY-MM"


class PeriodError(ValueError):
    """The text is not a period in the documented format, or not a possible one."""


@dataclass(frozen=True)
class Period:
    start_year: int
    start_month: int | None  # None for a period given in years
    end_year: int
    end_month: int | None

    @property
    def is_span(self) -> bool:
        return (self.start_year, self.start_month) != (self.end_year, self.end_month)


def parse_period(text: str) -> Period:
    """The period `text` states; PeriodError when it is not in the documented format, names a month that
    does not exist, or is a span that does not end after it starts."""
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if not match or (match.group(3) and bool(match.group(2)) != bool(match.group(4))):
        raise PeriodError(f"{text!r} is not {FORMAT}")
    start_year, start_month, end_year, end_month = match.groups()
    for month in (start_month, end_month):
        if month and not 1 <= int(month) <= 12:
            raise PeriodError(f"{text!r} has no month {month}")
    start = (int(start_year), int(start_month) if start_month else None)
    end = (int(end_year), int(end_month) if end_month else None) if end_year else start
    if end_year and (end[0], end[1] or 0) <= (start[0], start[1] or 0):
        raise PeriodError(f"{text!r}: the span must end after it starts")
    return Period(start[0], start[1], end[0], end[1])


def latest_year(descriptor: dict | None) -> int:
    """The last plausible year of a period: the newest source's year (`sources[].date` of the data
    package descriptor, YYYY or YYYY-MM-DD) plus PLAN_HORIZON_YEARS; FALLBACK_LATEST_YEAR without dates."""
    sources = descriptor.get("sources") if isinstance(descriptor, dict) else None
    years = []
    for source in sources if isinstance(sources, list) else []:
        date = source.get("date") if isinstance(source, dict) else None
        match = _SOURCE_YEAR.fullmatch(date) if isinstance(date, str) else None
        if match:
            years.append(int(match.group(1)))
    return max(years) + PLAN_HORIZON_YEARS if years else FALLBACK_LATEST_YEAR


def period_error(text: str, latest: int) -> str | None:
    """Why `text` is not a plausible period (format, months, order, years outside EARLIEST_YEAR..latest),
    or None when it is one."""
    try:
        period = parse_period(text)
    except PeriodError as error:
        return str(error)
    for year in sorted({period.start_year, period.end_year}):
        if not EARLIEST_YEAR <= year <= latest:
            return f"{text!r}: year {year:04d} is outside the plausible years {EARLIEST_YEAR}–{latest}"
    return None


def years(start: int, end: int) -> str:
    """A year or a span of whole years in the period format: (2020, 2020) → "2020", (2018, 2019) → "2018/2019"."""
    return str(start) if start == end else f"{start}/{end}"
