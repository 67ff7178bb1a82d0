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

import contextlib
import functools
import gc
import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eastwest.intervals import Interval, figure_interval, from_figure

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


@functools.lru_cache(maxsize=4096, typed=True)
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


@functools.lru_cache(maxsize=4096, typed=True)
def single_year(period: str) -> int | None:
    return int(period) if re.fullmatch(r"\d{4}", str(period).strip()) else None


def span_years(period: str) -> list[int] | None:
    """The years of a whole-year span "YYYY/YYYY" (inclusive); None for anything else."""
    years = _span_years(period)
    return list(years) if years is not None else None


@functools.lru_cache(maxsize=4096, typed=True)
def _span_years(period: str) -> tuple[int, ...] | None:
    m = re.fullmatch(r"(\d{4})/(\d{4})", str(period).strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    return tuple(range(a, b + 1)) if b > a else None


@functools.lru_cache(maxsize=4096, typed=True)
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


def _text(row: pd.Series | dict, key: str) -> str:
    value = row.get(key, "")
    if value.__class__ is str:
        return value
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


@functools.lru_cache(maxsize=4096)
def _seed_set(seed: str) -> frozenset[str]:
    return frozenset([seed])


def operand_from_row(row: pd.Series | dict) -> Operand:
    """The operand for one figure row (a dict or a pandas Series); `_operands` builds many at once."""
    return Operand(
        ids=(_text(row, "id"),),
        indicator=_text(row, "indicator"),
        scope=_text(row, "scope"),
        period=_text(row, "period"),
        location=_text(row, "location"),
        seeds=_seed_set(_text(row, "seed")),
        interval=from_figure(row),
        unit=_text(row, "unit"),
        nature=_text(row, "nature") or "actual",
        basis=_text(row, "basis"),
        qualifier=_text(row, "qualifier") or "exact",
        printed=_text(row, "printed"),
        status=_text(row, "status") or "ok",
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text_column(figures: pd.DataFrame, name: str) -> list[str]:
    """A column as `_text` reads each of its cells ("" when the column or the cell is missing)."""
    if name not in figures.columns:
        return [""] * len(figures)
    values = figures[name].tolist()
    if set(map(type, values)) == {str}:  # the usual case, checked at C speed
        return values
    return [v if v.__class__ is str else ("" if _missing(v) else str(v)) for v in values]


def _operands(figures: pd.DataFrame, keep: Callable[[object, str], bool] | None = None) -> list[Operand]:
    """`operand_from_row` for every row (that `keep(raw id, status text)` accepts), a column at a time."""
    n = len(figures)
    text = {name: _text_column(figures, name) for name in _TEXT_FIELDS}
    raw_ids = figures["id"].tolist()
    values = figures["value"].tolist() if "value" in figures.columns else [""] * n
    if set(map(type, values)) != {float} or any(map(math.isnan, values)):  # else no cell is _missing
        values = ["" if _missing(v) else v for v in values]
    out = []
    for i, (fid, indicator, scope, period, location, seed, unit, nature, basis, qualifier, printed, status) in (
        enumerate(zip(*(text[name] for name in _TEXT_FIELDS), strict=True))
    ):
        if keep is not None and not keep(raw_ids[i], status):
            continue
        # Operand(...) with every field given, in field order; filled in directly because the frozen
        # dataclass's __init__ (one object.__setattr__ per field) was most of the time spent here.
        op = object.__new__(Operand)
        op.__dict__.update(
            ids=(fid,),
            indicator=indicator,
            scope=scope,
            period=period,
            location=location,
            seeds=_seed_set(seed),
            interval=figure_interval(values[i], qualifier, printed, unit),
            unit=unit,
            nature=nature or "actual",
            basis=basis,
            qualifier=qualifier or "exact",
            printed=printed,
            status=status or "ok",
            implied_by="",
            label="",
        )
        out.append(op)
    return out


_TEXT_FIELDS = ("id", "indicator", "scope", "period", "location", "seed", "unit", "nature", "basis", "qualifier",
                "printed", "status")  # fmt: skip


def restatements(figures: pd.DataFrame) -> set[str]:
    """Ids of figures that restate, in the same seed, a fact another row of that seed already gives.

    Rows of one seed linked through `same_as` (a headline and the body repeating it) form a group;
    the group keeps the row that links outside the seed or to nothing, else the first in the file.
    """
    if figures is None or len(figures) == 0 or "same_as" not in figures.columns:
        return set()
    ids, same_as = figures["id"].tolist(), figures["same_as"].tolist()
    seed_of = dict(zip(ids, figures["seed"].tolist(), strict=True))
    order = {fid: i for i, fid in enumerate(ids)}
    # Only rows with a same-seed link can share a group, so only they enter the union-find.
    pairs = [
        (fid, other)
        for fid, other in zip(ids, same_as, strict=True)
        if other and other in seed_of and seed_of[other] == seed_of[fid]
    ]
    parent = {fid: fid for pair in pairs for fid in pair}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for fid, other in pairs:
        parent[find(fid)] = find(other)
    groups: dict[str, list[str]] = {}
    for fid in sorted(parent, key=order.__getitem__):
        groups.setdefault(find(fid), []).append(fid)
    links = dict(zip(ids, same_as, strict=True))
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
    return _operands(figures, lambda fid, status: (include_flagged or status != "flagged") and fid not in skip)


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
            for i in op.ids:
                if i not in ids:
                    ids.append(i)
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


class OperandIndex:
    """Operands looked up by indicator and scope, so that matching is a dict lookup, not a scan.

    Every list it returns keeps the order of the operands it was built from, so results come out
    in the same order as a scan over that list would give.
    """

    def __init__(self, operands: Iterable[Operand]):
        self.operands = list(operands)
        self._by_indicator: dict[str, list[Operand]] = {}
        for op in self.operands:
            self._by_indicator.setdefault(op.indicator, []).append(op)
        self._pools: dict[tuple[str, tuple[str, ...]], list[Operand]] = {}
        self._scoped: dict[tuple[str, tuple[str, ...] | None], dict[str, list[Operand]]] = {}

    def __iter__(self):
        return iter(self.operands)

    def __len__(self) -> int:
        return len(self.operands)

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


def _single_seed(ops: Sequence[Operand]) -> bool:
    if ops:
        first = ops[0].seeds
        if all(op.seeds == first for op in ops):  # the usual case: one set shared by all
            return len(first) == 1
    seeds: set[str] = set()
    for op in ops:
        seeds |= op.seeds
    return len(seeds) == 1


def _prefer_single_seed(combos: list[tuple[Operand, ...]]) -> list[tuple[Operand, ...]]:
    """Per scope, first-input period and location: keep single-seed combinations when there are any."""
    groups: dict[tuple, list[tuple[Operand, ...]]] = {}
    for combo in combos:
        location = ""
        for op in combo:
            if op.location:
                location = op.location
                break
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
    scoped = [(spec.period, found.by_scope(spec.indicator, spec.nature)) for spec in inputs[1:]]
    combos = []
    for first in found.pool(inputs[0].indicator, inputs[0].nature):
        period, location = first.period, first.location
        rest = []
        for relation, pools in scoped:
            fitting = [
                op
                for op in pools.get(first.scope, ())
                if periods_relate(period, op.period, relation)
                and (not location or not op.location or location == op.location)
            ]
            if not fitting:
                break  # no combination for this first input
            # A figure at the same location (or both without one) beats one that merely does not clash.
            exact = [op for op in fitting if op.location == location]
            rest.append(exact or fitting)
        else:
            for tail in itertools.product(*rest):
                combo = (first, *tail)
                # Every other input fits `first`'s location, so only a first without one can clash.
                if not location and not _locations_compatible(combo):
                    continue
                if (combo[0] is combo[1]) if len(combo) == 2 else len({id(op) for op in combo}) != len(combo):
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
    if ops and not _single_seed(ops):
        seeds: set[str] = set()
        for op in ops:
            seeds |= op.seeds
        if len(seeds) > 1:
            numbers = sorted(s[:3] for s in seeds)
            notes.append(f"Combines figures from different sources (seeds {', '.join(numbers)}).")
    if len({op.period for op in ops}) > 1:  # one period has one length: only then can lengths differ
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
    result_kind = result.kind
    if result_kind not in ("lower_bound", "upper_bound"):
        return notes
    loose = [op for op in ops if op.interval.kind in ("lower_bound", "upper_bound", "unbounded")]
    if loose:
        which = ", ".join(f"{op.indicator} is “{op.printed}”" for op in loose if not op.implied_by)
        side = "An upper bound" if result_kind == "upper_bound" else "A lower bound"
        notes.append(f"{side} only, because {which}." if which else f"{side} only.")
    return notes


def _evaluate_formula(spec: Formula, operands: Iterable[Operand] | OperandIndex) -> list[Result]:
    results = []
    operands = as_index(operands)
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


def _comparison_notes(
    spec: Formula, combo: tuple[Operand, ...], interval: Interval, operands: OperandIndex
) -> list[str]:
    notes = []
    for op in operands.by_scope(spec.compare_with).get(combo[0].scope, ()):
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
            year = single_year(op.period)
            if year is not None:
                singles.setdefault(key, {}).setdefault(year, []).append(op)
    return keys, singles


def _annual_averages(spec: AnnualAverage, operands: list[Operand], titles: dict[str, str]) -> list[Result]:
    """Amounts (yuan) only: a count of projects or people over two years is not an annual flow."""
    out = []
    for op in operands:
        years = _span_years(op.period)
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
    spec: ImpliedByGrowth, operands: Iterable[Operand] | OperandIndex, titles: dict[str, str]
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
    totals = [
        op
        for op in operands
        if op.nature == "actual"
        and not op.implied_by
        and (spec.indicator == "*" or op.indicator == spec.indicator)
        and _span_years(op.period)
    ]
    keys, singles = single_years_for_totals(totals, operands)
    for total, key in zip(totals, keys, strict=True):
        years = _span_years(total.period)
        known = singles.get(key, {})
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


def _growth_series(operands: Iterable[Operand], indicator: str = "*") -> list[dict[int, list[Operand]]]:
    """Single-year actual amounts of `indicator` ("*": all) by series (indicator, scope, location) and year.

    A stated figure wins over an implied one for the same year. The result does not depend on the
    growth measure, so `compute` builds it once for all of them.
    """
    series: dict[tuple, dict[int, list[Operand]]] = {}
    for op in operands:
        year = single_year(op.period)
        if year is None or op.nature != "actual" or op.unit in ("fraction", "ratio") or op.interval.lower <= 0:
            continue
        if indicator != "*" and op.indicator != indicator:
            continue
        series.setdefault((op.indicator, op.scope, op.location), {}).setdefault(year, []).append(op)
    for by_year in series.values():
        for year, ops in by_year.items():
            stated = [op for op in ops if not op.implied_by]
            by_year[year] = stated or ops
    return list(series.values())


def _growth(
    spec: Growth,
    operands: Iterable[Operand],
    titles: dict[str, str],
    series: list[dict[int, list[Operand]]] | None = None,
) -> list[Result]:
    """Growth results; `series` is `_growth_series(operands, spec.indicator)` when the caller has it already."""
    if series is None:
        series = _growth_series(operands, spec.indicator)
    results = []
    for by_year in series:
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
    with gc_paused():
        return _compute(figures, indicators)


def _compute(figures: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    operands = usable_operands(figures)
    indexed = OperandIndex(operands)
    specs = catalogue(indicators)
    titles = _indicator_titles(indicators)
    results: list[Result] = []
    implied: list[Operand] = []
    # Stage 1: amounts implied by growth rates, then by totals (which may use the former).
    for spec in specs:
        if isinstance(spec, ImpliedByGrowth):
            found, more = _implied_by_growth(spec, indexed, titles)
            results += found
            implied += more
    for spec in specs:
        if isinstance(spec, ImpliedByTotal):
            found, more = _implied_by_total(spec, operands + implied, titles)
            results += found
            implied += more
    # Stage 2: everything else; growth also sees the implied amounts.
    growth_series: dict[str, list[dict[int, list[Operand]]]] = {}
    for spec in specs:
        if isinstance(spec, Formula):
            results += _evaluate_formula(spec, indexed)
        elif isinstance(spec, AnnualAverage):
            results += _annual_averages(spec, operands, titles)
        elif isinstance(spec, Growth):
            if spec.indicator not in growth_series:
                growth_series[spec.indicator] = _growth_series(operands + implied, spec.indicator)
            results += _growth(spec, (), titles, growth_series[spec.indicator])
    frame = pd.DataFrame([r.row() for r in results], columns=COLUMNS)
    for column in ("value", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    return frame


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for a bulk build of many small objects.

    Operands, intervals and results hold no reference cycles (reference counting frees them), but
    each collection pass scans every live object, and building ~100,000 of them triggers hundreds
    of passes: about half the time of `compute` on a large data set. Restores the previous state.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _default_indicators() -> pd.DataFrame:
    from eastwest import tables

    return tables.load_indicators()


def describe_row(row: pd.Series | dict) -> str:
    """Reader text for a metrics row, e.g. "at most 9,150 yuan per person"."""
    lower = row["lower"] if not pd.isna(row["lower"]) else (0.0 if row["bound"] == "upper_bound" else None)
    interval = Interval(lower, None if pd.isna(row["upper"]) else row["upper"], row["value"])
    return interval.describe(str(row["unit"]))
