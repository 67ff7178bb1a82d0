"""Derived metrics on the real data, each checked against arithmetic worked out by hand here."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eastwest import metrics, vocabulary, words
from eastwest.metrics import CATALOGUE, COLUMNS, compute


def _real_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return metrics.load_inputs()


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _real_data()


@pytest.fixture(scope="module")
def table(real) -> pd.DataFrame:
    figures, indicators = real
    return compute(figures, indicators)


def rows(table: pd.DataFrame, metric: str, **where: str) -> pd.DataFrame:
    found = table[table["metric"] == metric]
    for column, value in where.items():
        if column == "uses":
            found = found[found["inputs"].str.split().apply(lambda ids, v=value: v in ids)]
        else:
            found = found[found[column] == value]
    return found


def notes(row: pd.Series) -> list[dict]:
    """A row's structured notes."""
    return json.loads(row["notes"])


def has_note(row: pd.Series, code: str, **values) -> bool:
    return any(n["code"] == code and all(n.get(k) == v for k, v in values.items()) for n in notes(row))


def one(table: pd.DataFrame, metric: str, **where: str) -> pd.Series:
    found = rows(table, metric, **where)
    assert len(found) == 1, f"{metric} {where}: {len(found)} rows\n{found[['inputs', 'value']]}"
    return found.iloc[0]


# ---- shape of the table -------------------------------------------------------------------------
def test_columns_and_families(table):
    assert list(table.columns) == COLUMNS
    assert set(table["family"]) == set(vocabulary.METRIC_FAMILIES)
    assert set(table["bound"]) <= {"exact", "interval", "lower_bound", "upper_bound"}
    assert (table["formula"] != "").all() and (table["inputs"] != "").all()


def test_every_row_cites_real_unflagged_figures_and_contains_its_value(table, real):
    figures = real[0]
    status = dict(zip(figures["id"], figures["status"], strict=True))
    for _, row in table.iterrows():
        for fid in row["inputs"].split():
            assert fid in status, f"{row['metric']} cites unknown figure {fid}"
            assert status[fid] != "flagged", f"{row['metric']} uses flagged figure {fid}"
        lo = -math.inf if pd.isna(row["lower"]) else row["lower"]
        hi = math.inf if pd.isna(row["upper"]) else row["upper"]
        assert lo - 1e-9 * abs(row["value"]) <= row["value"] <= hi + 1e-9 * abs(row["value"]), row["metric"]


def test_every_spec_names_a_metric_family(real):
    specs = metrics.catalogue(real[1])
    assert len(specs) > len(CATALOGUE)  # the shares indicators.csv adds are included
    assert [spec.id for spec in specs if spec.family not in vocabulary.METRIC_FAMILIES] == []


def test_an_input_of_an_unknown_nature_or_period_relation_is_refused():
    with pytest.raises(ValueError, match="unknown nature planned"):
        metrics.Input("a", "aid_funds", ("actual", "planned"))
    with pytest.raises(ValueError, match="unknown period relation 'nearby'"):
        metrics.Input("a", "aid_funds", period="nearby")


def test_headline_restatements_do_not_duplicate_rows(table):
    # 000-aid-funds-2018-2019-title repeats 000-aid-funds-2018-2019 in the same seed
    assert not table["inputs"].str.contains("000-aid-funds-2018-2019-title").any()
    assert not table["inputs"].str.contains("003-aid-funds-2018-2019-body").any()


# ---- aid intensity ----------------------------------------------------------------------------------
def test_funds_per_beneficiary_is_an_upper_bound(table):
    # 27.44亿 (003) is the most precise statement of the 2018-2019 funds; 000's rounded 2.74 billion is not used
    row = one(table, "aid_funds_per_beneficiary", inputs="003-aid-funds-2018-2019 003-beneficiaries")
    assert row["bound"] == "upper_bound"
    assert row["upper"] == pytest.approx(2.7445e9 / 300_000)  # 27.44亿 ± 0.005亿 over 30多万 → 9,148.3
    assert row["value"] == pytest.approx(2.744e9 / 300_000)  # 9,146.7 from the printed numbers
    assert pd.isna(row["lower"])
    assert metrics.describe_row(row) == "at most 9,148 yuan per person"
    assert has_note(row, "upper_bound_from", figure="003-beneficiaries")  # "30多万": more than 300,000
    assert has_note(row, "most_precise_statement", figure="003-aid-funds-2018-2019", rounded="000-aid-funds-2018-2019")
    assert rows(table, "aid_funds_per_beneficiary", uses="000-aid-funds-2018-2019").empty


