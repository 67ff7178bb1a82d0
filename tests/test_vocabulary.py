"""The domain vocabulary: each rule tested here, once, and the data package and reader words agree with it."""

from __future__ import annotations

import json
import math

import pytest

from eastwest import intervals, paths, plausibility, vocabulary, words
from eastwest.vocabulary import PeriodError


# ---- "about" and the other qualifiers ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (100, 0, (95, 105)),  # "about 100": ±5%
        (100e6, 0.5e6, (95e6, 105e6)),  # "about 100 million": ±5 million is wider than the rounding
        (26e6, 5_000, (24.7e6, 27.3e6)),  # "约2600万": ±1.3 million
        (1e8, 5e7, (5e7, 1.5e8)),  # "about 0.1 billion": its rounding (±0.05 billion) is the wider
    ],
)
def test_about_is_the_wider_of_the_rounding_and_five_percent(value, precision, expected):
    assert vocabulary.bounds(value, precision, "about") == pytest.approx(expected)


def test_the_other_qualifiers():
    assert vocabulary.bounds(2.74e9, 5e6, "exact") == pytest.approx((2.735e9, 2.745e9))
    for qualifier in vocabulary.LOWER_BOUNDS:
        assert vocabulary.bounds(300_000, 5_000, qualifier) == (300_000, math.inf)
    for qualifier in vocabulary.UPPER_BOUNDS:
        assert vocabulary.bounds(10_000, 500, qualifier) == (0, 10_000)
    with pytest.raises(ValueError, match="unknown qualifier 'roughly'"):
        vocabulary.bounds(1, 0, "roughly")


def test_intervals_and_plausibility_read_about_by_the_same_rule():
    iv = intervals.figure_interval(1e8, "about", "about 100 million yuan", "yuan")
    assert (iv.lower, iv.upper) == pytest.approx(vocabulary.bounds(1e8, 0.5e6, "about"))

    def pair(other_printed: str, other_value: float) -> list:
        base = {"seed": "000-x.txt", "scope": "s", "period": "2020", "nature": "actual", "location": "",
                "indicator": "aid_funds", "unit": "yuan", "status": "ok"}  # fmt: skip
        rows = [
            {**base, "id": "a", "printed": "about 100 million yuan", "value": "100000000", "qualifier": "about",
             "same_as": ""},
            {**base, "id": "b", "printed": other_printed, "value": str(other_value), "qualifier": "exact",
             "same_as": "a"},
        ]  # fmt: skip
        return [f.rule for f in plausibility.check(rows, [{"id": "aid_funds", "part_of": "", "max": ""}])]

    assert pair("95.2 million yuan", 95_200_000) == []  # inside [95, 105] million
    # [94.75, 94.85] million lies outside [95, 105] million; widening the rounding interval by 5% instead
    # ([94.525, 105.525] million) would have let it pass.
    assert pair("94.8 million yuan", 94_800_000) == ["same_as_disagrees"]


def test_the_data_package_and_the_reader_words_know_the_same_qualifiers_and_natures():
    descriptor = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    fields = {f["name"]: f for r in descriptor["resources"] if r["name"] == "figures" for f in r["schema"]["fields"]}
    assert sorted(fields["qualifier"]["constraints"]["enum"]) == sorted(vocabulary.QUALIFIERS)
    assert sorted(fields["nature"]["constraints"]["enum"]) == sorted(vocabulary.NATURES)
    for lang in words.LANGS:
        assert sorted(words.QUALIFIER_PREFIX[lang]) == sorted(vocabulary.QUALIFIERS)


# ---- periods ---------------------------------------------------------------------------------------
def test_periods_read_and_compared():
    assert vocabulary.months("2020") == (2020 * 12, 2020 * 12 + 11)
    assert vocabulary.length("2018/2019") == 24 and vocabulary.length("2022-01/2022-05") == 5
    assert vocabulary.single_year("2020") == 2020 and vocabulary.single_year("2020-05") is None
    assert vocabulary.span_years("2018/2019") == (2018, 2019) and vocabulary.span_years("2020") is None
    assert vocabulary.span_years("2020-01/2020-05") is None and vocabulary.months("20x0") is None
    assert vocabulary.relate("2020", "2019", "previous_year") and not vocabulary.relate("2020", "2018", "previous_year")
    assert vocabulary.relate("2020", "2020-05", "overlap") and not vocabulary.relate("2020", "2021-02", "overlap")
    assert vocabulary.relate("2019", "2020-05", "within_a_year")
    assert not vocabulary.relate("2018", "2020-05", "within_a_year")
    assert vocabulary.year_bounds("2014/2020") == (2014, 2020)
    with pytest.raises(PeriodError, match="must end after it starts"):
        vocabulary.parse_period("2020/2019")
    with pytest.raises(ValueError, match="unknown period relation 'sometime'"):
        vocabulary.relate("2020", "2020", "sometime")


# ---- same_as links -----------------------------------------------------------------------------------
def test_same_as_groups_follow_chains_in_file_order():
    ids = ["c", "a", "b", "d"]
    links = ["a", "", "c", "nowhere"]
    assert vocabulary.same_as_groups(ids, links) == [["c", "a", "b"], ["d"]]


def test_a_link_must_join_one_fact():
    row = {"scope": "s", "indicator": "aid_funds", "period": "2020"}
    assert vocabulary.link_mismatches(row, dict(row)) == []
    assert vocabulary.link_mismatches(row, {**row, "period": "2019", "scope": "t"}) == ["scope", "period"]


# ---- shares and rates ----------------------------------------------------------------------------------
def test_relations_come_from_part_of_and_the_rates():
    rows = [
        {"id": "projects", "part_of": ""},
        {"id": "projects_industrial", "part_of": "projects"},
        {"id": "projects_industrial_share", "part_of": ""},
        {"id": "projects_livelihood", "part_of": "projects"},  # no stated share: no relation
        {"id": "registered_poor", "part_of": ""},
        {"id": "registered_poor_remaining", "part_of": "registered_poor"},
        {"id": "poverty_reduction_rate", "part_of": ""},
    ]
    found = vocabulary.relations(rows)
    assert sorted(found) == ["poverty_reduction_rate", "projects_industrial_share"]
    share, rate = found["projects_industrial_share"], found["poverty_reduction_rate"]
    assert (share.part, share.whole, share.formula) == ("projects_industrial", "projects",
                                                        "projects_industrial / projects")  # fmt: skip
    assert rate.formula == "(registered_poor - registered_poor_remaining) / registered_poor"
    assert rate.apply(3.0, 100.0) == pytest.approx(0.97) and share.apply(1.0, 4.0) == 0.25
