"""Audit: recompute every share, total and growth rate a source states, and say whether it agrees.

`run(figures)` returns one row per check with the columns

    check, scope, period, stated, stated_value, recomputed, lower, upper, inputs, formula, agrees, result, note

`stated` is the id of the figure the source prints (e.g. "94%"); `recomputed` is the same quantity
worked out from its components, with `lower`/`upper` the range their printed precision allows.
`agrees` (bool) is True only when that range overlaps the range of the stated figure (its own printed
precision and qualifier): the recomputation confirms the statement. It is False when it does not, and
also for rows whose `check` is "not_checkable" (a stated share or rate the data holds no components
for; listed so that every stated ratio appears in the audit) or "flagged" (a flagged figure no check
used). `result` says which of these a row is, so nobody has to infer it: `agrees`, `disagrees`
(a real disagreement between a source and its own components), `uses_flagged` (the check needs a
flagged figure, so it cannot confirm anything), `not_checkable` and `flagged`.

Where the checks come from
- indicators.csv `part_of`: a stated `<part>_share` is recomputed as part / whole; every part is
  checked not to exceed its whole.
- `same_as` links: the two statements of one fact must agree within their printed precision.
- a multi-year total is checked against the sum of its single years when the data has all of them.
- `CHECKS`, an explicit list for what the data cannot say by itself: sums of parts that are meant
  to be complete (70 + 70 + 189 = 329 million), the poverty reduction rate, growth over the
  previous year, a target against its completion rate, a total area from a per-household area.

Flagged figures take part (marked in the note) but never count as agreeing: `agrees` is False for
every check that uses one. Checks using a corrected figure also say what the value as printed gives.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from eastwest.intervals import Interval, format_number, format_range, from_figure
from eastwest.metrics import (
    Input,
    Operand,
    OperandIndex,
    _default_indicators,
    _operands,
    _span_years,
    as_index,
    gc_paused,
    match,
    restatements,
    single_years_for_totals,
)

COLUMNS = [
    "check", "scope", "period", "stated", "stated_value", "recomputed", "lower", "upper", "inputs",
    "formula", "agrees", "result", "note",
]  # fmt: skip

ANY_NATURE = ("actual", "target", "plan", "forecast")


@dataclass(frozen=True)
class Check:
    """Recompute the stated figure of indicator `stated` as `fn(*inputs)`."""

    id: str
    stated: str
    formula: str
    inputs: tuple[Input, ...]
    fn: Callable[..., Interval]
    stated_nature: tuple[str, ...] = ANY_NATURE
    note: str = ""


def _sum(*parts: Interval) -> Interval:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def sum_check(total: str, parts: Sequence[str], note: str = "") -> Check:
    return Check(
        f"sum:{total}",
        total,
        " + ".join(parts),
        tuple(Input(f"p{i}", p) for i, p in enumerate(parts)),
        _sum,
        ("actual",),
        note,
    )


CHECKS: list[Check] = [
    Check("rate:poverty_reduction_rate", "poverty_reduction_rate",
          "(registered_poor - registered_poor_remaining) / registered_poor",
          (Input("a", "registered_poor"), Input("b", "registered_poor_remaining")),
          lambda a, b: 1 - b / a),  # same as (a - b) / a, but uses a once: tight bounds
    Check("rate:employment_target_completion", "employment_target_completion",
          "employed_poor / employment_target",
          (Input("a", "employed_poor"), Input("b", "employment_target", ("target", "plan"), "overlap")),
          lambda a, b: a / b,
          note="Compares employment so far with the stated annual target."),
    Check("implied:employment_target", "employment_target",
          "employed_poor / employment_target_completion",
          (Input("a", "employed_poor", period="overlap"),
           Input("b", "employment_target_completion", ANY_NATURE, "overlap")),
          lambda a, b: a / b,
          note="The target implied by the stated completion rate, against the target as stated."),
    Check("growth:aid_funds_growth", "aid_funds_growth", "aid_funds / aid_funds (previous year) - 1",
          (Input("a", "aid_funds"), Input("b", "aid_funds", period="previous_year")),
          lambda a, b: a / b - 1),
    sum_check("social_donations", ["social_donations_cash", "social_donations_in_kind"]),
    sum_check("project_investment", ["project_investment_donor", "project_investment_recipient",
                                     "project_investment_local"]),
    sum_check("projects", ["projects_livelihood", "projects_industrial"]),
    sum_check("poor_counties", ["poor_counties_exited", "poor_counties_remaining"]),
    sum_check("personnel_exchanged", ["cadres_dispatched_donor", "professionals_dispatched_donor",
                                      "cadres_sent_to_donor", "professionals_sent_to_donor"],
              note="People sent both ways: Beijing's cadres and professionals plus Inner Mongolia's."),
    Check("product:livestock_stall_area", "livestock_stall_area",
          "houses_built * livestock_stall_area_per_household",
          (Input("a", "houses_built"), Input("b", "livestock_stall_area_per_household")),
          lambda a, b: a * b, ("actual",),
          note="Takes one household per house built, as the source implies."),
]  # fmt: skip


def share_checks(indicators: pd.DataFrame | None) -> list[Check]:
    """A stated `<part>_share` against part / whole, for every `part_of` link in indicators.csv."""
    if indicators is None or len(indicators) == 0 or "part_of" not in indicators.columns:
        return []
    wholes = dict(zip(indicators["id"], indicators["part_of"], strict=True))
    checks = []
    for indicator in indicators["id"]:
        if not indicator.endswith("_share"):
            continue
        part = indicator[: -len("_share")]
        whole = wholes.get(part, "")
        if whole:
            checks.append(
                Check(
                    f"share:{indicator}",
                    indicator,
                    f"{part} / {whole}",
                    (Input("a", part), Input("b", whole)),
                    lambda a, b: a / b,
                )
            )
    return checks


# ---- rows ----------------------------------------------------------------------------------------
def _ids(ops: Sequence[Operand]) -> str:
    ids: list[str] = []
    for op in ops:
        ids.extend(i for i in op.ids if i not in ids)
    return " ".join(ids)


def _range_text(iv: Interval, unit: str) -> str:
    if iv.kind == "exact":
        return format_number(iv.point, unit)
    if iv.has_lower and iv.has_upper:
        lo, hi, _ = format_range(iv.lower, iv.upper, iv.point, unit)
        return f"{lo} to {hi}"
    if iv.has_lower:
        return f"at least {format_number(iv.lower, unit)}"
    return f"at most {format_number(iv.upper, unit)}"


def _row(
    check: str,
    stated: Operand,
    recomputed: Interval,
    components: Sequence[Operand],
    formula: str,
    notes: list[str],
    agrees: bool | None = None,
) -> dict:
    everything = [stated, *components]
    flagged = [op for op in everything if op.status == "flagged"]
    if agrees is None:
        agrees = recomputed.overlaps(stated.interval)
    unit = stated.unit
    notes = list(notes)
    notes.append(
        f"Stated “{stated.printed}” ({_range_text(stated.interval, unit)}); "
        f"recomputed {_range_text(recomputed, unit)}."
    )
    if flagged:
        verdict = "would agree" if agrees else "does not agree either"
        notes.append(
            "Uses flagged figure(s) " + ", ".join(op.ids[0] for op in flagged) + f"; the arithmetic {verdict}, "
            "but a flagged figure never counts as agreeing."
        )
        agrees = False
    result = "uses_flagged" if flagged else ("agrees" if agrees else "disagrees")
    for op in everything:
        if op.status == "corrected":
            notes.append(f"{op.ids[0]} is corrected (printed “{op.printed}”).")
    return {
        "check": check,
        "scope": stated.scope,
        "period": stated.period,
        "stated": stated.ids[0],
        "stated_value": stated.interval.point,
        "recomputed": recomputed.point,
        "lower": recomputed.lower if recomputed.has_lower else math.nan,
        "upper": recomputed.upper if recomputed.has_upper else math.nan,
        "inputs": _ids(components),
        "formula": formula,
        "agrees": agrees,
        "result": result,
        "note": " ".join(n for n in notes if n),
    }


def _as_printed(op: Operand) -> Operand | None:
    """The operand with the value the source printed (for corrected figures), when it can be read."""
    if op.status != "corrected":
        return None
    try:
        from eastwest.numbers import parse_printed

        value = parse_printed(op.printed, op.unit).value
    except Exception:  # noqa: BLE001 - no parser or unreadable: no as-printed comparison
        return None
    interval = from_figure({"printed": op.printed, "value": value, "unit": op.unit, "qualifier": op.qualifier})
    return dataclasses.replace(op, interval=interval)


def _evaluate(check: Check, operands: Iterable[Operand] | OperandIndex) -> list[dict]:
    rows = []
    operands = as_index(operands)
    inputs = (Input("stated", check.stated, check.stated_nature), *check.inputs)
    for combo in match(inputs, operands, same_location=True):
        stated, components = combo[0], combo[1:]
        try:
            recomputed = check.fn(*(op.interval for op in components))
        except (ZeroDivisionError, ValueError, OverflowError):
            continue
        notes = [check.note] if check.note else []
        printed = [_as_printed(op) or op for op in combo]
        if any(p is not op for p, op in zip(printed, combo, strict=True)):
            try:
                as_printed = check.fn(*(op.interval for op in printed[1:]))
                agree = as_printed.overlaps(printed[0].interval)
                notes.append(
                    f"With the values as printed it would be {format_number(as_printed.point, stated.unit)}, "
                    f"which {'agrees' if agree else 'does not agree'} with the stated figure."
                )
            except (ZeroDivisionError, ValueError, OverflowError):
                pass
        rows.append(_row(check.id, stated, recomputed, components, check.formula, notes))
    return rows


def _parts_within_wholes(
    indicators: pd.DataFrame | None, operands: Iterable[Operand] | OperandIndex
) -> list[dict]:
    if indicators is None or len(indicators) == 0 or "part_of" not in indicators.columns:
        return []
    operands = as_index(operands)
    units = dict(zip(indicators["id"], indicators["unit"], strict=True))
    rows = []
    for part, whole in zip(indicators["id"], indicators["part_of"], strict=True):
        if not whole or units.get(part) != units.get(whole) or units.get(part) == "fraction":
            continue
        inputs = (Input("whole", whole, ANY_NATURE), Input("part", part, ANY_NATURE))
        for whole_op, part_op in match(inputs, operands):
            if whole_op.nature != part_op.nature:
                continue
            ok = part_op.interval.lower <= whole_op.interval.upper
            rows.append(
                _row(
                    "part_within_whole",
                    whole_op,
                    part_op.interval,
                    [part_op],
                    f"{part} <= {whole}",
                    [f"A part ({part}) cannot exceed its whole ({whole})."],
                    agrees=ok,
                )
            )
    return rows


def _same_as_pairs(figures: pd.DataFrame, operands: list[Operand]) -> list[dict]:
    by_id = {op.ids[0]: op for op in operands}
    seen: set[frozenset[str]] = set()
    rows = []
    for fid, other in zip(figures["id"], figures["same_as"], strict=True):
        if not other or fid not in by_id or other not in by_id:
            continue
        key = frozenset((fid, other))
        if key in seen:
            continue
        seen.add(key)
        a, b = sorted((by_id[fid], by_id[other]), key=lambda op: op.ids[0])
        notes = ["Two statements of the same fact must agree within their printed precision."]
        for field_ in ("scope", "indicator", "period"):
            mine, theirs = getattr(a, field_), getattr(b, field_)
            if mine != theirs:
                notes.append(f"The linked figures differ in {field_} ({mine} vs {theirs}).")
        formula = f"{a.indicator} ({a.ids[0]}) = {b.indicator} ({b.ids[0]})"
        rows.append(_row("same_as", a, b.interval, [b], formula, notes))
    return rows


def _span_totals(operands: list[Operand]) -> list[dict]:
    rows = []
    totals = [op for op in operands if op.nature == "actual" and _span_years(op.period)]
    keys, singles = single_years_for_totals(totals, operands)
    for total, key in zip(totals, keys, strict=True):
        years = _span_years(total.period)
        known = singles.get(key, {})
        if not all(y in known for y in years):
            continue
        parts = [known[y][0] for y in years]
        formula = " + ".join(f"{total.indicator} {y}" for y in years)
        rows.append(_row("sum:years", total, _sum(*(p.interval for p in parts)), parts, formula, []))
    return rows


def _uncheckable(operands: list[Operand], rows: list[dict], notes: dict[str, str]) -> list[dict]:
    """Stated shares and rates no check covered (agrees False, check "not_checkable"), and flagged figures no
    check used (agrees False), so that neither goes unmentioned."""
    covered = {r["stated"] for r in rows} | {i for r in rows for i in r["inputs"].split()}
    out = []
    for op in operands:
        fid = op.ids[0]
        if fid in covered:
            continue
        if op.status == "flagged":
            agrees, check = False, "flagged"
            note = f"Flagged in the data, so not checked or used: {notes.get(fid, '')}".strip()
        elif op.unit == "fraction":
            agrees, check = False, "not_checkable"
            note = f"Not checkable: the sources give no components to recompute “{op.printed}” from."
            if op.indicator.endswith("_growth"):
                note += " The previous year's amount is not stated (see metric implied_by_growth)."
            if op.nature != "actual":
                note += f" It is a {op.nature}, not an achievement."
        else:
            continue
        out.append(
            {
                "check": check,
                "scope": op.scope,
                "period": op.period,
                "stated": fid,
                "stated_value": op.interval.point,
                "recomputed": math.nan,
                "lower": math.nan,
                "upper": math.nan,
                "inputs": "",
                "formula": "",
                "agrees": agrees,
                "result": check,
                "note": note,
            }
        )
    return out


def run(figures: pd.DataFrame, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check on `figures` (flagged ones included, marked); see the module docstring."""
    if figures is None or len(figures) == 0:
        return pd.DataFrame(columns=COLUMNS)
    if indicators is None:
        indicators = _default_indicators()
    with gc_paused():
        return _run(figures, indicators)


def _run(figures: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    # Every figure once as an operand; the checks use all but same-seed restatements, same_as uses all.
    every = usable_operands_all(figures)
    skip = restatements(figures)
    operands = [op for op in every if op.ids[0] not in skip]
    indexed = OperandIndex(operands)
    checks = list(CHECKS)
    known = {c.stated for c in checks}
    checks += [c for c in share_checks(indicators) if c.stated not in known]
    rows: list[dict] = []
    for check in checks:
        rows += _evaluate(check, indexed)
    rows += _parts_within_wholes(indicators, indexed)
    rows += _span_totals(operands)
    rows += _same_as_pairs(figures, every)
    notes = dict(zip(figures["id"], figures["note"], strict=True)) if "note" in figures.columns else {}
    rows += _uncheckable(operands, rows, notes)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("stated_value", "recomputed", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    frame["agrees"] = frame["agrees"].astype(bool)
    return frame


def usable_operands_all(figures: pd.DataFrame) -> list[Operand]:
    """Every figure, restatements and flagged ones included (for checking same_as links)."""
    if figures is None or len(figures) == 0:
        return []
    return _operands(figures)
