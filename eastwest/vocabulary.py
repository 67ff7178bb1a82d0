"""The domain vocabulary: what the words of data/ mean, each rule written once.

Validation, plausibility, intervals, metrics, the audit and the reports all ask here.

Qualifiers (figures.qualifier)
    A figure's `qualifier` says what the printed number tells about the true one. `bounds(value,
    precision, qualifier)` gives the range; `precision` is half a unit of the last printed digit
    (eastwest.numbers), in the figure's base unit:

    - exact: value ± precision (the rounding interval).
    - about: value ± the wider of precision and ABOUT_SHARE (5%) of the value. "About 100" is
      [95, 105]; "about 100 million" is [95 million, 105 million], since ±5 million is wider
      than its rounding (±0.5 million).
    - more_than, at_least, not_less_than: value up to no upper limit (a lower bound).
    - nearly, less_than, at_most: up to value, from 0 for a figure that cannot be negative (an
      upper bound).

    The bounds are closed: the difference between "more than" and "at least" is far below the
    precision of any printed figure.

Natures (figures.nature)
    `NATURES`: what a figure is a number of. Only `actual` figures are achievements.

Periods (figures.period)
    `YYYY` (a year), `YYYY/YYYY` (an inclusive span of years), `YYYY-MM` (a month) or
    `YYYY-MM/YYYY-MM` (a span of months); ASCII digits only. `parse_period` reads one or raises
    PeriodError; `months`, `length`, `single_year`, `span_years` and `relate` answer what metrics
    ask of periods. A plausible year lies from EARLIEST_YEAR to `latest_year(descriptor)`: the
    newest source's year plus PLAN_HORIZON_YEARS.

same_as links (figures.same_as)
    A link joins two statements of one fact: the rows must agree on LINKED_COLUMNS
    (`link_mismatches`), may not lead back to themselves, and `same_as_groups` gathers the rows
    of each fact, directly linked or in a chain.

Shares and rates
    A stated share `<part>_share` (`share_indicator`) is part / whole, where the part's
    indicators.csv `part_of` names the whole; a rate in RATES is 1 − part / whole
    (poverty_reduction_rate = 1 − remaining / registered). `relations(indicators)` lists both.

Families
    `METRIC_FAMILIES`: the groups of derived metrics (each metric's spec in eastwest.metrics names
    one); `indicator_families(descriptor)`: the groups of indicators (the enum of
    indicators.family in data/datapackage.json). Which report section shows which family is a
    report choice, written in eastwest/sections.toml.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# ---- qualifiers ------------------------------------------------------------------------------------

LOWER_BOUNDS = ("more_than", "at_least", "not_less_than")
UPPER_BOUNDS = ("nearly", "less_than", "at_most")
QUALIFIERS = ("exact", "about", *LOWER_BOUNDS, *UPPER_BOUNDS)
COMPARABLE = ("exact", "about")  # qualifiers that pin a figure down on both sides
ABOUT_SHARE = 0.05


def direction(qualifier: str) -> str:
    """What a qualifier makes of a number: "exact", "about", "lower bound" or "upper bound"."""
    if qualifier in LOWER_BOUNDS:
        return "lower bound"
    if qualifier in UPPER_BOUNDS:
        return "upper bound"
    if qualifier in COMPARABLE:
        return qualifier
    raise ValueError(f"unknown qualifier {qualifier!r} (known: {', '.join(QUALIFIERS)})")


def bounds(value: float, precision: float, qualifier: str) -> tuple[float, float]:
    """The closed range a figure printed as `value` (± `precision`) with `qualifier` stands for."""
    kind = direction(qualifier)
    if kind == "lower bound":
        return value, math.inf
    if kind == "upper bound":
        return (min(0.0, value) if value >= 0 else -math.inf), value
    spread = max(precision, abs(value) * ABOUT_SHARE) if kind == "about" else precision
    return value - spread, value + spread


# ---- natures --------------------------------------------------------------------------------------

NATURES = ("actual", "target", "plan", "forecast", "under_way")


# ---- periods --------------------------------------------------------------------------------------

EARLIEST_YEAR = 1978  # reform and opening: no figure of the pairing programme (from 1996) can be older
# One five-year plan, the longest horizon on which pairing targets are set (the sources themselves state none
# beyond their own year): a plan or target may be dated up to that many years after the newest source.
PLAN_HORIZON_YEARS = 5
# When no source carries a date: the end of China's long-range objectives ("基本实现社会主义现代化", 2035).
FALLBACK_LATEST_YEAR = 2035
PERIOD_FORMAT = "YYYY, YYYY/YYYY, YYYY-MM or YYYY-MM/YYYY-MM"
# How the period of a metric's other inputs must relate to its first input's (see `relate`).
PERIOD_RELATIONS = ("same", "overlap", "within_a_year", "any", "previous_year")

_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:/([0-9]{4})(?:-([0-9]{2}))?)?", re.ASCII)
_SOURCE_YEAR = re.compile(r"([0-9]{4})(?:-[0-9]{2}(?:-[0-9]{2})?)?", re.ASCII)


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

    @property
    def months(self) -> tuple[int, int]:
        """First and last month as month numbers (year × 12 + month − 1)."""
        start = self.start_year * 12 + (self.start_month - 1 if self.start_month else 0)
        end = self.end_year * 12 + (self.end_month - 1 if self.end_month else 11)
        return start, end


def parse_period(text: str) -> Period:
    """The period `text` states; PeriodError when it is not in the documented format, names a month that
    does not exist, or is a span that does not end after it starts."""
    match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
    if not match or (match.group(3) and bool(match.group(2)) != bool(match.group(4))):
        raise PeriodError(f"{text!r} is not {PERIOD_FORMAT}")
    start_year, start_month, end_year, end_month = match.groups()
    for month in (start_month, end_month):
        if month and not 1 <= int(month) <= 12:
            raise PeriodError(f"{text!r} has no month {month}")
    start = (int(start_year), int(start_month) if start_month else None)
    end = (int(end_year), int(end_month) if end_month else None) if end_year else start
    if end_year and (end[0], end[1] or 0) <= (start[0], start[1] or 0):
        raise PeriodError(f"{text!r}: the span must end after it starts")
    return Period(start[0], start[1], end[0], end[1])


def _period_or_none(text: str) -> Period | None:
    try:
        return parse_period(text)
    except PeriodError:
        return None


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


def year_bounds(text: str) -> tuple[int, int]:
    """First and last year a period touches; PeriodError when it is not a period."""
    period = parse_period(text)
    return period.start_year, period.end_year


def months(text: str) -> tuple[int, int] | None:
    """First and last month of a period as month numbers (year × 12 + month − 1); None if it is not one."""
    period = _period_or_none(text)
    return period.months if period else None


def length(text: str) -> int | None:
    """The number of months a period covers (12 for a year, 24 for 2018/2019); None if it is not one."""
    span = months(text)
    return span[1] - span[0] + 1 if span else None


def single_year(text: str) -> int | None:
    """The year of a one-year period ("2020"); None for anything else (a month, a span)."""
    period = _period_or_none(text)
    return period.start_year if period and not period.is_span and period.start_month is None else None


def span_years(text: str) -> tuple[int, ...] | None:
    """The years of a span of whole years ("2018/2019" → (2018, 2019)); None for anything else."""
    period = _period_or_none(text)
    if period is None or not period.is_span or period.start_month is not None:
        return None
    return tuple(range(period.start_year, period.end_year + 1))


def relate(a: str, b: str, relation: str) -> bool:
    """Whether period `b` stands in `relation` (one of PERIOD_RELATIONS) to period `a`: the same period,
    overlapping (sharing a month), within_a_year (overlapping or at most twelve months apart),
    previous_year (b is the single year before a), or any."""
    if relation not in PERIOD_RELATIONS:
        raise ValueError(f"unknown period relation {relation!r} (known: {', '.join(PERIOD_RELATIONS)})")
    if relation == "any" or (a == b and relation != "previous_year"):
        return True  # a period is the same as, and overlaps, itself
    if relation == "same":
        return False
    if relation == "previous_year":
        year_a, year_b = single_year(a), single_year(b)
        return year_a is not None and year_b == year_a - 1
    span_a, span_b = months(a), months(b)
    if span_a is None or span_b is None:
        return a == b
    gap = max(span_b[0] - span_a[1], span_a[0] - span_b[1])  # months between them; 1 or less when they touch
    return gap <= 0 or (relation == "within_a_year" and gap <= 12)


# ---- same_as links -----------------------------------------------------------------------------------

LINKED_COLUMNS = ("scope", "indicator", "period")  # two statements of one fact agree on these


def link_mismatches(row: Mapping[str, object], target: Mapping[str, object]) -> list[str]:
    """The LINKED_COLUMNS on which a row and the row its same_as names disagree (none for a sound link)."""
    return [column for column in LINKED_COLUMNS if row[column] != target[column]]


def same_as_groups(ids: Sequence[str], links: Sequence[str]) -> list[list[str]]:
    """The rows of each fact: ids (first occurrence, in file order) gathered with every id their same_as
    links join them to, directly or in a chain. Every id is in one group, alone when unlinked; groups come
    in the order of their first member, members in file order. Links to unknown ids are ignored."""
    parent = {fid: fid for fid in ids}

    def root(fid: str) -> str:
        while parent[fid] != fid:
            parent[fid] = parent[parent[fid]]
            fid = parent[fid]
        return fid

    for fid, target in zip(ids, links, strict=True):
        if target and target in parent:
            parent[root(fid)] = root(target)
    groups: dict[str, list[str]] = {}
    for fid in dict.fromkeys(ids):
        groups.setdefault(root(fid), []).append(fid)
    return list(groups.values())


# ---- shares and rates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A stated indicator that is a ratio of two others: part / whole, or 1 − part / whole."""

    stated: str
    part: str
    whole: str
    complement: bool = False

    @property
    def formula(self) -> str:
        """The ratio in indicator ids, each used once (tight interval bounds)."""
        if self.complement:
            return f"({self.whole} - {self.part}) / {self.whole}"
        return f"{self.part} / {self.whole}"

    def apply(self, part, whole):
        """The ratio of two numbers or eastwest.intervals.Interval values."""
        return 1 - part / whole if self.complement else part / whole


