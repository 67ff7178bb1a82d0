"""Executed notebooks → reader-facing HTML and PDF. Pure functions: they return text or bytes.

HTML (`notebook_to_html`): nbconvert's `basic` template renders the cells (code hidden), wrapped in
our own page shell, so nothing is fetched when the file is opened: no require.js, no MathJax, no
CDN. The Vega runtime (vega + vega-lite + vega-embed, from vl-convert) is inlined once in the
head, and each chart is a <div> plus one `vegaEmbed` call; the chart's SVG sits in a <noscript>
for readers without JavaScript, and a link under it holds the chart's data as CSV (a data: URI).
Tables of class `appendix` get a filter box and sortable headers from a small script of our own
(eastwest/table_tools.js). Chart ids are numbered in document order, so the same notebook always
gives the same bytes.

Languages: every page function takes `lang` ("en" or "zh"). It sets `<html lang>` ("en",
"zh-Hans"), words the page furniture from eastwest/messages/pages.toml (running heads, cover,
contents, index, download link, table tools) and links the same page in the other edition:
English pages live in reports/, Chinese ones in reports/zh/ under the same file names. Chinese
text is set in Noto Sans / Serif CJK SC with full-width punctuation and no hyphenation (BASE_CSS).

PDF (`notebook_to_pdf`, `combined_pdf`): the same cells, with each chart's SVG inlined instead of
its spec, laid out by WeasyPrint on A4 with page numbers, Noto CJK fonts embedded and PDF dates
taken from the data package's `created` (`pdf_bytes` dates the embedded font subsets by it too), so a
rebuild gives the same file. Tables get fixed column
widths computed here (`fix_table_widths`), which spares WeasyPrint measuring every cell twice.
A report is laid out once (`report_document`); its pages give its own PDF and, unchanged, its
part of the combined PDF (`combined_document`: a contents page, then each report's pages).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime
import functools
import html
import io
import json
import os
import posixpath
import re
import string
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import nbformat
import vl_convert
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from eastwest import atomic
from eastwest import words as wording

# The same values as eastwest.charts.VEGALITE_MIME_TYPE and SVG_MIME_TYPE (a test checks). Not
# imported from there: eastwest.charts imports altair and pandas, which rendering does not need.
VEGALITE_MIME_TYPE = "application/vnd.vegalite.v5+json"
SVG_MIME_TYPE = "image/svg+xml"

HIDDEN_TAGS = {"parameters", "injected-parameters", "hide", "remove-cell"}
VEGA_MIME_TYPES = {VEGALITE_MIME_TYPE} | {
    f"application/vnd.vegalite.v{n}{suffix}" for n in range(3, 7) for suffix in ("+json", ".json")
}

FONT_STACK = '"Noto Sans CJK SC", "Noto Sans", sans-serif'

BASE_CSS = f"""
html {{ font-family: {FONT_STACK}; font-size: 15px; line-height: 1.5; color: #1b1b1b;
  font-variant-east-asian: proportional-width; }}
/* CJK fonts draw “quotes” full-width; proportional widths suit English text, Chinese keeps its own. */
:lang(zh) {{ font-variant-east-asian: normal; }}
/* Chinese text: CJK faces first (Simplified forms), full-width punctuation (above), no Latin-style
   hyphenation. Headings in the serif face, as in a printed brief. A Latin passage inside Chinese text
   (lang="en") gets the proportional widths and manual hyphenation back. */
:lang(zh) {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; hyphens: none; -webkit-hyphens: none;
  word-break: normal; overflow-wrap: break-word; }}
:lang(zh) h1, :lang(zh) h2, :lang(zh) h3, :lang(zh) .cover-title {{
  font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; }}
:lang(en) {{ font-variant-east-asian: proportional-width; hyphens: manual; }}
/* Browsers: strict kinsoku (no closing punctuation or small kana at a line start). WeasyPrint 70
   has no line-break property; Pango's UAX #14 line breaking already keeps ，。、；：？！）》” off
   a line start, so print needs no rule (and this one sits in a screen block WeasyPrint skips). */
