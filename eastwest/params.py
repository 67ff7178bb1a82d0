"""Strict build parameters.

papermill only *warns* when it is given a parameter the notebook does not declare, and it
injects whatever value it gets. The build therefore checks everything first, before anything is
written: a parameter name must be one a notebook declares in its `parameters` cell, and a scope
must be an id in data/scopes.csv that has figures. Values are only ever compared with those lists
and handed on as data (papermill writes them into the injected cell as Python literals); nothing
here evaluates them.

From make, values arrive through the environment: the Makefile copies the raw text of
`SCOPE` with `$(value SCOPE)` into `EASTWEST_SCOPE` (so make never expands `$(...)` in it and the
shell never sees it) and the command-line variable names arrive in MAKEFLAGS, which we read to
catch a mistyped name such as `make report SCOPES=x` or `make report scope=x`.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from eastwest.csvfile import display_name, read_table

# make variables the product rules understand (PYTHON_SYS belongs to the set-up rules).
MAKE_VARIABLES = {
    "SCOPE": "build only the cooperation report of this scope",
    "EDITION": "build only this language's edition",
    "PYTHON_SYS": "set-up only",
}


class ParamError(Exception):
    """A parameter name or value the build does not accept. The message is shown as is."""


class TableError(ValueError):
    """A reference table that a parameter is checked against cannot be read; the message names it."""


@dataclass(frozen=True)
class Request:
    """What the user asked for, checked."""

    scope: str | None = None  # None: every scope
    extra: dict[str, str] = field(default_factory=dict)
    edition: str | None = None  # None: every language of eastwest.words.LANGS


def notebook_parameters(path: Path) -> dict[str, str]:
    """Names declared in the notebook's cell tagged `parameters`, with their default's source text.

    Read with `ast`, not by running anything, so it is cheap and safe.
    """
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        names: dict[str, str] = {}
        for node in ast.parse(source).body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = ast.get_source_segment(source, node.value) if node.value else ""
        return names
    return {}


def read_ids(csv_path: Path, column: str) -> list[str]:
    """Values of one column of a CSV file (read by `csvfile.read_table`), in file order, stripped, without
    duplicates or empty values.

    A header without data rows holds no ids. Any other problem of the file (missing, not UTF-8, a record
    cut off or with the wrong number of fields, a blank line), or a header without `column`, is a
    TableError naming the file and the line: the ids read so far could be incomplete.
    """
    try:
        table = read_table(csv_path)
    except OSError as error:  # e.g. not readable by this user (a missing file is one of the table's problems)
        raise TableError(_cannot_read(display_name(csv_path), error.strerror or str(error))) from None
    header_only = bool(table.header) and not table.record_lines
    if table.problems and not header_only:
        problem = table.problems[0]
        where = f"line {problem.row}: " if table.header else ""  # a problem of the whole file has no line
        raise TableError(_cannot_read(table.name, where + problem.message))
    if column not in table.header:
        raise TableError(
            f"{table.name}: its header has no {column!r} column, so the ids cannot be read; "
            "fix the file (`make validate` names each problem)"
        )
    return list(dict.fromkeys(value for row in table.rows if (value := row[column].strip())))


def _cannot_read(name: str, reason: str) -> str:
    return f"{name}: cannot be read ({reason}); fix or restore the file (`make validate` names each problem)"


def scopes_with_figures(data_dir: Path) -> list[str]:
    """Scope ids of data/scopes.csv (in that file's order) that at least one figure refers to."""
    data_dir = Path(data_dir)
    declared = read_ids(data_dir / "scopes.csv", "id")
    figures = data_dir / "figures.csv"
    used = set(read_ids(figures, "scope")) if figures.exists() else set()
    return [scope for scope in declared if scope in used]


def _show(value: str) -> str:
    """A value as shown in a message: quoted, control characters escaped, long ones cut."""
    text = value if len(value) <= 80 else value[:77] + "..."
    return repr(text)


def check_scope(value: str | None, data_dir: Path) -> str | None:
    """None/empty means every scope; otherwise the value must be a scope with figures."""
    if value is None or value == "":
        return None
    valid = scopes_with_figures(data_dir)
    if value in valid:
        return value
    declared = read_ids(Path(data_dir) / "scopes.csv", "id")
    if value in declared:
        raise ParamError(
            f"SCOPE={_show(value)} has no figures in data/figures.csv, so there is no report for it; "
            f"scopes with figures: {', '.join(valid)}"
        )
    if not valid:
        from eastwest import paths

        where = [paths.relative(Path(data_dir) / name) for name in ("scopes.csv", "figures.csv")]
        raise ParamError(
            f"unknown SCOPE {_show(value)}: {where[0]} lists no scope that {where[1]} uses, so there is no "
            "scope report to build; check both files (`make validate` names each problem)"
        )
    raise ParamError(f"unknown SCOPE {_show(value)}; valid values: {', '.join(valid)}")


def check_names(given: dict[str, str], allowed: dict[str, str], *, what: str) -> None:
    """Reject any name in `given` that is not in `allowed`, naming it and listing the valid ones."""
    for name in given:
        if name not in allowed:
            hint = ""
            close = [known for known in allowed if known.lower() == name.lower().rstrip("s")]
            if close:
                hint = f" (did you mean {close[0]}?)"
            valid = ", ".join(f"{known} ({desc})" if desc else known for known, desc in allowed.items())
            raise ParamError(f"unknown {what} {_show(name)}{hint}; valid {what}s: {valid}")


_ASSIGNMENT = re.compile(r"^([A-Za-z_.][A-Za-z0-9_.-]*)\s*[:?+!]?=")


def make_command_line_names(makeflags: str) -> list[str]:
    """Variable names assigned on make's command line, read from the MAKEFLAGS make exports.

    make writes them after a lone `--`, separated by spaces, with spaces inside values escaped
    as `\\ `. Only the names are used.
    """
    words = re.split(r"(?<!\\) ", makeflags)
    if "--" not in words:
        return []
    names = []
    for word in words[words.index("--") + 1 :]:
        match = _ASSIGNMENT.match(word)
        if match:
            names.append(match.group(1))
    return names


def scope_from_make(environ: dict[str, str]) -> str | None:
    """The raw SCOPE of `make report SCOPE=...` (checked later), after checking make's variable names."""
    names = make_command_line_names(environ.get("MAKEFLAGS", ""))
    check_names(dict.fromkeys(names, ""), MAKE_VARIABLES, what="make variable")
    return environ.get("EASTWEST_SCOPE") or None


def check_edition(value: str | None) -> str | None:
    """None/empty means every edition; otherwise a language of eastwest.words.LANGS."""
    from eastwest import words

    if value is None or value == "":
        return None
    if value in words.LANGS:
        return value
    raise ParamError(f"unknown EDITION {_show(value)}; valid values: {', '.join(words.LANGS)}")


def edition_from_make(environ: dict[str, str]) -> str | None:
    """The raw EDITION of `make report EDITION=...` (checked by `check_edition`)."""
    return environ.get("EASTWEST_EDITION") or None


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """`name=value` strings (from `--param`) to a dict; a missing `=` is an error."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ParamError(f"parameter {_show(pair)} is not of the form name=value")
        result[name] = value
    return result


def check_notebook_parameters(given: dict[str, str], notebooks: list[Path], *, reserved: set[str]) -> None:
    """Names passed with `--param` must be declared by some notebook and not set by the build itself."""
    declared: dict[str, str] = {}
    for notebook in notebooks:
        for name in notebook_parameters(notebook):
            if name not in reserved:
                declared.setdefault(name, f"declared in {notebook.name}")
    check_names(given, declared, what="parameter")