def test_funds_per_project(table):
    row = one(table, "aid_funds_per_project", inputs="003-aid-funds-2018-2019 003-projects-2018-2019")
    assert row["value"] == pytest.approx(2.744e9 / 1357)  # ≈ 2,022,108 yuan
    assert (row["lower"], row["upper"]) == pytest.approx((2.7435e9 / 1357, 2.7445e9 / 1357))
    # 2011: the 70 million that went to the 32 projects, not the 80 million that also paid interest subsidies
    early = one(table, "aid_funds_per_project", period="2011")
    assert early["value"] == pytest.approx(70e6 / 32)  # 2.1875 million
    assert early["inputs"] == "002-project-investment-donor-2011 002-projects-2011"
    assert has_note(early, "project_funds_only", figure="002-project-investment-donor-2011", total="002-aid-funds-2011")


def test_funds_per_person_trained_or_employed(table):
    row = one(table, "training_funds_per_trainee", period="2011")
    assert row["value"] == pytest.approx(5e6 / 648)  # ≈ 7,716 yuan
    employed = one(table, "aid_funds_per_person_employed", scope="beijing-inner-mongolia")
    assert employed["value"] == pytest.approx(2.744e9 / 60_422)  # 27.44亿 / 60,422 ≈ 45,414
    tianjin = one(table, "aid_funds_per_person_employed", scope="tianjin-assisted")
    assert tianjin["bound"] == "upper_bound"  # "more than 45,000" people
    assert tianjin["upper"] == pytest.approx(1_296_948_500 / 45_000)
    # all aid funds over one programme's head-count: kept, flagged, never a headline
    for metric in ("aid_funds_per_person_trained", "aid_funds_per_person_employed"):
        found = rows(table, metric)
        assert len(found) >= 1 and not found["headline"].any()
        assert all(has_note(r, "not_like_for_like") for _, r in found.iterrows())


def test_funds_per_paired_poor_county(table):
    # the 31 counties are a stock stated in May 2020; the 2018-2019 funds are divided by it
    two_years = one(table, "aid_funds_per_poor_county", period="2018/2019")
    assert two_years["value"] == pytest.approx(2.744e9 / 31)  # ≈ 88.5 million yuan
    assert two_years["inputs"] == "003-aid-funds-2018-2019 000-poor-counties"
    assert has_note(two_years, "per_poor_county") and has_note(two_years, "one_briefing_two_reports")
    tianjin = one(table, "aid_funds_per_poor_county", scope="tianjin-assisted")
    assert tianjin["value"] == pytest.approx(1_296_948_000 / 50)  # ≈ 25.9 million yuan
    # the 2011 funds are not divided by counties counted nine years later
    assert rows(table, "aid_funds_per_poor_county", period="2011").empty


def test_period_relations():
    assert vocabulary.relate("2018/2019", "2020-05", "within_a_year")
    assert not vocabulary.relate("2018/2019", "2020-05", "overlap")
    assert not vocabulary.relate("2011", "2020-05", "within_a_year")
    assert vocabulary.relate("2022-05", "2022", "overlap")


# ---- growth ---------------------------------------------------------------------------------------
def test_amount_implied_by_stated_growth(table):
    row = one(table, "implied_by_growth", scope="beijing-inner-mongolia")
    assert row["period"] == "2019"
    assert row["value"] == pytest.approx(1.756e9 / 1.146)  # ≈ 1.5323 billion
    assert (row["lower"], row["upper"]) == pytest.approx((1.7555e9 / 1.1465, 1.7565e9 / 1.1455))


