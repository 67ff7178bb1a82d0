"""Write data/README.md from the datapackage descriptor and the figures themselves.

The column tables come from the field descriptions in data/datapackage.json and the list of
corrections and flags from data/figures.csv, so the README cannot drift from the data:
`python -m eastwest.datadoc` rewrites it, `--check` fails when it is out of date (run by the tests).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from eastwest import paths
from eastwest.csvfile import NO_COLUMN, Problem, display_name, header_problems, read_table

# The columns of figures.csv that the README is made from.
FIGURE_COLUMNS_USED = ["id", "seed", "printed", "value", "status", "note"]

HOW_TO_ADD = """\
## How to add a figure

1. Find the sentence in `seeds/` and copy the shortest passage that states the figure, character
   for character (machine-translation oddities, curly quotes and missing spaces included), into `quote`.
2. Copy the number with its unit words, exactly as it stands inside that passage, into `printed`
   (`2.74 billion yuan`, `27.44亿元`, `30多万`, `more than 45,000`).
3. Write `value` in the base unit (`2740000000`, `0.754` for 75.4%) and pick `unit`, `indicator`
   and `scope` from the reference tables below; add an indicator (and a unit) there first if none fits,
   with a one-sentence description of what is measured.
4. Set `qualifier` from the sentence's own words (`more than` → `more_than`, 多 → `more_than`,
   近 → `nearly`, 约 → `about`), `period` in the documented format and `nature` (`actual` unless the
   sentence states a target, plan, forecast or work under way).
5. If the printed number is wrong and the same source shows the right one, keep `printed` as it is,
   put the right number in `value`, set `status` to `corrected` and give the evidence in `note`. If it
   is implausible but cannot be repaired from the sources, keep the printed value, set `flagged` and
   say why. Flagged figures stay visible in the audit but never feed a headline or a metric.
6. Where another row states the same fact (a headline repeated in the body, or another report of the
   same briefing, as 003 repeats figures of the briefing behind 000), give both rows the same scope,
   indicator and period and point `same_as` at the other row's id.
7. Run `make validate`. It names every problem as `data/figures.csv:ROW: COLUMN: message`; then run
   `python -m eastwest.datadoc` to refresh this file (the tests check it is current).
"""

PERIODS = """\
## Formats and vocabularies

- `period`: `YYYY` (a calendar year), `YYYY/YYYY` (an inclusive span of years, e.g. `2018/2019`),
  `YYYY-MM` (a month) or `YYYY-MM/YYYY-MM` (an inclusive span of months, e.g. `2022-01/2022-05` for
  "by the end of May 2022"). Where a source gives no explicit span, the span the article reports on.
- `qualifier`: `exact`, `about`, `nearly`, `more_than`, `at_least`, `not_less_than`, `less_than`,
  `at_most`. The metrics turn them into bounds: "more than 300,000" is a lower bound, so a figure
  divided by it is an upper bound.
- `nature`: `actual`, `target`, `plan`, `forecast`, `under_way` (work in progress at the article's
  date, "are sending": not a completed result). Stocks stated as "currently", "already" or "has
  reached" take the date they are stated for (`2020-05`), not the span the article reports on.
- `status`: `ok`; `corrected` (value differs from the printed text, evidence in `note`); `flagged`
  (kept as printed but implausible, reason in `note`; excluded from headline figures and metrics).
"""


def _cell(text: object) -> str:
    """A value made safe for one Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


