"""data/README.md is generated from the data; it must be current and list every correction and flag."""

from __future__ import annotations

import csv
import shutil

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
