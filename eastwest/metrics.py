"""Derived metrics: numbers the sources imply but do not print, each with its bounds and a plain formula.

`CATALOGUE` lists the metric specifications; `compute(figures)` evaluates every one of them for
every scope and period where its inputs exist and returns one row per result with the columns

    metric, family, title_code, scope, period, value, lower, upper, unit, formula, inputs, bound, headline, notes

- `value` is the formula applied to the figures' printed values; `lower`/`upper` are what the
  printed precision and qualifiers allow (empty when that side is unbounded); `bound` is exact,
  interval, lower_bound or upper_bound. Results with no bound at all are not reported. How many
  digits a reader sees, and whether a bound is worth saying, is eastwest.words' job (`bounded`).
- `formula` names the indicators ("aid_funds / beneficiaries") and `inputs` lists the figure ids, in
  the formula's order, so a reader can redo the sum.
- The table holds no reader text, so both editions word it. `title_code` and `notes` are JSON
  lists of {"code": ..., <values>} (figure ids, indicator ids, periods, numbers, the data's basis
  strings); `eastwest.words.word_notes(cell, lang)` words each as the message note.<code> of
  eastwest/messages/notes.toml. `NOTE_CODES` lists every note code, `title_codes()` every title.
- Notes say what a reader needs next to the number: figures counted on different bases, sources
  combined (two reports of one briefing are not independent), periods of different length, plans,
  targets or work under way used as inputs, corrected figures, the most precise statement used,
  implied amounts, and why a result is only a bound.
- `headline` is False for rows that must stay out of headlines and the body: measures dividing all
  funds by one programme's head-count (note not_like_for_like), and recomputations of a figure the
  source states (note stated_in_source: the audit pairs the two, "94%, 47 of 50").

Matching rules (documented here because they decide which rows exist):
- Flagged figures never feed a metric. Inputs must be of the nature the spec asks for (by default
  `actual`).
- All inputs of one result share the scope. Periods must be equal unless the spec's input says
  `overlap` (the periods share at least one month), `within_a_year` (overlapping or at most twelve
  months apart: a stock stated at the article's date for funds of the years before), `previous_year`
  or `any`.
- Locations: per-unit ratios (funds per person, cost per item, ...) need all inputs at the same
  location, or all without one. Shares may put a part about one place over the whole of the scope
  (Tuquan's project funds over all aid funds). Otherwise a figure at the same location as the first
  input is preferred to one without a location.
- Some ratios also need one seed (`same_seed`: facts stated together, e.g. trainees per session)
  or one basis (`same_basis`: 308 cadres trained in Beijing are not divided by 43 classes held for
  poor households).
- Figures of one seed linked by `same_as` (a headline repeated in the body) count once. A fact
  stated by two seeds (003 repeats figures of the briefing behind 000) counts once too, by its most
  precise statement (27.44亿 over 2.74 billion; ties go to the seed that wins most such facts).
- When several figures could fill the inputs, every compatible combination is a candidate. Within
  one scope, period and location, combinations drawn from a single seed are preferred: if any
  exists, cross-seed combinations are dropped; otherwise they are kept and the note says so.
- Money per project counts the funds that went to the projects where the source says so
  (`unless`): Beijing's 2011 70 million for the 32 projects, not the 80 million that also paid
  10 million of loan interest subsidies.
- Interval arithmetic treats each occurrence of a figure as independent, so a formula that uses a
  figure twice gets wider (still valid) bounds; formulas are written to use each figure once where
  possible (1 - remaining / registered rather than (registered - remaining) / registered).
- Growth works on single years only (`YYYY`). A two-year total such as 2018/2019 never enters a
  growth calculation directly. Explicit specs derive from it the annual average (total / 2, a
  metric of its own) and the single years it implies (a total minus its other years; a year
  before a stated growth rate). Those implied years do enter growth, labelled in the note and
  carrying the ids of the figures they come from.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eastwest import vocabulary
from eastwest.intervals import Interval, figure_interval

COLUMNS = [
    "metric", "family", "title_code", "scope", "period", "value", "lower", "upper", "unit", "formula",
    "inputs", "bound", "headline", "notes",
]  # fmt: skip


# ---- reading the data ------------------------------------------------------------------------------
def load_inputs(data_dir: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(figures, indicators) from `data_dir` (default data/), validated by eastwest.dataset."""
    from eastwest import dataset  # late import: loading validates, which is heavier

    return dataset.load_figures(data_dir), dataset.load_indicators(data_dir)


def default_indicators() -> pd.DataFrame:
    """data/indicators.csv, validated: what `compute` and the audit use when given no indicators."""
    from eastwest import dataset  # late import: loading validates, which is heavier

    return dataset.load_indicators()


# ---- a figure as metrics see it ------------------------------------------------------------------------
@dataclass(frozen=True)
class Operand:
    """A number a metric can use: a figure row, or an amount implied by other figures."""

    ids: tuple[str, ...]  # figure ids behind it (one for a figure)
    indicator: str
    scope: str
    period: str
    location: str
    seeds: frozenset[str]
    interval: Interval
    unit: str = ""
    nature: str = "actual"
    basis: str = ""
    qualifier: str = "exact"
    printed: str = ""
    status: str = "ok"
    implied_by: str = ""  # metric id when this is an implied amount
    label: str = ""  # how the note refers to it


# The cells of a figure row an operand reads as text, in the order `_operand` takes them.
_TEXT_COLUMNS = ("id", "indicator", "scope", "period", "location", "seed", "unit", "nature", "basis", "qualifier",
                 "printed", "status")  # fmt: skip


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_text(value: object) -> str:
    """A cell as text: "" when it is missing (None or NaN)."""
    return value if isinstance(value, str) else ("" if _missing(value) else str(value))


def _operand(
    fid: str, indicator: str, scope: str, period: str, location: str, seed: str, unit: str, nature: str, basis: str,
    qualifier: str, printed: str, status: str, value: object,
) -> Operand:  # fmt: skip
    """The operand for one figure's cells (texts "" when missing; `value` "" when missing)."""
    return Operand(
        ids=(fid,),
        indicator=indicator,
        scope=scope,
        period=period,
        location=location,
        seeds=frozenset([seed]),
        interval=figure_interval(value, qualifier, printed, unit),
        unit=unit,
        nature=nature or "actual",
        basis=basis,
        qualifier=qualifier or "exact",
        printed=printed,
        status=status or "ok",
    )


