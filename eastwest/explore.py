"""Ask your own question of the data: plain functions that return pandas DataFrames and Altair charts.

For JupyterLab (notebooks/04_explore.ipynb) and any Python session:

    from eastwest import explore, charts
    explore.figures()                          # every curated figure, with readable column names
    explore.find("贫困")                        # figures whose quote, indicator title or note mentions it
    explore.find(indicator="aid_funds", scope="beijing-inner-mongolia")
    explore.figure("000-aid-funds-2018-2019")  # one figure: its quote, seed, publisher, what derives from it
    explore.compare("aid_funds")               # one indicator across pairings and periods
    charts.show(explore.chart(explore.compare("aid_funds")))
    charts.show(explore.indicator_explorer())  # a dropdown picks the indicator; works in the HTML export too

Data are read through `eastwest.dataset` (validated on loading) and metrics through `eastwest.metrics.compute`.
Column titles come from the field titles in data/datapackage.json. `lang="zh"` gives indicator and scope
titles in Chinese where the reference tables have them.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from eastwest import dataset, metrics, paths, vocabulary
from eastwest.schema_imports import preload_jsonschema

preload_jsonschema()
import altair as alt  # noqa: E402

__all__ = ["figures", "find", "figure", "FigureCard", "compare", "chart", "indicator_explorer"]

INDICATOR_TITLE = "Indicator title"
SCOPE_TITLE = "Scope title"
PUBLISHER = "Publisher"
LANGS = ("en", "zh")
# Readable columns first, in this order; the rest follow as data/figures.csv has them.
_LEADING = ["id", INDICATOR_TITLE, SCOPE_TITLE, "period", "printed", "value", "unit", "qualifier", "quote", "seed",
            PUBLISHER]  # fmt: skip
_METRIC_FIRST = ["metric", "title", "scope", "period", "value", "lower", "upper", "unit", "bound", "formula", "inputs"]
_COMPARE = ["id", SCOPE_TITLE, "period", "value", "unit", "printed", "qualifier", "status", "seed", "quote"]


def _data_dir(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir is not None else paths.DATA


def _descriptor(data_dir: Path) -> dict:
    return json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))


def _titles(data_dir: Path) -> dict[str, str]:
    """figures.csv column -> its title in data/datapackage.json ("status" -> "Curation status")."""
    for resource in _descriptor(data_dir)["resources"]:
        if resource.get("name") == "figures":
            return {field["name"]: field.get("title", field["name"]) for field in resource["schema"]["fields"]}
    return {}


def _publishers(data_dir: Path, lang: str) -> dict[str, str]:
    """seed file name -> its publisher, from the `sources` of data/datapackage.json."""
    found = {}
    for source in _descriptor(data_dir).get("sources", []):
        name = Path(source.get("path", "")).name
        found[name] = source.get(f"publisher_{lang}") or source.get("publisher", "")
    return found


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r} is not one of: {', '.join(LANGS)}")


def _raw(data_dir: Path | str | None, lang: str) -> pd.DataFrame:
    """figures.csv with indicator and scope titles and the publisher, under the original column names."""
    _check_lang(lang)
    data_dir = _data_dir(data_dir)
    frame = dataset.load_figures(data_dir).copy()
    indicators = dataset.load_indicators(data_dir).set_index("id")
    scopes = dataset.load_scopes(data_dir).set_index("id")
    indicator_title = indicators["title"]
    if lang == "zh" and "title_zh" in indicators:
        indicator_title = indicators["title_zh"].where(indicators["title_zh"] != "", indicators["title"])
    frame[INDICATOR_TITLE] = frame["indicator"].map(indicator_title).fillna("")
    frame[SCOPE_TITLE] = frame["scope"].map(scopes[f"title_{lang}"]).fillna("")
    frame[PUBLISHER] = frame["seed"].map(_publishers(data_dir, lang)).fillna("")
    frame["_indicator_titles"] = frame["indicator"].map(
        lambda i: " ".join(str(indicators.loc[i, c]) for c in ("title", "title_zh") if c in indicators)
        if i in indicators.index else ""
    )  # fmt: skip
    return frame


def _readable(frame: pd.DataFrame, data_dir: Path | str | None, columns: list[str] | None = None) -> pd.DataFrame:
    keep = columns or _LEADING + [c for c in frame.columns if c not in _LEADING and not c.startswith("_")]
    titles = _titles(_data_dir(data_dir))
    return frame[keep].rename(columns=titles).reset_index(drop=True)


def figures(data_dir: Path | str | None = None, lang: str = "en") -> pd.DataFrame:
    """Every curated figure, one row each, with readable column names and the indicator and scope titles.

    >>> table = figures()
    >>> row = table.set_index("Figure id").loc["003-aid-funds-2018-2019"]
    >>> row["Printed"], float(row["Value"]), row["Scope title"]
    ('27.44亿元', 2744000000.0, 'Beijing → Inner Mongolia')
    """
    return _readable(_raw(data_dir, lang), data_dir)


def _known(value: str, known: list[str], what: str) -> str:
    if value in known:
        return value
    close = difflib.get_close_matches(value, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(f"{value!r} is not a {what} id in the data{hint}")


def find(
    text: str | None = None,
    indicator: str | None = None,
    scope: str | None = None,
    period: str | None = None,
    seed: str | None = None,
    *,
    data_dir: Path | str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Figures that match every criterion given, as `figures()` shows them.

    `text` is looked for, ignoring case, in the quote, the indicator's titles (English and Chinese), the
    printed number and the note; `indicator` and `scope` are ids; `period` ("2019", "2018/2019", "2022-05")
    keeps figures whose period shares a month with it; `seed` is a file name or its number ("003").

    >>> find("贫困人口", seed="003")["Printed"].tolist()[:2]
    ['30多万', '30多万']
    >>> find(indicator="aid_funds", scope="tianjin-assisted", period="2020")["Printed"].tolist()
    ['1.296948 billion yuan']
    """
    frame = _raw(data_dir, lang)
    keep = pd.Series(True, index=frame.index)
    if text:
        haystack = frame["quote"] + " " + frame["_indicator_titles"] + " " + frame["printed"] + " " + frame["note"]
        keep &= haystack.str.contains(text, case=False, regex=False)
    if indicator:
        keep &= frame["indicator"] == _known(indicator, sorted(set(frame["indicator"])), "indicator")
    if scope:
        keep &= frame["scope"] == _known(scope, sorted(set(frame["scope"])), "scope")
    if period:
        if vocabulary.months(period) is None:
            raise ValueError(f"period {period!r} is not {vocabulary.PERIOD_FORMAT}")
        keep &= frame["period"].map(lambda p: vocabulary.relate(p, period, "overlap"))
    if seed:
        keep &= frame["seed"].str.startswith(seed)
    return _readable(frame[keep], data_dir)


