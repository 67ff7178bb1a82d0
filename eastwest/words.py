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
import math
import string
import tomllib
from collections.abc import Mapping
from pathlib import Path

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

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


# ---- numbers --------------------------------------------------------------------------------------


def _round_sig(x: float, sig: int = SIGNIFICANT) -> float:
    return float(f"{x:.{sig}g}") if x else 0.0


def number(x: float, lang: str, sig: int = SIGNIFICANT) -> str:
    """A count or amount: "5,229", "2.744 billion" · "5229", "27.44亿"."""
    if math.isinf(x):
        return "∞"
    rounded = _round_sig(x, sig)
    locale = LOCALES[check_lang(lang)]
    if lang == "zh":
        if abs(rounded) >= 1e4:
            return format_compact_decimal(rounded, locale=locale, fraction_digits=sig)
        return format_decimal(rounded, locale=locale, group_separator=False)
    if abs(rounded) >= 1e6:
        return format_compact_decimal(rounded, format_type="long", locale=locale, fraction_digits=sig)
    return format_decimal(rounded, locale=locale)


def percent(x: float, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    """A fraction as a percentage with at most one decimal: 0.976 → "97.6%"."""
    return format_decimal(round(x * 100, 1), locale=LOCALES[check_lang(lang)], group_separator=False) + "%"


def count(x: float, lang: str, arg: str = "") -> str:  # noqa: ARG001 - a field kind
    return number(float(x), lang)


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
    import json  # noqa: PLC0415 - only the CSV writers need it

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
