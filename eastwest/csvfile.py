"""Read the project's CSV files: tolerant of a UTF-8 BOM and CRLF, strict about structure.

`read_table(path)` returns a `Table` whose rows carry the physical line number they start on (the header
is line 1), and the structural problems found on the way (empty file, header only, a record cut off
mid-quote, a record with the wrong number of fields). It is the one CSV reader of the package: the
validator, the loaders of validated data (eastwest.dataset), the build and the data documentation all
read through it. `Problem` is how every check reports: FILE:ROW: COLUMN: message. `seed_text` reads a
seed, the source text the figures quote.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from eastwest import paths

FIGURES_COLUMNS = [
    "id", "seed", "quote", "printed", "value", "unit", "qualifier", "scope", "location", "period",
    "indicator", "nature", "basis", "status", "same_as", "note",
]  # fmt: skip
INDICATORS_COLUMNS = ["id", "title", "title_zh", "description", "unit", "short_unit", "family", "part_of", "max"]
SCOPES_COLUMNS = [
    "id", "title_en", "title_zh", "donor_en", "donor_zh", "recipient_en", "recipient_zh",
    "description", "description_zh",
]  # fmt: skip
UNITS_COLUMNS = ["id", "title", "title_zh", "short_unit", "description", "word", "word_zh"]

NO_COLUMN = "-"  # shown in place of a column name when a problem concerns a whole row or file


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.message}"


@dataclass
class Table:
    path: Path
    header: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # physical line each row starts on, parallel to rows
    # The start line of every record after the header, blank and malformed ones included (Frictionless counts
    # them as rows); a record cut off by a CSV error ends the list.
    record_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return display_name(self.path)


def display_name(path: Path) -> str:
    """The file as shown in messages: relative to the repository root when inside it, else as given."""
    path = Path(path)
    try:
        path.resolve().relative_to(paths.ROOT)
    except ValueError:
        return path.as_posix()
    return paths.relative(path)


def read_table(path: Path | str) -> Table:
    """Read a CSV file into row dicts, recording structural problems instead of raising."""
    table = Table(Path(path))
    try:
        text = table.path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        text, problem = "", "file is missing"
    except UnicodeDecodeError as error:
        text, problem = "", f"not valid UTF-8 (byte {error.start})"
    else:
        problem = None if text.strip() else "file is empty (expected a header row and data rows)"
    if problem:
        table.problems.append(Problem(table.name, 1, NO_COLUMN, problem))
        return table
    _read_records(table, text)
    if table.header and not table.rows and not table.problems:
        table.problems.append(Problem(table.name, 2, NO_COLUMN, "no data rows (header only)"))
    return table


def _read_records(table: Table, text: str) -> None:
    """The header (the first line that is not blank), then each record: a row, or a structural problem."""

    def problem(row: int, message: str) -> None:
        table.problems.append(Problem(table.name, row, NO_COLUMN, message))

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last_line = _count_lines(text)
    next_line = 1
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            blank = len(record) <= 1 and not "".join(record).strip()
            if not table.header:  # blank lines before it are skipped
                if not blank:
                    table.header[:] = [cell.strip() for cell in record]
                continue
            table.record_lines.append(start)
            if blank:
                problem(start, "blank line")
            elif len(record) == len(table.header):
                table.rows.append(dict(zip(table.header, record, strict=True)))
                table.lines.append(start)
            else:
                hint = " (file truncated?)" if reader.line_num >= last_line else ""
                problem(start, f"has {len(record)} fields, the header has {len(table.header)}{hint}")
    except csv.Error as error:
        table.record_lines.append(next_line)
        problem(next_line, f"record cut off or badly quoted ({error}); file truncated?")


def _count_lines(text: str) -> int:
    return sum(1 for _ in io.StringIO(text, newline=""))


def header_problems(table: Table, expected: list[str], extra_allowed: bool = False) -> list[Problem]:
    """Missing, unexpected, duplicated or reordered columns, reported at row 1."""
    found: list[Problem] = []
    seen = set()
    for column in table.header:
        if column in seen:
            found.append(Problem(table.name, 1, column, "column appears twice in the header"))
        seen.add(column)
    for column in expected:
        if column not in seen:
            found.append(Problem(table.name, 1, column, "required column is missing from the header"))
    if not extra_allowed:
        for column in table.header:
            if column not in expected:
                found.append(Problem(table.name, 1, column, "unexpected column (not in the documented set)"))
    if not found and not extra_allowed and table.header != expected:
        found.append(Problem(table.name, 1, NO_COLUMN, f"columns out of order; expected: {','.join(expected)}"))
    return found


def seed_text(seeds_dir: Path, seed: str) -> str | None:
    """The text of the seed file `seed` (a file name in seeds_dir), or None when it names no such file."""
    if not seed or "/" in seed or "\\" in seed:
        return None
    try:
        return (seeds_dir / seed).read_bytes().decode("utf-8-sig", errors="replace")
    except (OSError, ValueError):  # missing, a directory, a name too long, a NUL character...
        return None
