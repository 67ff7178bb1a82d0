"""Building blocks the report notebooks call: title block, headline tables, sections, source lines.

The notebooks stay thin: each analysis cell asks one question and hands the answer's parts
(HTML blocks and charts) to `show`. Everything here is a pure function of the loaded data, so
it can be tested without a kernel.

Rules kept throughout:
- every string that comes from the data is HTML-escaped (`esc`), including quotes and notes;
- every table and chart is followed by a source line naming seed files and figure ids;
- corrected and flagged figures carry a footnote with the evidence; flagged figures are listed
  but never charted or used in headlines; targets, plans and forecasts are never charted as
  achievements;
- numbers carry their bounds: "more than 300,000 people", "at most 9,150 yuan".
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eastwest import charts, intervals, paths

alt = charts.alt  # imported by eastwest.charts, which makes that import quicker

# ---- HTML blocks ------------------------------------------------------------------------------


class Html(str):
    """A piece of trusted HTML (already escaped). Shows itself as HTML in a notebook."""

    def _repr_html_(self) -> str:
        return str(self)


def esc(value: object) -> str:
    """Text for HTML: Html passes through, anything else is escaped (quotes included)."""
    if isinstance(value, Html):
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def para(text: object, cls: str = "") -> Html:
    attr = f' class="{esc(cls)}"' if cls else ""
    return Html(f"<p{attr}>{esc(text)}</p>")


def _lang(value: object) -> str:
    """' lang="zh"' for text that is mostly Chinese, so it is set with Chinese punctuation widths."""
    text = str(value) if not isinstance(value, Html) else re.sub(r"<[^>]*>", "", str(value))
    han = sum(1 for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return ' lang="zh"' if han and han >= latin else ""


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]], *, cls: str = "data") -> Html:
    """An HTML table; cells are escaped unless they are `Html`. columns = [(key, header), ...]."""
    head = "".join(f"<th>{esc(header)}</th>" for _, header in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="c-{esc(key)}"{_lang(row.get(key, ""))}>{esc(row.get(key, ""))}</td>' for key, _ in columns
        )
        body.append(f"<tr>{cells}</tr>")
    return Html(
        f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


# ---- the data a report reads --------------------------------------------------------------------


@dataclass
class ReportData:
    data_dir: Path
    figures: pd.DataFrame
    metrics: pd.DataFrame
    audit: pd.DataFrame
    scopes: pd.DataFrame
    indicators: pd.DataFrame
    units: pd.DataFrame
    package: dict

    @property
    def version(self) -> str:
        return str(self.package.get("version", "unversioned"))

    @property
    def created(self) -> str:
        return str(self.package.get("created", ""))

    def scope(self, scope_id: str) -> dict:
        match = self.scopes[self.scopes["id"] == scope_id]
        if match.empty:
            known = ", ".join(self.scopes["id"])
            raise ValueError(f"unknown scope {scope_id!r} (data/scopes.csv has: {known})")
        return match.iloc[0].to_dict()

    def indicator_title(self, indicator: str) -> str:
        match = self.indicators[self.indicators["id"] == indicator]
        return str(match.iloc[0]["title"]) if not match.empty else indicator.replace("_", " ")

    def family(self, indicator: str) -> str:
        return self._families().get(indicator, "other")

    def _families(self) -> dict[str, str]:
        """indicator id → family, built once (`family` is called for every figure of every section)."""
        key = id(self.indicators)
        cached = self.__dict__.get("_family_cache")
        if cached is None or cached[0] != key:
            families = {str(i): str(f) for i, f in zip(self.indicators["id"], self.indicators["family"], strict=True)}
            cached = (key, families)
            self.__dict__["_family_cache"] = cached
        return cached[1]

    def seed_label(self, seed: str) -> str:
        for source in self.package.get("sources", []):
            if Path(str(source.get("path", ""))).name == seed:
                return str(source.get("publisher") or source.get("title") or seed)
        return seed


def read_package(data_dir: Path | str) -> dict:
    path = Path(data_dir) / "datapackage.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def load(data_dir: Path | str) -> ReportData:
    """Load validated figures and reference tables from `data_dir`, then compute metrics and audit."""
    from eastwest import audit, metrics, tables  # late import: keeps this module importable alone

    data_dir = Path(data_dir)
    figures = tables.load_figures(data_dir)
    indicators = tables.load_indicators(data_dir)
    return ReportData(
        data_dir=data_dir,
        figures=figures,
        metrics=metrics.compute(figures, indicators),
        audit=audit.run(figures, indicators),
        scopes=tables.load_scopes(data_dir),
        indicators=indicators,
        units=tables.load_units(data_dir),
        package=read_package(data_dir),
    )


def id_list(text: object) -> list[str]:
    """Figure ids from a space- or comma-separated cell."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    return [part for part in str(text).replace(",", " ").split() if part]


def unknown_inputs(data: ReportData) -> list[str]:
    """Figure ids that metrics or audit rows cite but figures.csv lacks (should be none)."""
    known = set(data.figures["id"])
    cited: list[str] = []
    for frame, columns in ((data.metrics, ("inputs",)), (data.audit, ("inputs", "stated"))):
        for column in columns:
            if column in frame.columns:
                for cell in frame[column]:
                    cited.extend(id_list(cell))
    return sorted({i for i in cited if i not in known})


