"""Reader text in each language: message files, and numbers formatted by Babel.

Every sentence a reader sees is a message in `eastwest/messages/*.toml`, keyed by name, with one
text per language:

    [finding.aid_2018_2019]
    en = "Beijing put {amount} into Inner Mongolia in {period}."
    zh = "{period}，北京市投入财政帮扶资金{amount}。"

`text(key, lang, **values)` fills the placeholders. A placeholder may carry a format spec that
says how to word a raw value in the language asked for: `{share:percent}`, `{n:count}`,
`{money:amount:yuan}`, `{ind:indicator}`, `{p:period}`; values given as strings are used as they
are. A message may also be a table of plural forms (`one`, `other`, chosen by Babel's plural
rules for the value named `count`).

Numbers follow one precision rule in both languages: at most four significant digits, trailing
zeros dropped, amounts of a million or more in words ("2.744 billion yuan") in English and in
万/亿 in Chinese ("27.44亿元"), percentages with at most one decimal ("97.6%").
"""

from __future__ import annotations

import functools
import json
import math
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

from eastwest.numbers import MEASURED_UNITS

LANGS = ("en", "zh")
LOCALES = {"en": "en", "zh": "zh_CN"}
MESSAGES_DIR = Path(__file__).with_name("messages")
SIGNIFICANT = 4


class MessageError(KeyError):
    """A message key that no message file defines, or a language it lacks."""


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid values: {', '.join(LANGS)}")
    return lang


# ---- message files --------------------------------------------------------------------------------


def _flatten(table: Mapping, prefix: str, out: dict[str, dict], source: str) -> None:
    """Nested TOML tables → dotted keys; a table holding language keys is one message."""
    if any(lang in table for lang in LANGS):
        if prefix in out:
            raise ValueError(f"message {prefix!r} is defined twice ({source} and {out[prefix]['_file']})")
        out[prefix] = {**table, "_file": source}
        return
    for name, value in table.items():
        if not isinstance(value, Mapping):
            raise ValueError(f"{source}: {prefix}.{name} is not a message table with en/zh texts")
        _flatten(value, f"{prefix}.{name}" if prefix else name, out, source)


@functools.cache
def messages(directory: Path = MESSAGES_DIR) -> dict[str, dict]:
    """Every message of every file in `directory`, keyed by its dotted name."""
    out: dict[str, dict] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        with open(path, "rb") as handle:
            _flatten(tomllib.load(handle), "", out, path.name)
    return out


def missing_translations(directory: Path = MESSAGES_DIR) -> list[str]:
    """'key: lang' for every message that lacks a language (should be none)."""
    return [f"{key}: {lang}" for key, entry in messages(directory).items() for lang in LANGS if lang not in entry]


def has(key: str) -> bool:
    return key in messages()


def template(key: str, lang: str, /, **values) -> str:
    """The raw text of message `key` in `lang` (the plural form chosen by `count`, if it has forms)."""
    return _template(key, lang, values)


def _template(key: str, lang: str, values: Mapping) -> str:
    try:
        entry = messages()[key][check_lang(lang)]
    except KeyError:
        raise MessageError(f"no {lang} text for message {key!r}") from None
    if isinstance(entry, Mapping):  # plural forms
        count = values.get("count")
        form = Locale.parse(LOCALES[lang]).plural_form(abs(count) if count is not None else 0)
        entry = entry.get(form, entry["other"])
    return entry


class _Formatter(string.Formatter):
    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value, format_spec: str) -> str:
        if not format_spec:
            return str(value)
        kind, _, arg = format_spec.partition(":")
        return FIELD_KINDS[kind](value, self.lang, arg)


def text(key: str, lang: str, /, **values) -> str:
    """The message `key` in `lang`, its placeholders filled from `values`."""
    return _Formatter(lang).vformat(_template(key, lang, values), (), values)


text_of = text  # for functions of this module whose own arguments shadow the name `text`


# ---- numbers --------------------------------------------------------------------------------------


def _round_sig(x: float, sig: int = SIGNIFICANT) -> float:
    return float(f"{x:.{sig}g}") if x else 0.0


