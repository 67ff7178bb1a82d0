"""The report build, end to end, in copies of the repository (never in the real reports/).

One full build (`built`) is shared by the module; tests that change something copy that built
tree (reports included) and change the copy, so each pays only for what it rebuilds. The slow
part is the build itself: about 15–25 s per full build on two shared cores.
"""

from __future__ import annotations

import csv
import html
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
from eastwest import atomic

BUILD = [python(), "-m", "eastwest.build"]


# ---- helpers ---------------------------------------------------------------------------------


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=600)


def snapshot(reports: Path, *, with_times: bool = False) -> dict[str, object]:
    """Every file a reader finds under reports/ (links followed), the build state in .build/ and the
    published version's record (as "manifest") → its bytes (and mtime)."""
    result: dict[str, object] = {}
    files = [path for path in (reports / ".build").glob("*") if path.is_file() and path.name != "kernels.log"]
    for here, dirs, names in os.walk(reports, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(here) / name for name in names if not name.startswith(".")]
    version = atomic.current_version(reports)
    if version is not None and (version / atomic.MANIFEST).is_file():
        files.append(version / atomic.MANIFEST)
    for path in sorted(files):
        key = "manifest" if path.name == atomic.MANIFEST else path.relative_to(reports).as_posix()
        result[key] = (path.read_bytes(), path.stat().st_mtime_ns) if with_times else path.read_bytes()
    return result


def report_files(reports: Path) -> dict[str, bytes]:
    """The published files only (what a reader opens), as bytes."""
    return {
        key: value for key, value in snapshot(reports).items() if not key.startswith(".build/") and key != "manifest"
    }