def operand_from_row(row: pd.Series | dict) -> Operand:
    """The operand for one figure row (a dict or a pandas Series); missing cells read as empty."""
    value = row.get("value", "")
    return _operand(*(_as_text(row.get(name, "")) for name in _TEXT_COLUMNS), "" if _missing(value) else value)


def figure_operands(figures: pd.DataFrame | None) -> list[Operand]:
    """Every figure row as an operand (as `operand_from_row` reads it), in file order, restatements and
    flagged figures included."""
    if figures is None or len(figures) == 0:
        return []
    texts = [_text_column(figures, name) for name in _TEXT_COLUMNS]
    values = [""] * len(figures) if "value" not in figures.columns else figures["value"].tolist()
    values = ["" if _missing(value) else value for value in values]
    return [_operand(*cells) for cells in zip(*texts, values, strict=True)]


def _text_column(figures: pd.DataFrame, name: str) -> list[str]:
    """A column's cells as `_as_text` reads them ("" for every row when the column is missing)."""
    if name not in figures.columns:
        return [""] * len(figures)
    return [_as_text(cell) for cell in figures[name].tolist()]


def figure_ids(ops: Iterable[Operand]) -> list[str]:
    """The figure ids behind `ops`, each once, in order."""
    ids: list[str] = []
    for op in ops:
        ids.extend(i for i in op.ids if i not in ids)
    return ids


# ---- each fact once ------------------------------------------------------------------------------------
def restatements(figures: pd.DataFrame) -> set[str]:
    """Ids of figures that restate, in the same seed, a fact another row of that seed already gives.

    Rows of one seed linked through `same_as` (a headline and the body repeating it) form a group;
    the group keeps the row that links outside the seed or to nothing, else the first in the file.
    """
    if figures is None or len(figures) == 0 or "same_as" not in figures.columns:
        return set()
    ids = figures["id"].tolist()
    seed_of = dict(zip(ids, figures["seed"].tolist(), strict=True))
    same_seed = [
        link if link in seed_of and seed_of[link] == seed_of[fid] else ""
        for fid, link in zip(ids, figures["same_as"].tolist(), strict=True)
    ]
    link_of = dict(zip(ids, same_seed, strict=True))
    dropped = set()
    for members in vocabulary.same_as_groups(ids, same_seed):
        if len(members) < 2:
            continue
        roots = [fid for fid in members if not link_of[fid]]
        keep = (roots or members)[0]
        dropped.update(fid for fid in members if fid != keep)
    return dropped


def fact_operands(
    figures: pd.DataFrame, every: list[Operand] | None = None, include_flagged: bool = False
) -> tuple[list[Operand], NoteContext]:
    """The operands that count each fact once, and the NoteContext their notes need: same-seed
    restatements and less precise statements of a fact left out, and flagged figures unless
    `include_flagged`. `every` is `figure_operands(figures)` when the caller has built it already.
    """
    if figures is None or len(figures) == 0:
        return [], NoteContext()
    every = figure_operands(figures) if every is None else every
    skip = restatements(figures)
    kept = [op for op in every if op.ids[0] not in skip]
    less_precise = _less_precise(figures, [op for op in kept if op.status != "flagged"])
    found = [op for op in kept if op.ids[0] not in less_precise and (include_flagged or op.status != "flagged")]
    return found, note_context(figures, less_precise)


def less_precise_statements(figures: pd.DataFrame) -> dict[str, tuple[str, bool]]:
    """Figures another source states more precisely: id → (the id kept instead, whether it is narrower)."""
    if figures is None or len(figures) == 0 or "same_as" not in figures.columns:
        return {}
    skip = restatements(figures)
    candidates = [op for op in figure_operands(figures) if op.ids[0] not in skip and op.status != "flagged"]
    return _less_precise(figures, candidates)


def _less_precise(figures: pd.DataFrame, candidates: list[Operand]) -> dict[str, tuple[str, bool]]:
    """`less_precise_statements` among `candidates` (unflagged, same-seed restatements already left out).

    Statements of one fact in different seeds (linked by `same_as`) count once, by the one whose
    printed precision pins the value down most (27.44亿 over 2.74 billion). Ties go to the seed that
    wins most such groups, then to file order, so that one source's statements are used together
    where they are equally good.
    """
    if "same_as" not in figures.columns:
        return {}
    kept = {op.ids[0]: op for op in candidates}
    groups = _linked_groups(figures, kept)
    width = {fid: kept[fid].interval.width for members in groups for fid in members}
    seed = {fid: next(iter(kept[fid].seeds)) for fid in width}
    wins: dict[str, int] = {}
    for members in groups:
        narrowest = sorted(members, key=width.__getitem__)
        if width[narrowest[0]] < width[narrowest[1]]:
            wins[seed[narrowest[0]]] = wins.get(seed[narrowest[0]], 0) + 1
    order = {fid: i for i, fid in enumerate(width)}
    out = {}
    for members in groups:
        best = min(members, key=lambda f: (width[f], -wins.get(seed[f], 0), order[f]))
        out.update({f: (best, width[f] > width[best]) for f in members if f != best})
    return out


def _linked_groups(figures: pd.DataFrame, ids: Mapping[str, object]) -> list[list[str]]:
    """The `same_as` groups (vocabulary.same_as_groups, over every row) with two or more of `ids`, in file order."""
    groups = vocabulary.same_as_groups(figures["id"].tolist(), figures["same_as"].tolist())
    found = ([fid for fid in members if fid in ids] for members in groups if len(members) > 1)
    return [members for members in found if len(members) > 1]


