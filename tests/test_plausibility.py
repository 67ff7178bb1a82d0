"""Each plausibility rule fires on a crafted case and stays quiet on a sane one."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eastwest import plausibility, vocabulary
from eastwest.plausibility import check
from eastwest.validate import validate


def rules_by_figure(findings) -> set[tuple[str, str]]:
    return {(finding.figure_id, finding.rule) for finding in findings}


def figure(id_, printed, unit="yuan", indicator="aid_funds", *, seed="000_89601b300f51dc62.txt", status="ok",
           qualifier="exact", location="", period="2018/2019", same_as="", value=None):  # fmt: skip
    """A figure row with only what the rules read; value defaults to the printed number."""
    row = {
        "id": id_, "seed": seed, "printed": printed, "unit": unit, "indicator": indicator, "status": status,
        "qualifier": qualifier, "scope": "beijing-inner-mongolia", "location": location, "period": period,
        "nature": "actual", "same_as": same_as, "value": value,
    }  # fmt: skip
    if value is None:
        row["value"] = str(plausibility.parse_printed(printed, unit).value)
    return row


def test_fixture_findings_are_all_on_rows_the_curators_marked(dataset):
    indicators = dataset.tables["indicators"]
    literal = rules_by_figure(check(dataset.figures, indicators, basis="printed"))
    assert literal == {
        ("000-aid-funds-industrial", "part_exceeds_whole"),  # 2.07 trillion > 2.74 billion
        ("000-aid-funds-industrial", "share_inconsistent"),  # 2.07e12 / 2.74e9 = 755, not 75.4%
        ("001-registered-poor", "share_inconsistent"),  # 1 - 79,500 / 3.365e9 = 99.998%, not 97.6%
    }
    # with the corrected values only the flagged 3.39 trillion stands out: 3.39e12 / median(2.74e9, 2.07e9)
    # = 3.39e12 / 2.405e9 = 1410
    corrected = rules_by_figure(check(dataset.figures, indicators, basis="value"))
    assert corrected == {("000-enterprise-investment", "magnitude")}


def test_part_exceeds_whole_fires_and_validate_reports_the_ok_row(dataset):
    row = dataset.figure("000-aid-funds-industrial")
    row.update(status="ok", note="", value="2070000000000")
    dataset.write()
    found = [str(problem) for problem in validate(dataset.path)]
    line = dataset.line_of("000-aid-funds-industrial")
    assert any(p.startswith(f"{dataset.file()}:{line}: status: flagged by rule part_exceeds_whole:") for p in found), (
        found
    )


@pytest.mark.parametrize(
    ("part_changes", "fires"),
    [
        ({}, True),
        ({"location": "Chifeng"}, True),  # the whole has no location: still comparable
        ({"period": "2020"}, False),  # another period
        ({"seed": "003_4269f0bfc06f526b.txt"}, False),  # another source
        ({"printed": "2.07 billion yuan"}, False),  # 2.07 billion <= 2.74 billion
    ],
)
def test_part_exceeds_whole_scope_of_comparison(dataset, part_changes, fires):
    rows = [
        figure("whole", "2.74 billion yuan", location=""),
        figure("part", "2.07 trillion yuan", indicator="aid_funds_industrial") | part_changes,
    ]
    found = rules_by_figure(check(rows, dataset.tables["indicators"]))
    assert (("part", "part_exceeds_whole") in found) is fires


def test_part_and_whole_in_different_locations_are_not_compared(dataset):
    rows = [
        figure("whole", "2.74 billion yuan", location="Chifeng"),
        figure("part", "2.07 trillion yuan", indicator="aid_funds_industrial", location="Hinggan League"),
    ]
    assert check(rows, dataset.tables["indicators"]) == []


def test_part_of_a_lower_bound_whole_is_not_compared(dataset):
    rows = [
        figure("whole", "more than 2.74 billion yuan", qualifier="more_than"),
        figure("part", "3 billion yuan", indicator="aid_funds_industrial"),
    ]
    assert check(rows, dataset.tables["indicators"]) == []


@pytest.mark.parametrize(("printed", "fires"), [("75.4%", False), ("100%", False), ("175.4%", True)])
def test_share_above_max(dataset, printed, fires):
    rows = [figure("share", printed, unit="fraction", indicator="aid_funds_industrial_share")]
    found = rules_by_figure(check(rows, dataset.tables["indicators"]))
    assert (("share", "above_max") in found) is fires


@pytest.mark.parametrize(
    ("chinese", "fires"),
    [
        ("27.44亿元", False),  # |2.744e9 - 2.74e9| = 4e6 <= 5e6 + 0.5e6 (the two printed precisions)
        ("27.45亿元", False),  # 5e6 <= 5.5e6
        ("27.46亿元", True),  # 6e6 > 5.5e6
        ("2.74亿元", True),
    ],
)
def test_same_as_disagreement_within_printed_precision(dataset, chinese, fires):
    rows = [
        figure("000-funds", "2.74 billion yuan"),
        figure("003-funds", chinese, seed="003_4269f0bfc06f526b.txt", same_as="000-funds"),
    ]
    found = rules_by_figure(check(rows, dataset.tables["indicators"]))
    assert (("003-funds", "same_as_disagrees") in found) is fires


@pytest.mark.parametrize(
    ("printed", "fires"),
    [
        ("95.2 million yuan", False),
        # about 100 million is [95 million, 105 million] (vocabulary.bounds: ±5% is wider than the rounding);
        # widening the rounding interval by 5% instead would give [94.525 million, 105.525 million]
        ("94.8 million yuan", True),
        ("105.2 million yuan", True),
    ],
)
def test_same_as_compares_the_vocabularys_range_for_about(dataset, printed, fires):
    rows = [
        figure("000-funds", "about 100 million yuan", qualifier="about"),
        figure("003-funds", printed, seed="003_4269f0bfc06f526b.txt", same_as="000-funds"),
    ]
    found = rules_by_figure(check(rows, dataset.tables["indicators"]))
    assert (("003-funds", "same_as_disagrees") in found) is fires


def test_a_figure_with_an_unknown_qualifier_is_left_out(dataset):
    rows = [
        figure("000-funds", "2.74 billion yuan"),
        figure("003-funds", "2.74亿元", seed="003_4269f0bfc06f526b.txt", same_as="000-funds", qualifier="roughly"),
    ]  # the schema's enum reports "roughly"; no rule can say what range it gives
    assert check(rows, dataset.tables["indicators"]) == []


def test_same_as_disagreement_reported_by_validate(dataset):
    row = dataset.figure("003-beneficiaries")
    row.update(quote="惠及30多万贫困人口", printed="30多万", value="300000")
    dataset.figure("000-beneficiaries").update(quote="5,229 people", printed="5,229", value="5229", qualifier="exact")
    dataset.write()
    line = dataset.line_of("003-beneficiaries")
    found = [str(problem) for problem in validate(dataset.path)]
    assert any(p.startswith(f"{dataset.file()}:{line}: status: flagged by rule same_as_disagrees") for p in found)


MAGNITUDE_PEERS = [
    ("aid", "2.74 billion yuan"),
    ("aid-2020", "1.756 billion yuan"),
    ("sales", "5.2 billion yuan"),
]


def test_magnitude_flags_three_trillion_among_billions(dataset):
    rows = [figure(i, p) for i, p in MAGNITUDE_PEERS] + [figure("invest", "3.39 trillion yuan")]
    found = check(rows, dataset.tables["indicators"])
    # median of the other three = 2.74e9; 3.39e12 / 2.74e9 = 1237 > MAGNITUDE_FACTOR
    assert rules_by_figure(found) == {("invest", "magnitude")}
    assert "1237×" in found[0].message


def test_magnitude_quiet_on_a_genuine_spread(dataset):
    # 003 has small and large yuan figures side by side: 20万元 ... 27.44亿元 (a spread of about 160x
    # against the median is the largest among the curated genuine figures)
    rows = [figure(i, p) for i, p in MAGNITUDE_PEERS] + [figure("invest", "3.39 billion yuan")]
    rows += [figure("small", "20 million yuan")]
    assert check(rows, dataset.tables["indicators"]) == []


def test_magnitude_needs_peers_in_same_seed_scope_and_unit(dataset):
    rows = [figure(i, p, seed="002_d74ba3b826e4bc45.txt") for i, p in MAGNITUDE_PEERS]
    rows += [figure("invest", "3.39 trillion yuan")]  # alone in seed 000
    assert check(rows, dataset.tables["indicators"]) == []


def test_share_inconsistent_blames_the_share_when_all_rows_are_ok(dataset):
    dataset.figure("001-registered-poor").update(status="ok", note="", value="3365000000")
    dataset.write()
    found = [str(problem) for problem in validate(dataset.path)]
    line = dataset.line_of("001-poverty-reduction-rate")
    assert any(p.startswith(f"{dataset.file()}:{line}: status: flagged by rule share_inconsistent") for p in found)


def test_corrected_value_that_still_fails_is_a_problem(dataset):
    # 1 - 79,500 / 3,000,000 = 0.9735, outside 97.6% ± 0.05%
    dataset.figure("001-registered-poor")["value"] = "3000000"
    dataset.write()
    found = [str(problem) for problem in validate(dataset.path)]
    line = dataset.line_of("001-registered-poor")
    assert any(
        p.startswith(f"{dataset.file()}:{line}: value: corrected value still fails rule share_inconsistent")
        for p in found
    ), found


def test_share_consistent_with_its_parts(dataset):
    indicators = dataset.tables["indicators"] + [
        {"id": "aid_funds_industrial_share", "part_of": "", "max": "1"},
    ]
    rows = [
        figure("whole", "2.74 billion yuan"),
        figure("part", "2.07 billion yuan", indicator="aid_funds_industrial"),
        # 2.07 / 2.74 = 0.7555; with the printed precisions [2.065/2.745, 2.075/2.735] = [0.7523, 0.7587]
        figure("share", "75.4%", unit="fraction", indicator="aid_funds_industrial_share"),
    ]
    assert check(rows, indicators) == []
    rows[2] = figure("share", "85.4%", unit="fraction", indicator="aid_funds_industrial_share")
    assert rules_by_figure(check(rows, indicators)) == {("share", "share_inconsistent")}


def test_flagged_rows_may_trip_rules(dataset):
    assert validate(dataset.path) == []  # the fixture's 2.07 trillion and 3,365 million rows are marked


def brute_force_magnitude(rows) -> dict[str, float]:
    """figure id -> ratio to the median of the other figures of its seed, scope and unit, for every figure
    with more than MAGNITUDE_MIN_OTHERS others and a positive median: the rule's definition, spelled out."""
    ratios = {}
    for row in rows:
        others = [
            float(other["value"])
            for other in rows
            if other is not row and (other["seed"], other["unit"]) == (row["seed"], row["unit"])
        ]
        if len(others) >= plausibility.MAGNITUDE_MIN_OTHERS:
            median = statistics.median(others)
            if median > 0:
                ratios[row["id"]] = float(row["value"]) / median
    return ratios


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["000_89601b300f51dc62.txt", "002_d74ba3b826e4bc45.txt"]),
            st.sampled_from(["yuan", "person"]),
            # few distinct amounts, so that ties, zeros and outliers of 400x and more all occur
            st.sampled_from([0, 1, 2, 3, 5, 400, 401, 1200, 2000, 10**6]),
        ),
        max_size=14,
    )
)
@settings(max_examples=200, deadline=None)
def test_magnitude_matches_the_median_of_the_others(specs):
    rows = [
        figure(f"f{k}", str(amount), unit=unit, seed=seed, indicator="aid_funds" if unit == "yuan" else "beneficiaries")
        for k, (seed, unit, amount) in enumerate(specs)
    ]
    expected = brute_force_magnitude(rows)
    found = {finding.figure_id for finding in check(rows, [], basis="value") if finding.rule == "magnitude"}
    assert found == {figure_id for figure_id, ratio in expected.items() if ratio > plausibility.MAGNITUDE_FACTOR}
    ratios = {figure_id: ratio for figure_id, _, ratio in plausibility.magnitude_ratios(rows, basis="value")}
    assert ratios == expected


