"""Seed coverage: which numbers of each source article a curated quote in data/figures.csv covers.

    python -m eastwest.coverage [--data DIR] [--seeds DIR]

Numbers are found in each seed with `eastwest.candidates.find_numbers`, the finder `make candidates`
uses. A number is covered when its digits lie inside a stretch of the seed that some figure's quote
of that seed matches (every occurrence of the quote counts). Dates, years, ordinals, phone and page
numbers are told apart by the finder and not counted; the remaining numbers that no figure covers
are listed, one warning per number as `seeds/FILE:LINE: number 'X' is not covered by any figure`,
unless data/ignored_numbers.csv lists them (seed, line, printed, reason) as reviewed.

Warnings do not fail: the command exits 0 and `make validate` goes on. A broken
data/ignored_numbers.csv (missing columns, a seed that is not in seeds/, a line that does not hold
the printed number, a reason outside the list in data/datapackage.json) is an error, reported as
`FILE:ROW: COLUMN: message`, with exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from eastwest import paths
from eastwest.candidates import Number, find_numbers
from eastwest.csvfile import NO_COLUMN, Problem, display_name, header_problems, read_table, seed_text

__all__ = ["SeedCoverage", "covered_spans", "seed_coverage", "read_ignored", "check", "main"]

RESOURCE = "ignored_numbers"
COLUMNS = ["seed", "line", "printed", "reason", "note"]
REQUIRED = COLUMNS[:4]


@dataclass
class SeedCoverage:
    """The numbers of one seed that state figures, split by whether a curated quote covers them."""

    seed: str
    covered: list[Number] = field(default_factory=list)
    ignored: list[Number] = field(default_factory=list)  # not covered, but listed as reviewed
    uncovered: list[Number] = field(default_factory=list)
    not_counted: int = 0  # dates, years, ordinals, phone and page numbers

    @property
    def total(self) -> int:
        return len(self.covered) + len(self.ignored) + len(self.uncovered)


def covered_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Every (start, end) of `text` that one of `quotes` matches verbatim, as the validator matches them."""
    spans = []
    for quote in set(quotes):
        if not quote:
            continue
        start = text.find(quote)
        while start >= 0:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + 1)
    return sorted(spans)


def seed_coverage(seed: str, text: str, quotes: Iterable[str], ignored: set[tuple[str, int, str]]) -> SeedCoverage:
    """Coverage of one seed's text by the quotes of its figures; `ignored` holds (seed, line, printed)."""
    spans = covered_spans(text, quotes)
    result = SeedCoverage(seed)
    for number in find_numbers(text):
        if number.kind != "figure":
            result.not_counted += 1
            continue
        first, last = number.digits
        if any(start <= first and last <= end for start, end in spans):
            result.covered.append(number)
        elif (seed, number.line, number.printed) in ignored:
            result.ignored.append(number)
        else:
            result.uncovered.append(number)
    return result


def _reasons(data_dir: Path) -> tuple[list[str], list[Problem]]:
    """The reasons data/datapackage.json allows for an ignored number (the `reason` field's enum)."""
    path = data_dir / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
        resource = next(r for r in descriptor["resources"] if r.get("name") == RESOURCE)
        field_ = next(f for f in resource["schema"]["fields"] if f.get("name") == "reason")
        return list(field_["constraints"]["enum"]), []
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        message = f"resource {RESOURCE!r} with a reason field and its list of reasons (constraints.enum) is needed"
        return [], [Problem(display_name(path), 1, "resources", message)]