@dataclass(frozen=True)
class NoteContext:
    """What notes need to know beyond a result's operands, worked out once per `compute`.

    `briefings`: pairs of seeds that report one briefing (a cross-seed `same_as` link joins them), so
    combining them is not independent confirmation. `rounded`: figure id → ids of less precise
    statements of the same fact that it replaces (27.44亿 for 2.74 billion).
    """

    briefings: frozenset[frozenset[str]] = frozenset()
    rounded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def note_context(figures: pd.DataFrame, less_precise: Mapping[str, tuple[str, bool]]) -> NoteContext:
    """Seeds that report one briefing, and the less precise statements (`less_precise_statements`) each kept
    figure replaces."""
    if "same_as" not in figures.columns:
        return NoteContext()
    seed_of = dict(zip(figures["id"], figures["seed"], strict=True))
    briefings = {
        frozenset((seed_of[fid], seed_of[other]))
        for fid, other in zip(figures["id"], figures["same_as"], strict=True)
        if other in seed_of and seed_of[other] != seed_of[fid]
    }
    rounded: dict[str, list[str]] = {}
    for dropped, (kept, wider) in less_precise.items():
        if wider:
            rounded.setdefault(kept, []).append(dropped)
    return NoteContext(frozenset(briefings), {k: tuple(v) for k, v in rounded.items()})


