"""Derived metrics: numbers the sources imply but do not print, each with its bounds and a plain formula.

`CATALOGUE` lists the metric specifications; `compute(figures)` evaluates every one of them for
every scope and period where its inputs exist and returns one row per result with the columns

    metric, family, title, scope, period, value, lower, upper, unit, formula, inputs, bound, note

- `value` is the formula applied to the figures' printed values; `lower`/`upper` are what the
  printed precision and qualifiers allow (empty when that side is unbounded); `bound` is exact,
  interval, lower_bound or upper_bound. Results with no bound at all are not reported.
- `formula` names the indicators ("aid_funds / beneficiaries") and `inputs` lists the figure ids, in
  the formula's order, so a reader can redo the sum.
- `note` holds the sentences a reader needs next to the number: figures counted on different
  bases, figures from different sources, periods of different length, plans or targets used as
  inputs, corrected figures, and why a result is only a bound.

Matching rules (documented here because they decide which rows exist):
- Flagged figures never feed a metric. Inputs must be of the nature the spec asks for (by default
  `actual`).
- All inputs of one result share the scope. Periods must be equal unless the spec's input says
  `overlap` (the periods share at least one month), `previous_year` or `any`.
- Locations: per-unit ratios (funds per person, cost per item, ...) need all inputs at the same
  location, or all without one. Shares may put a part about one place over the whole of the scope
  (Tuquan's project funds over all aid funds). Otherwise a figure at the same location as the first
  input is preferred to one without a location.
- Some ratios also need one seed (`same_seed`: facts stated together, e.g. trainees per session)
  or one basis (`same_basis`: 308 cadres trained in Beijing are not divided by 43 classes held for
  poor households).
- Figures of one seed linked by `same_as` (a headline repeated in the body) count once.
- When several figures could fill the inputs, every compatible combination is a candidate. Within
  one scope, period and location, combinations drawn from a single seed are preferred: if any
  exists, cross-seed combinations are dropped; otherwise they are kept and the note says so. So the
  same fact reported by 000 and by 003 yields two rows, one per source, and a reader sees both.
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
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eastwest.intervals import Interval, from_figure

COLUMNS = [
    "metric", "family", "title", "scope", "period", "value", "lower", "upper", "unit", "formula",
    "inputs", "bound", "note",
]  # fmt: skip

FAMILIES = ("aid_intensity", "growth", "poverty_exit", "shares", "unit_costs", "targets")

PERIOD_RELATIONS = ("same", "overlap", "any", "previous_year")


# ---- reading the data ------------------------------------------------------------------------------
def load_inputs(data_dir: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(figures, indicators) from `data_dir` (default data/), validated by eastwest.tables."""
    from eastwest import tables  # late import: tables imports validation, which is heavier

    return tables.load_figures(data_dir), tables.load_indicators(data_dir)


# ---- periods -------------------------------------------------------------------------------------------
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:/(\d{4})(?:-(\d{2}))?)?$")


def period_months(period: str) -> tuple[int, int] | None:
    """First and last month of a period as month numbers (year*12 + month-1), or None if unreadable."""
    m = _PERIOD.match(str(period).strip())
    if not m:
        return None
    y1, m1, y2, m2 = m.groups()
    start = int(y1) * 12 + (int(m1) - 1 if m1 else 0)
    if y2 is None:
        end = int(y1) * 12 + (int(m1) - 1 if m1 else 11)
    else:
        end = int(y2) * 12 + (int(m2) - 1 if m2 else 11)
    return start, end


def single_year(period: str) -> int | None:
    return int(period) if re.fullmatch(r"\d{4}", str(period).strip()) else None