def test_amount_implied_by_total_minus_other_year(table):
    row = one(table, "implied_by_total", scope="beijing-inner-mongolia", period="2018")
    assert row["value"] == pytest.approx(2.744e9 - 1.756e9 / 1.146)  # ≈ 1.2117 billion, from 27.44亿
    assert "003-aid-funds-2018-2019" in row["inputs"].split()


def test_cagr_2011_to_2020_with_comparability_note(table):
    row = one(table, "cagr", period="2011/2020")
    assert row["value"] == pytest.approx((1.756e9 / 80e6) ** (1 / 9) - 1)  # ≈ 40.9% a year
    assert row["lower"] == pytest.approx((1.7555e9 / 80.5e6) ** (1 / 9) - 1)
    assert has_note(row, "basis_differs", basis_b="fiscal assistance at all levels")  # not like for like
    assert one(table, "multiple", period="2011/2020")["value"] == pytest.approx(1.756e9 / 80e6)  # 21.95


def test_year_on_year_uses_implied_years_and_skips_the_circular_pair(table):
    row = one(table, "yoy_change", period="2018/2019")
    implied_2019 = 1.756e9 / 1.146
    assert row["value"] == pytest.approx(implied_2019 / (2.744e9 - implied_2019) - 1)  # ≈ +26.5%
    # 2019 → 2020 would only give back the stated 14.6%
    assert rows(table, "yoy_change", period="2019/2020").empty


def test_annual_average_is_explicit_and_two_year_spans_never_enter_growth_directly(table):
    avg = one(table, "annual_average", inputs="003-aid-funds-2018-2019")
    assert avg["value"] == pytest.approx(2.744e9 / 2)
    growth = table[table["metric"].isin(["yoy_change", "multiple", "cagr"])]
    assert all(len(p.split("/")) == 2 and len(p) == 9 for p in growth["period"])


# ---- poverty exit --------------------------------------------------------------------------------
def test_poverty_exit_shares(table):
    assert one(table, "poor_counties_exited_share", scope="tianjin-assisted")["value"] == pytest.approx(47 / 50)
    assert one(table, "poor_villages_exited_share")["value"] == pytest.approx(3787 / 3904)
    registered = one(table, "registered_poor_exited_share")
    assert registered["value"] == pytest.approx((3_365_000 - 79_500) / 3_365_000)  # 97.64%
    assert registered["formula"] == "(registered_poor - registered_poor_remaining) / registered_poor"  # RATES'
    assert has_note(registered, "uses_corrected", figure="001-registered-poor-2020")
    assert registered["period"] == "2014/2020"  # cumulative since registration, not a 2020 figure
    im = one(table, "poor_counties_exited_share", scope="beijing-inner-mongolia")
    assert im["value"] == 1.0 and im["bound"] == "exact"  # 31 of 31
    assert im["period"] == "2020-05"  # "currently", at the article's date


# ---- shares --------------------------------------------------------------------------------------
def test_explicit_shares(table):
    industrial = one(table, "share_aid_funds_industrial_in_aid_funds")
    assert industrial["value"] == pytest.approx(2.07e9 / 2.744e9)  # 75.44%, over the precise 27.44亿
    in_beijing = one(table, "share_employed_poor_in_donor_in_employed_poor")
    assert in_beijing["value"] == pytest.approx(2573 / 60422)  # 4.26%; both from 003, the seed giving 60,422
    assert in_beijing["inputs"] == "003-employed-poor-in-donor 003-employed-poor"
    donor = one(table, "share_project_investment_donor_in_project_investment")
    assert donor["value"] == pytest.approx(70 / 329)
    cash = one(table, "share_social_donations_cash_in_social_donations")
    assert cash["value"] == pytest.approx(1.64 / 27.78)


def test_shares_from_part_of_in_indicators(table):
    # loan_interest_subsidies is declared part_of aid_funds in indicators.csv; no explicit spec exists
    assert "share_loan_interest_subsidies_in_aid_funds" not in {getattr(s, "id", "") for s in CATALOGUE}
    row = one(table, "share_loan_interest_subsidies_in_aid_funds")
    assert row["value"] == pytest.approx(10e6 / 80e6)