RATES = (Relation("poverty_reduction_rate", "registered_poor_remaining", "registered_poor", complement=True),)


def share_indicator(part: str) -> str:
    """The indicator id of a stated share of `part` in its whole."""
    return f"{part}_share"


def relations(indicators: Iterable[Mapping[str, str]]) -> dict[str, Relation]:
    """Stated indicator → its relation, for the indicators given (rows of indicators.csv with id and
    part_of): each `<part>_share` whose part has a whole, and each rate of RATES whose three indicators
    are all known."""
    rows = list(indicators)
    whole_of = {row["id"]: row["part_of"] for row in rows if row.get("part_of")}
    known = {row["id"] for row in rows}
    found = {}
    for part, whole in whole_of.items():
        stated = share_indicator(part)
        if stated in known:
            found[stated] = Relation(stated, part, whole)
    for rate in RATES:
        if {rate.stated, rate.part, rate.whole} <= known:
            found[rate.stated] = rate
    return found


# ---- families ---------------------------------------------------------------------------------------

METRIC_FAMILIES = ("aid_intensity", "growth", "poverty_exit", "shares", "unit_costs", "targets")


def indicator_families(descriptor: dict) -> tuple[str, ...]:
    """The indicator families data/datapackage.json allows (the enum of indicators.family)."""
    for resource in descriptor.get("resources", []):
        if resource.get("name") == "indicators":
            for field in resource["schema"]["fields"]:
                if field["name"] == "family":
                    return tuple(field["constraints"]["enum"])
    raise ValueError("the data package describes no indicators.family field")
