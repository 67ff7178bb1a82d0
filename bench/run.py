"""`make bench`: time the build and the data pipeline, print a table. Figures are printed, not asserted.

Everything runs in temporary copies of the repository (bench.project), never in reports/:

- full build: the first build of a fresh copy, then warm ones (`--force`: every report rebuilt,
  OS file cache and validation result warm) of both editions and of the English edition alone
  (interleaved, best of two each),
  their ratio, and the ratio to the English-only warm build measured before the Chinese edition
  existed (ENGLISH_BEFORE; issue 11 asks for at most 1.6);
- no-op: `make report` with nothing changed (make, set-up stamps, input hashing included);
- per additional scope report: a forced full build with two more (synthetic) scopes, minus the
  plain one, halved;
- validate + metrics on generated data: 10, 130 (about 10,000 figures: issue 10 asks for < 2 s)
  and 1,000 synthetic scopes added to the real
  data, each a copy of one real scope's figures (in turn), in a fresh subprocess per size (time
  of each step, peak RSS of the process; stopped after --limit seconds);
- validation of 200,000 figures in one scope and one period (bench/synthetic.time_one_group), the
  grouping that made the plausibility rules quadratic (issue 13 asks for < 10 s and < 1 GB);
- the naive chain on the same notebooks: the `papermill` CLI, then `jupyter nbconvert --to html`,
  then the `weasyprint` CLI, once per report and language, one after the other, and our warm
  build of both editions as a ratio.

Options: --quick skips the 1,000-scope size and the naive chain; --keep leaves the temp copies; --sizes
N … sets the numbers of synthetic scopes; --only-scaling times validate + metrics alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.project import clean_env, copy_project, python  # noqa: E402
from bench.synthetic import add_scopes, describe, make_data, read_rows, time_one_group, write_rows  # noqa: E402

VENV_BIN = Path(python()).parent
# The warm English-only full build before the Chinese edition, on the reference machine (2 cores).
ENGLISH_BEFORE = 19.5
ONE_GROUP_ROWS = 200_000
# About 10,000 figures: issue 10's bound is validate + metrics in under 2 s on 2 cores.
TARGET_SCOPES = 130


def timed(args: list[str], cwd: Path, **env: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return seconds, result


def complete_synthetic_scopes(data_dir: Path) -> None:
    """Fill the cells that bench.synthetic leaves empty in its scope rows (columns added to
    scopes.csv after it was written, such as description_zh) from the first real scope, so the
    synthetic data stays valid."""
    fields, rows = read_rows(data_dir / "scopes.csv")
    real = next(row for row in rows if not row["id"].startswith("synthetic-"))
    for row in rows:
        if row["id"].startswith("synthetic-"):
            row.update({field: real[field] for field in fields if not row.get(field)})
    write_rows(data_dir / "scopes.csv", fields, rows)


def build(root: Path, *args: str) -> float:
    return timed([python(), "-m", "eastwest.build", *args], root)[0]


SCALE_PROBE = textwrap.dedent(
    """
    import resource, sys, time, json
    t0 = time.perf_counter()
    from eastwest import dataset, metrics, validate
    t1 = time.perf_counter()
    problems = validate.validate(sys.argv[1])
    t2 = time.perf_counter()
    figures = dataset.load_figures(sys.argv[1])  # validates again: the public loader always does
    t3 = time.perf_counter()
    result = metrics.compute(figures)
    t4 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"import": t1 - t0, "validate": t2 - t1, "load": t3 - t2, "metrics": t4 - t3,
                      "problems": len(problems), "metrics_rows": len(result), "rss_mib": rss / 1024}))
    """
)


def scaling(work: Path, root: Path, sizes: list[int], limit: float) -> list[dict]:
    import json

    rows = []
    for size in sizes:
        data, per_scope = make_data(work / "data-original", work / f"data-{size}", size)
        complete_synthetic_scopes(data)
        figures = len(read_rows(data / "figures.csv")[1])
        try:
            result = subprocess.run(
                [python(), "-c", SCALE_PROBE, str(data)], cwd=root, env=clean_env(), capture_output=True,
                text=True, timeout=limit,
            )  # fmt: skip
            info = json.loads(result.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            info = {"timeout": limit}
        except (ValueError, IndexError):
            raise SystemExit(f"bench: the scaling probe failed:\n{result.stdout}\n{result.stderr}") from None
        info.update(scopes=size, per_scope=per_scope, total=figures)
        rows.append(info)
        shutil.rmtree(data)
    return rows


def naive_chain(root: Path, work: Path) -> tuple[float, int]:
    """papermill CLI → nbconvert CLI → weasyprint CLI, once per report, sequentially."""
    from eastwest import params

    out = work / "naive"
    out.mkdir()
    scopes = params.scopes_with_figures(root / "data")
    runs = []
    from eastwest import build, words

    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        if not build.published(notebook):
            continue
        declared = params.notebook_parameters(notebook)
        for lang in words.LANGS if "lang" in declared else ["en"]:
            language = ["-p", "lang", lang] if "lang" in declared else []
            if "scope" in declared:
                runs += [(notebook, f"{notebook.stem}-{scope}-{lang}", ["-p", "scope", scope, *language])
                         for scope in scopes]  # fmt: skip
            else:
                runs.append((notebook, f"{notebook.stem}-{lang}", language))
    start = time.perf_counter()
    for notebook, name, extra in runs:
        executed = out / f"{name}.ipynb"
        env = {"PYTHONPATH": str(root)}
        timed(
            [str(VENV_BIN / "papermill"), str(notebook), str(executed), "-k", "eastwest", "--cwd",
             str(root / "notebooks"), "-p", "data_dir", "../data", *extra, "--no-progress-bar"],
            root, **env,
        )  # fmt: skip
        timed([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)], root, **env)
        timed([str(VENV_BIN / "weasyprint"), str(out / f"{name}.html"), str(out / f"{name}.pdf")], root, **env)
    return time.perf_counter() - start, len(runs)


def scaling_rows(work: Path, root: Path, sizes: list[int], limit: float) -> list[tuple[str, str, str]]:
    rows = []
    for info in scaling(work, root, sizes, limit):
        target = "target < 2 s" if info["scopes"] == TARGET_SCOPES else "information"
        label = f"validate + metrics, {info['scopes']:,} scopes × {info['per_scope']:.0f} figures ({target})"
        if "timeout" in info:
            rows.append((label, f"> {info['timeout']:.0f} s", f"{info['total']:,} figures; stopped at the limit"))
        else:
            rows.append((
                label,
                f"{info['validate'] + info['metrics']:.2f} s",
                f"{info['total']:,} figures: validate {info['validate']:.2f} s, metrics {info['metrics']:.2f} s "
                f"(load_figures {info['load']:.2f} s, imports {info['import']:.2f} s), "
                f"peak RSS {info['rss_mib']:.0f} MiB"
                + (f", {info['problems']} problems!" if info["problems"] else ""),
            ))  # fmt: skip
        print(f"bench: {info['scopes']} scopes done", flush=True)
    return rows


def print_table(rows: list[tuple[str, str, str]]) -> int:
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'measure':<{width}}  {'time':>9}  notes")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 40}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>9}  {note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the build and the data pipeline.")
    parser.add_argument("--quick", action="store_true", help="skip the 1,000-scope size and the naive chain")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies")
    parser.add_argument("--figures", type=Path, help="use this figures.csv instead of data/figures.csv")
    parser.add_argument(
        "--sizes", type=int, nargs="+", help=f"numbers of synthetic scopes (default 10 {TARGET_SCOPES} 1000)"
    )
    parser.add_argument("--only-scaling", action="store_true", help="time only validate + metrics on generated data")
    parser.add_argument("--limit", type=float, default=120, help="seconds allowed per scaling size (default 120)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="eastwest-bench-"))
    rows: list[tuple[str, str, str]] = []
    try:
        root = copy_project(work / "repo")
        if args.figures:
            shutil.copyfile(args.figures, root / "data" / "figures.csv")
        original_data = work / "data-original"
        shutil.copytree(root / "data", original_data)
        figures = len(read_rows(root / "data" / "figures.csv")[1])
        print(f"bench: copy of the repository in {root} ({figures} figures, {os.cpu_count()} CPUs)", flush=True)

        if args.only_scaling:
            rows += scaling_rows(work, root, args.sizes or [10, TARGET_SCOPES, 1000], args.limit)
            return print_table(rows)
        first = build(root)
        # Interleaved and the best of two each, so load from elsewhere on a shared machine weighs on
        # both figures alike and the ratio stays meaningful.
        warm = english = float("inf")
        for _ in range(2):
            warm = min(warm, build(root, "--force"))
            english = min(english, build(root, "--force", "--edition", "en"))
        rows.append(("full build, first in a fresh copy (both editions)", f"{first:.1f} s", "validation included"))
        rows.append(("full build, warm (--force), both editions", f"{warm:.1f} s",
                     f"{warm / english:.2f} × English only; {warm / ENGLISH_BEFORE:.2f} × the English-only build "
                     f"before the Chinese edition ({ENGLISH_BEFORE} s); target ≤ 1.6"))  # fmt: skip
        rows.append(("full build, warm (--force), English only", f"{english:.1f} s", "EDITION=en"))
        print(f"bench: full build {first:.1f} s, warm {warm:.1f} s, English only {english:.1f} s", flush=True)

        noop = min(timed(["make", "report"], root)[0] for _ in range(3))
        noop_build = min(build(root) for _ in range(3))
        rows.append(
            ("no-op `make report`", f"{noop * 1000:.0f} ms", f"build alone {noop_build * 1000:.0f} ms; target < 1 s")
        )

        one_scope = build(root, "--force", "--scope", "national")
        add_scopes(root / "data", 2)  # copies of the Beijing and the Tianjin figures
        complete_synthetic_scopes(root / "data")
        build(root)  # validation of the new data and the new reports, not timed
        more = build(root, "--force")
        rows.append(("per additional scope report", f"{(more - warm) / 2:.1f} s",
                     f"(forced build with 2 more scopes {more:.1f} s − {warm:.1f} s) / 2; "
                     f"one scope alone {one_scope:.1f} s"))  # fmt: skip
        print(f"bench: +2 scopes {more:.1f} s", flush=True)

        sizes = args.sizes or ([10, TARGET_SCOPES] if args.quick else [10, TARGET_SCOPES, 1000])
        rows += scaling_rows(work, root, sizes, args.limit)

        info = time_one_group(ONE_GROUP_ROWS, source=original_data, limit=args.limit, python=python())
        if "timeout" in info:
            rows.append((f"validate, {ONE_GROUP_ROWS:,} figures in one scope and period", f"> {info['timeout']:.0f} s",
                         "stopped at the limit; target < 10 s, < 1 GB"))  # fmt: skip
        else:
            rows.append((f"validate, {ONE_GROUP_ROWS:,} figures in one scope and period", f"{info['seconds']:.2f} s",
                         f"peak RSS {info['rss_mib']:.0f} MiB, {info['problems']:,} problems; "
                         "target < 10 s, < 1 GB"))  # fmt: skip
        print(f"bench: {describe(info)}", flush=True)

        if not args.quick:
            # The naive chain runs on the original data (the synthetic scopes removed again).
            shutil.rmtree(root / "data")
            shutil.copytree(original_data, root / "data")
            naive, count = naive_chain(root, work)
            rows.append((f"naive chain, {count} reports, both languages (papermill → nbconvert → weasyprint CLIs)",
                         f"{naive:.1f} s", f"our warm build, both editions = {warm / naive:.2f} × naive"))  # fmt: skip
    finally:
        if args.keep:
            print(f"bench: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    return print_table(rows)


if __name__ == "__main__":
    sys.exit(main())
