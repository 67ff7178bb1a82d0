"""Rules that flag suspicious figures, run on every build.

The rules look at the number as *printed* (parsed from `printed`, not the curated `value`), so a source
error stays visible even after a curator corrected it. `validate.py` turns findings into problems:
a finding on a row whose status is `ok` must be looked at by a curator (set the status to flagged, or
corrected with a note), and a corrected row whose corrected value still trips a rule is wrong too.

Rules (each yields `Finding(figure_id, rule, message)`):
- part_exceeds_whole: a part (indicator with `part_of`) is larger than its whole in the same seed, scope,
  period, nature (and location when both have one).
- above_max: the value exceeds the indicator's `max` (e.g. a share above 1).
- same_as_disagrees: two figures linked by `same_as` differ by more than their printed precision.
- magnitude: a figure is more than MAGNITUDE_FACTOR times the median of the other figures with the same
  unit in the same seed and scope.
- share_inconsistent: a stated share disagrees with its numerator and denominator stated for the same
  scope and period (X_share vs X / part_of(X); poverty_reduction_rate vs 1 - remaining / registered).

When a finding involves several figures, it is attributed to the first involved figure a curator has
already marked (corrected or flagged); otherwise to the figure the rule is about (the part, the share...).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

from eastwest.numbers import ParseError, finite_number, parse_printed

MAGNITUDE_FACTOR = 400.0  # tuned on the curated data: genuine figures reach 161x, the flagged ones 1132x and more
MAGNITUDE_MIN_OTHERS = 2
LOWER_BOUND_QUALIFIERS = {"more_than", "at_least", "not_less_than"}
ABOUT_WIDENING = 0.05  # "about" widens the rounding interval by ±5% (shared spec)
COMPARABLE_QUALIFIERS = {"exact", "about"}

# Rates that are not simply "<part>_share": rate -> (part, whole, complement?).
RATE_FORMULAS: dict[str, tuple[str, str, bool]] = {
    "poverty_reduction_rate": ("registered_poor_remaining", "registered_poor", True),
}

RULES = ("part_exceeds_whole", "above_max", "same_as_disagrees", "magnitude", "share_inconsistent")

Row = dict[str, Any]


@dataclass(frozen=True, order=True)
class Finding:
    figure_id: str
    rule: str
    message: str


def _records(table) -> list[Row]:
    """Accept a pandas DataFrame or a list of row dicts."""
    if hasattr(table, "to_dict"):
        return table.to_dict("records")
    return list(table)


def _literal(row: Row) -> tuple[float, float] | None:
    try:
        parsed = parse_printed(row["printed"], row["unit"])
    except ParseError:
        return None
    return parsed.value, parsed.precision


def amounts(figures, basis: str = "printed") -> dict[str, tuple[float, float]]:
    """figure id -> (amount, precision), as printed or as curated (`value`; a corrected figure's precision
    is scaled like its value). Figures whose number cannot be read are left out."""
    if basis not in ("printed", "value"):
        raise ValueError(f"basis must be 'printed' or 'value', not {basis!r}")
    result = {}
    literals: dict[tuple, tuple[float, float] | None] = {}  # (printed, unit) -> literal, read once
    for row in _records(figures):
        if row["id"] in result:
            continue
        key = (row["printed"], row["unit"])
        try:
            literal = literals[key]
        except KeyError:
            literal = literals[key] = _literal(row)
        except TypeError:  # a cell that cannot be a dictionary key
            literal = _literal(row)
        if literal is None:
            continue
        if basis == "printed":
            result[row["id"]] = literal
            continue
        value = finite_number(row["value"])
        if value is None:
            continue
        amount, precision = literal
        if row["status"] == "corrected":
            precision = precision * value / amount if amount else 0.0
        result[row["id"]] = (value, precision)
    return result


def check(figures, indicators, basis: str = "printed") -> list[Finding]:
    """Run every rule on `figures` (DataFrame or row dicts). `basis`: "printed" (literal) or "value"."""
    records = _records(figures)
    numbers = amounts(records, basis)
    rows: dict[str, Row] = {}
    for row in records:
        figure_id = row["id"]
        if figure_id in rows:
            continue
        number = numbers.get(figure_id)
        if number is not None:  # a copy of the row with its amount and precision (as {**row, ...} would give)
            copy = rows[figure_id] = dict(row)
            copy["amount"], copy["precision"] = number
    indicator_rows = _records(indicators)
    findings: set[Finding] = set()
    for rule in (part_exceeds_whole, above_max, same_as_disagrees, magnitude, share_inconsistent):
        findings.update(rule(rows, indicator_rows))
    return sorted(findings)


def _blame(rows: dict[str, Row], involved: list[str]) -> str:
    for figure_id in involved:
        if rows[figure_id]["status"] != "ok":
            return figure_id
    return involved[0]


def _same_place(a: Row, b: Row) -> bool:
    return not a["location"] or not b["location"] or a["location"] == b["location"]


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _whole_of(indicators: list[Row]) -> dict[str, str]:
    return {row["id"]: row["part_of"] for row in indicators if row.get("part_of")}


def part_exceeds_whole(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    whole_of = _whole_of(indicators)
    wanted = set(whole_of.values())
    # Candidate wholes, in row order, by (indicator, seed, scope, period, nature): one pass over the rows
    # instead of a scan of every row of the whole's indicator for each part.
    wholes: dict[tuple, list[Row]] = {}
    for row in rows.values():
        if row["indicator"] in wanted:
            wholes.setdefault(_part_key(row, row["indicator"]), []).append(row)
    found = []
    for part in rows.values():
        whole_indicator = whole_of.get(part["indicator"])
        if not whole_indicator:
            continue
        for whole in wholes.get(_part_key(part, whole_indicator), ()):
            if not _same_place(part, whole):
                continue
            if whole["qualifier"] in LOWER_BOUND_QUALIFIERS:
                continue  # "more than X" does not cap the whole
            if part["amount"] - part["precision"] > whole["amount"] + whole["precision"]:
                ratio = part["amount"] / whole["amount"] if whole["amount"] else math.inf
                found.append(
                    Finding(
                        _blame(rows, [part["id"], whole["id"]]),
                        "part_exceeds_whole",
                        f"{part['id']} ({part['indicator']} = {_fmt(part['amount'])}) is {ratio:.3g}× its "
                        f"whole {whole['id']} ({whole['indicator']} = {_fmt(whole['amount'])})",
                    )
                )
                break
    return found


def _part_key(row: Row, indicator: str) -> tuple:
    return (indicator, row["seed"], row["scope"], row["period"], row["nature"])


def above_max(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    maxima = {}
    for indicator in indicators:
        limit = finite_number(indicator.get("max"))
        if limit is not None:
            maxima[indicator["id"]] = limit
    found = []
    for row in rows.values():
        limit = maxima.get(row["indicator"])
        if limit is not None and row["amount"] - row["precision"] > limit:
            found.append(
                Finding(
                    row["id"],
                    "above_max",
                    f"{row['indicator']} = {_fmt(row['amount'])} is above its maximum {_fmt(limit)}",
                )
            )
    return found


def _interval(row: Row) -> tuple[float, float]:
    low, high = row["amount"] - row["precision"], row["amount"] + row["precision"]
    if row["qualifier"] == "about":
        low, high = low * (1 - ABOUT_WIDENING), high * (1 + ABOUT_WIDENING)
    return low, high


def same_as_disagrees(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    found = []
    for row in rows.values():
        other = rows.get(row["same_as"]) if row["same_as"] else None
        if other is None:
            continue
        (low_a, high_a), (low_b, high_b) = _interval(row), _interval(other)
        slack = 1e-9 * max(abs(row["amount"]), abs(other["amount"]))
        if low_a > high_b + slack or low_b > high_a + slack:
            found.append(
                Finding(
                    _blame(rows, [row["id"], other["id"]]),
                    "same_as_disagrees",
                    f"{row['id']} = {_fmt(row['amount'])} but its same_as {other['id']} = "
                    f"{_fmt(other['amount'])} (beyond printed precision)",
                )
            )
    return found


def _peer_ratios(rows: dict[str, Row], above: float | None = None) -> list[tuple[Row, float, float, int]]:
    """(figure, amount / median of its peers, that median, number of peers) for every figure with enough
    peers: the other figures with the same unit in the same seed and scope. With `above`, only the figures
    whose ratio is above it (the others may be skipped without computing their median)."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    group_key = operator.itemgetter("seed", "scope", "unit")
    for row in rows.values():
        key = group_key(row)
        group = groups.get(key)
        if group is None:
            groups[key] = [row]
        else:
            group.append(row)
    ratios = []
    amount_of = operator.itemgetter("amount")
    for group in groups.values():
        if len(group) <= MAGNITUDE_MIN_OTHERS:
            continue
        group_amounts = list(map(amount_of, group))
        ordered = sorted(group_amounts)
        candidates = group
        if above is not None:
            # Leaving out one figure lowers the median of the rest at most to the median without the largest
            # figure, so a figure can only be `above` times its peers' median if it is `above` times that
            # one (a margin of 1e-9 keeps rounding on the safe side; the ratio itself is computed below).
            lowest = _median_without(ordered, len(ordered) - 1)
            if lowest > 0:
                threshold = above * lowest * (1 - 1e-9)
                candidates = [row for row, amount in zip(group, group_amounts, strict=True) if amount > threshold]
        if not candidates:
            continue
        rank = {}  # amount -> a position it holds in `ordered` (equal amounts leave the same others)
        for position, amount in enumerate(ordered):
            rank.setdefault(amount, position)
        for row in candidates:
            median = _median_without(ordered, rank[row["amount"]])
            if median > 0 and (above is None or row["amount"] / median > above):
                ratios.append((row, row["amount"] / median, median, len(group) - 1))
    return ratios


