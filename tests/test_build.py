"""The report build, end to end, in copies of the repository (never in the real reports/).

One full build (`built`) is shared by the module; tests that change something copy that built
tree (reports included) and change the copy, so each pays only for what it rebuilds. The slow
part is the build itself: about 15–25 s per full build on two shared cores.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from bench.project import clean_env, copy_project, python

BUILD = [python(), "-m", "eastwest.build"]


# ---- helpers ---------------------------------------------------------------------------------


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=600)


def snapshot(reports: Path, *, with_times: bool = False) -> dict[str, object]:
    """Every file under reports/ (hidden build state included) → its bytes (and mtime)."""
    result: dict[str, object] = {}
    for path in sorted(reports.rglob("*")):
        if path.is_file() and path.name != "kernels.log":
            key = path.relative_to(reports).as_posix()
            result[key] = (path.read_bytes(), path.stat().st_mtime_ns) if with_times else path.read_bytes()
    return result


def report_files(reports: Path) -> dict[str, bytes]:
    """The published files only (what a reader opens), as bytes."""
    return {
        key: value
        for key, value in snapshot(reports).items()
        if not key.startswith(".build/")
    }


def executed(output: str) -> set[str]:
    return set(re.findall(r"^build: executed (\S+) ", output, flags=re.MULTILINE))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def assert_complete(reports: Path) -> None:
    for html in reports.glob("*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>"), html
    for pdf in reports.glob("*.pdf"):
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), pdf
        assert pdf_text(pdf).strip(), pdf


def leftovers(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.rglob("*") if ".tmp-" in p.name)


def scopes_with_figures(data: Path) -> list[str]:
    with open(data / "figures.csv", encoding="utf-8", newline="") as handle:
        used = {row["scope"] for row in csv.DictReader(handle)}
    with open(data / "scopes.csv", encoding="utf-8", newline="") as handle:
        return [row["id"] for row in csv.DictReader(handle) if row["id"] in used]


def ensure_figures(root: Path) -> None:
    """Stand-in until data/figures.csv lands: the validator tests' small valid dataset."""
    if (root / "data" / "figures.csv").exists():
        return
    from conftest import COLUMNS, VALID_FIGURES

    known = {row["id"] for row in csv.DictReader(open(root / "data" / "indicators.csv", encoding="utf-8"))}
    with open(root / "data" / "figures.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS["figures"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(row for row in VALID_FIGURES if row["indicator"] in known)


def clone_of(built: Path, tmp_path: Path, name: str = "copy") -> Path:
    """A copy of the built tree (reports included): up to date, since keys hold no paths."""
    dest = tmp_path / name
    shutil.copytree(built, dest, symlinks=True)
    return dest


def edit_rows(data: Path, change) -> None:
    path = data / "figures.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = [change(dict(row)) for row in rows]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def add_cell(notebook: Path, cell_type: str, source: str) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = {"cell_type": cell_type, "id": f"added-{len(nb['cells'])}", "metadata": {}, "source": source}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    nb["cells"].append(cell)
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# ---- the shared full build ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A fresh copy of the repository (path with a space) after one full `python -m eastwest.build`."""
    root = copy_project(tmp_path_factory.mktemp("clone") / "east west a")
    ensure_figures(root)
    start = time.perf_counter()
    result = run(BUILD, root)
    seconds = time.perf_counter() - start
    print(f"\nfull build: {seconds:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def expected_names(root: Path) -> list[str]:
    scopes = scopes_with_figures(root / "data")
    return ["01-overview", *[f"02-cooperation-{scope}" for scope in scopes], "03-data-audit"]


def test_a_full_build_writes_every_report(built: Path):
    reports = built / "reports"
    names = expected_names(built)
    assert "02-cooperation-beijing-inner-mongolia" in names
    for name in names:
        for path in (reports / f"{name}.html", reports / f"{name}.pdf", reports / "notebooks" / f"{name}.ipynb"):
            assert path.is_file(), path
    for name in ("metrics.csv", "audit.csv", "report.pdf", "index.html"):
        assert (reports / name).is_file(), name
    assert_complete(reports)
    index = (reports / "index.html").read_text(encoding="utf-8")
    for name in names:
        assert f'href="{name}.html"' in index and f'href="{name}.pdf"' in index
    assert 'href="report.pdf"' in index
    assert 'href="metrics.csv"' in index and 'href="audit.csv"' in index
    # The combined PDF holds every part: at least as many pages as the parts together, minus covers.
    combined = pdf_text(reports / "report.pdf")
    assert combined.count("\f") >= len(names)
    # Each report is laid out once: report.pdf is a contents page and the reports' own pages.
    assert pdf_pages(reports / "report.pdf") == 1 + sum(pdf_pages(reports / f"{name}.pdf") for name in names)
    assert list((reports / ".build").glob("vega-runtime-*.js")), "the Vega runtime is kept for the next build"
    assert leftovers(reports) == []


def test_executed_notebooks_are_kept_without_run_specific_metadata(built: Path):
    for path in (built / "reports" / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert set(nb["metadata"].get("papermill", {})) <= {"parameters", "version"}, path
        assert nb["metadata"]["papermill"]["parameters"]["data_dir"] == "../data"
        for cell in nb["cells"]:
            assert "papermill" not in cell["metadata"] and "execution" not in cell["metadata"], path
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), path  # as in a fresh kernel
    for path in (built / "reports").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".csv"):
            assert str(built) not in path.read_text(encoding="utf-8"), f"{path} names the checkout's path"


def test_metrics_and_audit_are_the_modules_output(built: Path):
    import io

    from eastwest import audit, metrics, tables

    figures = tables.load_figures(built / "data")
    for name, frame in (("metrics.csv", metrics.compute(figures)), ("audit.csv", audit.run(figures))):
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, lineterminator="\n")
        assert (built / "reports" / name).read_bytes() == buffer.getvalue().encode("utf-8"), name


