"""Executed notebooks → reader-facing HTML and PDF. Pure functions: they return text or bytes.

HTML (`notebook_to_html`): nbconvert's `basic` template renders the cells (code hidden), wrapped in
our own page shell, so nothing is fetched when the file is opened: no require.js, no MathJax, no
CDN. The Vega runtime (vega + vega-lite + vega-embed, from vl-convert) is inlined once in the
head, and each chart is a <div> plus one `vegaEmbed` call; the chart's SVG sits in a <noscript>
for readers without JavaScript. Chart ids are numbered in document order, so the same notebook
always gives the same bytes.

PDF (`notebook_to_pdf`, `combined_pdf`): the same cells, with each chart's SVG inlined instead of
its spec, laid out by WeasyPrint on A4 with page numbers, Noto CJK fonts embedded and PDF dates
taken from the data package's `created`, so a rebuild gives the same file.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence

import nbformat
import vl_convert
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from eastwest.charts import SVG_MIME_TYPE, VEGALITE_MIME_TYPE

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
"""

PRINT_CSS = """
@page { size: A4; margin: 18mm 15mm 20mm 15mm;
  @bottom-left { content: string(report-title) " · " string(report-scope); font-size: 8pt; color: #777;
    width: 75%; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; color: #555;
    width: 25%; text-align: right; } }
html { font-size: 10pt; }
body { max-width: none; padding: 0; }
h1 { string-set: report-title content(); }
h1[data-bookmark] { bookmark-label: attr(data-bookmark); }
.title-block .scope { string-set: report-scope content(); }
h2, h3 { page-break-after: avoid; break-after: avoid; }
/* Long tables may continue on the next page, but only between rows, with the header repeated. */
figure, .chart, svg, tr, ul.footnotes li, p.source, .title-block { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
table.data { table-layout: auto; }
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
"""


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
    from eastwest.charts import _register_fonts  # noqa: PLC0415

    _register_fonts()
    return _strip_xml_prolog(vl_convert.vegalite_to_svg(spec))


def _strip_xml_prolog(svg: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)


def _transform_outputs(nb: NotebookNode, mode: str) -> NotebookNode:
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
                        chart_html = _chart_html(data, spec_type, counter, mode)
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


def _chart_html(data: Mapping, spec_type: str | None, number: int, mode: str) -> str:
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
    )


@functools.cache
def _exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


def notebook_body(nb: NotebookNode, *, mode: str = "html") -> str:
    """The cells of an executed notebook as an HTML fragment (no <html>/<head>)."""
    if mode not in ("html", "pdf"):
        raise ValueError(f"mode must be 'html' or 'pdf', not {mode!r}")
    body, _ = _exporter().from_notebook_node(_transform_outputs(nb, mode))
    # nbconvert marks cells with their notebook ids; readers need none of them.
    return re.sub(r' id="cell-id=[^"]*"', "", body)


@functools.cache
def vega_runtime() -> str:
    """vega + vega-lite + vega-embed as one script (sets window.vegaEmbed), safe inside <script>."""
    bundle = vl_convert.javascript_bundle()
    return bundle.replace("</script", "<\\/script")


def _page(title: str, body: str, *, head: str = "", css: str = BASE_CSS, lang: str = "en") -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def notebook_to_html(nb: NotebookNode, *, title: str) -> str:
    """Self-contained, deterministic HTML for a reader: code hidden, charts interactive."""
    body = notebook_body(nb, mode="html")
    head = ""
    if "vegaEmbed(" in body:
        head = f'<script type="text/javascript">{vega_runtime()}</script>\n'
    return _page(title, f'<main class="report">\n{body}\n</main>', head=head)


# ---- PDF ------------------------------------------------------------------------------------------------


def _pdf_head(created: str) -> str:
    stamp = html.escape(created or "")
    if not stamp:
        return ""
    return f'<meta name="dcterms.created" content="{stamp}">\n<meta name="dcterms.modified" content="{stamp}">\n'


def print_html(parts: Sequence[tuple[str, NotebookNode]], *, title: str, created: str, cover: bool) -> str:
    """The HTML WeasyPrint lays out: each notebook's cells with charts as inline SVG."""
    sections = []
    if cover:
        items = "".join(
            f'<li><a href="#report-{n}">{html.escape(part_title)}</a></li>'
            for n, (part_title, _) in enumerate(parts, start=1)
        )
        dated = f"<p>Data of {html.escape(created[:10])}</p>" if created else ""
        sections.append(
            f'<section class="cover"><p class="cover-title">{html.escape(title)}</p>{dated}'
            f'<p class="contents">Contents</p><ol class="contents">{items}</ol></section>'
        )
    for number, (part_title, nb) in enumerate(parts, start=1):
        body = notebook_body(nb, mode="pdf")
        if len(parts) > 1:
            body = _prefix_ids(body, f"r{number}-")
        # The report's first heading is its bookmark; name it by the part title (which tells the
        # scope reports apart) rather than by the heading text they share.
        body = body.replace("<h1", f'<h1 data-bookmark="{html.escape(part_title, quote=True)}"', 1)
        sections.append(f'<section class="report" id="report-{number}">\n{body}\n</section>')
    return _page(title, "\n".join(sections), head=_pdf_head(created), css=BASE_CSS + PRINT_CSS)


def _prefix_ids(body: str, prefix: str) -> str:
    """Make element ids (and links to them) unique when several reports share one document."""
    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', body)
    return re.sub(r'\bhref="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', body)


def html_to_pdf(document: str) -> bytes:
    import weasyprint  # noqa: PLC0415 - heavy import, only for PDFs

    return weasyprint.HTML(string=document, base_url=None).write_pdf()


def notebook_to_pdf(nb: NotebookNode, *, title: str, created: str) -> bytes:
    """A4 PDF of one executed notebook (charts as SVG, page numbers, fonts embedded)."""
    return html_to_pdf(print_html([(title, nb)], title=title, created=created, cover=False))


def combined_pdf(
    parts: list[tuple[str, NotebookNode]],
    *,
    created: str,
    title: str = "East–West pairing poverty-alleviation cooperation: the complete report",
) -> bytes:
    """One PDF of several reports, each starting on a new page; bookmarks follow the h1/h2 headings."""
    return html_to_pdf(print_html(parts, title=title, created=created, cover=True))


# ---- index ------------------------------------------------------------------------------------------------


def index_html(
    entries: Iterable[Mapping[str, str] | Sequence[str]], *, title: str = "East–West pairing cooperation: reports"
) -> str:
    """A page linking every report. Each entry: {"title", "html", "pdf", optional "description"}
    or a (title, html, pdf) tuple. Links are relative paths; everything is escaped."""
    items = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            entry = dict(zip(("title", "html", "pdf", "description"), entry, strict=False))
        links = []
        for key, label in (("html", "web page"), ("pdf", "PDF")):
            if entry.get(key):
                links.append(f'<a href="{html.escape(str(entry[key]), quote=True)}">{label}</a>')
        description = entry.get("description")
        extra = f"<br><span class=\"description\">{html.escape(str(description))}</span>" if description else ""
        items.append(f"<li><strong>{html.escape(str(entry['title']))}</strong> — {' · '.join(links)}{extra}</li>")
    body = f"<h1>{html.escape(title)}</h1>\n<nav class=\"index\"><ul>\n" + "\n".join(items) + "\n</ul></nav>"
    return _page(title, body)