# ---- the indexed rules against their definitions, pair by pair ---------------------------------------

INDICATORS = [
    {"id": "whole", "part_of": ""}, {"id": "part", "part_of": "whole"}, {"id": "part_share", "part_of": ""},
    {"id": "registered_poor", "part_of": ""}, {"id": "registered_poor_remaining", "part_of": "registered_poor"},
    {"id": "poverty_reduction_rate", "part_of": ""},
]  # fmt: skip


def same_place(a, b) -> bool:
    """Two figures may be compared: one has no location, or both have the same."""
    return not a["location"] or not b["location"] or a["location"] == b["location"]


def interval(row) -> tuple[float, float]:
    return vocabulary.bounds(row["amount"], row["precision"], row["qualifier"])


def ratio_interval(part, whole, complement: bool) -> tuple[float, float] | None:
    """part / whole (or 1 − part / whole) over the two intervals; None when the whole's reaches down to 0."""
    (p_low, p_high), (w_low, w_high) = interval(part), interval(whole)
    if w_low <= 0:
        return None
    return (1 - p_high / w_low, 1 - p_low / w_high) if complement else (p_low / w_high, p_high / w_low)


def brute_force_part_exceeds_whole(rows, indicators) -> set:
    """Every part against every whole of its group, in row order; the first whole it exceeds is named."""
    whole_of = {row["id"]: row["part_of"] for row in indicators if row["part_of"]}
    found = set()
    for part in rows.values():
        for whole in rows.values():
            same_group = all(part[c] == whole[c] for c in ("seed", "scope", "period", "nature"))
            if whole_of.get(part["indicator"]) != whole["indicator"] or not same_group:
                continue
            if not same_place(part, whole) or whole["qualifier"] in vocabulary.LOWER_BOUNDS:
                continue
            if part["amount"] - part["precision"] > whole["amount"] + whole["precision"]:
                found.add((part["id"], whole["id"]))
                break
    return found


