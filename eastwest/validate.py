"""Check data/: the Frictionless data package (types, required, enums, keys) plus the project's own rules.

    python -m eastwest.validate [--data DIR]

prints every problem as `FILE:ROW: COLUMN: message` (ROW is the physical line, the header is line 1),
sorted by file then row, and exits 1; or prints a one-line summary and exits 0. It writes nothing.

In Python, `validate(data_dir)` returns the problems; `validate_cached(data_dir)` does the same but skips
data, seeds and validator code that have passed before, in any process (record in reports/.build/).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import operator
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
)
from eastwest.numbers import MEASURED_UNITS, ParseError, parse_printed, read_value
from eastwest.plausibility import check as plausibility_check
from eastwest.schema_imports import preload_jsonschema
from eastwest.vocabulary import latest_year, period_error

__all__ = ["DataError", "Problem", "validate", "validate_cached", "validation_key", "main"]

RESOURCES = ("figures", "indicators", "scopes", "units")  # required; other described CSV files are optional
# Number cells read by numbers.read_value, the reader the loaders use; its message replaces Frictionless's
# type error there, since Frictionless reads more ("1_000", " 1e3 ", "infinity") than the loaders do.
VALUE_COLUMNS = {"figures": "value", "indicators": "max"}
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
    return _validate(data_dir, seeds_dir)[0]


def _validate(data_dir: Path | str | None, seeds_dir: Path | str | None) -> tuple[list[Problem], dict[str, Table]]:
    """The problems, and the tables as read (so that callers need not read them again).

    Python's cyclic garbage collector is paused meanwhile (and restored as it was): reading a large table
    allocates a dictionary per row, which makes it rescan every live object again and again, about a fifth
    of the time for 77,000 figures. Reference counting still frees everything; cycles wait until the end.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _validate_all(data_dir, seeds_dir)
    finally:
        if collecting:
            gc.enable()


def _validate_all(data_dir: Path | str | None, seeds_dir: Path | str | None) -> tuple[list[Problem], dict[str, Table]]:
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else paths.SEEDS
    problems: list[Problem] = []

    descriptor, descriptor_problems = _read_descriptor(data_dir)
    problems += descriptor_problems
    tables = {name: read_table(data_dir / f"{name}.csv") for name in RESOURCES}
    for name, file_name in _other_resources(descriptor):
        if (data_dir / file_name).is_file():  # optional: checked when present
            tables[name] = read_table(data_dir / file_name)
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


def _frictionless_problems(
    descriptor: dict, data_dir: Path, tables: dict[str, Table], header_ok: dict[str, bool]
) -> list[Problem]:
    """The data package checked against its descriptor: what `frictionless.Package.validate()` reports.

    Frictionless checks the descriptor and the reference tables. The rows of the figures table, which grows
    with the data, are checked by `_schema_errors` instead: the same field constraints, read by the same
    Frictionless cell readers, the same errors, about 50 times faster. Package.validate() is spelled out
    here (metadata first, then each resource in turn) so that the two can be mixed.
    """
    frictionless = _import_frictionless()
    descriptor_name = display_name(data_dir / "datapackage.json")
    try:
        package = frictionless.Package(descriptor, basepath=str(data_dir))
    except frictionless.FrictionlessException as error:
        return [Problem(descriptor_name, 1, NO_COLUMN, f"invalid data package: {error.error.message}")]
    try:
        package.to_descriptor(validate=True)
    except frictionless.FrictionlessException as exception:  # package-level (metadata) errors
        return [Problem(descriptor_name, 1, NO_COLUMN, error.message) for error in exception.to_errors()]
    reports = []
    read: dict = {}  # the columns _schema_errors has read, shared by its calls (figures.id serves two tables)
    try:
        for resource in package.resources:
            own = _schema_errors(resource, package, tables, read) if resource.name in OWN_SCHEMA_CHECK else None
            if own is None:
                try:
                    own = resource.validate().tasks[0].errors
                except ArithmeticError:  # a cell Frictionless cannot compare ("sNaN"): our check reads it
                    own = _schema_errors(resource, package, tables, read)
                    if own is None:
                        raise
            reports.append((resource.name, own))
    except frictionless.FrictionlessException as error:
        return [Problem(descriptor_name, 1, NO_COLUMN, f"invalid data package: {error.error.message}")]
    problems = []
    for name, errors in reports:
        table = tables.get(name)
        if table is None:
            continue
        broken_lines = {problem.row for problem in table.problems}
        for error in errors:
            if error.type in STRUCTURAL_ERRORS:
                continue
            value_cell = name in VALUE_COLUMNS and getattr(error, "field_name", None) == VALUE_COLUMNS[name]
            if value_cell and not _reads(getattr(error, "cell", None) or "0"):
                continue  # a cell read_value rejects: its message says why (Frictionless's would be a second one)
            if not header_ok.get(name, False) and hasattr(error, "row_number"):
                continue  # cells cannot be trusted when the header is wrong; the header problem is reported
            translated = _translate(error, table, descriptor)
            if translated.row in broken_lines and translated.row > 1:
                continue  # the record is malformed (cut off, wrong field count): already reported
            problems.append(translated)
    return problems