def broken_links(data: ReportData) -> list[str]:
    """same_as links that point nowhere or join different facts (should be none)."""
    figures = data.figures.set_index("id")
    problems = []
    for fid, row in figures.iterrows():
        target = row["same_as"]
        if not target:
            continue
        if target not in figures.index:
            problems.append(f"{fid} → {target} (missing)")
            continue
        other = figures.loc[target]
        for column in ("scope", "indicator", "period"):
            if row[column] != other[column]:
                problems.append(f"{fid} → {target} ({column} differs)")
    return problems


# ---- numbers and periods as readers say them ---------------------------------------------------------

QUALIFIER_WORDS = {
    "exact": "",
    "about": "about ",
    "nearly": "nearly ",
    "more_than": "more than ",
    "at_least": "at least ",
    "not_less_than": "not less than ",
    "less_than": "less than ",
    "at_most": "at most ",
}

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _month(text: str) -> tuple[str, str]:
    year, month = text.split("-")
    return year, MONTHS[int(month) - 1]


def format_period(period: str) -> str:
    """'2018/2019' → '2018–2019'; '2022-01/2022-05' → 'Jan–May 2022'; '2022-05' → 'May 2022'."""
    period = str(period)
    try:
        if "/" in period:
            start, end = period.split("/")
            if "-" in start:
                (y1, m1), (y2, m2) = _month(start), _month(end)
                return f"{m1}–{m2} {y1}" if y1 == y2 else f"{m1} {y1}–{m2} {y2}"
            return f"{start}–{end}"
        if "-" in period:
            year, month = _month(period)
            return f"{month} {year}"
    except (ValueError, IndexError):
        return period
    return period


def period_bounds(period: str) -> tuple[int, int]:
    """First and last year a period touches."""
    parts = str(period).split("/")
    return int(parts[0][:4]), int(parts[-1][:4])


def period_covered(periods: Iterable[str]) -> str:
    years = [y for p in periods if p for y in period_bounds(p)]
    if not years:
        return "no period"
    first, last = min(years), max(years)
    return str(first) if first == last else f"{first}–{last}"


# How a unit reads after a number. Units not listed read as their id with spaces ("square metre").
UNIT_WORDS = {
    "yuan": "yuan",
    "person": "people",
    "person_time": "person-times",
    "household": "households",
    "county": "counties",
    "village": "villages",
    "town": "towns",
    "project": "projects",
    "school": "schools",
    "hospital": "hospitals",
    "enterprise": "enterprises",
    "organisation": "organisations",
    "tonne": "tonnes",
    "square_metre": "m²",
    "mu": "mu",
    "metre": "metres",
    "hour": "hours",
    "year": "years",
    "session": "sessions",
    "event": "events",
    "item": "items",
    "facility": "facilities",
    "product_type": "products",
    "product_category": "product categories",
    "contract": "contracts",
    "measure": "measures",
    "task": "tasks",
    "fraction": "",
    "ratio": "times",
    "yuan_per_month": "yuan a month",
    "tonne_per_year": "tonnes a year",
    "jin_per_day": "jin a day",
    "region": "regions",
    "month": "months",
    "batch": "batches",
    "dwelling": "houses",
    "operation": "operations",
    "job": "jobs",
    "field": "fields",
    "site": "sites",
}


def unit_word(unit: str) -> str:
    unit = str(unit)
    if unit in UNIT_WORDS:
        return UNIT_WORDS[unit]
    return unit.replace("_", " ")


def _with_unit(number_text: str, unit: str) -> str:
    word = unit_word(unit)
    return f"{number_text} {word}" if word and unit != "fraction" else number_text


def _number_unit(unit: str) -> str:
    """The unit `intervals` should format numbers for: only fractions change the digits (→ %)."""
    return "fraction" if unit == "fraction" else ""


def amount(value: float, unit: str) -> str:
    """A value with its unit word: '2.74 billion yuan', '300,000 people', '75.4%'."""
    return _with_unit(intervals.Interval.exact(float(value)).describe(_number_unit(unit)), unit)


def figure_text(row: dict | pd.Series) -> str:
    """A figure as a reader says it, with its qualifier: 'more than 300,000 people'."""
    words = QUALIFIER_WORDS.get(str(row["qualifier"]), str(row["qualifier"]).replace("_", " ") + " ")
    return words + amount(row["value"], str(row["unit"]))


def bounded_text(value: float, lower: float, upper: float, unit: str) -> str:
    """A computed value with what the figures pin down: 'at most 9,150 yuan'."""
    try:
        text = intervals.Interval(lower, upper, value).describe(_number_unit(unit))
    except ValueError:
        return amount(value, unit)
    if text.endswith(")") and " (" in text:  # "9,133 (9,117–9,150)" → unit after the point value
        point, rest = text.split(" (", 1)
        return f"{_with_unit(point, unit)} ({rest}"
    return _with_unit(text, unit)