def test_nothing_changed_means_nothing_done_in_under_a_second(built: Path):
    before = snapshot(built / "reports", with_times=True)
    timings = []
    for command in (BUILD, ["make", "report"], ["make", "-j2", "report"]):
        start = time.perf_counter()
        result = run(command, built)
        timings.append(time.perf_counter() - start)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "up to date" in result.stdout, result.stdout
    print(f"\nno-op: build {timings[0]:.2f} s, make report {timings[1]:.2f} s, make -j2 report {timings[2]:.2f} s")
    assert snapshot(built / "reports", with_times=True) == before
    assert max(timings) < 1.5, timings  # target 1 s; margin for a loaded machine


def test_two_clones_at_different_paths_build_identical_bytes(built: Path, tmp_path: Path):
    # The same files (copied from the first copy, so work going on in the repository meanwhile
    # cannot make them differ) at another path, with no reports yet.
    other = tmp_path / "elsewhere" / "b"
    reports_dir = str(built / "reports")
    shutil.copytree(built, other, symlinks=True, ignore=lambda folder, names: names if folder == reports_dir else [])
    assert list((other / "reports").iterdir()) == []
    result = run(BUILD, other)
    assert result.returncode == 0, result.stdout + result.stderr
    first, second = report_files(built / "reports"), report_files(other / "reports")
    assert sorted(first) == sorted(second)
    compared = [k for k in first if k.endswith((".html", ".csv", ".ipynb"))]
    assert len(compared) >= 2 * len(expected_names(built)) + 2
    assert [k for k in compared if first[k] != second[k]] == []
    # The same inputs give the same keys, so a copied tree is up to date wherever it lies.
    manifest = "reports/.build/manifest.json"
    assert (built / manifest).read_bytes() == (other / manifest).read_bytes()


# ---- incremental -------------------------------------------------------------------------------


