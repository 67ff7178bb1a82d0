"""The data of data/ as typed pandas DataFrames, validated first: what the rest of the project reads.

`load_figures`, `load_indicators`, `load_scopes` and `load_units` validate the data directory (once per
content, in any process, through `validate.validate_cached`: the one validation cache), then read the
file with `csvfile.read_table`; number columns are read by `numbers.read_value`, the reader validation
uses.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from eastwest import paths
from eastwest.csvfile import Problem, Table, read_table
from eastwest.numbers import ParseError, read_value
from eastwest.validate import DataError, validate_cached


def to_frame(table: Table, float_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows as a DataFrame of strings ("" for empty cells), with `float_columns` as floats (NaN if empty), each
    cell read by `numbers.read_value`, the reader validation uses; a cell it cannot read is a ParseError
    naming FILE:ROW: COLUMN."""
    frame = pd.DataFrame(table.rows, columns=table.header, dtype=object).fillna("")
    for column in float_columns:
        if column in frame.columns:
            frame[column] = pd.Series(_read_values(table, column), index=frame.index, dtype=float)
    frame["line"] = table.lines
    return frame


def _read_values(table: Table, column: str) -> list[float]:
    values = []
    for row, line in zip(table.rows, table.lines, strict=True):
        try:
            value = read_value(row[column])
        except ParseError as error:
            raise ParseError(str(Problem(table.name, line, column, str(error)))) from None
        values.append(math.nan if value is None else value)
    return values


def _load(data_dir: Path | str | None, file_name: str, float_columns: tuple[str, ...]) -> pd.DataFrame:
    """Validate data_dir (skipped, through validate_cached, when the same data, seeds and validator have
    passed before in any process: a notebook, the build and the next notebook share the record in
    reports/.build/), then read the file."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    problems = validate_cached(data_dir)
    if problems:
        raise DataError(problems)
    frame = to_frame(read_table(data_dir / file_name), float_columns)
    return frame.drop(columns="line")


def load_figures(data_dir: Path | str | None = None) -> pd.DataFrame:
    """data/figures.csv after validation; `value` is float, empty optional strings are ""."""
    return _load(data_dir, "figures.csv", ("value",))


def load_indicators(data_dir: Path | str | None = None) -> pd.DataFrame:
    """data/indicators.csv after validation; `max` is float (NaN when not given)."""
    return _load(data_dir, "indicators.csv", ("max",))


def load_scopes(data_dir: Path | str | None = None) -> pd.DataFrame:
    return _load(data_dir, "scopes.csv", ())


def load_units(data_dir: Path | str | None = None) -> pd.DataFrame:
    return _load(data_dir, "units.csv", ())
