"""What the report notebooks load, check and display.

`load(data_dir)` gives a `ReportData`: the validated figures and reference tables, the metrics and
the audit, and the source list of data/datapackage.json. `self_checks(data)` is the one set of
checks every notebook runs before it shows anything (the build fails when one fails). `show`
displays what eastwest.sections returns: HTML blocks and Altair charts.

HTML blocks are `Html` (markupsafe's Markup): made from Jinja2 templates in eastwest/templates,
with every string from the data escaped there.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd

from eastwest import charts, layout, vocabulary, words

alt = charts.alt
TEMPLATES = Path(__file__).with_name("templates")


class Html(markupsafe.Markup):
    """A piece of trusted HTML (escaped where it came from data). Shows itself as HTML in a notebook."""

    def _repr_html_(self) -> str:
        return str(self)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, **context) -> Html:
    """One of eastwest/templates, filled (data escaped by Jinja2's autoescape)."""
    return Html(_environment().get_template(template).render(**context))


# ---- the data a report reads ------------------------------------------------------------------------


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
    glosses: dict[str, str]

    @property
    def version(self) -> str:
        return str(self.package.get("version", "unversioned"))

    @property
    def created(self) -> str:
        return str(self.package.get("created", ""))[:10]

    def scope(self, scope_id: str) -> dict:
        match = self.scopes[self.scopes["id"] == scope_id]
        if match.empty:
            known = ", ".join(self.scopes["id"])
            raise ValueError(f"unknown scope {scope_id!r} (data/scopes.csv has: {known})")
        return match.iloc[0].to_dict()

    def source(self, seed: str) -> dict:
        """The data package's entry for a seed file (title, publisher, date, language)."""
        for source in self.package.get("sources", []):
            if Path(str(source.get("path", ""))).name == seed:
                return source
        return {"title": seed, "publisher": seed}

    def family(self, indicator: str) -> str:
        return self._families().get(indicator, "other")

    def _families(self) -> dict[str, str]:
        cached = self.__dict__.get("_family_cache")
        if cached is None:
            cached = dict(zip(self.indicators["id"], self.indicators["family"], strict=True))
            self.__dict__["_family_cache"] = cached
        return cached


def read_package(data_dir: Path | str) -> dict:
    path = Path(data_dir) / "datapackage.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def read_glosses(data_dir: Path | str) -> dict[str, str]:
    """figure id → the report's own Chinese rendering of its English quote (data/quote_glosses.csv)."""
    from eastwest import csvfile  # noqa: PLC0415

    path = Path(data_dir) / "quote_glosses.csv"
    if not path.exists():
        return {}
    return {row["figure_id"]: row["gloss_zh"] for row in csvfile.read_table(path).rows}


def load(data_dir: Path | str) -> ReportData:
    """Validated figures and reference tables from `data_dir`, with the metrics and the audit."""
    from eastwest import audit, dataset, metrics  # noqa: PLC0415 - keeps this module quick to import

    data_dir = Path(data_dir)
    words.use_data(data_dir)
    figures = dataset.load_figures(data_dir)
    indicators = dataset.load_indicators(data_dir)
    return ReportData(
        data_dir=data_dir,
        figures=figures,
        metrics=metrics.compute(figures, indicators),
        audit=audit.run(figures, indicators),
        scopes=dataset.load_scopes(data_dir),
        indicators=indicators,
        units=dataset.load_units(data_dir),
        package=read_package(data_dir),
        glosses=read_glosses(data_dir),
    )


# ---- the checks every notebook runs -------------------------------------------------------------------


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
    """same_as links that point nowhere or join different facts (vocabulary.link_mismatches; should be none)."""
    rows = {row["id"]: row for row in data.figures.to_dict(orient="records")}
    problems = []
    for fid, row in rows.items():
        if not row["same_as"]:
            continue
        target = rows.get(row["same_as"])
        if target is None:
            problems.append(f"{fid} → {row['same_as']} (missing)")
            continue
        problems += [
            f"{fid} → {row['same_as']} ({column} differs)" for column in vocabulary.link_mismatches(row, target)
        ]
    return problems


def untranslated_terms(data: ReportData) -> list[str]:
    """Locations and bases of figures.csv that data/terms_zh.csv gives no Chinese for (should be none)."""
    terms = words.reader_names().terms
    return sorted(
        f"{column} {text!r}"
        for column in ("location", "basis")
        for text in set(data.figures[column])
        if text and (column, text) not in terms
    )


def unplaced_families(data: ReportData) -> list[str]:
    """Families of the data's indicators and metrics that eastwest/layout.toml places in no section and
    not in the appendix (should be none: their figures and measures would appear in no report)."""
    return layout.unplaced(data.indicators["family"], data.metrics["family"])


class SelfCheckError(AssertionError):
    """A join or count the report relies on does not hold."""


def self_checks(data: ReportData) -> list[str]:
    """The joins and counts every report relies on; raises SelfCheckError on the first that fails.

    Returns the checks that passed, as sentence keys, for the "About this report" section.
    """
    figures = data.figures
    checks = {
        "check.unique_ids": figures["id"].is_unique,
        "check.scopes_known": set(figures["scope"]) <= set(data.scopes["id"]),
        "check.indicators_known": set(figures["indicator"]) <= set(data.indicators["id"]),
        "check.units_known": set(figures["unit"]) <= set(data.units["id"]),
        "check.inputs_known": not unknown_inputs(data),
        "check.links_sound": not broken_links(data),
        "check.glosses_known": set(data.glosses) <= set(figures["id"]),
        "check.terms_known": not untranslated_terms(data),
        "check.families_placed": not unplaced_families(data),
    }
    failed = [key for key, passed in checks.items() if not passed]
    if failed:
        detail = {
            "check.inputs_known": unknown_inputs(data),
            "check.links_sound": broken_links(data),
            "check.terms_known": untranslated_terms(data),
            "check.families_placed": unplaced_families(data),
        }
        raise SelfCheckError("; ".join(f"{key} failed {detail.get(key, '')}".strip() for key in failed))
    return list(checks)


# ---- picking rows ---------------------------------------------------------------------------------------


def scope_figures(data: ReportData, scope: str) -> pd.DataFrame:
    return data.figures[data.figures["scope"] == scope]


def scope_metrics(data: ReportData, scope: str) -> pd.DataFrame:
    return data.metrics[data.metrics["scope"] == scope]


def usable(figures: pd.DataFrame) -> pd.DataFrame:
    """Figures fit for the body: not flagged, and achievements (not targets, plans or forecasts)."""
    return figures[(figures["status"] != "flagged") & (figures["nature"] == "actual")]


def sort_by_period(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    keys = frame["period"].map(vocabulary.year_bounds)
    return frame.assign(_k=keys).sort_values(["_k"], kind="stable").drop(columns="_k")


def same_groups(figures: pd.DataFrame) -> dict[str, list[str]]:
    """Figure id → all ids stating the same fact (vocabulary.same_as_groups), in id order."""
    groups = vocabulary.same_as_groups(figures["id"].tolist(), figures["same_as"].tolist())
    return {fid: sorted(members) for members in groups for fid in members}


def merge_same(figures: pd.DataFrame) -> pd.DataFrame:
    """One row per fact: figures linked by same_as become one row whose `ids` names them all.

    The row kept is the statement the metrics count the fact by (eastwest.metrics: not a restatement
    within its source, and the most precise across sources: 27.44亿 rather than 2.74 billion); the
    others follow it in `ids`.
    """
    from eastwest import metrics  # noqa: PLC0415

    groups = same_groups(figures)
    passed_over = metrics.restatements(figures) | set(metrics.less_precise_statements(figures))
    records = {row["id"]: row for row in figures.to_dict(orient="records")}
    kept, seen = [], set()
    for fid in figures["id"]:
        members = groups[fid]
        if members[0] in seen:
            continue
        seen.add(members[0])
        chosen = next((m for m in members if m not in passed_over), members[0])
        kept.append({**records[chosen], "ids": " ".join([chosen] + [m for m in members if m != chosen])})
    return pd.DataFrame(kept, columns=[*figures.columns, "ids"])


# ---- display ---------------------------------------------------------------------------------------------


def show(items: Iterable) -> None:
    """Display section items in a notebook: Html as HTML, altair charts through charts.show."""
    from IPython.display import HTML, display  # noqa: PLC0415

    for item in items:
        if isinstance(item, markupsafe.Markup):
            if item:
                display(HTML(str(item)))
        elif isinstance(item, alt.TopLevelMixin):
            charts.show(item)
        else:
            display(item)
