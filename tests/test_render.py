"""The reader-facing reports: notebooks executed against the real data, rendered to HTML and PDF.

Each notebook is executed once per session (module-scoped fixtures) with the project's kernel and
rendered once; the tests then read the same outputs. Expected numbers are worked by hand from the
seed texts (arithmetic in the comments), not taken from the code under test.

The notebooks read data/ (parameter `data_dir = "../data"`). EASTWEST_TEST_DATA may name another
data directory (e.g. a candidate data set before it is copied into data/).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from eastwest import charts, paths, render, report

NOTEBOOK_NAMES = ("01_overview", "02_cooperation", "03_data_audit")
BIM = "beijing-inner-mongolia"
CREATED = "2026-11-21T00:00:00Z"
THREE_MB = 3 * 1024 * 1024
SCRIPT = "<script>alert(1)</script>"

DATA_DIR = Path(os.environ.get("EASTWEST_TEST_DATA", paths.DATA))


def execute(name: str, out_dir: Path, **parameters: str) -> nbformat.NotebookNode:
    import papermill

    target = out_dir / f"{name}-{'-'.join(parameters.values()) or 'default'}.ipynb"
    papermill.execute_notebook(
        str(paths.NOTEBOOKS / f"{name}.ipynb"),
        str(target),
        parameters={"data_dir": "../data" if DATA_DIR == paths.DATA else str(DATA_DIR), **parameters},
        kernel_name="eastwest",
        cwd=str(paths.NOTEBOOKS),
        progress_bar=False,
        log_output=False,
    )
    return nbformat.read(target, as_version=4)


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(text.decode("utf-8").split())


def visible_text(document: str) -> str:
    """HTML without tags, scripts and styles, whitespace collapsed, entities decoded."""
    import html

    document = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", document)).split())


def chart_count(nb: nbformat.NotebookNode) -> int:
    return sum(
        charts.VEGALITE_MIME_TYPE in output.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict]:
    """Each notebook executed once (02 for Beijing → Inner Mongolia and for the sparse national
    scope), rendered to HTML, print HTML and PDF, with the PDF's text extracted."""
    out = tmp_path_factory.mktemp("executed")
    runs = {
        "01_overview": ("01_overview", {}),
        "02_cooperation": ("02_cooperation", {"scope": BIM}),
        "02_national": ("02_cooperation", {"scope": "national"}),
        "03_data_audit": ("03_data_audit", {}),
    }
    results = {}
    for key, (name, parameters) in runs.items():
        nb = execute(name, out, **parameters)
        pdf = render.notebook_to_pdf(nb, title=key, created=CREATED)
        results[key] = {
            "nb": nb,
            "html": render.notebook_to_html(nb, title=key),
            "print_html": render.print_html([(key, nb)], title=key, created=CREATED, cover=False),
            "pdf": pdf,
            "pdf_text": pdf_text(pdf, out),
        }
    return results


# ---- headline numbers -------------------------------------------------------------------------

# 000: "2.74 billion yuan" of aid funds in 2018–2019 → at most 2.745e9 yuan; beneficiaries
# "more than 300,000" → at least 300,000. Aid per person helped: at most 2.745e9 / 300,000 = 9,150.
AID_PER_PERSON = "at most 9,150 yuan"
# 000: "1.756 billion yuan of financial assistance" in 2020, stated as printed.
AID_2020 = "1.756 billion yuan"
# 000 / 003: "more than 300,000" = "30多万" people benefiting.
BENEFICIARIES = "more than 300,000 people"


@pytest.mark.parametrize("number", [AID_PER_PERSON, AID_2020, BENEFICIARIES])
def test_headline_numbers_appear_in_html_and_pdf(rendered, number):
    result = rendered["02_cooperation"]
    assert number in visible_text(result["html"])
    assert number in result["pdf_text"]


def test_overview_carries_national_2022_context(rendered):
    # 004: "the number of migrant workers ... has reached 31.33 million" (Jan–May 2022).
    result = rendered["01_overview"]
    assert "31.33 million people" in visible_text(result["html"])
    assert "31.33 million people" in result["pdf_text"]


def test_title_block_names_scope_in_both_languages_and_data_version(rendered):
    text = visible_text(rendered["02_cooperation"]["html"])
    version = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))["version"]
    assert "Beijing → Inner Mongolia" in text
    assert "京蒙扶贫协作" in text
    assert f"Data version {version}" in text


