"""Read the project's CSV files: tolerant of a UTF-8 BOM and CRLF, strict about structure.

`read_table(path)` returns a `Table` whose rows carry the physical line number they start on (the header
is line 1), and the structural problems found on the way (empty file, header only, a record cut off
mid-quote, a record with the wrong number of fields). It is the one CSV reader of the package: the
validator, the loaders of validated data (eastwest.dataset), the build and the data documentation all
read through it. `Problem` is how every check reports: FILE:ROW: COLUMN: message.
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
    record_lines: list[int] = field(default_factory=list)  # start line of every record after the header
    # The cells of every record read after the header, parallel to record_lines (blank and malformed records
    # included, so schema checks can see every record as Frictionless would); a record cut off by a CSV error
    # has a line in record_lines but no cells here.
    records: list[list[str]] = field(default_factory=list)
    header_line: int = 0  # physical line the header starts on (0: no header)
    cut_off: bool = False  # reading stopped at a CSV error: the records after it were not read
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
    path = Path(path)
    table = Table(path)
    name = table.name

    def problem(row: int, column: str, message: str) -> None:
        table.problems.append(Problem(name, row, column, message))

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        problem(1, NO_COLUMN, "file is missing")
        return table
    except UnicodeDecodeError as error:
        problem(1, NO_COLUMN, f"not valid UTF-8 (byte {error.start})")
        return table
    if not text.strip():
        problem(1, NO_COLUMN, "file is empty (expected a header row and data rows)")
        return table

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next_line = 1
    header = table.header
    width = -1  # fields per record once the header is read
    total_lines = None  # counted only when a record has the wrong number of fields
    record_lines, records, rows, lines = table.record_lines, table.records, table.rows, table.lines
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            if len(record) == width > 1:  # the common case: a well-formed record after the header
                record_lines.append(start)
                records.append(record)
                rows.append(dict(zip(header, record, strict=True)))
                lines.append(start)
                continue
            blank = len(record) <= 1 and not "".join(record).strip()
            if not header:
                if not blank:
                    header[:] = [cell.strip() for cell in record]
                    width = len(header)
                    table.header_line = start
                continue
            record_lines.append(start)
            records.append(record)
            if blank:
                problem(start, NO_COLUMN, "blank line")
                continue
            if len(record) == width:
                rows.append(dict(zip(header, record, strict=True)))
                lines.append(start)
                continue
            if total_lines is None:
                total_lines = _count_lines(text)
            hint = " (file truncated?)" if reader.line_num >= total_lines else ""
            problem(start, NO_COLUMN, f"has {len(record)} fields, the header has {width}{hint}")
    except csv.Error as error:
        table.record_lines.append(next_line)
        table.cut_off = True
        problem(next_line, NO_COLUMN, f"record cut off or badly quoted ({error}); file truncated?")
    if table.header and not table.rows and not table.problems:
        problem(2, NO_COLUMN, "no data rows (header only)")
    return table


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