class DataProblems(Exception):
    """The tables cannot be documented as they are; `problems` says why, each as FILE:ROW: COLUMN: message."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def _read_tables(data_dir: Path, package: dict) -> dict[str, list[dict[str, str]]]:
    """Resource name → its rows, each table read by `csvfile.read_table`; DataProblems if any has a problem."""
    problems: list[Problem] = []
    tables = {}
    for resource in package["resources"]:
        path = data_dir / resource["path"]
        try:
            table = read_table(path)
        except OSError as error:  # e.g. not readable by this user (a missing file is one of the table's problems)
            problems.append(Problem(display_name(path), 1, NO_COLUMN, f"cannot be read ({error.strerror or error})"))
            continue
        problems += table.problems
        if resource["name"] == "figures" and table.header:
            problems += header_problems(table, FIGURE_COLUMNS_USED, extra_allowed=True)
        tables[resource["name"]] = table.rows
    if problems:
        raise DataProblems(problems)
    return tables


def _example(rows: list[dict[str, str]], column: str) -> str:
    for row in rows:
        value = (row.get(column) or "").strip()
        if value:
            return value if len(value) <= 60 else value[:57] + "…"
    return ""


def _column_table(resource: dict, rows: list[dict[str, str]]) -> list[str]:
    lines = ["| column | description | type | example |", "|---|---|---|---|"]
    for field in resource["schema"]["fields"]:
        example = _example(rows, field["name"])
        lines.append(
            f"| `{field['name']}` | {_cell(field.get('description', ''))} | {field.get('type', 'string')} | "
            f"{_cell(example) and '`' + _cell(example) + '`'} |"
        )
    return lines


def _sources(package: dict) -> list[str]:
    """The source articles as datapackage.json describes them: publisher, date, language, and its note."""
    lines = ["## Sources", "", "| seed | publisher | date | language | about it |", "|---|---|---|---|---|"]
    for source in package.get("sources", []):
        language = source.get("language", "")
        if source.get("machine_translation"):
            language += " (machine translation)" if language == "en" else " (shows machine-translation damage)"
        lines.append(
            f"| `{Path(source.get('path', '')).name}` | {_cell(source.get('publisher', ''))} | "
            f"{_cell(source.get('date', ''))} | {_cell(language)} | {_cell(source.get('note', ''))} |"
        )
    return lines


def _linked_summary(figures: list[dict[str, str]], linked: list[dict[str, str]]) -> str:
    """How many rows restate a fact, and how many of those link two sources (one briefing reported twice)."""
    seed_of = {row["id"]: row["seed"][:3] for row in figures}
    across = Counter(
        tuple(sorted((seed_of[row["id"]], seed_of.get(row["same_as"], "?"))))
        for row in linked
        if seed_of.get(row["same_as"]) != seed_of[row["id"]]
    )
    pairs = "; ".join(f"{n} between `{a}` and `{b}`" for (a, b), n in sorted(across.items()))
    text = (
        f"{len(linked)} figures point at another row stating the same fact (`same_as`); `make validate` checks "
        "each pair agrees within printed precision, and derived numbers use the most precise statement of each "
        "fact (the metrics' note `most_precise_statement` names it)."
    )
    if pairs:
        text += (
            f" Links across sources: {pairs}. Two sources linked this way report one briefing (see Sources), so "
            "their agreement shows the reporting is consistent; it is not independent confirmation."
        )
    return text


def render(data_dir: Path | None = None) -> str:
    """The README of `data_dir` (default data/); DataProblems when a table cannot be read."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA
    package = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    tables = _read_tables(data_dir, package)
    figures = tables.get("figures", [])

    out = [
        "# data/",
        "",
        "<!-- Generated by `python -m eastwest.datadoc` from datapackage.json and figures.csv; edit those. -->",
        "",
        package.get("description", ""),
        "",
        f"Data version **{package.get('version', '?')}** ({package.get('created', '?')[:10]}). "
        "Licence: CC BY 4.0 for the curated tables; the quoted articles stay their publishers' "
        "(see `../DATA-LICENSE.md`).",
        "",
        "| file | rows | what it holds |",
        "|---|---|---|",
    ]
    for res in package["resources"]:
        out.append(f"| `{res['path']}` | {len(tables[res['name']])} | {_cell(res.get('description', res['name']))} |")
    out += ["", "Figures per source:", "", "| seed | figures | corrected | flagged |", "|---|---|---|---|"]
    per_seed = Counter(row["seed"] for row in figures)
    for seed in sorted(per_seed):
        statuses = Counter(row["status"] for row in figures if row["seed"] == seed)
        out.append(f"| `{seed}` | {per_seed[seed]} | {statuses['corrected']} | {statuses['flagged']} |")
    out.append("")

    for res in package["resources"]:
        out += [f"## `{res['path']}`", "", _cell(res.get("description", "")), ""]
        out += _column_table(res, tables[res["name"]])
        out.append("")

    out.append(PERIODS)
    out.append(HOW_TO_ADD)

    out += [
        "## Corrections and flags",
        "",
        "Every figure whose value differs from its printed text, or that is kept as printed but "
        "excluded as implausible, with the evidence.",
        "",
        "| id | printed | value used | status | evidence |",
        "|---|---|---|---|---|",
    ]
    for row in figures:
        if row["status"] in {"corrected", "flagged"}:
            out.append(
                f"| `{row['id']}` | {_cell(row['printed'])} | {_cell(row['value'])} | {row['status']} | "
                f"{_cell(row['note'])} |"
            )
    linked = [row for row in figures if row.get("same_as")]
    out += ["", *_sources(package), "", "## Figures stated twice", "", _linked_summary(figures, linked), ""]
    out += [
        "| id | printed | same as | printed there |",
        "|---|---|---|---|",
    ]
    by_id = {row["id"]: row for row in figures}
    for row in linked:
        other = by_id.get(row["same_as"], {})
        out.append(
            f"| `{row['id']}` | {_cell(row['printed'])} | `{row['same_as']}` | {_cell(other.get('printed', '?'))} |"
        )
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if data/README.md is out of date")
    args = parser.parse_args(argv)
    target = paths.DATA / "README.md"
    try:
        text = render()
    except DataProblems as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(
            f"datadoc: {len(error.problems)} problem(s) in the data, so {paths.relative(target)} was not "
            f"{'checked' if args.check else 'written'}; fix them (`make validate` names each problem)",
            file=sys.stderr,
        )
        return 1
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("data/README.md is out of date: run `python -m eastwest.datadoc`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"datadoc: wrote {paths.relative(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