def executed(output: str) -> set[str]:
    return set(re.findall(r"^build: executed (\S+) ", output, flags=re.MULTILINE))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_text_pages(path: Path, last: int) -> str:
    command = ["pdftotext", "-l", str(last), str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def assert_complete(reports: Path) -> None:
    for page in reports.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page
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
    """In the order report.pdf combines them: the brief, the overview, the scopes, the audit."""
    scopes = scopes_with_figures(root / "data")
    return ["brief", "01-overview", *[f"02-cooperation-{scope}" for scope in scopes], "03-data-audit"]


def both(*names: str) -> set[str]:
    """Job names in both editions: English at the top of reports/, Chinese under zh/."""
    return {prefix + name for name in names for prefix in ("", "zh/")}


def test_a_full_build_writes_every_report_in_both_editions(built: Path):
    reports = built / "reports"
    names = expected_names(built)
    assert "02-cooperation-beijing-inner-mongolia" in names
    for folder in (reports, reports / "zh"):
        for name in names:
            for path in (folder / f"{name}.html", folder / f"{name}.pdf", folder / "notebooks" / f"{name}.ipynb"):
                assert path.is_file(), path
        for name in ("report.pdf", "index.html"):
            assert (folder / name).is_file(), folder / name
        assert_complete(folder)
        # Each report is laid out once: report.pdf is a contents page and the reports' own pages.
        assert pdf_pages(folder / "report.pdf") == 1 + sum(pdf_pages(folder / f"{name}.pdf") for name in names)
    for name in ("metrics.csv", "audit.csv"):  # one copy, for both editions
        assert (reports / name).is_file() and not (reports / "zh" / name).exists(), name
    for index, up in ((reports / "index.html", ""), (reports / "zh" / "index.html", "../")):
        text = index.read_text(encoding="utf-8")
        for name in names:
            assert f'href="{name}.html"' in text and f'href="{name}.pdf"' in text, (index, name)
        assert 'href="report.pdf"' in text
        assert f'href="{up}metrics.csv"' in text and f'href="{up}audit.csv"' in text
    assert list((reports / ".build").glob("vega-runtime-*.js")), "the Vega runtime is kept for the next build"
    assert leftovers(reports) == []


def test_titles_come_from_the_messages_and_report_pdf_opens_with_the_brief(built: Path):
    from eastwest import words

    with open(built / "data" / "scopes.csv", encoding="utf-8", newline="") as handle:
        scope_titles = {row["id"]: row for row in csv.DictReader(handle)}
    for lang, folder, separator in (("en", built / "reports", ": "), ("zh", built / "reports" / "zh", "：")):
        brief = words.text("report.title.00_brief", lang)
        scope = words.text("report.title.02_cooperation", lang) + separator
        scope += scope_titles["beijing-inner-mongolia"][f"title_{lang}"]
        assert f"<title>{brief}</title>" in (folder / "brief.html").read_text(encoding="utf-8")
        page = (folder / "02-cooperation-beijing-inner-mongolia.html").read_text(encoding="utf-8")
        assert f"<title>{html.escape(scope)}</title>" in page, lang
        cover = re.sub(r"\s+", " ", pdf_text_pages(folder / "report.pdf", 1))
        order = [words.text(f"report.title.{stem}", lang) for stem in ("00_brief", "01_overview", "03_data_audit")]
        positions = [cover.find(title) for title in order]
        assert -1 not in positions and positions == sorted(positions), (lang, cover)


def test_a_notebook_marked_not_to_publish_is_not_built(built: Path):
    marked = [
        path for path in (built / "notebooks").glob("*.ipynb")
        if json.loads(path.read_text(encoding="utf-8"))["metadata"].get("eastwest", {}).get("publish") is False
    ]  # fmt: skip
    if not marked:  # make one: a copy of the overview that must not appear
        source = json.loads((built / "notebooks" / "01_overview.ipynb").read_text(encoding="utf-8"))
        source["metadata"]["eastwest"] = {"publish": False}
        (built / "notebooks" / "09_private.ipynb").write_text(json.dumps(source), encoding="utf-8")
        marked = [built / "notebooks" / "09_private.ipynb"]
    result = run(BUILD, built)
    assert result.returncode == 0 and "up to date" in result.stdout, result.stdout + result.stderr
    for path in marked:
        stem = path.stem.replace("_", "-")
        assert not list((built / "reports" / ".current").rglob(f"*{stem}*")), stem
    (built / "notebooks" / "09_private.ipynb").unlink(missing_ok=True)


def test_executed_notebooks_are_kept_without_run_specific_metadata(built: Path):
    for path in (built / "reports" / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert set(nb["metadata"].get("papermill", {})) <= {"parameters", "version"}, path
        assert nb["metadata"]["papermill"]["parameters"]["data_dir"] == "../data"
        assert nb["metadata"]["papermill"]["parameters"]["lang"] == "en"
    for path in (built / "reports" / "zh" / "notebooks").glob("*.ipynb"):
        assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["papermill"]["parameters"]["lang"] == "zh"
        for cell in nb["cells"]:
            assert "papermill" not in cell["metadata"] and "execution" not in cell["metadata"], path
        counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), path  # as in a fresh kernel
    for path in (built / "reports").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".csv"):
            assert str(built) not in path.read_text(encoding="utf-8"), f"{path} names the checkout's path"


def test_metrics_and_audit_are_the_modules_output(built: Path):
    import io

    from eastwest import audit, dataset, metrics, words

    figures = dataset.load_figures(built / "data")
    for name, frame in (("metrics.csv", metrics.compute(figures)), ("audit.csv", audit.run(figures))):
        frame = words.add_note_texts(frame)  # the notes worded in both languages
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
    result = run([*BUILD, "--edition", "en"], other)  # the English edition is enough to show it
    assert result.returncode == 0, result.stdout + result.stderr
    first = {k: v for k, v in report_files(built / "reports").items() if not k.startswith("zh/")}
    second = report_files(other / "reports")
    assert sorted(first) == sorted(second)
    compared = [k for k in first if k.endswith((".html", ".csv", ".ipynb"))]
    assert len(compared) >= 2 * len(expected_names(built)) + 2
    assert [k for k in compared if first[k] != second[k]] == []
    # The same inputs give the same keys, so a copied tree is up to date wherever it lies.
    built_keys = json.loads(snapshot(built / "reports")["manifest"])
    other_keys = json.loads(snapshot(other / "reports")["manifest"])
    assert other_keys and all(built_keys[output] == key for output, key in other_keys.items())


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
    result = run([*BUILD, "--edition", "en"], root)  # one edition: the keys are the same rule in both
    assert result.returncode == 0, result.stdout + result.stderr
    # The brief, the overview and the audit read all figures; among the scope reports only Tianjin's changes.
    assert executed(result.stdout) == {"brief", "01-overview", "02-cooperation-tianjin-assisted", "03-data-audit"}
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
    assert executed(result.stdout) == both("03-data-audit")
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
        assert [p for p in (root / "reports" / atomic.VERSIONS).iterdir() if atomic.is_temp(p)] == []
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
    assert executed(result.stdout) == both("02-cooperation-national")
    after = snapshot(root / "reports", with_times=True)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed <= {
        "02-cooperation-national.html", "02-cooperation-national.pdf", "notebooks/02-cooperation-national.ipynb",
        "zh/02-cooperation-national.html", "zh/02-cooperation-national.pdf",
        "zh/notebooks/02-cooperation-national.ipynb",
        "manifest", ".build/validated", ".build/timings.json", ".build/validation-cache.json",
    }  # fmt: skip


