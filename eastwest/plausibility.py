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

import bisect
import itertools
import math
import operator
from dataclasses import dataclass
from typing import Any

from eastwest.numbers import ParseError, parse_printed, read_value

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


def _curated(cell: Any) -> float | None:
    """A value or max cell: text as `read_value` reads it (None if empty or unreadable), or a number already
    read (from a DataFrame of `dataset.load_*`), None if NaN."""
    if isinstance(cell, (int, float)):
        return None if math.isnan(cell) else float(cell)
    try:
        return read_value(cell)
    except ParseError:
        return None


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
    curated: dict[Any, float | None] = {}  # value cell -> its number, read once
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
        cell = row["value"]
        try:
            value = curated[cell]
        except KeyError:
            value = curated[cell] = _curated(cell)
        except TypeError:  # a cell that cannot be a dictionary key
            value = _curated(cell)
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
    """Each part compared with the wholes of its (indicator, seed, scope, period, nature) group; the finding
    names the first whole in row order that the part exceeds. The wholes of a group are indexed once
    (`_FirstBelow`), so a part is checked in O(log n) however many wholes its group holds."""
    whole_of = _whole_of(indicators)
    wanted = set(whole_of.values())
    wholes: dict[tuple, list[Row]] = {}  # candidate wholes, in row order, by group
    for row in rows.values():
        if row["indicator"] in wanted and row["qualifier"] not in LOWER_BOUND_QUALIFIERS:  # "more than X"
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
    """A stated share (comparable qualifier) is inconsistent when it has input pairs (part, whole) in its
    scope, period, nature and place, and no pair's ratio interval meets the stated interval; the finding
    names the first pair (parts, then wholes, in row order). Inputs are indexed once per group (`_Inputs`),
    so a share costs O(wholes × log parts) of distinct values, not a scan of every pair."""
    found = []
    relations = _share_relations(indicators)
    inputs = {indicator for part, whole, _ in relations.values() for indicator in (part, whole)}
    candidates: dict[tuple[str, str, str, str], list[Row]] = {}  # possible inputs, in row order, by group
    for row in rows.values():
        if row["indicator"] in inputs and row["qualifier"] in COMPARABLE_QUALIFIERS:
            candidates.setdefault((row["scope"], row["period"], row["nature"], row["indicator"]), []).append(row)
    groups: dict[tuple, _Inputs] = {}
    for share in rows.values():
        if share["indicator"] not in relations or share["qualifier"] not in COMPARABLE_QUALIFIERS:
            continue
        part_indicator, whole_indicator, complement = relations[share["indicator"]]
        where = (share["scope"], share["period"], share["nature"])
        key = (*where, part_indicator, whole_indicator, complement)
        if key not in groups:
            parts, wholes = candidates.get((*where, part_indicator), []), candidates.get((*where, whole_indicator), [])
            groups[key] = _Inputs(parts, wholes, complement)
        pair = groups[key].disagreeing_pair(share)
        if pair is not None:
            part, whole = pair
            low, high = _ratio_interval(part, whole, complement)
            formula = f"1 − {part['id']} / {whole['id']}" if complement else f"{part['id']} / {whole['id']}"
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
        start, end = 0, len(self.lows)
        while start < end:  # the first low end that fails
            middle = (start + end) // 2
            if low_passes(self.lows[middle]):
                start = middle + 1
            else:
                end = middle
        return self.highest[start - 1] if start else None


