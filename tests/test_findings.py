"""Key findings: every number in a sentence is a named value from the data, in both languages."""

from __future__ import annotations

import re
import shutil

import pytest

from eastwest import findings, paths, report, words

REPORTS = list(findings.plan())
# Digits, and number words that would be a number typed by hand into a message.
NUMBER_WORDS_EN = r"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|billion|twice|half|dozen)\b"  # noqa: E501
NUMBER_WORDS_ZH = r"[两二三四五六七八九十百千万亿]"
DIGITS = r"[0-9０-９]"


@pytest.fixture(scope="module")
def data():
    return report.load(paths.DATA)


def _without_values(finding: findings.Finding, lang: str) -> str:
    """The sentence with every named value cut out: what is left was typed into the message file."""
    text = finding.text(lang)
    for value in sorted(finding.values.values(), key=lambda v: -len(v.text)):
        text = text.replace(value.text, " ")
    return text


@pytest.mark.parametrize("lang", words.LANGS)
@pytest.mark.parametrize("name", REPORTS)
def test_no_number_in_a_finding_is_typed_by_hand(data, name, lang):
    for finding in findings.for_report(data, name, lang):
        rest = _without_values(finding, lang)
        assert not re.search(DIGITS, rest), f"{finding.message} ({lang}) has a typed number: {rest!r}"
        pattern = NUMBER_WORDS_ZH if lang == "zh" else NUMBER_WORDS_EN
        assert not re.search(pattern, rest, re.IGNORECASE), f"{finding.message} ({lang}) has a number word: {rest!r}"


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_has_four_to_eight_findings_in_both_languages(data, name):
    counts = {lang: len(findings.for_report(data, name, lang)) for lang in words.LANGS}
    assert counts["en"] == counts["zh"]
    assert 4 <= counts["en"] <= 8, counts


@pytest.mark.parametrize("name", REPORTS)
def test_chinese_findings_carry_the_same_named_values_as_the_english(data, name):
    english = findings.for_report(data, name, "en")
    chinese = findings.for_report(data, name, "zh")
    for en, zh in zip(english, chinese, strict=True):
        assert {k: v.ids for k, v in en.values.items()} == {k: v.ids for k, v in zh.values.items()}
        for value in zh.values.values():
            assert value.text in zh.text("zh"), f"{zh.message}: {value.name} missing from the Chinese sentence"


def test_each_number_in_html_links_to_the_figure_and_shows_its_quote(data):
    finding = findings.for_report(data, "brief", "en")[0]
    html = str(finding.html("en"))
    value = finding.values["total"]
    assert f'href="#fig-{value.ids[0]}"' in html
    assert value.quote.replace("'", "&#39;")[:20] in html
    assert html.count('class="v"') == len(finding.values)


def test_a_flagged_figure_is_never_a_plain_value(data):
    flagged = data.figures.loc[data.figures["status"] == "flagged", "id"].iloc[0]
    with pytest.raises(findings.FindingError, match="flagged"):
        findings.resolve(data, "x", f"figure:{flagged}", "en")


def test_unknown_references_are_named(data):
    with pytest.raises(findings.FindingError, match="no-such-figure"):
        findings.resolve(data, "x", "figure:no-such-figure", "en")
    with pytest.raises(findings.FindingError, match="unknown kind"):
        findings.resolve(data, "x", "guess:42", "en")


def test_changing_a_figure_changes_the_sentence(tmp_path, monkeypatch):
    """A scratch copy of data/ and seeds/ with Beijing's 2020 aid printed as 1.856 billion."""
    seeds, data_dir = tmp_path / "seeds", tmp_path / "data"
    shutil.copytree(paths.SEEDS, seeds)
    shutil.copytree(paths.DATA, data_dir)
    seed = next(seeds.glob("000_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8").replace("1.756 billion", "1.856 billion"), encoding="utf-8")
    _refresh_checksums(seeds)
    figures = data_dir / "figures.csv"
    figures.write_text(
        figures.read_text(encoding="utf-8")
        .replace("1.756 billion", "1.856 billion")
        .replace(",1756000000,", ",1856000000,"),
        encoding="utf-8",
    )
    monkeypatch.setattr(paths, "SEEDS", seeds)
    changed = report.load(data_dir)
    sentence = findings.for_report(changed, "brief", "en")[0].text("en")
    assert "1.856 billion yuan" in sentence and "1.756" not in sentence
    assert "18.56亿元" in findings.for_report(changed, "brief", "zh")[0].text("zh")
    words.use_data(paths.DATA)


def _refresh_checksums(seeds):
    import hashlib

    sums = seeds / "SHA256SUMS"
    if sums.exists():
        lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(seeds.glob("*.txt"))]
        sums.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_readme_states_the_current_key_findings(data):
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    block = findings.readme_block(data)
    assert block in readme, "README.md's key findings are out of date: run `python -m eastwest.findings`"
    assert findings.with_readme_block(readme, block) == readme
