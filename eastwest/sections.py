"""What each report section shows: lists of HTML blocks and charts, in the language asked for.

Every section is a function of (data, lang[, scope]) returning a list for `report.show`. Reader
text comes from eastwest/messages (`words.text`), numbers from `words` (Babel), findings from
eastwest.findings, HTML from the templates in eastwest/templates. A section with nothing to show
returns an empty list, so a report never prints an empty heading.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from eastwest import charts, findings, layout, paths, vocabulary, words
from eastwest.report import (
    Html,
    ReportData,
    merge_same,
    render,
    scope_figures,
    scope_metrics,
    sort_by_period,
)
from eastwest.report import usable as usable_figures

# Which section shows which families, indicators and metrics: eastwest/layout.toml (read by eastwest.layout).
LAYOUT = layout.plan()


def body_parts() -> list[str]:
    """The parts of a scope report's body, in order (layout.toml [[body]])."""
    return list(LAYOUT.body)


def t(key: str, lang: str, **values) -> str:
    return words.text(key, lang, **values)


def heading(key: str, lang: str, level: int = 2) -> Html:
    return Html(f"<h{level}>{{}}</h{level}>").format(t(key, lang))


def para(key: str, lang: str, cls: str = "", **values) -> Html:
    attr = Html(' class="{}"').format(cls) if cls else ""
    return Html("<p{}>{}</p>").format(attr, t(key, lang, **values))


def figure_href(figure_id: str) -> str:
    return f"#fig-{figure_id}"


# ---- title and findings -----------------------------------------------------------------------------


def _covered(figures: pd.DataFrame, lang: str) -> str:
    years = sorted({year for p in figures["period"] for year in vocabulary.year_bounds(p)})
    if not years:
        return ""
    first, last = years[0], years[-1]
    return words.period(vocabulary.years(first, last), lang)


def title_block(data: ReportData, notebook: str, lang: str, scope: str | None = None) -> Html:
    """The report's title (the message `report.title.<notebook stem>`, which the build's PDF titles and
    index use too), its pairing and a line on what data it reads."""
    figures = data.figures if scope is None else scope_figures(data, scope)
    subtitle = words.scope(scope, lang) if scope else ""
    meta = " · ".join(
        [
            t("meta.period", lang, period=_covered(figures, lang)),
            t("meta.version", lang, version=data.version, date=data.created),
            t(
                "meta.figures_from",
                lang,
                figures=_counted("meta.figures", len(figures), lang),
                sources=_counted("meta.sources", figures["seed"].nunique(), lang),
            ),
        ]
    )
    return render("title.html.j2", title=t(f"report.title.{notebook}", lang), subtitle=subtitle, meta=meta)


def _counted(key: str, n: int, lang: str) -> str:
    return t(key, lang, count=n, n=words.number(n, lang))


def key_findings(data: ReportData, report: str, lang: str, *, heading_key: str = "heading.key_findings") -> list:
    items = [finding.html(lang, figure_href) for finding in findings.for_report(data, report, lang)]
    return [render("findings.html.j2", heading=t(heading_key, lang), items=items)]


# ---- quotes, sources, values -----------------------------------------------------------------------------


def source_name(data: ReportData, seed: str, lang: str) -> str:
    """A source as readers cite it: publisher, date."""
    source = data.source(seed)
    publisher = words.title_of(source, lang, "publisher")
    date = str(source.get("date", ""))
    return t("source.cite", lang, publisher=publisher, date=date) if date else publisher


def source_line(data: ReportData, ids: Iterable[str], lang: str) -> Html:
    seeds = data.figures.set_index("id").loc[list(dict.fromkeys(ids)), "seed"]
    names = sorted({source_name(data, seed, lang) for seed in seeds})
    return render("sources.html.j2", label=t("source.label", lang, count=len(names)), sources=names)