def brute_force_share_inconsistent(rows, indicators) -> set:
    """Every stated share against every (part, whole) pair of its scope, period, nature and place."""
    found = set()
    comparable = vocabulary.COMPARABLE
    for share in rows.values():
        relation = vocabulary.relations(indicators).get(share["indicator"])
        if relation is None or share["qualifier"] not in comparable:
            continue
        part_indicator, whole_indicator, complement = relation.part, relation.whole, relation.complement

        def inputs(indicator, share=share):
            return [
                row for row in rows.values()
                if row["indicator"] == indicator and row["qualifier"] in comparable
                and all(row[c] == share[c] for c in ("scope", "period", "nature"))
                and same_place(row, share)
            ]  # fmt: skip

        pairs = [
            (part, whole) for part in inputs(part_indicator) for whole in inputs(whole_indicator)
            if same_place(part, whole)
        ]  # fmt: skip
        low, high = interval(share)
        intervals = [ratio_interval(part, whole, complement) for part, whole in pairs]
        if pairs and not any(i is None or (i[0] <= high and low <= i[1]) for i in intervals):  # none supports it
            found.add((share["id"], pairs[0][0]["id"], pairs[0][1]["id"]))
    return found


ORDINARY = ([0.0, 0.5, 1.0, 2.0, 3.0, 10.0, 100.0, 0.754, 0.976], [0.0, 0.05, 0.5])  # (amounts, precisions)
EXTREME = ([1e-300, 1e300, 1.7e308, math.inf], [0.0, 5.0, math.inf])  # the indexes leave these to a plain scan