# ---- unit costs ----------------------------------------------------------------------------------
def test_unit_costs(table):
    aid = one(table, "cost_per_hearing_aid")
    assert aid["value"] == pytest.approx(6_140_000 / 2069)  # ≈ 2,967.6 yuan
    assert (aid["lower"], aid["upper"]) == pytest.approx((6_135_000 / 2069, 6_145_000 / 2069))
    assert one(table, "cost_per_hearing_aid_recipient")["value"] == pytest.approx(6_140_000 / 1149)
    assert one(table, "cost_per_prosthesis_recipient")["value"] == pytest.approx(1_000_000 / 652)
    credit = one(table, "microcredit_per_borrower")
    assert credit["bound"] == "lower_bound" and pd.isna(credit["upper"])
    assert credit["lower"] == pytest.approx(25e9 / 573_000)  # 43,630.0
    assert metrics.describe_row(credit) == "at least 43,630 yuan per person"
    assert one(table, "trainees_per_session")["value"] == pytest.approx(26_180 / 593)
    assert one(table, "cadres_per_session")["value"] == pytest.approx(648 / 16)  # 2011 only


def test_cadres_are_not_divided_by_sessions_of_another_training(table):
    # 003's 43 sessions were classes for poor households, its 308 cadres trained in Beijing: not combined
    assert not rows(table, "cadres_per_session", uses="003-horqin-left-middle-trained-cadres").shape[0]


# ---- targets -------------------------------------------------------------------------------------
def test_target_implied_by_completion_rate(table):
    row = one(table, "target_implied_by_completion")
    assert row["value"] == pytest.approx(31.33e6 / 1.038)  # ≈ 30.18 million
    assert (row["lower"], row["upper"]) == pytest.approx((31.325e6 / 1.0385, 31.335e6 / 1.0375))
    assert has_note(row, "consistent_with_stated", figure="004-employment-target-2022")  # "more than 30million"


def test_completion_rate_against_a_more_than_target(table):
    row = one(table, "target_completion")
    assert row["bound"] == "upper_bound"
    assert row["upper"] == pytest.approx(31.335e6 / 30e6)  # at most 104.45%
    assert has_note(row, "uses_target", figure="004-employment-target-2022")
    # the source states 103.8%: the bound is not a competing value
    assert has_note(row, "stated_in_source", figure="004-employment-target-completion-2022") and not row["headline"]


# ---- matching rules on small frames -------------------------------------------------------------------
def frame(*rows_: dict) -> pd.DataFrame:
    base = {"seed": "000_x.txt", "quote": "", "qualifier": "exact", "scope": "s", "location": "", "period": "2020",
            "nature": "actual", "basis": "", "status": "ok", "same_as": "", "note": "", "unit": "yuan"}  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows_])


def test_flagged_figures_never_feed_a_metric():
    data = frame(
        {"id": "a", "printed": "614万元", "value": 6.14e6, "indicator": "hearing_aid_spending"},
        {"id": "b", "printed": "2069个", "value": 2069.0, "indicator": "hearing_aids", "unit": "item"},
    )
    assert len(compute(data, pd.DataFrame())) == 1
    data.loc[1, "status"] = "flagged"
    assert compute(data, pd.DataFrame()).empty


def test_same_seed_combinations_are_preferred():
    data = frame(
        {"id": "000-f", "printed": "2.74 billion", "value": 2.74e9, "indicator": "aid_funds"},
        {"id": "003-f", "seed": "003_x.txt", "printed": "27.44亿", "value": 2.744e9, "indicator": "aid_funds"},
        {"id": "003-p", "seed": "003_x.txt", "printed": "1357", "value": 1357.0, "indicator": "projects",
         "unit": "project"},
    )  # fmt: skip
    out = compute(data, pd.DataFrame())
    assert list(out["inputs"]) == ["003-f 003-p"]  # 000-f with 003-p would mix sources