def read_ignored(data_dir: Path, seeds_dir: Path) -> tuple[dict[tuple[str, int, str], int], list[Problem]]:
    """The reviewed numbers of data/ignored_numbers.csv as {(seed, line, printed): row}, and its problems."""
    reasons, problems = _reasons(data_dir)
    table = read_table(data_dir / f"{RESOURCE}.csv")
    header_only = bool(table.header) and not table.record_lines  # nothing listed yet: fine
    problems += ([] if header_only else table.problems) + header_problems(table, COLUMNS)
    if problems:
        return {}, problems
    listed: dict[tuple[str, int, str], int] = {}
    lines_of: dict[str, list[str] | None] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        found = _row_problems(row, reasons, seeds_dir, lines_of)
        problems += [Problem(table.name, line, column, message) for column, message in found]
        if found:
            continue
        key = (row["seed"], int(row["line"]), row["printed"])
        if key in listed:
            problems.append(Problem(table.name, line, "printed", f"listed twice (first at line {listed[key]})"))
        listed.setdefault(key, line)
    return listed, problems


def _row_problems(row: dict[str, str], reasons: list[str], seeds_dir: Path, lines_of: dict) -> list[tuple[str, str]]:
    seed, line, printed, reason = (row[column].strip() for column in REQUIRED)
    found = [(column, "required value is missing") for column in REQUIRED if not row[column].strip()]
    if reason and reason not in reasons:
        found.append(("reason", f"{reason!r} is not one of: {', '.join(reasons)}"))
    if not seed:
        return found
    if seed not in lines_of:
        lines_of[seed] = _seed_lines(seeds_dir, seed)
    seed_lines = lines_of[seed]
    if seed_lines is None:
        return found + [("seed", f"{seed!r} is not a file in {display_name(seeds_dir)}/")]
    if line and not (line.isdigit() and 1 <= int(line) <= len(seed_lines)):
        return found + [("line", f"{line!r} is not a line number of {seed} (1 to {len(seed_lines)})")]
    if line and printed and printed not in seed_lines[int(line) - 1]:
        found.append(("printed", f"{printed!r} is not on line {line} of {seed}"))
    return found


def _seed_lines(seeds_dir: Path, seed: str) -> list[str] | None:
    text = seed_text(seeds_dir, seed)
    return None if text is None else text.split("\n")


def check(data_dir: Path | str | None = None, seeds_dir: Path | str | None = None):
    """(coverage per seed, problems in data/ignored_numbers.csv, listed rows that match no uncovered number).

    The stale rows are (row, seed, line, printed) for numbers a figure covers now, or that are not
    found as figures on that line; they are reported as warnings.
    """
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS
    listed, problems = read_ignored(data_dir, seeds_dir)
    figures = read_table(data_dir / "figures.csv")
    quotes: dict[str, list[str]] = {}
    for row in figures.rows:
        quotes.setdefault(row.get("seed", ""), []).append(row.get("quote", ""))
    results = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = seed_text(seeds_dir, path.name) or ""
        results.append(seed_coverage(path.name, text, quotes.get(path.name, []), set(listed)))
    used = {(result.seed, number.line, number.printed) for result in results for number in result.ignored}
    stale = [(row, *key) for key, row in listed.items() if key not in used]
    return results, problems, stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eastwest.coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=paths.DATA, help="data directory (default: data/)")
    parser.add_argument("--seeds", type=Path, default=paths.SEEDS, help="seeds directory (default: seeds/)")
    args = parser.parse_args(argv)
    results, problems, stale = check(args.data, args.seeds)
    if problems:
        for problem in problems:
            print(problem)
        print(f"coverage: {len(problems)} problem(s) in {display_name(args.data / f'{RESOURCE}.csv')}", file=sys.stderr)
        return 1
    ignored_name = display_name(args.data / f"{RESOURCE}.csv")
    for result in results:
        seed = display_name(args.seeds / result.seed)
        print(
            f"{seed}: {len(result.covered)} of {result.total} numbers covered ({len(result.ignored)} listed in"
            f" {ignored_name}; {result.not_counted} dates, years and other non-figures not counted)"
        )
        for number in result.uncovered:
            print(f"{seed}:{number.line}: number {number.printed!r} is not covered by any figure")
    for row, seed, line, printed in stale:
        print(
            f"{ignored_name}:{row}: {NO_COLUMN}: {printed!r} on line {line} of {seed} is covered by a figure"
            " or not found as a figure there; remove the row"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