def number(x: float, lang: str, sig: int = SIGNIFICANT, *, counted: bool = True) -> str:
    """A count or amount: "60,422", "2.744 billion" · "60422", "27.44亿".

    Whole numbers below a million (English) or a hundred million (Chinese) keep every digit unless
    they round to at most four significant digits with no loss ("300,000" · "30万", "3133万"); larger
    and fractional numbers, and any number not `counted` (a derived average), are given to `sig`
    significant digits.
    """
    if math.isinf(x):
        return "∞"
    locale = LOCALES[check_lang(lang)]
    rounded = _round_sig(x, sig)
    whole = counted and float(x).is_integer()
    if lang == "zh":
        compact = format_compact_decimal(rounded, locale=locale, fraction_digits=sig)
        lossy = rounded != x or len(compact.rstrip("万亿").partition(".")[2]) > 2
        if abs(x) < 1e4 or (whole and lossy and abs(x) < 1e8):
            return format_decimal(x if whole else rounded, locale=locale, group_separator=False)
        return compact
    if abs(x) >= 1e6:
        return format_compact_decimal(rounded, format_type="long", locale=locale, fraction_digits=sig)
    return format_decimal(x if whole else rounded, locale=locale)


def percent(x: float, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """A fraction as a percentage with at most one decimal: 0.976 → "97.6%"."""
    return format_decimal(round(x * 100, 1), locale=LOCALES[check_lang(lang)], group_separator=False) + "%"


def count(x: float, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    return number(float(x), lang)


# ---- qualified amounts -----------------------------------------------------------------------------
# What a qualifier says, in each language. "30多万" is how Chinese says "more than 300,000" when the
# number is a round count of 万 or 亿; elsewhere 超过 stands before the number.
QUALIFIER_PREFIX = {
    "en": {
        "exact": "", "about": "about ", "nearly": "nearly ", "more_than": "more than ", "at_least": "at least ",
        "not_less_than": "not less than ", "less_than": "less than ", "at_most": "at most ",
    },
    "zh": {
        "exact": "", "about": "约", "nearly": "近", "more_than": "超过", "at_least": "至少",
        "not_less_than": "不少于", "less_than": "不到", "at_most": "至多",
    },
}  # fmt: skip


def unit_word(unit: str, lang: str) -> str:
    """The word printed after a number of `unit` ("yuan", "people" · "元", "人"), from data/units.csv.

    A derived unit "<unit> per <unit>" (each side a unit id or its English word) reads "yuan per
    person" · "元/人"; no unit reads as nothing.
    """
    if not unit:
        return ""
    units = reader_names().units
    if unit in units:
        return units[unit]["word_zh" if lang == "zh" else "word"]
    top, sep, bottom = unit.replace("_per_", " per ").partition(" per ")
    top_row, bottom_row = _unit_row(top), _unit_row(bottom)
    if not sep or top_row is None or bottom_row is None:
        raise MessageError(f"unit {unit!r} is neither in data/units.csv nor '<unit> per <unit>'")
    if lang == "zh":
        return f"{top_row['word_zh']}/{re.sub(r'（.*?）', '', bottom_row['title_zh'])}"
    return f"{top_row['word']} per {bottom_row['title'].lower()}"


def _unit_row(name: str) -> dict | None:
    """A unit by its id or by the English word printed after its numbers ("people" → person)."""
    units = reader_names().units
    return units.get(name) or next((row for row in units.values() if row["word"] == name), None)


def _joined(number_text: str, word: str, lang: str) -> str:
    if not word:
        return number_text
    return number_text + word if lang == "zh" else f"{number_text} {word}"


def quantity(x: float, unit: str, lang: str, *, counted: bool = True) -> str:
    """A number with its unit word: "2.744 billion yuan", "97.6%" · "27.44亿元", "97.6%"."""
    if unit == "fraction":
        return percent(x, lang)
    word = unit_word(unit, lang)
    if lang == "en" and x == 1 and unit in reader_names().units and unit not in MEASURED_UNITS:
        word = str(reader_names().units[unit]["title"]).lower()  # "1 county", not "1 counties"
    return _joined(number(x, lang, counted=counted), word, lang)


def qualified(x: float, unit: str, qualifier: str, lang: str, *, counted: bool = True) -> str:
    """A figure as printed, with its qualifier: "more than 300,000 people" · "30多万人"."""
    qualifier = qualifier or "exact"
    if lang == "zh" and qualifier == "more_than" and unit != "fraction":
        digits = number(x, lang, counted=counted)
        if digits[-1] in "万亿" and digits[:-1].isdigit():
            return _joined(digits[:-1] + "多" + digits[-1], unit_word(unit, lang), lang)
    return QUALIFIER_PREFIX[check_lang(lang)][qualifier] + quantity(x, unit, lang, counted=counted)


def bounded(point: float, lower: float, upper: float, unit: str, lang: str) -> str:
    """A derived number with what its inputs pin down: "at most 9,150 yuan", "about 1.532 billion yuan".

    A one-sided range is said as its bound; a two-sided range whose ends agree to the digits shown
    is said as the point; a wider range is said as "about" the point.
    """
    low = None if lower is None or math.isnan(lower) or math.isinf(lower) or lower <= 0 < point else lower
    high = None if upper is None or math.isnan(upper) or math.isinf(upper) else upper
    if low is None and high is None:
        return quantity(point, unit, lang, counted=False)
    if low is None:
        return qualified(high, unit, "at_most", lang, counted=False)
    if high is None:
        return qualified(low, unit, "at_least", lang, counted=False)
    if quantity(low, unit, lang, counted=False) == quantity(high, unit, lang, counted=False):
        return quantity(point, unit, lang, counted=False)
    return qualified(point, unit, "about", lang, counted=False)


FIELD_KINDS = {
    "percent": percent,
    "count": count,
}


def register(kind: str):
    """Add a field kind (used by modules that word units, indicators and periods)."""

    def decorate(function):
        FIELD_KINDS[kind] = function
        return function

    return decorate


# ---- structured notes (metrics.csv, audit.csv) --------------------------------------------------------
# Metrics and audit rows carry `notes`: a JSON list of {"code": ..., <values>}. Each code is worded by
# the message `note.<code>` (eastwest/messages/notes.toml), its placeholders filled from the values.


def word_notes(notes: str, lang: str) -> str:
    """A row's structured notes as reader sentences in `lang`, joined by spaces."""
    if not notes:
        return ""
    items = json.loads(notes)
    sentences = []
    for item in items:
        values = {name: value for name, value in item.items() if name != "code"}
        sentences.append(text(f"note.{item['code']}", lang, **values))
    return " ".join(sentences)


def add_note_texts(frame):
    """`frame` (metrics or audit) with `note` (English) and `note_zh` worded from its `notes` codes.

    A frame without a `notes` column is returned unchanged.
    """
    if "notes" not in frame.columns:
        return frame
    frame = frame.copy()
    frame["note"] = [word_notes(cell, "en") for cell in frame["notes"]]
    frame["note_zh"] = [word_notes(cell, "zh") for cell in frame["notes"]]
    return frame


# ---- the data's own words: units, indicators, scopes, sources -----------------------------------------


@dataclass
class ReaderNames:
    """Reader names that live in data/: unit words, indicator and scope titles, source citations."""

    units: dict[str, dict] = field(default_factory=dict)
    indicators: dict[str, dict] = field(default_factory=dict)
    scopes: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)  # seed file name → datapackage source
    figures: dict[str, dict] = field(default_factory=dict)
    terms: dict[tuple[str, str], str] = field(default_factory=dict)  # (column, English text) → Chinese


_DATA_DIR: list[Path] = []


def use_data(data_dir: Path | str) -> None:
    """Take unit words and titles from `data_dir` (default: the repository's data/)."""
    _DATA_DIR[:] = [Path(data_dir).resolve()]


@functools.cache
def _reader_names(data_dir: Path) -> ReaderNames:
    from eastwest import csvfile, dataset  # noqa: PLC0415 - pandas is slow to import; most callers need no data

    def rows(frame) -> dict[str, dict]:
        return {str(row["id"]): row for row in frame.to_dict(orient="records")}

    package = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    return ReaderNames(
        units=rows(dataset.load_units(data_dir)),
        indicators=rows(dataset.load_indicators(data_dir)),
        scopes=rows(dataset.load_scopes(data_dir)),
        sources={Path(str(s.get("path", ""))).name: s for s in package.get("sources", [])},
        figures=rows(dataset.load_figures(data_dir)),
        terms={(r["column"], r["en"]): r["zh"] for r in csvfile.read_table(data_dir / "terms_zh.csv").rows},
    )


def reader_names() -> ReaderNames:
    from eastwest import paths  # noqa: PLC0415

    return _reader_names(_DATA_DIR[0] if _DATA_DIR else paths.DATA.resolve())


def title_of(row: Mapping, lang: str, column: str = "title") -> str:
    """A row's title in `lang`: `<column>_zh` for Chinese, `<column>` (or `<column>_en`) for English."""
    if lang == "zh":
        return str(row.get(f"{column}_zh") or row.get(f"{column}_en") or row.get(column, ""))
    return str(row.get(column) or row.get(f"{column}_en", ""))


def indicator(indicator_id: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    row = reader_names().indicators.get(indicator_id)
    return title_of(row, lang) if row else indicator_id.replace("_", " ")


def scope(scope_id: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    row = reader_names().scopes.get(scope_id)
    return title_of(row, lang) if row else scope_id


# ---- periods -------------------------------------------------------------------------------------------


def period(text: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """'2018/2019' → '2018–2019' · '2018—2019年'; '2022-01/2022-05' → 'Jan–May 2022' · '2022年1—5月'."""
    from eastwest.vocabulary import parse_period  # noqa: PLC0415 - the one reader of the period format

    parsed = parse_period(str(text))
    (y1, m1), (y2, m2) = (parsed.start_year, parsed.start_month), (parsed.end_year, parsed.end_month)
    if lang == "zh":
        first = f"{y1}年{m1}月" if m1 else f"{y1}年"
        if (y1, m1) == (y2, m2):
            return first
        if m1 and y1 == y2:
            return f"{y1}年{m1}—{m2}月"
        return f"{y1}—{y2}年" if not m1 else f"{first}—{y2}年{m2}月"
    months = Locale.parse("en").months["format"]["abbreviated"]
    first = f"{months[m1]} {y1}" if m1 else str(y1)
    if (y1, m1) == (y2, m2):
        return first
    if m1 and y1 == y2:
        return f"{months[m1]}–{months[m2]} {y1}"
    return f"{y1}–{y2}" if not m1 else f"{first}–{months[m2]} {y2}"


def term(column: str, english: str, lang: str) -> str:
    """A curated free-text cell (a figure's location or basis) in `lang`, from data/terms_zh.csv."""
    if lang != "zh" or not english:
        return english
    found = reader_names().terms.get((column, english))
    if found is None:
        raise MessageError(f"data/terms_zh.csv has no Chinese for {column} {english!r}")
    return found


def basis(text: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """Field kind `{x:basis}`: what a figure counts, as its `basis` cell says, in `lang`."""
    return term("basis", str(text), lang)


def sources(seeds: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """Field kind `{x:sources}`: seed numbers ("000, 003") → their publishers, as readers cite them."""
    by_number = {name[:3]: source for name, source in reader_names().sources.items()}
    names = [title_of(by_number[n.strip()], lang, "publisher") for n in str(seeds).split(",") if n.strip() in by_number]
    return ("、" if lang == "zh" else "; ").join(names)


def figure(figure_id: str, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """Field kind `{x:figure}`: a figure id → its value as a reader says it ("more than 300,000 people")."""
    row = reader_names().figures.get(str(figure_id))
    if row is None:
        raise MessageError(f"no figure {figure_id!r} in data/figures.csv")
    return qualified(float(row["value"]), str(row["unit"]), str(row["qualifier"]), lang)


_FORMULA_TOKEN = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\b(?: (\d{4}(?:-\d{2})?(?:/\d{4}(?:-\d{2})?)?)\b)?")


def formula(text: str, lang: str) -> str:
    """A metric's formula for readers: indicator ids → titles, periods in `lang`, "(implied)" worded.

    "aid_funds 2020 / (1 + aid_funds_growth 2020)" → "Fiscal assistance funds, 2020 / (1 + Growth of …, 2020)".
    """
    indicators = reader_names().indicators

    def word(match: re.Match) -> str:
        name, when = match.group(1), match.group(2)
        if name == "implied":
            return text_of("formula.implied", lang)
        if name not in indicators:
            return match.group(0)
        title = indicator(name, lang)
        return text_of("formula.term", lang, what=title, period=period(when, lang)) if when else title

    return _FORMULA_TOKEN.sub(word, str(text))


def amount(value: float, lang: str, unit: str) -> str:
    """Field kind `{x:amount:<unit>}`: a number with its unit word."""
    return quantity(float(value), unit, lang)


FIELD_KINDS.update(
    {
        "amount": amount,
        "indicator": indicator,
        "scope": scope,
        "period": period,
        "figure": figure,
        "basis": basis,
        "sources": sources,
    }
)
