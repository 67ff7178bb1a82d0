"""Rules that flag suspicious figures, run on every build.

The rules look at the number as *printed* (parsed from `printed`, not the curated `value`), so a source
error stays visible even after a curator corrected it. `validate.py` turns findings into problems:
a finding on a row whose status is `ok` must be looked at by a curator (set the status to flagged, or
corrected with a note), and a corrected row whose corrected value still trips a rule is wrong too.

Rules (each yields `Finding(figure_id, rule, message)`):
- part_exceeds_whole: a part (indicator with `part_of`) is larger than its whole in the same seed, scope,
  period, nature (and location when both have one).
- above_max: the value exceeds the indicator's `max` (e.g. a share above 1).
- same_as_disagrees: the ranges of two figures linked by `same_as` do not meet.
- magnitude: a figure is more than MAGNITUDE_FACTOR times the median of the other figures with the same
  unit in the same seed and scope.
- share_inconsistent: a stated share disagrees with its numerator and denominator stated for the same
  scope and period (the relations of `vocabulary.relations`: X_share vs X / part_of(X),
  poverty_reduction_rate vs 1 - remaining / registered).

A figure's range is `vocabulary.bounds` of its number, precision and qualifier (the one rule for what
"about", "more than"... mean); figures whose qualifier is not one of `vocabulary.QUALIFIERS` are left out.

When a finding involves several figures, it is attributed to the first involved figure a curator has
already marked (corrected or flagged); otherwise to the figure the rule is about (the part, the share...).
"""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from dataclasses import dataclass
from typing import Any

from eastwest.numbers import ParseError, parse_printed, read_value
from eastwest.vocabulary import COMPARABLE, LOWER_BOUNDS, QUALIFIERS, Relation, bounds, relations

MAGNITUDE_FACTOR = 400.0  # tuned on the curated data: genuine figures reach 161x, the flagged ones 1132x and more
MAGNITUDE_MIN_OTHERS = 2

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


def _curated(cell: Any) -> float | None:
    """A value or max cell: text as `read_value` reads it (None if empty or unreadable), or a number already
    read (from a DataFrame of `dataset.load_*`), None if NaN."""
    if isinstance(cell, (int, float)):
        return None if math.isnan(cell) else float(cell)
    try:
        return read_value(cell)
    except ParseError:
        return None


def amounts(figures, basis: str = "printed") -> dict[str, tuple[float, float]]:
    """figure id -> (amount, precision), as printed or as curated (`value`; a corrected figure's precision
    is scaled like its value). Figures whose number cannot be read are left out."""
    if basis not in ("printed", "value"):
        raise ValueError(f"basis must be 'printed' or 'value', not {basis!r}")
    result = {}
    for row in _records(figures):
        if row["id"] in result:
            continue
        try:
            literal = parse_printed(row["printed"], row["unit"])
        except ParseError:
            continue
        value = literal.value if basis == "printed" else _curated(row["value"])
        if value is None:
            continue
        precision = literal.precision
        if basis == "value" and row["status"] == "corrected":
            precision = precision * value / literal.value if literal.value else 0.0
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
        if number is not None and row["qualifier"] in QUALIFIERS:
            rows[figure_id] = {**row, "amount": number[0], "precision": number[1]}
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
    """Each part compared with the wholes of its (indicator, seed, scope, period, nature) group; the finding
    names the first whole in row order that the part exceeds. The wholes of a group are indexed once
    (`_FirstBelow`), so a part is checked in O(log n) however many wholes its group holds."""
    whole_of = _whole_of(indicators)
    wanted = set(whole_of.values())
    wholes: dict[tuple, list[Row]] = {}  # candidate wholes, in row order, by group
    for row in rows.values():
        if row["indicator"] in wanted and row["qualifier"] not in LOWER_BOUNDS:  # "more than X"
            wholes.setdefault(_part_key(row, row["indicator"]), []).append(row)  # does not cap the whole
    indexes = {key: _WholesByPlace(group) for key, group in wholes.items()}
    found = []
    for part in rows.values():
        whole_indicator = whole_of.get(part["indicator"])
        index = indexes.get(_part_key(part, whole_indicator)) if whole_indicator else None
        if index is None:
            continue
        whole = index.first_below(part["amount"] - part["precision"], part["location"])
        if whole is not None:
            ratio = part["amount"] / whole["amount"] if whole["amount"] else math.inf
            found.append(
                Finding(
                    _blame(rows, [part["id"], whole["id"]]),
                    "part_exceeds_whole",
                    f"{part['id']} ({part['indicator']} = {_fmt(part['amount'])}) is {ratio:.3g}× its "
                    f"whole {whole['id']} ({whole['indicator']} = {_fmt(whole['amount'])})",
                )
            )
    return found