def test_cross_seed_combination_is_kept_with_a_note_when_it_is_the_only_one():
    data = frame(
        {"id": "000-f", "printed": "2.74 billion", "value": 2.74e9, "indicator": "aid_funds"},
        {"id": "003-p", "seed": "003_x.txt", "printed": "1357", "value": 1357.0, "indicator": "projects",
         "unit": "project"},
    )  # fmt: skip
    out = compute(data, pd.DataFrame())
    assert list(out["inputs"]) == ["000-f 003-p"]
    assert has_note(out.iloc[0], "mixes_sources", seeds="000, 003")


def test_periods_and_locations_must_match():
    data = frame(
        {"id": "a", "printed": "100万元", "value": 1e6, "indicator": "prosthesis_spending", "location": "X"},
        {"id": "b", "printed": "652", "value": 652.0, "indicator": "prosthesis_recipients", "unit": "person",
         "location": "Y"},
        {"id": "c", "printed": "600", "value": 600.0, "indicator": "prosthesis_recipients", "unit": "person",
         "period": "2019", "location": "X"},
    )  # fmt: skip
    assert compute(data, pd.DataFrame()).empty


def test_basis_difference_is_noted_for_one_indicator_over_time():
    data = frame(
        {"id": "a", "printed": "80 million", "value": 80e6, "indicator": "aid_funds", "period": "2011",
         "basis": "municipal funds"},
        {"id": "b", "printed": "1.756 billion", "value": 1.756e9, "indicator": "aid_funds", "period": "2013",
         "basis": "all levels"},
    )  # fmt: skip
    out = compute(data, pd.DataFrame())
    cagr = out[out["metric"] == "cagr"].iloc[0]
    assert has_note(cagr, "basis_differs", basis_a="municipal funds", basis_b="all levels")
    assert cagr["value"] == pytest.approx((1.756e9 / 80e6) ** 0.5 - 1)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=1e5, max_value=1e10),
    st.floats(min_value=-0.5, max_value=2.0),
    st.integers(min_value=2, max_value=12),
)
def test_a_series_growing_at_rate_r_has_cagr_r(start, r, years):
    end = start * (1 + r) ** years
    data = frame(
        {"id": "a", "printed": "1", "value": start, "indicator": "aid_funds", "period": "2000"},
        {"id": "b", "printed": "1", "value": end, "indicator": "aid_funds", "period": str(2000 + years)},
    )
    out = compute(data, pd.DataFrame())
    cagr = out[out["metric"] == "cagr"].iloc[0]
    assert cagr["value"] == pytest.approx(r, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1000, max_value=99999), st.integers(min_value=-500, max_value=3000))
def test_implied_base_reproduces_the_stated_growth(amount_digits, growth_tenths):
    amount, growth = amount_digits * 1e5, growth_tenths / 1000  # e.g. 1.756 billion, 14.6%
    data = frame(
        {"id": "a", "printed": f"{amount_digits / 1e4:.4f} billion", "value": amount, "indicator": "aid_funds"},
        {"id": "g", "printed": f"{growth_tenths / 10:.1f}%", "value": growth, "indicator": "aid_funds_growth",
         "unit": "fraction"},
    )  # fmt: skip
    out = compute(data, pd.DataFrame())
    base = out[out["metric"] == "implied_by_growth"].iloc[0]
    assert base["period"] == "2019"
    assert amount / base["value"] - 1 == pytest.approx(growth, abs=1e-12)
    assert base["lower"] <= base["value"] <= base["upper"]


def test_titles_name_indicators_by_their_title_not_their_id(table, real):
    figures, indicators = real
    ids = set(indicators["id"])
    for lang in words.LANGS:
        for cell in table["title_code"]:
            title = words.word_notes(cell, lang)
            assert title and not any(part in ids for part in title.replace("：", ": ").split(": ")), title
    growth = {words.word_notes(cell, "en") for cell in table.loc[table["family"] == "growth", "title_code"]}
    assert "Fiscal assistance funds: compound annual growth rate" in growth


# ---- scaling: indexes and caches change the speed, never the rows --------------------------------------
def _copy_to_scope(figures: pd.DataFrame, scope: str, new_scope: str, suffix: str) -> pd.DataFrame:
    copy = figures[figures["scope"] == scope].copy()
    copy["scope"] = new_scope
    copy["id"] = copy["id"] + suffix
    copy["same_as"] = [link + suffix if link else "" for link in copy["same_as"]]
    return copy


