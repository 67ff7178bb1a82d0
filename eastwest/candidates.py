"""Propose figures.csv rows for a new article: every number in it, read by the project's own parser.

    python -m eastwest.candidates PATH        (make candidates SEED=PATH)

writes reports/candidates/<file name without .txt>.csv with one row per number, in the order of the
article, and the columns

    quote, printed, value, unit, qualifier, kind

- `quote` is the clause that holds the number (cut at sentence and clause punctuation, never inside
  the number), copied character for character, so the validator finds it in the seed as it is.
- `printed` is the number as printed with its approximation words and unit words ("more than 300,000",
  "30多万", "27.44亿元"); `value`, `unit` and `qualifier` are what `eastwest.numbers.parse_printed` reads
  from it. `unit` is filled when the text carries a unit word (元, %, 吨, square metres...) and left
  empty for a count, whose base unit (person, project...) the curator picks with the indicator.
- `kind` is `figure`, or `date`, `year`, `ordinal`, `phone` or `page` for numbers that are not figures.

This module only *finds* numbers: where a number starts and ends is decided by asking `parse_printed`
which neighbouring words it can read (an approximation word before the digits; scale, unit and marker
words after them). `find_numbers(text)` is shared with `eastwest.coverage`.
"""

from __future__ import annotations

import argparse
import bisect
import io
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from eastwest import atomic, paths
from eastwest.numbers import MEASURED_UNITS, ParseError, parse_printed

__all__ = ["Number", "COLUMNS", "KINDS", "find_numbers", "candidates", "main"]

COLUMNS = ["quote", "printed", "value", "unit", "qualifier", "kind"]
KINDS = ("figure", "date", "year", "ordinal", "phone", "page")
OUTPUT_DIR = paths.REPORTS / "candidates"

# A count's base unit used to ask the parser about a number without a unit word.
_COUNT_UNIT = "person"
# Measured base units, preferred in this order when several accept a unit word (元 fits yuan and
# yuan_per_month: yuan is proposed; 斤 fits tonne, tonne_per_year and jin_per_day: tonne).
_MEASURED = sorted(MEASURED_UNITS, key=lambda unit: ("_per_" in unit, unit))
_REACH = 24  # characters looked at on either side of the digits for marker, scale and unit words

_DIGITS = re.compile(r"[0-9０-９]+(?:,[0-9]{3}(?![0-9]))*(?:[.．][0-9０-９]+)?")
# Bare scale characters read as "one of them" when an approximation word precedes them: 近万斤.
_BARE_SCALE = re.compile(r"(?<![0-9０-９])[万亿]")
_STOP = set("\n。，；;！？!?（）()「」“”\"、：:[]【】《》")
_CLAUSE_END = re.compile(r"[\n。；！？!?;，]|[,:：.](?=\s|$)")

