"""The report sections in both languages: what readers see, and no English in the Chinese edition."""

from __future__ import annotations

import re

import pytest

from eastwest import paths, report, sections

# Latin words a Chinese page may show outside quotes and ids: proper names and file formats.
ALLOWED_LATIN = {"make", "report", "data", "seeds", "txt", "csv", "pdf", "html", "id", "ids", "xinhua", "sohu",
                 "eastmoney", "hellosat", "cn", "lwxsd", "com"}  # fmt: skip
INTERNAL_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def data():
    return report.load(paths.DATA)


def every_section(data, lang: str) -> str:
    items: list = [sections.title_block(data, "00_brief", lang)]
    items += sections.key_findings(data, "brief", lang)
    items += sections.exit_comparison(data, lang) + sections.coverage_section(data, lang)
    items += sections.funding_comparison(data, lang) + sections.trust_box(data, lang)
    items += sections.cited_figures(data, items, lang)
    for scope in sections.scopes_with_data(data):
        items += sections.key_findings(data, f"scope.{scope}", lang)
        for part in sections.body_parts():
            items += sections.body_section(data, scope, part, lang)
        items += sections.intensity_section(data, scope, lang) + sections.sources_section(data, lang, scope)
        items += sections.figures_appendix(data, lang, scope) + sections.metrics_appendix(data, lang, scope)
    for status in ("corrected", "flagged"):
        items += sections.status_section(data, status, lang)
    items += sections.agreement_section(data, lang) + sections.checks_section(data, lang)
    items += sections.about_section(data, lang, report.self_checks(data), {"data_dir": "../data", "lang": lang})
    return "\n".join(str(item) for item in items if isinstance(item, report.Html))


def reader_text(html: str) -> str:
    """Text a reader reads as the report's own words: quotes, code, figure ids and formulas removed."""
    html = re.sub(r'<span class="quote"[^>]*>.*?</span>', " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    html = re.sub(r'<a href="#fig-[^"]*">[^<]*</a>', " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"“[^”]*”", " ", text)  # printed words quoted inside a note (“2.07 trillion yuan”)


def test_no_english_leaks_into_the_chinese_edition(data):
    text = reader_text(every_section(data, "zh"))
    latin = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w.lower() not in ALLOWED_LATIN]
    assert not latin, f"English in the Chinese edition: {sorted(set(latin))[:30]}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reader_text_shows_no_internal_names(data, lang):
    names = INTERNAL_NAME.findall(reader_text(every_section(data, lang)))
    assert not names, sorted(set(names))[:20]


def test_english_quotes_are_marked_and_glossed_in_chinese(data):
    row = data.figures[data.figures["id"] == "000-aid-funds-2020"].iloc[0].to_dict()
    html = str(sections.quote_html(data, row, "zh"))
    assert "英文原文" in html and "机器翻译" in html
    assert 'class="gloss"' in html and "本报告译文" in html
    chinese = data.figures[data.figures["seed"].str.startswith("003")].iloc[0].to_dict()
    assert "英文原文" not in str(sections.quote_html(data, chinese, "zh"))


def test_one_row_per_fact_uses_the_most_precise_statement(data):
    rows = sections.compact_rows(data, data.figures[data.figures["indicator"] == "aid_funds"], "en")
    two_years = [r for r in rows if r["period"] == "2018–2019" and "Inner Mongolia" not in r["what"]]
    assert any(r["value"].startswith("2.744 billion") for r in two_years), two_years


def test_a_stated_share_shows_its_recomputation_in_the_same_row(data):
    tianjin = sections.scope_figures(data, "tianjin-assisted")
    rows = sections.compact_rows(data, tianjin[tianjin["indicator"] == "poor_counties_exited_share"], "en")
    assert rows and "✓" in rows[0]["value"] and rows[0]["value"].startswith("94%")


def test_the_brief_lists_every_figure_its_numbers_link_to(data):
    shown = sections.key_findings(data, "brief", "en") + sections.money_section(data, "beijing-inner-mongolia", "en")
    html = "\n".join(str(i) for i in sections.cited_figures(data, shown, "en"))
    for finding in sections.findings.for_report(data, "brief", "en"):
        for value in finding.values.values():
            for figure_id in value.ids:
                assert f'id="fig-{figure_id}"' in html
    chart = next(item for item in shown if not isinstance(item, report.Html))
    assert set(sections.linked_ids([chart])) >= {"000-aid-funds-2020", "002-aid-funds-2011"}


def test_each_caveat_is_said_once_under_its_table(data):
    items = sections.metrics_appendix(data, "en", "beijing-inner-mongolia")
    html = "\n".join(str(item) for item in items)
    notes = re.findall(r"<li>(.*?)</li>", html.split('class="table-notes"')[1], flags=re.S)
    assert notes and len(notes) == len(set(notes))
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", html.split('class="table-notes"')[0])}
    assert marks == set(range(1, len(notes) + 1))
