"""Audit: every stated share, total and rate recomputed from its components, on the real data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from eastwest import audit, metrics, vocabulary, words


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    return metrics.load_inputs()


@pytest.fixture(scope="module")
def table(real) -> pd.DataFrame:
    figures, indicators = real
    return audit.run(figures, indicators)


def codes(row: pd.Series) -> dict[str, dict]:
    """A row's structured notes by code."""
    return {n["code"]: n for n in json.loads(row["notes"])}


def check(table: pd.DataFrame, name: str, stated: str) -> pd.Series:
    found = table[(table["check"] == name) & (table["stated"] == stated)]
    assert len(found) == 1, f"{name} {stated}: {len(found)} rows"
    return found.iloc[0]


def test_columns(table):
    assert list(table.columns) == audit.COLUMNS
    assert table["agrees"].dtype == bool


def test_poverty_exit_shares_agree(table):
    counties = check(table, "share:poor_counties_exited_share", "001-poor-counties-exited-share-2020")
    assert counties["recomputed"] == pytest.approx(47 / 50) and counties["stated_value"] == 0.94
    assert counties["agrees"]
    villages = check(table, "share:poor_villages_exited_share", "001-poor-villages-exited-share-2020")
    assert villages["recomputed"] == pytest.approx(3787 / 3904)  # 97.003% within "97%" = [96.5%, 97.5%]
    assert villages["agrees"]


def test_poverty_reduction_rate_agrees_only_with_the_corrected_population(table):
    row = check(table, "rate:poverty_reduction_rate", "001-poverty-reduction-rate-2020")
    assert row["recomputed"] == pytest.approx((3_365_000 - 79_500) / 3_365_000)  # 97.64% vs stated 97.6%
    # ±500 people on 3,365,000: [(3,364,500 − 79,500)/3,364,500, (3,365,500 − 79,500)/3,365,500]
    assert row["lower"] == pytest.approx(3_285_000 / 3_364_500)
    assert row["upper"] == pytest.approx(3_286_000 / 3_365_500)
    assert row["agrees"]
    printed = codes(row)["as_printed_disagrees"]  # 3,365 million → 99.998%
    assert printed["figure"] == "001-registered-poor-2020" and printed["value"] == pytest.approx(1 - 79_500 / 3.365e9)


def test_industrial_share_agrees_with_the_corrected_amount(table):
    row = check(table, "share:aid_funds_industrial_share", "000-aid-funds-industrial-share")
    # over the most precise statement of the whole, 27.44亿 (003), not 000's rounded 2.74 billion
    assert row["recomputed"] == pytest.approx(2.07e9 / 2.744e9)  # 75.44% vs stated 75.4%
    # [2.065/2.7445, 2.075/2.7435] = [75.24%, 75.63%] overlaps [75.35%, 75.45%]
    assert (row["lower"], row["upper"]) == pytest.approx((2.065 / 2.7445, 2.075 / 2.7435))
    assert codes(row)["most_precise_statement"]["rounded"] == "000-aid-funds-2018-2019"
    assert row["agrees"]
    assert codes(row)["uses_corrected"]["figure"] == "000-aid-funds-industrial"


def test_every_stated_share_and_rate_is_checked_by_its_vocabulary_relation(real, table):
    indicators = real[1]
    relations = vocabulary.relations(indicators.to_dict("records"))
    assert {"poverty_reduction_rate", "poor_counties_exited_share", "aid_funds_industrial_share"} <= set(relations)
    checks = {check.stated: check for check in audit.checks(indicators)}
    for stated, relation in relations.items():
        kind = "rate" if relation.complement else "share"
        assert (checks[stated].id, checks[stated].formula) == (f"{kind}:{stated}", relation.formula)
    rate = check(table, "rate:poverty_reduction_rate", "001-poverty-reduction-rate-2020")
    assert rate["formula"] == "(registered_poor - registered_poor_remaining) / registered_poor"
    assert rate["inputs"] == "001-registered-poor-2020 001-registered-poor-remaining-2020"  # whole, then part