def test_a_scope_copied_under_a_new_id_gets_the_same_rows(real, table):
    figures, indicators = real
    copy = _copy_to_scope(figures, "beijing-inner-mongolia", "copy-of-beijing", "-copy")
    both = compute(pd.concat([figures, copy], ignore_index=True), indicators)
    original = table[table["scope"] == "beijing-inner-mongolia"].reset_index(drop=True)
    copied = both[both["scope"] == "copy-of-beijing"].reset_index(drop=True)
    assert len(original) > 50
    # Same rows in the same order, only the ids carry the suffix (no match crosses scopes).
    expected = original.assign(
        scope="copy-of-beijing", inputs=[" ".join(i + "-copy" for i in ids.split()) for ids in original["inputs"]]
    )
    copied = copied.assign(notes=copied["notes"].str.replace("-copy", "", regex=False))
    pd.testing.assert_frame_equal(copied, expected)
    # The real scopes are untouched by the copy.
    pd.testing.assert_frame_equal(both[both["scope"] != "copy-of-beijing"].reset_index(drop=True), table)


def test_operands_built_a_column_at_a_time_equal_those_built_row_by_row(real):
    figures = real[0]
    odd = frame(
        {"id": "a", "printed": "5 million", "value": 5e6, "indicator": "aid_funds", "location": None},
        {"id": "b", "printed": "47", "value": 47.0, "indicator": "poor_counties", "basis": math.nan, "unit": "county",
         "qualifier": None, "nature": None, "status": math.nan},
    )  # fmt: skip
    for data in (figures, odd):
        by_column = metrics.figure_operands(data)
        by_row = [metrics.operand_from_row(row) for _, row in data.iterrows()]
        assert by_column == by_row
        # Every field set, in declaration order, as the dataclass constructor sets them.
        assert all(list(a.__dict__) == list(b.__dict__) for a, b in zip(by_column, by_row, strict=True))
    assert (by_column[1].qualifier, by_column[1].nature, by_column[1].status) == ("exact", "actual", "ok")
    assert by_column[0].location == "" and by_column[1].basis == ""


# ---- one row per fact; structured notes worded in both languages -------------------------------------
def test_a_recomputed_stated_figure_is_paired_not_a_headline(table):
    from eastwest import audit  # noqa: PLC0415

    checked = set(audit.run(*_real_data())["stated"])
    restating = [r for _, r in table.iterrows() if has_note(r, "stated_in_source")]
    assert {r["metric"] for r in restating} >= {"poor_counties_exited_share", "registered_poor_exited_share"}
    for row in restating:
        assert not row["headline"]
        figure = next(n["figure"] for n in notes(row) if n["code"] == "stated_in_source")
        assert figure in checked, f"{figure} is not paired with its recomputation in the audit"
    assert table["headline"].sum() > 30


def test_every_note_code_has_a_message_in_both_languages(table, real):
    assert words.missing_translations() == []
    emitted = {n["code"] for cell in table["notes"] for n in json.loads(cell)}
    assert emitted <= set(metrics.NOTE_CODES), emitted - set(metrics.NOTE_CODES)
    titles = {n["code"] for cell in table["title_code"] for n in json.loads(cell)}
    assert titles <= metrics.title_codes(real[1])
    for code in set(metrics.NOTE_CODES) | metrics.title_codes(real[1]):
        assert words.has(f"note.{code}"), f"note.{code} has no message"


def test_every_row_is_worded_in_both_languages(table):
    worded = words.add_note_texts(table)
    assert (worded.loc[table["notes"] != "[]", "note"] != "").all()
    assert (worded.loc[table["notes"] != "[]", "note_zh"] != "").all()
    assert "{" not in "".join(worded["note"]) + "".join(worded["note_zh"])
    cagr = worded[(table["metric"] == "cagr") & (table["period"] == "2011/2020")].iloc[0]
    assert "fiscal assistance at all levels" in cagr["note"] and "口径不一致" in cagr["note_zh"]
