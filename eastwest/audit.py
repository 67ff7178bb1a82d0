"""Audit: recompute every share, total and growth rate a source states, and say whether it agrees.

`run(figures)` returns one row per check with the columns

    check, scope, period, stated, stated_value, recomputed, lower, upper, inputs, formula, agrees, result, notes

One row per fact: the stated figure and its recomputation share a row, so a reader's "94%, 47 of 50 ✓"
comes from `stated`, `inputs` and `result`. `notes` is a JSON list of {"code": ..., <values>} worded by
eastwest.words (messages note.<code>, both languages; `NOTE_CODES` lists them): no reader text here.

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
- `vocabulary.relations(indicators)`: a stated share (`<part>_share`, the part's indicators.csv
  `part_of` naming the whole) is recomputed as part / whole, a rate of vocabulary.RATES (the poverty
  reduction rate) as 1 − part / whole; every part is checked not to exceed its whole.
- `same_as` links: the two statements of one fact must agree within their printed precision.
- a multi-year total is checked against the sum of its single years when the data has all of them.
- `CHECKS`, an explicit list for what the data cannot say by itself: sums of parts that are meant
  to be complete (70 + 70 + 189 = 329 million), growth over the previous year, a target against
  its completion rate, a total area from a per-household area.

Flagged figures take part (marked in the notes) but never count as agreeing: `agrees` is False for
every check that uses one; where the same source corrects the same slip elsewhere, the flagged row
offers the likely reading as unconfirmed (likely_reading). Checks using a corrected figure also say
what the value as printed gives. The checks use each fact once, by its most precise statement; the
same_as rows compare every pair, and where the two seeds report one briefing (000 and 003) their
notes say that agreement is not independent confirmation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from eastwest import vocabulary
from eastwest.intervals import Interval, from_figure
from eastwest.metrics import (
    Input,
    NoteContext,
    Operand,
    OperandIndex,
    as_index,
    default_indicators,
    fact_operands,
    figure_ids,
    figure_operands,
    match,
    note,
    notes_json,
    single_years_for_totals,
    source_notes,
)

COLUMNS = [
    "check", "scope", "period", "stated", "stated_value", "recomputed", "lower", "upper", "inputs",
    "formula", "agrees", "result", "notes",
]  # fmt: skip


@dataclass(frozen=True)
class Check:
    """Recompute the stated figure of indicator `stated` as `fn(*inputs)`."""

    id: str
    stated: str
    formula: str
    inputs: tuple[Input, ...]
    fn: Callable[..., Interval]
    stated_nature: tuple[str, ...] = vocabulary.NATURES
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
    Check("rate:employment_target_completion", "employment_target_completion",
          "employed_poor / employment_target",
          (Input("a", "employed_poor"), Input("b", "employment_target", ("target", "plan"), "overlap")),
          lambda a, b: a / b,
          note="completion_vs_annual_target"),
    Check("implied:employment_target", "employment_target",
          "employed_poor / employment_target_completion",
          (Input("a", "employed_poor", period="overlap"),
           Input("b", "employment_target_completion", vocabulary.NATURES, "overlap")),
          lambda a, b: a / b,
          note="implied_target_vs_stated"),
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
              note="personnel_both_ways"),
    Check("product:livestock_stall_area", "livestock_stall_area",
          "houses_built * livestock_stall_area_per_household",
          (Input("a", "houses_built"), Input("b", "livestock_stall_area_per_household")),
          lambda a, b: a * b, ("actual",),
          note="one_household_per_house"),
]  # fmt: skip


def relation_checks(indicators: pd.DataFrame | None) -> list[Check]:
    """A check for each stated share and rate of `vocabulary.relations(indicators)`, in indicators.csv order."""
    if indicators is None or len(indicators) == 0 or "id" not in indicators.columns:
        return []
    rows = indicators.to_dict("records")
    found = vocabulary.relations(rows)
    return [_relation_check(found[row["id"]]) for row in rows if row["id"] in found]


def _relation_check(relation: vocabulary.Relation) -> Check:
    """share:<stated> recomputes part / whole; rate:<stated> 1 − part / whole, from the whole at the rate's
    period and the part (what remains) at a date within it. Inputs in the order the formula names them."""
    if relation.complement:
        inputs = (Input("whole", relation.whole), Input("part", relation.part, period="overlap"))
        return Check(f"rate:{relation.stated}", relation.stated, relation.formula, inputs,
                     lambda whole, part: relation.apply(part, whole))  # fmt: skip
    inputs = (Input("part", relation.part), Input("whole", relation.whole))
    return Check(f"share:{relation.stated}", relation.stated, relation.formula, inputs, relation.apply)


def checks(indicators: pd.DataFrame | None) -> list[Check]:
    """Every check `run` evaluates, in the order of its rows: the rates, CHECKS, then the shares (a relation
    whose stated indicator CHECKS already recomputes is left to CHECKS)."""
    relations = [c for c in relation_checks(indicators) if c.stated not in {check.stated for check in CHECKS}]
    rates = [c for c in relations if c.id.startswith("rate:")]
    return rates + CHECKS + [c for c in relations if c not in rates]


# ---- rows ----------------------------------------------------------------------------------------
def _row(
    check: str,
    stated: Operand,
    recomputed: Interval,
    components: Sequence[Operand],
    formula: str,
    notes: list[dict],
    agrees: bool | None = None,
) -> dict:
    """One audit row; the stated figure and its recomputation stay in their own columns (stated,
    stated_value, recomputed, lower, upper, inputs), so a reader's "94%, 47 of 50 ✓" comes from them."""
    everything = [stated, *components]
    flagged = [op for op in everything if op.status == "flagged"]
    if agrees is None:
        agrees = recomputed.overlaps(stated.interval)
    notes = list(notes)
    for op in flagged:
        notes.append(note("flagged_would_agree" if agrees else "flagged_disagrees_too", figure=op.ids[0]))
    if flagged:
        agrees = False
    result = "uses_flagged" if flagged else ("agrees" if agrees else "disagrees")
    for op in everything:
        if op.status == "corrected":
            notes.append(note("uses_corrected", figure=op.ids[0], printed=op.printed))
    return {
        "check": check,
        "scope": stated.scope,
        "period": stated.period,
        "stated": stated.ids[0],
        "stated_value": stated.interval.point,
        "recomputed": recomputed.point,
        "lower": recomputed.lower if recomputed.has_lower else math.nan,
        "upper": recomputed.upper if recomputed.has_upper else math.nan,
        "inputs": " ".join(figure_ids(components)),
        "formula": formula,
        "agrees": agrees,
        "result": result,
        "notes": notes,  # a list until run() writes every row's notes as JSON
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


def _as_printed_note(check: Check, combo: Sequence[Operand]) -> dict | None:
    """What the check gives with corrected figures taken as printed (as_printed_agrees / _disagrees)."""
    printed = [_as_printed(op) or op for op in combo]
    if all(p is op for p, op in zip(printed, combo, strict=True)):
        return None
    try:
        as_printed = check.fn(*(op.interval for op in printed[1:]))
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    verdict = "agrees" if as_printed.overlaps(printed[0].interval) else "disagrees"
    corrected = [op for op, p in zip(combo, printed, strict=True) if p is not op]
    suffix = "" if combo[0].unit == "fraction" else "_number"
    first = corrected[0]
    return note(f"as_printed_{verdict}{suffix}", value=as_printed.point, figure=first.ids[0], printed=first.printed)


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
        notes = [note(check.note)] if check.note else []
        as_printed = _as_printed_note(check, combo)
        if as_printed:
            notes.append(as_printed)
        rows.append(_row(check.id, stated, recomputed, components, check.formula, notes))
    return rows


def _parts_within_wholes(indicators: pd.DataFrame | None, operands: Iterable[Operand] | OperandIndex) -> list[dict]:
    if indicators is None or len(indicators) == 0 or "part_of" not in indicators.columns:
        return []
    operands = as_index(operands)
    units = dict(zip(indicators["id"], indicators["unit"], strict=True))
    rows = []
    for part, whole in zip(indicators["id"], indicators["part_of"], strict=True):
        if not whole or units.get(part) != units.get(whole) or units.get(part) == "fraction":
            continue
        inputs = (Input("whole", whole, vocabulary.NATURES), Input("part", part, vocabulary.NATURES))
        for whole_op, part_op in match(inputs, operands):
            if whole_op.nature != part_op.nature:
                continue
            ok = part_op.interval.lower <= whole_op.interval.upper
            notes = [note("part_within_whole", part=part, whole=whole)]
            rows.append(_row("part_within_whole", whole_op, part_op.interval, [part_op], f"{part} <= {whole}",
                             notes, agrees=ok))  # fmt: skip
    return rows


def _same_as_pairs(figures: pd.DataFrame, operands: list[Operand]) -> list[dict]:
    """Each same_as link once. Two seeds reporting one briefing agree by construction: the note says
    so (one_briefing_two_reports), so that agreement is never read as independent confirmation."""
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
        if a.seeds == b.seeds:
            notes = [note("restated_in_source", figure=a.ids[0], other=b.ids[0])]
        else:
            seeds = ", ".join(sorted(s[:3] for s in a.seeds | b.seeds))
            notes = [note("same_fact_two_reports", figure=a.ids[0], other=b.ids[0], seeds=seeds)]
        formula = f"{a.indicator} ({a.ids[0]}) = {b.indicator} ({b.ids[0]})"
        rows.append(_row("same_as", a, b.interval, [b], formula, notes))
    return rows


def _span_totals(operands: list[Operand]) -> list[dict]:
    rows = []
    spans = {period: vocabulary.span_years(period) for period in {op.period for op in operands}}  # each read once
    totals = [op for op in operands if op.nature == "actual" and spans[op.period]]
    keys, singles = single_years_for_totals(totals, operands)
    for total, key in zip(totals, keys, strict=True):
        years = spans[total.period]
        known = singles.get(key, {})
        if not all(y in known for y in years):
            continue
        parts = [known[y][0] for y in years]
        formula = " + ".join(f"{total.indicator} {y}" for y in years)
        rows.append(_row("sum:years", total, _sum(*(p.interval for p in parts)), parts, formula, []))
    return rows


# The note on a stated share or rate of each nature but actual (not_an_achievement_target, ...).
NATURE_NOTES = {nature: f"not_an_achievement_{nature}" for nature in vocabulary.NATURES if nature != "actual"}

# Every note code this module emits; each is worded by note.<code> in eastwest/messages/notes.toml.
NOTE_CODES = (
    "completion_vs_annual_target", "implied_target_vs_stated", "personnel_both_ways", "one_household_per_house",
    "flagged_would_agree", "flagged_disagrees_too", "as_printed_agrees", "as_printed_disagrees",
    "as_printed_agrees_number", "as_printed_disagrees_number", "uses_corrected", "part_within_whole",
    "restated_in_source", "same_fact_two_reports", "one_briefing_two_reports", *NATURE_NOTES.values(),
    "flagged_not_used", "not_checkable", "growth_base_not_stated", "likely_reading", "likely_reading_number",
    "mixes_sources", "most_precise_statement",
)  # fmt: skip


def _uncheckable_notes(op: Operand, likely: Mapping[str, dict]) -> tuple[str, list[dict]] | None:
    """(check, notes) for a figure no check used: a flagged one, or a stated share or rate."""
    fid = op.ids[0]
    if op.status == "flagged":
        return "flagged", [note("flagged_not_used", figure=fid), likely.get(fid, {})]
    if op.unit != "fraction":
        return None
    notes = [note("not_checkable", figure=fid)]
    if op.indicator.endswith("_growth"):
        notes.append(note("growth_base_not_stated", figure=fid, metric="implied_by_growth"))
    if op.nature in NATURE_NOTES:
        notes.append(note(NATURE_NOTES[op.nature], figure=fid))
    return "not_checkable", notes


def _uncheckable(operands: list[Operand], rows: list[dict], likely: Mapping[str, dict]) -> list[dict]:
    """Stated shares and rates no check covered (agrees False, check "not_checkable"), and flagged figures no
    check used (agrees False), so that neither goes unmentioned."""
    covered = {r["stated"] for r in rows} | {i for r in rows for i in r["inputs"].split()}
    out = []
    for op in operands:
        found = None if op.ids[0] in covered else _uncheckable_notes(op, likely)
        if found is None:
            continue
        check, notes = found
        out.append(
            {
                "check": check,
                "scope": op.scope,
                "period": op.period,
                "stated": op.ids[0],
                "stated_value": op.interval.point,
                "recomputed": math.nan,
                "lower": math.nan,
                "upper": math.nan,
                "inputs": "",
                "formula": "",
                "agrees": False,
                "result": check,
                "notes": notes,
            }
        )
    return out


def likely_readings(operands: Iterable[Operand]) -> dict[str, dict]:
    """Flagged figures → a `likely_reading` note, where the same seed corrects the same slip elsewhere.

    A corrected figure whose printed scale word ("trillion") the source got wrong by a factor (1/1000
    for 20.7亿 printed as "2.07 trillion") suggests the same factor for a flagged figure of that seed
    printed with the same scale word ("3.39 trillion" → probably 3.39 billion). The reading stays
    unconfirmed: the figure remains flagged and feeds nothing.
    """
    ops = [op for op in operands if op.status in ("corrected", "flagged")]
    slips: dict[tuple[str, str], tuple[float, Operand]] = {}
    for op in ops:
        as_printed = _as_printed(op)
        word = _scale_word(op.printed)
        if as_printed and word and as_printed.interval.point:
            slips.setdefault((next(iter(op.seeds)), word), (op.interval.point / as_printed.interval.point, op))
    out = {}
    for op in ops:
        key = (next(iter(op.seeds)), _scale_word(op.printed))
        if op.status == "flagged" and key in slips:
            factor, evidence = slips[key]
            code = "likely_reading" if op.unit == "yuan" else "likely_reading_number"
            likely = op.interval.point * factor
            out[op.ids[0]] = note(
                code, figure=op.ids[0], likely=likely, evidence=evidence.ids[0], printed=evidence.printed
            )
    return out


def _scale_word(printed: str) -> str:
    words = [w for w in ("trillion", "billion", "million", "万亿", "亿", "万") if w in printed.lower()]
    return words[0] if words else ""


def run(figures: pd.DataFrame, indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check on `figures` (flagged ones included, marked); see the module docstring."""
    if figures is None or len(figures) == 0:
        return pd.DataFrame(columns=COLUMNS)
    if indicators is None:
        indicators = default_indicators()
    # Every figure once as an operand. The checks use each fact once, by its most precise statement
    # (same-seed restatements and less precise reports of it left out); same_as compares them all.
    every = figure_operands(figures)
    operands, context = fact_operands(figures, every, include_flagged=True)
    indexed = OperandIndex(operands)
    rows: list[dict] = []
    for check in checks(indicators):
        rows += _evaluate(check, indexed)
    rows += _parts_within_wholes(indicators, indexed)
    rows += _span_totals(operands)
    rows += _same_as_pairs(figures, every)
    by_id = {op.ids[0]: op for op in every}
    for row in rows:
        if row["check"] != "same_as":
            _add_source_notes(row, [by_id[row["stated"]], *(by_id[i] for i in row["inputs"].split())], context)
    rows += _uncheckable(operands, rows, likely_readings(every))
    for row in rows:
        row["notes"] = notes_json(row["notes"])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("stated_value", "recomputed", "lower", "upper"):
        frame[column] = frame[column].astype(float)
    frame["agrees"] = frame["agrees"].astype(bool)
    return frame


def _add_source_notes(row: dict, ops: list[Operand], context: NoteContext) -> None:
    """Add to a check's notes: sources combined (one briefing reported twice?) and most precise statements used."""
    notes = row["notes"]
    notes += source_notes(ops, context)
    for op in ops:
        notes += [
            note("most_precise_statement", figure=op.ids[0], rounded=r) for r in context.rounded.get(op.ids[0], ())
        ]
