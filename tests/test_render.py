"""Rendering: executed notebooks → HTML and PDF pages in English and Chinese.

The notebooks here are small ones built in the test (a title, a paragraph, an appendix table with
figure anchors, the two kinds of chart), so these tests check the renderer itself: the language of
the page, the link to the other edition, the CSV behind each chart, the sortable appendix tables,
Chinese typesetting and fonts in the PDF, page numbers, bookmarks and fixed table widths. What the
reports say is tested with the reports (tests/test_findings.py and friends).
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from eastwest import charts, render, words

CREATED = "2026-11-21T00:00:00Z"
THREE_MB = 3 * 1024 * 1024
SCRIPT = "<script>alert(1)</script>"
NAN = math.nan

TEXT = {
    "en": {
        "title": "Beijing → Inner Mongolia",
        "para": "Beijing put 2.744 billion yuan into its paired areas over 2018–2019.",
        "headers": ("Figure", "Value", "Quote"),
    },
    "zh": {
        "title": "北京市—内蒙古自治区",
        "para": "2018—2019年，北京市各级财政向内蒙古结对地区投入帮扶资金27.44亿元；2020年投入17.56亿元，"
        "比上年增长14.6%。前两年只公布了合计数，单年数额只能由此推算。“携手奔小康”行动覆盖全部结对县。",
        "headers": ("数据", "数值", "原文"),
    },
}
ROWS = [
    ("fig-000-b", "000-b", "1,357", "the 1,357 projects"),
    ("fig-003-a", "003-a", "27.44亿元", "北京各级财政投入27.44亿元"),
    ("fig-000-c", "000-c", "5,229", "5,229 people"),
]


def money(lang: str) -> pd.DataFrame:
    rows = [(2011, 2011, 7e7, "stated", "001-a"), (2018, 2019, 2.744e9, "stated", "003-a"),
            (2020, 2020, 1.756e9, "stated", "000-d")]  # fmt: skip
    return pd.DataFrame(
        [{"label": "Aid" if lang == "en" else "帮扶资金", "start": s, "end": e, "value": v, "lower": NAN,
          "upper": NAN, "kind": k, "value_text": words.quantity(v, "yuan", lang), "quote": f"q {SCRIPT}", "ids": i}
         for s, e, v, k, i in rows]
    )  # fmt: skip


def appendix_table(lang: str) -> str:
    head = "".join(f"<th>{h}</th>" for h in TEXT[lang]["headers"])
    body = "".join(
        f'<tr id="{anchor}"><td class="c-id">{fid}</td><td class="c-value">{value}</td>'
        f'<td class="c-quote">{quote}</td></tr>'
        for anchor, fid, value, quote in ROWS
    )
    return f'<table class="data appendix"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def notebook(lang: str, *, charts_too: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('data_dir = "../data"', metadata={"tags": ["parameters"]})
    intro = nbformat.v4.new_code_cell("")
    text = TEXT[lang]
    html = (
        f'<h1>{text["title"]}</h1><div class="title-block"><p class="scope">{text["title"]}</p></div>'
        f'<p>{text["para"]} <a href="#fig-003-a">003-a</a></p>'
        f'<p>Quote: <q lang="en">benefiting more than 300,000 people in poverty</q> {SCRIPT.replace("<", "&lt;")}</p>'
    )
    intro.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    cells = [parameters, intro]
    if charts_too:
        chart = nbformat.v4.new_code_cell("")
        source = {"en": "Source: Xinhua", "zh": "资料来源：新华社"}[lang]
        hero = charts.time_chart(money(lang), lang=lang, title=text["title"], source=source, unit="yuan")
        shares = pd.DataFrame([{"label": "exited", "period": "2020-05", "value": 0.94, "lower": NAN, "upper": NAN,
                                "kind": "stated", "value_text": "94%", "quote": "q", "ids": "x"}])  # fmt: skip
        bars = charts.bar_chart(shares, lang=lang, title="t", source=source, unit="fraction")
        chart.outputs = [nbformat.v4.new_output("display_data", data=charts.mimebundle(c)) for c in (hero, bars)]
        cells.append(chart)
    table = nbformat.v4.new_code_cell("")
    table.outputs = [nbformat.v4.new_output("display_data", data={"text/html": appendix_table(lang)})]
    nb.cells = [*cells, table]
    return nb


@pytest.fixture(scope="module")
def pages() -> dict[str, dict]:
    out = {}
    for lang in ("en", "zh"):
        nb = notebook(lang)
        out[lang] = {
            "nb": nb,
            "html": render.notebook_to_html(nb, title=TEXT[lang]["title"], lang=lang, page_name="02-bim.html"),
            "print_html": render.print_html([("t", nb)], title="t", created=CREATED, cover=False, lang=lang),
        }
    return out


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def pdf_facts(pdf: bytes, tmp: Path) -> dict:
    path = tmp / "r.pdf"
    path.write_bytes(pdf)
    return {
        "info": run("pdfinfo", str(path)),
        "fonts": run("pdffonts", str(path)).splitlines()[2:],
        "text": run("pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"),
    }


# ---- language of the page, and the other edition --------------------------------------------------


def test_pages_carry_their_language(pages):
    assert '<html lang="en">' in pages["en"]["html"] and '<html lang="zh-Hans">' in pages["zh"]["html"]
    assert '<html lang="zh-Hans">' in pages["zh"]["print_html"]


def test_each_page_links_the_same_page_in_the_other_edition(pages):
    assert re.search(r'<a href="zh/02-bim.html" hreflang="zh-Hans" lang="zh-Hans"[^>]*>中文版</a>', pages["en"]["html"])
    assert re.search(r'<a href="../02-bim.html" hreflang="en" lang="en"[^>]*>English</a>', pages["zh"]["html"])
    nb = notebook("en", charts_too=False)
    assert 'href="elsewhere.html"' in render.notebook_to_html(nb, title="t", other_href="elsewhere.html")
    assert "<nav class=\"lang-switch\">" not in render.notebook_to_html(nb, title="t"), "no name, no guessed link"
    assert render.other_edition_href("reports/index.html", "zh") == "../index.html"


def test_index_lists_both_editions_and_escapes_titles():
    english = [{"title": "Overview <b>", "html": "01-overview.html", "pdf": "01-overview.pdf"},
               ("Brief", "brief.html", "brief.pdf"), {"title": "Metrics", "csv": "metrics.csv",
                                                       "description": 'a "quoted" note'}]  # fmt: skip
    chinese = [{"title": "概览", "html": "01-overview.html", "pdf": "01-overview.pdf"}]
    en = render.index_html(english, lang="en", other_entries=chinese)
    zh = render.index_html(chinese, lang="zh", other_entries=english)
    for href in ("01-overview.html", "brief.pdf", "metrics.csv", "zh/01-overview.html", "zh/index.html"):
        assert f'href="{href}"' in en
    for href in ("01-overview.html", "../brief.pdf", "../index.html"):
        assert f'href="{href}"' in zh
    assert "<h1>东西部扶贫协作：报告</h1>" in zh and "网页版" in zh and "英文版" in zh
    assert "Overview &lt;b&gt;" in en and "<b>" not in en and "&quot;quoted&quot;" in en
    assert "<script" not in en and "http" not in en


# ---- charts in HTML: interactive, with their data -----------------------------------------------------


def csv_links(document: str) -> list[list[dict]]:
    tables = []
    for uri in re.findall(r'<a download="chart-\d+\.csv" href="([^"]+)"', document):
        assert uri.startswith("data:text/csv;charset=utf-8,")
        text = urllib.parse.unquote(uri.split(",", 1)[1]).removeprefix("\ufeff")
        tables.append(list(csv.DictReader(io.StringIO(text))))
    return tables


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_chart_offers_its_data_as_csv(pages, lang):
    document = pages[lang]["html"]
    assert document.count(words.text("page.csv_download", lang)) == 2
    hero, bars = csv_links(document)
    frame = money(lang)
    assert [row["label"] for row in hero] == list(frame["label"])
    assert [(int(r["start"]), int(r["end"]), float(r["value"])) for r in hero] == list(
        zip(frame["start"], frame["end"], frame["value"], strict=True)
    )
    assert [row["ids"] for row in hero] == list(frame["ids"]) and {row["unit"] for row in hero} == {"yuan"}
    assert list(hero[0]) == list(charts.TIME_CSV_COLUMNS), "no plotting columns (v, label_x, …)"
    assert hero[0]["lower"] == "" and bars[0]["period"] == "2020-05" and float(bars[0]["value"]) == 0.94
    assert "download=" not in pages[lang]["print_html"], "no links in print"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_is_self_contained_and_charts_are_embedded_once(pages, lang):
    document = pages[lang]["html"]
    assert len(document.encode("utf-8")) < THREE_MB
    assert not re.search(r"<script[^>]*\bsrc\s*=", document), "no external script"
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", document), "no remote stylesheet"
    assert not re.search(r"@import|url\(\s*[\"']?https?:", document)
    assert 'data_dir = "../data"' not in document, "the parameters cell is hidden"
    assert document.count("window.vegaEmbed=") == 1 and document.count("vegaEmbed(\"#chart-") == 2
    assert SCRIPT not in document and "\\u003cscript\\u003ealert(1)" in document, "quotes in chart JSON escaped"


def test_same_notebook_gives_byte_identical_html(pages):
    nb = copy.deepcopy(pages["zh"]["nb"])
    assert render.notebook_to_html(nb, title=TEXT["zh"]["title"], lang="zh", page_name="02-bim.html") == (
        pages["zh"]["html"]
    )


def test_render_names_the_chart_mime_types_of_charts():
    # render does not import eastwest.charts (altair, pandas); the MIME types must still agree.
    assert (render.VEGALITE_MIME_TYPE, render.SVG_MIME_TYPE) == (charts.VEGALITE_MIME_TYPE, charts.SVG_MIME_TYPE)


# ---- sortable, filterable appendix tables ------------------------------------------------------------


def test_appendix_tables_get_the_table_script_in_html_only(pages):
    for lang in ("en", "zh"):
        assert "table.appendix" in pages[lang]["html"] and "aria-sort" in pages[lang]["html"]
        assert "<script" not in pages[lang]["print_html"], "print keeps static tables, no script"
    assert words.text("page.table.filter", "zh") in pages["zh"]["html"]
    no_appendix = notebook("en", charts_too=False)
    no_appendix.cells[-1].outputs[0]["data"]["text/html"] = appendix_table("en").replace(" appendix", "")
    assert "<script" not in render.notebook_to_html(no_appendix, title="t")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

# Run in the browser after the page's own scripts: sort by the value column (twice: descending),
# note the order, then filter, then follow a link to a row the filter hides.
ACTIONS = """<script>
var th = document.querySelectorAll("table.appendix th")[1];
th.click();
var up = Array.from(document.querySelectorAll("tbody tr")).map(function (r) { return r.id; });
th.click();
var down = Array.from(document.querySelectorAll("tbody tr")).map(function (r) { return r.id; });
var box = document.querySelector(".table-tools input");
box.value = "5,229"; box.dispatchEvent(new Event("input"));
var hidden = Array.from(document.querySelectorAll("tbody tr[hidden]")).map(function (r) { return r.id; });
var count = document.querySelector(".table-tools .count").textContent;
location.hash = "#fig-003-a"; window.dispatchEvent(new HashChangeEvent("hashchange"));
var after = Array.from(document.querySelectorAll("tbody tr[hidden]")).length;
document.body.setAttribute("data-result", JSON.stringify({up: up, down: down, hidden: hidden, count: count,
  after: after}));
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium to run the table script in")
def test_table_script_sorts_filters_and_keeps_figure_anchors(tmp_path):
    import html
    import json

    page = render.notebook_to_html(notebook("en", charts_too=False), title="t")
    path = tmp_path / "page.html"
    path.write_text(page.replace("</body>", ACTIONS + "</body>"), encoding="utf-8")
    dom = run(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri())
    result = json.loads(html.unescape(re.search(r'data-result="([^"]*)"', dom).group(1)))
    # Values 1,357 · 27.44亿元 · 5,229: numbers sort as numbers (1,357 < 5,229), text after them.
    assert result["up"] == ["fig-000-b", "fig-000-c", "fig-003-a"]
    assert result["down"] == list(reversed(result["up"]))
    assert sorted(result["hidden"]) == ["fig-000-b", "fig-003-a"] and result["count"] == "1 of 3 rows shown"
    assert result["after"] == 0, "following a link to a hidden row clears the filter"


