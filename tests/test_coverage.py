"""Seed coverage: numbers of a seed that no curated quote covers are warnings; the reviewed list must be sound."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eastwest import coverage

ROOT = Path(__file__).resolve().parent.parent
SEED = "900_test.txt"
TEXT = (
    "本篇文章120字\n"
    "In 2019 Beijing invested 1.5 billion yuan, benefiting more than 3,000 people.\n"
    "It also built 12 schools on May 9.\n"
)
HEADER = "seed,line,printed,reason,note\n"


@pytest.fixture()
def project(tmp_path):
    """A data/ and seeds/ pair: one seed, one figure quoting its second line, an empty reviewed list."""
    data, seeds = tmp_path / "data", tmp_path / "seeds"
    data.mkdir()
    seeds.mkdir()
    shutil.copy(ROOT / "data" / "datapackage.json", data)
    (seeds / SEED).write_text(TEXT, encoding="utf-8")
    with open(data / "figures.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "seed", "quote"])
        writer.writerow(["900-a", SEED, "Beijing invested 1.5 billion yuan, benefiting more than 3,000 people"])
    (data / "ignored_numbers.csv").write_text(HEADER, encoding="utf-8")
    return data, seeds


def _main(data: Path, seeds: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eastwest.coverage", "--data", str(data), "--seeds", str(seeds)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_counts_covered_numbers_and_warns_with_seed_and_line(project):
    data, seeds = project
    result = _main(data, seeds)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{seeds / SEED}: 2 of 4 numbers covered (0 listed")
    assert "2 dates, years and other non-figures not counted" in lines[0]  # 2019 and May 9
    assert lines[1:] == [
        f"{seeds / SEED}:1: number '120' is not covered by any figure",
        f"{seeds / SEED}:3: number '12' is not covered by any figure",
    ]


def test_a_listed_number_is_no_longer_a_warning_and_a_stale_row_is(project):
    data, seeds = project
    (data / "ignored_numbers.csv").write_text(HEADER + f"{SEED},1,120,page furniture,article length\n")
    result = _main(data, seeds)
    assert "1 listed" in result.stdout and "'120'" not in result.stdout
    (data / "ignored_numbers.csv").write_text(HEADER + f'{SEED},1,120,page furniture,\n{SEED},2,"3,000",date,\n')
    result = _main(data, seeds)
    assert result.returncode == 0
    assert f"ignored_numbers.csv:3: -: '3,000' on line 2 of {SEED} is covered by a figure" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + f"{SEED},1,120,because,\n", ":2: reason: 'because' is not one of: page furniture"),
        (HEADER + "901_missing.txt,1,120,address,\n", ":2: seed: '901_missing.txt' is not a file in"),
        (HEADER + f"{SEED},9,120,address,\n", ":2: line: '9' is not a line number of 900_test.txt (1 to 4)"),
        (HEADER + f"{SEED},2,120,address,\n", ":2: printed: '120' is not on line 2 of 900_test.txt"),
        (HEADER + f"{SEED},1,,address,\n", ":2: printed: required value is missing"),
        (HEADER + f"{SEED},2,3,000,date,\n", ":2: -: has 6 fields, the header has 5"),
        ("seed,line,reason\n" + f"{SEED},1,date\n", ":1: printed:"),
        (HEADER + f"{SEED},1,120,address,\n{SEED},1,120,date,\n", ":3: printed: listed twice (first at line 2)"),
    ],
)
def test_a_broken_reviewed_list_fails_with_file_row_column(project, content, expected):
    data, seeds = project
    (data / "ignored_numbers.csv").write_text(content, encoding="utf-8")
    result = _main(data, seeds)
    assert result.returncode == 1
    assert f"{data / 'ignored_numbers.csv'}{expected}" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_quote_covers_every_place_it_matches():
    text = "Sent 5,229 people. Sent 5,229 people. Sent 17 people."
    result = coverage.seed_coverage("s.txt", text, ["Sent 5,229 people"], set())
    assert [n.start for n in result.covered] == [5, 24]
    assert [n.printed for n in result.uncovered] == ["17"]


def test_real_seeds_reviewed_list_is_current():
    """Every row of data/ignored_numbers.csv names a number that no figure covers, on its seed's line."""
    results, problems, stale = coverage.check()
    assert problems == []
    assert stale == []
    assert {result.seed for result in results} == {path.name for path in (ROOT / "seeds").glob("*.txt")}
    for result in results:
        assert result.total == len(result.covered) + len(result.ignored) + len(result.uncovered) > 0