# Resources whose rows `_schema_errors` checks instead of Frictionless, and the descriptor properties it
# reproduces; a resource that uses any other (a dialect, a hash, a row count...) is left to Frictionless.
OWN_SCHEMA_CHECK = ("figures", "quote_glosses")  # quote_glosses: Frictionless would read all figures again
_OWN_RESOURCE_KEYS = {
    "name", "path", "profile", "title", "description", "format", "mediatype", "encoding", "schema", "licenses",
    "sources", "homepage", "keywords",
}  # fmt: skip
_OWN_SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys", "missingValues", "title", "description"}


def _safe_reader(field):
    """The Frictionless cell reader of `field`, except that a cell it cannot even compare is a type error.

    (Frictionless reads "sNaN" as a signalling Decimal NaN, then raises on comparing it with a minimum.)
    """
    reader = field.create_cell_reader()
    type_note = {"type": f'type is "{field.type}/{field.format}"'}

    def read(cell):
        try:
            return reader(cell)
        except ArithmeticError:
            return None, type_note

    return read


def _plainly_valid(field, cells: set) -> set:
    """The cells of a plain string field (default format; no constraint but required and pattern) that its
    Frictionless cell reader would return unchanged and without a note, found in one pass: not a missing
    value, and matched by the same compiled "^pattern$" Frictionless uses. Empty for any other field."""
    if field.type != "string" or field.format != "default" or set(field.constraints) - {"required", "pattern"}:
        return set()
    missing_values = field.missing_values
    if not field.has_defined("missing_values") and field.schema:
        missing_values = field.schema.missing_values
    candidates = {cell for cell in cells if isinstance(cell, str)} - set(missing_values)
    pattern = field.constraints.get("pattern")
    if pattern is None:
        return candidates
    match = re.compile(f"^{pattern}$").match
    return {cell for cell in candidates if match(cell)}


