"""Named values and the sentences that carry them (in the manner of MyST-NB's `glue`, with provenance).

A finding is a message (eastwest/messages/findings.toml) whose placeholders are filled only with
named values taken from the data: a figure of data/figures.csv, a row of the metrics, a period or a
count of rows. Which value fills which placeholder is declared in eastwest/findings.toml, so the
sentences change when the data change, and no number in them is typed by hand:

    [[report.brief]]
    message = "finding.bj_money"
    total = "figure:003-aid-funds-2018-2019"          # the figure, with its qualifier
    years = "period:003-aid-funds-2018-2019"          # its period
    implied = "metric:implied_by_growth:beijing-inner-mongolia:2019"

Each value knows the figure ids behind it, so the HTML links every number to its quote.

References:
- `figure:<id>`: the figure as printed, with its qualifier ("more than 300,000 people");
- `number:<id>`: the same without its unit word ("more than 300,000"), where the sentence names the thing;
- `period:<id>`: the figure's period ("2018–2019");
- `metric:<metric>:<scope>:<period>`: a derived measure with its bounds ("at most 9,150 yuan");
- `count:<name>`: how many rows a named selection holds (see COUNTS), e.g. `count:corrected`;
- `scope:<id>`: a scope's title.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import markupsafe

from eastwest import words

PLAN_FILE = Path(__file__).with_name("findings.toml")


class FindingError(ValueError):
    """A finding names a value the data do not hold."""


@dataclass(frozen=True)
class Value:
    """A named value: its text in one language and the figure ids it comes from."""

    name: str
    text: str
    ids: tuple[str, ...] = ()
    quote: str = ""
    numeric: bool = True  # counts and amounts; periods and titles are not checked as numbers


@dataclass(frozen=True)
class Finding:
    message: str
    values: dict[str, Value] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """The sentence as plain text."""
        return words.text(self.message, lang, **{name: value.text for name, value in self.values.items()})

    def html(self, lang: str, href: Callable[[str], str] | None = None) -> markupsafe.Markup:
        """The sentence as HTML: each value a link to its first figure, its quote shown on hover."""
        template = words.template(self.message, lang)
        rendered = {name: _value_html(value, href) for name, value in self.values.items()}
        return markupsafe.Markup(markupsafe.escape(template)).format(**rendered)


def _value_html(value: Value, href: Callable[[str], str] | None) -> markupsafe.Markup:
    if not value.ids:
        return markupsafe.Markup('<span class="v">{}</span>').format(value.text)
    link = href(value.ids[0]) if href else f"#fig-{value.ids[0]}"
    return markupsafe.Markup('<a class="v" href="{}" title="{}" data-ids="{}">{}</a>').format(
        link, value.quote, " ".join(value.ids), value.text
    )


# ---- resolving references -------------------------------------------------------------------------


def _figure_row(data, figure_id: str) -> Mapping:
    match = data.figures[data.figures["id"] == figure_id]
    if match.empty:
        raise FindingError(f"a finding names figure {figure_id!r}, which data/figures.csv does not hold")
    row = match.iloc[0].to_dict()
    if row["status"] == "flagged":
        raise FindingError(f"a finding uses flagged figure {figure_id!r} as a plain value")
    return row


def _figure(data, name: str, figure_id: str, lang: str) -> Value:
    row = _figure_row(data, figure_id)
    text = words.qualified(float(row["value"]), str(row["unit"]), str(row["qualifier"]), lang)
    return Value(name, text, (figure_id,), str(row["quote"]))


def _number(data, name: str, figure_id: str, lang: str) -> Value:
    """The figure's number with its qualifier but no unit word, for sentences that name what is counted."""
    row = _figure_row(data, figure_id)
    text = words.qualified(float(row["value"]), "", str(row["qualifier"]), lang)
    return Value(name, text, (figure_id,), str(row["quote"]))


def _period(data, name: str, figure_id: str, lang: str) -> Value:
    row = _figure_row(data, figure_id)
    return Value(name, words.period(str(row["period"]), lang), (figure_id,), str(row["quote"]), numeric=False)


def _metric(data, name: str, key: str, lang: str) -> Value:
    metric, scope, period = key.split(":")
    rows = data.metrics
    match = rows[(rows["metric"] == metric) & (rows["scope"] == scope) & (rows["period"] == period)]
    if match.empty:
        raise FindingError(f"a finding names metric {key!r}, which the metrics do not hold")
    row = match.iloc[0]
    text = words.bounded(float(row["value"]), _float(row["lower"]), _float(row["upper"]), str(row["unit"]), lang)
    ids = tuple(str(row["inputs"]).split())
    return Value(name, text, ids, str(row["formula"]))