# ---- Chinese typesetting and the PDF -------------------------------------------------------------------


def test_css_sets_chinese_typesetting():
    css = render.BASE_CSS
    zh_rule = re.search(r":lang\(zh\) \{ font-family: \"Noto Sans CJK SC\"[^}]*\}", css).group(0)
    assert "hyphens: none" in zh_rule
    assert re.search(r":lang\(zh\) h1[^{]*\{\s*font-family: \"Noto Serif CJK SC\"", css)
    assert ":lang(zh) { font-variant-east-asian: normal; }" in css, "Chinese punctuation stays full-width"
    assert "@media screen { :lang(zh) { line-break: strict; } }" in css
    assert 'content: "第 " counter(page) " 页，共 " counter(pages) " 页"' in render.print_css("zh")


def font_file(family: str) -> tuple[str, int]:
    found = run("fc-match", "-f", "%{file}:%{index}", family)
    file, _, index = found.rpartition(":")
    return file, int(index or 0)


def test_chinese_pdf_embeds_its_fonts_and_has_every_glyph(tmp_path):
    from fontTools.ttLib import TTCollection, TTFont

    nb = notebook("zh")
    facts = pdf_facts(render.notebook_to_pdf(nb, title="t", created=CREATED, lang="zh"), tmp_path)
    names = " ".join(row.split()[0] for row in facts["fonts"])
    assert "NotoSansCJKsc" in names.replace("-", "") or "Noto-Sans-CJK-SC" in names
    assert "Serif" in names, ":lang(zh) matched zh-Hans: headings in Noto Serif CJK SC"
    assert all(row.split()[-5] == "yes" for row in facts["fonts"]), "every font embedded"
    text = "".join(facts["text"].split())
    for sentence in re.split(r"(?<=。)", TEXT["zh"]["para"]):
        assert "".join(sentence.split()) in text, "the Chinese text is extractable as written"
    assert "第1页，共1页" in text or re.search(r"第\d+页，共\d+页", text)
    assert "年份" in text and "资料来源：新华社" in text, "chart text reaches the PDF as text"
    # No tofu: every character of the text has a glyph in the font that sets it.
    file, index = font_file("Noto Sans CJK SC")
    font = TTCollection(file).fonts[index] if file.endswith(".ttc") else TTFont(file)
    cmap = font.getBestCmap()
    missing = {ch for ch in TEXT["zh"]["para"] + TEXT["zh"]["title"] if ord(ch) not in cmap}
    assert not missing


