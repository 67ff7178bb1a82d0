"""Intervals: what a printed figure tells us about the true number, and arithmetic that keeps it honest.

A printed figure is rarely a single number. "2.74 billion" is anything that rounds to it, i.e.
[2.735e9, 2.745e9]; "more than 300,000" says only that the true value exceeds 300,000. An
`Interval` keeps the range (`lower`, `upper`) next to the number as printed (`point`), and the
arithmetic operators carry both through a calculation, so that a derived number says how much the
sources actually pin it down:

    aid funds [2.735e9, 2.745e9] / beneficiaries [300,000, ∞)  →  [0, 9,150]  ("at most 9,150")

Reader text for an interval (its bound, its precision) is eastwest.words' job (`words.bounded`).

Conventions
- An unbounded side is given as None or ±inf; it is stored as ±inf.
- Bounds are inclusive. "more than v" becomes [v, ∞): the difference between > and ≥ is far
  below the precision of any printed figure, and a closed interval always contains its point.
- Printed figures are non-negative magnitudes, so a stated upper bound without a lower one
  ("less than", "at most", "nearly") gets the lower bound 0. A lower bound of exactly 0 under a
  positive upper bound therefore carries no information, and `kind` reports such an interval as
  an upper bound.
- Division needs a divisor that excludes 0 (all our denominators are positive counts/amounts).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INF = math.inf

KINDS = ("exact", "interval", "lower_bound", "upper_bound", "unbounded")

# Widening applied to figures printed as "about"/"约": the rounding interval or ±5%, whichever is wider.
ABOUT_RELATIVE = 0.05


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
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
_SCALE_WORDS = re.compile(r"万|亿|千|百|thousand|million|billion|trillion|%|percent", re.IGNORECASE)
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_WORD_NUMBERS.update({"a": 1, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70})
_WORD_NUMBERS.update({"eighty": 80, "ninety": 90, "hundred": 100, "两": 2})


def printed_mantissa(printed: str) -> tuple[float, float, bool] | None:
    """(number as written, half a unit of its last digit, has a scale word) — or None if no number.

    "2.74 billion yuan" → (2.74, 0.005, True); "1,357" → (1357, 0.5, False); "75.4%" → (75.4, 0.05, True).
    """
    text = printed.strip()
    m = _NUMBER.search(text)
    scaled = bool(_SCALE_WORDS.search(text))
    if m:
        digits = m.group(0).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        return float(digits), 0.5 * 10.0**-decimals, scaled
    words = re.findall(r"[a-z]+|两", text.lower())
    for w in words:
        if w in _WORD_NUMBERS and w != "hundred":
            return float(_WORD_NUMBERS[w]), 0.5, scaled
    return None


def printed_precision(printed: str, value: float, unit: str = "") -> float:
    """Half a unit of the last printed digit, in the base unit of `value`.

    Works from the digits as printed and scales them to `value`, so a corrected row ("2.07 trillion"
    whose value is 2.07e9) gets the precision of its digits (±0.005 billion). Integers without a
    scale word ("1,357", "5229人", "two") are exact: precision 0.
    Uses `eastwest.numbers.parse_printed` for the digits when that module is available.
    """
    parsed = _numbers_parse(printed, unit)
    if parsed is not None:
        number, half_unit, scaled = parsed
    else:
        found = printed_mantissa(printed)
        if found is None:
            return 0.0
        number, half_unit, scaled = found
    if not scaled and float(number).is_integer() and half_unit >= 0.5:
        return 0.0
    if number == 0:
        return half_unit
    return abs(value) * half_unit / abs(number)


@functools.lru_cache(maxsize=65536)
def _numbers_parse(printed: str, unit: str) -> tuple[float, float, bool] | None:
    """Ask eastwest.numbers (when present) for the printed value and its precision, as a mantissa triple.

    Cached: the parser is a pure function of its two strings, and a large data set prints the same
    numbers many times.
    """
    try:
        from eastwest import numbers  # noqa: PLC0415 - optional sibling module
    except ImportError:
        return None
    parse = getattr(numbers, "parse_printed", None)
    if parse is None:
        return None
    try:
        parsed = parse(printed, unit)
    except Exception:  # noqa: BLE001 - any parser failure falls back to our own reading
        return None
    precision = getattr(parsed, "precision", getattr(parsed, "scale_precision", None))
    value = getattr(parsed, "value", None)
    if precision is None or value is None or not value:
        return None
    # Both are in base units; only their ratio is used, so the scale cancels out.
    return float(value), float(precision), precision > 0


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
    """`from_figure` on a figure's four cells (none of them None or NaN: `from_figure` puts in the defaults)."""
    value = float(value)
    qualifier = str(qualifier or "exact")
    printed = str(printed)
    unit = str(unit)
    if value == 0 or math.isnan(value):
        # Not cached: 0.0 and -0.0 are one cache key but print differently; NaN never matches a key.
        return _figure_interval.__wrapped__(value, qualifier, printed, unit)
    return _figure_interval(value, qualifier, printed, unit)


@functools.lru_cache(maxsize=65536)
def _figure_interval(value: float, qualifier: str, printed: str, unit: str) -> Interval:
    """from_figure on the four fields it reads; cached, since an Interval is immutable."""
    floor = 0.0 if value >= 0 else -INF
    if qualifier == "more_than" or qualifier in ("at_least", "not_less_than"):
        return Interval(value, INF, value)
    if qualifier in ("less_than", "at_most", "nearly"):
        return Interval(min(floor, value), value, value)
    precision = printed_precision(printed, value, unit)
    lo, hi = value - precision, value + precision
    if qualifier == "about":
        spread = abs(value) * ABOUT_RELATIVE
        lo, hi = min(lo, value - spread), max(hi, value + spread)
    elif qualifier != "exact":
        raise ValueError(f"unknown qualifier {qualifier!r}")
    return Interval(lo, hi, value)
