"""Printed numbers with Chinese and English unit words -> value in the row's base unit."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eastwest.numbers import ParseError, parse_printed, read_value

CASES = [
    # text, base unit, value, precision (half a unit of the last printed digit, in the base unit), marker
    ("2.07 trillion yuan", "yuan", 2.07e12, 0.005e12, None),  # last digit 0.01 trillion
    ("2.74 billion yuan", "yuan", 2.74e9, 0.005e9, None),
    ("1.296948 billion yuan", "yuan", 1_296_948_000, 500, None),  # 0.0000005 billion = 500 yuan
    ("27.44亿元", "yuan", 2_744_000_000, 0.005e8, None),  # 27.44 x 1e8
    ("614万元", "yuan", 6_140_000, 5_000, None),
    ("3,365 million", "person", 3_365_000_000, 0.5e6, None),
    ("75.4%", "fraction", 0.754, 0.0005, None),
    ("94%", "fraction", 0.94, 0.005, None),
    ("103.8%", "fraction", 1.038, 0.0005, None),
    ("30多万", "person", 300_000, 5_000, "more_than"),  # 30 x 1e4, "多" = more than
    ("近万斤", "jin_per_day", 10_000, 5_000, "nearly"),  # 万 alone = 1 x 1e4 jin
    ("近万斤", "tonne", 5, 2.5, "nearly"),  # 10,000 jin x 0.0005 t
    ("约2600万元", "yuan", 26_000_000, 5_000, "about"),
    ("超过1亿元", "yuan", 100_000_000, 0.5e8, "more_than"),
    ("100多个", "project", 100, 0, "more_than"),
    ("5229人", "person", 5229, 0, None),  # an integer count without a scale word is exact
    ("1,357", "project", 1357, 0, None),
    ("one million Yuan", "yuan", 1_000_000, 0.5e6, None),
    ("a million", "yuan", 1_000_000, 0.5e6, None),
    ("25billion yuan", "yuan", 25e9, 0.5e9, None),
    ("more than 30million", "person", 30e6, 0.5e6, "more_than"),
    ("More than 25billion yuan", "yuan", 25e9, 0.5e9, "more_than"),
    ("80.88-square meter", "square_metre", 80.88, 0.005, None),
    ("2800 square meters", "square_metre", 2800, 0.5, None),
    ("3.5 km", "metre", 3500, 50, None),  # 0.05 km
    ("3500 meters", "metre", 3500, 0.5, None),
    ("400 mu", "mu", 400, 0.5, None),
    ("6900亩", "mu", 6900, 0.5, None),
    ("约33万吨", "tonne", 330_000, 5_000, "about"),
    ("138吨", "tonne", 138, 0.5, None),
    ("500公斤", "tonne", 0.5, 0.0005, None),
    ("10 km", "metre", 10_000, 500, None),
    ("3500元", "yuan_per_month", 3500, 0.5, None),
    ("two", "hospital", 2, 0, None),
    ("Sixteen", "school", 16, 0, None),
    ("twenty-five", "person", 25, 0, None),
    ("ninety", "person", 90, 0, None),
    ("one hundred", "person", 100, 50, None),
    ("nearly 90,000 poor people", "person", 90_000, 0, "nearly"),
    ("about 3000", "hour", 3000, 0.5, "about"),
    ("at least one", "workshop", 1, 0, "at_least"),
    ("not less than 100 million yuan", "yuan", 100e6, 0.5e6, "not_less_than"),
    ("1000多名", "person", 1000, 0, "more_than"),
    ("30余万", "person", 300_000, 5_000, "more_than"),
    ("100万以上", "person", 1_000_000, 5_000, "at_least"),
    ("4,270 person-times", "person_time", 4270, 0, None),
]


@pytest.mark.parametrize(("text", "unit", "value", "precision", "approx"), CASES)
def test_parse_printed(text, unit, value, precision, approx):
    parsed = parse_printed(text, unit)
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.precision == pytest.approx(precision, rel=1e-12, abs=1e-15)
    assert parsed.scale_precision == parsed.precision
    assert parsed.approx == approx


def test_decimal_arithmetic_gives_exact_values():
    # 27.44 x 1e8 in binary floating point is not exactly 2744000000; the parser must be
    assert parse_printed("27.44亿元", "yuan").value == 2_744_000_000
    assert parse_printed("75.4%", "fraction").value == 0.754


@pytest.mark.parametrize(
    ("text", "unit", "fragment"),
    [
        ("5 tonnes", "yuan", "'tonnes'"),  # unit word does not fit the base unit
        ("75.4%", "person", "'%'"),
        ("5 元", "person", "'元'"),
        ("3.5 km", "square_metre", "'km'"),
        ("5 people", "yuan", "'people'"),  # a count noun on a money figure
        ("", "yuan", "empty"),
        ("   ", "yuan", "empty"),
        ("abc", "yuan", "no number"),
        ("more than", "person", "no number"),
        ("a", "person", "no number"),
        ("1 2", "person", "'2'"),
        ("3.4.5", "yuan", "'.5'"),
        ("12,34", "person", "after the number"),  # thousands separators group three digits
        ("5 million 3", "person", "'3'"),
    ],
)
def test_parse_errors_are_clear(text, unit, fragment):
    with pytest.raises(ParseError) as raised:
        parse_printed(text, unit)
    assert fragment in str(raised.value)


@given(st.text(alphabet="0123456789,.%万亿千百多余近约超过以上元斤吨亩 -abcmnoilrt", max_size=14))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_raises_parse_error(text):
    try:
        parsed = parse_printed(text, "yuan")
    except ParseError:
        return
    assert parsed.value >= 0 and parsed.precision >= 0


def test_results_are_memoised_and_cannot_be_changed():
    first = parse_printed("27.44亿元", "yuan")
    assert parse_printed("27.44亿元", "yuan") is first  # the second call is answered from the memo
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.value = 1.0  # a caller cannot change what later callers receive
    assert parse_printed("27.44亿元", "yuan").value == 2_744_000_000


def test_memo_keeps_units_apart():
    # same text, other base unit: 10,000 jin is 10,000 jin per day but 5 tonnes
    assert parse_printed("近万斤", "jin_per_day").value == 10_000
    assert parse_printed("近万斤", "tonne").value == 5


def test_memoised_failures_raise_a_fresh_error_each_time():
    errors = []
    for _ in range(2):
        with pytest.raises(ParseError) as raised:
            parse_printed("5 tonnes", "yuan")
        errors.append(raised.value)
    assert errors[0] is not errors[1]
    assert str(errors[0]) == str(errors[1]) and "'tonnes'" in str(errors[0])


def test_non_text_printed_is_an_error_not_a_crash():
    for text in (None, float("nan"), 5):
        with pytest.raises(ParseError, match="empty"):
            parse_printed(text, "yuan")


# ---- read_value: the one reader of value cells ---------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [("0", 0.0), ("1357", 1357.0), ("0.754", 0.754), ("2.74e9", 2.74e9), ("2.5E-05", 2.5e-05), ("1e+16", 1e16),
     ("-3500", -3500.0), ("007", 7.0), ("", None)],
)  # fmt: skip
def test_read_value_reads_plain_decimal_notation(text, value):
    assert read_value(text) == value


@pytest.mark.parametrize(
    "text",
    ["1_756_000_000", " 1e3", "1e3 ", "1e3\n", "infinity", "inf", "nan", "NaN", "sNaN", "１２", "٣", "0x10",
     "1,357", "1.", ".5", "+1", "--1", "1e", "1e400", "-1e400", "2.74 billion", "1 000"],
)  # fmt: skip
def test_read_value_rejects_what_python_or_pandas_would_read_differently(text):
    with pytest.raises(ParseError, match=r"is not a (valid|finite) number"):
        read_value(text)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_read_value_reads_back_every_float_python_writes(number):
    assert read_value(repr(number)) == number


@given(st.text(max_size=12))
def test_read_value_returns_a_finite_float_or_raises_parse_error(text):
    try:
        number = read_value(text)
    except ParseError:
        return
    assert number is None and text == "" or math.isfinite(number) and number == float(text)
