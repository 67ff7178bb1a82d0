"""Check data/: the Frictionless data package (types, required, enums, keys) plus the project's own rules.

    python -m eastwest.validate [--data DIR]

prints every problem as `FILE:ROW: COLUMN: message` (ROW is the physical line, the header is line 1),
sorted by file then row, and exits 1; or prints a one-line summary and exits 0. It writes nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from eastwest import paths
from eastwest.numbers import MEASURED_UNITS, ParseError, parse_printed
from eastwest.plausibility import check as plausibility_check
from eastwest.tables import (
    FIGURES_COLUMNS,
    NO_COLUMN,
    Problem,
    Table,
    display_name,
    header_problems,
    read_table,
)

__all__ = ["DataError", "Problem", "validate", "main"]

RESOURCES = ("figures", "indicators", "scopes", "units")
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:/(\d{4})(?:-(\d{2}))?)?$")
RELATIVE_TOLERANCE = 1e-9
QUALIFIER_DIRECTION = {
    "exact": "exact",
    "about": "about",
    "more_than": "lower bound",
    "at_least": "lower bound",
    "not_less_than": "lower bound",
    "nearly": "upper bound",
    "less_than": "upper bound",
    "at_most": "upper bound",
}
# Frictionless errors our own reading already reports (structure and header).
STRUCTURAL_ERRORS = {
    "missing-cell", "extra-cell", "blank-row", "extra-label", "missing-label", "blank-label",
    "duplicate-label", "incorrect-label", "blank-header",
}  # fmt: skip


class DataError(Exception):
    """The data in data/ is invalid; the message lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n{lines}")