def _float(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _count(data, name: str, what: str, lang: str) -> Value:
    if what not in COUNTS:
        raise FindingError(f"a finding counts {what!r}; known counts: {', '.join(COUNTS)}")
    counted = COUNTS[what](data)
    # A count links to the figures it counts when they are a handful of figures (corrections, flags);
    # a count of checks, sources or of every figure links nowhere.
    figure_ids = set(data.figures["id"])
    linked = tuple(counted) if len(counted) <= MAX_LINKED and set(counted) <= figure_ids else ()
    return Value(name, words.number(len(counted), lang), linked)


MAX_LINKED = 20


def _scope(data, name: str, scope_id: str, lang: str) -> Value:  # noqa: ARG001 - one signature for all
    return Value(name, words.scope(scope_id, lang), numeric=False)


def _ids(frame, column: str = "id") -> list[str]:
    return [str(i) for i in frame[column]]


COUNTS: dict[str, Callable] = {
    "figures": lambda data: _ids(data.figures),
    "sources": lambda data: sorted(set(data.figures["seed"])),
    "corrected": lambda data: _ids(data.figures[data.figures["status"] == "corrected"]),
    "flagged": lambda data: _ids(data.figures[data.figures["status"] == "flagged"]),
    "same_as_003_000": lambda data: _ids(_linked_across(data, "003", "000")),
    "checks": lambda data: _ids(data.audit, "check"),
    "checks_agree": lambda data: _ids(data.audit[data.audit["result"] == "agrees"], "check"),
    "checks_disagree": lambda data: _ids(data.audit[data.audit["result"] == "disagrees"], "check"),
    "checks_not_checkable": lambda data: _ids(data.audit[data.audit["result"] == "not_checkable"], "check"),
    "metrics": lambda data: _ids(data.metrics, "metric"),
}


def _linked_across(data, seed_a: str, seed_b: str):
    """Figures of seed `seed_a` linked by same_as to a figure of seed `seed_b`."""
    figures = data.figures
    seed_of = dict(zip(figures["id"], figures["seed"], strict=True))
    linked = [
        fid
        for fid, target in zip(figures["id"], figures["same_as"], strict=True)
        if target and seed_of[fid].startswith(seed_a) and seed_of.get(target, "").startswith(seed_b)
    ]
    return figures[figures["id"].isin(linked)]


RESOLVERS = {
    "figure": _figure,
    "number": _number,
    "period": _period,
    "metric": _metric,
    "count": _count,
    "scope": _scope,
}


def resolve(data, name: str, reference: str, lang: str) -> Value:
    kind, _, key = reference.partition(":")
    if kind not in RESOLVERS:
        raise FindingError(f"unknown kind of value {kind!r} in {reference!r}; known: {', '.join(RESOLVERS)}")
    return RESOLVERS[kind](data, name, key, lang)


# ---- the plan ----------------------------------------------------------------------------------------


@functools.cache
def plan(path: Path = PLAN_FILE) -> dict[str, list[dict]]:
    """Report name → its declared findings (each a message key and its value references)."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)["report"]


def for_report(data, report: str, lang: str) -> list[Finding]:
    """The findings declared for `report` ("brief", "overview", "audit", "scope.<id>"), filled from data."""
    out = []
    for entry in plan().get(report, []):
        references = {k: v for k, v in entry.items() if k != "message"}
        values = {name: resolve(data, name, ref, lang) for name, ref in references.items()}
        out.append(Finding(entry["message"], values))
    return out


# ---- the README's summary ---------------------------------------------------------------------------

README_START = "<!-- key findings: written by `python -m eastwest.findings`; do not edit by hand -->"
README_END = "<!-- end of key findings -->"


def readme_block(data) -> str:
    """The brief's key findings as a numbered Markdown list, between the README's markers."""
    items = [f"{n}. {finding.text('en')}" for n, finding in enumerate(for_report(data, "brief", "en"), 1)]
    return "\n".join([README_START, *items, README_END])


def with_readme_block(readme: str, block: str) -> str:
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + block + readme[end:]


def main() -> int:
    """Rewrite the key findings in README.md from the data."""
    from eastwest import atomic, paths, report  # noqa: PLC0415

    readme = paths.ROOT / "README.md"
    text = with_readme_block(readme.read_text(encoding="utf-8"), readme_block(report.load(paths.DATA)))
    atomic.write_text(readme, text)
    print("findings: README.md key findings rewritten from the data")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