def random_rows(rnd) -> dict:
    """Up to 24 figures of one seed and scope: few distinct numbers, so that ties and near misses are
    common, an extreme number now and then, two periods, two places besides none."""
    rows = {}
    for k in range(rnd.randrange(1, 25)):
        amounts, precisions = EXTREME if rnd.random() < 0.03 else ORDINARY
        rows[f"f{k}"] = {
            "id": f"f{k}", "indicator": rnd.choice(INDICATORS)["id"], "amount": rnd.choice(amounts),
            "precision": rnd.choice(precisions), "qualifier": rnd.choice(["exact", "about", "more_than"]),
            "location": rnd.choice(["", "", "north", "south"]), "period": rnd.choice(["2019"] * 3 + ["2020"]),
            "status": rnd.choice(["ok", "corrected"]), "seed": "s", "scope": "x", "nature": "actual",
        }  # fmt: skip
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_indexed_part_exceeds_whole_finds_what_every_pair_finds(seed):
    rnd = random.Random(seed)
    for _ in range(800):
        rows = random_rows(rnd)
        found = {
            (f.message.split(" ")[0], f.message.split(" its whole ")[1].split(" ")[0])
            for f in plausibility.part_exceeds_whole(rows, INDICATORS)
        }
        assert found == brute_force_part_exceeds_whole(rows, INDICATORS), rows


@pytest.mark.parametrize("seed", range(4))
def test_indexed_share_inconsistent_finds_what_every_pair_finds(seed):
    rnd = random.Random(seed)
    for _ in range(800):
        rows = random_rows(rnd)
        found = set()
        for finding in plausibility.share_inconsistent(rows, INDICATORS):
            share = finding.message.split(" states ")[0]
            formula = finding.message.split(" but ")[1].split(" gives ")[0].removeprefix("1 − ")
            found.add((share, *formula.split(" / ")))
        assert found == brute_force_share_inconsistent(rows, INDICATORS), rows
