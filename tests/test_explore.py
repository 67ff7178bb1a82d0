"""eastwest.explore on the real data: tables with readable columns, search, one figure, comparisons, charts."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
import vl_convert

from eastwest import dataset, explore, metrics, params, vocabulary

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_explore.ipynb"


@pytest.fixture(scope="module")
def raw():
    return dataset.load_figures()


def test_figures_have_readable_columns_and_every_row(raw):
    table = explore.figures()
    assert len(table) == len(raw)
    assert {"Figure id", "Indicator title", "Scope title", "Quote", "Curation status", "Publisher"} <= set(table)
    assert not any("_" in column for column in table.columns)
    assert (table["Indicator title"] != "").all() and (table["Publisher"] != "").all()


def test_chinese_titles_where_the_reference_tables_have_them():
    indicators = dataset.load_indicators().set_index("id")
    table = explore.figures(lang="zh").set_index("Figure id")
    row = table.loc["000-aid-funds-2018-2019"]
    assert row["Indicator title"] == indicators.loc["aid_funds", "title_zh"]
    assert row["Scope title"] == dataset.load_scopes().set_index("id").loc["beijing-inner-mongolia", "title_zh"]
    with pytest.raises(ValueError, match="lang 'fr'"):
        explore.figures(lang="fr")


@pytest.mark.parametrize("keyword", ["贫困人口", "POVERTY"])
def test_find_by_keyword_in_either_language(raw, keyword):
    indicators = dataset.load_indicators().set_index("id")
    names = [column for column in ("title", "title_zh") if column in indicators]

    def mentions(row) -> bool:
        words = [row.quote, row.printed, row.note] + [indicators.loc[row.indicator, name] for name in names]
        return keyword.lower() in " ".join(words).lower()

    found = explore.find(keyword)
    expected = [row.id for row in raw.itertuples() if mentions(row)]
    assert len(found) > 0 and found["Figure id"].tolist() == expected


def test_chinese_keyword_finds_the_chinese_quotes(raw):
    found = explore.find("贫困人口", seed="003")
    assert len(found) > 0 and found["Quote"].str.contains("贫困人口").all()


def test_find_combines_criteria(raw):
    found = explore.find(indicator="aid_funds", scope="beijing-inner-mongolia", period="2019", seed="000")
    assert len(found) > 0
    assert set(found["Indicator"]) == {"aid_funds"} and set(found["Scope"]) == {"beijing-inner-mongolia"}
    assert found["Source file"].str.startswith("000").all()
    assert all(vocabulary.relate(period, "2019", "overlap") for period in found["Period"])
    chosen = (raw.indicator == "aid_funds") & (raw.scope == "beijing-inner-mongolia") & raw.seed.str.startswith("000")
    expected = raw[chosen]
    expected = expected[expected.period.map(lambda p: vocabulary.relate(p, "2019", "overlap"))]
    assert sorted(found["Figure id"]) == sorted(expected["id"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"indicator": "aid_fund"}, "did you mean aid_funds"), ({"scope": "beijing"}, "not a scope id"),
     ({"period": "May 2020"}, "is not YYYY")],
)  # fmt: skip
def test_find_refuses_unknown_ids_with_a_hint(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.find(**kwargs)


def test_one_figure_with_its_source_and_every_metric_that_uses_it(raw):
    sources = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))["sources"]
    computed = metrics.compute(raw, dataset.load_indicators())
    figure_id = computed["inputs"].iloc[0].split()[0]  # a figure some metric uses
    card = explore.figure(figure_id)
    row = raw.set_index("id").loc[figure_id]
    assert card.about.loc["Quote", "value"] == row["quote"]
    assert card.about.loc["Source file", "value"] == row["seed"]
    publisher = next(s["publisher"] for s in sources if s["path"].endswith(row["seed"]))
    assert card.about.loc["Publisher", "value"] == publisher
    uses = computed[computed["inputs"].str.split().map(lambda ids: figure_id in ids)]
    assert len(uses) > 0 and card.derived["inputs"].tolist() == uses["inputs"].tolist()
    assert "Derived from it" in card._repr_html_()
    with pytest.raises(ValueError, match="not a figure id"):
        explore.figure("000-no-such-figure")


def test_compare_lists_one_indicator_sorted_by_scope_and_period(raw):
    table = explore.compare("aid_funds")
    assert len(table) == (raw.indicator == "aid_funds").sum()
    assert set(table["Indicator title"]) == {"Fiscal assistance funds"}
    keys = list(zip(raw.set_index("id").loc[table["Figure id"], "scope"], table["Period"], strict=True))
    assert keys == sorted(keys)


def test_chart_of_any_selection():
    one = explore.chart(explore.compare("aid_funds")).to_dict()
    assert one["encoding"]["x"]["field"] == "Period"
    assert [len(rows) for rows in one["datasets"].values()] == [len(explore.compare("aid_funds"))]  # data inline
    tooltips = [t["field"] for t in one["encoding"]["tooltip"]]
    assert "Quote" in tooltips and "Printed" in tooltips
    several = explore.chart(explore.find(scope="tianjin-assisted")).to_dict()
    assert several["facet"]["row"]["field"] == "Indicator title"
    assert several["resolve"]["scale"]["y"] == "independent"
    with pytest.raises(ValueError, match="empty"):
        explore.chart(explore.find("no figure says this"))


def test_indicator_dropdown_compiles_for_vega_lite_5():
    spec = explore.indicator_explorer().to_dict()
    param = spec["params"][0]
    titles = sorted(set(explore.figures()["Indicator title"]))
    assert param["bind"]["input"] == "select" and param["bind"]["options"] == titles
    vega = vl_convert.vegalite_to_vega(spec, vl_version="5.20")
    signal = next(s for s in vega["signals"] if s["name"] == "indicator")
    assert signal["bind"]["input"] == "select"
    assert "<svg" in vl_convert.vegalite_to_svg(spec, vl_version="5.20")


def test_docstring_examples():
    assert doctest.testmod(explore).failed == 0


def test_explore_notebook_is_parameterised_and_not_published():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert params.notebook_parameters(NOTEBOOK) == {"data_dir": '"../data"', "lang": '"en"'}
    assert notebook["metadata"]["eastwest"] == {"publish": False}
    assert notebook["metadata"]["kernelspec"]["name"] == "eastwest"
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code)
    assert all("explore." in "".join(cell["source"]) for cell in code[2:])  # thin: each cell calls explore