def quote_html(data: ReportData, row: dict, lang: str) -> Html:
    """A figure's quote as printed; in Chinese, English quotes are marked and glossed."""
    source = data.source(str(row["seed"]))
    quote_lang = str(source.get("language", "en"))
    mark = gloss = ""
    if lang == "zh" and quote_lang != "zh":
        mark = t("quote.machine_translation" if source.get("machine_translation") else "quote.english", lang)
        gloss = data.glosses.get(str(row["id"]), "")
    return render(
        "quote.html.j2",
        quote=row["quote"],
        quote_lang="zh" if quote_lang == "zh" else "en",
        mark=mark,
        gloss=gloss,
        gloss_label=t("quote.gloss_label", lang),
    )


def figure_value(row: dict, lang: str) -> str:
    return words.qualified(float(row["value"]), str(row["unit"]), str(row["qualifier"]), lang)


def metric_value(row: dict, lang: str) -> str:
    return words.bounded(float(row["value"]), _num(row.get("lower")), _num(row.get("upper")), str(row["unit"]), lang)


def _num(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _id_links(ids: Iterable[str]) -> Html:
    return Html(" ").join(Html('<a href="{}">{}</a>').format(figure_href(i), i) for i in ids)


def html_table(rows: list[dict], columns: list[tuple[str, str]], lang: str, cls: str = "") -> Html:
    cols = [{"key": key, "header": t(f"col.{header}", lang)} for key, header in columns]
    return render("table.html.j2", rows=rows, columns=cols, cls=cls)


# ---- compact tables of the body ------------------------------------------------------------------------------


def _checks_by_stated(data: ReportData) -> dict[str, dict]:
    audit = data.audit
    return {str(row["stated"]): row for row in audit.to_dict(orient="records") if row.get("stated")}


def _checked(row: dict, check: dict | None, lang: str) -> str:
    """ "94%" with its recomputation: "94% (47 of 50 ✓)"."""
    value = figure_value(row, lang)
    if check is None or check.get("result") != "agrees" or row["unit"] != "fraction":
        return value
    return t(
        "value.checked",
        lang,
        value=value,
        recomputed=metric_value(
            {"value": check["recomputed"], "lower": check["lower"], "upper": check["upper"], "unit": row["unit"]}, lang
        ),
    )


def compact_rows(data: ReportData, figures: pd.DataFrame, lang: str) -> list[dict]:
    checks = _checks_by_stated(data)
    rows = []
    for row in sort_by_period(merge_same(usable_figures(figures))).to_dict(orient="records"):
        ids = row["ids"].split()
        rows.append(
            {
                "what": _what(row, lang),
                "period": words.period(row["period"], lang),
                "value": _checked(row, checks.get(ids[0]), lang),
                "ids": _id_links(ids),
            }
        )
    return rows


def _what(row: dict, lang: str) -> str:
    """An indicator's title, with the place it was counted in when the figure names one."""
    title = words.indicator(row["indicator"], lang)
    if not row.get("location"):
        return title
    return t("value.located", lang, what=title, where=words.term("location", row["location"], lang))


def family_table(data: ReportData, scope: str, families: Iterable[str], lang: str) -> list:
    figures = scope_figures(data, scope)
    figures = figures[figures["indicator"].map(data.family).isin(list(families))]
    rows = compact_rows(data, figures, lang)
    if not rows:
        return []
    shown = rows[: LAYOUT.max_body_rows]
    items = [html_table(shown, [("what", "what"), ("period", "period"), ("value", "value"), ("ids", "ids")], lang)]
    if len(rows) > len(shown):
        items.append(
            para(
                "body.more_in_appendix",
                lang,
                "note",
                count=len(rows) - len(shown),
                n=words.number(len(rows) - len(shown), lang),
            )
        )
    items.append(source_line(data, figures["id"], lang))
    return items


def body_section(data: ReportData, scope: str, section: str, lang: str) -> list:
    items = family_table(data, scope, LAYOUT.body[section], lang)
    return [heading(f"section.{section}", lang), *items] if items else []


# ---- money over time -------------------------------------------------------------------------------------


def money_points(data: ReportData, scope: str, lang: str) -> pd.DataFrame:
    """Aid per period: stated amounts (one per fact) and amounts implied by other stated figures."""
    figures = scope_figures(data, scope)
    stated = merge_same(usable_figures(figures[figures["indicator"] == LAYOUT.money_indicator]))
    label = words.indicator(LAYOUT.money_indicator, lang)
    rows = [
        _point(
            label,
            r["period"],
            r["value"],
            *_figure_bounds(r),
            "stated",
            figure_value(r, lang),
            r["quote"],
            r["ids"],
        )
        for r in stated.to_dict(orient="records")
    ]
    metrics = scope_metrics(data, scope)
    for r in metrics[metrics["metric"].isin(LAYOUT.implied_metrics)].to_dict(orient="records"):
        rows.append(
            _point(
                label,
                r["period"],
                r["value"],
                _num(r["lower"]),
                _num(r["upper"]),
                "implied",
                metric_value(r, lang),
                r["formula"],
                r["inputs"],
            )
        )
    return pd.DataFrame(rows)


def _figure_bounds(row: dict) -> tuple[float, float]:
    from eastwest import intervals  # noqa: PLC0415

    interval = intervals.from_figure(row)
    return interval.lower, (interval.upper if not math.isinf(interval.upper) else math.nan)


def _point(label, period, value, lower, upper, kind, value_text, quote, ids) -> dict:
    start, end = vocabulary.year_bounds(period)
    return {
        "label": label,
        "start": start,
        "end": end,
        "value": float(value),
        "lower": lower,
        "upper": upper,
        "kind": kind,
        "value_text": value_text,
        "quote": quote,
        "ids": ids,
    }


def money_section(data: ReportData, scope: str, lang: str, *, with_table: bool = True) -> list:
    points = money_points(data, scope, lang)
    if points.empty:
        return []
    ids = [i for cell in points["ids"] for i in str(cell).split()]
    stated = points[points["kind"] == "stated"].sort_values(["end", "start"])
    latest = stated.iloc[-1]
    title = t(
        "chart.money_title",
        lang,
        donor=words.title_of(data.scope(scope), lang, "donor"),
        latest=latest["value_text"],
        period=words.period(_period_of(latest), lang),
    )
    items = [heading("section.money", lang), para("body.money_intro", lang)]
    if points["start"].nunique() > 1:
        items.append(
            charts.time_chart(
                points,
                lang=lang,
                title=title,
                source=str(source_line(data, ids, lang).striptags()),
                unit="yuan",
            )
        )
    rows = [
        {
            "what": r["label"],
            "period": words.period(_period_of(r), lang),
            "value": r["value_text"],
            "kind": t(f"kind.{r['kind']}", lang),
            "ids": _id_links(str(r["ids"]).split()),
        }
        for r in points.sort_values(["start", "end"]).to_dict(orient="records")
    ]
    if with_table:
        items.append(
            html_table(rows, [("period", "period"), ("value", "value"), ("kind", "kind"), ("ids", "ids")], lang)
        )
    return items


def _period_of(point) -> str:
    return vocabulary.years(point["start"], point["end"])


# ---- intensity and other measures ------------------------------------------------------------------------


def headline_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Measures fit for the body: those whose numerator and denominator count the same thing."""
    if "headline" in metrics.columns:
        metrics = metrics[metrics["headline"].astype(bool)]
    return metrics


def metric_rows(data: ReportData, metrics: pd.DataFrame, lang: str, *, notes: list | None = None) -> list[dict]:
    """One row per measure. With `notes` (a list), each caveat is said once: the row carries its
    number, and the sentence is appended to `notes` for the list under the table."""
    rows = []
    for row in metrics.to_dict(orient="records"):
        rows.append(
            {
                "what": metric_title(row, lang),
                "period": words.period(row["period"], lang),
                "value": metric_value(row, lang),
                "note": _note_marks(row.get("notes", ""), lang, notes) if notes is not None else "",
                "ids": _id_links(str(row["inputs"]).split()),
                "formula": words.formula(row["formula"], lang),
            }
        )
    return rows


def _note_marks(cell: str, lang: str, notes: list) -> str:
    """ "[1] [3]": the numbers of a row's caveats in `notes`, adding the ones not said before."""
    marks = []
    for item in json.loads(cell or "[]"):
        sentence = words.word_notes(json.dumps([item]), lang)
        if sentence not in notes:
            notes.append(sentence)
        marks.append(f"[{notes.index(sentence) + 1}]")
    return " ".join(marks)


def notes_list(notes: list, lang: str) -> list:
    if not notes:
        return []
    return [render("notes.html.j2", heading=t("body.notes_heading", lang), items=notes)]


def metric_title(row: dict, lang: str) -> str:
    """A measure's title in `lang`, worded from the structured title the metrics emit."""
    return words.word_notes(str(row["title_code"]), lang)


def intensity_brief(data: ReportData, lang: str) -> list:
    """Money per paired poor county and per person reached, every pairing, with the like-for-like caveat."""
    metrics = headline_metrics(data.metrics[data.metrics["metric"].isin(LAYOUT.brief_metrics)])
    if metrics.empty:
        return []
    rows = [
        {**row, "scope": words.scope(src["scope"], lang)}
        for row, src in zip(metric_rows(data, metrics, lang), metrics.to_dict(orient="records"), strict=True)
    ]
    columns = [("scope", "scope"), ("what", "what"), ("period", "period"), ("value", "value"), ("ids", "ids")]
    return [heading("section.intensity", lang), para("body.intensity_caveat", lang), html_table(rows, columns, lang)]


def intensity_section(data: ReportData, scope: str, lang: str) -> list:
    metrics = scope_metrics(data, scope)
    metrics = headline_metrics(metrics[metrics["family"].isin(LAYOUT.intensity_families)])
    if metrics.empty:
        return []
    notes: list[str] = []
    rows = metric_rows(data, metrics, lang, notes=notes)
    columns = [("what", "what"), ("period", "period"), ("value", "value"), ("note", "note"), ("ids", "ids")]
    return [
        heading("section.intensity", lang),
        para("body.intensity_intro", lang),
        html_table(rows, columns, lang),
        *notes_list(notes, lang),
    ]


# ---- what you should know -------------------------------------------------------------------------------


def trust_box(data: ReportData, lang: str, scope: str | None = None) -> list:
    figures = data.figures if scope is None else scope_figures(data, scope)
    corrected = figures[figures["status"] == "corrected"]
    flagged = figures[figures["status"] == "flagged"]
    items = [Html(t("trust.self_reported", lang))]
    for row in corrected.to_dict(orient="records"):
        items.append(
            Html(t("trust.corrected", lang)).format()
            + Html(" ")
            + quote_html(data, row, lang)
            + Html(" → ")
            + figure_value(row, lang)
        )
    for row in flagged.to_dict(orient="records"):
        reading = likely_reading(data, row["id"], lang)
        items.append(Html(t("trust.flagged", lang)) + Html(" ") + quote_html(data, row, lang) + Html(" ") + reading)
    if set(figures["seed"].str[:3]) >= {"000", "003"}:
        items.append(Html(t("trust.one_briefing", lang)))
    return [render("box.html.j2", heading=t("section.trust", lang), items=items)]


def likely_reading(data: ReportData, figure_id: str, lang: str) -> str:
    """The audit's unconfirmed likely reading of a flagged figure, worded, or "" when it offers none."""
    for check in _audit_rows_using(data, figure_id):
        for item in json.loads(check.get("notes") or "[]"):
            if item["code"].startswith("likely_reading") and item.get("figure") == figure_id:
                return words.word_notes(json.dumps([item]), lang)
    return ""


def sources_section(data: ReportData, lang: str, scope: str | None = None) -> list:
    """The sources as readers cite them: publisher, date and title."""
    rows = [
        {"source": source_name(data, seed, lang), "title": words.title_of(data.source(seed), lang)}
        for seed in _seeds(data, scope)
    ]
    return [heading("section.sources", lang), html_table(rows, [("source", "source"), ("title", "title")], lang)]


def _seeds(data: ReportData, scope: str | None) -> list[str]:
    figures = data.figures if scope is None else scope_figures(data, scope)
    return sorted(set(figures["seed"]))


# ---- appendix and about ------------------------------------------------------------------------------------


def figures_appendix(data: ReportData, lang: str, scope: str | None = None) -> list:
    figures = data.figures if scope is None else scope_figures(data, scope)
    rows = [_appendix_row(data, row, lang) for row in sort_by_period(figures).to_dict(orient="records")]
    columns = [
        ("id", "id"),
        ("what", "what"),
        ("period", "period"),
        ("value", "value"),
        ("quote", "quote"),
        ("source", "source"),
    ]
    return [
        heading("section.appendix_figures", lang),
        para("body.appendix_figures", lang),
        html_table(rows, columns, lang, cls="appendix wide"),
    ]


def metrics_appendix(data: ReportData, lang: str, scope: str | None = None) -> list:
    metrics = data.metrics if scope is None else scope_metrics(data, scope)
    if metrics.empty:
        return []
    notes: list[str] = []
    rows = metric_rows(data, metrics, lang, notes=notes)
    columns = [
        ("what", "what"),
        ("period", "period"),
        ("value", "value"),
        ("formula", "formula"),
        ("ids", "inputs"),
        ("note", "note"),
    ]
    return [
        heading("section.appendix_metrics", lang),
        para("body.appendix_metrics", lang),
        html_table(rows, columns, lang, cls="appendix wide"),
        *notes_list(notes, lang),
    ]


def about_section(data: ReportData, lang: str, checks: list[str], parameters: dict) -> list:
    shown = {name: _shown(value) for name, value in parameters.items()}
    rows = [
        {"name": Html("<code>{}</code>").format(k), "value": Html("<code>{}</code>").format(v)}
        for k, v in shown.items()
    ]
    passed = [Html(t(key, lang)) for key in checks]
    return [
        heading("section.about", lang),
        para("about.how_built", lang),
        html_table(rows, [("name", "parameter"), ("value", "setting")], lang),
        render("box.html.j2", heading=t("about.checks", lang), items=passed),
    ]


def _shown(value: object) -> str:
    if isinstance(value, str | Path) and Path(value).is_absolute():
        return paths.relative(Path(value))
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


# ---- across pairings (brief and overview) --------------------------------------------------------------


def scopes_with_data(data: ReportData) -> list[str]:
    present = set(data.figures["scope"])
    return [s for s in data.scopes["id"] if s in present]


def _figure_rows(data: ReportData) -> dict[str, dict]:
    cached = data.__dict__.get("_figure_rows")
    if cached is None:
        cached = {row["id"]: row for row in data.figures.to_dict(orient="records")}
        data.__dict__["_figure_rows"] = cached
    return cached


def share_text(data: ReportData, row: dict, lang: str) -> str:
    """A share with the counts it comes from: "94% (47 of 50)"."""
    inputs = str(row["inputs"]).split()
    figures = _figure_rows(data)
    simple = str(row["formula"]).count("/") == 1 and not set("+-()") & set(str(row["formula"]))
    if not simple or len(inputs) != 2 or not all(i in figures for i in inputs):
        return metric_value(row, lang)
    part_row, whole_row = (figures[i] for i in inputs)
    # "31 of 31 counties" in English; Chinese names the unit on both sides: "31个中的31个".
    part_unit = str(part_row["unit"]) if lang == "zh" else ""
    part = words.qualified(float(part_row["value"]), part_unit, str(part_row["qualifier"]), lang)
    whole = figure_value(whole_row, lang)
    return t("value.share_of", lang, share=metric_value(row, lang), part=part, whole=whole)


def exit_rows(data: ReportData, lang: str, scopes: Iterable[str]) -> list[dict]:
    metrics = data.metrics
    chosen = metrics[metrics["family"].isin(LAYOUT.exit_families) & metrics["scope"].isin(list(scopes))]
    return [
        {
            "scope": words.scope(row["scope"], lang),
            "what": metric_title(row, lang),
            "period": words.period(row["period"], lang),
            "value": share_text(data, row, lang),
            "ids": _id_links(str(row["inputs"]).split()),
        }
        for row in chosen.to_dict(orient="records")
    ]


def exit_comparison(data: ReportData, lang: str) -> list:
    rows = exit_rows(data, lang, scopes_with_data(data))
    if not rows:
        return []
    columns = [("scope", "scope"), ("what", "what"), ("period", "period"), ("value", "value"), ("ids", "ids")]
    return [heading("section.exit", lang), para("body.exit_intro", lang), html_table(rows, columns, lang)]


def coverage_section(data: ReportData, lang: str) -> list:
    rows = []
    for scope in scopes_with_data(data):
        figures = scope_figures(data, scope)
        rows.append(
            {
                "scope": words.scope(scope, lang),
                "period": _covered(figures, lang),
                "value": words.number(len(figures), lang),
                "source": "; ".join(sorted({source_name(data, s, lang) for s in figures["seed"]})),
            }
        )
    columns = [("scope", "scope"), ("period", "period"), ("value", "figures"), ("source", "source")]
    return [heading("section.coverage", lang), html_table(rows, columns, lang)]


def funding_comparison(data: ReportData, lang: str) -> list:
    figures = usable_figures(data.figures[data.figures["indicator"] == LAYOUT.money_indicator])
    rows = []
    for row in sort_by_period(merge_same(figures)).to_dict(orient="records"):
        rows.append(
            {
                "scope": words.scope(row["scope"], lang),
                "period": words.period(row["period"], lang),
                "value": figure_value(row, lang),
                "source": source_name(data, row["seed"], lang),
                "ids": _id_links(row["ids"].split()),
            }
        )
    if not rows:
        return []
    columns = [("scope", "scope"), ("period", "period"), ("value", "value"), ("source", "source"), ("ids", "ids")]
    return [
        heading("section.funding", lang),
        para("body.funding_caveat", lang),
        html_table(rows, columns, lang),
        source_line(data, figures["id"], lang),
    ]


def cited_figures(data: ReportData, shown: Iterable, lang: str, *, appendix: bool = False) -> list:
    """The figures behind every number already shown (`shown`: the items of the sections before), each
    with its quote: the targets of their links, for a report whose complete listing lives elsewhere.
    As an `appendix` (the overview), it says where each pairing's complete listing is."""
    known = _figure_rows(data)
    rows = [_appendix_row(data, known[i], lang) for i in linked_ids(shown) if i in known]
    columns = [("id", "id"), ("value", "value"), ("quote", "quote"), ("source", "source")]
    items = [heading("section.appendix_cited" if appendix else "section.cited", lang)]
    if appendix:
        items.append(para("body.appendix_cited", lang))
    return [*items, html_table(rows, columns, lang, cls="appendix wide")]


def linked_ids(items: Iterable) -> list[str]:
    """Figure ids that HTML items link to (#fig-<id>) and that charts carry in their data, in order."""
    ids: list[str] = []
    for item in items:
        if isinstance(item, Html):
            for link, group in re.findall(r'href="#fig-([^"]+)"(?:[^>]*data-ids="([^"]*)")?', str(item)):
                ids.extend([link, *group.split()])
        elif hasattr(item, "to_dict"):
            ids.extend(_chart_ids(item.to_dict()))
    return list(dict.fromkeys(ids))


def _chart_ids(spec) -> list[str]:
    """The `ids` of every data row anywhere in a Vega-Lite spec (inline values or named datasets)."""
    if isinstance(spec, list):
        return [i for part in spec for i in _chart_ids(part)]
    if not isinstance(spec, dict):
        return []
    own = str(spec["ids"]).split() if isinstance(spec.get("ids"), str) else []
    return own + [i for key, value in spec.items() if key != "ids" for i in _chart_ids(value)]


def _appendix_row(data: ReportData, row: dict, lang: str) -> dict:
    status = " " + t(f"status.{row['status']}", lang) if row["status"] != "ok" else ""
    return {
        "_anchor": f"fig-{row['id']}",
        "id": Html("<code>{}</code>").format(row["id"]),
        "what": _what(row, lang),
        "period": words.period(row["period"], lang),
        "value": figure_value(row, lang) + status,
        "quote": quote_html(data, row, lang),
        "source": Html("{}<br><code>{}</code>").format(source_name(data, row["seed"], lang), row["seed"]),
    }


# ---- the audit ---------------------------------------------------------------------------------------------


def _audit_rows_using(data: ReportData, figure_id: str) -> list[dict]:
    return [
        row
        for row in data.audit.to_dict(orient="records")
        if figure_id in str(row.get("inputs", "")).split() or row.get("stated") == figure_id
    ]


def status_section(data: ReportData, status: str, lang: str) -> list:
    figures = data.figures[data.figures["status"] == status]
    if figures.empty:
        return []
    rows = []
    for row in figures.to_dict(orient="records"):
        evidence = [words.word_notes(check.get("notes", ""), lang) for check in _audit_rows_using(data, row["id"])]
        if lang == "en" and row["note"]:
            evidence.append(row["note"])
        rows.append({**_appendix_row(data, row, lang), "evidence": " ".join(e for e in evidence if e)})
    columns = [("id", "id"), ("quote", "quote"), ("value", "value"), ("evidence", "evidence")]
    return [
        heading(f"section.{status}", lang),
        para(f"body.{status}_intro", lang),
        html_table(rows, columns, lang, cls="wide"),
    ]


def agreement_section(data: ReportData, lang: str) -> list:
    from eastwest.report import same_groups  # noqa: PLC0415

    groups = {tuple(members) for members in same_groups(data.figures).values() if len(members) > 1}
    known = _figure_rows(data)
    rows = []
    for members in sorted(groups):
        values = [f"{figure_value(known[m], lang)} ({source_name(data, known[m]['seed'], lang)})" for m in members]
        rows.append(
            {
                "what": words.indicator(known[members[0]]["indicator"], lang),
                "period": words.period(known[members[0]]["period"], lang),
                "value": "; ".join(values),
                "ids": _id_links(members),
            }
        )
    columns = [("what", "what"), ("period", "period"), ("value", "statements"), ("ids", "ids")]
    return [
        heading("section.agreement", lang),
        para("body.agreement_intro", lang),
        html_table(rows, columns, lang, cls="wide"),
    ]


def checks_section(data: ReportData, lang: str) -> list:
    known = _figure_rows(data)
    rows = []
    for row in data.audit.to_dict(orient="records"):
        stated = known.get(str(row.get("stated", "")))
        rows.append(
            {
                "what": words.indicator(stated["indicator"], lang) if stated else str(row["check"]),
                "scope": words.scope(row["scope"], lang),
                "period": words.period(row["period"], lang),
                "stated": figure_value(stated, lang) if stated else "",
                "recomputed": metric_value(
                    {
                        "value": row["recomputed"],
                        "lower": row["lower"],
                        "upper": row["upper"],
                        "unit": stated["unit"] if stated else "fraction",
                    },
                    lang,
                )
                if not _missing(row["recomputed"])
                else "",
                "result": t(f"result.{row['result']}", lang),
                "ids": _id_links(str(row.get("inputs", "")).split()),
            }
        )
    columns = [
        ("what", "what"),
        ("scope", "scope"),
        ("period", "period"),
        ("stated", "stated"),
        ("recomputed", "recomputed"),
        ("result", "result"),
        ("ids", "ids"),
    ]
    return [
        heading("section.checks", lang),
        para("body.checks_intro", lang),
        html_table(rows, columns, lang, cls="appendix wide"),
    ]


def _missing(x) -> bool:
    return _num(x) != _num(x)