def _median_without(ordered: list[float], skip: int) -> float:
    """statistics.median of the sorted list `ordered` without its element at `skip`, in O(1)."""
    count = len(ordered) - 1
    middle = count // 2  # element i of the list without `skip` is ordered[i] below skip, ordered[i + 1] from it
    upper = ordered[middle if middle < skip else middle + 1]
    if count % 2 == 1:
        return upper
    lower = ordered[middle - 1 if middle - 1 < skip else middle]
    return (lower + upper) / 2


def magnitude(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    found = []
    for row, ratio, median, peers in _peer_ratios(rows, above=MAGNITUDE_FACTOR):
        if ratio > MAGNITUDE_FACTOR:
            found.append(
                Finding(
                    row["id"],
                    "magnitude",
                    f"{_fmt(row['amount'])} is {ratio:.0f}× the median ({_fmt(median)}) of the other {peers} "
                    f"figures in {row['unit']} from this source and scope",
                )
            )
    return found


def magnitude_ratios(figures, basis: str = "printed") -> list[tuple[str, str, float]]:
    """(figure id, status, ratio to its peers' median), largest first: for tuning MAGNITUDE_FACTOR."""
    numbers = amounts(figures, basis)
    rows = {}
    for row in _records(figures):
        if row["id"] in numbers:
            rows[row["id"]] = {**row, "amount": numbers[row["id"]][0], "precision": numbers[row["id"]][1]}
    ratios = [(row["id"], row["status"], ratio) for row, ratio, _, _ in _peer_ratios(rows)]
    return sorted(ratios, key=lambda item: -item[2])


def _share_relations(indicators: list[Row]) -> dict[str, tuple[str, str, bool]]:
    whole_of = _whole_of(indicators)
    relations = {}
    known = {row["id"] for row in indicators}
    for indicator in known:
        stem = indicator.removesuffix("_share")
        if indicator != stem and stem in whole_of:
            relations[indicator] = (stem, whole_of[stem], False)
    for rate, (part, whole, complement) in RATE_FORMULAS.items():
        if {rate, part, whole} <= known:
            relations[rate] = (part, whole, complement)
    return relations


def _ratio_interval(part: Row, whole: Row, complement: bool) -> tuple[float, float] | None:
    (p_low, p_high), (w_low, w_high) = _interval(part), _interval(whole)
    if w_low <= 0:
        return None
    low, high = p_low / w_high, p_high / w_low
    return (1 - high, 1 - low) if complement else (low, high)


def share_inconsistent(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    found = []
    relations = _share_relations(indicators)
    # Possible inputs (comparable qualifiers), in row order, by (scope, period, nature, indicator): built in
    # one pass, instead of a scan of every row for each stated share.
    inputs = {indicator for part, whole, _ in relations.values() for indicator in (part, whole)}
    candidates: dict[tuple[str, str, str, str], list[Row]] = {}
    for row in rows.values():
        if row["indicator"] in inputs and row["qualifier"] in COMPARABLE_QUALIFIERS:
            key = (row["scope"], row["period"], row["nature"], row["indicator"])
            candidates.setdefault(key, []).append(row)
    for share in rows.values():
        if share["indicator"] not in relations or share["qualifier"] not in COMPARABLE_QUALIFIERS:
            continue
        part_indicator, whole_indicator, complement = relations[share["indicator"]]
        where = (share["scope"], share["period"], share["nature"])
        parts = [row for row in candidates.get((*where, part_indicator), ()) if _same_place(row, share)]
        wholes = [row for row in candidates.get((*where, whole_indicator), ()) if _same_place(row, share)]
        pairs = [(part, whole) for part in parts for whole in wholes if _same_place(part, whole)]
        stated_low, stated_high = _interval(share)
        disagreeing = []
        for part, whole in pairs:
            interval = _ratio_interval(part, whole, complement)
            if interval is None or (interval[0] <= stated_high and stated_low <= interval[1]):
                disagreeing = []
                break  # one pair of inputs supporting the stated share is enough
            disagreeing.append((part, whole, interval))
        if disagreeing:
            part, whole, (low, high) = disagreeing[0]
            formula = f"1 − {part['id']} / {whole['id']}" if complement else f"{part['id']} / {whole['id']}"
            found.append(
                Finding(
                    _blame(rows, [share["id"], part["id"], whole["id"]]),
                    "share_inconsistent",
                    f"{share['id']} states {_fmt(share['amount'])} but {formula} gives {_fmt(low)}…{_fmt(high)}",
                )
            )
    return found