def test_sums_of_parts(table):
    donations = check(table, "sum:social_donations", "002-social-donations-2011")
    assert donations["recomputed"] == pytest.approx(1.64e6 + 26.14e6)  # = 27.78 million
    assert donations["agrees"]
    investment = check(table, "sum:project_investment", "002-project-investment-2011")
    assert investment["recomputed"] == pytest.approx(70e6 + 70e6 + 189e6)  # = 329 million
    assert investment["agrees"]
    projects = check(table, "sum:projects", "002-projects-2011")
    assert projects["recomputed"] == 22 + 10 and projects["agrees"]
    counties = check(table, "sum:poor_counties", "001-poor-counties-2020")
    assert counties["recomputed"] == 47 + 3 and counties["agrees"]


def test_product_of_houses_and_area_per_household(table):
    row = check(table, "product:livestock_stall_area", "002-livestock-stall-area-halu-2011")
    assert row["recomputed"] == 28 * 100  # 2,800 m²
    assert row["agrees"]


def test_completion_rate_and_implied_target(table):
    completion = check(table, "rate:employment_target_completion", "004-employment-target-completion-2022")
    assert completion["upper"] == pytest.approx(31.335e6 / 30e6)  # at most 104.45% ≥ 103.8%
    assert completion["agrees"]
    target = check(table, "implied:employment_target", "004-employment-target-2022")
    assert target["recomputed"] == pytest.approx(31.33e6 / 1.038)  # 30.18 million, "more than 30million"
    assert target["agrees"]


def test_linked_statements_in_000_and_003_agree(table):
    linked = table[(table["check"] == "same_as") & (table["inputs"] == "003-aid-funds-2018-2019")]
    assert len(linked) == 1 and linked.iloc[0]["stated"] == "000-aid-funds-2018-2019"
    assert linked.iloc[0]["recomputed"] == 2.744e9  # 27.44亿 lies within 2.74 billion ± 0.005 billion
    assert linked.iloc[0]["agrees"]
    beneficiaries = table[(table["check"] == "same_as") & (table["inputs"] == "003-beneficiaries")]
    assert beneficiaries.iloc[0]["agrees"]  # "more than 300,000" and "30多万"
    assert (table[table["check"] == "same_as"]["agrees"]).all()
    # one briefing reported twice: agreement is not independent confirmation
    assert codes(linked.iloc[0])["same_fact_two_reports"]["seeds"] == "000, 003"


def test_flagged_figures_appear_but_never_pass(table, real):
    figures = real[0]
    flagged = set(figures.loc[figures["status"] == "flagged", "id"])
    assert flagged, "the data should carry the known flagged figures"
    for fid in flagged:
        involved = table[(table["stated"] == fid) | table["inputs"].str.split().apply(lambda ids, f=fid: f in ids)]
        assert len(involved) >= 1, f"{fid} is missing from the audit"
        assert not involved["agrees"].any(), f"{fid} passes a check"
    part = table[table["inputs"] == "001-aid-funds-allocated-to-counties-2020"].iloc[0]
    assert part["recomputed"] == 67.947e9 and part["stated_value"] == 1_296_948_000  # a part 52× its whole
    assert "flagged_disagrees_too" in codes(part)


def test_every_stated_fraction_is_in_the_audit(table, real):
    figures = real[0]
    restated = metrics.restatements(figures)
    fractions = set(figures.loc[figures["unit"] == "fraction", "id"]) - restated
    listed = set(table["stated"])
    assert fractions <= listed, fractions - listed
    growth = check(table, "not_checkable", "000-aid-funds-growth-2020")
    assert not growth["agrees"] and codes(growth)["growth_base_not_stated"]["metric"] == "implied_by_growth"


