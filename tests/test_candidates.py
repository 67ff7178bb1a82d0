"""make candidates: every number of a new article proposed with the value, unit and qualifier the parser reads."""

from __future__ import annotations

import csv
import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eastwest import candidates
from eastwest.numbers import parse_printed

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = Path(__file__).resolve().parent / "articles"

# What a curator would copy from each test article: (printed, value, unit, qualifier) of every figure.
ENGLISH_FIGURES = [
    ("1.769 billion yuan", 1769000000, "yuan", "exact"),
    ("12.5%", 0.125, "fraction", "exact"),
    ("506,000", 506000, "", "exact"),
    ("14", 14, "", "exact"),
    ("More than 2,300", 2300, "", "more_than"),
    ("nearly 4.5 million yuan", 4500000, "yuan", "nearly"),
    ("At least 120", 120, "", "at_least"),
    ("8,950", 8950, "", "exact"),
    ("61.4%", 0.614, "fraction", "exact"),
    ("3.25 billion yuan", 3250000000, "yuan", "exact"),
    ("over 40%", 0.4, "fraction", "more_than"),
    ("about 12,000 mu", 12000, "mu", "about"),
    ("11,260 yuan", 11260, "yuan", "exact"),
    ("9", 9, "", "exact"),
]
ENGLISH_OTHERS = [
    ("March 18, 2021", "date"), ("2020", "year"), ("2019", "year"), ("June 2020", "date"), ("2nd", "ordinal"),
    ("1 January 2021", "date"), ("14th", "ordinal"), ("0931-8765432", "phone"), ("Page 2 of 2", "page"),
]  # fmt: skip
CHINESE_FIGURES = [
    ("27.44亿元", 2744000000, "yuan", "exact"),
    ("12.5%", 0.125, "fraction", "exact"),
    ("15180万元", 151800000, "yuan", "exact"),
    ("14", 14, "", "exact"),
    ("30多万", 300000, "", "more_than"),
    ("超过18万", 180000, "", "more_than"),
    ("近3000", 3000, "", "nearly"),
    ("1.2万余", 12000, "", "more_than"),
    ("约5.6万吨", 56000, "tonne", "about"),
    ("8.3亿多元", 830000000, "yuan", "more_than"),
    ("260多", 260, "", "more_than"),
    ("至少4500", 4500, "", "at_least"),
    ("61.4%", 0.614, "fraction", "exact"),
]
CHINESE_OTHERS = [
    ("2021年3月18日", "date"), ("2020", "year"), ("2019", "year"), ("第3", "ordinal"), ("2020年9月", "date"),
    ("023-63891234", "phone"), ("第2页", "page"),
]  # fmt: skip


def _rows(name: str) -> list[dict[str, str]]:
    return candidates.candidates((ARTICLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "figures", "others"),
    [("pairing_en.txt", ENGLISH_FIGURES, ENGLISH_OTHERS), ("pairing_zh.txt", CHINESE_FIGURES, CHINESE_OTHERS)],
)
def test_every_number_is_proposed_with_its_value_unit_and_qualifier(name, figures, others):
    rows = _rows(name)
    proposed = [(r["printed"], float(r["value"]), r["unit"], r["qualifier"]) for r in rows if r["kind"] == "figure"]
    assert proposed == [(printed, pytest.approx(value), unit, q) for printed, value, unit, q in figures]
    assert [(r["printed"], r["kind"]) for r in rows if r["kind"] != "figure"] == others


@pytest.mark.parametrize("name", ["pairing_en.txt", "pairing_zh.txt"])
def test_quotes_are_verbatim_clauses_the_validator_accepts(name):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    for row in candidates.candidates(text):
        assert row["quote"] in text, row
        assert row["printed"] in row["quote"], row
        assert "\n" not in row["quote"]
        if row["kind"] == "figure":
            parsed = parse_printed(row["printed"], row["unit"] or "person")
            assert float(row["value"]) == pytest.approx(parsed.value)


def test_quote_is_the_clause_not_the_whole_sentence():
    rows = _rows("pairing_en.txt")
    by_printed = {row["printed"]: row["quote"] for row in rows}
    assert by_printed["More than 2,300"] == "More than 2,300 cadres and teachers were exchanged"
    assert by_printed["nearly 4.5 million yuan"] == "and nearly 4.5 million yuan was spent on their training."
    assert _rows("pairing_zh.txt")[5]["quote"] == "其中产业项目资金15180万元。"


def test_names_and_addresses_are_not_numbers():
    text = "[ad_1] COVID-19 spread; see http://www.example.cn/news/3298.html (Editor: DF527) and G7 talks."
    assert candidates.find_numbers(text) == []
    assert [n.printed for n in candidates.find_numbers("our cityCounterpart assistance82 counties")] == ["82"]


def test_year_after_a_marker_ends_its_clause():
    rows = candidates.candidates("Funds grew by 14.6% over 2019, and more than 2000 people found jobs.")
    assert [(r["printed"], r["kind"]) for r in rows] == [
        ("14.6%", "figure"), ("2019", "year"), ("more than 2000", "figure"),
    ]  # fmt: skip


def test_docstring_examples():
    assert doctest.testmod(candidates).failed == 0


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eastwest.candidates", *args],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60,
    )  # fmt: skip


def test_command_writes_the_csv_and_one_summary_line(tmp_path):
    result = _run(str(ARTICLES / "pairing_zh.txt"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert "20 numbers" in result.stdout and "13 figure" in result.stdout
    with open(tmp_path / "pairing_zh.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == candidates.COLUMNS
        assert list(reader) == _rows("pairing_zh.txt")
    assert [p.name for p in tmp_path.iterdir()] == ["pairing_zh.csv"]  # no temporary file left


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "latin1.txt", (d / "latin1.txt").write_bytes("Zürich 5 Mio.".encode("latin-1")))[0], "UTF-8"),
    ],
)
def test_unreadable_article_is_one_sentence_and_exit_1(tmp_path, make_input, message):
    out = tmp_path / "out"
    out.mkdir()
    (out / "latin1.csv").write_text("kept\n")
    result = _run(str(make_input(tmp_path)), "--out", str(out))
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert (out / "latin1.csv").read_text() == "kept\n"  # an earlier result is not touched


def test_make_candidates_takes_seed_raw(tmp_path):
    marker = tmp_path / "expanded"
    result = subprocess.run(
        ["make", "--no-print-directory", "candidates", f"SEED=$(shell touch {marker})x.txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "no such file" in result.stderr
    assert not marker.exists()
    assert _run("--from-make", env={"EASTWEST_SEED": ""}).returncode == 1
