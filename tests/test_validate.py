"""The validator names file, row and column for each class of bad input, and passes valid data."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from eastwest import paths
from eastwest.tables import load_figures, load_indicators
from eastwest.validate import DataError, validate


def run_cli(dataset) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eastwest.validate", "--data", str(dataset.path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=paths.ROOT,
    )


def problems_of(dataset) -> list[str]:
    return [str(problem) for problem in validate(dataset.path)]


def assert_reported(dataset, line: int, column: str, file: str = "figures.csv") -> list[str]:
    found = problems_of(dataset)
    prefix = f"{dataset.file(file)}:{line}: {column}: "
    assert any(problem.startswith(prefix) for problem in found), f"no {prefix!r} in {found}"
    return found


def test_valid_fixture_passes(dataset):
    assert problems_of(dataset) == []


def test_cli_valid_data_prints_summary_and_exits_0(dataset):
    result = run_cli(dataset)
    assert result.returncode == 0, result.stdout + result.stderr
    # 15 fixture figures, 3 scopes, 12 indicators
    assert result.stdout.strip() == "validate: 15 figures, 3 scopes, 12 indicators: ok"


def test_cli_missing_column(dataset):
    (dataset.path / "figures.csv").write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in (dataset.path / "figures.csv").read_text().splitlines())
        + "\n",
        encoding="utf-8",
    )  # every line loses its last field, so the header loses "note"
    result = run_cli(dataset)
    assert result.returncode == 1
    assert f"{dataset.file()}:1: note: required column is missing" in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_non_numeric_value(dataset):
    dataset.figure("000-projects")["value"] = "1,357"
    dataset.write()
    result = run_cli(dataset)
    assert result.returncode == 1
    assert f"{dataset.file()}:{dataset.line_of('000-projects')}: value: '1,357' is not a valid number" in (
        result.stdout
    )


def test_cli_empty_file(dataset):
    (dataset.path / "figures.csv").write_text("", encoding="utf-8")
    result = run_cli(dataset)
    assert result.returncode == 1
    assert f"{dataset.file()}:1: -: file is empty" in result.stdout
    assert "Traceback" not in result.stderr


def test_cli_bom_and_crlf_accepted(dataset):
    for name in ("figures.csv", "indicators.csv"):
        path = dataset.path / name
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = run_cli(dataset)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("validate: 15 figures")


def test_cli_garbage_gives_problems_not_traceback(dataset):
    (dataset.path / "figures.csv").write_bytes(b"id,seed\n\xff\xfe\x00garbage,\"\n")
    (dataset.path / "units.csv").write_text("id,title\n", encoding="utf-8")
    (dataset.path / "datapackage.json").write_text("{not json", encoding="utf-8")
    result = run_cli(dataset)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{dataset.file('figures.csv')}:1: -: not valid UTF-8" in result.stdout
    assert f"{dataset.file('datapackage.json')}:1: -: not valid JSON" in result.stdout


def test_unknown_seed_file(dataset):
    dataset.figure("002-roads")["seed"] = "002_0000000000000000.txt"
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("002-roads"), "seed")
    assert any("is not a file in seeds/" in problem for problem in found)


def test_quote_not_in_seed(dataset):
    dataset.figure("000-projects")["quote"] = "the 1,357 projects implemented were completed"
    dataset.write()
    assert_reported(dataset, dataset.line_of("000-projects"), "quote")


def test_quote_differing_only_in_whitespace_says_so(dataset):
    figure = dataset.figure("001-poverty-reduction-rate")
    figure["quote"] = figure["quote"].replace("reached ", "reached  ")
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("001-poverty-reduction-rate"), "quote")
    assert any("differs only in whitespace" in problem for problem in found)


def test_printed_not_inside_quote(dataset):
    dataset.figure("000-projects")["printed"] = "1357"
    dataset.write()
    assert_reported(dataset, dataset.line_of("000-projects"), "printed")


def test_printed_not_matching_value(dataset):
    dataset.figure("004-employed-poor")["value"] = "31300000"  # printed 31.33 million = 31,330,000
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("004-employed-poor"), "value")
    assert any("does not match printed '31.33 million'" in problem for problem in found)


def test_printed_unit_word_not_fitting_unit(dataset):
    dataset.figure("002-roads")["unit"] = "yuan"
    dataset.write()
    assert_reported(dataset, dataset.line_of("002-roads"), "printed")


def test_duplicate_id(dataset):
    dataset.figures.append(dict(dataset.figure("000-projects")))
    dataset.write()
    found = assert_reported(dataset, len(dataset.figures) + 1, "id")
    assert any(f"duplicate id '000-projects' (first at line {dataset.line_of('000-projects')})" in p for p in found)


@pytest.mark.parametrize(
    ("column", "bad"),
    [("unit", "parsec"), ("scope", "mars"), ("indicator", "happiness_index")],
)
def test_unknown_reference(dataset, column, bad):
    dataset.figure("000-projects")[column] = bad
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("000-projects"), column)
    assert any(f"{column}: '{bad}' is not an id in" in problem for problem in found)


@pytest.mark.parametrize(("column", "bad"), [("qualifier", "roughly"), ("status", "unsure"), ("nature", "hope")])
def test_unknown_vocabulary_term(dataset, column, bad):
    dataset.figure("000-projects")[column] = bad
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("000-projects"), column)
    assert any(f"'{bad}' is not one of:" in problem for problem in found)


def test_unknown_same_as_target(dataset):
    dataset.figure("003-beneficiaries")["same_as"] = "000-nothing-like-this"
    dataset.write()
    assert_reported(dataset, dataset.line_of("003-beneficiaries"), "same_as")


def test_same_as_with_other_period(dataset):
    dataset.figure("003-beneficiaries")["period"] = "2019"
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("003-beneficiaries"), "same_as")
    assert any("has period '2018/2019', this row '2019'" in problem for problem in found)


@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_non_finite_value(dataset, bad):
    dataset.figure("000-projects")["value"] = bad
    dataset.write()
    assert_reported(dataset, dataset.line_of("000-projects"), "value")


def test_negative_count(dataset):
    dataset.figure("000-projects")["value"] = "-1357"
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("000-projects"), "value")
    assert any("-1357 is below the minimum 0" in problem for problem in found)


def test_fractional_count(dataset):
    figure = dataset.figure("001-registered-poor")
    figure["value"] = "3365000.5"
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("001-registered-poor"), "value")
    assert any("not a whole number of person" in problem for problem in found)


@pytest.mark.parametrize("figure_id", ["000-aid-funds-industrial", "000-enterprise-investment"])
def test_corrected_or_flagged_without_note(dataset, figure_id):
    dataset.figure(figure_id)["note"] = " "
    dataset.write()
    found = assert_reported(dataset, dataset.line_of(figure_id), "note")
    status = dataset.figure(figure_id)["status"]
    assert any(f"status {status} needs a note" in problem for problem in found)


@pytest.mark.parametrize("period", ["2018-2019", "18", "2020-13", "2019/2018"])
def test_bad_period(dataset, period):
    dataset.figure("002-aid-funds-2011")["period"] = period
    dataset.write()
    assert_reported(dataset, dataset.line_of("002-aid-funds-2011"), "period")


def test_qualifier_contradicting_printed_marker(dataset):
    dataset.figure("003-vegetable-sales-daily")["qualifier"] = "more_than"  # printed 近万斤 = nearly
    dataset.write()
    assert_reported(dataset, dataset.line_of("003-vegetable-sales-daily"), "qualifier")


def test_header_only(dataset):
    dataset.tables["figures"] = []
    dataset.write()
    assert_reported(dataset, 2, "-")


def test_empty_reference_table(dataset):
    (dataset.path / "units.csv").write_text("\n\n", encoding="utf-8")
    assert_reported(dataset, 1, "-", file="units.csv")


def test_truncated_mid_quote(dataset):
    dataset.write(quoting=1)  # csv.QUOTE_ALL: a cut anywhere inside the last record is inside quotes
    path = dataset.path / "figures.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("3.5 km") + 3], encoding="utf-8")  # cut inside "3.5 km"
    found = assert_reported(dataset, dataset.line_of("002-roads"), "-")
    assert any("truncated" in problem for problem in found)


def test_truncated_wrong_field_count(dataset):
    path = dataset.path / "figures.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex(",3500,")], encoding="utf-8")  # last record ends after 4 fields
    found = assert_reported(dataset, dataset.line_of("002-roads"), "-")
    assert any("has 4 fields, the header has 16 (file truncated?)" in problem for problem in found)


def test_rows_are_physical_lines_with_multiline_quotes(dataset):
    dataset.figure("000-projects")["note"] = "first line\nsecond line"  # this record spans two lines
    dataset.figure("002-roads")["value"] = "35"
    dataset.write()
    # 002-roads is the 15th record; one earlier record spans an extra line
    assert_reported(dataset, dataset.line_of("002-roads") + 1, "value")


def test_problems_sorted_by_file_then_row(dataset):
    dataset.figure("002-roads")["value"] = "35"
    dataset.figure("000-projects")["value"] = "1"
    dataset.tables["units"][0]["title"] = ""
    dataset.write()
    found = validate(dataset.path)
    assert [(p.file, p.row) for p in found] == sorted((p.file, p.row) for p in found)
    assert len({p.file for p in found}) == 2


def test_validate_writes_nothing(dataset):
    before = {p: p.stat().st_mtime_ns for p in dataset.path.iterdir()}
    validate(dataset.path)
    assert {p: p.stat().st_mtime_ns for p in dataset.path.iterdir()} == before


def test_load_figures_types(dataset):
    figures = load_figures(dataset.path)
    assert figures["value"].dtype == float
    assert figures.loc[figures["id"] == "003-aid-funds-2018-2019", "value"].item() == 2_744_000_000
    assert (figures["location"] == "").sum() == 14  # empty optional strings are "", not NaN
    assert not figures.isna().any().any()
    assert isinstance(figures, pd.DataFrame)


def test_load_indicators_max_is_float(dataset):
    indicators = load_indicators(dataset.path)
    assert indicators.set_index("id").at["poverty_reduction_rate", "max"] == 1.0
    assert indicators["max"].isna().sum() == 10  # 12 fixture indicators, 2 with a maximum


def test_load_figures_refuses_invalid_data(dataset):
    dataset.figure("000-projects")["status"] = "unsure"
    dataset.write()
    with pytest.raises(DataError) as raised:
        load_figures(dataset.path)
    assert f"{dataset.file()}:{dataset.line_of('000-projects')}: status:" in str(raised.value)