def test_no_unexplained_disagreements(table):
    judged = table[~table["check"].isin(["not_checkable", "flagged"])]
    failing = judged[~judged["agrees"]]
    assert all(any(c.startswith("flagged") for c in codes(r)) for _, r in failing.iterrows()), failing


# ---- synthetic: a wrong statement is caught ------------------------------------------------------
def test_a_stated_share_that_does_not_fit_is_reported():
    base = {"seed": "001_x.txt", "quote": "", "qualifier": "exact", "scope": "s", "location": "", "period": "2020",
            "nature": "actual", "basis": "", "status": "ok", "same_as": "", "note": ""}  # fmt: skip
    figures = pd.DataFrame(
        [
            {**base, "id": "n", "printed": "47", "value": 47.0, "unit": "county", "indicator": "poor_counties_exited"},
            {**base, "id": "d", "printed": "50", "value": 50.0, "unit": "county", "indicator": "poor_counties"},
            {**base, "id": "s", "printed": "92%", "value": 0.92, "unit": "fraction",
             "indicator": "poor_counties_exited_share"},
        ]
    )  # fmt: skip
    indicators = pd.DataFrame(
        {"id": ["poor_counties", "poor_counties_exited", "poor_counties_exited_share"],
         "unit": ["county", "county", "fraction"], "part_of": ["", "poor_counties", ""]}
    )  # fmt: skip
    out = audit.run(figures, indicators)
    row = out[out["check"] == "share:poor_counties_exited_share"].iloc[0]
    assert row["recomputed"] == pytest.approx(0.94) and row["stated_value"] == 0.92  # 94% is outside [91.5%, 92.5%]
    assert not row["agrees"] and row["result"] == "disagrees"


def test_result_names_what_each_row_is(table):
    # agrees is True exactly for "agrees"; the other four outcomes are told apart, not left to inference
    assert set(table["result"]) <= {"agrees", "disagrees", "uses_flagged", "not_checkable", "flagged"}
    assert (table["agrees"] == (table["result"] == "agrees")).all()
    assert (table.loc[table["check"] == "not_checkable", "result"] == "not_checkable").all()
    # the real data: the part > whole check on Tianjin's flagged 67.947 billion uses a flagged input, and
    # no stated figure disagrees with its own components
    uses_flagged = table[table["result"] == "uses_flagged"]
    assert "001-aid-funds-allocated-to-counties-2020" in " ".join(uses_flagged["inputs"])
    assert not (table["result"] == "disagrees").any()


def test_a_flagged_figure_offers_its_likely_reading_as_unconfirmed(table):
    flagged = check(table, "flagged", "000-enterprise-investment")  # "3.39 trillion yuan"
    likely = codes(flagged)["likely_reading"]
    assert likely["likely"] == pytest.approx(3.39e9)  # the same slip as "2.07 trillion" → 2.07 billion
    assert likely["evidence"] == "000-aid-funds-industrial"
    assert not flagged["agrees"] and flagged["result"] == "flagged"
    # no reading without the same slip in the same source: Tianjin's 67.947 billion stays without one
    tianjin = table[table["inputs"] == "001-aid-funds-allocated-to-counties-2020"].iloc[0]
    assert "likely_reading" not in codes(tianjin)


def test_every_note_code_has_a_message_and_every_row_is_worded(table):
    emitted = {c for _, row in table.iterrows() for c in codes(row)}
    assert emitted <= set(audit.NOTE_CODES), emitted - set(audit.NOTE_CODES)
    for code in audit.NOTE_CODES:
        assert words.has(f"note.{code}"), f"note.{code} has no message"
    worded = words.add_note_texts(table)
    assert (worded.loc[table["notes"] != "[]", "note"] != "").all()
    assert (worded.loc[table["notes"] != "[]", "note_zh"] != "").all()
    flagged = worded[table["stated"] == "000-enterprise-investment"].iloc[0]
    assert "3.39 billion yuan" in flagged["note"] and "33.9亿元" in flagged["note_zh"]