def metric_text(row: dict | pd.Series) -> str:
    return bounded_text(row["value"], row["lower"], row["upper"], str(row["unit"]))


# ---- picking rows ------------------------------------------------------------------------------------


def scope_figures(data: ReportData, scope: str) -> pd.DataFrame:
    return data.figures[data.figures["scope"] == scope]


def scope_metrics(data: ReportData, scope: str) -> pd.DataFrame:
    return data.metrics[data.metrics["scope"] == scope]


def usable(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures fit for charts and headlines: not flagged, and achievements (not targets or plans)."""
    return figures[(figures["status"] != "flagged") & (figures["nature"] == "actual")]


def same_groups(figures: pd.DataFrame) -> dict[str, list[str]]:
    """Figure id → all ids stating the same fact (linked by same_as, directly or in a chain)."""
    parent = {fid: fid for fid in figures["id"]}

    def root(fid: str) -> str:
        while parent[fid] != fid:
            parent[fid] = parent[parent[fid]]
            fid = parent[fid]
        return fid

    for fid, target in zip(figures["id"], figures["same_as"], strict=True):
        if target and target in parent:
            parent[root(fid)] = root(target)
    groups: dict[str, list[str]] = {}
    for fid in sorted(parent):
        groups.setdefault(root(fid), []).append(fid)
    return {fid: members for members in groups.values() for fid in members}


def merge_same(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per fact: figures linked by same_as become one row whose `ids` names them all.

    The row kept is the one the others point to (the canonical statement), else the first id.
    """
    groups = same_groups(figures)
    pointed_to = set(figures["same_as"])
    kept = []
    seen: set[str] = set()
    for _, row in figures.sort_values("id").iterrows():
        members = groups[row["id"]]
        if members[0] in seen:
            continue
        canonical = next((m for m in members if m in pointed_to and not _points_within(figures, m, members)), None)
        chosen = figures[figures["id"] == (canonical or members[0])].iloc[0]
        record = chosen.to_dict()
        record["ids"] = " ".join([chosen["id"]] + [m for m in members if m != chosen["id"]])
        kept.append(record)
        seen.add(members[0])
    columns = list(figures.columns) + ["ids"]
    return pd.DataFrame(kept, columns=columns)


def _points_within(figures: pd.DataFrame, fid: str, members: list[str]) -> bool:
    target = figures.loc[figures["id"] == fid, "same_as"].iloc[0]
    return bool(target) and target in members


def _order(period: str) -> tuple[int, int]:
    return period_bounds(period)


def _order_key(period: str) -> float:
    """Sort key for chart axes: 2018 < 2018–2019 < 2019."""
    start, end = period_bounds(period)
    return start + 0.01 * (end - start)


def sort_by_period(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    keys = frame["period"].map(_order)
    return frame.assign(_k=keys).sort_values(["_k"], kind="stable").drop(columns="_k")


# ---- source lines and footnotes ---------------------------------------------------------------------


def seeds_of(data: ReportData, ids: Iterable[str]) -> list[str]:
    seeds = data.figures.set_index("id")["seed"]
    return sorted({seeds[i] for i in ids if i in seeds.index})


def source_line(data: ReportData, ids: Iterable[str], *, computed: bool = False) -> Html:
    """'Source: <publisher> (seeds/000_….txt); figures 000-a, 003-b in data/figures.csv.'"""
    ids = sorted(dict.fromkeys(ids))
    seeds = seeds_of(data, ids)
    named = "; ".join(f"{esc(data.seed_label(s))} (<code>seeds/{esc(s)}</code>)" for s in seeds)
    if len(ids) > MAX_LISTED_IDS:
        figure_ids = f"{len(ids)} figures, <code>{esc(ids[0])}</code> … <code>{esc(ids[-1])}</code>,"
    else:
        figure_ids = ", ".join(f"<code>{esc(i)}</code>" for i in ids)
    how = " Derived values computed by <code>eastwest.metrics</code> from these figures." if computed else ""
    return Html(
        f'<p class="source">Source: {named or "none"}; figures {figure_ids or "none"} '
        f"in <code>data/figures.csv</code>.{how}</p>"
    )


MARKS = {"corrected": "†", "flagged": "‡"}
MAX_LISTED_IDS = 60  # a source line naming more ids than this gives their count and range instead


def status_mark(status: str) -> Html:
    mark = MARKS.get(status, "")
    return Html(f'<sup class="mark">{mark}</sup>') if mark else Html("")


def footnotes(data: ReportData, ids: Iterable[str], metric_rows: pd.DataFrame | None = None) -> Html:
    """Corrections, flags and comparability notes for the figures (and metrics) just shown."""
    ids = list(dict.fromkeys(ids))
    figures = data.figures[data.figures["id"].isin(ids)].sort_values("id")
    notes: list[str] = []
    for _, row in figures.iterrows():
        if row["status"] == "corrected":
            notes.append(
                f"† <code>{esc(row['id'])}</code>: the source prints “{esc(row['printed'])}”; "
                f"this report uses {esc(amount(row['value'], row['unit']))}. {esc(row['note'])}"
            )
        elif row["status"] == "flagged":
            notes.append(
                f"‡ <code>{esc(row['id'])}</code>: “{esc(row['printed'])}” is flagged as implausible and "
                f"left out of charts and headline numbers. {esc(row['note'])}"
            )
    for indicator, group in figures[figures["basis"] != ""].groupby("indicator", sort=True):
        bases = list(dict.fromkeys(group["basis"]))
        if len(bases) > 1:
            described = "; ".join(
                f"“{esc(b)}” ({', '.join(esc(i) for i in group[group['basis'] == b]['id'])})" for b in bases
            )
            notes.append(
                f"Comparability: the {esc(data.indicator_title(indicator))} figures count different things — "
                f"{described}. Compare them with care."
            )
    if metric_rows is not None and not metric_rows.empty and "note" in metric_rows.columns:
        for _, row in metric_rows.iterrows():
            if str(row.get("note", "") or "").strip():
                notes.append(f"Note on “{esc(row['title'])}”: {esc(row['note'])}")
    if not notes:
        return Html("")
    items = "".join(f"<li>{n}</li>" for n in notes)
    return Html(f'<ul class="footnotes">{items}</ul>')


# ---- tables ------------------------------------------------------------------------------------------


def figures_table(data: ReportData, figures: pd.DataFrame) -> Html:
    """Figures as stated: what, where, when, value with qualifier, words as printed, ids."""
    rows = []
    for _, row in sort_by_period(merge_same(figures)).iterrows():
        what = data.indicator_title(row["indicator"])
        if row["nature"] != "actual":
            what += f" ({row['nature']})"
        rows.append(
            {
                "what": what,
                "where": row["location"],
                "period": format_period(row["period"]),
                "value": Html(esc(figure_text(row)) + status_mark(row["status"])),
                "printed": row["printed"],
                "basis": row["basis"],
                "ids": Html(" ".join(f"<code>{esc(i)}</code>" for i in id_list(row["ids"]))),
            }
        )
    columns = [
        ("what", "What"),
        ("where", "Where"),
        ("period", "Period"),
        ("value", "Value"),
        ("printed", "As printed"),
        ("basis", "What is counted"),
        ("ids", "Figure ids"),
    ]
    if not any(r["where"] for r in rows):
        columns.remove(("where", "Where"))
    if not any(r["basis"] for r in rows):
        columns.remove(("basis", "What is counted"))
    return table(rows, columns)


def metrics_table(data: ReportData, metrics: pd.DataFrame, *, formula: bool = True) -> Html:
    rows = [
        {
            "what": row["title"],
            "period": format_period(row["period"]),
            "value": metric_text(row),
            "formula": row["formula"],
            "inputs": Html(" ".join(f"<code>{esc(i)}</code>" for i in id_list(row["inputs"]))),
        }
        for _, row in sort_by_period(metrics).iterrows()
    ]
    columns = [("what", "Computed measure"), ("period", "Period"), ("value", "Value")]
    if formula:
        columns.append(("formula", "How it is computed"))
    columns.append(("inputs", "From figures"))
    return table(rows, columns)


# ---- chart data ----------------------------------------------------------------------------------------


def _quote_of(data: ReportData, ids: Iterable[str]) -> str:
    quotes = data.figures.set_index("id")["quote"]
    return " | ".join(str(quotes[i]) for i in ids if i in quotes.index)


def figure_points(data: ReportData, figures: pd.DataFrame, *, label_scope: bool = False) -> pd.DataFrame:
    """Chart rows (charts.CHART_COLUMNS) for stated figures."""
    rows = []
    for _, row in sort_by_period(merge_same(figures)).iterrows():
        interval = intervals.from_figure(row)
        label = data.indicator_title(row["indicator"])
        if row["location"]:
            label += f", {row['location']}"
        if label_scope:
            label = f"{data.scope(row['scope'])['title_en']}: {label}"
        if row["basis"]:
            label += f" [{row['basis']}]"
        rows.append(
            {
                "label": label,
                "period": format_period(row["period"]),
                "value": float(row["value"]),
                "lower": interval.lower if interval.has_lower else None,
                "upper": interval.upper if interval.has_upper else None,
                "value_text": figure_text(row),
                "qualifier": str(row["qualifier"]).replace("_", " "),
                "quote": _quote_of(data, id_list(row["ids"])),
                "ids": row["ids"],
                "kind": charts.KIND_STATED,
                "order": _order_key(row["period"]),
                "unit": row["unit"],
            }
        )
    return pd.DataFrame(rows, columns=[*charts.CHART_COLUMNS, "order", "unit"])


def metric_points(data: ReportData, metrics: pd.DataFrame) -> pd.DataFrame:
    """Chart rows for computed measures; the 'quote' is the formula and the quotes it uses."""
    rows = []
    for _, row in sort_by_period(metrics).iterrows():
        inputs = id_list(row["inputs"])
        lower = row["lower"] if row["bound"] in ("exact", "interval", "lower_bound") else None
        upper = row["upper"] if row["bound"] in ("exact", "interval", "upper_bound") else None
        rows.append(
            {
                "label": str(row["title"]),
                "period": format_period(row["period"]),
                "value": float(row["value"]),
                "lower": lower,
                "upper": upper,
                "value_text": metric_text(row),
                "qualifier": str(row["bound"]).replace("_", " "),
                "quote": f"computed as {row['formula']} from: {_quote_of(data, inputs)}",
                "ids": " ".join(inputs),
                "kind": charts.KIND_IMPLIED,
                "order": _order_key(row["period"]),
                "unit": row["unit"],
            }
        )
    return pd.DataFrame(rows, columns=[*charts.CHART_COLUMNS, "order", "unit"])


def _all_ids(figures: pd.DataFrame, metrics: pd.DataFrame | None = None) -> list[str]:
    ids = list(figures["id"]) if not figures.empty else []
    if metrics is not None and not metrics.empty:
        for cell in metrics["inputs"]:
            ids.extend(id_list(cell))
    return list(dict.fromkeys(ids))


# ---- report sections ----------------------------------------------------------------------------------
# A section is a list of items for `show`: Html blocks and altair charts.


def title_block(data: ReportData, scope: str | None = None) -> Html:
    """Under the notebook's Markdown title: scope in English and Chinese, period covered, data version."""
    if scope is None:
        figures = data.figures
        english, chinese = "All pairings in the sources", "所有协作关系"
    else:
        info = data.scope(scope)
        figures = scope_figures(data, scope)
        english, chinese = str(info["title_en"]), str(info["title_zh"])
    created = data.created[:10] if data.created else "undated"
    return Html(
        '<header class="title-block">'
        f'<p class="scope">{esc(english)} · <span lang="zh">{esc(chinese)}</span></p>'
        f'<p class="meta">Period covered: {esc(period_covered(figures["period"]))} · '
        f"Data version {esc(data.version)} of {esc(created)} · "
        f"{len(figures)} figures from {figures['seed'].nunique()} sources</p>"
        "</header>"
    )


def configuration(**parameters: object) -> Html:
    """The run's parameters as a small table (data_dir shown as given, never as an absolute path)."""
    rows = [
        {"name": Html(f"<code>{esc(k)}</code>"), "value": Html(f"<code>{esc(_shown(v))}</code>")}
        for k, v in parameters.items()
    ]
    return table(rows, [("name", "Parameter"), ("value", "Value")])


def _shown(value: object) -> str:
    """Parameters as readers should see them: a directory inside the repository relative to its root."""
    if isinstance(value, str | Path) and Path(value).is_absolute():
        return paths.relative(Path(value))
    return str(value)


def subheading(text: str) -> Html:
    return Html(f"<h3>{esc(text)}</h3>")


def preparation_summary(data: ReportData, scope: str | None = None) -> Html:
    figures = data.figures if scope is None else scope_figures(data, scope)
    metrics = data.metrics if scope is None else scope_metrics(data, scope)
    counts = figures["status"].value_counts()
    return para(
        f"Loaded {len(figures)} figures from {figures['seed'].nunique()} seed files "
        f"({counts.get('ok', 0)} as printed, {counts.get('corrected', 0)} corrected, "
        f"{counts.get('flagged', 0)} flagged) and computed {len(metrics)} derived measures. "
        "Every figure id cited by a measure or an audit check exists, and every link between two statements "
        "of the same fact joins figures of the same pairing, indicator and period."
    )


def nothing(what: str, data: ReportData, scope: str | None) -> list:
    where = data.scope(scope)["title_en"] if scope else "any pairing"
    return [para(f"The sources give no figures on {what} for {where}, so this section is left out.", "empty")]


ALL_FAMILIES = (
    "funding",
    "growth",
    "projects",
    "reach",
    "employment",
    "training",
    "poverty_exit",
    "unit_cost",
    "consumption",
    "pairing",
    "construction",
    "health",
    "education",
    "policy",
    "other",
)
METRIC_FAMILIES = ("aid_intensity", "unit_costs", "growth", "poverty_exit", "shares", "targets")
OTHER_FAMILIES = ("projects", "reach", "pairing", "construction", "health", "education", "policy", "other")


HEADLINE_INDICATORS = (
    "aid_funds",
    "beneficiaries",
    "employed_poor",
    "trained_poor",
    "poor_counties_exited_share",
    "poor_villages_exited_share",
    "poverty_reduction_rate",
    "consumption_sales",
    "employment_target_completion",
    "microcredit",
)


HEADLINE_METRICS = (
    "aid_funds_per_beneficiary",
    "aid_funds_per_person_employed",
    "aid_funds_per_project",
    "implied_by_growth",
    "poor_counties_exited_share",
    "poor_villages_exited_share",
    "registered_poor_exited_share",
    "cost_per_hearing_aid",
    "microcredit_per_borrower",
    "target_completion",
)


def widest(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric, scope, period): the widest range, i.e. the reading every source allows.

    When 000 and 003 state the same fact with different precision, a measure can be computed from
    either; the headline keeps the more cautious one (an open bound counts as widest).
    """
    if metrics.empty:
        return metrics
    lower = metrics["lower"].astype(float).fillna(-math.inf)
    upper = metrics["upper"].astype(float).fillna(math.inf)
    ranked = metrics.assign(_w=upper - lower).sort_values("_w", ascending=False, kind="stable")
    kept = ranked.drop_duplicates(["metric", "scope", "period"], keep="first")
    return kept.drop(columns="_w").loc[sorted(kept.index)]


def _headline_value(text: str) -> Html:
    """The number in bold on one line; a range in brackets after it may wrap."""
    main, bracket, rest = text.partition(" (")
    tail = f" <span class=\"range\">({esc(rest)}</span>" if bracket else ""
    return Html(f'<strong class="figure">{esc(main)}</strong>{tail}')


def headline(data: ReportData, scope: str) -> list:
    """Headline numbers for a scope: key stated figures and key computed measures, with bounds."""
    # One row per fact (restatements merged, the statement the others point to kept), then the
    # most inclusive statement per indicator and period (e.g. consumption sales through all
    # channels rather than through one market); the section tables list the others.
    merged = merge_same(usable(scope_figures(data, scope)))
    merged = merged[merged["indicator"].isin(HEADLINE_INDICATORS) & (merged["location"] == "")]
    merged = merged.sort_values("value", ascending=False, kind="stable").drop_duplicates(["indicator", "period"])
    metrics = scope_metrics(data, scope)
    metrics = widest(metrics[metrics["metric"].isin(HEADLINE_METRICS)])
    rank = {m: n for n, m in enumerate(HEADLINE_METRICS)}
    metrics = metrics.assign(_r=metrics["metric"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")
    if merged.empty and metrics.empty:
        return nothing("headline measures", data, scope)
    rows = []
    order = {ind: n for n, ind in enumerate(HEADLINE_INDICATORS)}
    merged = merged.assign(_o=merged["indicator"].map(order)).sort_values(["_o", "period"], kind="stable")
    for _, row in merged.iterrows():
        what = data.indicator_title(row["indicator"])
        rows.append(
            {
                "what": f"{what} ({row['basis']})" if row["basis"] else what,
                "period": format_period(row["period"]),
                "value": _headline_value(figure_text(row)),
                "how": "stated",
                "ids": Html(" ".join(f"<code>{esc(i)}</code>" for i in id_list(row["ids"]))),
            }
        )
    for _, row in metrics.iterrows():
        rows.append(
            {
                "what": row["title"],
                "period": format_period(row["period"]),
                "value": _headline_value(metric_text(row)),
                "how": "computed",
                "ids": Html(" ".join(f"<code>{esc(i)}</code>" for i in id_list(row["inputs"]))),
            }
        )
    columns = [("what", "Measure"), ("period", "Period"), ("value", "Value"), ("how", "Stated or computed")]
    columns.append(("ids", "Figure ids"))
    ids = _all_ids(merged.iloc[0:0], metrics) + [i for cell in merged["ids"] for i in id_list(cell)]
    return [
        table(rows, columns, cls="data headline"),
        source_line(data, ids, computed=not metrics.empty),
        footnotes(data, ids, metrics),
    ]


FUNDING_INDICATORS = ("aid_funds",)
MIN_BARS = 3  # fewer values of one unit go in the table only
IMPLIED_METRICS = ("implied_by_growth", "implied_by_total")


def funding(data: ReportData, scope: str) -> list:
    """Aid funds by period (stated filled, implied hollow) and every funding figure in a table."""
    family = scope_figures(data, scope)
    family = family[family["indicator"].map(data.family).isin(["funding", "growth"])]
    if family.empty:
        return nothing("funding", data, scope)
    stated = usable(family[family["indicator"].isin(FUNDING_INDICATORS) & (family["location"] == "")])
    metrics = scope_metrics(data, scope)
    implied = metrics[metrics["metric"].isin(IMPLIED_METRICS) & (metrics["unit"] == "yuan")]
    implied = implied[implied["inputs"].map(lambda cell: bool(set(id_list(cell)) & set(stated["id"])))]
    growth = metrics[metrics["family"] == "growth"]
    items: list = []
    points = pd.concat([figure_points(data, stated), metric_points(data, implied)], ignore_index=True)
    if points["period"].nunique() >= 2:
        title = f"Aid funds by period — {data.scope(scope)['title_en']}"
        items.append(charts.funding_chart(points, title=title))
        items.append(source_line(data, _all_ids(stated, implied), computed=not implied.empty))
    elif len(points) == 1:
        items.append(para(f"The sources state aid funds for one period only ({points['period'].iloc[0]}), "
                          "so there is nothing to draw over time; the table gives every funding figure."))
    items.append(figures_table(data, family))
    ids = _all_ids(family)
    items.append(source_line(data, ids))
    items.append(footnotes(data, ids))
    if not growth.empty:
        items.append(metrics_table(data, growth))
        ids = _all_ids(family.iloc[0:0], growth)
        items.append(source_line(data, ids, computed=True))
        items.append(footnotes(data, ids, growth))
    return items


def family_section(
    data: ReportData,
    scope: str | None,
    families: Sequence[str],
    *,
    what: str,
    chart_title: str,
    metric_families: Sequence[str] | None = None,
    draw: bool = True,
) -> list:
    """Figures of the given indicator families and measures of the given metric families:
    a chart per unit (when `draw` and at least two usable values share the unit), then tables."""
    figures = data.figures if scope is None else scope_figures(data, scope)
    figures = figures[figures["indicator"].map(data.family).isin(families)]
    metrics = data.metrics if scope is None else scope_metrics(data, scope)
    metrics = metrics[metrics["family"].isin(families if metric_families is None else metric_families)]
    if figures.empty and metrics.empty:
        return nothing(what, data, scope)
    items: list = []
    # Charts show one bar per measure and period (the widest reading); the tables list them all.
    points = pd.concat(
        [figure_points(data, usable(figures), label_scope=scope is None), metric_points(data, widest(metrics))],
        ignore_index=True,
    )
    for unit, group in points.groupby("unit", sort=True):
        if not draw or len(group) < MIN_BARS:
            continue  # one or two bars say nothing the table does not
        title = f"{chart_title} ({unit_word(str(unit)) or 'per cent'})"
        items.append(charts.bar_chart(group, title=title, unit=str(unit), unit_label=unit_word(str(unit))))
        chart_ids = [i for cell in group["ids"] for i in id_list(cell)]
        items.append(source_line(data, chart_ids, computed=(group["kind"] == charts.KIND_IMPLIED).any()))
    if not figures.empty:
        ids = _all_ids(figures)
        items += [figures_table(data, figures), source_line(data, ids), footnotes(data, ids)]
    if not metrics.empty:
        ids = _all_ids(figures.iloc[0:0], metrics)
        items += [metrics_table(data, metrics), source_line(data, ids, computed=True), footnotes(data, ids, metrics)]
    return items


def notes_section(data: ReportData, scope: str | None = None) -> list:
    """Every correction, flag and comparability note that touches the scope (or all scopes)."""
    figures = data.figures if scope is None else scope_figures(data, scope)
    notes = footnotes(data, figures["id"])  # notes on single measures stand under their tables
    if not notes:
        return [para("No figure for this report needed a correction, a flag or a comparability note.")]
    return [notes]


# ---- overview ------------------------------------------------------------------------------------------


def coverage(data: ReportData) -> list:
    """One row per scope: figures, sources, period, corrected and flagged counts."""
    rows = []
    for _, scope in data.scopes.iterrows():
        figures = scope_figures(data, scope["id"])
        rows.append(
            {
                "scope": Html(f"{esc(scope['title_en'])}<br><span lang=\"zh\">{esc(scope['title_zh'])}</span>"),
                "period": period_covered(figures["period"]),
                "figures": len(figures),
                "seeds": ", ".join(sorted(figures["seed"].str[:3].unique())),
                "corrected": int((figures["status"] == "corrected").sum()),
                "flagged": int((figures["status"] == "flagged").sum()),
                "measures": len(scope_metrics(data, scope["id"])),
            }
        )
    columns = [
        ("scope", "Pairing"),
        ("period", "Period"),
        ("figures", "Figures"),
        ("seeds", "Seeds"),
        ("corrected", "Corrected"),
        ("flagged", "Flagged"),
        ("measures", "Computed measures"),
    ]
    return [table(rows, columns), source_line(data, data.figures["id"])]


def scopes_with_data(data: ReportData) -> list[str]:
    """Scope ids that have at least one figure, in data/scopes.csv order."""
    present = set(data.figures["scope"])
    return [s for s in data.scopes["id"] if s in present]


def funding_overview(data: ReportData) -> list:
    figures = usable(data.figures[(data.figures["indicator"] == "aid_funds") & (data.figures["location"] == "")])
    if figures.empty:
        return nothing("aid funds", data, None)
    points = figure_points(data, figures, label_scope=True)
    chart = charts.bar_chart(
        points, title="Aid funds stated in the sources, by pairing and period", unit="yuan", unit_label="yuan"
    )
    return [
        chart,
        source_line(data, figures["id"]),
        figures_table(data, figures),
        source_line(data, figures["id"]),
        footnotes(data, figures["id"]),
    ]


# ---- audit -----------------------------------------------------------------------------------------------


def status_section(data: ReportData, status: str) -> list:
    figures = data.figures[data.figures["status"] == status]
    if figures.empty:
        return [para(f"No figure has status “{status}”.", "empty")]
    rows = [
        {
            "id": Html(f"<code>{esc(row['id'])}</code>"),
            "quote": row["quote"],
            "printed": row["printed"],
            "used": amount(row["value"], row["unit"]) if status == "corrected" else "not used",
            "note": row["note"],
        }
        for _, row in figures.sort_values("id").iterrows()
    ]
    columns = [
        ("id", "Figure"),
        ("quote", "Source text"),
        ("printed", "As printed"),
        ("used", "Value used"),
        ("note", "Evidence"),
    ]
    return [table(rows, columns, cls="data wide"), source_line(data, figures["id"])]


def agreement_section(data: ReportData) -> list:
    """Each same_as link (a restatement in the same or another source): do the two ranges overlap?"""
    figures = data.figures.set_index("id")
    rows = []
    ids: list[str] = []
    for fid, row in figures.sort_index().iterrows():
        partner = row["same_as"]
        if not partner or partner not in figures.index:
            continue
        other = figures.loc[partner]
        a = intervals.from_figure(row.to_dict())
        b = intervals.from_figure(other.to_dict())
        ids += [fid, partner]
        rows.append(
            {
                "what": data.indicator_title(row["indicator"]),
                "period": format_period(row["period"]),
                "a": Html(f"<code>{esc(fid)}</code> “{esc(row['printed'])}”"),
                "b": Html(f"<code>{esc(partner)}</code> “{esc(other['printed'])}”"),
                "kind": "000 ↔ 003" if {fid[:3], partner[:3]} == {"000", "003"} else "same source",
                "agree": "yes" if a.overlaps(b) else "NO",
            }
        )
    if not rows:
        return [para("No figure is linked to another statement of the same fact.", "empty")]
    columns = [
        ("what", "What"),
        ("period", "Period"),
        ("a", "Statement"),
        ("b", "Same fact stated as"),
        ("kind", "Where"),
        ("agree", "Agree within printed precision"),
    ]
    return [table(rows, columns), source_line(data, ids)]


# How each audit `result` reads in the table, and its place in it: real disagreements first.
RESULT_TEXT = {
    "disagrees": "NO",
    "uses_flagged": "flagged input",
    "flagged": "flagged",
    "not_checkable": "n/a",
    "agrees": "yes",
}
RESULT_ORDER = {result: place for place, result in enumerate(RESULT_TEXT)}


def checks_section(data: ReportData) -> list:
    """The audit's recomputations (restatements are in `agreement_section`), disagreements first."""
    audit = data.audit
    if "check" in audit.columns:
        audit = audit[audit["check"] != "same_as"]
    if audit.empty:
        return [para("The audit has no checks to report.", "empty")]
    audit = audit.assign(_order=audit["result"].map(RESULT_ORDER)).sort_values("_order", kind="stable")
    rows = []
    ids: list[str] = []
    known_scopes = set(data.scopes["id"])
    for _, row in audit.iterrows():
        stated = data.figures[data.figures["id"] == row["stated"]]
        unit = stated.iloc[0]["unit"] if not stated.empty else ""
        ids += id_list(row["inputs"]) + id_list(row["stated"])
        where = data.scope(row["scope"])["title_en"] if row["scope"] in known_scopes else str(row["scope"])
        stated_text = amount(row["stated_value"], unit) if not stated.empty else ""
        recomputed = (
            bounded_text(row["recomputed"], row["lower"], row["upper"], unit)
            if pd.notna(row["recomputed"])
            else "not recomputed"
        )
        rows.append(
            {
                "check": Html(f"{esc(row['check'])}<br><code>{esc(row['formula'])}</code>"),
                "where": f"{where}, {format_period(row['period'])}",
                "stated": Html(f"<code>{esc(row['stated'])}</code><br>{esc(stated_text)}"),
                "recomputed": recomputed,
                "agrees": RESULT_TEXT[row["result"]],
                "note": row["note"],
            }
        )
    columns = [
        ("check", "Check and formula"),
        ("where", "Pairing, period"),
        ("stated", "Stated"),
        ("recomputed", "Recomputed"),
        ("agrees", "Agrees"),
        ("note", "Note"),
    ]
    return [table(rows, columns, cls="data wide"), source_line(data, ids, computed=True)]


def metric_audit_section(data: ReportData) -> list:
    if data.metrics.empty:
        return [para("No derived measures were computed.", "empty")]
    rows = [
        {
            "metric": Html(f"<code>{esc(row['metric'])}</code>"),
            "scope": row["scope"],
            "period": format_period(row["period"]),
            "value": metric_text(row),
            "bound": str(row["bound"]).replace("_", " "),
            "formula": row["formula"],
            "inputs": Html(" ".join(f"<code>{esc(i)}</code>" for i in id_list(row["inputs"]))),
        }
        for _, row in data.metrics.iterrows()
    ]
    columns = [
        ("metric", "Measure"),
        ("scope", "Pairing"),
        ("period", "Period"),
        ("value", "Value"),
        ("bound", "Bound"),
        ("formula", "Formula"),
        ("inputs", "Inputs"),
    ]
    ids = [i for cell in data.metrics["inputs"] for i in id_list(cell)]
    return [table(rows, columns, cls="data wide"), source_line(data, ids, computed=True),
            footnotes(data, [], data.metrics)]


# ---- display -----------------------------------------------------------------------------------------------


def show(items: Iterable) -> None:
    """Display section items in a notebook: Html as HTML, altair charts through charts.show."""
    from IPython.display import HTML, display

    for item in items:
        if isinstance(item, Html):
            if item:
                display(HTML(str(item)))
        elif isinstance(item, alt.TopLevelMixin):
            charts.show(item)
        else:
            display(item)

