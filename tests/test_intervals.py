"""Intervals: qualifier semantics, printed precision, arithmetic and reader text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eastwest import words
from eastwest.intervals import INF, Interval, from_figure, printed_precision


def fig(printed: str, value: float, qualifier: str = "exact", unit: str = "yuan") -> Interval:
    return from_figure({"printed": printed, "value": value, "unit": unit, "qualifier": qualifier})


# ---- from_figure: the spec's qualifier table --------------------------------------------------------
def test_exact_billion_is_its_rounding_interval():
    iv = fig("2.74 billion yuan", 2.74e9)
    # half a unit of the last printed digit: 0.005 billion
    assert (iv.lower, iv.upper, iv.point) == pytest.approx((2.735e9, 2.745e9, 2.74e9))
    assert iv.kind == "interval"


def test_chinese_scale_word_precision():
    iv = fig("27.44亿元", 2.744e9)
    # 0.005亿 = 500,000 yuan
    assert (iv.lower, iv.upper) == pytest.approx((2.7435e9, 2.7445e9))


def test_integer_count_without_scale_word_is_exact():
    assert fig("1,357", 1357, unit="project").kind == "exact"
    assert fig("5229人", 5229, unit="person").kind == "exact"
    assert fig("47", 47, unit="county").kind == "exact"


def test_count_with_scale_word_has_half_unit_precision():
    iv = fig("26 million", 26e6, unit="person")
    assert (iv.lower, iv.upper) == pytest.approx((25.5e6, 26.5e6))


def test_percentage_precision():
    iv = fig("75.4%", 0.754, unit="fraction")
    assert (iv.lower, iv.upper) == pytest.approx((0.7535, 0.7545))


def test_corrected_row_keeps_precision_of_its_digits():
    # printed "2.07 trillion", value corrected to 2.07e9: the digits 2.07 give ±0.005 of the scale used
    iv = fig("2.07 trillion yuan", 2.07e9)
    assert (iv.lower, iv.upper) == pytest.approx((2.065e9, 2.075e9))
    # "3,365 million" read as 3,365,000 people: ±0.5 of the last digit → ±500 people
    assert printed_precision("3,365 million", 3_365_000, "person") == pytest.approx(500)


def test_more_than_is_a_lower_bound():
    iv = fig("more than 300,000", 300_000, "more_than", "person")
    assert iv.lower == 300_000 and iv.upper == INF and iv.kind == "lower_bound"


@pytest.mark.parametrize("qualifier", ["at_least", "not_less_than"])
def test_at_least_is_a_lower_bound(qualifier):
    iv = fig("Not less than 100 million yuan", 1e8, qualifier)
    assert (iv.lower, iv.upper) == (1e8, INF)


@pytest.mark.parametrize("qualifier", ["less_than", "at_most", "nearly"])
def test_upper_bound_qualifiers(qualifier):
    iv = fig("近万斤", 10000, qualifier, "jin_per_day")
    assert (iv.lower, iv.upper) == (0, 10000)
    assert iv.kind == "upper_bound"  # a lower bound of 0 says nothing for a count


def test_about_widens_to_five_percent():
    iv = fig("约2600万元", 26e6, "about")
    # rounding interval would be ±0.5万 = ±5,000; ±5% = ±1.3 million is wider
    assert (iv.lower, iv.upper) == pytest.approx((24.7e6, 27.3e6))


def test_unknown_qualifier_is_an_error():
    with pytest.raises(ValueError, match="qualifier"):
        fig("12", 12, "roughly")


# ---- arithmetic -------------------------------------------------------------------------------------------
def test_division_by_a_more_than_denominator_gives_an_upper_bound():
    funds = fig("2.74 billion yuan", 2.74e9)
    people = fig("more than 300,000", 300_000, "more_than", "person")
    per_person = funds / people
    assert per_person.kind == "upper_bound"
    assert per_person.upper == pytest.approx(2.745e9 / 300_000)  # = 9,150
    assert words.bounded(per_person.point, per_person.lower, per_person.upper, "yuan", "en") == "at most 9,150 yuan"


def test_lower_bound_numerator_gives_a_lower_bound():
    credit = fig("More than 25billion yuan", 25e9, "more_than")
    per_borrower = credit / 573_000
    assert per_borrower.kind == "lower_bound"
    assert per_borrower.lower == pytest.approx(25e9 / 573_000)  # 43,630.0
    assert words.bounded(per_borrower.point, per_borrower.lower, per_borrower.upper, "yuan", "en") == (
        "at least 43,630 yuan"
    )


def test_subtraction_and_scalars():
    a = Interval(10, 12, 11)
    b = Interval(1, 2, 1.5)
    assert (a - b).lower == 8 and (a - b).upper == 11 and (a - b).point == 9.5
    assert (100 - a).lower == 88 and (2 * a).upper == 24 and (a / 2).lower == 5
    assert (1 / Interval(2, 4, 3)).lower == 0.25


def test_division_by_interval_containing_zero_is_refused():
    with pytest.raises(ZeroDivisionError):
        Interval(1, 2, 1.5) / Interval(-1, 1, 0)


def test_bounds_must_be_ordered_and_none_means_unbounded():
    with pytest.raises(ValueError):
        Interval(3, 2, 2.5)
    iv = Interval(None, 5, 4)
    assert iv.lower == -INF and iv.kind == "upper_bound"
    assert Interval(None, None, 1).kind == "unbounded"


def test_immutable():
    iv = Interval(1, 2, 1.5)
    with pytest.raises(AttributeError):
        iv.lower = 0  # type: ignore[misc]


def test_rounding_interval_and_exact_are_worded_by_words():
    # The interval keeps what the printed digits allow; words says it at the precision a reader needs.
    funds = fig("2.74 billion yuan", 2.74e9)
    assert (funds.lower, funds.upper, funds.kind) == (2.735e9, 2.745e9, "interval")
    assert words.bounded(funds.point, funds.lower, funds.upper, "", "en") == "about 2.74 billion"
    assert Interval.exact(1357).kind == "exact" and words.quantity(1357, "project", "en") == "1,357 projects"
    share = fig("75.4%", 0.754, unit="fraction")
    assert (share.lower, share.upper) == pytest.approx((0.7535, 0.7545))
    assert words.percent(0.94, "en") == "94%" and words.number(31.33e6, "en") == "31.33 million"


# ---- properties ----------------------------------------------------------------------------------
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def intervals(draw, min_value=1e-3):
    a = draw(st.floats(min_value=min_value, max_value=1e9))
    b = draw(st.floats(min_value=min_value, max_value=1e9))
    lo, hi = min(a, b), max(a, b)
    point = draw(st.floats(min_value=lo, max_value=hi))
    return Interval(lo, hi, point)


def _inside(iv: Interval, x: float) -> bool:
    slack = 1e-9 * max(1.0, abs(x))
    return iv.lower - slack <= x <= iv.upper + slack


@settings(max_examples=150, deadline=None)
@given(intervals(), intervals(), st.sampled_from(["+", "-", "*", "/"]), st.floats(0, 1), st.floats(0, 1))
def test_arithmetic_contains_every_combination_of_members(a, b, op, s, t):
    x = a.lower + s * (a.upper - a.lower)
    y = b.lower + t * (b.upper - b.lower)
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]
    value = {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[op]
    assert _inside(result, value)


@settings(max_examples=150, deadline=None)
@given(intervals(), intervals(), st.sampled_from(["+", "-", "*", "/"]))
def test_bounds_always_contain_the_point(a, b, op):
    result = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]
    assert _inside(result, result.point)


@settings(max_examples=100, deadline=None)
@given(positive, st.floats(min_value=1, max_value=1e7))
def test_dividing_by_a_more_than_denominator_is_an_upper_bound(numerator, denominator):
    ratio = Interval.exact(numerator) / Interval(denominator, None, denominator)
    assert ratio.kind == "upper_bound"
    assert ratio.upper == pytest.approx(numerator / denominator)
    assert _inside(ratio, ratio.point)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["exact", "about", "more_than", "at_least", "nearly", "less_than"]),
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=0, max_value=3),
)
def test_from_figure_contains_the_printed_value(qualifier, digits, decimals):
    value = digits / 10**decimals
    printed = f"{value:.{decimals}f} million yuan"
    iv = fig(printed, value * 1e6, qualifier)
    assert _inside(iv, value * 1e6)
    if qualifier == "exact":
        assert iv.width == pytest.approx(10**-decimals * 1e6)


def test_power_of_positive_interval():
    iv = Interval(4, 9, 6.25) ** 0.5
    assert (iv.lower, iv.upper, iv.point) == (2, 3, 2.5)
    assert math.isclose((Interval(2, 3, 2.5) ** 2).upper, 9)


# ---- the from_figure cache ---------------------------------------------------------------------------------
def test_cached_intervals_depend_on_every_cell():
    # Same printed number and value; qualifier, unit or printed precision differ: each gets its own interval.
    exact, about = fig("2.74 billion", 2.74e9), fig("2.74 billion", 2.74e9, "about")
    assert (exact.lower, exact.upper) == pytest.approx((2.735e9, 2.745e9))
    assert (about.lower, about.upper) == pytest.approx((2.74e9 * 0.95, 2.74e9 * 1.05))  # ±5% is wider
    assert fig("2.740 billion", 2.74e9).width == pytest.approx(1e6)  # ±0.0005 billion
    assert fig("2.74 billion", 2.74e9) == exact  # asked again: the same answer


def test_zero_keeps_its_sign_and_unknown_qualifiers_still_fail():
    assert math.copysign(1, fig("0", -0.0, unit="project").point) == -1
    assert math.copysign(1, fig("0", 0.0, unit="project").point) == 1
    for _ in range(2):  # a failure is not cached as an answer
        with pytest.raises(ValueError, match="unknown qualifier"):
            fig("47", 47.0, "roughly", "county")
