"""Check data/: the Frictionless data package (types, required, enums, keys) plus the project's own rules.

    python -m eastwest.validate [--data DIR]

prints every problem as `FILE:ROW: COLUMN: message` (ROW is the physical line, the header is line 1),
sorted by file then row, and exits 1; or prints a one-line summary and exits 0. It writes nothing.

In Python, `validate(data_dir)` returns the problems; `validate_cached(data_dir)` does the same but skips
data, seeds and validator code that have passed before, in any process (record in reports/.build/).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import re
import sys
from pathlib import Path

from eastwest import paths
from eastwest.csvfile import (
    FIGURES_COLUMNS,
    NO_COLUMN,
    Problem,
    Table,
    display_name,
    header_problems,
    read_table,
    seed_text,
)
from eastwest.numbers import MEASURED_UNITS, ParseError, parse_printed, read_value
from eastwest.plausibility import check as plausibility_check
from eastwest.schema_imports import preload_jsonschema
from eastwest.vocabulary import QUALIFIERS, direction, latest_year, link_mismatches, period_error

__all__ = ["DataError", "Problem", "validate", "validate_cached", "validation_key", "main"]

RESOURCES = ("figures", "indicators", "scopes", "units")  # required; other described CSV files are optional
# Number cells read by numbers.read_value, the reader the loaders use; its message replaces Frictionless's
# type error there, since Frictionless reads more ("1_000", " 1e3 ", "infinity") than the loaders do.
VALUE_COLUMNS = {"figures": "value", "indicators": "max"}
RELATIVE_TOLERANCE = 1e-9
# Frictionless errors our own reading already reports (structure and header).
STRUCTURAL_ERRORS = {
    "missing-cell", "extra-cell", "blank-row", "extra-label", "missing-label", "blank-label",
    "duplicate-label", "incorrect-label", "blank-header",
}  # fmt: skip
# The foreign keys that name a figure (figures.id). Frictionless checks a foreign key by reading the table
# it refers to once more, and figures.csv is the largest table: these two took more than half of the time of
# validation. data/datapackage.json declares them (`frictionless validate data/datapackage.json` checks them);
# the copy of the descriptor handed to Frictionless leaves them out, and `_same_as_problems` and
# `_reference_problems` look each value up in the set of figure ids.
FIGURE_LINKS = (("figures", "same_as"), ("quote_glosses", "figure_id"))


class DataError(Exception):
    """The data in data/ is invalid; the message lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data:\n{lines}")


def validate(data_dir: Path | str | None = None, seeds_dir: Path | str | None = None) -> list[Problem]:
    """Every problem found in the data directory, sorted by file then row."""
    return _validate(data_dir, seeds_dir)[0]