def test_make_edition_builds_one_language_and_the_other_stays_as_it_was(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")

    def note(row):
        if row["scope"] == "tianjin-assisted" and row["status"] == "ok":
            row["note"] = (row["note"] + " (checked again)").strip()
        return row

    edit_rows(root / "data", note)
    result = run(["make", "report", "EDITION=zh"], root)
    assert result.returncode == 0, result.stdout + result.stderr
    rebuilt = {"brief", "01-overview", "02-cooperation-tianjin-assisted", "03-data-audit"}
    assert executed(result.stdout) == {f"zh/{name}" for name in rebuilt}
    after = report_files(root / "reports")
    assert sorted(after) == sorted(before)  # nothing of the English edition dropped
    assert [key for key in after if not key.startswith("zh/") and key.endswith((".html", ".pdf", ".ipynb"))
            and after[key] != before[key]] == []  # fmt: skip
    result = run(["make", "report"], root)  # now the English edition catches up, and only it
    assert result.returncode == 0, result.stdout + result.stderr
    assert executed(result.stdout) == rebuilt


@pytest.mark.parametrize("value", ["fr", "$(touch pwned)", "EN"])
def test_an_unknown_edition_is_refused_with_the_valid_ones(built: Path, value: str):
    before = snapshot(built / "reports", with_times=True)
    result = run(["make", "report", f"EDITION={value}"], built)
    assert result.returncode == 2
    assert f"unknown EDITION {value!r}; valid values: en, zh" in result.stderr
    assert not list(built.rglob("pwned"))
    assert snapshot(built / "reports", with_times=True) == before


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


# ---- the published set: whole, and recorded truly ------------------------------------------------


def differing(one: dict[str, bytes], other: dict[str, bytes]) -> set[str]:
    return {key for key in set(one) | set(other) if one.get(key) != other.get(key)}


def test_deleting_the_build_folder_during_a_build_never_leaves_stale_files_called_current(built: Path, tmp_path: Path):
    # `make clean` while a build runs. A new data version date changes every PDF, so an old PDF is visible.
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    package = root / "data" / "datapackage.json"
    text = package.read_text(encoding="utf-8")
    day = re.search(r'"created": "\d{4}-\d{2}-(\d{2})', text)
    other_day = "02" if day.group(1) != "02" else "03"
    package.write_text(text[: day.start(1)] + other_day + text[day.end(1) :], encoding="utf-8")
    process = subprocess.Popen(
        BUILD, cwd=root, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    while process.poll() is None:
        shutil.rmtree(root / "reports" / ".build", ignore_errors=True)
        time.sleep(0.3)
    output = process.stdout.read()
    assert "Traceback" not in output, output
    pdfs = [key for key in before if key.endswith(".pdf")]
    after = report_files(root / "reports")
    if process.returncode == 0:
        assert [key for key in pdfs if after[key] == before[key]] == [], "an old PDF published as current"
    else:
        assert after == before, output
    # Whatever happened, the next build ends with every PDF of the new data version.
    result = run(BUILD, root)
    assert result.returncode == 0, result.stdout + result.stderr
    after = report_files(root / "reports")
    assert [key for key in pdfs if after[key] == before[key]] == [], result.stdout
    assert_complete(root / "reports")


PUBLISH_SLOWLY = """
import os, shutil, sys, time
from eastwest import atomic, build

publish, slow = atomic.publish, {}

def slowed(function):
    def call(*args, **kwargs):
        time.sleep(0.01)
        return function(*args, **kwargs)
    return call

def publish_slowly(folder, stage):  # each step of publishing takes a moment, so a kill can land inside it
    names = ("replace", "symlink", "unlink", "fsync", "rmdir", "link")
    real = {name: getattr(os, name) for name in names}
    print("publishing", flush=True)
    start = time.perf_counter()
    for name in names:
        setattr(os, name, slowed(real[name]))
    try:
        return publish(folder, stage)
    finally:
        for name in names:
            setattr(os, name, real[name])
        print(f"published in {time.perf_counter() - start:.3f} s", flush=True)

atomic.publish = publish_slowly
sys.exit(build.main(sys.argv[1:]))
"""


def test_a_build_killed_while_publishing_leaves_one_whole_set(built: Path, tmp_path: Path):
    import random

    root = clone_of(built, tmp_path)
    slow_build = [python(), "-c", PUBLISH_SLOWLY, "--force", "--scope", "national"]
    sets = [report_files(root / "reports")]

    table = root / "data" / "scopes.csv"  # the national report's title: in its HTML and its PDF
    original = table.read_bytes()
    with open(table, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == "national":
            row["title_en"] += " (retitled)"
    with open(table, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    changed = table.read_bytes()
    result = run(slow_build, root)
    assert result.returncode == 0, result.stdout + result.stderr
    window = float(re.search(r"published in ([0-9.]+) s", result.stdout).group(1))
    sets.append(report_files(root / "reports"))
    moving = differing(*sets)
    assert len(moving) >= 2, f"the two data versions must give different reports: {moving}"
    rng = random.Random(4)
    for attempt in range(3):  # alternate the data, kill inside publishing, look at what a reader sees
        table.write_bytes(original if attempt % 2 == 0 else changed)
        process = subprocess.Popen(slow_build, cwd=root, env=clean_env(), stdout=subprocess.PIPE, text=True)
        for line in process.stdout:
            if line.startswith("publishing"):
                break
        time.sleep(rng.uniform(0, window))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        seen = report_files(root / "reports")
        assert any(all(seen.get(key) == each.get(key) for key in moving) for each in sets), (
            f"kill {attempt}: a mixed set: "
            + ", ".join(sorted(key for key in moving if seen.get(key) == sets[0].get(key)))
        )
        assert_complete(root / "reports")


# ---- the environment fails: one sentence, nothing changed ------------------------------------------


def assert_one_sentence(result: subprocess.CompletedProcess, *phrases: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    for phrase in phrases:
        assert phrase in output, output


def test_a_dangling_reports_link_is_named(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    shutil.rmtree(root / "reports")
    (root / "reports").symlink_to(tmp_path / "gone")
    result = run(BUILD, root)
    assert_one_sentence(result, f"reports is a symbolic link to {tmp_path / 'gone'}, which does not exist")
    assert not (tmp_path / "gone").exists()


FAULTY = """
import builtins, errno, io, os, sys
from eastwest import atomic, build
kind, pattern = sys.argv[1], sys.argv[2]
reports = os.path.join(os.getcwd(), "reports")

if kind == "read-only":  # every write under reports/ refused, as on a read-only mount
    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir
    def opener(file, mode="r", *args, **kwargs):
        if os.fspath(file).startswith(reports) and set(mode) & set("wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)
    def os_opener(path, flags, *args, **kwargs):
        if os.fspath(path).startswith(reports) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)
    def mkdir(path, *args, **kwargs):
        if os.fspath(path).startswith(reports) and not os.path.isdir(path):
            refuse(path)
        return real_mkdir(path, *args, **kwargs)
    builtins.open = io.open = opener
    os.open, os.mkdir = os_opener, mkdir
else:  # the disk fills up when a file whose name ends with `pattern` is written
    write_bytes = atomic.write_bytes
    def full(target, data, **kwargs):
        if str(target).endswith(pattern):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return write_bytes(target, data, **kwargs)
    atomic.write_bytes = full
sys.exit(build.main(sys.argv[3:]))
"""


def test_a_read_only_reports_folder_is_one_sentence_even_when_nothing_is_to_do(built: Path):
    before = snapshot(built / "reports", with_times=True)
    result = run([python(), "-c", FAULTY, "read-only", "", "--force"], built)
    assert_one_sentence(result, "cannot be written (Read-only file system); make reports/ writable")
    result = run([python(), "-c", FAULTY, "read-only", ""], built)  # up to date, yet the lock is a write
    assert_one_sentence(result, "cannot be written (Read-only file system); make reports/ writable")
    assert snapshot(built / "reports", with_times=True) == before


@pytest.mark.parametrize("pattern", ["metrics.csv", "-national.pdf"])
def test_a_full_disk_is_one_sentence_and_publishes_nothing(built: Path, tmp_path: Path, pattern: str):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    if pattern == "metrics.csv":  # only the tables need rebuilding: forget their record
        record = atomic.current_version(root / "reports") / atomic.MANIFEST
        manifest = json.loads(record.read_text(encoding="utf-8"))
        record.write_text(json.dumps({k: v for k, v in manifest.items() if k != "metrics.csv"}), encoding="utf-8")
        args = []
    else:  # a forked PDF writer meets the full disk
        args = ["--force", "--scope", "national"]
    result = run([python(), "-c", FAULTY, "disk-full", pattern, *args], root)
    assert_one_sentence(result, "the disk is full (no space left to write", "free some space")
    assert report_files(root / "reports") == before
    assert [p for p in (root / "reports" / atomic.VERSIONS).iterdir() if atomic.is_temp(p)] == []


def test_a_dying_kernel_is_one_sentence(built: Path, tmp_path: Path):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    add_cell(root / "notebooks" / "03_data_audit.ipynb", "code", "import os\nos._exit(9)")
    result = run(BUILD, root)
    assert_one_sentence(result, "the Jupyter kernel died while executing notebooks/03_data_audit.ipynb",
                        "reports/.build/kernels.log")  # fmt: skip
    assert report_files(root / "reports") == before


@pytest.mark.parametrize("broken", ["ident,title_en\nnational,National\n", "id,title_en\n"])
def test_scope_with_a_broken_scopes_table_names_the_file(built: Path, tmp_path: Path, broken: str):
    root = clone_of(built, tmp_path)
    before = report_files(root / "reports")
    (root / "data" / "scopes.csv").write_text(broken, encoding="utf-8")
    result = run(["make", "report", "SCOPE=national"], root)
    assert_one_sentence(result, "data/scopes.csv")
    assert not re.search(r"valid values: *$", result.stdout + result.stderr, flags=re.MULTILINE)
    assert report_files(root / "reports") == before


def test_a_kernel_bound_to_another_checkout_is_refused_with_what_to_do(tmp_path: Path, monkeypatch):
    from eastwest import build

    spec = tmp_path / "kernels" / "eastwest-moved"
    spec.mkdir(parents=True)
    elsewhere = "/nonexistent/original checkout/.venv/bin/python"
    argv = [elsewhere, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "moved", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(build.BuildError, match=f"runs {elsewhere}, not this checkout's"):
        build.check_kernel("eastwest-moved")
    build.check_kernel("eastwest")  # the real one names this interpreter


def _data_folder(tmp_path: Path, **tables: bytes) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name, content in tables.items():
        (data / f"{name}.csv").write_bytes(content)
    return data


@pytest.mark.parametrize("read", ["scope_titles", "index_entries"])
def test_a_scopes_table_changed_after_validation_stops_the_build_naming_file_and_line(tmp_path: Path, read: str):
    from eastwest import build

    data = _data_folder(tmp_path, scopes=b'id,title_en\nnational,"National\n')
    plan = build.Plan(jobs=[], partial=False, keys={})
    call = {
        "scope_titles": lambda: build.scope_titles(data),
        "index_entries": lambda: build.index_entries(plan, data, "en"),
    }
    with pytest.raises(build.BuildError, match=r"scopes\.csv:2: -: record cut off or badly quoted .* — fix the file"):
        call[read]()
    (data / "scopes.csv").unlink()
    with pytest.raises(build.BuildError, match=r"scopes\.csv:1: -: file is missing — fix the file"):
        call[read]()
    (data / "scopes.csv").write_bytes(b"ident,title_en\nnational,National\n")
    with pytest.raises(build.BuildError, match=r"scopes\.csv:1: id: required column is missing from the header"):
        call[read]()


def test_figures_are_grouped_by_scope_through_a_bom_and_crlf(tmp_path: Path):
    from eastwest import build

    data = _data_folder(tmp_path, figures=b"\xef\xbb\xbfid,scope,seed\r\n1,a,x.txt\r\n2,b,y.txt\r\n3,a,z.txt\r\n")
    header, groups = build.figures_by_scope(data)
    assert header == ["id", "scope", "seed"]
    assert groups == {"a": [["1", "a", "x.txt"], ["3", "a", "z.txt"]], "b": [["2", "b", "y.txt"]]}
    (data / "figures.csv").write_bytes(b"id,scope,seed\n1,a,x.txt\n2,b\n")
    with pytest.raises(build.BuildError, match=r"figures\.csv:3: -: has 2 fields, the header has 3"):
        build.figures_by_scope(data)


# ---- what a reader of the built PDFs sees ---------------------------------------------------------

INTERNAL_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
FIRST_PAGE_HEADINGS = {"en": ("Key findings", "What the audit found"), "zh": ("主要发现", "核查发现")}


def _editions(built: Path):
    return (("en", built / "reports"), ("zh", built / "reports" / "zh"))


def test_the_brief_fits_in_four_pages_in_both_editions(built: Path):
    for lang, folder in _editions(built):
        assert pdf_pages(folder / "brief.pdf") <= 4, lang


def test_every_report_opens_with_its_findings(built: Path):
    for lang, folder in _editions(built):
        for name in expected_names(built):
            first = pdf_text_pages(folder / f"{name}.pdf", 1)
            assert any(heading in first for heading in FIRST_PAGE_HEADINGS[lang]), (lang, name)
        # report.pdf: a contents page, then the brief
        assert (
            FIRST_PAGE_HEADINGS[lang][0]
            in subprocess.run(
                ["pdftotext", "-f", "2", "-l", "2", str(folder / "report.pdf"), "-"], capture_output=True, text=True
            ).stdout
        )


def test_no_pdf_shows_internal_names(built: Path):
    for _, folder in _editions(built):
        for pdf in folder.glob("*.pdf"):
            names = set(INTERNAL_NAME.findall(pdf_text(pdf))) - {"data_dir"}
            assert not names, (pdf.name, sorted(names)[:10])


def test_the_beijing_body_fits_in_eight_pages(built: Path):
    pdf = built / "reports" / "02-cooperation-beijing-inner-mongolia.pdf"
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    appendix = next(number for number, text in enumerate(pages, 1) if "Appendix A. Every figure" in text)
    assert appendix - 1 <= 8, f"the body runs to page {appendix - 1}"


def test_chinese_first_pages_are_mostly_chinese_and_print_amounts_in_yi(built: Path):
    folder = built / "reports" / "zh"
    for name in expected_names(built):
        text = pdf_text_pages(folder / f"{name}.pdf", 1)
        text = re.sub(r"“[^”]*”", " ", text)  # quotes stay in the language they were printed in
        text = re.sub(r"[a-z0-9]+-[a-z0-9-]*", " ", text)  # figure ids, even where a line break cuts one
        han = len(re.findall(r"[\u4e00-\u9fff]", text))
        latin = len(re.findall(r"[A-Za-z]", text))
        assert han > 3 * latin, (name, han, latin)
    assert "27.44亿元" in pdf_text(folder / "brief.pdf")


def test_every_figure_link_lands_on_its_quote_in_the_same_page(built: Path):
    for _, folder in _editions(built):
        for page in folder.glob("*.html"):
            text = page.read_text(encoding="utf-8")
            targets = set(re.findall(r'href="#(fig-[^"]+)"', text))
            anchors = set(re.findall(r'id="(fig-[^"]+)"', text))
            assert targets <= anchors, (page.name, sorted(targets - anchors)[:5])