class _FirstBelow:
    """The first of some rows (in their order) whose amount + precision is below a bound, in O(log n):
    a binary search on the running minimum of amount + precision, which never increases."""

    def __init__(self, rows: list[tuple[int, Row]]):
        self.rows = [(order, row) for order, row in rows if not math.isnan(row["amount"] + row["precision"])]
        self.negated_minima = []  # -(running minimum): never decreases, so bisect can search it
        lowest = math.inf
        for _, row in self.rows:
            lowest = min(lowest, row["amount"] + row["precision"])
            self.negated_minima.append(-lowest)

    def first(self, bound: float) -> tuple[int, Row] | None:
        """(order, row) of the first row with amount + precision < bound, or None."""
        position = bisect.bisect_right(self.negated_minima, -bound)  # first running minimum below the bound
        return self.rows[position] if position < len(self.rows) else None


class _WholesByPlace:
    """The wholes of one group, indexed for `first_below(bound, location)`: the first whole in row order
    with amount + precision < bound among those `_same_place` as a part at `location`."""

    def __init__(self, wholes: list[Row]):
        ordered = list(enumerate(wholes))
        self.everywhere = _FirstBelow(ordered)  # for a part without a location: every whole
        self.unplaced = _FirstBelow([(i, row) for i, row in ordered if not row["location"]])
        by_location: dict[str, list[tuple[int, Row]]] = {}
        for i, row in ordered:
            if row["location"]:
                by_location.setdefault(row["location"], []).append((i, row))
        self.placed = {location: _FirstBelow(group) for location, group in by_location.items()}

    def first_below(self, bound: float, location: str) -> Row | None:
        if math.isnan(bound):
            return None
        if not location:
            hit = self.everywhere.first(bound)
            return hit[1] if hit else None
        placed = self.placed.get(location)
        hits = [hit for hit in (self.unplaced.first(bound), placed.first(bound) if placed else None) if hit]
        return min(hits, key=operator.itemgetter(0))[1] if hits else None


def _part_key(row: Row, indicator: str) -> tuple:
    return (indicator, row["seed"], row["scope"], row["period"], row["nature"])