# ---- charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["01_overview", "02_cooperation"])
def test_each_chart_is_a_vega_spec_in_html_and_an_svg_for_print(rendered, key):
    result = rendered[key]
    n = chart_count(result["nb"])
    assert n >= 1, "the report should draw at least one chart"
    assert result["html"].count("vegaEmbed(\"#chart-") == n
    specs = re.findall(r'vegaEmbed\("#chart-\d+", (\{.*?\}), \{"actions"', result["html"])
    assert len(specs) == n
    for spec in specs:
        assert json.loads(spec)["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    body = result["print_html"]
    assert "vegaEmbed" not in body
    assert len(re.findall(r'<div class="chart" id="chart-\d+"><svg', body)) == n


def test_chart_text_is_drawn_in_the_pdf(rendered):
    """SVG text reaches the PDF as text (not paths or tofu): chart titles are extractable."""
    text = rendered["02_cooperation"]["pdf_text"]
    assert "Aid funds by period — Beijing → Inner Mongolia" in text
    assert "How the amount is known" in text


def test_funding_chart_draws_implied_values_apart_from_stated_ones(rendered):
    nb = rendered["02_cooperation"]["nb"]
    specs = [
        output["data"][charts.VEGALITE_MIME_TYPE]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if charts.VEGALITE_MIME_TYPE in output.get("data", {})
    ]
    funding = next(s for s in specs if str(s.get("title", {}).get("text", "")).startswith("Aid funds by period"))
    kinds = {row["kind"] for row in funding["data"]["values"]}
    # 2019 = 1.756e9 / 1.146 is implied (000 states only the 2020 amount and the 14.6% growth).
    assert kinds == {charts.KIND_STATED, charts.KIND_IMPLIED}
    dots = funding["layer"][1]["encoding"]
    assert dots["fill"]["scale"]["range"] == [charts.STATED_COLOUR, "white"]  # filled vs hollow
    assert {t["field"] for t in dots["tooltip"]} >= {"value_text", "qualifier", "quote"}


def test_chart_svg_names_a_cjk_font_weasyprint_has():
    frame = pd.DataFrame(
        [
            {"label": "北京各级财政投入", "period": "2018–2019", "value": 2.744e9, "lower": 2.7435e9,
             "upper": 2.7445e9, "value_text": "2.744 billion yuan", "qualifier": "exact",
             "quote": "北京各级财政投入27.44亿元", "ids": "003-x", "kind": charts.KIND_STATED},
            {"label": "援助", "period": "2020", "value": 1.756e9, "lower": None, "upper": None,
             "value_text": "1.756 billion yuan", "qualifier": "exact", "quote": "q", "ids": "000-y",
             "kind": charts.KIND_STATED},
        ]
    )  # fmt: skip
    svg = charts.to_svg(charts.bar_chart(frame, title="京蒙 aid", unit="yuan", unit_label="yuan"))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert any("北京各级财政投入" in t for t in texts), "Chinese labels stay text, not outlines"
    assert 'font-family="Noto Sans CJK SC' in svg


def test_bars_with_equal_labels_get_their_own_band_and_never_stack():
    # Two measures titled alike for the same period (computed from 000 and from 003 figures) once
    # shared a band, and Vega-Lite stacked them: 104,660 + 104,812 drew a bar at 209,472.
    row = {"label": "Aid funds per poor person trained", "period": "2018–2019", "lower": None, "upper": None,
           "qualifier": "interval", "quote": "q", "ids": "i", "kind": charts.KIND_IMPLIED}  # fmt: skip
    frame = pd.DataFrame([{**row, "value": 104660.0, "value_text": "104,660"},
                          {**row, "value": 104812.0, "value_text": "104,812"}])  # fmt: skip
    spec = charts.bar_chart(frame, title="t", unit="yuan per person").to_dict()
    rows = [r["row"] for r in spec["data"]["values"]]
    assert len(set(rows)) == 2
    assert spec["layer"][0]["encoding"]["x"]["stack"] is None


def test_chart_specs_compile_with_vega_lite_5_for_jupyterlab():
    """The specs travel under the v5 MIME type, so they must not need Vega-Lite 6."""
    import vl_convert

    frame = pd.DataFrame(
        [{"label": "a", "period": "2019", "value": 1.0, "lower": 0.9, "upper": 1.1, "value_text": "1",
          "qualifier": "exact", "quote": "q", "ids": "i", "kind": charts.KIND_IMPLIED, "order": 2019}]
    )  # fmt: skip
    for chart in (charts.funding_chart(frame, title="t"), charts.bar_chart(frame, title="t", unit="yuan")):
        assert "<svg" in vl_convert.vegalite_to_svg(chart.to_dict(), vl_version="5.20")


# ---- self-contained, small, deterministic HTML --------------------------------------------------


@pytest.mark.parametrize("key", ["01_overview", "02_cooperation", "02_national", "03_data_audit"])
def test_html_is_self_contained_small_and_hides_code(rendered, key):
    document = rendered[key]["html"]
    assert len(document.encode("utf-8")) < THREE_MB
    assert not re.search(r"<script[^>]*\bsrc\s*=", document), "no external script"
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?(https?:)?//", document), "no remote stylesheet"
    assert not re.search(r"@import|url\(\s*[\"']?https?:", document)
    assert "require.js" not in document and "MathJax" not in document
    assert 'data_dir = "../data"' not in document, "the parameters cell is hidden"
    assert "report.show(" not in document, "code is hidden"
    assert str(paths.ROOT) not in document, "no absolute paths"


@pytest.mark.parametrize("key", ["01_overview", "02_cooperation", "03_data_audit"])
def test_vega_runtime_is_embedded_once_when_there_are_charts(rendered, key):
    document = rendered[key]["html"]
    runtime_copies = document.count("window.vegaEmbed=")
    assert runtime_copies == (1 if chart_count(rendered[key]["nb"]) else 0)


def test_same_notebook_gives_byte_identical_html_and_pdf(rendered):
    nb = rendered["02_cooperation"]["nb"]
    assert render.notebook_to_html(copy.deepcopy(nb), title="02_cooperation") == rendered["02_cooperation"]["html"]
    assert render.notebook_to_pdf(nb, title="02_cooperation", created=CREATED) == rendered["02_cooperation"]["pdf"]


def test_scope_without_some_sections_says_so_in_one_line(rendered):
    text = visible_text(rendered["02_national"]["html"])
    # 004 (national) has no consumption-assistance figures.
    assert "The sources give no figures on consumption assistance for National" in text


# ---- PDF -------------------------------------------------------------------------------------------


def test_pdf_is_a4_with_page_numbers_embedded_cjk_fonts_and_fixed_dates(rendered, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(rendered["02_cooperation"]["pdf"])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert "CreationDate:    Sat Nov 21 00:00:00 2026" in info
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert any("Noto-Sans-CJK-SC" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows), "every font embedded"
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert f"Page 1 of {pages}" in rendered["02_cooperation"]["pdf_text"]


def test_print_css_keeps_charts_and_rows_whole_and_svg_within_the_page():
    css = render.PRINT_CSS + render.BASE_CSS
    assert "size: A4" in css
    assert re.search(r"\.chart[^{]*\{[^}]*break-inside: avoid", css) or re.search(
        r"\.chart, svg, tr[^{]*\{[^}]*break-inside: avoid", css
    )
    assert ".chart svg { max-width: 100%" in css


def test_combined_pdf_has_one_top_level_bookmark_per_report(rendered, tmp_path):
    import xml.etree.ElementTree as ET

    parts = [
        ("Overview", rendered["01_overview"]["nb"]),
        ("Cooperation report: National", rendered["02_national"]["nb"]),
        ("Data audit", rendered["03_data_audit"]["nb"]),
    ]
    path = tmp_path / "report.pdf"
    path.write_bytes(render.combined_pdf(parts, created=CREATED))
    # pdftohtml -xml lists the PDF outline: <outline><item>report</item><outline>headings</outline>...
    listing = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", str(path)], capture_output=True, check=True
    ).stdout
    top = ET.fromstring(listing).find("outline")
    assert top is not None, "the PDF has bookmarks"
    assert [item.text for item in top.findall("item")] == [title for title, _ in parts]
    nested = top.findall("outline")
    assert len(nested) == len(parts), "section headings are bookmarks below each report"
    assert "Which figures were corrected, and on what evidence?" in [i.text for i in nested[2].iter("item")]
    starts = [int(item.get("page")) for item in top.findall("item")]
    assert starts == sorted(set(starts)), "each report starts on a page of its own"


def test_render_names_the_chart_mime_types_of_charts():
    # render does not import eastwest.charts (altair, pandas); the MIME types must still agree.
    assert (render.VEGALITE_MIME_TYPE, render.SVG_MIME_TYPE) == (charts.VEGALITE_MIME_TYPE, charts.SVG_MIME_TYPE)


@pytest.mark.parametrize("key", ["01_overview", "02_cooperation", "03_data_audit"])
def test_print_tables_have_fixed_column_widths_that_fill_the_page(rendered, key):
    """WeasyPrint's automatic table layout was a third of the layout time: print tables are fixed."""
    body = rendered[key]["print_html"]
    tables = re.findall(r'<table class="(data[^"]*)"><colgroup>(.*?)</colgroup><thead><tr>(.*?)</tr>', body, re.S)
    assert tables and len(tables) == body.count('<table class="data')
    for classes, colgroup, header in tables:
        assert "fixed" in classes.split()
        widths = [float(w) for w in re.findall(r'<col style="width: ([\d.]+)%">', colgroup)]
        assert len(widths) == header.count("<th")
        assert abs(sum(widths) - 100) < 0.1 and min(widths) > 2
    assert "table.data.fixed { table-layout: fixed; }" in render.PRINT_CSS
    assert "table.data.fixed" not in render.BASE_CSS, "web pages keep the browser's automatic layout"


def test_a_column_is_never_narrower_than_its_unbreakable_text():
    rows = [{"what": "Aid funds per person benefiting " * 4, "period": "2018–2019",
             "value": report.Html('<strong class="figure">at most 9,150 yuan per person</strong>'), "ids": "a"}]
    columns = [("what", "What"), ("period", "Period"), ("value", "Value"), ("ids", "Figure ids")]
    page = render.PAGE_WIDTH_PT
    size = render.TABLE_FONT_PT["data"]
    # Headline values are larger (table.headline td strong { font-size: 1rem }).
    for cls, value_size in (("data", size), ("data headline", render.HEADLINE_STRONG_PT)):
        fixed = render.fix_table_widths(str(report.table(rows * 3, columns, cls=cls)))
        widths = [float(w) for w in re.findall(r"width: ([\d.]+)%", fixed)]
        assert widths[1] / 100 * page >= render._text_pt("2018–2019", "regular", size) + render.CELL_PADDING_PT
        value = render._text_pt("at most 9,150 yuan per person", "bold", value_size)
        assert widths[2] / 100 * page >= value + render.CELL_PADDING_PT


def test_combined_pdf_reuses_each_reports_laid_out_pages(rendered):
    parts = [("Overview", "01", rendered["01_overview"]["nb"]), ("National", "02", rendered["02_national"]["nb"])]
    documents = [(t, a, render.report_document(nb, title=t, created=CREATED, anchor=a)) for t, a, nb in parts]
    combined = render.combined_document(documents, created=CREATED)
    assert len(combined.pages) == 1 + sum(len(d.pages) for _, _, d in documents)
    assert combined.pages[1] is documents[0][2].pages[0]
    assert combined.write_pdf() == render.combined_document(documents, created=CREATED).write_pdf()
    # The report's own PDF from the same pages is the PDF of the notebook rendered alone.
    alone = render.notebook_to_pdf(rendered["02_national"]["nb"], title="National", created=CREATED)
    shared = render.report_document(rendered["02_national"]["nb"], title="National", created=CREATED, anchor="02")
    assert len(shared.pages) == pdf_pages(alone)


def pdf_pages(pdf: bytes) -> int:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_vega_runtime_is_cached_on_disk_by_vl_convert_version(tmp_path):
    runtime = render.vega_runtime(tmp_path)
    cached = list(tmp_path.glob("vega-runtime-*.js"))
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == runtime
    assert "window.vegaEmbed=" in runtime and "</script" not in runtime
    cached[0].write_text("cached copy", encoding="utf-8")
    assert render.vega_runtime(str(tmp_path)) == "cached copy"  # read back, not rebuilt


# ---- escaping ---------------------------------------------------------------------------------------


def escaped_fixture() -> report.ReportData:
    """Report data crafted in memory with a quote and a note containing a <script> element.

    Why not a fixture data directory: every quote must be a verbatim substring of its seed, so
    validation (rightly) rejects an altered quote, and bypassing validation would test a state
    the pipeline can never reach. The escaping happens in the report helpers and the renderer,
    so the honest test hands them a crafted frame directly.
    """
    figures = pd.DataFrame(
        [
            {"id": "000-aid-funds-2018-2019", "seed": "000_89601b300f51dc62.txt",
             "quote": f"invested a total of 2.74 billion yuan {SCRIPT}", "printed": "2.74 billion yuan",
             "value": 2.74e9, "unit": "yuan", "qualifier": "exact", "scope": BIM, "location": "",
             "period": "2018/2019", "indicator": "aid_funds", "nature": "actual",
             "basis": "fiscal assistance at all levels", "status": "corrected", "same_as": "",
             "note": f"evidence {SCRIPT}"},
            {"id": "000-aid-funds-2020", "seed": "000_89601b300f51dc62.txt", "quote": "1.756 billion yuan",
             "printed": "1.756 billion yuan", "value": 1.756e9, "unit": "yuan", "qualifier": "exact",
             "scope": BIM, "location": "", "period": "2020", "indicator": "aid_funds", "nature": "actual",
             "basis": "fiscal assistance at all levels", "status": "ok", "same_as": "", "note": ""},
        ]
    )  # fmt: skip
    empty_metrics = pd.DataFrame(
        columns=["metric", "family", "title", "scope", "period", "value", "lower", "upper", "unit",
                 "formula", "inputs", "bound", "note"]
    )  # fmt: skip
    return report.ReportData(
        data_dir=paths.DATA,
        figures=figures,
        metrics=empty_metrics,
        audit=pd.DataFrame(columns=["check", "scope", "period", "stated", "stated_value", "recomputed",
                                    "lower", "upper", "inputs", "formula", "agrees", "note"]),
        scopes=pd.DataFrame([{"id": BIM, "title_en": "Beijing → Inner Mongolia", "title_zh": "京蒙扶贫协作"}]),
        indicators=pd.DataFrame([{"id": "aid_funds", "title": "Aid funds", "family": "funding"}]),
        units=pd.DataFrame([{"id": "yuan", "title": "Yuan", "short_unit": "¥"}]),
        package={"version": "test", "created": CREATED},
    )  # fmt: skip


def test_script_in_a_quote_renders_as_text_in_tables_footnotes_and_charts():
    data = escaped_fixture()
    items = report.funding(data, BIM) + report.status_section(data, "corrected")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    for item in items:
        if isinstance(item, report.Html):
            cell.outputs.append(nbformat.v4.new_output("display_data", data={"text/html": str(item)}))
        else:
            cell.outputs.append(nbformat.v4.new_output("display_data", data=charts.mimebundle(item)))
    nb.cells = [cell]
    document = render.notebook_to_html(nb, title="escape test")
    printed = render.print_html([("escape test", nb)], title="escape test", created=CREATED, cover=False)
    for output in (document, printed):
        assert SCRIPT not in output
        assert "alert(1)" in output, "the text itself is kept"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document  # table cell and footnote
    assert "\\u003cscript\\u003ealert(1)" in document  # inside the chart's JSON (tooltip quote)


def test_index_links_every_report_and_escapes_titles():
    page = render.index_html(
        [
            {"title": "Overview <b>", "html": "01_overview.html", "pdf": "01_overview.pdf"},
            ("Cooperation: Beijing → Inner Mongolia", "02_cooperation-beijing.html", "02_cooperation-beijing.pdf"),
            {"title": "Complete report", "pdf": "report.pdf", "description": 'a "quoted" note'},
            {"title": "Derived metrics", "csv": "metrics.csv"},
        ]
    )  # fmt: skip
    for href in ("01_overview.html", "01_overview.pdf", "02_cooperation-beijing.html", "report.pdf", "metrics.csv"):
        assert f'href="{href}"' in page
    assert "Overview &lt;b&gt;" in page and "<b>" not in page
    assert "&quot;quoted&quot;" in page
    assert "<script" not in page and "http" not in page


# ---- committed notebooks -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_committed_notebook_is_clean_and_parameterised(name):
    nb = nbformat.read(paths.NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "eastwest"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert 'data_dir = "../data"' in code[0].source
    if name == "02_cooperation":
        assert f'scope = "{BIM}"' in code[0].source
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_bounds_read_as_the_sources_allow():
    # more than 300,000 → lower bound only; 2.74 billion → [2.735e9, 2.745e9]; the ratio has only
    # an upper bound: 2.745e9 / 300,000 = 9,150.
    assert report.bounded_text(2.74e9 / 3e5, float("nan"), 2.745e9 / 3e5, "yuan per person") == (
        "at most 9,150 yuan per person"
    )
    assert report.figure_text({"value": 300000, "unit": "person", "qualifier": "more_than"}) == (
        "more than 300,000 people"
    )
    assert report.figure_text({"value": 0.754, "unit": "fraction", "qualifier": "exact"}) == "75.4%"
    assert report.format_period("2022-01/2022-05") == "Jan–May 2022"
    assert report.format_period("2018/2019") == "2018–2019"