_MONTHS = (
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# Numbers that are not figures, tried before figures; the first pattern to match a stretch wins.
_SPECIAL = [
    ("phone", re.compile(r"(?<![\d-])(?:\+?86[\s-]?\(?0?\d{2,3}\)?[\s-]?|\(0\d{2,3}\)\s?|0\d{2,3}[\s-])\d{7,9}(?!\d)")),
    ("phone", re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d{9}(?!\d)")),
    ("phone", re.compile(r"(?<!\d)400[\s-]\d{3}[\s-]\d{4}(?!\d)")),
    ("date", re.compile(r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)")),
    ("date", re.compile(r"(?<!\d)(?:\d{4}\s?年\s?)?\d{1,2}\s?月(?:\s?\d{1,2}\s?[日号])?")),
    ("date", re.compile(r"(?<!\d)\d{1,2}\s?日")),
    ("date", re.compile(rf"\b{_MONTHS}\s+{_DAY}(?:,?\s+\d{{4}})?(?!\d|,\d)")),
    ("date", re.compile(rf"(?<![\d.,]){_DAY}\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?\b")),
    ("date", re.compile(rf"\b{_MONTHS}\s+\d{{4}}\b")),
    ("date", re.compile(r"(?<![\d.])\d{1,2}:\d{2}(?!\d)")),
    ("page", re.compile(r"\b(?:[Pp]age|[Pp]p?\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?\b")),
    ("page", re.compile(r"[第共]\s*\d+\s*页")),
    ("ordinal", re.compile(r"(?<![\w.,])\d+(?:st|nd|rd|th)\b")),
    ("ordinal", re.compile(r"第\s*\d+|\bNo\.\s*\d+")),
]
_YEAR_FOLLOWERS = set("年度底初末")
# Digits that belong to a name rather than state a number: web addresses, and codes such as ad_1, G7,
# DF527, COVID-19 or b300f (digits after a short run of letters, a letter and hyphen or an underscore,
# or followed by letters that are no unit word).
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:s?html?|php|aspx?)\b")
_CODE_BEFORE = re.compile(r"(?:(?<![A-Za-z])[A-Za-z]{1,3}|[A-Za-z]-|_)$")
_LETTERS = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Number:
    """One number found in a text: where it is, as printed, and how the parser reads it."""

    start: int  # span of `printed` in the text
    end: int
    digits: tuple[int, int]  # span of the digits themselves (what a quote must cover)
    printed: str
    value: float | None
    unit: str
    qualifier: str
    kind: str
    line: int

    @property
    def value_text(self) -> str:
        return "" if self.value is None else f"{self.value:.15g}"


def _parses(text: str, unit: str):
    try:
        return parse_printed(text, unit)
    except ParseError:
        return None


def _measured_units(printed: str) -> list[str]:
    return [unit for unit in _MEASURED if _parses(printed, unit) is not None]


def _stops(char: str) -> bool:
    return char in _STOP or char.isdigit()


def _glued(text: str, pos: int) -> bool:
    """True when a cut at `pos` would split an English word."""
    return 0 < pos < len(text) and text[pos - 1].isascii() and text[pos - 1].isalpha() and text[pos].isalpha()


def _right_end(text: str, start: int, digits_end: int) -> int:
    """The farthest end the parser reads with a measured unit: scale, marker and unit words, never a noun."""
    best = digits_end
    for end in range(digits_end + 1, min(len(text), digits_end + _REACH) + 1):
        char = text[end - 1]
        if _stops(char):
            break
        if char.isspace() or _glued(text, end):
            continue
        if _measured_units(text[start:end]):
            best = end
    return best


def _left_start(text: str, digits_start: int, end: int, unit: str) -> int:
    """The earliest start whose words the parser reads as an approximation marker ("more than", 超过)."""
    plain = _parses(text[digits_start:end], unit)
    best = digits_start
    for start in range(digits_start - 1, max(-1, digits_start - _REACH - 1), -1):
        char = text[start]
        if _stops(char):
            break
        if char.isspace() or _glued(text, start):
            continue
        parsed = _parses(text[start:end], unit)
        if parsed is not None and parsed.approx and (plain is None or parsed.approx != plain.approx):
            best = start
    return best


def _figure(text: str, digits: tuple[int, int], line: int) -> Number | None:
    start, digits_end = digits
    end = _right_end(text, start, digits_end)
    measured = _measured_units(text[start:end])
    counts = _parses(text[start:end], _COUNT_UNIT) is not None
    unit = "" if counts or not measured else measured[0]
    start = _left_start(text, start, end, unit or _COUNT_UNIT)
    printed = text[start:end]
    parsed = _parses(printed, unit or _COUNT_UNIT)
    if parsed is None:
        return None
    if _is_year(text, digits, end, printed):
        return Number(digits[0], digits[1], digits, text[slice(*digits)], parsed.value, "", "", "year", line)
    return Number(start, end, digits, printed, parsed.value, unit, parsed.approx or "exact", "figure", line)


def _is_year(text: str, digits: tuple[int, int], end: int, printed: str) -> bool:
    """Bare digits from 1900 to 2099 (no scale, unit or marker word after them) that are not a count.

    A Chinese counter word after them makes a count (2000名); so does an approximation word before them,
    unless the number ends its clause ("14.6% over 2019," is a year, "more than 2000 people" a count).
    """
    if end != digits[1] or not re.fullmatch(r"(19|20)\d\d", text[slice(*digits)]):
        return False
    after = text[end : end + 1]
    if "\u4e00" <= after <= "\u9fff" and after not in _YEAR_FOLLOWERS:
        return False
    return printed == text[slice(*digits)] or not after or bool(_CLAUSE_END.match(text, end))


def _special(text: str) -> list[tuple[int, int, str]]:
    taken: list[tuple[int, int, str]] = []
    for kind, pattern in _SPECIAL:
        for match in pattern.finditer(text):
            if not any(match.start() < end and start < match.end() for start, end, _ in taken):
                taken.append((match.start(), match.end(), kind))
    return sorted(taken)


def _special_number(text: str, start: int, end: int, kind: str, line: int) -> Number:
    printed = text[start:end]
    first = _DIGITS.search(printed)
    value = None
    if kind in ("ordinal", "page", "year") and first:
        value = float(first.group().translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    digits = (start + first.start(), start + first.end()) if first else (start, end)
    return Number(start, end, digits, printed, value, "", "", kind, line)


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, in order of position.

    >>> for number in find_numbers("自2018年以来, 投入27.44亿元, 惠及30多万人。"):
    ...     print(number.printed, number.value_text, number.qualifier, number.kind)
    2018 2018  year
    27.44亿元 2744000000 exact figure
    30多万 300000 more_than figure
    """
    special = _special(text)
    addresses = [match.span() for match in _ADDRESS.finditer(text)]
    found = [_special_number(text, start, end, kind, _line(text, start)) for start, end, kind in special]
    for match in _DIGITS.finditer(text):
        if any(start <= match.start() < end for start, end, _ in special):
            continue
        if _in_name(text, match, addresses):
            continue
        number = _figure(text, match.span(), _line(text, match.start()))
        if number is not None:
            found.append(number)
    for match in _BARE_SCALE.finditer(text):
        number = _figure(text, (match.start(), match.start()), _line(text, match.start()))
        if number is not None and number.qualifier != "exact" and number.printed[0] not in "万亿":
            found.append(number)
    found.sort(key=lambda number: number.start)
    return found


def _in_name(text: str, match: re.Match, addresses: list[tuple[int, int]]) -> bool:
    """True for digits that are part of a web address or a code (see `_ADDRESS`, `_CODE_BEFORE`)."""
    if any(start <= match.start() < end for start, end in addresses):
        return True
    if _CODE_BEFORE.search(text[max(0, match.start() - 4) : match.start()]):
        return True
    letters = _LETTERS.match(text, match.end())
    return bool(letters) and not _measured_units(text[match.start() : letters.end()])  # 5G, but not 20km


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def clause_ends(text: str) -> list[tuple[int, int]]:
    """Where the clause punctuation of `text` is (a comma or full stop inside a number is not)."""
    return [match.span() for match in _CLAUSE_END.finditer(text)]


def quote_for(text: str, start: int, end: int, ends: list[tuple[int, int]] | None = None) -> str:
    """The clause of `text` around [start, end), cut at the nearest clause punctuation outside the span.

    A clause that ends a sentence keeps its full stop, as curated quotes of whole sentences do.
    `ends` is `clause_ends(text)`, computed once per text by callers that quote many numbers.

    >>> quote_for("Since 2018, the two sides sent 5,229 people in turn. Then", 31, 36)
    'the two sides sent 5,229 people in turn.'
    """
    ends = clause_ends(text) if ends is None else ends
    before = bisect.bisect_right(ends, (start, len(text) + 1)) - 1
    while before >= 0 and ends[before][1] > start:
        before -= 1
    left = ends[before][1] if before >= 0 else 0
    after = bisect.bisect_left(ends, (end, -1))
    right = len(text)
    if after < len(ends):
        stop_start, stop_end = ends[after]
        right = stop_end if text[stop_start] in "。！？!?." else stop_start
    return text[left:right].strip()


def candidates(text: str) -> list[dict[str, str]]:
    """The candidate rows for an article's text (see the module docstring for the columns).

    >>> candidates("In 2019 Beijing invested more than 1.769 billion yuan.")[1]
    {'quote': 'In 2019 Beijing invested more than 1.769 billion yuan.', 'printed': 'more than 1.769 billion yuan', \
'value': '1769000000', 'unit': 'yuan', 'qualifier': 'more_than', 'kind': 'figure'}
    """
    numbers = find_numbers(text)
    inside = [(number.start, number.end) for number in numbers]
    ends = [end for end in clause_ends(text) if not any(a <= end[0] < b for a, b in inside)]  # "March 18, 2021"
    return [
        {
            "quote": quote_for(text, number.start, number.end, ends),
            "printed": number.printed,
            "value": number.value_text,
            "unit": number.unit,
            "qualifier": number.qualifier,
            "kind": number.kind,
        }
        for number in numbers
    ]


def read_article(path: Path) -> str:
    """The article's text; OSError or UnicodeDecodeError when it cannot be read as UTF-8."""
    return path.read_bytes().decode("utf-8-sig")


def _csv_text(rows: list[dict[str, str]]) -> str:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _error(path: Path, error: Exception) -> str:
    name = paths.relative(path)
    if isinstance(error, UnicodeDecodeError):
        return f"{name}: not UTF-8 text (byte {error.start} cannot be decoded); save the article as UTF-8"
    if isinstance(error, FileNotFoundError):
        return f"{name}: no such file"
    if isinstance(error, IsADirectoryError):
        return f"{name}: is a directory, not an article file"
    return f"{name}: cannot be read ({error.strerror or error})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eastwest.candidates", description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", help="the article, a UTF-8 text file")
    parser.add_argument("--from-make", action="store_true", help="take the path from EASTWEST_SEED (make SEED=...)")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR, help="output folder (default reports/candidates/)")
    args = parser.parse_args(argv)
    given = os.environ.get("EASTWEST_SEED", "") if args.from_make else args.path
    if not given:
        print("candidates: name the article, e.g. make candidates SEED=path/to/article.txt", file=sys.stderr)
        return 1
    path = Path(given)
    try:
        text = read_article(path)
    except (OSError, UnicodeDecodeError) as error:
        print(f"candidates: {_error(path, error)}", file=sys.stderr)
        return 1
    rows = candidates(text)
    target = args.out / f"{path.name.removesuffix('.txt')}.csv"
    try:
        atomic.write_text(target, _csv_text(rows))
    except OSError as error:
        print(f"candidates: {paths.relative(target)}: cannot be written ({error.strerror or error})", file=sys.stderr)
        return 1
    kinds = Counter(row["kind"] for row in rows)
    counted = ", ".join(f"{kinds[kind]} {kind}" for kind in KINDS if kinds[kind])
    where = f"{paths.relative(path)} ({counted or 'none'}) -> {paths.relative(target)}"
    print(f"candidates: {len(rows)} numbers in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