def above_max(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    maxima = {}
    for indicator in indicators:
        limit = _curated(indicator.get("max", ""))
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
    """The range a figure stands for: vocabulary.bounds of its amount, precision and qualifier."""
    return bounds(row["amount"], row["precision"], row["qualifier"])


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


def _peer_ratios(rows: dict[str, Row]) -> list[tuple[Row, float, float, int]]:
    """(figure, amount / median of its peers, that median, number of peers) for every figure with enough
    peers and a positive median: the peers are the other figures with the same unit in the same seed and
    scope. Each group is sorted once, so that the median without one figure is read in O(1)."""
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows.values():
        groups.setdefault((row["seed"], row["scope"], row["unit"]), []).append(row)
    ratios = []
    for group in groups.values():
        if len(group) <= MAGNITUDE_MIN_OTHERS:
            continue
        ordered = sorted(row["amount"] for row in group)
        rank = {}  # amount -> a position it holds in `ordered` (equal amounts leave the same others)
        for position, amount in enumerate(ordered):
            rank.setdefault(amount, position)
        for row in group:
            median = _median_without(ordered, rank[row["amount"]])
            if median > 0:
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
    for row, ratio, median, peers in _peer_ratios(rows):
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


def _ratio_interval(part: Row, whole: Row, relation: Relation) -> tuple[float, float] | None:
    """The range of the relation's ratio over the ranges of a part and a whole; None when the whole's range
    reaches down to 0 (the ratio is then unbounded)."""
    (p_low, p_high), (w_low, w_high) = _interval(part), _interval(whole)
    if w_low <= 0:
        return None
    low, high = relation.apply(p_low, w_high), relation.apply(p_high, w_low)
    return (high, low) if relation.complement else (low, high)


def share_inconsistent(rows: dict[str, Row], indicators: list[Row]) -> list[Finding]:
    """A stated share (comparable qualifier) is inconsistent when it has input pairs (part, whole) in its
    scope, period, nature and place, and no pair's ratio interval meets the stated interval; the finding
    names the first pair (parts, then wholes, in row order). Inputs are indexed once per group (`_Inputs`),
    so a share costs O(wholes × log parts) of distinct values, not a scan of every pair."""
    stated = relations(indicators)
    inputs = {indicator for relation in stated.values() for indicator in (relation.part, relation.whole)}
    candidates: dict[tuple[str, str, str, str], list[Row]] = {}  # possible inputs, in row order, by group
    for row in rows.values():
        if row["indicator"] in inputs and row["qualifier"] in COMPARABLE:
            candidates.setdefault((row["scope"], row["period"], row["nature"], row["indicator"]), []).append(row)
    groups: dict[tuple, _Inputs] = {}
    found = []
    for share in rows.values():
        relation = stated.get(share["indicator"])
        if relation is None or share["qualifier"] not in COMPARABLE:
            continue
        where = (share["scope"], share["period"], share["nature"])
        if (*where, relation) not in groups:
            parts, wholes = candidates.get((*where, relation.part), []), candidates.get((*where, relation.whole), [])
            groups[(*where, relation)] = _Inputs(parts, wholes, relation)
        pair = groups[(*where, relation)].disagreeing_pair(share)
        if pair is not None:
            part, whole = pair
            low, high = _ratio_interval(part, whole, relation)
            formula = f"{'1 − ' if relation.complement else ''}{part['id']} / {whole['id']}"
            found.append(
                Finding(
                    _blame(rows, [share["id"], part["id"], whole["id"]]),
                    "share_inconsistent",
                    f"{share['id']} states {_fmt(share['amount'])} but {formula} gives {_fmt(low)}…{_fmt(high)}",
                )
            )
    return found


class _PartIntervals:
    """Distinct part intervals sorted by their low end, with the running maximum of their high end: the
    parts whose low end passes a monotone test form a prefix, and the best high end in it is read at once."""

    def __init__(self, parts: list[Row]):
        intervals = sorted({_interval(part) for part in parts})
        self.lows = [low for low, _ in intervals]
        self.highest = list(itertools.accumulate((high for _, high in intervals), max))

    def best_high(self, low_passes) -> float | None:
        """The largest high end among parts whose low end passes `low_passes` (true on a prefix), or None."""
        passing = bisect.bisect_left(self.lows, True, key=lambda low: not low_passes(low))  # the first to fail
        return self.highest[passing - 1] if passing else None


class _Inputs:
    """The possible parts and wholes of one (scope, period, nature, relation), for `disagreeing_pair`. What a
    share needs is worked out once per share location: its first pair, and each distinct whole interval with
    the parts that may go with it, indexed (`_PartIntervals`, shared between locations)."""

    def __init__(self, parts: list[Row], wholes: list[Row], relation: Relation):
        self.parts, self.wholes, self.relation = parts, wholes, relation
        self.part_index: dict[tuple[str, ...], _PartIntervals] = {}  # part locations ("*": all) -> index
        self.places: dict[str, tuple] = {}  # share location -> (first pair or None, [(whole interval, parts)])
        # The indexes rely on the order of finite numbers; an infinite or NaN bound anywhere (an absurd
        # printed number) sends the group to the plain scan of every pair, which handles it as IEEE does.
        self.finite = all(math.isfinite(x) for row in (*parts, *wholes) for x in _interval(row))

    def disagreeing_pair(self, share: Row) -> tuple[Row, Row] | None:
        """The first input pair when the share has pairs and none supports it, else None."""
        location = share["location"]
        if location not in self.places:
            self.places[location] = (self._first_pair(location), self._wholes_at(location))
        first, wholes = self.places[location]
        if first is None:
            return None
        stated = _interval(share)
        if self.finite and all(map(math.isfinite, stated)):
            return None if self._supported(wholes, *stated) else first
        return None if self._supported_by_scan(share, stated) else first

    def _first_pair(self, location: str) -> tuple[Row, Row] | None:
        """The first (part, whole) pair of a share at `location`: parts, then wholes, in row order."""
        place = {"location": location}
        first_whole: dict[str, tuple[int, Row]] = {}  # whole location -> (position, its first whole here)
        for position, whole in enumerate(self.wholes):
            if _same_place(whole, place):
                first_whole.setdefault(whole["location"], (position, whole))
        for part in self.parts:
            if not _same_place(part, place):
                continue
            if part["location"]:
                matches = [first_whole[where] for where in ("", part["location"]) if where in first_whole]
            else:
                matches = list(first_whole.values())
            if matches:
                return part, min(matches, key=operator.itemgetter(0))[1]
        return None

    def _wholes_at(self, location: str) -> list[tuple[tuple[float, float], _PartIntervals]]:
        """(interval, the parts that go with it) of each distinct whole a share at `location` may use: parts at
        no location, or at the one place the share or the whole names (any part when neither names one)."""
        place = {"location": location}
        wholes = sorted({(whole["location"], _interval(whole)) for whole in self.wholes if _same_place(whole, place)})
        found = []
        for whole_location, interval in wholes:
            locations = ("", location or whole_location) if location or whole_location else ("*",)
            if locations not in self.part_index:
                chosen = [part for part in self.parts if "*" in locations or part["location"] in locations]
                self.part_index[locations] = _PartIntervals(chosen)
            found.append((interval, self.part_index[locations]))
        return found

    def _supported(self, wholes: list, stated_low: float, stated_high: float) -> bool:
        """Whether some (part, whole) pair has a ratio interval meeting the stated one (or a whole whose low
        end is not positive, which proves nothing): each whole against the best of its parts at once."""
        apply = self.relation.apply
        for (w_low, w_high), parts in wholes:
            if not parts.lows:
                continue
            if w_low <= 0:
                return True
            if self.relation.complement:  # the ratio falls as the part grows: (apply(high), apply(low))
                best = parts.best_high(lambda low, w_high=w_high: stated_low <= apply(low, w_high))
                if best is not None and apply(best, w_low) <= stated_high:
                    return True
            else:
                best = parts.best_high(lambda low, w_high=w_high: apply(low, w_high) <= stated_high)
                if best is not None and stated_low <= apply(best, w_low):
                    return True
        return False

    def _supported_by_scan(self, share: Row, stated: tuple[float, float]) -> bool:
        """`_supported` by trying every pair in turn (for groups holding non-finite numbers)."""
        parts = [row for row in self.parts if _same_place(row, share)]
        wholes = [row for row in self.wholes if _same_place(row, share)]
        for part in parts:
            for whole in wholes:
                if _same_place(part, whole):
                    interval = _ratio_interval(part, whole, self.relation)
                    if interval is None or (interval[0] <= stated[1] and stated[0] <= interval[1]):
                        return True
        return False