def _readable_by_us(resource, table: Table | None) -> bool:
    """Whether `table` (our reading of the file) holds exactly the rows Frictionless would check."""
    descriptor = resource.to_descriptor()
    return (
        table is not None
        and set(descriptor) - {"type", "scheme"} <= _OWN_RESOURCE_KEYS
        and set(descriptor.get("schema", {})) <= _OWN_SCHEMA_KEYS
        and resource.type == "table"
        and resource.path == f"{resource.name}.csv"
        and table.path.name == resource.path
        and (resource.format or "csv") == "csv"
        and (resource.encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8")
        and table.header_line == 1
        and not table.cut_off
        and table.header == resource.schema.field_names
    )


def _schema_errors(resource, package, tables: dict[str, Table], columns: dict | None = None) -> list | None:
    """The Frictionless errors `resource.validate()` would give for the rows of a table, found column by column.

    Each distinct cell of a column goes once through the Frictionless cell reader of its field (type,
    missing values, required, pattern, enum, minimum...), so types and constraints behave exactly as in
    Frictionless; then the row-level rules of its row stream are applied to the read values: a blank row
    only reports its primary key, `unique` fields and the primary key point at the previous row with the
    same value, and foreign keys are looked up in the referenced tables (blank and malformed records count
    as Frictionless counts them). Returns None when the resource uses something this does not reproduce
    (Frictionless then checks it). `columns` keeps the columns read, for the next call on the same package.
    """
    import itertools
    import operator

    from frictionless import FrictionlessException
    from frictionless import errors as ferrors

    table = tables.get(resource.name)
    if not _readable_by_us(resource, table):
        return None
    schema = resource.schema
    foreign_keys = [fk for fk in schema.foreign_keys if set(fk["fields"]) <= set(schema.field_names)]
    sources = {}
    for fk in foreign_keys:
        source_name = fk["reference"]["resource"]
        if source_name and source_name != resource.name:
            if not package.has_resource(source_name):
                return None  # Frictionless reports the missing resource its own way
            source = package.get_resource(source_name)
            if not _readable_by_us(source, tables.get(source_name)):
                return None
            sources[source_name] = source
    try:
        resource.to_descriptor(validate=True)
    except FrictionlessException as exception:
        return exception.to_errors()

    width = len(schema.fields)
    # (resource, field) -> [cell of each record, cell -> (value, notes), cell -> value (or None until needed)]
    columns = {} if columns is None else columns

    def read_columns(res, res_table: Table, names: tuple[str, ...] | None = None) -> None:
        """Read every field of `res` (or only those in `names`) into `columns`."""
        records = res_table.records
        wanted = [
            i for i, field in enumerate(res.schema.fields)
            if (names is None or field.name in names) and (res.name, field.name) not in columns
        ]  # fmt: skip
        if len(res_table.rows) == len(records):  # every record well-formed: one C-level pass per column
            header_width = len(res_table.header)
            cells_by_field = {i: list(map(operator.itemgetter(i), records)) for i in wanted if i < header_width}
        else:  # blank or short records: their missing cells are None, as in Frictionless
            cells_by_field = dict(enumerate(itertools.zip_longest(*records))) if records else {}
        missing = (None,) * len(records)  # a field beyond every record's last cell
        for number in wanted:
            field = res.schema.fields[number]
            cells = cells_by_field.get(number, missing)
            distinct = set(cells)
            read = dict.fromkeys(_plainly_valid(field, distinct), None)
            for cell in read:
                read[cell] = (cell, None)  # what the reader returns for them
            reader = _safe_reader(field)
            read.update((cell, reader(cell)) for cell in distinct - read.keys())
            columns[(res.name, field.name)] = [cells, read, None]  # the value of each cell: made when asked

    def keys(res_name: str, names: list[str]) -> list:
        """The values read for `names` from each record of the resource: the value itself for one name (None
        when missing), else a tuple (all None when all are missing). Equal keys compare as in Frictionless."""
        values = []
        for name in names:
            column = columns[(res_name, name)]
            if column[2] is None:
                column[2] = {cell: value for cell, (value, _) in column[1].items()}
            values.append(list(map(column[2].__getitem__, column[0])))
        return values[0] if len(values) == 1 else list(zip(*values, strict=True))

    def missing_key(names: list[str]):
        return None if len(names) == 1 else (None,) * len(names)

    read_columns(resource, table)
    own = {field.name: columns[(resource.name, field.name)][:2] for field in schema.fields}
    records = table.records
    well_formed = [len(record) == width for record in records]

    def cells_of(index: int) -> list[str]:
        return ["" if cell is None else str(cell) for cell in records[index]]

    def row_number(index: int) -> int:
        return index + 2  # Frictionless counts the header as row 1

    # Blank rows (every field read as missing, no type error) report no cell errors.
    blank = [not record for record in records]
    candidates = None
    for cells, read in own.values():
        filled = {cell for cell, (value, notes) in read.items() if value is not None or (notes and "type" in notes)}
        if candidates is None:
            candidates = [i for i, cell in enumerate(cells) if cell not in filled]
        else:
            candidates = [i for i in candidates if cells[i] not in filled]
    for i in candidates or []:
        blank[i] = True

    found = []
    for number, field in enumerate(schema.fields, start=1):
        cells, read = own[field.name]
        bad = {cell for cell, (_, notes) in read.items() if notes}
        if not bad:
            continue
        for i, cell in enumerate(cells):
            if cell not in bad or not well_formed[i] or blank[i]:
                continue
            notes = dict(read[cell][1])
            common = {
                "cells": cells_of(i), "row_number": row_number(i), "cell": str(cell), "field_name": field.name,
                "field_number": number,
            }  # fmt: skip
            type_note = notes.pop("type", None)
            if type_note:
                found.append(ferrors.TypeError(note=type_note, **common))
            for note in notes.values():
                found.append(ferrors.ConstraintError(note=note, **common))

    for number, field in enumerate(schema.fields, start=1):
        if field.constraints.get("unique"):
            values = keys(resource.name, [field.name])
            if len(set(values)) + values.count(None) - (None in values) == len(values):
                continue  # every value that is not missing is different
            seen: dict = {}
            for i, value in enumerate(values):
                if value is None:
                    continue
                match = seen.get(value)
                seen[value] = row_number(i)
                if match and well_formed[i]:
                    found.append(
                        ferrors.UniqueError(
                            note=f"the same as in the row at position {match}", cells=cells_of(i),
                            row_number=row_number(i), cell=str(value), field_name=field.name, field_number=number,
                        )
                    )  # fmt: skip

    primary_key = schema.primary_key
    if primary_key and set(primary_key) <= set(schema.field_names):
        seen = {}
        all_none = missing_key(primary_key)
        values = keys(resource.name, primary_key)
        distinct = set(values)
        if len(distinct) == len(values) and all_none not in distinct:
            values = []  # every key present and different: nothing to report
        for i, key in enumerate(values):
            if key == all_none:
                note = 'cells composing the primary keys are all "None"'
            else:
                match = seen.get(key)
                seen[key] = row_number(i)
                if not match:
                    continue
                note = f"the same as in the row at position {match}"
            if well_formed[i]:
                found.append(ferrors.PrimaryKeyError(note=note, cells=cells_of(i), row_number=row_number(i)))

    lookups: dict[tuple[str, tuple[str, ...]], set] = {}
    for fk in foreign_keys:
        source_name, source_key = fk["reference"]["resource"], tuple(fk["reference"]["fields"])
        if (source_name, source_key) not in lookups:
            if source_name in sources:
                names_from = source_name
                if not all((source_name, name) in columns for name in source_key):
                    read_columns(sources[source_name], tables[source_name], source_key)  # the key alone
            else:  # a reference to the table itself
                names_from = resource.name
            if not all((names_from, name) in columns for name in source_key) or len(source_key) != len(fk["fields"]):
                return None  # a key the referenced table does not have: left to Frictionless
            lookups[(source_name, source_key)] = set(keys(names_from, list(source_key))) - {missing_key(source_key)}
        lookup = lookups[(source_name, source_key)]
        values = keys(resource.name, fk["fields"])
        unknown = set(values) - lookup - {missing_key(fk["fields"])}
        for i, key in enumerate(values if unknown else []):
            if key not in unknown or not well_formed[i]:
                continue
            key = key if isinstance(key, tuple) else (key,)
            note = (
                f'for "{", ".join(fk["fields"])}": values "{", ".join(str(cell) for cell in key)}" not found in'
                f' the lookup table "{source_name}" as "{", ".join(source_key)}"'
            )
            found.append(
                ferrors.ForeignKeyError(
                    note=note, cells=cells_of(i), row_number=row_number(i), field_names=list(fk["fields"]),
                    field_cells=["" if value is None else str(value) for value in key], reference_name=source_name,
                    reference_field_names=list(source_key),
                )
            )  # fmt: skip
    return found


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
        message = (
            f"{','.join(error.field_cells)!r} is not an id in {target}.csv ({','.join(error.reference_field_names)})"
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


def _figure_problems(
    tables: dict[str, Table], seeds_dir: Path, header_ok: dict[str, bool], latest: int
) -> list[Problem]:
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

    # Most checks read only a few columns, and values repeat across rows (the same seed and quote, the same
    # printed number, unit and period...): each check runs once per distinct combination of what it reads,
    # and its (column, message) findings are reported on every row with that combination.
    by_text: dict[tuple, list[tuple[str, str]]] = {}
    by_number: dict[tuple, list[tuple[str, str]]] = {}
    by_unit: dict[tuple, list[tuple[str, str]]] = {}
    by_period: dict[str, list[tuple[str, str]]] = {}
    for row, line in zip(figures.rows, figures.lines, strict=True):
        seed, quote, printed = row["seed"], row["quote"], row["printed"]
        key = (seed, quote, printed)
        found = by_text.get(key)
        if found is None:
            if seed not in seed_texts:
                seed_texts[seed] = _seed_text(seeds_dir, seed)
            found = by_text[key] = _text_problems(seed, quote, printed, seed_texts[seed], seeds_dir)
        key = (row["value"], printed, row["unit"], row["qualifier"], row["status"])
        found = found + (by_number[key] if key in by_number else by_number.setdefault(key, _number_problems(*key)))
        key = (row["indicator"], row["unit"])
        if key not in by_unit:
            expected_unit = indicator_units.get(key[0])
            by_unit[key] = (
                [("unit", f"{key[1]} but indicator {key[0]} is in {expected_unit}")]
                if expected_unit and key[1] and expected_unit != key[1]
                else []
            )
        period = row["period"]
        if period not in by_period:
            error = period_error(period, latest) if period else None  # "required" is the schema's
            by_period[period] = [("period", error)] if error else []
        found = found + by_unit[key] + by_period[period]
        for column, message in found:
            problem(line, column, message)

        figure_id = row["id"]
        if figure_id and seed[:3].isdigit() and not figure_id.startswith(seed[:3] + "-"):
            problem(line, "id", f"should start with the seed number {seed[:3]}-")
        status = row["status"]
        if status in ("corrected", "flagged") and not row["note"].strip():
            problem(line, "note", f"status {status} needs a note with the evidence")

        if row["same_as"]:
            target = by_id.get(row["same_as"])
            if target is not None and row["same_as"] != figure_id:  # pointing at itself: see _link_loops
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


def _reference_problems(tables: dict[str, Table], header_ok: dict[str, bool]) -> list[Problem]:
    """Rules on the links and numbers of the tables beside the figures' own: `indicators.max` read as values
    are, no `part_of` or `same_as` loop, no blank Chinese gloss."""
    problems = []
    indicators = tables["indicators"]
    if header_ok.get("indicators"):
        for row, line in zip(indicators.rows, indicators.lines, strict=True):
            try:
                read_value(row["max"])
            except ParseError as error:
                problems.append(Problem(indicators.name, line, "max", str(error)))
        problems += _link_loops(indicators, "part_of", "indicator")
    if header_ok.get("figures"):
        problems += _link_loops(tables["figures"], "same_as", "figure")
    glosses = tables.get("quote_glosses")
    if glosses is not None and header_ok.get("quote_glosses"):
        for row, line in zip(glosses.rows, glosses.lines, strict=True):
            if row["gloss_zh"] and not row["gloss_zh"].strip():
                problems.append(Problem(glosses.name, line, "gloss_zh", "the gloss is blank (only spaces)"))
    return problems


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


def _text_problems(seed: str, quote: str, printed: str, text: str | None, seeds_dir: Path) -> list[tuple[str, str]]:
    """The seed file exists, the quote is in it, the printed number is in the quote."""
    found = []
    if text is None:
        found.append(("seed", f"{seed!r} is not a file in {display_name(seeds_dir)}/"))
    elif quote and quote not in text:
        hint = " (it differs only in whitespace)" if _squash(quote) in _squash(text) else ""
        found.append(("quote", f"not a verbatim substring of {seed}{hint}"))
    if printed and printed not in quote:
        found.append(("printed", "not found inside quote"))
    return found


def _number_problems(value_text: str, printed: str, unit: str, qualifier: str, status: str) -> list[tuple[str, str]]:
    """`value` is a finite number that matches `printed` (unless corrected), in whole units for a count, and
    the qualifier agrees with the printed approximation marker."""
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
    if parsed is not None and value is not None and status != "corrected":
        if not math.isclose(parsed.value, value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12):
            found.append(
                (
                    "value",
                    f"{value_text} does not match printed {printed!r} = {parsed.value:.10g} {unit}"
                    " (status corrected needs a note)",
                )
            )
    if parsed is not None and parsed.approx and qualifier in QUALIFIER_DIRECTION:
        if QUALIFIER_DIRECTION[parsed.approx] != QUALIFIER_DIRECTION[qualifier]:
            found.append(("qualifier", f"{qualifier} but printed says {parsed.approx}"))
    if value is not None and unit not in MEASURED_UNITS and value != int(value):
        found.append(("value", f"{value_text} is not a whole number of {unit}"))
    return found


def _seed_text(seeds_dir: Path, seed: str) -> str | None:
    """The text of a seed file, or None when `seed` names no file in seeds_dir."""
    if not seed or "/" in seed or "\\" in seed:
        return None
    try:
        return (seeds_dir / seed).read_bytes().decode("utf-8-sig", errors="replace")
    except (OSError, ValueError):  # missing, a directory, a name too long, a NUL character...
        return None


def _plausibility_problems(figures: Table, tables: dict[str, Table], header_ok: dict[str, bool]) -> list[Problem]:
    if not header_ok.get("indicators") or not tables["indicators"].rows:
        return []
    readable: dict[str, bool] = {}  # value cell -> whether read_value reads it (cells repeat: read each once)
    rows = []
    for row in figures.rows:
        value = row["value"]
        keep = readable.get(value)
        if keep is None:
            keep = readable[value] = _reads(value)
        if keep:
            rows.append(row)
    # The line and status of the first row of each id (built backwards, so that the first row's entry wins).
    ids = list(map(operator.itemgetter("id"), figures.rows))
    ids.reverse()
    lines = dict(zip(ids, reversed(figures.lines), strict=True))
    statuses = dict(zip(ids, map(operator.itemgetter("status"), reversed(figures.rows)), strict=True))
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
    for finding in plausibility_check(_rows_for_corrected(rows, statuses), indicators, basis="value"):
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


def _rows_for_corrected(rows: list[dict[str, str]], statuses: dict[str, str]) -> list[dict[str, str]]:
    """The rows (every row of each figure id kept, in order) that can lead to a finding on a corrected figure.

    Only such findings are reported on the "value" basis. Each rule compares a figure only with figures of the
    same group (first row of each id): part_exceeds_whole (seed, scope, period, nature), magnitude (seed,
    scope, unit), share_inconsistent (scope, period, nature), same_as_disagrees the two linked figures,
    above_max the figure alone; and a finding names one of the figures it involves. So every group holding a
    corrected figure, and the figures linked to or from one, are kept whole: the rules find on them exactly
    what they find on all the rows, and findings on the other rows left in name no corrected figure.
    """
    ids = list(map(operator.itemgetter("id"), rows))
    first = dict(zip(reversed(ids), reversed(rows), strict=True))  # id -> its first row (the first wins)
    corrected = {figure_id for figure_id in first if statuses.get(figure_id) == "corrected"}
    if not corrected:
        return []
    part_key = operator.itemgetter("seed", "scope", "period", "nature")
    peer_key = operator.itemgetter("seed", "scope", "unit")
    share_key = operator.itemgetter("scope", "period", "nature")
    part_keys = {part_key(first[figure_id]) for figure_id in corrected}
    peer_keys = {peer_key(first[figure_id]) for figure_id in corrected}
    share_keys = {share_key(first[figure_id]) for figure_id in corrected}
    wanted = corrected | {first[figure_id]["same_as"] for figure_id in corrected}
    wanted.update(
        figure_id
        for figure_id, row in first.items()
        if part_key(row) in part_keys
        or peer_key(row) in peer_keys
        or share_key(row) in share_keys
        or row["same_as"] in corrected
    )
    return [row for row, figure_id in zip(rows, ids, strict=True) if figure_id in wanted]


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
