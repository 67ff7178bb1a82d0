"""data/quote_glosses.csv: one Chinese gloss for the quote of every figure whose source is not in Chinese.

The Chinese edition prints the gloss beside an English quote as the report's own translation; a figure
without one would show an English quote with nothing a Chinese reader can use, and a gloss for a figure
that no longer exists would never be shown.
"""

from __future__ import annotations

import csv
import json
import re

import frictionless
import pytest

from eastwest import paths
from eastwest.schema_imports import preload_jsonschema

CJK = re.compile(r"[\u4e00-\u9fff]")


def _rows(name: str) -> list[dict[str, str]]:
    with open(paths.DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _sources() -> dict[str, dict]:
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    return {source["path"].rsplit("/", 1)[-1]: source for source in package["sources"]}


def test_every_source_states_its_language_and_whether_it_is_machine_translated():
    for seed, source in _sources().items():
        assert source.get("language") in {"en", "zh"}, seed
        assert isinstance(source.get("machine_translation"), bool), seed
        assert source.get("title_zh") and source.get("publisher_zh") and source.get("date"), seed


def test_every_quote_not_in_chinese_has_one_gloss_and_no_gloss_is_stray():
    sources = _sources()
    figures = _rows("figures.csv")
    need = {row["id"] for row in figures if sources[row["seed"]]["language"] != "zh"}
    chinese = {row["id"] for row in figures} - need
    glossed = [row["figure_id"] for row in _rows("quote_glosses.csv")]
    assert len(glossed) == len(set(glossed)), "a figure is glossed twice"
    assert sorted(need - set(glossed)) == [], "figures with an English quote but no gloss"
    assert sorted(set(glossed) & chinese) == [], "glosses for quotes that are already Chinese"
    assert sorted(set(glossed) - need - chinese) == [], "glosses for figures that do not exist"


def test_glosses_are_chinese_and_keep_the_quote_numbers_as_numbers():
    quotes = {row["id"]: row["quote"] for row in _rows("figures.csv")}
    for row in _rows("quote_glosses.csv"):
        gloss = row["gloss_zh"]
        assert CJK.search(gloss), row["figure_id"]
        assert not re.search(r"[A-Za-z]{3,}", gloss), f"{row['figure_id']}: English left in the gloss"
        if re.search(r"\d", quotes[row["figure_id"]]):
            assert re.search(r"\d", gloss), f"{row['figure_id']}: the quote's number is missing from the gloss"


@pytest.mark.parametrize("stray", [None, "999-no-such-figure"])
def test_the_descriptor_checks_the_key_to_figures(tmp_path, stray):
    """The schema in datapackage.json (unique key, foreign key to figures.id) holds, and catches a stray id."""
    for name in ("datapackage.json", "figures.csv", "quote_glosses.csv"):
        (tmp_path / name).write_bytes((paths.DATA / name).read_bytes())
    if stray:
        with open(tmp_path / "quote_glosses.csv", "a", encoding="utf-8", newline="") as handle:
            handle.write(f"{stray},测试\n")
    preload_jsonschema()
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in {"figures", "quote_glosses"}]
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    figures["schema"].pop("foreignKeys")  # they point at tables left out here
    package = frictionless.Package(descriptor, basepath=str(tmp_path))
    errors = package.get_resource("quote_glosses").validate().tasks[0].errors
    if stray:
        assert [error.type for error in errors] == ["foreign-key"]
        assert stray in errors[0].message
    else:
        assert errors == []
