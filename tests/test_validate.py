"""The validator names file, row and column for each class of bad input, and passes valid data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from eastwest import paths
from eastwest import validate as validate_module
from eastwest.dataset import load_figures, load_indicators
from eastwest.numbers import VALUE_FORMAT
from eastwest.validate import CACHE_FILE_NAME, DataError, validate, validate_cached, validation_key
from eastwest.vocabulary import FALLBACK_LATEST_YEAR, PLAN_HORIZON_YEARS, latest_year, parse_period
from tests.conftest import S004


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
        "\n".join(line.rsplit(",", 1)[0] for line in (dataset.path / "figures.csv").read_text().splitlines()) + "\n",
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
    (dataset.path / "figures.csv").write_bytes(b'id,seed\n\xff\xfe\x00garbage,"\n')
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


# ---- the schema check: Frictionless's errors, and the links to figures.id checked here --------------------


def corrupt_in_every_schema_way(dataset) -> None:
    """Type, enum, minimum, pattern, required, unique, primary-key and foreign-key errors, a blank line and a
    row of empty cells, in one figures.csv."""
    dataset.figure("000-projects").update(value="1,357", qualifier="roughly")
    dataset.figure("002-roads").update(value="-3500", scope="mars")
    dataset.figure("000-beneficiaries").update(id="000-Beneficiaries", period="")
    dataset.figure("003-beneficiaries")["same_as"] = "000-nothing-like-this"
    dataset.figure("004-employed-poor")["unit"] = "parsec"
    dataset.figures.extend(dict(dataset.figure("000-projects")) for _ in range(2))  # three rows, one id
    dataset.write()
    descriptor = json.loads((dataset.path / "datapackage.json").read_text(encoding="utf-8"))
    figures = next(resource for resource in descriptor["resources"] if resource["name"] == "figures")
    quote = next(field for field in figures["schema"]["fields"] if field["name"] == "quote")
    quote["constraints"]["unique"] = True  # the two 001-registered-poor rows share their quote
    (dataset.path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    path = dataset.path / "figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "\n")  # a blank line before the third figure
    lines.append("," * 15 + "\n")  # sixteen empty cells
    path.write_text("".join(lines), encoding="utf-8")


def test_every_kind_of_schema_error_is_reported_with_file_row_and_column(dataset, monkeypatch):
    corrupt_in_every_schema_way(dataset)
    ours = problems_of(dataset)
    monkeypatch.setattr(validate_module, "FIGURE_LINKS", ())  # Frictionless checks the links to figures.id too
    assert problems_of(dataset) == ours  # and reports them in the same words, on the same rows
    file = dataset.file()
    # line numbers count the blank line 4: the n-th fixture figure is on line n + 2 from the third on
    projects = dataset.line_of("000-projects") + 1
    last = len(dataset.figures) + 2
    for expected in [
        f"{file}:{projects}: value: '1,357' is not a valid number: write {VALUE_FORMAT}",
        f"{file}:{projects}: qualifier: 'roughly' is not one of: exact, about, nearly, more_than, at_least, "
        "not_less_than, less_than, at_most",
        f"{file}:{dataset.line_of('002-roads') + 1}: value: -3500 is below the minimum 0",
        f"{file}:{dataset.line_of('002-roads') + 1}: scope: 'mars' is not an id in scopes.csv (id)",
        f"{file}:{dataset.line_of('003-beneficiaries') + 1}: same_as: '000-nothing-like-this' is not an id in "
        "figures.csv (id)",
        f"{file}:{dataset.line_of('000-Beneficiaries') + 1}: period: required value is missing",
        f"{file}:{last - 1}: id: duplicate id '000-projects' (first at line {projects})",
        f"{file}:{last}: id: duplicate id '000-projects' (first at line {last - 1})",  # the previous one
        f"{file}:{dataset.line_of('001-registered-poor-remaining') + 1}: quote: duplicate quote "
        f"'fell from 3,365 million to 79,500 People' (first at line {dataset.line_of('001-registered-poor') + 1})",
        f"{file}:{last + 1}: id: duplicate id ''",  # the row of empty cells reports only its missing key
        f"{file}:4: -: blank line",
    ]:
        assert expected in ours
    assert not any(problem.startswith(f"{file}:{last + 1}: seed: required") for problem in ours)
    assert any(problem.startswith(f"{file}:{dataset.line_of('000-Beneficiaries') + 1}: id: '000-Beneficiaries'"
                                  " does not match the pattern") for problem in ours)  # fmt: skip


def test_links_to_figures_are_each_reported_once_with_file_row_and_column(dataset):
    dataset.figure("003-beneficiaries")["same_as"] = "000-nothing-like-this"
    dataset.write()
    write_glosses(dataset, ["000-projects,实施的1357个项目", "000-nothing,无"])
    assert problems_of(dataset) == [
        f"{dataset.file()}:{dataset.line_of('003-beneficiaries')}: same_as: '000-nothing-like-this' is not an id in "
        "figures.csv (id)",
        f"{dataset.file('quote_glosses.csv')}:3: figure_id: '000-nothing' is not an id in figures.csv (id)",
    ]


def test_blank_line_in_figures_is_reported_not_a_crash(dataset):
    path = dataset.path / "figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:2] + ["\n"] + lines[2:]), encoding="utf-8")  # line 3 is blank
    assert problems_of(dataset) == [f"{dataset.file()}:3: -: blank line"]


def test_signalling_nan_is_not_a_number(dataset):
    dataset.figure("000-projects")["value"] = "sNaN"  # Decimal reads it, then cannot compare it with 0
    dataset.write()
    found = problems_of(dataset)
    line = dataset.line_of("000-projects")
    assert found == [f"{dataset.file()}:{line}: value: 'sNaN' is not a valid number: write {VALUE_FORMAT}"]


def test_seed_name_too_long_for_the_file_system(dataset):
    dataset.figure("002-roads")["seed"] = "002_" + "a" * 300 + ".txt"
    dataset.write()
    found = assert_reported(dataset, dataset.line_of("002-roads"), "seed")
    assert any("is not a file in seeds/" in problem for problem in found)


# ---- the persistent record of data that passed ------------------------------------------------------


def test_validate_cached_records_passing_data_and_skips_it_next_time(dataset, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    assert validate_cached(dataset.path, cache_dir=cache) == []
    record = json.loads((cache / CACHE_FILE_NAME).read_text(encoding="utf-8"))
    assert record["passed"] == [validation_key(dataset.path)]
    assert [path.name for path in cache.iterdir()] == [CACHE_FILE_NAME]  # no temporary file left behind

    def fail(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(validate_module, "validate", fail)
    assert validate_cached(dataset.path, cache_dir=cache) == []  # answered from the record


def test_validate_cached_never_records_a_failure(dataset, tmp_path):
    cache = tmp_path / "cache"
    assert validate_cached(dataset.path, cache_dir=cache) == []
    dataset.figure("000-projects")["status"] = "unsure"
    dataset.write()
    found = [str(problem) for problem in validate_cached(dataset.path, cache_dir=cache)]
    assert any(f":{dataset.line_of('000-projects')}: status: 'unsure'" in problem for problem in found)
    assert len(json.loads((cache / CACHE_FILE_NAME).read_text(encoding="utf-8"))["passed"]) == 1
    assert validate_cached(dataset.path, cache_dir=cache) != []  # reported again, in full


def test_validation_key_follows_data_seeds_and_code(dataset, tmp_path, monkeypatch):
    seeds = tmp_path / "seeds"
    shutil.copytree(paths.SEEDS, seeds)
    key = validation_key(dataset.path, seeds)
    assert validation_key(dataset.path, seeds) == key
    (dataset.path / "units.csv").write_text((dataset.path / "units.csv").read_text() + "\n", encoding="utf-8")
    assert validation_key(dataset.path, seeds) != key
    key = validation_key(dataset.path, seeds)
    (seeds / S004).write_bytes((seeds / S004).read_bytes() + b" ")
    assert validation_key(dataset.path, seeds) != key
    key = validation_key(dataset.path, seeds)
    monkeypatch.setattr(validate_module, "VALIDATOR_MODULES", ("paths", "csvfile", "numbers", "plausibility"))
    assert validation_key(dataset.path, seeds) != key  # validate.py's own source is part of the key


def test_unreadable_record_means_validating(dataset, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE_NAME).write_text("{not json", encoding="utf-8")
    dataset.figure("000-projects")["value"] = "1"
    dataset.write()
    assert validate_cached(dataset.path, cache_dir=cache) != []


def test_load_figures_shares_the_record(dataset, validation_cache_in_tmp):
    load_figures(dataset.path)
    record = json.loads((validation_cache_in_tmp / CACHE_FILE_NAME).read_text(encoding="utf-8"))
    assert validation_key(dataset.path) in record["passed"]


def test_validate_in_process_leaves_rfc3987_syntax_importable(dataset):
    script = (
        "import sys\n"
        "from eastwest.validate import validate\n"
        f"assert validate({str(dataset.path)!r}) == []\n"
        "assert 'jsonschema' in sys.modules and 'rfc3987_syntax' not in sys.modules\n"
        "import rfc3987_syntax\n"  # still importable by anyone who needs it
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stderr


# ---- issue 13: one value reader, links without loops, plausible periods, optional resources ----------


def test_cli_value_with_underscores_is_a_problem_not_a_crash_later(dataset):
    dataset.figure("000-aid-funds-2018-2019")["value"] = "2_740_000_000"  # Python's float() reads it
    dataset.write()
    result = run_cli(dataset)
    assert result.returncode == 1
    line = dataset.line_of("000-aid-funds-2018-2019")
    assert result.stdout.splitlines() == [
        f"{dataset.file()}:{line}: value: '2_740_000_000' is not a valid number: write {VALUE_FORMAT}"
    ]
    assert "Traceback" not in result.stderr
    with pytest.raises(DataError):
        load_figures(dataset.path)


def indicator(dataset, indicator_id: str) -> dict[str, str]:
    return next(row for row in dataset.tables["indicators"] if row["id"] == indicator_id)


def indicator_line(dataset, indicator_id: str) -> int:
    return 2 + [row["id"] for row in dataset.tables["indicators"]].index(indicator_id)


def test_part_of_pointing_at_itself(dataset):
    indicator(dataset, "aid_funds")["part_of"] = "aid_funds"
    dataset.write()
    line = indicator_line(dataset, "aid_funds")
    assert f"{dataset.file('indicators.csv')}:{line}: part_of: points at the indicator itself" in problems_of(dataset)


def test_part_of_loop_of_two_and_of_three(dataset):
    indicator(dataset, "aid_funds")["part_of"] = "aid_funds_industrial"  # aid_funds_industrial → aid_funds
    indicator(dataset, "registered_poor")["part_of"] = "employed_poor"  # employed_poor → remaining
    indicator(dataset, "employed_poor")["part_of"] = "registered_poor_remaining"  # remaining → registered_poor
    dataset.write()
    file = dataset.file("indicators.csv")
    found = [p for p in problems_of(dataset) if p.startswith(file)]
    assert found == sorted(
        [
            f"{file}:{indicator_line(dataset, 'aid_funds')}: part_of: 'aid_funds_industrial' makes a loop of "
            "part_of links: aid_funds → aid_funds_industrial → aid_funds",
            f"{file}:{indicator_line(dataset, 'aid_funds_industrial')}: part_of: 'aid_funds' makes a loop of "
            "part_of links: aid_funds_industrial → aid_funds → aid_funds_industrial",
            f"{file}:{indicator_line(dataset, 'registered_poor')}: part_of: 'employed_poor' makes a loop of "
            "part_of links: registered_poor → employed_poor → registered_poor_remaining → registered_poor",
            f"{file}:{indicator_line(dataset, 'registered_poor_remaining')}: part_of: 'registered_poor' makes a "
            "loop of part_of links: registered_poor_remaining → registered_poor → employed_poor → "
            "registered_poor_remaining",
            f"{file}:{indicator_line(dataset, 'employed_poor')}: part_of: 'registered_poor_remaining' makes a "
            "loop of part_of links: employed_poor → registered_poor_remaining → registered_poor → employed_poor",
        ],
        key=lambda problem: int(problem.split(":")[1]),
    )


def test_part_of_chain_without_loop_passes(dataset):
    indicator(dataset, "aid_funds")["part_of"] = "enterprise_investment"  # a → b → c, no way back
    dataset.write()
    assert [p for p in problems_of(dataset) if "indicators.csv" in p] == []


def test_part_of_naming_no_indicator(dataset):
    indicator(dataset, "projects")["part_of"] = "no_such_indicator"
    dataset.write()
    line = indicator_line(dataset, "projects")
    assert (
        f"{dataset.file('indicators.csv')}:{line}: part_of: 'no_such_indicator' is not an id in indicators.csv (id)"
        in problems_of(dataset)
    )


def test_same_as_loop(dataset):
    dataset.figure("000-aid-funds-2018-2019")["same_as"] = "003-aid-funds-2018-2019"  # which points back
    dataset.write()
    found = problems_of(dataset)
    for figure_id, other in [("000-aid-funds-2018-2019", "003-aid-funds-2018-2019"),
                             ("003-aid-funds-2018-2019", "000-aid-funds-2018-2019")]:  # fmt: skip
        assert (
            f"{dataset.file()}:{dataset.line_of(figure_id)}: same_as: {other!r} makes a loop of same_as links: "
            f"{figure_id} → {other} → {figure_id}"
        ) in found


def test_same_as_pointing_at_itself(dataset):
    dataset.figure("003-beneficiaries")["same_as"] = "003-beneficiaries"
    dataset.write()
    line = dataset.line_of("003-beneficiaries")
    assert f"{dataset.file()}:{line}: same_as: points at the figure itself" in problems_of(dataset)


@pytest.mark.parametrize("period", ["0000", "2199", "1977", "2011/2199", "0000-01", "2011-01/2199-12"])
def test_impossible_year_in_period(dataset, period):
    dataset.figure("002-aid-funds-2011")["period"] = period
    dataset.write()
    line = dataset.line_of("002-aid-funds-2011")
    found = [p for p in problems_of(dataset) if f":{line}: period: " in p]
    year = next(y for y in period.replace("/", "-").split("-") if y in ("0000", "2199", "1977"))
    latest = latest_year(json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8")))
    assert found == [
        f"{dataset.file()}:{line}: period: {period!r}: year {year} is outside the plausible years 1978–{latest}"
    ]


def test_period_years_at_the_bounds_pass(dataset):
    descriptor = json.loads((dataset.path / "datapackage.json").read_text(encoding="utf-8"))
    latest = latest_year(descriptor)
    dataset.figure("002-aid-funds-2011")["period"] = f"1978/{latest}"
    dataset.write()
    assert problems_of(dataset) == []


def test_latest_year_is_the_newest_source_plus_the_plan_horizon():
    sources = [{"date": "2011"}, {"date": "2022-06-02"}, {"date": "2020-05"}, {"title": "undated"}]
    assert latest_year({"sources": sources}) == 2022 + PLAN_HORIZON_YEARS
    assert latest_year({"sources": [{"title": "undated"}]}) == FALLBACK_LATEST_YEAR
    assert latest_year(None) == FALLBACK_LATEST_YEAR


def test_the_real_data_lies_in_the_plausible_years():
    descriptor = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert latest_year(descriptor) >= 2022  # the newest source is of 2022
    for row in load_figures().itertuples():
        period = parse_period(row.period)
        assert 1978 <= period.start_year <= period.end_year <= latest_year(descriptor)


def write_glosses(dataset, rows: list[str]) -> None:
    (dataset.path / "quote_glosses.csv").write_text("figure_id,gloss_zh\n" + "".join(r + "\n" for r in rows))


def test_quote_glosses_checked_when_present(dataset):
    descriptor = json.loads((dataset.path / "datapackage.json").read_text(encoding="utf-8"))
    if "quote_glosses" not in {resource["name"] for resource in descriptor["resources"]}:
        pytest.skip("data/datapackage.json does not describe quote_glosses yet")
    write_glosses(dataset, ["000-projects,实施的1357个项目", "002-roads,修建道路3.5公里"])
    assert problems_of(dataset) == []
    write_glosses(dataset, ["000-projects,实施的1357个项目", "000-projects,又一次", "000-nothing,无", "002-roads,  "])
    file = dataset.file("quote_glosses.csv")
    assert problems_of(dataset) == [
        f"{file}:3: figure_id: duplicate figure_id '000-projects' (first at line 2)",
        f"{file}:4: figure_id: '000-nothing' is not an id in figures.csv (id)",
        f"{file}:5: gloss_zh: the gloss is blank (only spaces)",
    ]


def test_extra_resource_is_optional_and_checked_when_present(dataset):
    descriptor = json.loads((dataset.path / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append(
        {
            "name": "notes_extra", "path": "notes_extra.csv", "profile": "tabular-data-resource",
            "schema": {"fields": [{"name": "id", "type": "string"}, {"name": "count", "type": "integer"}]},
        }
    )  # fmt: skip
    (dataset.path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert problems_of(dataset) == []  # described, not there: optional
    (dataset.path / "notes_extra.csv").write_text("id,count\na,1\nb,two\n", encoding="utf-8")
    assert problems_of(dataset) == [f"{dataset.file('notes_extra.csv')}:3: count: 'two' is not a valid integer"]
    result = run_cli(dataset)
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_one_group_puts_every_figure_in_one_scope_and_period(tmp_path):
    from bench.synthetic import one_group, read_rows

    data, seeds = one_group(tmp_path, 500)
    rows = read_rows(data / "figures.csv")[1]
    assert len(rows) == 500 and len({row["id"] for row in rows}) == 500
    assert {(row["scope"], row["period"]) for row in rows} == {("beijing-inner-mongolia", "2019")}
    found = validate(data, seeds)
    assert found and all(problem.file.endswith("figures.csv") for problem in found)  # groups the real data never has
    assert not any(problem.column in ("id", "quote", "same_as", "seed") for problem in found)


@pytest.mark.parametrize("text", ["1_0", " 1", "inf", "one"])
def test_indicator_max_is_read_as_values_are(dataset, text):
    indicator(dataset, "poverty_reduction_rate")["max"] = text
    dataset.write()
    line = indicator_line(dataset, "poverty_reduction_rate")
    assert problems_of(dataset) == [
        f"{dataset.file('indicators.csv')}:{line}: max: {text!r} is not a valid number: write {VALUE_FORMAT}"
    ]
    with pytest.raises(DataError):
        load_indicators(dataset.path)
