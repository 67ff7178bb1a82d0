"""Report choices as data: eastwest/layout.toml places every family, and a new metric shows in its section."""

from __future__ import annotations

import dataclasses
import json

import pytest

from eastwest import dataset, layout, metrics, paths, report, sections, vocabulary


@pytest.fixture(scope="module")
def data():
    return report.load(paths.DATA)


def test_every_family_is_placed_once():
    descriptor = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    spec_families = {spec.family for spec in metrics.catalogue(dataset.load_indicators())}
    assert spec_families <= set(vocabulary.METRIC_FAMILIES)
    assert layout.unplaced(vocabulary.indicator_families(descriptor), vocabulary.METRIC_FAMILIES) == []


def test_named_metrics_and_indicators_exist():
    plan = layout.plan()
    ids = {spec.id for spec in metrics.catalogue(dataset.load_indicators())}
    assert set(plan.brief_metrics) | set(plan.implied_metrics) <= ids
    assert plan.money_indicator in set(dataset.load_indicators()["id"])


def test_a_family_placed_nowhere_is_named(tmp_path):
    text = layout.LAYOUT_FILE.read_text(encoding="utf-8")
    edited = tmp_path / "layout.toml"
    edited.write_text(text.replace('"shares", ', ""), encoding="utf-8")
    assert layout.unplaced([], vocabulary.METRIC_FAMILIES, layout.read(edited)) == ["metric family shares"]


def test_a_family_placed_twice_or_a_missing_key_is_refused(tmp_path):
    text = layout.LAYOUT_FILE.read_text(encoding="utf-8")
    twice = tmp_path / "layout.toml"
    twice.write_text(text.replace('metric_families = ["poverty_exit"]', 'metric_families = ["poverty_exit", "shares"]'))
    with pytest.raises(layout.LayoutError, match="layout.toml: metric families placed twice: shares"):
        layout.read(twice)
    missing = tmp_path / "missing.toml"
    missing.write_text(text.replace("[money]", "[moneys]"))
    with pytest.raises(layout.LayoutError, match="missing.toml: missing key 'money'"):
        layout.read(missing)


def test_the_self_check_stops_a_report_whose_metric_family_is_placed_nowhere(data):
    assert "check.families_placed" in report.self_checks(data)
    metrics_frame = data.metrics.copy()
    metrics_frame.loc[metrics_frame.index[0], "family"] = "new_family"
    with pytest.raises(report.SelfCheckError, match="check.families_placed failed.*metric family new_family"):
        report.self_checks(dataclasses.replace(data, metrics=metrics_frame))


def test_a_new_metric_of_a_placed_family_appears_in_its_section(data, monkeypatch):
    scope = "beijing-inner-mongolia"
    before = str(sections.intensity_section(data, scope, "en")[2]).count("<tr")
    # Money per paired poor county, once more under a new id (worded with the existing title).
    new = metrics.ratio("aid_funds_per_county_again", "aid_intensity", "yuan per county", "aid_funds", "poor_counties",
                        period="within_a_year", title="title_aid_funds_per_poor_county")  # fmt: skip
    monkeypatch.setattr(metrics, "CATALOGUE", [*metrics.CATALOGUE, new])
    computed = metrics.compute(data.figures, data.indicators)
    added = computed[(computed["metric"] == new.id) & (computed["scope"] == scope) & computed["headline"]]
    assert len(added) > 0
    after = str(sections.intensity_section(dataclasses.replace(data, metrics=computed), scope, "en")[2]).count("<tr")
    assert after == before + len(added)
