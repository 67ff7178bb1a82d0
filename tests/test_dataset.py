"""The loaders read a value cell exactly as validation does: whatever validate accepts, load_figures reads as
the same float, and whatever it rejects stops the loader with a DataError, never a traceback of pandas."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eastwest.csvfile import read_table
from eastwest.dataset import load_figures, load_indicators, to_frame
from eastwest.numbers import ParseError, read_value
from eastwest.validate import DataError, validate

# Pieces that Python's float() or Decimal(), pandas or Frictionless read in their own ways.
PIECES = ["0", "1", "7", "9", "00", ".", "-", "+", "e", "E", "_", " ", "\t", ",", "inf", "nan", "Infinity",
          "sNaN", "x", "0x", "１", "٣", "e400", "e-400", "\u00a0"]  # fmt: skip
value_texts = st.one_of(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(10**20), max_value=10**400).map(str),
    st.text(max_size=8),
)


def only_value_changes(dataset, text: str) -> int:
    """Give one corrected figure (a measured unit, in no rule's group) the value `text`; its line."""
    row = dataset.figure("002-roads")
    row.update(value=text, status="corrected", note="test: the value is free")
    dataset.write()
    return dataset.line_of("002-roads")


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=value_texts)
def test_validate_accepts_a_value_exactly_when_the_loader_reads_it(dataset, text):
    line = only_value_changes(dataset, text.replace("\n", " ").replace("\r", " "))
    text = dataset.figure("002-roads")["value"]
    problems = validate(dataset.path)  # never raises
    try:
        number = read_value(text)
    except ParseError:
        number = None
    if number is not None and number >= 0:  # the schema's minimum is 0
        assert problems == []
        loaded = load_figures(dataset.path).set_index("id").loc["002-roads", "value"]
        assert loaded == number and math.isfinite(loaded)
    else:
        assert any(p.row == line and p.column == "value" for p in problems), problems
        with pytest.raises(DataError):
            load_figures(dataset.path)


@pytest.mark.parametrize("text", ["1_756_000_000", " 3500", "3500 ", "infinity", "nan", "３５００", "0x10", "1e999"])
def test_value_python_reads_but_the_loader_does_not_is_a_validation_error(dataset, text):
    line = only_value_changes(dataset, text)
    found = [str(p) for p in validate(dataset.path)]
    assert found and all(p.startswith(f"{dataset.file()}:{line}: value: {text!r} is not a") for p in found), found
    with pytest.raises(DataError):
        load_figures(dataset.path)


def test_to_frame_reads_value_and_max_with_read_value(dataset):
    dataset.figure("002-roads")["value"] = "3.5e3"
    dataset.write()
    figures = to_frame(read_table(dataset.path / "figures.csv"), ("value",)).set_index("id")
    assert figures.loc["002-roads", "value"] == 3500.0
    assert figures["value"].dtype == float
    indicators = load_indicators(dataset.path).set_index("id")
    assert indicators.loc["aid_funds_industrial_share", "max"] == 1.0
    assert math.isnan(indicators.loc["aid_funds", "max"])


def test_to_frame_names_file_row_and_column_of_a_cell_it_cannot_read(dataset):
    dataset.figure("000-projects")["value"] = "1_357"
    dataset.write()
    with pytest.raises(ParseError, match=rf"figures\.csv:{dataset.line_of('000-projects')}: value: '1_357'"):
        to_frame(read_table(dataset.path / "figures.csv"), ("value",))


def test_column_lists_match_the_data_package_and_the_files():
    import csv
    import json

    from eastwest import csvfile, paths

    descriptor = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    schema = {r["name"]: [field["name"] for field in r["schema"]["fields"]] for r in descriptor["resources"]}
    for name, columns in [("figures", csvfile.FIGURES_COLUMNS), ("indicators", csvfile.INDICATORS_COLUMNS),
                          ("scopes", csvfile.SCOPES_COLUMNS), ("units", csvfile.UNITS_COLUMNS)]:  # fmt: skip
        with open(paths.DATA / f"{name}.csv", encoding="utf-8-sig", newline="") as handle:
            assert next(csv.reader(handle)) == columns == schema[name], name
    assert csvfile.INDICATORS_COLUMNS.index("title_zh") == csvfile.INDICATORS_COLUMNS.index("title") + 1
    assert csvfile.UNITS_COLUMNS.index("title_zh") == csvfile.UNITS_COLUMNS.index("title") + 1
