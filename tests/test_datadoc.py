"""data/README.md is generated from the data; it must be current and list every correction and flag."""

from __future__ import annotations

import csv
import shutil

import pytest

from eastwest import datadoc, paths


def test_data_readme_is_current():
    assert datadoc.main(["--check"]) == 0, "run `python -m eastwest.datadoc` and commit data/README.md"


def test_every_correction_and_flag_is_listed_with_its_evidence():
    text = datadoc.render()
    with paths.FIGURES_CSV.open(encoding="utf-8", newline="") as handle:
        marked = [row for row in csv.DictReader(handle) if row["status"] in {"corrected", "flagged"}]
    assert marked, "the real data has corrections and flags"
    section = text.split("## Corrections and flags", 1)[1].split("\n## ", 1)[0]
    for row in marked:
        line = next(line for line in section.splitlines() if f"`{row['id']}`" in line)
        assert row["status"] in line and row["note"][:40].replace("|", "\\|") in line


def test_pipes_in_notes_do_not_break_the_table(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    rows = list(csv.DictReader((data / "figures.csv").open(encoding="utf-8", newline="")))
    target = next(row for row in rows if row["status"] == "flagged")
    target["note"] = "left | right"
    with (data / "figures.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    line = next(line for line in datadoc.render(data).splitlines() if f"`{target['id']}`" in line)
    assert "left \\| right" in line and line.count(" | ") == 4


def _copy_of_the_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    return data


def test_a_cut_off_table_is_named_with_its_line_and_the_readme_is_left_alone(tmp_path, monkeypatch, capsys):
    data = _copy_of_the_data(tmp_path)
    figures = data / "figures.csv"
    lines = figures.read_bytes().count(b"\n")
    with figures.open("a", encoding="utf-8") as handle:
        handle.write('999,"a quote that never ends\n')
    readme = (data / "README.md").read_bytes()
    with pytest.raises(datadoc.DataProblems) as caught:
        datadoc.render(data)
    assert f"figures.csv:{lines + 1}: -: record cut off or badly quoted" in str(caught.value)

    monkeypatch.setattr(paths, "DATA", data)
    for args in (["--check"], []):
        assert datadoc.main(args) == 1
        err = capsys.readouterr().err
        assert f"figures.csv:{lines + 1}: -: record cut off" in err and "Traceback" not in err
        assert "problem(s) in the data, so " in err and "README.md was not" in err
    assert (data / "README.md").read_bytes() == readme


def test_a_missing_table_or_column_is_named(tmp_path):
    data = _copy_of_the_data(tmp_path)
    (data / "units.csv").unlink()
    text = (data / "figures.csv").read_text(encoding="utf-8")
    (data / "figures.csv").write_text(text.replace(",status,", ",state,", 1), encoding="utf-8")
    with pytest.raises(datadoc.DataProblems) as caught:
        datadoc.render(data)
    shown = [str(problem) for problem in caught.value.problems]
    assert any(line.endswith("units.csv:1: -: file is missing") for line in shown), shown
    assert any(line.endswith("figures.csv:1: status: required column is missing from the header") for line in shown)
