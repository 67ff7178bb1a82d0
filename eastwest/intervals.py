"""Intervals: what a printed figure tells us about the true number, and arithmetic that keeps it honest.

A printed figure is rarely a single number. "2.74 billion" is anything that rounds to it, i.e.
[2.735e9, 2.745e9]; "more than 300,000" says only that the true value exceeds 300,000. An
`Interval` keeps the range (`lower`, `upper`) next to the number as printed (`point`), and the
arithmetic operators carry both through a calculation, so that a derived number says how much the
sources actually pin it down:

    aid funds [2.735e9, 2.745e9] / beneficiaries [300,000, ∞)  →  [0, 9,150]  ("at most 9,150")

Reader text for an interval (its bound, its precision) is eastwest.words' job (`words.bounded`).

Conventions
- A figure's interval comes from its printed precision and qualifier by the one rule for them,
  `vocabulary.bounds` ("more than v" is [v, ∞), "about" the wider of the rounding and ±5%, ...).
- An unbounded side is given as None or ±inf; it is stored as ±inf. Bounds are inclusive.
- Printed figures are non-negative magnitudes, so a stated upper bound gets the lower bound 0. A
  lower bound of exactly 0 under a positive upper bound therefore carries no information, and
  `kind` reports such an interval as an upper bound.
- Division needs a divisor that excludes 0 (all our denominators are positive counts/amounts).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eastwest import vocabulary
from eastwest.numbers import ParseError, parse_printed

INF = math.inf

KINDS = ("exact", "interval", "lower_bound", "upper_bound", "unbounded")


def _bound(x: Any, default: float) -> float:
    if x is None:
        return default
    x = float(x)
    if math.isnan(x):
        return default
    return x


def _mul(a: float, b: float) -> float:
    # 0 × ∞ arises only as "a zero bound times an unbounded side"; the product bound is then 0.
    if a == 0 or b == 0:
        return 0.0
    return a * b


@dataclass(frozen=True)
class Interval:
    """A closed range [lower, upper] around the printed (or derived) `point` value."""

    lower: float
    upper: float
    point: float

    def __init__(self, lower: float | None, upper: float | None, point: float | None = None):
        lo = _bound(lower, -INF)
        hi = _bound(upper, INF)
        if lo > hi:
            raise ValueError(f"interval lower bound {lo} exceeds upper bound {hi}")
        if point is None:
            if math.isinf(lo) or math.isinf(hi):
                raise ValueError("an interval with an unbounded side needs an explicit point value")
            point = (lo + hi) / 2
        point = float(point)
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(self, "point", point)

    # --- constructors -------------------------------------------------------------------
    @classmethod
    def exact(cls, value: float) -> Interval:
        return cls(value, value, value)

    @classmethod
    def coerce(cls, x: Any) -> Interval:
        if isinstance(x, Interval):
            return x
        if isinstance(x, int | float) and not isinstance(x, bool):
            return cls.exact(float(x))
        raise TypeError(f"cannot use {x!r} as an interval")

    # --- aliases used by the shared spec ----------------------------------------------------
    @property
    def lo(self) -> float:
        return self.lower

    @property
    def hi(self) -> float:
        return self.upper

    # --- what kind of statement this is -------------------------------------------------------
    @property
    def has_lower(self) -> bool:
        """True when the lower side says more than 'non-negative'."""
        if math.isinf(self.lower):
            return False
        return not (self.lower == 0 and self.upper > 0)

    @property
    def has_upper(self) -> bool:
        return not math.isinf(self.upper)

    @property
    def kind(self) -> str:
        """exact | interval | lower_bound | upper_bound | unbounded."""
        if self.lower == self.upper:
            return "exact"
        if self.has_lower and self.has_upper:
            return "interval"
        if self.has_lower:
            return "lower_bound"
        if self.has_upper:
            return "upper_bound"
        return "unbounded"

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def contains(self, x: float | Interval) -> bool:
        if isinstance(x, Interval):
            return self.lower <= x.lower and x.upper <= self.upper
        return self.lower <= x <= self.upper

    def overlaps(self, other: Interval) -> bool:
        other = Interval.coerce(other)
        return self.lower <= other.upper and other.lower <= self.upper

    def intersection(self, other: Interval) -> Interval | None:
        other = Interval.coerce(other)
        lo, hi = max(self.lower, other.lower), min(self.upper, other.upper)
        if lo > hi:
            return None
        return Interval(lo, hi, min(max(self.point, lo), hi))

    # --- arithmetic -------------------------------------------------------------------------
    def __add__(self, other: Any) -> Interval:
        o = Interval.coerce(other)
        return Interval(self.lower + o.lower, self.upper + o.upper, self.point + o.point)

    __radd__ = __add__

    def __neg__(self) -> Interval:
        return Interval(-self.upper, -self.lower, -self.point)

    def __sub__(self, other: Any) -> Interval:
        return self + (-Interval.coerce(other))

    def __rsub__(self, other: Any) -> Interval:
        return Interval.coerce(other) - self

    def __mul__(self, other: Any) -> Interval:
        o = Interval.coerce(other)
        products = [_mul(a, b) for a in (self.lower, self.upper) for b in (o.lower, o.upper)]
        return Interval(min(products), max(products), self.point * o.point)

    __rmul__ = __mul__

    def reciprocal(self) -> Interval:
        if self.lower <= 0 <= self.upper:
            raise ZeroDivisionError(f"cannot divide by an interval that includes 0: {self}")
        return Interval(1 / self.upper, 1 / self.lower, 1 / self.point)

    def __truediv__(self, other: Any) -> Interval:
        return self * Interval.coerce(other).reciprocal()

    def __rtruediv__(self, other: Any) -> Interval:
        return Interval.coerce(other) * self.reciprocal()

    def __pow__(self, exponent: float) -> Interval:
        """A positive interval to a real power (used for compound growth)."""
        if self.lower < 0:
            raise ValueError("only non-negative intervals can be raised to a power")
        ends = [self.lower**exponent if self.lower > 0 or exponent > 0 else INF, self.upper**exponent]
        return Interval(min(ends), max(ends), self.point**exponent)

    def __str__(self) -> str:
        return f"[{self.lower:g}, {self.upper:g}] (point {self.point:g})"


# ---- from a figure row ----------------------------------------------------------------------------
def printed_precision(printed: str, value: float, unit: str = "") -> float:
    """Half a unit of the last printed digit (eastwest.numbers.parse_printed), in the base unit of `value`.

    The digits' precision is scaled to `value`, so a corrected row ("2.07 trillion" whose value is
    2.07e9) keeps the precision of its digits (±0.005 billion). Whole numbers without a scale word
    ("1,357", "5229人", "two") are exact: precision 0, as for text the parser cannot read (validation
    refuses such a row).
    """
    try:
        parsed = parse_printed(printed, unit)
    except ParseError:
        return 0.0
    if not parsed.precision or not parsed.value:
        return parsed.precision
    return abs(value) * parsed.precision / abs(parsed.value)


def _get(row: Mapping[str, Any] | Any, key: str, default: Any = "") -> Any:
    try:
        value = row[key]
    except (KeyError, IndexError):
        return default
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def from_figure(row: Mapping[str, Any] | Any) -> Interval:
    """The interval a figure row (dict or pandas Series with printed, value, unit, qualifier) stands for."""
    return figure_interval(
        _get(row, "value"), _get(row, "qualifier", "exact"), _get(row, "printed", ""), _get(row, "unit", "")
    )


def figure_interval(value: Any, qualifier: Any = "exact", printed: Any = "", unit: Any = "") -> Interval:
    """`from_figure` on a figure's four cells: its printed precision and qualifier made into bounds by
    the one rule for them, `vocabulary.bounds`."""
    value = float(value)
    precision = printed_precision(str(printed), value, str(unit))
    lower, upper = vocabulary.bounds(value, precision, str(qualifier or "exact"))
    return Interval(lower, upper, value)