def _validate(data_dir: Path | str | None, seeds_dir: Path | str | None) -> tuple[list[Problem], dict[str, Table]]:
    """The problems, and the tables as read (so that callers need not read them again)."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS
    descriptor, problems = _read_descriptor(data_dir)
    tables = {name: read_table(data_dir / f"{name}.csv") for name in RESOURCES}
    for name, file_name in _other_resources(descriptor):
        if (data_dir / file_name).is_file():  # optional: checked when present
            tables[name] = read_table(data_dir / file_name)

    header_ok = {}
    for name, table in tables.items():
        problems += table.problems
        expected = FIGURES_COLUMNS if name == "figures" else _schema_columns(descriptor, name)
        found = header_problems(table, expected) if table.header and expected else []
        problems += found
        header_ok[name] = bool(table.header) and not found

    if descriptor is not None and all(table.header for table in tables.values()):
        problems += _frictionless_problems(descriptor, data_dir, tables, header_ok)
    if header_ok["figures"] and tables["figures"].rows:
        problems += _figure_problems(tables, seeds_dir, header_ok, latest_year(descriptor))
    problems += _reference_problems(tables, header_ok)
    return sorted(set(problems)), tables


def _other_resources(descriptor: dict | None) -> list[tuple[str, str]]:
    """(name, file name) of each resource beyond RESOURCES that is a CSV file in the data directory itself."""
    found = []
    for resource in descriptor["resources"] if descriptor else []:
        name, path = resource.get("name"), resource.get("path")
        if name not in RESOURCES and isinstance(name, str) and isinstance(path, str) and path == f"{name}.csv":
            found.append((name, path))
    return found


# ---- a persistent record of data that passed ------------------------------------------------------

CACHE_DIR = paths.REPORTS / ".build"  # where validate_cached() keeps its record unless told otherwise
CACHE_FILE_NAME = "validation-cache.json"
CACHE_SIZE = 32  # passing keys remembered (several data directories, e.g. data/ and a test's copy)
# The modules whose code decides what validate() reports; a change to any of them invalidates the record.
VALIDATOR_MODULES = ("paths", "csvfile", "numbers", "vocabulary", "plausibility", "validate")


def validation_key(data_dir: Path | str | None = None, seeds_dir: Path | str | None = None) -> str:
    """A SHA-256 hex digest of everything validate() reads or runs: the content of every file in data_dir
    (hidden files aside) and in seeds_dir, the validator's own source files, and the versions of
    Frictionless, jsonschema and Python. Equal keys mean validate() gives the same result."""
    import importlib.metadata

    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS
    package_dir = Path(__file__).resolve().parent
    digest = hashlib.sha256()

    def add(label: str, path: Path) -> None:
        digest.update(f"{label}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())

    for label, folder in (("data", data_dir), ("seeds", seeds_dir)):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    add(f"{label}/{path.name}", path)
    for module in VALIDATOR_MODULES:
        add(f"code/{module}.py", package_dir / f"{module}.py")
    for distribution in ("frictionless", "jsonschema"):
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        digest.update(f"{distribution} {version}\0".encode())
    digest.update(f"python {sys.version}".encode())
    return digest.hexdigest()


def validate_cached(
    data_dir: Path | str | None = None, seeds_dir: Path | str | None = None, cache_dir: Path | str | None = None
) -> list[Problem]:
    """validate(), skipped when the same data, seeds and validator have passed before (in any process).

    Passing results are recorded by `validation_key` in `cache_dir`/validation-cache.json (default
    reports/.build/); a failing result is never recorded, so problems are always reported in full. The
    record is written atomically (a temporary file in the same directory, then os.replace); if it cannot
    be read or written, validation simply runs.
    """
    cache_file = Path(cache_dir if cache_dir is not None else CACHE_DIR) / CACHE_FILE_NAME
    key = validation_key(data_dir, seeds_dir)
    if key in _passed_keys(cache_file):
        return []
    problems = validate(data_dir, seeds_dir)
    if not problems and validation_key(data_dir, seeds_dir) == key:  # unchanged while it was validated
        _remember_passed(cache_file, key)
    return problems


def _passed_keys(cache_file: Path) -> list[str]:
    try:
        record = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    keys = record.get("passed") if isinstance(record, dict) else None
    return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else []


def _remember_passed(cache_file: Path, key: str) -> None:
    from eastwest import atomic

    keys = [known for known in _passed_keys(cache_file) if known != key] + [key]
    record = {"about": "keys of data that passed eastwest.validate (see validation_key)", "passed": keys[-CACHE_SIZE:]}
    try:
        atomic.write_text(cache_file, json.dumps(record, indent=1) + "\n", durable=False)
    except OSError:
        pass  # a read-only or full disk: the data is validated again next time


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


def _import_frictionless():
    """frictionless, imported here (it is slow to import and only this step needs it); see
    eastwest.schema_imports for why jsonschema's IRI grammar is left out."""
    preload_jsonschema()
    import frictionless

    return frictionless


def _for_frictionless(descriptor: dict) -> dict:
    """A copy of the descriptor for Frictionless: without the FIGURE_LINKS foreign keys, and with number
    fields read as floats, as numbers.read_value reads them (Frictionless's default, Decimal, reads "sNaN"
    and then raises on comparing it with a minimum)."""
    descriptor = copy.deepcopy(descriptor)
    for resource in descriptor["resources"]:
        schema = resource.get("schema", {})
        for name, column in FIGURE_LINKS:
            if resource.get("name") == name and isinstance(schema.get("foreignKeys"), list):
                schema["foreignKeys"] = [
                    key
                    for key in schema["foreignKeys"]
                    if not (isinstance(key, dict) and key.get("fields") == [column])
                ]
        for field in schema["fields"]:
            if field.get("type") == "number":
                field["floatNumber"] = True
    return descriptor


