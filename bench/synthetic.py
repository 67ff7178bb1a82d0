"""Synthetic data for the benchmarks: the real figures replicated under made-up scope ids.

Each synthetic scope gets a copy of every real figure (same seed, quote, printed number, value,
indicator…), so quotes still verify against the seeds and the validator and metrics do the same
work per scope as on the real data. Figure ids get a suffix and `same_as` links follow them, so
ids stay unique and links stay inside their scope.

`one_group(dest, rows)` instead puts `rows` figures in ONE scope and ONE period (the worst grouping for
rules that compare figures within a group), and `time_one_group(rows)` validates such a copy in a fresh
process and returns its seconds and peak RSS:

    python bench/synthetic.py 6000 23000 200000
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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


def one_group(
    dest: Path, rows: int, *, source: Path | None = None, scope: str = "beijing-inner-mongolia", period: str = "2019"
) -> tuple[Path, Path]:
    """`dest`/data (a copy of `source`, default the repository's data/) whose figures.csv holds `rows` figures,
    all in `scope` and `period`, and `dest`/seeds (a copy of the seeds). Returns (data dir, seeds dir).

    The real figures are repeated in turn with an id suffix per copy (`same_as` links follow within a copy,
    quote glosses point at the first copy), so quotes verify and every rule has work to do; the rest of each
    row is left as curated.
    """
    source = Path(source) if source is not None else REPO / "data"
    dest = Path(dest)
    data, seeds = dest / "data", dest / "seeds"
    shutil.copytree(source, data)
    shutil.copytree(REPO / "seeds", seeds)
    fields, figures = read_rows(source / "figures.csv")
    generated = []
    for index in range(rows):
        row = dict(figures[index % len(figures)])
        suffix = f"-g{index // len(figures):05d}"
        row["id"] += suffix
        row["same_as"] = row["same_as"] + suffix if row["same_as"] else ""
        row["scope"], row["period"] = scope, period
        generated.append(row)
    write_rows(data / "figures.csv", fields, generated)
    glosses = data / "quote_glosses.csv"
    if glosses.is_file():  # the glosses follow the first copy of each figure
        gloss_fields, gloss_rows = read_rows(glosses)
        kept = {row["id"] for row in generated}
        for row in gloss_rows:
            row["figure_id"] += "-g00000"
        write_rows(glosses, gloss_fields, [row for row in gloss_rows if row["figure_id"] in kept])
    return data, seeds


VALIDATE_PROBE = """
import json, resource, sys, time
from eastwest import validate
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
start, start_cpu = time.perf_counter(), cpu()
problems = validate.validate(sys.argv[1], sys.argv[2])
seconds, cpu_seconds = time.perf_counter() - start, cpu() - start_cpu
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rss_mib": rss / 1024, "problems": len(problems)}))
"""


def time_one_group(rows: int, *, source: Path | None = None, limit: float = 600.0, python: str | None = None) -> dict:
    """Validate `one_group(rows, source=source)` in a fresh process: {"rows", "seconds", "cpu_seconds",
    "rss_mib", "problems"} (wall and CPU seconds of validate() alone, the CPU time being what other processes
    on the machine do not change; peak RSS of the whole process), or {"rows", "timeout": limit} if it took
    longer than `limit` seconds."""
    python = python or str(REPO / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory(prefix="eastwest-one-group-") as work:
        data, seeds = one_group(Path(work), rows, source=source)
        try:
            result = subprocess.run(
                [python, "-c", VALIDATE_PROBE, str(data), str(seeds)], cwd=REPO, capture_output=True, text=True,
                timeout=limit,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"rows": rows, "timeout": limit}
    try:
        info = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"the validation probe failed:\n{result.stdout}\n{result.stderr}") from None
    return {"rows": rows, **info}


def describe(info: dict) -> str:
    """One line for a `time_one_group` result."""
    if "timeout" in info:
        return f"validate, {info['rows']:,} figures in one scope and period: > {info['timeout']:.0f} s (stopped)"
    return (
        f"validate, {info['rows']:,} figures in one scope and period: {info['seconds']:.2f} s "
        f"(CPU {info['cpu_seconds']:.2f} s), peak RSS {info['rss_mib']:.0f} MiB, {info['problems']:,} problems"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time validation of N figures in one scope and period.")
    parser.add_argument("rows", type=int, nargs="+", help="numbers of figures")
    parser.add_argument("--data", type=Path, help="data directory to start from (default: data/)")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds allowed per size (default 600)")
    args = parser.parse_args(argv)
    for rows in args.rows:
        print(describe(time_one_group(rows, source=args.data, limit=args.limit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