@dataclass
class FigureCard:
    """One figure: `about` (its fields, quote, seed and publisher) and `derived` (the metrics that use it)."""

    id: str
    about: pd.DataFrame
    derived: pd.DataFrame

    def _repr_html_(self) -> str:
        """Both tables; the metrics with their readable columns only (`derived` holds them all)."""
        shown = self.derived[[column for column in _METRIC_FIRST if column in self.derived]]
        derived = shown.to_html(index=False) if len(shown) else "<p>No metric uses this figure.</p>"
        return f"<h4>{self.id}</h4>{self.about.to_html(header=False)}<h4>Derived from it</h4>{derived}"

    def __repr__(self) -> str:
        return f"{self.id}\n{self.about.to_string(header=False)}\n\nDerived from it:\n{self.derived.to_string()}"


def figure(id: str, data_dir: Path | str | None = None, lang: str = "en") -> FigureCard:  # noqa: A002
    """The figure `id` with its quote, seed and publisher, and every metric row whose inputs include it.

    >>> card = figure("000-aid-funds-growth-2020")
    >>> card.about.loc["Printed", "value"]
    '14.6%'
    >>> "implied_by_growth" in set(card.derived["metric"])
    True
    """
    frame = _raw(data_dir, lang)
    rows = frame[frame["id"] == _known(id, frame["id"].tolist(), "figure")]
    about = _readable(rows, data_dir).iloc[0].rename("value").to_frame()
    measures = metrics.compute(dataset.load_figures(data_dir), dataset.load_indicators(data_dir))
    uses = measures["inputs"].fillna("").map(lambda inputs: id in re.split(r"[\s,;]+", inputs))
    derived = measures[uses].reset_index(drop=True)
    first = [column for column in _METRIC_FIRST if column in derived]
    return FigureCard(id, about, derived[first + [column for column in derived if column not in first]])