def _frictionless_problems(
    descriptor: dict, data_dir: Path, tables: dict[str, Table], header_ok: dict[str, bool]
) -> list[Problem]:
    """What Frictionless reports on the package and on each table read, less what our own checks report."""
    frictionless = _import_frictionless()
    descriptor_name = display_name(data_dir / "datapackage.json")
    try:
        package = frictionless.Package(_for_frictionless(descriptor), basepath=str(data_dir))
    except frictionless.FrictionlessException as error:
        return [Problem(descriptor_name, 1, NO_COLUMN, f"invalid data package: {error.error.message}")]
    try:
        package.to_descriptor(validate=True)
    except frictionless.FrictionlessException as exception:  # package-level (metadata) errors
        return [Problem(descriptor_name, 1, NO_COLUMN, error.message) for error in exception.to_errors()]
    problems = []
    try:
        for resource in package.resources:
            if resource.name in tables:
                errors = resource.validate(limit_errors=0).tasks[0].errors  # limit 0: every error
                problems += _table_problems(errors, tables[resource.name], descriptor, header_ok[resource.name])
    except frictionless.FrictionlessException as error:
        return [Problem(descriptor_name, 1, NO_COLUMN, f"invalid data package: {error.error.message}")]
    return problems


def _table_problems(errors: list, table: Table, descriptor: dict, header_ok: bool) -> list[Problem]:
    """Frictionless's errors on one table as problems, less those our own checks report: structure and
    header, value cells that read_value rejects, cells under a wrong header, cells of malformed records."""
    value_column = VALUE_COLUMNS.get(table.path.stem)
    broken_lines = {problem.row for problem in table.problems if problem.row > 1}
    problems = []
    for error in errors:
        if error.type in STRUCTURAL_ERRORS:
            continue
        if value_column and getattr(error, "field_name", None) == value_column and not _reads(error.cell or "0"):
            continue  # read_value's message says why (Frictionless's would be a second one)
        if not header_ok and hasattr(error, "row_number"):
            continue  # cells cannot be trusted when the header is wrong; the header problem is reported
        problem = _translate(error, table, descriptor)
        if problem.row not in broken_lines:  # a malformed record (cut off, wrong field count) is reported
            problems.append(problem)
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
        positions = [table.header.index(name) for name in key if name in table.header]
        cells = [error.cells[i] if i < len(error.cells) else "" for i in positions]  # a blank record has none
        first = re.search(r"position (\d+)", note)
        where = f" (first at line {_line_of(table, int(first.group(1)))})" if first else ""
        message = f"duplicate {column} {','.join(cells)!r}{where}"
    elif error.type == "foreign-key":
        column = ",".join(error.field_names)
        target = error.reference_name or table.path.stem
        message = _unknown_id(",".join(error.field_cells), target, ",".join(error.reference_field_names))
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


def _figure_problems(
    tables: dict[str, Table], seeds_dir: Path, header_ok: dict[str, bool], latest: int
) -> list[Problem]:
    """Each row's own checks (seed, quote and printed text; value, unit, qualifier, period, id, note), then
    the same_as links and the plausibility rules."""
    figures = tables["figures"]
    units = {row["id"]: row["unit"] for row in tables["indicators"].rows} if header_ok["indicators"] else {}
    seed_texts: dict[str, str | None] = {}  # each seed file is read once
    problems = []
    for row, line in zip(figures.rows, figures.lines, strict=True):
        seed = row["seed"]
        if seed not in seed_texts:
            seed_texts[seed] = seed_text(seeds_dir, seed)
        found = _text_problems(row, seed_texts[seed], seeds_dir) + _number_problems(row)
        found += _row_problems(row, units, latest)
        problems += [Problem(figures.name, line, column, message) for column, message in found]
    return problems + _same_as_problems(figures) + _plausibility_problems(figures, tables, header_ok)