class _Inputs:
    """The possible parts and wholes of one (scope, period, nature, relation), for `disagreeing_pair`."""

    def __init__(self, parts: list[Row], wholes: list[Row], complement: bool):
        self.parts, self.wholes, self.complement = parts, wholes, complement
        self.part_index: dict[tuple[str, ...], _PartIntervals] = {}
        self.whole_values: dict[tuple[str, ...], list[tuple[str, float, float]]] = {}
        self.verdicts: dict[tuple, bool] = {}  # (share location, stated interval) -> some pair supports it
        self.first_pairs: dict[str, tuple[Row, Row] | None] = {}
        self.positions = {id(row): i for i, row in enumerate(wholes)}
        # The indexes rely on the order of finite numbers; an infinite or NaN bound anywhere (an absurd
        # printed number) sends the group to the plain scan of every pair, which handles it as IEEE does.
        self.finite = all(math.isfinite(x) for row in (*parts, *wholes) for x in _interval(row))

    def disagreeing_pair(self, share: Row) -> tuple[Row, Row] | None:
        """The first input pair when the share has pairs and none supports it, else None."""
        location = share["location"]
        first = self.first_pairs[location] if location in self.first_pairs else self._first_pair(location)
        if first is None:
            return None
        stated = _interval(share)
        if not (self.finite and all(map(math.isfinite, stated))):
            return None if self._supported_by_scan(share, stated) else first
        key = (location, stated)
        if key not in self.verdicts:
            self.verdicts[key] = self._supported(location, *stated)
        return None if self.verdicts[key] else first

    def _supported_by_scan(self, share: Row, stated: tuple[float, float]) -> bool:
        """`_supported` by trying every pair in turn (for groups holding non-finite numbers)."""
        parts = [row for row in self.parts if _same_place(row, share)]
        wholes = [row for row in self.wholes if _same_place(row, share)]
        for part in parts:
            for whole in wholes:
                if _same_place(part, whole):
                    interval = _ratio_interval(part, whole, self.complement)
                    if interval is None or (interval[0] <= stated[1] and stated[0] <= interval[1]):
                        return True
        return False

    def _first_pair(self, location: str) -> tuple[Row, Row] | None:
        """The first (part, whole) pair of a share at `location`: parts, then wholes, in row order."""
        first_whole: dict[str, Row] = {}  # whole location -> its first whole of this share's place
        for whole in self.wholes:
            if _same_place(whole, {"location": location}):
                first_whole.setdefault(whole["location"], whole)
        unplaced = first_whole.get("")
        pair = None
        for part in self.parts:
            if not _same_place(part, {"location": location}):
                continue
            if part["location"]:
                matches = [whole for whole in (unplaced, first_whole.get(part["location"])) if whole is not None]
            else:
                matches = list(first_whole.values())
            if matches:
                pair = (part, min(matches, key=lambda whole: self.positions[id(whole)]))
                break
        self.first_pairs[location] = pair
        return pair

    def _parts_at(self, locations: tuple[str, ...]) -> _PartIntervals:
        """The parts at any of `locations` ("*": every part), indexed once."""
        if locations not in self.part_index:
            chosen = [p for p in self.parts if "*" in locations or p["location"] in locations]
            self.part_index[locations] = _PartIntervals(chosen)
        return self.part_index[locations]

    def _supported(self, location: str, stated_low: float, stated_high: float) -> bool:
        """Whether some (part, whole) pair of a share at `location` has a ratio interval meeting the stated one
        (or a whole whose low end is not positive, which proves nothing). Each distinct whole interval is
        paired with the parts it may go with at once, by `_PartIntervals.best_high`."""
        for whole_location, (w_low, w_high) in self._whole_intervals(location):
            # The parts that go with this whole and with the share: at no location, or at the one place named.
            parts = self._parts_at(("", location or whole_location) if location or whole_location else ("*",))
            if not parts.lows:
                continue
            if w_low <= 0:
                return True
            if self.complement:  # the interval is (1 - high, 1 - low)
                best = parts.best_high(lambda low, w_high=w_high: stated_low <= 1 - low / w_high)
                if best is not None and 1 - best / w_low <= stated_high:
                    return True
            else:
                best = parts.best_high(lambda low, w_high=w_high: low / w_high <= stated_high)
                if best is not None and stated_low <= best / w_low:
                    return True
        return False

    def _whole_intervals(self, location: str) -> list[tuple[str, tuple[float, float]]]:
        """(location, interval) of each distinct whole a share at `location` may use."""
        if location not in self.whole_values:
            place = {"location": location}
            intervals = {(whole["location"], _interval(whole)) for whole in self.wholes if _same_place(whole, place)}
            self.whole_values[location] = sorted(intervals)
        return self.whole_values[location]