def test_chinese_lines_never_start_with_closing_punctuation(tmp_path):
    """Pango's line breaking (UAX #14) keeps ，。、；） off a line start; WeasyPrint has no line-break."""
    nb = notebook("zh", charts_too=False)
    long = TEXT["zh"]["para"] * 6
    nb.cells[1].outputs[0]["data"]["text/html"] = f'<div style="width: 61mm"><p>{long}</p></div>'
    text = pdf_facts(render.notebook_to_pdf(nb, title="t", created=CREATED, lang="zh"), tmp_path)["text"]
    lines = [line.strip() for line in text.splitlines() if re.search(r"[\u4e00-\u9fff]", line)]
    assert len(lines) > 10
    assert not [line for line in lines if line[0] in "，。、；：？！）》”"]


def test_english_pdf_is_a4_with_page_numbers_embedded_fonts_and_fixed_dates(tmp_path):
    facts = pdf_facts(render.notebook_to_pdf(notebook("en"), title="t", created=CREATED), tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", facts["info"])
    assert "CreationDate:    Sat Nov 21 00:00:00 2026" in facts["info"]
    assert all(row.split()[-5] == "yes" for row in facts["fonts"])
    pages = int(re.search(r"Pages:\s+(\d+)", facts["info"]).group(1))
    assert f"Page 1 of {pages}" in facts["text"]
    assert "How the number is known" in facts["text"], "chart text is drawn as text"


def test_print_css_keeps_charts_and_rows_whole_and_svg_within_the_page():
    css = render.print_css("en") + render.BASE_CSS
    assert "size: A4" in css
    assert re.search(r"\.chart, svg, tr[^{]*\{[^}]*break-inside: avoid", css)
    assert ".chart svg { max-width: 100%" in css


def test_combined_pdf_has_a_contents_page_in_its_language_and_one_bookmark_per_report(tmp_path):
    import xml.etree.ElementTree as ET

    parts = [("概览", notebook("zh", charts_too=False)), ("北京—内蒙古", notebook("zh"))]
    path = tmp_path / "report.pdf"
    path.write_bytes(render.combined_pdf(parts, created=CREATED, lang="zh"))
    text = run("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert "东西部扶贫协作：完整报告" in text and "目录" in text and "数据版本：2026-11-21" in text
    listing = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(path)], capture_output=True,
                             check=True).stdout  # fmt: skip
    top = ET.fromstring(listing).find("outline")
    assert [item.text for item in top.findall("item")] == [title for title, _ in parts]
    starts = [int(item.get("page")) for item in top.findall("item")]
    assert starts == sorted(set(starts)) and starts[0] == 2, "the cover is page 1"


