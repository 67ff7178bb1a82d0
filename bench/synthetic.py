"""Synthetic data for the benchmarks: the real figures replicated under made-up scope ids.

Each synthetic scope gets a copy of every real figure (same seed, quote, printed number, value,
indicator…), so quotes still verify against the seeds and the validator and metrics do the same
work per scope as on the real data. Figure ids get a suffix and `same_as` links follow them, so
ids stay unique and links stay inside their scope.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def scope_id(index: int) -> str:
    return f"synthetic-{index:04d}"


def add_scopes(data_dir: Path, count: int, *, template_scope: str | None = None) -> list[str]:
    """Append `count` synthetic scopes (rows in scopes.csv, figures in figures.csv) to `data_dir`.

    Synthetic scope k copies the figures of one real scope: `template_scope` if given, else the
    real scopes in turn (k mod their number), so the average scope looks like a real one.
    Returns the new scope ids.
    """
    data_dir = Path(data_dir)
    scope_fields, scopes = read_rows(data_dir / "scopes.csv")
    fields, figures = read_rows(data_dir / "figures.csv")
    real = [row["id"] for row in scopes if not row["id"].startswith("synthetic-")]
    by_scope: dict[str, list[dict[str, str]]] = {}
    for row in figures:
        by_scope.setdefault(row["scope"], []).append(row)
    templates = [template_scope] if template_scope else [scope for scope in real if by_scope.get(scope)]
    start = sum(1 for row in scopes if row["id"].startswith("synthetic-"))
    new_ids = []
    for index in range(start, start + count):
        new_scope = scope_id(index)
        new_ids.append(new_scope)
        scopes.append(
            {
                **{field: "" for field in scope_fields},
                "id": new_scope,
                "title_en": f"Synthetic pairing {index}",
                "title_zh": f"合成协作{index}",
                "donor_en": "Donor",
                "donor_zh": "援助方",
                "recipient_en": "Recipient",
                "recipient_zh": "受援方",
                "description": "Benchmark copy of the real figures of one scope.",
            }
        )
        suffix = f"-x{index:04d}"
        for row in by_scope[templates[index % len(templates)]]:
            copy = dict(row)
            copy["id"] = row["id"] + suffix
            copy["scope"] = new_scope
            if row.get("same_as"):
                copy["same_as"] = row["same_as"] + suffix
            figures.append(copy)
    write_rows(data_dir / "scopes.csv", scope_fields, scopes)
    write_rows(data_dir / "figures.csv", fields, figures)
    return new_ids


def make_data(source: Path, dest: Path, scopes: int) -> tuple[Path, float]:
    """A copy of data/ at `dest` with `scopes` synthetic scopes; returns (dest, mean figures per new scope)."""
    shutil.copytree(source, dest)
    before = len(read_rows(Path(source) / "figures.csv")[1])
    add_scopes(dest, scopes)
    after = len(read_rows(dest / "figures.csv")[1])
    return dest, (after - before) / max(1, scopes)