# ---- specifications -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    """One operand of a formula: which indicator, of which nature, and how its period must relate.

    `period` is how it relates to the first input's period (`vocabulary.relate`, one of PERIOD_RELATIONS);
    `nature` lists the natures (`vocabulary.NATURES`) a figure may have to fill it.
    """

    role: str
    indicator: str
    nature: tuple[str, ...] = ("actual",)
    period: str = "same"

    def __post_init__(self) -> None:
        if self.period not in vocabulary.PERIOD_RELATIONS:
            raise ValueError(f"unknown period relation {self.period!r} for input {self.role}")
        unknown = [nature for nature in self.nature if nature not in vocabulary.NATURES]
        if unknown:
            raise ValueError(f"unknown nature {', '.join(unknown)} for input {self.role}")


@dataclass(frozen=True)
class Formula:
    """A metric computed from figures of one scope: `fn` applies `formula` to the inputs' intervals.

    Its title is the message `note.title_<id>` (or `title`, a note code, when several specs share one).
    `note` is a note code every result carries (worded by `note.<code>`). `stated`: an indicator the
    sources state for the same quantity; where one exists the row says so and is not a headline (the
    audit pairs the two). `unless`: an indicator that, stated in the first input's scope, period and
    seed, makes this spec give way to a more specific one (Beijing's 70 million for the 32 projects,
    not the 80 million that also paid interest subsidies). `headline` False keeps every row out of
    headlines (measures that divide all funds by one programme's head-count).
    """

    id: str
    family: str
    unit: str
    formula: str
    inputs: tuple[Input, ...]
    fn: Callable[..., Interval]
    note: str = ""
    compare_with: str = ""  # indicator whose stated figure the result should be read against
    same_seed: bool = False  # inputs must come from one source (facts stated together)
    same_basis: bool = False  # inputs with different non-empty bases are not combined
    same_location: bool = True  # per-unit ratios: both at one place (a share may put a place over the whole)
    stated: str = ""
    unless: str = ""
    headline: bool = True
    title: str = ""  # title code when it is not title_<id>


@dataclass(frozen=True)
class Growth:
    """Year-on-year change, multiple or compound annual growth between two single years of one indicator.

    `indicator` "*" means every indicator (except fractions) that has two or more single years.
    """

    id: str
    measure: str  # yoy | multiple | cagr
    indicator: str = "*"
    family: str = "growth"


@dataclass(frozen=True)
class ImpliedByGrowth:
    """The earlier-year amount implied by a later amount and its stated growth: amount / (1 + growth)."""

    id: str
    amount: str
    growth: str
    family: str = "growth"


@dataclass(frozen=True)
class ImpliedByTotal:
    """The one missing year of a multi-year total: total minus the other years (stated or implied)."""

    id: str
    indicator: str
    family: str = "growth"


@dataclass(frozen=True)
class AnnualAverage:
    """A multi-year total divided by its number of years (explicit: the split is not stated)."""

    id: str
    indicator: str
    family: str = "growth"


Spec = Formula | Growth | ImpliedByGrowth | ImpliedByTotal | AnnualAverage


def ratio(
    id: str,
    family: str,
    unit: str,
    numerator: str,
    denominator: str,
    *,
    nature: tuple[str, ...] = ("actual",),
    denominator_nature: tuple[str, ...] = ("actual",),
    period: str = "same",
    **options,
) -> Formula:
    """numerator / denominator, both from the same scope (and period, unless `period` says otherwise).

    `options` are Formula's optional fields (note, compare_with, same_seed, stated, unless, ...)."""
    return Formula(
        id=id,
        family=family,
        unit=unit,
        formula=f"{numerator} / {denominator}",
        inputs=(Input("a", numerator, nature), Input("b", denominator, denominator_nature, period)),
        fn=lambda a, b: a / b,
        **options,
    )


def share(part: str, whole: str, **options) -> Formula:
    """part / whole; the part may be about one place within the whole's scope; a stated share of the part
    (`vocabulary.share_indicator`) pairs."""
    options.setdefault("stated", vocabulary.share_indicator(part))
    return ratio(f"share_{part}_in_{whole}", "shares", "fraction", part, whole, same_location=False, **options)


def rate(id: str, family: str, stated: str, *, part_period: str = "same", **options) -> Formula:
    """The rate `stated` of vocabulary.RATES (1 − part / whole) recomputed from its whole and part, which
    it pairs with; `part_period` is how the part's period relates to the whole's."""
    relation = next(r for r in vocabulary.RATES if r.stated == stated)
    return Formula(
        id=id,
        family=family,
        unit="fraction",
        formula=relation.formula,
        inputs=(Input("whole", relation.whole), Input("part", relation.part, period=part_period)),
        fn=lambda whole, part: relation.apply(part, whole),
        stated=stated,
        **options,
    )


CATALOGUE: list[Spec] = [
    # -- aid intensity ---------------------------------------------------------------------------
    ratio("aid_funds_per_beneficiary", "aid_intensity", "yuan per person", "aid_funds", "beneficiaries"),
    # Money per project counts the funds that went to the projects where the source says so.
    ratio("aid_funds_per_project", "aid_intensity", "yuan per project", "project_investment_donor", "projects",
          same_seed=True, note="project_funds_only"),
    ratio("aid_funds_per_project", "aid_intensity", "yuan per project", "aid_funds", "projects",
          unless="project_investment_donor"),
    ratio("aid_funds_per_planned_project", "aid_intensity", "yuan per project", "aid_funds", "projects",
          denominator_nature=("plan", "forecast", "target"), note="planned_projects"),
    # A count of paired poor counties is a stock stated at one date: it may follow the funds' period.
    ratio("aid_funds_per_poor_county", "aid_intensity", "yuan per county", "aid_funds", "poor_counties",
          period="within_a_year", note="per_poor_county"),
    ratio("project_investment_per_project", "aid_intensity", "yuan per project", "project_investment", "projects"),
    ratio("aid_funds_per_person_trained", "aid_intensity", "yuan per person", "aid_funds", "trained_poor",
          note="not_like_for_like", headline=False),
    ratio("aid_funds_per_person_employed", "aid_intensity", "yuan per person", "aid_funds", "employed_poor",
          period="overlap", note="not_like_for_like", headline=False),
    ratio("training_funds_per_trainee", "aid_intensity", "yuan per person", "training_funds", "trained_cadres"),
    # -- growth --------------------------------------------------------------------------------
    AnnualAverage("annual_average", "aid_funds"),
    ImpliedByGrowth("implied_by_growth", "aid_funds", "aid_funds_growth"),
    ImpliedByTotal("implied_by_total", "*"),
    Growth("yoy_change", "yoy"),
    Growth("multiple", "multiple"),
    Growth("cagr", "cagr"),
    # -- poverty exit ------------------------------------------------------------------------------
    ratio("poor_counties_exited_share", "poverty_exit", "fraction", "poor_counties_exited", "poor_counties",
          stated=vocabulary.share_indicator("poor_counties_exited")),
    ratio("poor_villages_exited_share", "poverty_exit", "fraction", "poor_villages_exited", "poor_villages",
          stated=vocabulary.share_indicator("poor_villages_exited")),
    # The poor still registered are counted at one date (2020), the registered over a span (2014/2020).
    rate("registered_poor_exited_share", "poverty_exit", "poverty_reduction_rate", part_period="any"),
    # -- shares (more come from indicators.csv part_of) ----------------------------------------------------
    share("aid_funds_industrial", "aid_funds"),
    share("employed_poor_in_donor", "employed_poor"),
    share("project_investment_donor", "project_investment"),
    share("project_investment_recipient", "project_investment"),
    share("project_investment_local", "project_investment"),
    share("social_donations_cash", "social_donations"),
    share("social_donations_in_kind", "social_donations"),
    share("projects_livelihood", "projects"),
    share("projects_industrial", "projects"),
    ratio("paired_schools_per_donor_school", "shares", "ratio", "paired_schools_recipient", "paired_schools_donor"),
    ratio("paired_hospitals_per_donor_hospital", "shares", "ratio", "paired_hospitals_recipient",
          "paired_hospitals_donor"),
    # -- unit costs ---------------------------------------------------------------------------------
    ratio("cost_per_hearing_aid", "unit_costs", "yuan per item", "hearing_aid_spending", "hearing_aids"),
    ratio("cost_per_hearing_aid_recipient", "unit_costs", "yuan per person", "hearing_aid_spending",
          "hearing_aid_recipients"),
    ratio("hearing_aids_per_recipient", "unit_costs", "items per person", "hearing_aids", "hearing_aid_recipients"),
    ratio("cost_per_prosthesis_recipient", "unit_costs", "yuan per person", "prosthesis_spending",
          "prosthesis_recipients"),
    ratio("microcredit_per_borrower", "unit_costs", "yuan per person", "microcredit", "microcredit_borrowers"),
    ratio("trainees_per_session", "unit_costs", "people per session", "trained_poor", "training_sessions",
          same_seed=True, same_basis=True),
    ratio("cadres_per_session", "unit_costs", "people per session", "trained_cadres", "training_sessions",
          same_seed=True, same_basis=True),
    ratio("training_funds_per_session", "unit_costs", "yuan per session", "training_funds", "training_sessions",
          same_seed=True, same_basis=True),
    # -- targets ---------------------------------------------------------------------------------------
    ratio("target_completion", "targets", "fraction", "employed_poor", "employment_target",
          denominator_nature=("target", "plan"), period="overlap", note="completion_vs_annual_target",
          stated="employment_target_completion"),
    ratio("target_implied_by_completion", "targets", "person", "employed_poor", "employment_target_completion",
          denominator_nature=("actual", "target", "plan", "forecast"), period="overlap",
          compare_with="employment_target"),
]  # fmt: skip


def catalogue(indicators: pd.DataFrame | None = None) -> list[Spec]:
    """CATALOGUE plus one share per `part_of` link in indicators.csv not already covered."""
    specs = list(CATALOGUE)
    if indicators is None or len(indicators) == 0 or "part_of" not in indicators.columns:
        return specs
    covered = {(s.inputs[0].indicator, s.inputs[1].indicator) for s in specs if isinstance(s, Formula)}
    units = dict(zip(indicators["id"], indicators.get("unit", [""] * len(indicators)), strict=True))
    for part, whole in zip(indicators["id"], indicators["part_of"], strict=True):
        if not whole or (part, whole) in covered or units.get(part) != units.get(whole):
            continue
        if units.get(part) == "fraction":
            continue
        specs.append(share(part, whole, title="title_share"))
        covered.add((part, whole))
    return specs


def title_code(spec: Spec, first: Operand | None = None) -> dict:
    """The structured title of a result: a note code (message note.<code>) and the indicators it names."""
    if isinstance(spec, Formula):
        code = spec.title or f"title_{spec.id}"
        if code == "title_share":
            return note(code, part=spec.inputs[0].indicator, whole=spec.inputs[1].indicator)
        return note(code)
    indicator = first.indicator if first is not None else getattr(spec, "indicator", "")
    return note(f"title_{spec.id}", indicator=indicator)


def note(code: str, **values) -> dict:
    """One structured note: its code (worded by the message note.<code>) and the values it names."""
    return {"code": code, **values}


def notes_json(notes: Iterable[dict]) -> str:
    """Notes as the JSON list metrics.csv and audit.csv carry, each distinct note once."""
    unique: list[dict] = []
    for item in notes:
        if item and item not in unique:
            unique.append(item)
    return json.dumps(unique, ensure_ascii=False)


# ---- evaluation -----------------------------------------------------------------------------------
@dataclass
class Result:
    spec_id: str
    family: str
    title: dict
    unit: str
    formula: str
    operands: tuple[Operand, ...]
    interval: Interval
    period: str
    notes: list[dict] = field(default_factory=list)
    headline: bool = True

    @property
    def scope(self) -> str:
        return self.operands[0].scope

    def row(self, context: NoteContext | None = None) -> dict:
        iv = self.interval
        notes = self.notes + standard_notes(self.operands, iv, context)
        return {
            "metric": self.spec_id,
            "family": self.family,
            "title_code": notes_json([self.title]),
            "scope": self.scope,
            "period": self.period,
            "value": iv.point,
            "lower": iv.lower if iv.has_lower else math.nan,
            "upper": iv.upper if iv.has_upper else math.nan,
            "unit": self.unit,
            "formula": self.formula,
            "inputs": " ".join(figure_ids(self.operands)),
            "bound": iv.kind,
            "headline": self.headline and not any(n["code"] == "stated_in_source" for n in notes),
            "notes": notes_json(notes),
        }


class OperandIndex:
    """Operands looked up by indicator and scope, so that matching is a dict lookup, not a scan.

    Every list it returns keeps the order of the operands it was built from, so results come out
    in the same order as a scan over that list would give.
    """

    def __init__(self, operands: Iterable[Operand]):
        self._by_indicator: dict[str, list[Operand]] = {}
        for op in operands:
            self._by_indicator.setdefault(op.indicator, []).append(op)
        self._pools: dict[tuple[str, tuple[str, ...]], list[Operand]] = {}
        self._scoped: dict[tuple[str, tuple[str, ...] | None], dict[str, list[Operand]]] = {}

    def pool(self, indicator: str, nature: tuple[str, ...]) -> list[Operand]:
        """Operands of `indicator` whose nature is one of `nature`."""
        key = (indicator, nature)
        found = self._pools.get(key)
        if found is None:
            found = [op for op in self._by_indicator.get(indicator, ()) if op.nature in nature]
            self._pools[key] = found
        return found

    def by_scope(self, indicator: str, nature: tuple[str, ...] | None = None) -> dict[str, list[Operand]]:
        """scope → operands of `indicator` (of one of the natures `nature`, or of any nature if None)."""
        key = (indicator, nature)
        found = self._scoped.get(key)
        if found is None:
            found = {}
            ops = self._by_indicator.get(indicator, ()) if nature is None else self.pool(indicator, nature)
            for op in ops:
                found.setdefault(op.scope, []).append(op)
            self._scoped[key] = found
        return found


def as_index(operands: Iterable[Operand] | OperandIndex) -> OperandIndex:
    """`operands` as an OperandIndex (itself if it already is one)."""
    return operands if isinstance(operands, OperandIndex) else OperandIndex(operands)


def _seeds(ops: Iterable[Operand]) -> frozenset[str]:
    return frozenset().union(*(op.seeds for op in ops))


def _single_seed(ops: Sequence[Operand]) -> bool:
    return len(_seeds(ops)) == 1


def _prefer_single_seed(combos: list[tuple[Operand, ...]]) -> list[tuple[Operand, ...]]:
    """Per scope, first-input period and location: keep single-seed combinations when there are any."""
    groups: dict[tuple, list[tuple[Operand, ...]]] = {}
    for combo in combos:
        location = next((op.location for op in combo if op.location), "")
        groups.setdefault((combo[0].scope, combo[0].period, location), []).append(combo)
    kept = []
    for members in groups.values():
        single = [c for c in members if _single_seed(c)]
        kept.extend(single or members)
    return kept


def match(
    inputs: Sequence[Input],
    operands: Iterable[Operand] | OperandIndex,
    same_seed: bool = False,
    same_basis: bool = False,
    same_location: bool = False,
) -> list[tuple[Operand, ...]]:
    """Every compatible combination of operands for `inputs` (rules in the module docstring).

    `same_seed` keeps only combinations from one seed; `same_basis` drops combinations whose
    non-empty bases differ (for counts that only make sense together when counted alike);
    `same_location` needs all inputs at one location (or all without one).
    `operands` may be an `OperandIndex` built once for many calls.
    """
    found = as_index(operands)
    scoped = [(other.period, found.by_scope(other.indicator, other.nature)) for other in inputs[1:]]
    combos = []
    for first in found.pool(inputs[0].indicator, inputs[0].nature):
        rest = [_fitting(first, relation, pools.get(first.scope, ())) for relation, pools in scoped]
        if all(rest):
            combos += [
                combo
                for combo in itertools.product([first], *rest)
                if _compatible(combo, same_seed, same_basis, same_location)
            ]
    return _prefer_single_seed(combos)


def _fitting(first: Operand, relation: str, candidates: Iterable[Operand]) -> list[Operand]:
    """The candidates for another input of `first`'s combination: of a period in `relation` to first's, at
    its location or without one. A figure at the same location (or both without one) beats one that
    merely does not clash."""
    location = first.location
    fitting = [
        op
        for op in candidates
        if vocabulary.relate(first.period, op.period, relation)
        and (not location or not op.location or location == op.location)
    ]
    exact = [op for op in fitting if op.location == location]
    return exact or fitting


def _compatible(combo: tuple[Operand, ...], same_seed: bool, same_basis: bool, same_location: bool) -> bool:
    """Whether a combination of fitting operands may be used (see `match`): each operand once, at most one
    location among them, and one seed, one basis or one location where the spec asks for it."""
    if len({id(op) for op in combo}) < len(combo):
        return False
    locations = {op.location for op in combo}
    if len(locations - {""}) > 1:  # every other input fits the first's location: only a first without one clashes
        return False
    if same_seed and not _single_seed(combo):
        return False
    if same_basis and len({op.basis for op in combo if op.basis}) > 1:
        return False
    return not (same_location and len(locations) > 1)


# The note on an input of each nature but actual (uses_target, uses_plan, ...): it is no achievement.
NATURE_NOTES = {nature: f"uses_{nature}" for nature in vocabulary.NATURES if nature != "actual"}

# Every note code this module emits (each worded by note.<code> in eastwest/messages/notes.toml).
NOTE_CODES = (
    "project_funds_only", "planned_projects", "per_poor_county", "not_like_for_like", "completion_vs_annual_target",
    "consistent_with_stated", "at_odds_with_stated", "stated_in_source", "basis_differs", "bases_differ",
    "one_briefing_two_reports", "mixes_sources", "periods_differ", *NATURE_NOTES.values(),
    "uses_corrected", "most_precise_statement", "implied_input", "upper_bound", "lower_bound",
    "upper_bound_from", "lower_bound_from", "annual_average", "implied_by_growth", "implied_by_total", "growth_span",
)  # fmt: skip


def title_codes(indicators: pd.DataFrame | None = None) -> set[str]:
    """Every title code a metric row can carry (column title_code)."""
    return {title_code(spec)["code"] for spec in catalogue(indicators)}


def _basis_notes(ops: Sequence[Operand]) -> list[dict]:
    notes = []
    by_indicator: dict[str, dict[str, Operand]] = {}
    for op in ops:
        if op.basis:
            by_indicator.setdefault(op.indicator, {}).setdefault(op.basis, op)
    for indicator, bases in by_indicator.items():
        first, *others = bases.values()
        for other in others:
            notes.append(note("basis_differs", indicator=indicator, period_a=first.period, basis_a=first.basis,
                              period_b=other.period, basis_b=other.basis))  # fmt: skip
    differing = {op.basis for op in ops if op.basis}
    if len(differing) > 1 and len(by_indicator) > 1 and all(len(b) == 1 for b in by_indicator.values()):
        (ind_a, a), (ind_b, b), *_ = ((ind, next(iter(b.values()))) for ind, b in by_indicator.items())
        notes.append(note("bases_differ", indicator_a=ind_a, basis_a=a.basis, indicator_b=ind_b, basis_b=b.basis))
    return notes


def source_notes(ops: Sequence[Operand], context: NoteContext) -> list[dict]:
    """mixes_sources, or one_briefing_two_reports when the two seeds report one briefing."""
    if not ops or _single_seed(ops):
        return []
    seeds = _seeds(ops)
    numbers = ", ".join(sorted(s[:3] for s in seeds))
    if len(seeds) == 2 and seeds in context.briefings:
        return [note("one_briefing_two_reports", seeds=numbers)]
    return [note("mixes_sources", seeds=numbers)]


def _period_notes(ops: Sequence[Operand]) -> list[dict]:
    stated = [op for op in ops if not op.implied_by]
    if len({op.period for op in stated}) < 2:
        return []  # one period, one length
    lengths = {op.period: vocabulary.length(op.period) for op in stated}
    if len(set(lengths.values())) < 2:
        return []
    first = stated[0]
    return [
        note("periods_differ", indicator_a=first.indicator, period_a=first.period, indicator_b=op.indicator,
             period_b=op.period)
        for op in stated[1:]
        if lengths[op.period] != lengths[first.period]
    ]  # fmt: skip


def _bound_notes(ops: Sequence[Operand], result: Interval) -> list[dict]:
    kind = result.kind
    if kind not in ("lower_bound", "upper_bound"):
        return []
    loose = [op for op in ops if op.interval.kind in ("lower_bound", "upper_bound", "unbounded") and not op.implied_by]
    if not loose:
        return [note(kind)]
    return [note(f"{kind}_from", figure=op.ids[0]) for op in loose]


def standard_notes(ops: Sequence[Operand], result: Interval, context: NoteContext | None = None) -> list[dict]:
    """Comparability notes every result carries when they apply (codes listed in NOTE_CODES)."""
    context = context or NoteContext()
    notes = _basis_notes(ops) + source_notes(ops, context) + _period_notes(ops)
    for op in ops:
        if op.nature in NATURE_NOTES:
            notes.append(note(NATURE_NOTES[op.nature], figure=op.ids[0]))
    for op in ops:
        if op.status == "corrected":
            notes.append(note("uses_corrected", figure=op.ids[0], printed=op.printed))
    for op in ops:
        for rounded in () if op.implied_by else context.rounded.get(op.ids[0], ()):
            notes.append(note("most_precise_statement", figure=op.ids[0], rounded=rounded))
    for op in ops:
        if op.implied_by:
            notes.append(note("implied_input", indicator=op.indicator, period=op.period, metric=op.implied_by,
                              formula=op.label))  # fmt: skip
    return notes + _bound_notes(ops, result)


def _evaluate_formula(spec: Formula, operands: Iterable[Operand] | OperandIndex) -> list[Result]:
    results = []
    operands = as_index(operands)
    for combo in match(spec.inputs, operands, spec.same_seed, spec.same_basis, spec.same_location):
        if spec.unless and _stated_alongside(spec.unless, combo[0], operands):
            continue
        try:
            interval = spec.fn(*(op.interval for op in combo))
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if interval.kind == "unbounded":
            continue
        notes = [_spec_note(spec, combo, operands)] if spec.note else []
        if spec.compare_with:
            notes.extend(_comparison_notes(spec.compare_with, combo, interval, operands, "consistent_with_stated"))
        if spec.stated:
            notes.extend(_comparison_notes(spec.stated, combo, interval, operands, "stated_in_source"))
        results.append(
            Result(spec.id, spec.family, title_code(spec), spec.unit, spec.formula, combo, interval, combo[0].period,
                   notes, spec.headline)
        )  # fmt: skip
    return results


def _stated_alongside(indicator: str, first: Operand, operands: OperandIndex) -> list[Operand]:
    """Figures of `indicator` in `first`'s scope, period and seed."""
    return [
        op
        for op in operands.by_scope(indicator).get(first.scope, ())
        if op.period == first.period and op.seeds == first.seeds
    ]


def _spec_note(spec: Formula, combo: tuple[Operand, ...], operands: OperandIndex) -> dict:
    values = {"numerator": spec.inputs[0].indicator, "denominator": spec.inputs[-1].indicator}
    if spec.note == "project_funds_only":  # the all-purpose total the project funds were taken from
        totals = _stated_alongside("aid_funds", combo[0], operands)
        values.update(figure=combo[0].ids[0], total=totals[0].ids[0] if totals else "")
    return note(spec.note, **values)


def _comparison_notes(
    indicator: str, combo: tuple[Operand, ...], interval: Interval, operands: OperandIndex, code: str
) -> list[dict]:
    """`code` for each stated figure of `indicator` whose period overlaps the result's.

    consistent_with_stated becomes at_odds_with_stated when the ranges do not overlap; stated_in_source
    names the audit check that pairs the stated figure with this recomputation.
    """
    notes = []
    for op in operands.by_scope(indicator).get(combo[0].scope, ()):
        if not vocabulary.relate(combo[0].period, op.period, "overlap"):
            continue
        if code == "stated_in_source":
            notes.append(note(code, figure=op.ids[0], indicator=indicator))
        else:
            agrees = interval.overlaps(op.interval)
            notes.append(note(code if agrees else "at_odds_with_stated", figure=op.ids[0], indicator=indicator))
    return notes


def _series_key(op: Operand) -> tuple[str, str, str]:
    return (op.indicator, op.scope, op.location)


def _total_key(op: Operand) -> tuple[str, str, str, str]:
    """A total and its years must count the same thing: same basis as well as the series key."""
    return (*_series_key(op), op.basis)


def single_years_for_totals(
    totals: list[Operand], operands: Iterable[Operand]
) -> tuple[list[tuple[str, str, str, str]], dict[tuple, dict[int, list[Operand]]]]:
    """Each total's _total_key, and the actual single-year figures under those keys, by year.

    Only the keys some total needs are collected, so this stays linear in the number of figures."""
    keys = [_total_key(op) for op in totals]
    wanted = set(keys)
    indicators = {key[0] for key in wanted}
    singles: dict[tuple, dict[int, list[Operand]]] = {}
    for op in operands:
        if op.indicator not in indicators or op.nature != "actual":
            continue
        key = _total_key(op)
        if key in wanted:
            year = vocabulary.single_year(op.period)
            if year is not None:
                singles.setdefault(key, {}).setdefault(year, []).append(op)
    return keys, singles


def _annual_averages(spec: AnnualAverage, operands: list[Operand]) -> list[Result]:
    """Amounts (yuan) only: a count of projects or people over two years is not an annual flow."""
    out = []
    for op in operands:
        if op.nature != "actual" or op.implied_by or op.unit != "yuan" or spec.indicator not in ("*", op.indicator):
            continue
        years = vocabulary.span_years(op.period)
        if not years:
            continue
        n = len(years)
        out.append(
            Result(
                spec.id,
                spec.family,
                title_code(spec, op),
                "yuan per year",
                f"{op.indicator} {op.period} / {n}",
                (op,),
                op.interval / n,
                op.period,
                [note("annual_average", years=n, count=n, period=op.period)],
            )
        )
    return out


def _implied(metric: str, combo: Sequence[Operand], period: str, interval: Interval, formula: str) -> Operand:
    """The amount `metric` implies from `combo` (the first operand gives its series) for `period`, as an
    operand later metrics may use; `formula` is how notes refer to it."""
    first = combo[0]
    return Operand(
        ids=tuple(figure_ids(combo)),
        indicator=first.indicator,
        scope=first.scope,
        period=period,
        location=first.location,
        seeds=_seeds(combo),
        interval=interval,
        unit=first.unit,
        basis=first.basis,
        implied_by=metric,
        label=formula,
    )


def _implied_by_growth(
    spec: ImpliedByGrowth, operands: Iterable[Operand] | OperandIndex
) -> tuple[list[Result], list[Operand]]:
    results, implied = [], []
    inputs = (Input("amount", spec.amount), Input("growth", spec.growth))
    for amount, growth in match(inputs, operands):
        year = vocabulary.single_year(amount.period)
        if year is None:
            continue
        interval = amount.interval / (1 + growth.interval)
        period = str(year - 1)
        formula = f"{spec.amount} {amount.period} / (1 + {spec.growth} {growth.period})"
        result = Result(
            spec.id,
            spec.family,
            title_code(spec, amount),
            amount.unit,
            formula,
            (amount, growth),
            interval,
            period,
            [note("implied_by_growth", period=period, amount=amount.ids[0], growth=growth.ids[0])],
        )
        results.append(result)
        implied.append(_implied(spec.id, (amount, growth), period, interval, formula))
    return results, implied


def _implied_by_total(spec: ImpliedByTotal, operands: list[Operand]) -> tuple[list[Result], list[Operand]]:
    """Each multi-year total with all its years known but one: that year, as the total minus the others.

    Where some combinations of the other years come from the total's own seed, only those are used."""
    results, implied = [], []
    for (year, _key), combos in _totals_missing_one_year(spec, operands).items():
        for combo in [c for c in combos if _single_seed(c)] or combos:
            found = _year_implied_by_total(spec, combo, year)
            if found is not None:
                results.append(found[0])
                implied.append(found[1])
    return results, implied


def _totals_missing_one_year(spec: ImpliedByTotal, operands: list[Operand]) -> dict[tuple, list[tuple[Operand, ...]]]:
    """(the missing year, a total's `_total_key`) → every (total, *its other years) combination, for the stated
    actual totals of `spec.indicator` over a span of years whose single years are all known but one."""
    spans = {period: vocabulary.span_years(period) for period in {op.period for op in operands}}  # each read once
    totals = [
        op
        for op in operands
        if op.nature == "actual" and not op.implied_by and spec.indicator in ("*", op.indicator) and spans[op.period]
    ]
    keys, singles = single_years_for_totals(totals, operands)
    found: dict[tuple, list[tuple[Operand, ...]]] = {}
    for total, key in zip(totals, keys, strict=True):
        years = spans[total.period]
        known = singles.get(key, {})
        missing = [y for y in years if y not in known]
        if len(missing) == 1:
            others = (known[y] for y in years if y != missing[0])
            found.setdefault((missing[0], key), []).extend(itertools.product([total], *others))
    return found


def _year_implied_by_total(
    spec: ImpliedByTotal, combo: tuple[Operand, ...], year: int
) -> tuple[Result, Operand] | None:
    """The result and the implied operand for `year` from (total, *its other years); None when the other
    years add up to more than the total (the audit reports that)."""
    total, parts = combo[0], combo[1:]
    interval = total.interval
    for part in parts:
        interval = interval - part.interval
    if interval.point < 0:
        return None
    interval = Interval(max(interval.lower, 0.0), interval.upper, interval.point)
    period = str(year)
    formula = f"{total.indicator} {total.period} - " + " - ".join(
        f"{total.indicator} {p.period}" + (" (implied)" if p.implied_by else "") for p in parts
    )
    result = Result(
        spec.id,
        spec.family,
        title_code(spec, total),
        total.unit,
        formula,
        combo,
        interval,
        period,
        [note("implied_by_total", period=period, total=total.ids[0], total_period=total.period)],
    )
    return result, _implied(spec.id, combo, period, interval, formula)


def _growth_series(operands: Iterable[Operand], indicator: str = "*") -> list[dict[int, list[Operand]]]:
    """Single-year actual amounts of `indicator` ("*": all) by series (indicator, scope, location) and year.

    A stated figure wins over an implied one for the same year. The result does not depend on the
    growth measure, so `compute` builds it once for all of them.
    """
    operands = list(operands)
    single_years = {period: vocabulary.single_year(period) for period in {op.period for op in operands}}  # read once
    series: dict[tuple, dict[int, list[Operand]]] = {}
    for op in operands:
        year = single_years[op.period]
        if year is None or op.nature != "actual" or op.unit in ("fraction", "ratio") or op.interval.lower <= 0:
            continue
        if indicator != "*" and op.indicator != indicator:
            continue
        series.setdefault(_series_key(op), {}).setdefault(year, []).append(op)
    for by_year in series.values():
        for year, ops in by_year.items():
            stated = [op for op in ops if not op.implied_by]
            by_year[year] = stated or ops
    return list(series.values())


def _growth(spec: Growth, series: list[dict[int, list[Operand]]]) -> list[Result]:
    """Growth results from `series`, `_growth_series(operands, spec.indicator)` (built once for every measure)."""
    results = []
    for by_year in series:
        for y1, y2 in itertools.combinations(sorted(by_year), 2):
            gap = y2 - y1
            if spec.measure == "yoy" and gap != 1:
                continue
            if spec.measure in ("cagr", "multiple") and gap < 2:
                continue  # over one year both equal the year-on-year change (plus one)
            pairs = [p for p in itertools.product(by_year[y1], by_year[y2]) if not _circular(*p)]
            for early, late in [p for p in pairs if _single_seed(p)] or pairs:
                interval, unit, formula = _growth_measure(spec.measure, early, late, y1, y2)
                if interval.kind == "unbounded":
                    continue
                growth_note = note("growth_span", start=str(y1), end=str(y2), years=gap, count=gap)
                results.append(
                    Result(spec.id, spec.family, title_code(spec, early), unit, formula, (early, late), interval,
                           f"{y1}/{y2}", [growth_note])
                )  # fmt: skip
    return results


def _growth_measure(measure: str, early: Operand, late: Operand, y1: int, y2: int) -> tuple[Interval, str, str]:
    """(interval, unit, formula) of the growth `measure` (yoy, multiple or cagr) from year y1 to y2."""
    ratio_ = late.interval / early.interval
    name = early.indicator
    if measure == "multiple":
        return ratio_, "ratio", f"{name} {y2} / {name} {y1}"
    if measure == "yoy":
        return ratio_ - 1, "fraction", f"{name} {y2} / {name} {y1} - 1"
    gap = y2 - y1
    return ratio_ ** (1 / gap) - 1, "fraction", f"({name} {y2} / {name} {y1}) ^ (1/{gap}) - 1"


def _circular(early: Operand, late: Operand) -> bool:
    """An amount implied from a later amount and its growth rate says nothing new about that growth."""
    return early.implied_by == "implied_by_growth" and set(late.ids) <= set(early.ids)


def compute(figures: pd.DataFrame, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evaluate every spec for every scope and period where its inputs exist (see module docstring)."""
    if indicators is None:
        indicators = default_indicators()
    found, context = fact_operands(figures)
    indexed = OperandIndex(found)
    specs = catalogue(indicators)
    results: list[Result] = []
    implied: list[Operand] = []
    # Stage 1: amounts implied by growth rates, then by totals (which may use the former).
    for spec in specs:
        if isinstance(spec, ImpliedByGrowth):
            more_results, more_implied = _implied_by_growth(spec, indexed)
            results += more_results
            implied += more_implied
    for spec in specs:
        if isinstance(spec, ImpliedByTotal):
            more_results, more_implied = _implied_by_total(spec, found + implied)
            results += more_results
            implied += more_implied
    # Stage 2: everything else; growth also sees the implied amounts.
    growth_series: dict[str, list[dict[int, list[Operand]]]] = {}
    for spec in specs:
        if isinstance(spec, Formula):
            results += _evaluate_formula(spec, indexed)
        elif isinstance(spec, AnnualAverage):
            results += _annual_averages(spec, found)
        elif isinstance(spec, Growth):
            if spec.indicator not in growth_series:
                growth_series[spec.indicator] = _growth_series(found + implied, spec.indicator)
            results += _growth(spec, growth_series[spec.indicator])
    frame = pd.DataFrame([r.row(context) for r in results], columns=COLUMNS)
    for column in ("value", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    frame["headline"] = frame["headline"].astype(bool)
    return frame


def describe_row(row: pd.Series | dict, lang: str = "en") -> str:
    """A metrics row's value as a reader sees it, e.g. "at most 9,150 yuan per person" (worded by eastwest.words)."""
    from eastwest import words  # noqa: PLC0415 - Babel is slow to import and compute does not need it

    lower, upper = (None if pd.isna(row[side]) else float(row[side]) for side in ("lower", "upper"))
    return words.bounded(float(row["value"]), lower, upper, str(row["unit"]), lang)