def _text_problems(row: dict[str, str], text: str | None, seeds_dir: Path) -> list[tuple[str, str]]:
    """The seed file exists, the quote is in it, the printed number is in the quote."""
    seed, quote, printed = row["seed"], row["quote"], row["printed"]
    found = []
    if text is None:
        found.append(("seed", f"{seed!r} is not a file in {display_name(seeds_dir)}/"))
    elif quote and quote not in text:
        hint = " (it differs only in whitespace)" if _squash(quote) in _squash(text) else ""
        found.append(("quote", f"not a verbatim substring of {seed}{hint}"))
    if printed and printed not in quote:
        found.append(("printed", "not found inside quote"))
    return found


def _number_problems(row: dict[str, str]) -> list[tuple[str, str]]:
    """`value` is a finite number that matches `printed` (unless corrected), in whole units for a count, and
    the qualifier agrees with the printed approximation marker."""
    value_text, printed, unit, qualifier = row["value"], row["printed"], row["unit"], row["qualifier"]
    found = []
    try:
        value = read_value(value_text)  # None when empty: "required" is the schema's
    except ParseError as error:
        value = None
        found.append(("value", str(error)))
    parsed = None
    if printed and unit:
        try:
            parsed = parse_printed(printed, unit)
        except ParseError as error:
            found.append(("printed", str(error)))
    if parsed is not None and value is not None and row["status"] != "corrected":
        if not math.isclose(parsed.value, value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12):
            found.append(
                (
                    "value",
                    f"{value_text} does not match printed {printed!r} = {parsed.value:.10g} {unit}"
                    " (status corrected needs a note)",
                )
            )
    if parsed is not None and parsed.approx and qualifier in QUALIFIERS:  # an unknown one: the schema's enum
        if direction(parsed.approx) != direction(qualifier):
            found.append(("qualifier", f"{qualifier} but printed says {parsed.approx}"))
    if value is not None and unit not in MEASURED_UNITS and value != int(value):
        found.append(("value", f"{value_text} is not a whole number of {unit}"))
    return found


def _row_problems(row: dict[str, str], units: dict[str, str], latest: int) -> list[tuple[str, str]]:
    """The unit is the indicator's, the period a plausible one, the id starts with the seed number, and a
    corrected or flagged figure has a note."""
    found = []
    indicator, unit = row["indicator"], row["unit"]
    if units.get(indicator) and unit and units[indicator] != unit:
        found.append(("unit", f"{unit} but indicator {indicator} is in {units[indicator]}"))
    error = period_error(row["period"], latest) if row["period"] else None  # "required" is the schema's
    if error:
        found.append(("period", error))
    figure_id, seed = row["id"], row["seed"]
    if figure_id and seed[:3].isdigit() and not figure_id.startswith(seed[:3] + "-"):
        found.append(("id", f"should start with the seed number {seed[:3]}-"))
    if row["status"] in ("corrected", "flagged") and not row["note"].strip():
        found.append(("note", f"status {row['status']} needs a note with the evidence"))
    return found


def _same_as_problems(figures: Table) -> list[Problem]:
    """The same_as link check: a link names a figure id (the data package's foreign key), the two rows agree
    (vocabulary.link_mismatches), and no link leads back to its own row (`_link_loops`). The first row of
    each id stands for it."""
    first: dict[str, tuple[dict[str, str], int]] = {}
    for row, line in zip(figures.rows, figures.lines, strict=True):
        first.setdefault(row["id"], (row, line))
    problems = []
    for row, line in zip(figures.rows, figures.lines, strict=True):
        target_id = row["same_as"]
        if not target_id or target_id == row["id"]:  # pointing at itself: a loop
            continue
        if target_id not in first:
            problems.append(Problem(figures.name, line, "same_as", _unknown_id(target_id, "figures", "id")))
            continue
        target, target_line = first[target_id]
        for column in link_mismatches(row, target):
            message = f"{target_id} (line {target_line}) has {column} {target[column]!r}, this row {row[column]!r}"
            problems.append(Problem(figures.name, line, "same_as", message))
    return problems + _link_loops(figures, "same_as", "figure")