@media screen {{ :lang(zh) {{ line-break: strict; }} }}
body {{ max-width: 72rem; margin: 0 auto; padding: 1.5rem; }}
h1 {{ font-size: 1.8rem; line-height: 1.25; margin: 0 0 .3rem; }}
h2 {{ font-size: 1.3rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }}
h3 {{ font-size: 1.1rem; }}
.anchor-link {{ display: none; }}
.title-block .scope {{ font-size: 1.25rem; font-weight: bold; margin: 0; }}
.title-block .meta {{ color: #555; margin-top: .2rem; }}
table.data {{ border-collapse: collapse; width: 100%; table-layout: auto; margin: .6rem 0;
  font-size: .85rem; overflow-wrap: anywhere; word-wrap: break-word; }}
table.data th, table.data td {{ border-bottom: 1px solid #ddd; padding: .25rem .4rem; text-align: left;
  vertical-align: top; }}
table.data th {{ background: #f2f2f2; }}
table.headline td strong {{ font-size: 1rem; }}
strong.figure, td.c-period {{ white-space: nowrap; }}
code {{ font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", monospace; font-size: .8em;
  overflow-wrap: anywhere; }}
p.source {{ font-size: .78rem; color: #444; margin: .2rem 0 1rem; }}
ul.footnotes {{ font-size: .78rem; color: #333; padding-left: 1.2rem; }}
p.empty {{ font-style: italic; color: #555; }}
sup.mark {{ color: #a00; }}
.chart {{ margin: .8rem 0 .2rem; max-width: 100%; }}
@media screen {{ .chart {{ overflow-x: auto; }} }}
.chart svg {{ max-width: 100%; height: auto; }}
.output_stderr, .output_stream {{ display: none; }}
nav.index li {{ margin: .5rem 0; }}
nav.lang-switch {{ text-align: right; font-size: .85rem; margin: 0 0 .5rem; }}
p.chart-data {{ font-size: .78rem; margin: 0 0 .8rem; }}
.table-tools {{ font-size: .85rem; margin: .6rem 0 .2rem; }}
.table-tools input {{ font: inherit; padding: .15rem .3rem; min-width: 16rem; }}
.table-tools .count {{ margin-left: .6rem; color: #555; }}
table.appendix th[aria-sort] {{ cursor: pointer; }}
table.appendix th[aria-sort="ascending"]::after {{ content: " ▲"; font-size: .7em; }}
table.appendix th[aria-sort="descending"]::after {{ content: " ▼"; font-size: .7em; }}
tr:target {{ background: #fff4c2; }}
section.key-findings ol {{ padding-left: 1.4rem; }}
section.key-findings li {{ margin: .35rem 0; }}
a.v {{ color: inherit; text-decoration: underline dotted #1f4e79; text-underline-offset: .15em; }}
aside.box {{ background: #f3f6f9; border-left: 4px solid #1f4e79; padding: .4rem 1rem .6rem; margin: 1rem 0; }}
aside.box h3 {{ margin: .3rem 0; }}
aside.box ul {{ padding-left: 1.1rem; margin: .2rem 0; }}
.gloss {{ color: #444; font-size: .92em; }}
.mark-lang {{ color: #666; font-size: .85em; white-space: nowrap; }}
p.note {{ font-size: .85rem; color: #444; }}
.table-notes {{ font-size: .8rem; color: #333; }}
.table-notes p {{ margin: .3rem 0 0; font-weight: bold; }}
.table-notes ol {{ margin: .2rem 0 1rem; padding-left: 1.6rem; }}
"""

PRINT_CSS_TEMPLATE = """
@page { size: A4; margin: 18mm 15mm 20mm 15mm;
  @bottom-left { content: string(report-title) " · " string(report-scope); font-size: 8pt; color: #777;
    width: 75%; }
  @bottom-right { content: RUNNING_HEAD; font-size: 9pt; color: #555;
    width: 25%; text-align: right; } }
html { font-size: 10pt; }
body { max-width: none; padding: 0; }
h1 { string-set: report-title content(); }
h1[data-bookmark] { bookmark-label: attr(data-bookmark); }
.title-block .scope { string-set: report-scope content(); }
h2, h3, h2 + p, h3 + p { page-break-after: avoid; break-after: avoid; }
/* Long tables may continue on the next page, but only between rows, with the header repeated. */
figure, .chart, svg, tr, ul.footnotes li, p.source, .title-block { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
table.data { table-layout: auto; }
table.data.fixed { table-layout: fixed; }
table.wide { font-size: 7.5pt; }
.chart svg { max-width: 100%; height: auto; }
.report + .report { page-break-before: always; break-before: page; }
@page cover { @bottom-left { content: none; } @bottom-right { content: none; } }
.cover { page: cover; page-break-after: always; padding-top: 60mm; }
.cover-title { font-size: 24pt; font-weight: bold; line-height: 1.2; margin-bottom: 4mm; }
p.contents { font-size: 13pt; font-weight: bold; margin-top: 20mm; }
ol.contents li { margin: 2mm 0; }
ol.contents a { color: inherit; text-decoration: none; }
ol.contents a::after { content: leader(".") target-counter(attr(href), page); }
ol.contents a[data-page]::after { content: leader(".") attr(data-page); }
"""

HTML_LANG = {"en": "en", "zh": "zh-Hans"}
COUNTERS = {"page": "counter(page)", "pages": "counter(pages)"}


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def running_head(lang: str) -> str:
    """The CSS `content` of the page-number foot, from the message page.running_head."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(wording.template("page.running_head", lang)):
        if literal:
            parts.append(_css_string(literal))
        if field:
            parts.append(COUNTERS[field])
    return " ".join(parts)


def print_css(lang: str = "en") -> str:
    """The print style sheet for `lang` (only the running foot differs)."""
    return PRINT_CSS_TEMPLATE.replace("RUNNING_HEAD", running_head(lang))


# ---- cells → body ----------------------------------------------------------------------------------


def _hidden(cell: NotebookNode) -> bool:
    return bool(HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", [])))


def _script_json(spec: object) -> str:
    """JSON safe to put inside <script>: no '<', '>' or '&' can end or open an element."""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _svg_for(data: Mapping) -> str:
    svg = data.get(SVG_MIME_TYPE)
    if isinstance(svg, list):
        svg = "".join(svg)
    if svg:
        return _strip_xml_prolog(str(svg))
    spec = next((data[m] for m in VEGA_MIME_TYPES if m in data), None)
    if spec is None:
        return ""
    from eastwest.charts import register_fonts  # noqa: PLC0415 - altair is slow to import

    register_fonts()
    return _strip_xml_prolog(vl_convert.vegalite_to_svg(spec))


def _strip_xml_prolog(svg: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)


def _transform_outputs(nb: NotebookNode, mode: str, lang: str = "en") -> NotebookNode:
    """A copy of `nb` without hidden cells, streams or prompts, with charts as HTML for `mode`.

    mode "html": a div + vegaEmbed call (SVG in <noscript>); mode "pdf": the SVG inline.
    """
    nb = copy.deepcopy(nb)
    cells = []
    counter = 0
    for cell in nb.cells:
        if _hidden(cell):
            continue
        if cell.cell_type == "code":
            outputs = []
            for output in cell.get("outputs", []):
                if output.output_type == "stream":
                    continue
                if output.output_type in ("display_data", "execute_result"):
                    data = output.get("data", {})
                    spec_type = next((m for m in VEGA_MIME_TYPES if m in data), None)
                    if spec_type is not None or SVG_MIME_TYPE in data:
                        counter += 1
                        chart_html = _chart_html(data, spec_type, counter, mode, lang)
                        outputs.append(nbformat.v4.new_output("display_data", data={"text/html": chart_html}))
                        continue
                    if "text/html" not in data and set(data) <= {"text/plain"}:
                        continue  # bare reprs (e.g. of a None) are noise for readers
                    output = nbformat.v4.new_output(
                        "display_data", data={k: v for k, v in data.items() if k != "application/javascript"}
                    )
                outputs.append(output)
            cell.outputs = outputs
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    return nb


def _chart_html(data: Mapping, spec_type: str | None, number: int, mode: str, lang: str = "en") -> str:
    svg = _svg_for(data)
    if mode == "pdf" or spec_type is None:
        return f'<div class="chart" id="chart-{number}">{svg}</div>'
    spec = data[spec_type]
    if isinstance(spec, str):
        spec = json.loads(spec)
    return (
        f'<div class="chart" id="chart-{number}"><noscript>{svg}</noscript></div>\n'
        f'<script type="text/javascript">vegaEmbed("#chart-{number}", {_script_json(spec)}, '
        '{"actions": false, "renderer": "svg"}).catch(function (e) { console.error(e); });</script>'
        + _csv_link(spec, number, lang)
    )


# ---- chart data as CSV -------------------------------------------------------------------------------
# eastwest.charts names the inline dataset a reader may download and its columns in the spec's
# usermeta ({"eastwest": {"csv": {"dataset": ..., "columns": [...]}}}). Other specs offer the
# first inline dataset found, with those of the default columns it has.

CSV_COLUMNS = ("label", "period", "start", "end", "value", "lower", "upper", "unit", "kind", "value_text", "ids")


def _datasets(spec: object, found: dict[str, list]) -> dict[str, list]:
    """Every inline dataset of a spec (nested views too), by name ("" for unnamed ones)."""
    if isinstance(spec, Mapping):
        for name, values in (spec.get("datasets") or {}).items():
            found.setdefault(name, values)
        data = spec.get("data")
        if isinstance(data, Mapping) and isinstance(data.get("values"), list):
            found.setdefault(str(data.get("name", "")), data["values"])
        for value in spec.values():
            _datasets(value, found)
    elif isinstance(spec, list):
        for item in spec:
            _datasets(item, found)
    return found


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def chart_csv(spec: Mapping) -> str | None:
    """The chart's data as CSV text (header + one line per row), or None when it has none."""
    meta = ((spec.get("usermeta") or {}).get("eastwest") or {}).get("csv") or {}
    datasets = _datasets(spec, {})
    rows = datasets.get(meta.get("dataset", "")) or next(
        (values for values in datasets.values() if values and isinstance(values[0], Mapping)), None
    )
    if not rows:
        return None
    columns = [c for c in meta.get("columns") or CSV_COLUMNS if any(c in row for row in rows)]
    if not columns:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _csv_link(spec: Mapping, number: int, lang: str) -> str:
    """A download link holding the chart's data as a data: URI (works offline)."""
    text = chart_csv(spec)
    if text is None:
        return ""
    uri = "data:text/csv;charset=utf-8," + urllib.parse.quote("\ufeff" + text)  # BOM: spreadsheets read UTF-8
    label = html.escape(wording.text("page.csv_download", lang))
    return f'\n<p class="chart-data"><a download="chart-{number}.csv" href="{uri}">{label}</a></p>'


@functools.cache
def _exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def notebook_body(nb: NotebookNode, *, mode: str = "html", lang: str = "en") -> str:
    """The cells of an executed notebook as an HTML fragment (no <html>/<head>)."""
    if mode not in ("html", "pdf"):
        raise ValueError(f"mode must be 'html' or 'pdf', not {mode!r}")
    body, _ = _exporter().from_notebook_node(_transform_outputs(nb, mode, wording.check_lang(lang)))
    # nbconvert marks cells with their notebook ids; readers need none of them.
    return re.sub(r' id="cell-id=[^"]*"', "", body)


@functools.cache
def vega_runtime(cache_dir: Path | str | None = None) -> str:
    """vega + vega-lite + vega-embed as one script (sets window.vegaEmbed), safe inside <script>.

    vl-convert assembles the bundle on each call (about 1.5 s). With `cache_dir`, the bundle is
    kept there in a file named after the vl-convert version, so later processes read it instead.
    """
    path = None
    if cache_dir is not None:
        version = getattr(vl_convert, "__version__", "") or "unknown"
        path = Path(cache_dir) / f"vega-runtime-{re.sub(r'[^0-9A-Za-z.+-]', '_', version)}.js"
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    if path is not None:
        with contextlib.suppress(OSError):  # a cache only: not keeping it costs time, not output
            atomic.write_text(path, bundle, durable=False)
    return bundle


def _page(title: str, body: str, *, head: str = "", css: str = BASE_CSS, lang: str = "en", tail: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{HTML_LANG[wording.check_lang(lang)]}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n{tail}</body>\n</html>\n"
    )


# ---- the other edition ---------------------------------------------------------------------------
# English pages live in reports/, Chinese ones in reports/zh/, with the same file names.

OTHER_LANG = {"en": "zh", "zh": "en"}


def other_edition_href(page_name: str, lang: str) -> str:
    """The relative link from page `page_name` of edition `lang` to the same page of the other."""
    name = urllib.parse.quote(Path(page_name).name)
    return f"zh/{name}" if wording.check_lang(lang) == "en" else f"../{name}"


def language_switch(href: str, lang: str) -> str:
    """A link to the other edition, labelled in that edition's language."""
    other = OTHER_LANG[wording.check_lang(lang)]
    return (
        f'<nav class="lang-switch"><a href="{html.escape(href, quote=True)}" hreflang="{HTML_LANG[other]}" '
        f'lang="{HTML_LANG[other]}" title="{html.escape(wording.text("page.switch.title", lang), quote=True)}">'
        f"{html.escape(wording.text('page.switch.label', lang))}</a></nav>"
    )


# ---- sortable, filterable appendix tables ----------------------------------------------------------
# HTML only: a small script of our own (eastwest/table_tools.js, no network) gives every
# table.appendix a filter box and sortable headers; rows keep their ids, so #fig-… links still land.

_APPENDIX_TABLE = re.compile(r'<table\b[^>]*\bclass="[^"]*\bappendix\b')


def table_tools_script(lang: str) -> str:
    texts = {
        "locale": HTML_LANG[wording.check_lang(lang)],
        "filter": wording.text("page.table.filter", lang),
        "placeholder": wording.text("page.table.placeholder", lang),
        "count": wording.template("page.table.count", lang),
        "sort": wording.text("page.table.sort", lang),
    }
    code = Path(__file__).with_name("table_tools.js").read_text(encoding="utf-8")
    code = code.replace("TEXTS", _script_json(texts), 1).replace("</script", "<\\/script")
    return f'<script type="text/javascript">\n{code}</script>\n'


def notebook_to_html(
    nb: NotebookNode,
    *,
    title: str,
    lang: str = "en",
    other_href: str | None = None,
    runtime_cache: Path | str | None = None,
    page_name: str | None = None,
) -> str:
    """Self-contained, deterministic HTML for a reader: code hidden, charts interactive, each
    chart's data as a CSV link, appendix tables sortable and filterable, a link to the page in
    the other language: `other_href`, or computed from `page_name` (the file name, e.g.
    "01-overview.html"); with neither, no link."""
    body = notebook_body(nb, mode="html", lang=lang)
    head = ""
    if "vegaEmbed(" in body:
        head = f'<script type="text/javascript">{vega_runtime(runtime_cache)}</script>\n'
    if other_href is None and page_name:
        other_href = other_edition_href(page_name, lang)
    switch = language_switch(other_href, lang) + "\n" if other_href else ""
    tail = table_tools_script(lang) if _APPENDIX_TABLE.search(body) else ""
    return _page(title, f'{switch}<main class="report">\n{body}\n</main>', head=head, lang=lang, tail=tail)


# ---- PDF ------------------------------------------------------------------------------------------------


def _pdf_head(created: str) -> str:
    stamp = html.escape(created or "")
    if not stamp:
        return ""
    return f'<meta name="dcterms.created" content="{stamp}">\n<meta name="dcterms.modified" content="{stamp}">\n'


# ---- print tables: fixed column widths -------------------------------------------------------
# WeasyPrint's automatic table layout measures every cell's minimum and maximum width with Pango
# before laying the table out (a third of the time of a table-heavy report), and then shares the
# width in proportion to the longest lines, which gives short values ("70 million yuan") three
# lines while long id lists get the room. For print, each table.data gets `table-layout: fixed`
# and explicit column widths computed here: every column at least as wide as its longest word
# (and its unbreakable text: values, periods), then the rest handed out where it saves the most
# lines, estimated with the fonts' advance widths. The HTML pages keep the browser's layout.

PAGE_WIDTH_PT = (210 - 30) * 72 / 25.4  # A4 less the left and right page margins (PRINT_CSS)
CELL_PADDING_PT = 2 * 0.4 * 10  # .4rem each side, html font-size 10pt in print
TABLE_FONT_PT = {"data": 0.85 * 10, "wide": 7.5}  # table.data font-size .85rem; table.wide 7.5pt
CODE_SCALE = 0.8  # code { font-size: .8em }
HEADLINE_STRONG_PT = 10  # table.headline td strong { font-size: 1rem }
_TABLE = re.compile(r'<table class="(data(?: [^"]*)?)">(.*?)</table>', re.S)
_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)  # rows may carry ids (#fig-…)
_CELL = re.compile(r"<(t[hd])\b([^>]*)>(.*?)</t[hd]>", re.S)
_TOKEN = re.compile(r"<[^>]*>|[^<]+")
_NOWRAP_CELLS = ("c-period",)  # td.c-period { white-space: nowrap } (BASE_CSS)


@functools.cache
def _font(style: str):
    """A Pillow font for measuring advance widths (None when Pillow or the font is missing)."""
    import subprocess  # noqa: PLC0415

    pattern = {"regular": "Noto Sans CJK SC", "bold": "Noto Sans CJK SC:bold", "mono": "Noto Sans Mono CJK SC"}[style]
    try:
        from PIL import ImageFont  # noqa: PLC0415

        found = subprocess.run(
            ["fc-match", "-f", "%{file}:%{index}", pattern], capture_output=True, text=True, timeout=10
        ).stdout
        file, _, index = found.rpartition(":")
        return ImageFont.truetype(file, size=1000, index=int(index or 0))
    except Exception:  # noqa: BLE001 - fall back to estimates
        return None


@functools.cache
def _char_em(char: str, style: str) -> float:
    """Advance width of a character in em (estimated when no font can be read)."""
    font = _font(style)
    if font is not None:
        try:
            return font.getlength(char) / 1000
        except Exception:  # noqa: BLE001
            pass
    if "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or "\u3000" <= char <= "\u303f":
        return 1.0
    if style == "mono":
        return 0.5
    if char.isupper() or char in "—→":
        return 0.68
    if char.isdigit() or char.islower():
        return 0.56
    return 0.35 if char in " .,;:'()[]|!-" else 0.7


def _text_pt(text: str, style: str, size: float) -> float:
    return sum(_char_em(ch, style) for ch in text) * size * 1.03  # 3% margin for kerning and rounding


_BREAK = re.compile(r"(?<=[-/])|(?<=[\u2e80-\u9fff\uff00-\uffef])|(?=[\u2e80-\u9fff\uff00-\uffef])")


def _cell_lines(content: str, size: float, nowrap: bool, strong_size: float | None = None) -> list[list[tuple]]:
    """The cell as lines (split at <br>) of words: (width in pt, whether a space comes before it,
    whether it cannot break at all). `strong_size`: the font size of <strong> text, if not `size`.

    Words break where Pango may break them: at spaces, after hyphens and slashes and around
    Chinese characters; a whole cell with white-space: nowrap, or a strong.figure, is one word.
    """
    lines: list[list[tuple[float, bool]]] = [[]]
    bold, code, keep, in_strong = False, 0, False, False
    space_before = joined = False
    for token in _TOKEN.findall(content):
        if token.startswith("<"):
            tag = re.match(r"</?\s*([A-Za-z0-9]+)", token)
            name, closing = (tag.group(1).lower() if tag else ""), token.startswith("</")
            if name == "br":
                lines.append([])
                space_before = joined = False
            elif name == "code":
                code += -1 if closing else 1
            elif name in ("strong", "b", "th"):
                bold = not closing
                keep = not closing and name == "strong" and "figure" in token
                in_strong = not closing and name == "strong"
            continue
        face = "mono" if code > 0 else ("bold" if bold else "regular")
        size_here = strong_size if in_strong and strong_size else size
        size_here *= CODE_SCALE if code > 0 else 1
        unbreakable = nowrap or keep
        text = html.unescape(token)
        for piece in [text] if unbreakable else re.split(r"(\s+)", text):
            if not piece:
                continue
            if piece.isspace():
                space_before, joined = True, False
                continue
            parts = [piece] if unbreakable else [part for part in _BREAK.split(piece) if part]
            for n, part in enumerate(parts):
                width = _text_pt(part, face, size_here)
                if n == 0 and joined and lines[-1] and not space_before:
                    last, spaced, hard = lines[-1][-1]
                    lines[-1][-1] = (last + width, spaced, hard or unbreakable)
                else:
                    lines[-1].append((width, space_before and bool(lines[-1]), unbreakable))
                space_before = False
            joined = True
    return [line for line in lines if line] or [[]]


SHORT_COLUMNS = (0.1, 0.14, 0.18)  # tried: columns whose longest line fits this share never wrap


WORDS_SHARE = 0.85  # at most this share of the width goes to keeping the longest words whole


def _cap(values: list[float], total: float) -> list[float]:
    """`values` with the largest lowered to one level, so that they sum to `total`."""
    low, high = 0.0, max(values)
    for _ in range(50):
        middle = (low + high) / 2
        if sum(min(v, middle) for v in values) > total:
            high = middle
        else:
            low = middle
    return [min(v, low) for v in values]


def _line_width(words: list[tuple[float, bool]], space: float) -> float:
    return sum(width + (space if spaced and n else 0.0) for n, (width, spaced, _) in enumerate(words))


def _count_lines(lines: list[list[tuple[float, bool]]], width: float, space: float) -> int:
    """Lines a cell takes at `width` (pt, without padding), wrapping greedily at its words."""
    count = 0
    for words in lines:
        count += 1
        used = 0.0
        for word, spaced, _ in words:
            gap = space if spaced and used else 0.0
            if used and used + gap + word > width:
                count += 1
                used, gap = 0.0, 0.0
            if word > width:  # broken anywhere (overflow-wrap: anywhere)
                extra = int(word // width)
                count += extra
                used = word - extra * width
            else:
                used += gap + word
    return count


def _table_lines(rows: list[list[list]], widths: list[float], space: float) -> int:
    return sum(
        max((_count_lines(lines, width + 0.01, space) for lines, width in zip(row, widths, strict=False)), default=1)
        for row in rows
    )


def _share(total: float, low: list[float], high: list[float]) -> list[float]:
    """CSS 2.1 automatic layout: each at least `low`; up to `high` in proportion to `high - low`;
    beyond `high` (room to spare) in proportion to `high`."""
    if sum(high) <= total:
        return [h + (total - sum(high)) * h / sum(high) for h in high] if sum(high) > 0 else low
    if sum(low) >= total:
        return [total * x / sum(low) for x in low]
    spread = [h - x for x, h in zip(low, high, strict=True)]
    return [x + (total - sum(low)) * d / sum(spread) for x, d in zip(low, spread, strict=True)]


def _column_widths(rows: list[list[list]], total: float, space: float) -> list[float]:
    """Widths (pt, padding included) for the columns of `rows` (first row: headers) summing to `total`.

    Each column is at least as wide as its longest word (a word longer than a third of the table,
    such as a long id, may break instead). Columns whose longest line is short (a period, a value,
    "yes") get that width, so they never wrap; the long-text columns share the rest as the
    automatic layout would. A header may take two lines.
    """
    columns = max(len(row) for row in rows)
    inner = total - columns * CELL_PADDING_PT
    if inner <= columns:
        return [total / columns] * columns
    longest_word = [0.0] * columns
    longest_line = [0.0] * columns
    unbreakable = [0.0] * columns  # nowrap text (periods, headline values) cannot break even anywhere
    for number, row in enumerate(rows):
        for c, lines in enumerate(row):
            for words in lines:
                if not words:
                    continue
                longest_word[c] = max(longest_word[c], max(w for w, _, _ in words))
                unbreakable[c] = max([unbreakable[c]] + [w for w, _, hard in words if hard])
                line = _line_width(words, space)
                longest_line[c] = max(longest_line[c], line / 2 if number == 0 and len(rows) > 1 else line)
    if sum(unbreakable) >= inner:
        return [total * (CELL_PADDING_PT + u) / sum(CELL_PADDING_PT + x for x in unbreakable) for u in unbreakable]
    low = [max(min(word, inner / 3), inner / 40) for word in longest_word]
    if sum(low) > WORDS_SHARE * inner:  # the longest words break (anywhere) before the short ones do
        low = _cap(low, WORDS_SHARE * inner)
    low = [max(x, u + 1.0 if u else 0.0) for x, u in zip(low, unbreakable, strict=True)]  # 1 pt: rounding
    high = [max(line, x) for line, x in zip(longest_line, low, strict=True)]
    candidates = [_share(inner, low, high)]
    if sum(high) > inner:
        for limit in SHORT_COLUMNS:
            short = [c for c in range(columns) if high[c] <= limit * inner]
            long = [c for c in range(columns) if c not in short]
            rest = inner - sum(high[c] for c in short)
            if short and long and rest >= sum(low[c] for c in long):
                widths = list(high)
                for c, width in zip(long, _share(rest, [low[c] for c in long], [high[c] for c in long]), strict=True):
                    widths[c] = width
                candidates.append(widths)
    # The candidate giving the shortest table (in estimated lines); the automatic layout's on a tie.
    widths = min(candidates, key=lambda widths: _table_lines(rows, widths, space))
    return [CELL_PADDING_PT + w for w in widths]


def _fix_table(match: re.Match) -> str:
    classes, inside = match.group(1), match.group(2)
    size = TABLE_FONT_PT["wide"] if "wide" in classes.split() else TABLE_FONT_PT["data"]
    strong_size = HEADLINE_STRONG_PT if "headline" in classes.split() else None
    rows = []
    for row in _ROW.findall(inside):
        cells = []
        for tag, attributes, content in _CELL.findall(row):
            nowrap = any(f'"{name}"' in attributes or f"{name} " in attributes for name in _NOWRAP_CELLS)
            content = f"<th>{content}" if tag == "th" else content  # headers are bold
            cells.append(_cell_lines(content, size, nowrap, strong_size))
        if cells:
            rows.append(cells)
    if not rows:
        return match.group(0)
    widths = _column_widths(rows, PAGE_WIDTH_PT, _text_pt(" ", "regular", size))
    total = sum(widths)
    cols = "".join(f'<col style="width: {100 * w / total:.2f}%">' for w in widths)
    return f'<table class="{classes} fixed"><colgroup>{cols}</colgroup>{inside}</table>'


def fix_table_widths(body: str) -> str:
    """Every table.data in `body` with `table-layout: fixed` widths (class "fixed" + <colgroup>)."""
    return _TABLE.sub(_fix_table, body)


def print_html(
    parts: Sequence[tuple[str, NotebookNode]],
    *,
    title: str,
    created: str,
    cover: bool,
    anchor: str | None = None,
    lang: str = "en",
) -> str:
    """The HTML WeasyPrint lays out: each notebook's cells with charts as inline SVG.

    With `cover`, a first page with the title and the contents (linked, with page numbers).
    `anchor` names the id of a single report's section (`report-<anchor>`), by which a contents
    page laid out separately links to it (see `combined_document`).
    """
    sections = []
    if cover:
        items = "".join(
            f'<li><a href="#report-{n}">{html.escape(part_title)}</a></li>'
            for n, (part_title, _) in enumerate(parts, start=1)
        )
        sections.append(_cover_section(title, created, items, lang))
    for number, (part_title, nb) in enumerate(parts, start=1):
        body = fix_table_widths(notebook_body(nb, mode="pdf", lang=lang))
        if len(parts) > 1:
            body = _prefix_ids(body, f"r{number}-")
        # The report's first heading is its bookmark; name it by the part title (which tells the
        # scope reports apart) rather than by the heading text they share.
        body = body.replace("<h1", f'<h1 data-bookmark="{html.escape(part_title, quote=True)}"', 1)
        section_id = f"report-{anchor}" if anchor is not None and len(parts) == 1 else f"report-{number}"
        sections.append(f'<section class="report" id="{html.escape(section_id, quote=True)}">\n{body}\n</section>')
    return _page(title, "\n".join(sections), head=_pdf_head(created), css=BASE_CSS + print_css(lang), lang=lang)


def _cover_section(title: str, created: str, items: str, lang: str = "en") -> str:
    dated = f"<p>{html.escape(wording.text('page.cover_data', lang, date=created[:10]))}</p>" if created else ""
    return (
        f'<section class="cover"><p class="cover-title">{html.escape(title)}</p>{dated}'
        f'<p class="contents">{html.escape(wording.text("page.contents", lang))}</p>'
        f'<ol class="contents">{items}</ol></section>'
    )


def _prefix_ids(body: str, prefix: str) -> str:
    """Make element ids (and links to them) unique when several reports share one document."""
    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', body)
    return re.sub(r'\bhref="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', body)


def html_document(document: str):  # -> weasyprint.Document
    """`document` laid out by WeasyPrint: pages that can be written as they are, or combined."""
    import weasyprint  # noqa: PLC0415 - heavy import, only for PDFs

    return weasyprint.HTML(string=document, base_url=None).render()


def pdf_bytes(document, created: str) -> bytes:
    """A laid-out document's PDF, the same bytes for the same pages whenever it is written.

    WeasyPrint embeds subsets of the fonts, and fontTools stamps each subset's `head.modified` with
    the time it is written, unless SOURCE_DATE_EPOCH says otherwise. It is set here, while writing,
    to the data package's `created` (the PDF's own dates); a SOURCE_DATE_EPOCH already set is kept.
    """
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = previous or str(_epoch(created))
    try:
        return document.write_pdf()
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]


def _epoch(created: str) -> int:
    """Seconds since 1970 of an ISO date or time (0 when there is none or it cannot be read)."""
    try:
        moment = datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return max(0, int(moment.timestamp()))


def report_document(nb: NotebookNode, *, title: str, created: str, anchor: str | None = None, lang: str = "en"):
    """One executed notebook laid out for A4 (a weasyprint.Document); `pdf_bytes` gives its PDF.

    The same pages serve the report's own PDF and its part of the combined PDF, so each report
    is laid out once. `anchor`: see `print_html`.
    """
    return html_document(print_html([(title, nb)], title=title, created=created, cover=False, anchor=anchor, lang=lang))


def notebook_to_pdf(nb: NotebookNode, *, title: str, created: str, lang: str = "en") -> bytes:
    """A4 PDF of one executed notebook (charts as SVG, page numbers, fonts embedded)."""
    return pdf_bytes(report_document(nb, title=title, created=created, lang=lang), created)


COMBINED_TITLE = "East–West pairing poverty-alleviation cooperation: the complete report"  # = page.combined_title


def combined_document(
    parts: Sequence[tuple[str, str, object]], *, created: str, title: str | None = None, lang: str = "en"
):  # -> weasyprint.Document
    """A cover with the contents, then the pages of each report's document as they were laid out.

    parts: (title, anchor, document) per report, where each document comes from
    `report_document(..., anchor=anchor)`. Nothing is laid out again but the cover, whose page
    numbers are counted here (the cover is page 1). Each report keeps its own page footer
    ("Page 3 of 8" of that report, after its title); the PDF bookmarks give one entry per report
    (its h1) with its headings beneath, and the metadata (title, dates) are the cover's.
    """
    title = title if title is not None else wording.text("page.combined_title", lang)
    items = []
    page = 2
    for part_title, anchor, document in parts:
        items.append(
            f'<li><a href="#report-{html.escape(anchor, quote=True)}" data-page="{page}">'
            f"{html.escape(part_title)}</a></li>"
        )
        page += len(document.pages)
    cover_page = _cover_section(title, created, "".join(items), lang)
    cover = html_document(
        _page(title, cover_page, head=_pdf_head(created), css=BASE_CSS + print_css(lang), lang=lang)
    )
    pages = list(cover.pages) + [p for _, _, document in parts for p in document.pages]
    return cover.copy(pages)


def combined_pdf(
    parts: list[tuple[str, NotebookNode]],
    *,
    created: str,
    title: str | None = None,
    lang: str = "en",
) -> bytes:
    """One PDF of several reports, each starting on a new page; bookmarks follow the h1/h2 headings."""
    documents = [
        (part_title, str(n), report_document(nb, title=part_title, created=created, anchor=str(n), lang=lang))
        for n, (part_title, nb) in enumerate(parts, start=1)
    ]
    return pdf_bytes(combined_document(documents, created=created, title=title, lang=lang), created)


# ---- index ------------------------------------------------------------------------------------------------


def _index_items(entries: Iterable[Mapping[str, str] | Sequence[str]], lang: str, prefix: str = "") -> str:
    items = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            entry = dict(zip(("title", "html", "pdf", "description"), entry, strict=False))
        links = []
        for key in ("html", "pdf", "csv"):
            if entry.get(key):
                href = html.escape(posixpath.normpath(prefix + str(entry[key])), quote=True)
                links.append(f'<a href="{href}">{html.escape(wording.text(f"page.link.{key}", lang))}</a>')
        description = entry.get("description")
        extra = f"<br><span class=\"description\">{html.escape(str(description))}</span>" if description else ""
        items.append(f"<li><strong>{html.escape(str(entry['title']))}</strong> — {' · '.join(links)}{extra}</li>")
    return "\n".join(items)


def index_html(
    entries: Iterable[Mapping[str, str] | Sequence[str]],
    *,
    title: str | None = None,
    lang: str = "en",
    other_entries: Iterable[Mapping[str, str] | Sequence[str]] | None = None,
    other_title: str | None = None,
) -> str:
    """A page linking every report of edition `lang`, then (with `other_entries`) those of the other
    edition, under the heading page.other_edition (its links relative to the other index; this page
    adds the "zh/" or "../" in front). Each entry: {"title", "html", "pdf", optional "csv",
    "description"} or a (title, html, pdf) tuple. Links are relative paths; everything is escaped.
    The language switch at the top links the other edition's index."""
    title = title if title is not None else wording.text("page.index_title", lang)
    prefix = other_edition_href("", lang)
    body = f"<h1>{html.escape(title)}</h1>\n<nav class=\"index\"><ul>\n{_index_items(entries, lang)}\n</ul></nav>"
    if other_entries is not None:
        other = OTHER_LANG[lang]
        heading = html.escape(other_title or wording.text("page.other_edition", lang))
        body += (
            f'\n<section class="other-edition"><h2>{heading}</h2>\n'
            f'<nav class="index" lang="{HTML_LANG[other]}"><ul>\n'
            f"{_index_items(other_entries, other, prefix)}\n</ul></nav></section>"
        )
    return _page(title, language_switch(other_edition_href("index.html", lang), lang) + "\n" + body, lang=lang)