def test_combined_pdf_reuses_each_reports_laid_out_pages():
    parts = [("A", "01", notebook("en", charts_too=False)), ("B", "02", notebook("en", charts_too=False))]
    documents = [(t, a, render.report_document(nb, title=t, created=CREATED, anchor=a)) for t, a, nb in parts]
    combined = render.combined_document(documents, created=CREATED)
    assert len(combined.pages) == 1 + sum(len(d.pages) for _, _, d in documents)
    assert combined.pages[1] is documents[0][2].pages[0]
    again = render.combined_document(documents, created=CREATED)
    assert render.pdf_bytes(combined, CREATED) == render.pdf_bytes(again, CREATED)


def test_a_pdf_written_later_is_the_same_file(monkeypatch):
    import os
    import time

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    document = render.report_document(notebook("en", charts_too=False), title="A", created=CREATED)
    first = render.pdf_bytes(document, CREATED)
    time.sleep(1.1)  # the embedded font subsets were stamped with the second they were written
    assert render.pdf_bytes(document, CREATED) == first
    assert "SOURCE_DATE_EPOCH" not in os.environ


# ---- print tables ------------------------------------------------------------------------------------


def test_print_tables_have_fixed_column_widths_that_fill_the_page(pages):
    body = pages["en"]["print_html"]
    tables = re.findall(r'<table class="(data[^"]*)"><colgroup>(.*?)</colgroup><thead><tr>(.*?)</tr>', body, re.S)
    assert tables and len(tables) == body.count('<table class="data')
    for classes, colgroup, header in tables:
        assert "fixed" in classes.split()
        widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', colgroup)]
        assert len(widths) == header.count("<th")
        assert abs(sum(widths) - 100) < 0.1 and min(widths) > 2
    assert "table.data.fixed { table-layout: fixed; }" in render.print_css("en")
    assert "table.data.fixed" not in render.BASE_CSS, "web pages keep the browser's automatic layout"


