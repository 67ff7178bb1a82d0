"""Reader text in two languages: complete message files and Babel numbers."""

from __future__ import annotations

import pytest

from eastwest import words


def test_every_message_has_both_languages():
    assert words.messages(), "no messages found"
    assert words.missing_translations() == []


def test_a_message_missing_a_language_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('[x.y]\nen = "only English"\n', encoding="utf-8")
    assert words.missing_translations(tmp_path) == ["x.y: zh"]


def test_a_key_defined_twice_is_an_error(tmp_path):
    (tmp_path / "a.toml").write_text('[x]\nen = "a"\nzh = "甲"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[x]\nen = "b"\nzh = "乙"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="defined twice"):
        words.messages(tmp_path)


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "en", "zh"),
    [
        (2744000000, "yuan", "exact", "2.744 billion yuan", "27.44亿元"),
        (1756000000, "yuan", "exact", "1.756 billion yuan", "17.56亿元"),
        (80000000, "yuan", "exact", "80 million yuan", "8000万元"),
        (300000, "person", "more_than", "more than 300,000 people", "30多万人"),
        (60422, "person", "exact", "60,422 people", "60422人"),
        (0.976, "fraction", "exact", "97.6%", "97.6%"),
        (0.94, "fraction", "exact", "94%", "94%"),
        (90000, "person", "nearly", "nearly 90,000 people", "近9万人"),
    ],
)
def test_figures_read_the_way_each_language_prints_them(value, unit, qualifier, en, zh):
    assert words.qualified(value, unit, qualifier, "en") == en
    assert words.qualified(value, unit, qualifier, "zh") == zh


def test_compact_rounding_never_prints_ten_thousand_wan():
    assert words.number(99_996_000.5, "zh") == "1亿"  # rounded to four digits: 1亿, not 10000万
    assert words.number(99_995_000, "zh") == "99995000"  # a whole count keeps its digits
    assert words.number(1_999_950_000, "zh") == "20亿"


def test_bounds_are_said_as_bounds():
    assert words.bounded(9133.3, float("nan"), 9150, "yuan", "en") == "at most 9,150 yuan"
    assert words.bounded(43630, 43630, float("inf"), "yuan", "en") == "at least 43,630 yuan"
    assert words.bounded(0.97637, 0.976371, 0.976378, "fraction", "en") == "97.6%"
    assert words.bounded(1.532e9, 1.531e9, 1.533e9, "yuan", "zh") == "约15.32亿元"


@pytest.mark.parametrize(
    ("period", "en", "zh"),
    [
        ("2018/2019", "2018–2019", "2018—2019年"),
        ("2022-01/2022-05", "Jan–May 2022", "2022年1—5月"),
        ("2020-05", "May 2020", "2020年5月"),
        ("2011", "2011", "2011年"),
    ],
)
def test_periods_in_both_languages(period, en, zh):
    assert words.period(period, "en") == en
    assert words.period(period, "zh") == zh


def test_plural_forms_follow_the_count():
    assert words.text("meta.sources", "en", count=1, n="1") == "from 1 source"
    assert words.text("meta.sources", "en", count=5, n="5") == "from 5 sources"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="valid values: en, zh"):
        words.number(1, "fr")


def test_one_of_a_counted_unit_is_singular_in_english():
    assert words.qualified(1, "county", "exact", "en") == "1 county"
    assert words.qualified(2, "county", "exact", "en") == "2 counties"
    assert words.qualified(1, "yuan", "exact", "en") == "1 yuan"
