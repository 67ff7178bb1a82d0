"""Read numbers as the sources print them ("2.07 trillion yuan", "27.44亿元", "30多万", "近万斤").

`parse_printed(text, unit)` returns the value converted to the row's base unit (an id from
data/units.csv), the precision of the printed number (half a unit of its last printed digit, in the
base unit) and the approximation marker the text carries, if any ("more_than", "nearly", ...).

Arithmetic is done with `Decimal` so that "27.44亿" becomes exactly 2744000000 and "75.4%" exactly 0.754
before the final conversion to float.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Parsed", "ParseError", "parse_printed", "read_value", "MEASURED_UNITS", "VALUE_FORMAT"]


class ParseError(ValueError):
    """The printed text is not a number we can read, or its unit word does not fit the base unit."""


@dataclass(frozen=True)
class Parsed:
    value: float
    precision: float
    approx: str | None

    @property
    def scale_precision(self) -> float:
        """Name used in the shared spec for `precision`."""
        return self.precision


# Approximation markers printed before the number, longest first so "not less than" wins over "less than".
_PREFIX_MARKERS: list[tuple[str, str]] = sorted(
    [
        ("more than", "more_than"),
        ("over", "more_than"),
        ("above", "more_than"),
        ("nearly", "nearly"),
        ("almost", "nearly"),
        ("close to", "nearly"),
        ("about", "about"),
        ("around", "about"),
        ("approximately", "about"),
        ("roughly", "about"),
        ("some", "about"),
        ("at least", "at_least"),
        ("not less than", "not_less_than"),
        ("no less than", "not_less_than"),
        ("less than", "less_than"),
        ("fewer than", "less_than"),
        ("under", "less_than"),
        ("at most", "at_most"),
        ("up to", "at_most"),
        ("超过", "more_than"),
        ("逾", "more_than"),
        ("近", "nearly"),
        ("将近", "nearly"),
        ("接近", "nearly"),
        ("约", "about"),
        ("大约", "about"),
        ("至少", "at_least"),
        ("不少于", "not_less_than"),
        ("不低于", "not_less_than"),
        ("不到", "less_than"),
        ("不足", "less_than"),
    ],
    key=lambda pair: -len(pair[0]),
)

# Markers printed after the digits or after the scale word: 30多万, 100多个, 30余万, 100万以上.
_INFIX_MARKERS = {"多": "more_than", "余": "more_than"}
_SUFFIX_MARKERS = [("以上", "at_least"), ("左右", "about"), ("多", "more_than"), ("余", "more_than")]

_SCALE_WORDS: dict[str, Decimal] = {
    "万": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "千": Decimal(10) ** 3,
    "百": Decimal(10) ** 2,
    "hundred": Decimal(10) ** 2,
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}

_SMALL_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
]  # fmt: skip
_TENS_WORDS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_SMALL_WORDS)}
_NUMBER_WORDS.update(_TENS_WORDS)
_NUMBER_WORDS["a"] = 1  # "a million", "a hundred"

# Unit words -> {base unit id: factor from the printed unit to that base unit}.
_YUAN = {"yuan": Decimal(1), "yuan_per_month": Decimal(1)}
_JIN = {"tonne": Decimal("0.0005"), "jin_per_day": Decimal(1), "tonne_per_year": Decimal("0.0005")}
_KG = {"tonne": Decimal("0.001"), "tonne_per_year": Decimal("0.001")}
_TONNE = {"tonne": Decimal(1), "tonne_per_year": Decimal(1)}
_SQM = {"square_metre": Decimal(1)}
_SQKM = {"square_metre": Decimal(10) ** 6}
_MU = {"mu": Decimal(1)}
_KM = {"metre": Decimal(1000)}
_METRE = {"metre": Decimal(1)}
_HOUR = {"hour": Decimal(1)}
_PERCENT = {"fraction": Decimal("0.01"), "ratio": Decimal("0.01")}

_UNIT_WORDS: list[tuple[str, dict[str, Decimal]]] = sorted(
    [
        ("元", _YUAN), ("yuan", _YUAN), ("rmb", _YUAN),
        ("斤", _JIN), ("jin", _JIN),
        ("公斤", _KG), ("千克", _KG), ("kg", _KG), ("kilograms", _KG), ("kilogram", _KG),
        ("吨", _TONNE), ("tonnes", _TONNE), ("tonne", _TONNE), ("tons", _TONNE), ("ton", _TONNE),
        ("平方米", _SQM), ("square meters", _SQM), ("square metres", _SQM), ("square meter", _SQM),
        ("square metre", _SQM), ("sq m", _SQM), ("m²", _SQM), ("m2", _SQM),
        ("平方公里", _SQKM), ("square kilometers", _SQKM), ("square kilometres", _SQKM), ("km²", _SQKM),
        ("亩", _MU), ("mu", _MU),
        ("公里", _KM), ("千米", _KM), ("km", _KM), ("kilometers", _KM), ("kilometres", _KM),
        ("米", _METRE), ("meters", _METRE), ("metres", _METRE), ("meter", _METRE), ("metre", _METRE),
        ("小时", _HOUR), ("hours", _HOUR), ("hour", _HOUR),
        ("%", _PERCENT), ("％", _PERCENT), ("percent", _PERCENT), ("per cent", _PERCENT),
    ],
    key=lambda pair: -len(pair[0]),
)  # fmt: skip

# Base units that are measured quantities: any unit word other than theirs is a mistake. All other base
# units (person, project, county, ...) are counts and accept a trailing noun ("people", "人", "个").
MEASURED_UNITS = frozenset(set().union(_YUAN, _JIN, _KG, _TONNE, _SQM, _MU, _KM, _METRE, _HOUR, _PERCENT))

_DIGITS = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d,]\d)")
_GLUE = re.compile(r"[\s\-‐–]*")  # spaces or a hyphen between parts: "80.88-square meter"
_WORD_NUMBER = re.compile(r"([a-z]+)(?:-([a-z]+))?", re.IGNORECASE)
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _match_word(text: str, pos: int, word: str) -> int | None:
    """End position if `word` appears at `pos` (case-insensitive; English words need a word boundary)."""
    end = pos + len(word)
    if text[pos:end].lower() != word:
        return None
    if _is_ascii_letter(word[-1]) and end < len(text) and _is_ascii_letter(text[end]):
        return None
    return end


def _skip_glue(text: str, pos: int) -> int:
    return _GLUE.match(text, pos).end()


def _read_prefix_marker(text: str, pos: int) -> tuple[int, str | None]:
    for word, marker in _PREFIX_MARKERS:
        end = _match_word(text, pos, word)
        if end is not None and (end < len(text)):
            return _skip_glue(text, end), marker
    return pos, None


def _read_mantissa(text: str, pos: int) -> tuple[int, Decimal | None, int]:
    """The digits (or English number words) at `pos`: (end, mantissa or None, decimals printed)."""
    match = _DIGITS.match(text, pos)
    if match:
        whole, fraction = match.group(1), match.group(2) or ""
        number = Decimal(whole.replace(",", "") + ("." + fraction if fraction else ""))
        return match.end(), number, len(fraction)
    match = _WORD_NUMBER.match(text, pos)
    if match:
        first, second = match.group(1).lower(), (match.group(2) or "").lower()
        tens = _NUMBER_WORDS.get(first, 0)
        if second and tens >= 20 and 0 < _NUMBER_WORDS.get(second, 10) < 10 and second != "a":
            return match.end(), Decimal(tens + _NUMBER_WORDS[second]), 0  # "twenty-five"
        if first in _NUMBER_WORDS and not second:
            if first == "a" and not _starts_with_scale(text, _skip_glue(text, match.end())):
                return pos, None, 0  # a bare "a" is an article, not a number
            return match.end(), Decimal(_NUMBER_WORDS[first]), 0
    return pos, None, 0


def _starts_with_scale(text: str, pos: int) -> bool:
    return any(_match_word(text, pos, word) is not None for word in _SCALE_WORDS)


def _read_unit_word(text: str, pos: int) -> tuple[int, str | None, dict[str, Decimal] | None]:
    for word, factors in _UNIT_WORDS:
        end = _match_word(text, pos, word)
        if end is not None:
            return end, text[pos:end], factors
    return pos, None, None


def parse_printed(text: str, unit: str) -> Parsed:
    """Parse `text` (a number as printed, with its unit words) into the base unit `unit`.

    Results are memoised on (text, unit): the validator, the plausibility rules and the metrics parse
    the same printed numbers many times per figure. `Parsed` is frozen, so a shared result cannot be
    changed by a caller; a failure is remembered as its message and raised as a new ParseError each time.
    """
    try:
        result = _parse_memoised(text, unit)
    except TypeError:  # an argument that cannot be a dictionary key: parsed, not memoised
        result = _parse_or_message(text, unit)
    if result.__class__ is str:
        raise ParseError(result)
    return result


def _parse_or_message(text: str, unit: str) -> Parsed | str:
    """`_parse`, with a ParseError turned into its message so that failures can be memoised too."""
    try:
        return _parse(text, unit)
    except ParseError as error:
        return str(error)


_parse_memoised = functools.lru_cache(maxsize=1 << 16, typed=True)(_parse_or_message)


def _parse(text: str, unit: str) -> Parsed:
    if not isinstance(text, str) or not text.strip():
        raise ParseError("printed text is empty")
    source = text.strip().translate(_FULLWIDTH)
    pos, approx = _read_prefix_marker(source, 0)
    pos, mantissa, decimals = _read_mantissa(source, pos)
    scale = Decimal(1)
    scaled = False
    if mantissa is None:
        # "近万斤": a Chinese scale word alone means one of it.
        if pos < len(source) and source[pos] in "万亿千百" and _read_unit_word(source, pos)[1] is None:
            mantissa = Decimal(1)
        else:
            raise ParseError(f"no number found in {text!r}")

    if pos < len(source) and source[pos] in _INFIX_MARKERS:
        approx = _merge_marker(approx, _INFIX_MARKERS[source[pos]], text)
        pos += 1

    # Scale words: 万, 亿, 万亿, million, "25billion"; but 千克/千米 are units, not 千 + unit.
    while True:
        glued = _skip_glue(source, pos)
        if _read_unit_word(source, glued)[1] is not None:
            break
        for word, factor in _SCALE_WORDS.items():
            end = _match_word(source, glued, word)
            if end is not None:
                scale *= factor
                scaled = True
                pos = end
                break
        else:
            break
    if scaled and pos < len(source) and source[pos] in _INFIX_MARKERS:
        approx = _merge_marker(approx, _INFIX_MARKERS[source[pos]], text)
        pos += 1

    unit_pos = _skip_glue(source, pos)
    end, unit_word, factors = _read_unit_word(source, unit_pos)
    factor = Decimal(1)
    if unit_word is not None:
        if unit not in factors:
            raise ParseError(
                f"unit word {unit_word!r} in {text!r} does not fit base unit {unit!r}"
                f" (it fits {', '.join(sorted(factors))})"
            )
        factor = factors[unit]
        pos = end
    rest = source[pos:].strip()
    for word, marker in _SUFFIX_MARKERS:
        if rest.startswith(word):
            approx = _merge_marker(approx, marker, text)
            rest = rest[len(word) :].strip()
            break
    if rest:
        if any(ch.isdigit() for ch in rest) or not _looks_like_noun(rest):
            raise ParseError(f"cannot read {rest!r} after the number in {text!r}")
        if unit in MEASURED_UNITS:
            raise ParseError(f"unexpected words {rest!r} after the number in {text!r} for base unit {unit!r}")
        if _read_unit_word(rest, 0)[1] is not None:
            raise ParseError(f"unit word {rest!r} in {text!r} does not fit base unit {unit!r}")
    value = mantissa * scale * factor
    if decimals or scaled or unit in MEASURED_UNITS:
        # Half a unit of the last printed digit: "2.74 billion" -> 0.005 billion, "75.4%" -> 0.0005.
        precision = Decimal(5) * Decimal(10) ** (-decimals - 1) * scale * factor
    else:
        precision = Decimal(0)  # a printed integer count without a scale word (1,357; 5229人) is exact
    return Parsed(float(value), float(precision), approx)


def _looks_like_noun(rest: str) -> bool:
    """Trailing words of a count ("people", "poor people", "人", "个", "person-times")."""
    return all(ch.isalpha() or ch in " -‐'’()" for ch in rest)


def _merge_marker(current: str | None, new: str, text: str) -> str:
    if current is None or current == new:
        return new
    if {current, new} <= {"more_than", "at_least", "not_less_than"}:
        return current
    raise ParseError(f"conflicting approximation markers ({current}, {new}) in {text!r}")


# A curated value cell (figures.value, indicators.max): plain ASCII decimal notation, as Python's repr of a
# float writes it. Python's float() and Decimal() also take "1_000", " 1e3 ", "infinity", "nan" and
# full-width digits, and pandas reads some of those differently or not at all, so neither is the rule.
_VALUE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?", re.ASCII)
VALUE_FORMAT = "plain digits, with an optional leading '-', decimals and exponent (e.g. 2740000000, 0.754, 2.74e9)"


def read_value(text: str) -> float | None:
    """A value cell as the float the whole project uses, None for an empty cell; a ParseError for anything
    else: text that is not exactly `VALUE_FORMAT` (spaces, underscores, signs, separators, inf, nan...) or a
    number too large for a float. The validator and the loaders (`dataset.to_frame`) both read cells here."""
    if text == "":
        return None
    if not isinstance(text, str) or not _VALUE.fullmatch(text):
        raise ParseError(f"{text!r} is not a valid number: write {VALUE_FORMAT}")
    number = float(text)
    if not math.isfinite(number):
        raise ParseError(f"{text!r} is not a finite number (too large for a float)")
    return number