def span_years(period: str) -> list[int] | None:
    """The years of a whole-year span "YYYY/YYYY" (inclusive); None for anything else."""
    m = re.fullmatch(r"(\d{4})/(\d{4})", str(period).strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    return list(range(a, b + 1)) if b > a else None


def period_kind(period: str) -> str:
    """Reader words for the length of a period: "a single year", "a 2-year total", "5 months"."""
    if single_year(period) is not None:
        return "a single year"
    years = span_years(period)
    if years:
        return f"a {len(years)}-year total"
    months = period_months(period)
    if months:
        n = months[1] - months[0] + 1
        return "a single month" if n == 1 else f"{n} months"
    return f"the period {period}"


def periods_relate(a: str, b: str, relation: str) -> bool:
    if relation == "any":
        return True
    if relation == "same":
        return str(a) == str(b)
    if relation == "previous_year":
        ya, yb = single_year(a), single_year(b)
        return ya is not None and yb == ya - 1
    ma, mb = period_months(a), period_months(b)
    if ma is None or mb is None:
        return str(a) == str(b)
    return ma[0] <= mb[1] and mb[0] <= ma[1]


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

    @property
    def seed_numbers(self) -> str:
        return " and ".join(sorted(s[:3] for s in self.seeds))

    def describe(self) -> str:
        if self.implied_by:
            return f"the implied {self.period} {self.indicator} ({self.implied_by})"
        return f"{self.ids[0]} (“{self.printed}”)"


def operand_from_row(row: pd.Series | dict) -> Operand:
    def text(key: str) -> str:
        value = row.get(key, "")
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    return Operand(
        ids=(text("id"),),
        indicator=text("indicator"),
        scope=text("scope"),
        period=text("period"),
        location=text("location"),
        seeds=frozenset([text("seed")]),
        interval=from_figure(row),
        unit=text("unit"),
        nature=text("nature") or "actual",
        basis=text("basis"),
        qualifier=text("qualifier") or "exact",
        printed=text("printed"),
        status=text("status") or "ok",
    )


def restatements(figures: pd.DataFrame) -> set[str]:
    """Ids of figures that restate, in the same seed, a fact another row of that seed already gives.

    Rows of one seed linked through `same_as` (a headline and the body repeating it) form a group;
    the group keeps the row that links outside the seed or to nothing, else the first in the file.
    """
    if figures is None or len(figures) == 0 or "same_as" not in figures.columns:
        return set()
    seed_of = dict(zip(figures["id"], figures["seed"], strict=True))
    order = {fid: i for i, fid in enumerate(figures["id"])}
    parent = {fid: fid for fid in figures["id"]}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for fid, other in zip(figures["id"], figures["same_as"], strict=True):
        if other and other in seed_of and seed_of[other] == seed_of[fid]:
            parent[find(fid)] = find(other)
    groups: dict[str, list[str]] = {}
    for fid in figures["id"]:
        groups.setdefault(find(fid), []).append(fid)
    links = dict(zip(figures["id"], figures["same_as"], strict=True))
    dropped = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        roots = [m for m in members if not links[m] or seed_of.get(links[m]) != seed_of[m]]
        keep = min(roots or members, key=order.__getitem__)
        dropped.update(m for m in members if m != keep)
    return dropped


def usable_operands(figures: pd.DataFrame, include_flagged: bool = False) -> list[Operand]:
    """Figures as operands: flagged ones left out (unless asked for), same-seed restatements collapsed."""
    if figures is None or len(figures) == 0:
        return []
    skip = restatements(figures)
    out = []
    for _, row in figures.iterrows():
        if str(row.get("status", "")) == "flagged" and not include_flagged:
            continue
        if row["id"] in skip:
            continue
        out.append(operand_from_row(row))
    return out


# ---- specifications -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Input:
    """One operand of a formula: which indicator, of which nature, and how its period must relate.

    `period` is compared with the first input's period: same | overlap | any | previous_year.
    """

    role: str
    indicator: str
    nature: tuple[str, ...] = ("actual",)
    period: str = "same"

    def __post_init__(self) -> None:
        if self.period not in PERIOD_RELATIONS:
            raise ValueError(f"unknown period relation {self.period!r} for input {self.role}")


@dataclass(frozen=True)
class Formula:
    """A metric computed from figures of one scope: `fn` applies `formula` to the inputs' intervals."""

    id: str
    family: str
    title: str
    unit: str
    formula: str
    inputs: tuple[Input, ...]
    fn: Callable[..., Interval]
    note: str = ""
    compare_with: str = ""  # indicator whose stated figure the result should be read against
    same_seed: bool = False  # inputs must come from one source (facts stated together)
    same_basis: bool = False  # inputs with different non-empty bases are not combined
    same_location: bool = True  # per-unit ratios: both at one place (a share may put a place over the whole)


@dataclass(frozen=True)
class Growth:
    """Year-on-year change, multiple or compound annual growth between two single years of one indicator.

    `indicator` "*" means every indicator (except fractions) that has two or more single years.
    """

    id: str
    measure: str  # yoy | multiple | cagr
    indicator: str = "*"
    family: str = "growth"

    @property
    def title(self) -> str:
        return {
            "yoy": "Year-on-year change",
            "multiple": "Multiple of the earlier year",
            "cagr": "Compound annual growth rate",
        }[self.measure]


@dataclass(frozen=True)
class ImpliedByGrowth:
    """The earlier-year amount implied by a later amount and its stated growth: amount / (1 + growth)."""

    id: str
    amount: str
    growth: str
    title: str = ""
    family: str = "growth"


@dataclass(frozen=True)
class ImpliedByTotal:
    """The one missing year of a multi-year total: total minus the other years (stated or implied)."""

    id: str
    indicator: str
    title: str = ""
    family: str = "growth"


@dataclass(frozen=True)
class AnnualAverage:
    """A multi-year total divided by its number of years (explicit: the split is not stated)."""

    id: str
    indicator: str
    title: str = ""
    family: str = "growth"


Spec = Formula | Growth | ImpliedByGrowth | ImpliedByTotal | AnnualAverage


def ratio(
    id: str,
    family: str,
    title: str,
    unit: str,
    numerator: str,
    denominator: str,
    *,
    nature: tuple[str, ...] = ("actual",),
    denominator_nature: tuple[str, ...] = ("actual",),
    period: str = "same",
    note: str = "",
    compare_with: str = "",
    same_seed: bool = False,
    same_basis: bool = False,
    same_location: bool = True,
) -> Formula:
    """numerator / denominator, both from the same scope (and period, unless `period` says otherwise)."""
    return Formula(
        id=id,
        family=family,
        title=title,
        unit=unit,
        formula=f"{numerator} / {denominator}",
        inputs=(Input("a", numerator, nature), Input("b", denominator, denominator_nature, period)),
        fn=lambda a, b: a / b,
        note=note,
        compare_with=compare_with,
        same_seed=same_seed,
        same_basis=same_basis,
        same_location=same_location,
    )


def share(part: str, whole: str, title: str, note: str = "") -> Formula:
    """part / whole; the part may be about one place within the whole's scope."""
    return ratio(f"share_{part}_in_{whole}", "shares", title, "fraction", part, whole, note=note, same_location=False)


CATALOGUE: list[Spec] = [
    # -- aid intensity ---------------------------------------------------------------------------
    ratio("aid_funds_per_beneficiary", "aid_intensity", "Aid funds per person benefiting",
          "yuan per person", "aid_funds", "beneficiaries"),
    ratio("aid_funds_per_project", "aid_intensity", "Aid funds per project",
          "yuan per project", "aid_funds", "projects"),
    ratio("aid_funds_per_planned_project", "aid_intensity", "Aid funds per planned or expected project",
          "yuan per project", "aid_funds", "projects", denominator_nature=("plan", "forecast", "target"),
          note="The project count is a plan or forecast, not a count of completed projects."),
    ratio("project_investment_per_project", "aid_intensity", "Total project investment per project",
          "yuan per project", "project_investment", "projects"),
    ratio("aid_funds_per_person_trained", "aid_intensity", "Aid funds per poor person trained",
          "yuan per person", "aid_funds", "trained_poor",
          note="Divides all aid funds, not only training spending, by the number trained."),
    ratio("aid_funds_per_person_employed", "aid_intensity", "Aid funds per poor person helped into work",
          "yuan per person", "aid_funds", "employed_poor", period="overlap",
          note="Divides all aid funds, not only employment spending, by the number helped into work."),
    ratio("training_funds_per_trainee", "aid_intensity", "Training funds per cadre or technician trained",
          "yuan per person", "training_funds", "trained_cadres"),
    # -- growth --------------------------------------------------------------------------------
    AnnualAverage("annual_average", "aid_funds", "Annual average of a multi-year total"),
    ImpliedByGrowth("implied_by_growth", "aid_funds", "aid_funds_growth",
                    "Previous year's amount implied by a stated growth rate"),
    ImpliedByTotal("implied_by_total", "*", "Missing year implied by a multi-year total"),
    Growth("yoy_change", "yoy"),
    Growth("multiple", "multiple"),
    Growth("cagr", "cagr"),
    # -- poverty exit ------------------------------------------------------------------------------
    ratio("poor_counties_exited_share", "poverty_exit", "Share of poor counties that exited poverty",
          "fraction", "poor_counties_exited", "poor_counties"),
    ratio("poor_villages_exited_share", "poverty_exit", "Share of poor villages that exited poverty",
          "fraction", "poor_villages_exited", "poor_villages"),
    Formula("registered_poor_exited_share", "poverty_exit", "Share of registered poor people lifted out",
            "fraction", "(registered_poor - registered_poor_remaining) / registered_poor",
            (Input("a", "registered_poor"), Input("b", "registered_poor_remaining", period="any")),
            lambda a, b: 1 - b / a),  # same as (a - b) / a, but uses a once: tight bounds
    # -- shares (more come from indicators.csv part_of) ----------------------------------------------------
    share("aid_funds_industrial", "aid_funds", "Share of aid funds spent on industrial projects"),
    share("employed_poor_in_donor", "employed_poor", "Share of people helped into work who work in the donor city"),
    share("project_investment_donor", "project_investment", "Donor's share of project investment"),
    share("project_investment_recipient", "project_investment", "Recipient's matching share of project investment"),
    share("project_investment_local", "project_investment", "Share of project investment raised locally"),
    share("social_donations_cash", "social_donations", "Cash share of social donations"),
    share("social_donations_in_kind", "social_donations", "In-kind share of social donations"),
    share("projects_livelihood", "projects", "Livelihood projects' share of projects"),
    share("projects_industrial", "projects", "Industrial projects' share of projects"),
    ratio("paired_schools_per_donor_school", "shares", "Recipient schools paired per donor school",
          "ratio", "paired_schools_recipient", "paired_schools_donor"),
    ratio("paired_hospitals_per_donor_hospital", "shares", "Recipient hospitals paired per donor hospital",
          "ratio", "paired_hospitals_recipient", "paired_hospitals_donor"),
    # -- unit costs ---------------------------------------------------------------------------------
    ratio("cost_per_hearing_aid", "unit_costs", "Spending per hearing aid", "yuan per item",
          "hearing_aid_spending", "hearing_aids"),
    ratio("cost_per_hearing_aid_recipient", "unit_costs", "Hearing-aid spending per person fitted",
          "yuan per person", "hearing_aid_spending", "hearing_aid_recipients"),
    ratio("hearing_aids_per_recipient", "unit_costs", "Hearing aids per person fitted", "items per person",
          "hearing_aids", "hearing_aid_recipients"),
    ratio("cost_per_prosthesis_recipient", "unit_costs", "Prosthesis spending per person fitted",
          "yuan per person", "prosthesis_spending", "prosthesis_recipients"),
    ratio("microcredit_per_borrower", "unit_costs", "Microcredit per borrower", "yuan per person",
          "microcredit", "microcredit_borrowers"),
    ratio("trainees_per_session", "unit_costs", "Poor people trained per training session",
          "people per session", "trained_poor", "training_sessions", same_seed=True, same_basis=True),
    ratio("cadres_per_session", "unit_costs", "Cadres and technicians trained per training session",
          "people per session", "trained_cadres", "training_sessions", same_seed=True, same_basis=True),
    ratio("training_funds_per_session", "unit_costs", "Training funds per training session",
          "yuan per session", "training_funds", "training_sessions", same_seed=True, same_basis=True),
    # -- targets ---------------------------------------------------------------------------------------
    ratio("target_completion", "targets", "Completion of the employment target", "fraction",
          "employed_poor", "employment_target", denominator_nature=("target", "plan"), period="overlap",
          note="Compares an achievement so far with a target for the whole year."),
    ratio("target_implied_by_completion", "targets", "Employment target implied by the stated completion rate",
          "person", "employed_poor", "employment_target_completion",
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
    titles = dict(zip(indicators["id"], indicators.get("title", indicators["id"]), strict=True))
    for part, whole in zip(indicators["id"], indicators["part_of"], strict=True):
        if not whole or (part, whole) in covered or units.get(part) != units.get(whole):
            continue
        if units.get(part) == "fraction":
            continue
        title = f"Share: {titles.get(part, part)} in {titles.get(whole, whole)}"
        specs.append(share(part, whole, title, note=""))
        covered.add((part, whole))
    return specs


# ---- evaluation -----------------------------------------------------------------------------------
@dataclass
class Result:
    spec_id: str
    family: str
    title: str
    unit: str
    formula: str
    operands: tuple[Operand, ...]
    interval: Interval
    period: str
    notes: list[str] = field(default_factory=list)

    @property
    def scope(self) -> str:
        return self.operands[0].scope

    def row(self) -> dict:
        iv = self.interval
        ids: list[str] = []
        for op in self.operands:
            ids.extend(i for i in op.ids if i not in ids)
        notes = self.notes + standard_notes(self.operands, iv, self.period)
        return {
            "metric": self.spec_id,
            "family": self.family,
            "title": self.title,
            "scope": self.scope,
            "period": self.period,
            "value": iv.point,
            "lower": iv.lower if iv.has_lower else math.nan,
            "upper": iv.upper if iv.has_upper else math.nan,
            "unit": self.unit,
            "formula": self.formula,
            "inputs": " ".join(ids),
            "bound": iv.kind,
            "note": " ".join(dict.fromkeys(n for n in notes if n)),
        }


def _locations_compatible(ops: Sequence[Operand]) -> bool:
    given = {op.location for op in ops if op.location}
    return len(given) <= 1


def _single_seed(ops: Sequence[Operand]) -> bool:
    seeds: set[str] = set()
    for op in ops:
        seeds |= op.seeds
    return len(seeds) == 1


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
    operands: Iterable[Operand],
    same_seed: bool = False,
    same_basis: bool = False,
    same_location: bool = False,
) -> list[tuple[Operand, ...]]:
    """Every compatible combination of operands for `inputs` (rules in the module docstring).

    `same_seed` keeps only combinations from one seed; `same_basis` drops combinations whose
    non-empty bases differ (for counts that only make sense together when counted alike);
    `same_location` needs all inputs at one location (or all without one).
    """
    operands = list(operands)
    pools = [[op for op in operands if op.indicator == i.indicator and op.nature in i.nature] for i in inputs]
    combos = []
    for first in pools[0]:
        rest = []
        for spec, pool in zip(inputs[1:], pools[1:], strict=True):
            fitting = [
                op
                for op in pool
                if op.scope == first.scope
                and periods_relate(first.period, op.period, spec.period)
                and _locations_compatible([first, op])
            ]
            # A figure at the same location (or both without one) beats one that merely does not clash.
            exact = [op for op in fitting if op.location == first.location]
            rest.append(exact or fitting)
        for tail in itertools.product(*rest):
            combo = (first, *tail)
            if not _locations_compatible(combo) or len({id(op) for op in combo}) != len(combo):
                continue
            if same_seed and not _single_seed(combo):
                continue
            if same_basis and len({op.basis for op in combo if op.basis}) > 1:
                continue
            if same_location and len({op.location for op in combo}) > 1:
                continue
            combos.append(combo)
    return _prefer_single_seed(combos)


def standard_notes(ops: Sequence[Operand], result: Interval, period: str) -> list[str]:
    """Comparability sentences every result carries when they apply."""
    notes = []
    by_indicator: dict[str, dict[str, Operand]] = {}
    for op in ops:
        if op.basis:
            by_indicator.setdefault(op.indicator, {}).setdefault(op.basis, op)
    for indicator, bases in by_indicator.items():
        if len(bases) > 1:
            parts = [f"{op.period} counts “{basis}”" for basis, op in bases.items()]
            notes.append(f"Not like for like: {indicator} for " + "; for ".join(parts) + ".")
    differing = {op.basis for op in ops if op.basis}
    if len(differing) > 1 and len(by_indicator) > 1 and all(len(b) == 1 for b in by_indicator.values()):
        parts = [f"{ind} counts “{next(iter(b))}”" for ind, b in by_indicator.items()]
        notes.append("Read with care: " + "; ".join(parts) + ".")
    seeds: set[str] = set()
    for op in ops:
        seeds |= op.seeds
    if len(seeds) > 1:
        numbers = sorted(s[:3] for s in seeds)
        notes.append(f"Combines figures from different sources (seeds {', '.join(numbers)}).")
    kinds = {period_kind(op.period) for op in ops if not op.implied_by}
    if len(kinds) > 1:
        described = "; ".join(f"{op.indicator} covers {op.period} ({period_kind(op.period)})" for op in ops)
        notes.append(f"Periods differ in length: {described}.")
    for op in ops:
        if op.nature != "actual":
            notes.append(f"Uses a {op.nature} figure, not an achievement: {op.describe()}.")
    for op in ops:
        if op.status == "corrected":
            notes.append(f"Uses the corrected value of {op.ids[0]} (printed “{op.printed}”; see its note).")
    for op in ops:
        if op.implied_by:
            notes.append(f"The {op.period} {op.indicator} is not stated but implied: {op.label}.")
    loose = [op for op in ops if op.interval.kind in ("lower_bound", "upper_bound", "unbounded")]
    if loose and result.kind in ("lower_bound", "upper_bound"):
        which = ", ".join(f"{op.indicator} is “{op.printed}”" for op in loose if not op.implied_by)
        side = "An upper bound" if result.kind == "upper_bound" else "A lower bound"
        notes.append(f"{side} only, because {which}." if which else f"{side} only.")
    return notes


def _evaluate_formula(spec: Formula, operands: list[Operand]) -> list[Result]:
    results = []
    for combo in match(spec.inputs, operands, spec.same_seed, spec.same_basis, spec.same_location):
        try:
            interval = spec.fn(*(op.interval for op in combo))
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        if interval.kind == "unbounded":
            continue
        notes = [spec.note] if spec.note else []
        if spec.compare_with:
            notes.extend(_comparison_notes(spec, combo, interval, operands))
        results.append(
            Result(spec.id, spec.family, spec.title, spec.unit, spec.formula, combo, interval, combo[0].period, notes)
        )
    return results


def _comparison_notes(spec: Formula, combo: tuple[Operand, ...], interval: Interval, operands) -> list[str]:
    notes = []
    for op in operands:
        if op.indicator != spec.compare_with or op.scope != combo[0].scope:
            continue
        if not periods_relate(combo[0].period, op.period, "overlap"):
            continue
        verdict = "consistent with" if interval.overlaps(op.interval) else "at odds with"
        notes.append(f"This is {verdict} the stated {op.indicator} “{op.printed}” ({op.ids[0]}).")
    return notes


def _series_key(op: Operand) -> tuple[str, str, str]:
    return (op.indicator, op.scope, op.location)


def _total_key(op: Operand) -> tuple[str, str, str, str]:
    """A total and its years must count the same thing: same basis as well as the series key."""
    return (*_series_key(op), op.basis)


def _annual_averages(spec: AnnualAverage, operands: list[Operand], titles: dict[str, str]) -> list[Result]:
    """Amounts (yuan) only: a count of projects or people over two years is not an annual flow."""
    out = []
    for op in operands:
        years = span_years(op.period)
        if not years or op.nature != "actual" or op.implied_by or op.unit != "yuan":
            continue
        if spec.indicator != "*" and op.indicator != spec.indicator:
            continue
        n = len(years)
        out.append(
            Result(
                spec.id,
                spec.family,
                f"{spec.title}: {titles.get(op.indicator, op.indicator)}",
                "yuan per year",
                f"{op.indicator} {op.period} / {n}",
                (op,),
                op.interval / n,
                op.period,
                [f"Average per year over {n} years; the source does not give the split by year."],
            )
        )
    return out


def _implied_by_growth(
    spec: ImpliedByGrowth, operands: list[Operand], titles: dict[str, str]
) -> tuple[list[Result], list[Operand]]:
    results, implied = [], []
    inputs = (Input("amount", spec.amount), Input("growth", spec.growth))
    for amount, growth in match(inputs, operands):
        year = single_year(amount.period)
        if year is None:
            continue
        interval = amount.interval / (1 + growth.interval)
        period = str(year - 1)
        formula = f"{spec.amount} {amount.period} / (1 + {spec.growth} {growth.period})"
        result = Result(
            spec.id,
            spec.family,
            f"{spec.title}: {titles.get(spec.amount, spec.amount)}",
            amount.unit,
            formula,
            (amount, growth),
            interval,
            period,
            [f"The {period} amount is not stated; it follows from {amount.describe()} and {growth.describe()}."],
        )
        results.append(result)
        implied.append(
            Operand(
                ids=amount.ids + growth.ids,
                indicator=spec.amount,
                scope=amount.scope,
                period=period,
                location=amount.location,
                seeds=amount.seeds | growth.seeds,
                interval=interval,
                unit=amount.unit,
                basis=amount.basis,
                implied_by=spec.id,
                label=formula,
            )
        )
    return results, implied


def _implied_by_total(
    spec: ImpliedByTotal, operands: list[Operand], titles: dict[str, str]
) -> tuple[list[Result], list[Operand]]:
    results, implied = [], []
    pending: list[tuple[int, tuple[Operand, ...]]] = []
    singles: dict[tuple, dict[int, list[Operand]]] = {}
    for op in operands:
        year = single_year(op.period)
        if year is not None and op.nature == "actual":
            singles.setdefault(_total_key(op), {}).setdefault(year, []).append(op)
    for total in operands:
        years = span_years(total.period)
        if not years or total.nature != "actual" or total.implied_by:
            continue
        if spec.indicator != "*" and total.indicator != spec.indicator:
            continue
        known = singles.get(_total_key(total), {})
        missing = [y for y in years if y not in known]
        if len(missing) != 1:
            continue
        year = missing[0]
        others = [y for y in years if y != year]
        candidates = []
        for parts in itertools.product(*(known[y] for y in others)):
            candidates.append((total, *parts))
        pending.extend((year, combo) for combo in candidates)
    groups: dict[tuple, list] = {}
    for year, combo in pending:
        groups.setdefault((*_total_key(combo[0]), year), []).append(combo)
    for (*_, year), combos in groups.items():
        for combo in [c for c in combos if _single_seed(c)] or combos:
            total = combo[0]
            interval = combo[0].interval
            for part in combo[1:]:
                interval = interval - part.interval
            if interval.point < 0:
                continue  # the parts exceed the total: the audit reports that
            interval = Interval(max(interval.lower, 0.0), interval.upper, interval.point)
            formula = f"{total.indicator} {total.period} - " + " - ".join(
                f"{total.indicator} {p.period}" + (" (implied)" if p.implied_by else "") for p in combo[1:]
            )
            results.append(
                Result(
                    spec.id,
                    spec.family,
                    f"{spec.title}: {titles.get(total.indicator, total.indicator)}",
                    total.unit,
                    formula,
                    combo,
                    interval,
                    str(year),
                    [f"The {year} amount is not stated; it is the {total.period} total minus the other year(s)."],
                )
            )
            ids: list[str] = []
            for op in combo:
                ids.extend(i for i in op.ids if i not in ids)
            seeds: frozenset[str] = frozenset().union(*(op.seeds for op in combo))
            implied.append(
                Operand(
                    ids=tuple(ids),
                    indicator=total.indicator,
                    scope=total.scope,
                    period=str(year),
                    location=total.location,
                    seeds=seeds,
                    interval=interval,
                    unit=total.unit,
                    basis=total.basis,
                    implied_by=spec.id,
                    label=formula,
                )
            )
    return results, implied


def _growth(spec: Growth, operands: list[Operand], titles: dict[str, str]) -> list[Result]:
    series: dict[tuple, dict[int, list[Operand]]] = {}
    for op in operands:
        year = single_year(op.period)
        if year is None or op.nature != "actual" or op.unit in ("fraction", "ratio") or op.interval.lower <= 0:
            continue
        if spec.indicator != "*" and op.indicator != spec.indicator:
            continue
        series.setdefault(_series_key(op), {}).setdefault(year, []).append(op)
    results = []
    for by_year in series.values():
        # A stated figure wins over an implied one for the same year.
        for year, ops in by_year.items():
            stated = [op for op in ops if not op.implied_by]
            by_year[year] = stated or ops
        for y1, y2 in itertools.combinations(sorted(by_year), 2):
            gap = y2 - y1
            if spec.measure == "yoy" and gap != 1:
                continue
            if spec.measure in ("cagr", "multiple") and gap < 2:
                continue  # over one year both equal the year-on-year change (plus one)
            pairs = list(itertools.product(by_year[y1], by_year[y2]))
            pairs = [p for p in pairs if not _circular(*p)]
            pairs = [p for p in pairs if _single_seed(p)] or pairs
            for early, late in pairs:
                ratio_ = late.interval / early.interval
                name = early.indicator
                if spec.measure == "multiple":
                    interval, unit = ratio_, "ratio"
                    formula = f"{name} {y2} / {name} {y1}"
                elif spec.measure == "yoy":
                    interval, unit = ratio_ - 1, "fraction"
                    formula = f"{name} {y2} / {name} {y1} - 1"
                else:
                    interval, unit = ratio_ ** (1 / gap) - 1, "fraction"
                    formula = f"({name} {y2} / {name} {y1}) ^ (1/{gap}) - 1"
                if interval.kind == "unbounded":
                    continue
                results.append(
                    Result(
                        spec.id,
                        spec.family,
                        f"{spec.title}: {titles.get(name, name)}",
                        unit,
                        formula,
                        (early, late),
                        interval,
                        f"{y1}/{y2}",
                        [f"From {y1} to {y2} ({gap} year{'s' if gap > 1 else ''})."],
                    )
                )
    return results


def _circular(early: Operand, late: Operand) -> bool:
    """An amount implied from a later amount and its growth rate says nothing new about that growth."""
    return early.implied_by == "implied_by_growth" and set(late.ids) <= set(early.ids)


def _indicator_titles(indicators: pd.DataFrame) -> dict[str, str]:
    """Indicator id → its readable title, so metric titles never show a raw id (empty when unknown)."""
    if "id" not in indicators or "title" not in indicators:
        return {}
    return dict(zip(indicators["id"], indicators["title"], strict=True))


def compute(figures: pd.DataFrame, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evaluate every spec for every scope and period where its inputs exist (see module docstring)."""
    if indicators is None:
        indicators = _default_indicators()
    operands = usable_operands(figures)
    specs = catalogue(indicators)
    titles = _indicator_titles(indicators)
    results: list[Result] = []
    implied: list[Operand] = []
    # Stage 1: amounts implied by growth rates, then by totals (which may use the former).
    for spec in specs:
        if isinstance(spec, ImpliedByGrowth):
            found, more = _implied_by_growth(spec, operands, titles)
            results += found
            implied += more
    for spec in specs:
        if isinstance(spec, ImpliedByTotal):
            found, more = _implied_by_total(spec, operands + implied, titles)
            results += found
            implied += more
    # Stage 2: everything else; growth also sees the implied amounts.
    for spec in specs:
        if isinstance(spec, Formula):
            results += _evaluate_formula(spec, operands)
        elif isinstance(spec, AnnualAverage):
            results += _annual_averages(spec, operands, titles)
        elif isinstance(spec, Growth):
            results += _growth(spec, operands + implied, titles)
    frame = pd.DataFrame([r.row() for r in results], columns=COLUMNS)
    for column in ("value", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    return frame


def _default_indicators() -> pd.DataFrame:
    from eastwest import tables

    return tables.load_indicators()


def describe_row(row: pd.Series | dict) -> str:
    """Reader text for a metrics row, e.g. "at most 9,150 yuan per person"."""
    lower = row["lower"] if not pd.isna(row["lower"]) else (0.0 if row["bound"] == "upper_bound" else None)
    interval = Interval(lower, None if pd.isna(row["upper"]) else row["upper"], row["value"])
    return interval.describe(str(row["unit"]))