def validate(data_dir: Path | str | None = None, seeds_dir: Path | str | None = None) -> list[Problem]:
    """Every problem found in the data directory, sorted by file then row."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS
    problems: list[Problem] = []

    descriptor, descriptor_problems = _read_descriptor(data_dir)
    problems += descriptor_problems
    tables = {name: read_table(data_dir / f"{name}.csv") for name in RESOURCES}
    for table in tables.values():
        problems += table.problems

    header_ok = {}
    for name, table in tables.items():
        if not table.header:
            header_ok[name] = False
            continue
        expected = FIGURES_COLUMNS if name == "figures" else _schema_columns(descriptor, name)
        found = header_problems(table, expected) if expected else []
        problems += found
        header_ok[name] = not found

    if descriptor is not None and all(table.header for table in tables.values()):
        problems += _frictionless_problems(descriptor, data_dir, tables, header_ok)

    if header_ok.get("figures") and tables["figures"].rows:
        problems += _figure_problems(tables, seeds_dir, header_ok)
    return sorted(set(problems))


# ---- the data package descriptor ------------------------------------------------------------


def _read_descriptor(data_dir: Path) -> tuple[dict | None, list[Problem]]:
    path = data_dir / "datapackage.json"
    name = display_name(path)
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return None, [Problem(name, 1, NO_COLUMN, "file is missing")]
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", 1)
        return None, [Problem(name, line, NO_COLUMN, f"not valid JSON: {error}")]
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(isinstance(resource, dict) for resource in resources):
        return None, [Problem(name, 1, "resources", "the descriptor has no list of resource objects")]
    for resource in resources:
        schema = resource.get("schema", {})
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not all(isinstance(f, dict) and "name" in f for f in fields):
            return None, [Problem(name, 1, "resources", f"resource {resource.get('name')!r} has no valid schema")]
    missing = [r for r in RESOURCES if r not in {resource.get("name") for resource in resources}]
    if missing:
        return None, [Problem(name, 1, "resources", f"resource {r!r} is not described") for r in missing]
    return descriptor, []


def _schema_columns(descriptor: dict | None, resource_name: str) -> list[str] | None:
    if descriptor is None:
        return None
    for resource in descriptor["resources"]:
        if resource.get("name") == resource_name:
            return [field["name"] for field in resource.get("schema", {}).get("fields", [])]
    return None


def _frictionless_problems(
    descriptor: dict, data_dir: Path, tables: dict[str, Table], header_ok: dict[str, bool]
) -> list[Problem]:
    import frictionless  # imported here: it is slow to import and only this step needs it

    descriptor_name = display_name(data_dir / "datapackage.json")
    try:
        package = frictionless.Package(descriptor, basepath=str(data_dir))
        report = package.validate()
    except frictionless.FrictionlessException as error:
        return [Problem(descriptor_name, 1, NO_COLUMN, f"invalid data package: {error.error.message}")]
    problems = []
    for error in report.errors:  # package-level (metadata) errors
        problems.append(Problem(descriptor_name, 1, NO_COLUMN, error.message))
    for task in report.tasks:
        table = tables.get(task.name)
        if table is None:
            continue
        broken_lines = {problem.row for problem in table.problems}
        for error in task.errors:
            if error.type in STRUCTURAL_ERRORS:
                continue
            if not header_ok.get(task.name, False) and hasattr(error, "row_number"):
                continue  # cells cannot be trusted when the header is wrong; the header problem is reported
            translated = _translate(error, table, descriptor)
            if translated.row in broken_lines and translated.row > 1:
                continue  # the record is malformed (cut off, wrong field count): already reported
            problems.append(translated)
    return problems


def _line_of(table: Table, row_number: int | None) -> int:
    """Frictionless counts the header as row 1 and each record as one row; map to physical lines."""
    if row_number is None:
        return 1
    index = row_number - 2
    if 0 <= index < len(table.record_lines):
        return table.record_lines[index]
    return row_number


def _translate(error, table: Table, descriptor: dict) -> Problem:
    row = _line_of(table, getattr(error, "row_number", None))
    column = getattr(error, "field_name", None) or NO_COLUMN
    cell = getattr(error, "cell", None)
    note = getattr(error, "note", "") or ""
    if error.type == "type-error":
        wanted = re.search(r'type is "(\w+)', note)
        message = f"{cell!r} is not a valid {wanted.group(1) if wanted else 'value'}"
    elif error.type == "constraint-error":
        constraint = re.search(r'constraint "(\w+)" is "(.*)"', note)
        name, limit = constraint.groups() if constraint else ("", note)
        if name == "required":
            message = "required value is missing"
        elif name == "enum":
            allowed = ", ".join(re.findall(r"'([^']*)'", limit))
            message = f"{cell!r} is not one of: {allowed}"
        elif name == "pattern":
            message = f"{cell!r} does not match the pattern {limit}"
        elif name == "minimum":
            message = f"{cell} is below the minimum {limit}"
        else:
            message = f"{cell!r} breaks the constraint {name} = {limit}"
    elif error.type in ("primary-key", "unique-error"):
        key = _primary_key(descriptor, table.path.stem) if error.type == "primary-key" else [column]
        column = ",".join(key)
        cells = [error.cells[table.header.index(name)] for name in key if name in table.header]
        first = re.search(r"position (\d+)", note)
        where = f" (first at line {_line_of(table, int(first.group(1)))})" if first else ""
        message = f"duplicate {column} {','.join(cells)!r}{where}"
    elif error.type == "foreign-key":
        column = ",".join(error.field_names)
        target = error.reference_name or table.path.stem
        message = (
            f"{','.join(error.field_cells)!r} is not an id in {target}.csv"
            f" ({','.join(error.reference_field_names)})"
        )
    else:
        message = f"{error.title}: {note}" if note else error.message
    return Problem(table.name, row, column, message)


def _primary_key(descriptor: dict, resource_name: str) -> list[str]:
    for resource in descriptor["resources"]:
        if resource.get("name") == resource_name:
            key = resource.get("schema", {}).get("primaryKey", [])
            return [key] if isinstance(key, str) else list(key)
    return []


# ---- the project's own checks on figures ------------------------------------------------------


def _figure_problems(tables: dict[str, Table], seeds_dir: Path, header_ok: dict[str, bool]) -> list[Problem]:
    figures = tables["figures"]
    name = figures.name
    problems: list[Problem] = []

    def problem(line: int, column: str, message: str) -> None:
        problems.append(Problem(name, line, column, message))

    indicator_units = {}
    if header_ok.get("indicators"):
        indicator_units = {row["id"]: row.get("unit", "") for row in tables["indicators"].rows}
    seed_texts: dict[str, str | None] = {}
    by_id = {}
    for row, line in zip(figures.rows, figures.lines, strict=True):
        by_id.setdefault(row["id"], (row, line))

    for row, line in zip(figures.rows, figures.lines, strict=True):
        seed = row["seed"]
        if seed not in seed_texts:
            seed_path = seeds_dir / seed
            if not seed or "/" in seed or "\\" in seed or not seed_path.is_file():
                seed_texts[seed] = None
            else:
                seed_texts[seed] = seed_path.read_bytes().decode("utf-8-sig", errors="replace")
        text = seed_texts[seed]
        if text is None:
            problem(line, "seed", f"{seed!r} is not a file in {display_name(seeds_dir)}/")
        elif row["quote"] and row["quote"] not in text:
            hint = " (it differs only in whitespace)" if _squash(row["quote"]) in _squash(text) else ""
            problem(line, "quote", f"not a verbatim substring of {seed}{hint}")
        if row["id"] and seed[:3].isdigit() and not row["id"].startswith(seed[:3] + "-"):
            problem(line, "id", f"should start with the seed number {seed[:3]}-")
        if row["printed"] and row["printed"] not in row["quote"]:
            problem(line, "printed", "not found inside quote")

        status, note = row["status"], row["note"].strip()
        if status in ("corrected", "flagged") and not note:
            problem(line, "note", f"status {status} needs a note with the evidence")

        value = _number(row["value"])
        if value is None and _is_float_text(row["value"]):
            problem(line, "value", f"{row['value']!r} is not a finite number")
        parsed = None
        if row["printed"] and row["unit"]:
            try:
                parsed = parse_printed(row["printed"], row["unit"])
            except ParseError as error:
                problem(line, "printed", str(error))
        if parsed is not None and value is not None and status != "corrected":
            if not math.isclose(parsed.value, value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12):
                problem(
                    line,
                    "value",
                    f"{row['value']} does not match printed {row['printed']!r} = {parsed.value:.10g} {row['unit']}"
                    " (status corrected needs a note)",
                )
        if parsed is not None and parsed.approx and row["qualifier"] in QUALIFIER_DIRECTION:
            if QUALIFIER_DIRECTION[parsed.approx] != QUALIFIER_DIRECTION[row["qualifier"]]:
                problem(line, "qualifier", f"{row['qualifier']} but printed says {parsed.approx}")
        if value is not None and row["unit"] not in MEASURED_UNITS and value != int(value):
            problem(line, "value", f"{row['value']} is not a whole number of {row['unit']}")
        expected_unit = indicator_units.get(row["indicator"])
        if expected_unit and row["unit"] and expected_unit != row["unit"]:
            problem(line, "unit", f"{row['unit']} but indicator {row['indicator']} is in {expected_unit}")

        period_error = _period_error(row["period"])
        if period_error:
            problem(line, "period", period_error)

        if row["same_as"]:
            target = by_id.get(row["same_as"])
            if row["same_as"] == row["id"]:
                problem(line, "same_as", "points at the figure itself")
            elif target is not None:
                for column in ("scope", "indicator", "period"):
                    if target[0][column] != row[column]:
                        problem(
                            line,
                            "same_as",
                            f"{row['same_as']} (line {target[1]}) has {column} {target[0][column]!r},"
                            f" this row {row[column]!r}",
                        )

    problems += _plausibility_problems(figures, tables, header_ok)
    return problems


def _plausibility_problems(figures: Table, tables: dict[str, Table], header_ok: dict[str, bool]) -> list[Problem]:
    if not header_ok.get("indicators") or not tables["indicators"].rows:
        return []
    rows = [row for row in figures.rows if _number(row["value"]) is not None]
    lines, statuses = {}, {}
    for row, line in zip(figures.rows, figures.lines, strict=True):
        lines.setdefault(row["id"], line)
        statuses.setdefault(row["id"], row["status"])
    indicators = tables["indicators"].rows
    problems = []
    for finding in plausibility_check(rows, indicators, basis="printed"):
        if statuses.get(finding.figure_id) == "ok":
            problems.append(
                Problem(
                    figures.name,
                    lines[finding.figure_id],
                    "status",
                    f"flagged by rule {finding.rule}: {finding.message}; set status to flagged or corrected"
                    " with a note",
                )
            )
    for finding in plausibility_check(rows, indicators, basis="value"):
        if statuses.get(finding.figure_id) == "corrected":
            problems.append(
                Problem(
                    figures.name,
                    lines[finding.figure_id],
                    "value",
                    f"corrected value still fails rule {finding.rule}: {finding.message}",
                )
            )
    return problems


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_float_text(text: str) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _period_error(period: str) -> str | None:
    if not period:
        return None  # "required" is reported by the schema check
    match = PERIOD.match(period)
    if not match or bool(match.group(2)) != bool(match.group(4)) and match.group(3):
        return f"{period!r} is not YYYY, YYYY/YYYY, YYYY-MM or YYYY-MM/YYYY-MM"
    start_year, start_month, end_year, end_month = match.groups()
    for month in (start_month, end_month):
        if month and not 1 <= int(month) <= 12:
            return f"{period!r} has no month {month}"
    if end_year:
        start = (int(start_year), int(start_month or 0))
        end = (int(end_year), int(end_month or 0))
        if end <= start:
            return f"{period!r}: the span must end after it starts"
    return None


# ---- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eastwest.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=paths.DATA, help="data directory (default: data/)")
    args = parser.parse_args(argv)
    # jsonschema (used by frictionless for the descriptor) imports rfc3987_syntax, which compiles a grammar
    # for about a second, only to check the rarely used "iri" string format. This short-lived command does
    # without that format check; library callers of validate() keep the default behaviour.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    problems = validate(args.data)
    if problems:
        for problem in problems:
            print(problem)
        print(f"validate: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    figures = read_table(args.data / "figures.csv")
    indicators = read_table(args.data / "indicators.csv")
    scopes = read_table(args.data / "scopes.csv")
    print(
        f"validate: {len(figures.rows)} figures, {len(scopes.rows)} scopes, {len(indicators.rows)} indicators: ok"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