def test_a_column_is_never_narrower_than_its_unbreakable_text_even_in_anchored_rows():
    cells = ('<td class="c-what">' + "Aid funds per person benefiting " * 4 + '</td><td class="c-period">2018–2019</td>'
             '<td><strong class="figure">at most 9,150 yuan per person</strong></td><td>a</td>')  # fmt: skip
    rows = "".join(f'<tr id="fig-{n}">{cells}</tr>' for n in range(3))
    page = render.PAGE_WIDTH_PT
    size = render.TABLE_FONT_PT["data"]
    for cls, value_size in (("data", size), ("data headline", render.HEADLINE_STRONG_PT)):
        table = f'<table class="{cls}"><thead><tr><th>What</th><th>Period</th><th>Value</th><th>Ids</th></tr></thead>'
        fixed = render.fix_table_widths(f"{table}<tbody>{rows}</tbody></table>")
        widths = [float(w) for w in re.findall(r"width: ([\d.]+)%", fixed)]
        assert widths[1] / 100 * page >= render._text_pt("2018–2019", "regular", size) + render.CELL_PADDING_PT
        value = render._text_pt("at most 9,150 yuan per person", "bold", value_size)
        assert widths[2] / 100 * page >= value + render.CELL_PADDING_PT


def test_vega_runtime_is_cached_on_disk_by_vl_convert_version(tmp_path):
    runtime = render.vega_runtime(tmp_path)
    cached = list(tmp_path.glob("vega-runtime-*.js"))
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == runtime
    assert "window.vegaEmbed=" in runtime and "</script" not in runtime
    cached[0].write_text("cached copy", encoding="utf-8")
    assert render.vega_runtime(str(tmp_path)) == "cached copy"  # read back, not rebuilt