def _plausibility_problems(figures: Table, tables: dict[str, Table], header_ok: dict[str, bool]) -> list[Problem]:
    """The plausibility rules' findings that need a curator: on the printed numbers, for a figure whose status
    is ok; on the curated values, for a corrected one (the first row of each id gives its line and status)."""
    if not header_ok["indicators"] or not tables["indicators"].rows:
        return []
    first: dict[str, tuple[int, str]] = {}
    for row, line in zip(figures.rows, figures.lines, strict=True):
        first.setdefault(row["id"], (line, row["status"]))
    rows = [row for row in figures.rows if _reads(row["value"])]
    indicators = tables["indicators"].rows
    problems = []
    for basis, status, column, wording in (
        ("printed", "ok", "status", "flagged by rule {}: {}; set status to flagged or corrected with a note"),
        ("value", "corrected", "value", "corrected value still fails rule {}: {}"),
    ):
        for finding in plausibility_check(rows, indicators, basis=basis):
            line, figure_status = first[finding.figure_id]
            if figure_status == status:
                problems.append(Problem(figures.name, line, column, wording.format(finding.rule, finding.message)))
    return problems


def _reference_problems(tables: dict[str, Table], header_ok: dict[str, bool]) -> list[Problem]:
    """Rules on the tables beside the figures: `indicators.max` read as values are, no `part_of` loop, and a
    quote gloss names a figure id (the data package's foreign key) and is not blank."""
    problems = []
    indicators = tables["indicators"]
    if header_ok["indicators"]:
        for row, line in zip(indicators.rows, indicators.lines, strict=True):
            try:
                read_value(row["max"])
            except ParseError as error:
                problems.append(Problem(indicators.name, line, "max", str(error)))
        problems += _link_loops(indicators, "part_of", "indicator")
    glosses = tables.get("quote_glosses")
    if glosses is not None and header_ok["quote_glosses"]:
        ids = {row["id"] for row in tables["figures"].rows} if header_ok["figures"] else None
        for row, line in zip(glosses.rows, glosses.lines, strict=True):
            if ids is not None and row["figure_id"] and row["figure_id"] not in ids:
                problems.append(
                    Problem(glosses.name, line, "figure_id", _unknown_id(row["figure_id"], "figures", "id"))
                )
            if row["gloss_zh"] and not row["gloss_zh"].strip():
                problems.append(Problem(glosses.name, line, "gloss_zh", "the gloss is blank (only spaces)"))
    return problems


def _unknown_id(value: str, table: str, column: str) -> str:
    """How a foreign key that names no row is reported."""
    return f"{value!r} is not an id in {table}.csv ({column})"


def _link_loops(table: Table, column: str, noun: str) -> list[Problem]:
    """A problem on every row whose `column` (an id of the same table) leads back to the row itself, directly
    or through other rows; the first row of each id stands for it. Each row links to at most one id, so one
    walk per row, stopped at any row already walked, finds every loop in linear time."""
    target, line_of = {}, {}  # id -> the id it links to, and its line (rows without a link are no part of a loop)
    for row, line in zip(table.rows, table.lines, strict=True):
        if row["id"] not in line_of:
            line_of[row["id"]] = line
            if row[column]:
                target[row["id"]] = row[column]
    problems, done = [], set()
    for start in target:
        path, on_path = [], {}
        node = start
        while node in target and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = target[node]
        done.update(path)
        if node not in on_path:
            continue  # the walk ended outside the table or in rows walked before
        loop = path[on_path[node] :]
        for position, member in enumerate(loop):
            if len(loop) == 1:
                message = f"points at the {noun} itself"
            else:
                around = loop[position:] + loop[:position] + [member]
                message = f"{target[member]!r} makes a loop of {column} links: {' → '.join(around)}"
            problems.append(Problem(table.name, line_of[member], column, message))
    return problems


def _reads(text: str) -> bool:
    try:
        return read_value(text) is not None
    except ParseError:
        return False


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# ---- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eastwest.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=paths.DATA, help="data directory (default: data/)")
    args = parser.parse_args(argv)
    problems, tables = _validate(args.data, None)
    if problems:
        for problem in problems:
            print(problem)
        print(f"validate: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    counts = {name: len(table.rows) for name, table in tables.items()}
    print(f"validate: {counts['figures']} figures, {counts['scopes']} scopes, {counts['indicators']} indicators: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