def test_changing_one_scopes_figures_rebuilds_only_what_reads_them(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    reports = root / "reports"
    before = snapshot(reports, with_times=True)

    def note(row):
        if row["scope"] == "tianjin-assisted" and row["status"] == "ok":
            row["note"] = (row["note"] + " (checked again)").strip()
        return row

    edit_rows(root / "data", note)
    result = run(BUILD, root)
    assert result.returncode == 0, result.stdout + result.stderr
    # Overview and audit read all figures; among the cooperation reports only Tianjin's changes.
    assert executed(result.stdout) == {"01-overview", "02-cooperation-tianjin-assisted", "03-data-audit"}
    after = snapshot(reports, with_times=True)
    for scope in ("beijing-inner-mongolia", "national"):
        for key in (f"02-cooperation-{scope}.html", f"02-cooperation-{scope}.pdf"):
            if key in before:
                assert after[key] == before[key], key  # same bytes, not even rewritten
    assert "build: metrics.csv, audit.csv" in result.stdout
    assert_complete(reports)
    # The decision holds for the notebook as written: rebuilt anyway, Beijing's report is unchanged.
    result = run([*BUILD, "--force", "--scope", "beijing-inner-mongolia"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    for key in ("02-cooperation-beijing-inner-mongolia.html", "notebooks/02-cooperation-beijing-inner-mongolia.ipynb"):
        assert (reports / key).read_bytes() == before[key][0], key


def test_changing_one_notebook_rebuilds_only_its_report(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    add_cell(root / "notebooks" / "03_data_audit.ipynb", "markdown", "A sentence added to the audit.")
    result = run(BUILD, root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert executed(result.stdout) == {"03-data-audit"}
    assert "rendered report.pdf" in result.stdout
    assert "metrics.csv" not in result.stdout
    assert "A sentence added to the audit." in (root / "reports" / "03-data-audit.html").read_text(encoding="utf-8")


# ---- failures leave the previous reports -----------------------------------------------------


def test_a_failing_cell_fails_the_build_with_its_traceback(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    add_cell(root / "notebooks" / "03_data_audit.ipynb", "code", 'raise ValueError("deliberate failure in a cell")')
    result = run(BUILD, root)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "notebooks/03_data_audit.ipynb" in output
    assert "ValueError: deliberate failure in a cell" in output
    assert "Traceback (most recent call last)" not in result.stderr  # the cell's traceback, not ours
    assert report_files(root / "reports") == before
    assert leftovers(root / "reports") == []


def test_bad_data_prints_the_validators_lines_and_writes_nothing(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = snapshot(root / "reports", with_times=True)
    first = {"done": False}

    def spoil(row):
        if not first["done"]:
            row["value"] = "twelve"
            first["done"] = True
        return row

    edit_rows(root / "data", spoil)
    result = run(BUILD, root)
    assert result.returncode == 1
    assert re.search(r"^data/figures\.csv:2: value: ", result.stdout, flags=re.MULTILINE), result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert snapshot(root / "reports", with_times=True) == before


def _start_build(root: Path, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [*BUILD, *args], cwd=root, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in process.stdout:  # wait until notebooks are executing
        if line.startswith("build: running"):
            break
    else:
        pytest.fail("the build never started its notebooks")
    time.sleep(2.0)
    assert process.poll() is None, "the build ended before it could be interrupted"
    return process


def _build_processes(root: Path) -> list[int]:
    """Processes whose working directory is inside the copy (builds, workers, kernels)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cwd = os.readlink(proc / "cwd")
            except OSError:
                continue
            if cwd == str(root) or cwd.startswith(str(root) + "/"):
                found.append(int(proc.name))
    return found


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_build_leaves_the_previous_reports(built: Path, tmp_path: Path, sig):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    process = _start_build(root, "--force")
    process.send_signal(sig)
    rest = process.stdout.read()
    code = process.wait(timeout=60)
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130 and "reports/ left as it was" in rest, rest
        assert [p for p in (root / "reports" / ".build").iterdir() if ".stage" in p.name] == []
    assert report_files(root / "reports") == before
    assert_complete(root / "reports")
    # Nothing of the build keeps running (workers and kernels follow the main process).
    deadline = time.monotonic() + 15
    while _build_processes(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _build_processes(root) == []
    # The next build removes what a killed one left and finds everything up to date.
    result = run(BUILD, root)
    assert result.returncode == 0 and "up to date" in result.stdout, result.stdout + result.stderr
    assert leftovers(root / "reports") == []
    assert dead_kernel_dirs() == []


def dead_kernel_dirs() -> list[Path]:
    """Kernel socket directories (named after their executor's pid) whose executor is gone."""
    import tempfile

    from eastwest import atomic, build

    found = []
    for path in Path(tempfile.gettempdir()).glob(f"{build.KERNEL_DIR_PREFIX}*"):
        pid = path.name[len(build.KERNEL_DIR_PREFIX) :].split("-")[0]
        if pid.isdigit() and not atomic.process_alive(int(pid)):
            found.append(path)
    return found


# ---- parameters through make -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ['x"; import os; os.system("touch pwned") #', "$(touch pwned) `touch pwned` $(shell touch pwned)"],
)
def test_hostile_scope_values_are_refused_as_data(built: Path, tmp_path: Path, value: str):
    root = clone_of(built, tmp_path)
    before = snapshot(root / "reports", with_times=True)
    result = run(["make", "report", f"SCOPE={value}"], root)
    assert result.returncode != 0
    assert "unknown SCOPE" in result.stderr and "valid values: beijing-inner-mongolia" in result.stderr
    assert repr(value) in result.stderr  # named exactly, nothing expanded
    assert snapshot(root / "reports", with_times=True) == before
    for folder in (root, root / "notebooks", tmp_path, Path.cwd()):
        assert not (folder / "pwned").exists(), folder
    assert not list(root.rglob("pwned"))


@pytest.mark.parametrize("assignment", ["scope=national", "SCOPES=national"])
def test_unknown_make_variables_stop_the_build(built: Path, assignment: str):
    result = run(["make", "report", assignment], built)
    assert result.returncode != 0
    name = assignment.split("=")[0]
    assert f"unknown make variable '{name}' (did you mean SCOPE?)" in result.stderr


def test_make_scope_builds_only_that_scope(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = snapshot(root / "reports", with_times=True)

    def note(row):
        if row["scope"] == "national" and row["status"] == "ok":
            row["note"] = (row["note"] + " (re-read)").strip()
        return row

    edit_rows(root / "data", note)
    result = run(["make", "report", "SCOPE=national"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert executed(result.stdout) == {"02-cooperation-national"}
    after = snapshot(root / "reports", with_times=True)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed <= {
        "02-cooperation-national.html", "02-cooperation-national.pdf", "notebooks/02-cooperation-national.ipynb",
        ".build/manifest.json", ".build/validated", ".build/timings.json", ".build/validation-cache.json",
    }  # fmt: skip


def test_concurrent_builds_take_turns_and_a_fresh_kernel_gives_the_same_bytes(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    processes = [
        subprocess.Popen(
            [*BUILD, "--force", "--scope", "national"], cwd=root, env=clean_env(), stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert leftovers(root / "reports") == []
    after = report_files(root / "reports")
    # Built alone in a fresh kernel, the national report equals the one built after other notebooks
    # in a reused kernel during the full build.
    assert after == before