def compare(indicator: str, data_dir: Path | str | None = None, lang: str = "en") -> pd.DataFrame:
    """One indicator across pairings and periods: every figure of it, sorted by scope then period.

    Restatements (a headline repeating the body, a second source stating the same fact) stay in, each
    with its source file, so differences between sources show; flagged figures are marked by their status.

    >>> compare("personnel_exchanged")[["Scope title", "Period", "Printed"]].head(2).values.tolist()
    [['Beijing → Inner Mongolia', '2018/2019', '5,229'], ['Beijing → Inner Mongolia', '2018/2019', '5229人']]
    """
    frame = _raw(data_dir, lang)
    frame = frame[frame["indicator"] == _known(indicator, sorted(set(frame["indicator"])), "indicator")]
    frame = frame.sort_values(["scope", "period", "seed", "id"], kind="stable")
    return _readable(frame, data_dir, _COMPARE + [INDICATOR_TITLE])


def _field(frame: pd.DataFrame, *names: str) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise ValueError(f"the selection needs a column {names[0]!r} (pass a frame from figures, find or compare)")


def chart(frame: pd.DataFrame, title: str | None = None) -> alt.FacetChart | alt.Chart:
    """A chart of any selection from `figures`, `find` or `compare`: value by period, one colour per scope.

    Several indicators get one panel each, with its own scale. The tooltip shows the printed number, its
    qualifier and the quote.

    >>> spec = chart(find(indicator="aid_funds")).to_dict()
    >>> spec["facet"]["row"]["field"] if "facet" in spec else spec["encoding"]["x"]["field"]
    'Period'
    """
    if frame.empty:
        raise ValueError("the selection is empty: there is nothing to chart")
    period, value = _field(frame, "Period"), _field(frame, "Value")
    scope, indicator = _field(frame, SCOPE_TITLE, "Scope"), _field(frame, INDICATOR_TITLE, "Indicator")
    tooltip = [c for c in ("Figure id", indicator, scope, period, "Printed", "Qualifier", "Quote") if c in frame]
    base = alt.Chart(frame).mark_point(filled=True, size=70).encode(
        x=alt.X(f"{period}:O", title="Period"),
        y=alt.Y(f"{value}:Q", title="Value (base unit)"),
        color=alt.Color(f"{scope}:N", title="Scope"),
        tooltip=tooltip,
    )  # fmt: skip
    if frame[indicator].nunique() > 1:
        base = base.properties(width=420, height=140).facet(row=alt.Row(f"{indicator}:N", title=None))
        base = base.resolve_scale(y="independent", x="independent")
    else:
        base = base.properties(width=420, height=220)
    return base.properties(title=title or ", ".join(sorted(frame[indicator].unique()))[:120])


def indicator_explorer(data_dir: Path | str | None = None, lang: str = "en") -> alt.Chart:
    """Every figure in one chart with a dropdown (a Vega-Lite parameter bound to a select) for the indicator.

    The choice is made in the browser, so it works wherever Vega runs: JupyterLab and the HTML export.

    >>> params = indicator_explorer().to_dict()["params"]
    >>> params[0]["bind"]["input"], params[0]["value"]
    ('select', 'Fiscal assistance funds')
    """
    frame = figures(data_dir, lang)
    options = sorted(frame[INDICATOR_TITLE].unique())
    first = frame.loc[frame["Indicator"] == "aid_funds", INDICATOR_TITLE]
    picked = alt.param(
        name="indicator",
        value=first.iloc[0] if len(first) else options[0],
        bind=alt.binding_select(options=options, name="Indicator "),
    )
    columns = ["Figure id", INDICATOR_TITLE, SCOPE_TITLE, "Period", "Value", "Base unit", "Printed", "Qualifier"]
    columns.append("Quote")
    return (
        alt.Chart(frame[columns])
        .mark_point(filled=True, size=80)
        .encode(
            x=alt.X("Period:O", title="Period"),
            y=alt.Y("Value:Q", title="Value (base unit)"),
            color=alt.Color(f"{SCOPE_TITLE}:N", title="Scope"),
            tooltip=columns,
        )
        .add_params(picked)
        .transform_filter(alt.datum[INDICATOR_TITLE] == picked)
        .properties(width=480, height=260, title="Figures of one indicator (pick it below the chart)")
    )
