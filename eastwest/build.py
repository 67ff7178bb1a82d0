"""Build everything under reports/: `python -m eastwest.build` (what `make report` runs).

Steps, in order; the first failure stops the build with a message and exit status 1:

1. Parameters (eastwest.params): `--scope`/`--param`, or from make `SCOPE=` and the names on
   make's command line. Unknown names or values stop the build before anything is written.
2. Validation (eastwest.validate) of data/ and seeds/. On problems, their FILE:ROW: COLUMN lines
   are printed and nothing under reports/ is written. A passing result is remembered in
   reports/.build/validated against a hash of data/, seeds/ and the code, so an unchanged
   repository is not validated twice. The build loads the figures through eastwest.dataset, which
   validates through validate.validate_cached: its record (reports/.build/validation-cache.json)
   is the one the notebooks' kernels consult when they load the data, so they do not validate
   what the build has just validated.
3. Plan: one *job* per report: every notebook in notebooks/ once, except a notebook declaring a
   `scope` parameter, which is run once per scope of data/scopes.csv that has figures. Each job
   has a key, a hash of exactly what it reads (below); reports/.build/manifest.json records the
   key each output was built from, so a job whose key and outputs are unchanged is skipped.
4. Notebooks run in `--jobs` (default 2) executor processes, each with one Jupyter kernel reused
   for its share of the notebooks (reset to a fresh kernel's state before each one), through
   papermill (kernel `eastwest`, working directory notebooks/, parameters `data_dir` as a path
   relative to notebooks/ and `scope`). Executed notebooks are cleaned of run-specific metadata.
   Meanwhile the main process computes metrics.csv and audit.csv and warms up eastwest.render
   (fonts; the Vega runtime, kept in reports/.build/vega-runtime-<vl-convert version>.js so that
   vl-convert assembles it once, not on every build). Render processes forked from it then take
   each executed notebook as soon as it is ready: `--jobs - 1` write the HTML, and one lays out
   every PDF. That one keeps each report's laid-out pages: a forked copy of it writes the
   report's PDF while it lays out the next, and report.pdf is a contents page followed by those
   same pages once every notebook has run, so no report is laid out twice.
5. Everything is written into a new version folder (reports/.versions/.v.tmp-<pid>-*, see
   eastwest.atomic): once every job has succeeded, the outputs that were not rebuilt are added as
   hard links to the published version's files, the version's own record (its manifest: output →
   key) is written into it, and it is published with one atomic rename of the `reports/.current`
   link; every reader-facing name in reports/ is a link into `.current`. A failed, interrupted or
   killed build therefore leaves the previous set as it was, whole; what a killed build left is
   removed by the next one. The record travels with its files, so deleting reports/.build (caches,
   logs, the lock) at any moment costs at worst a rebuild. A lock (reports/.build/lock) makes
   concurrent builds take turns.
6. A failure of the environment (reports/ not writable or a dangling link, a full disk, a dead
   kernel, a kernel registered for another checkout, a reference table that cannot be read) ends
   in one sentence naming the cause and what to do, with exit status 1 and no traceback.

What a job's key covers (documented decision):
- every job: the notebook file, all of eastwest/*.py, requirements.lock, the kernel name and the
  parameters;
- the overview, the audit notebook, metrics.csv and audit.csv: every file in data/ and seeds/;
- a scope's cooperation report: the reference files of data/ (everything but figures.csv, which
  includes the data version date printed in the PDFs), the rows of figures.csv whose `scope` is
  that scope (parsed as CSV, so a row moving or changing elsewhere does not count), and the
  seeds those rows quote;
- report.pdf: the cleaned executed notebooks it is made of, their titles and the data version;
- index.html: the list of entries it shows, data/scopes.csv (descriptions) and the code.

Why parallel work inside the build rather than one make target per report (measured; see
`make bench`): the keys need content hashes (make only has time stamps); starting a kernel and
importing pandas/altair in it costs several seconds, which a reused kernel pays once per executor
instead of once per report; the render libraries are imported and warmed up (Vega runtime, fonts)
once and inherited by forked render processes, where per-report make targets would pay both for
every report; report.pdf reuses the pages laid out for the reports' own PDFs, which needs them in
one process; and one process can stage and commit the whole set. `make -j2 report` stays safe:
the build holds a lock (a second build waits, then finds the work done), temporary names carry
the process id, kernels talk over Unix sockets in private directories (no TCP port to fight over),
and IPython history is off in build kernels (no shared history database).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from queue import Empty
from typing import Any

from eastwest import atomic, params, paths
from eastwest.csvfile import Table, display_name, header_problems, read_table

KERNEL = "eastwest"
BUILD_DIR_NAME = ".build"
VALIDATED = "validated"
DEFAULT_JOBS = 2
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildError(Exception):
    """A failure explained by its message (no traceback is shown)."""


# ---- failures of the environment, in one sentence ------------------------------------------------

FULL_DISK = {errno.ENOSPC, errno.EDQUOT}
NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}


def environment_message(error: OSError) -> str:
    """What went wrong outside the code (disk, permissions, a missing folder) and what to do."""
    where = paths.relative(Path(os.fsdecode(error.filename))) if error.filename else "a file of the build"
    if error.errno in FULL_DISK:
        return f"the disk is full (no space left to write {where}); free some space, then run `make report` again"
    if error.errno in NOT_WRITABLE:
        return (
            f"{where} cannot be written ({error.strerror}); make reports/ writable (or remove it, and the build "
            "creates it), then run `make report` again"
        )
    return (
        f"{where}: {error.strerror or error}; check that reports/ is a folder you can write, "
        "then run `make report` again"
    )


def check_reports_folder(reports: Path) -> None:
    """reports/ must be a folder, or absent (then it is created); a dangling link is named."""
    shown = reports.relative_to(paths.ROOT).as_posix() if reports.is_relative_to(paths.ROOT) else str(reports)
    if reports.is_symlink() and not reports.exists():
        raise BuildError(
            f"{shown} is a symbolic link to {os.readlink(reports)}, which does not exist; create "
            "that folder (or remove the link, and the build creates a folder), then run `make report` again"
        )
    if reports.exists() and not reports.is_dir():
        raise BuildError(f"{shown} is a file, not a folder; move it away, then run `make report`")
    reports.mkdir(parents=True, exist_ok=True)


# ---- hashing ---------------------------------------------------------------------------------


def _sha(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def file_hashes(folder: Path, pattern: str = "*") -> dict[str, str]:
    """name → sha256 of every regular, non-hidden file directly in `folder` matching `pattern`."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob(pattern))
        if path.is_file() and not path.name.startswith(".")
    }


@dataclass
class Inputs:
    """Content hashes of everything a build reads, computed once per run."""

    code: str = ""
    data: dict[str, str] = field(default_factory=dict)
    seeds: dict[str, str] = field(default_factory=dict)
    notebooks: dict[str, str] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path, data_dir: Path) -> Inputs:
        inputs = cls()
        code = file_hashes(root / "eastwest", "*.py")
        for folder in ("messages", "templates"):  # reader text and page templates
            hashes = file_hashes(root / "eastwest" / folder)
            code.update({f"{folder}/{name}": digest for name, digest in hashes.items()})
        lock = root / "requirements.lock"
        if lock.exists():
            code["requirements.lock"] = hashlib.sha256(lock.read_bytes()).hexdigest()
        inputs.code = _sha(json.dumps(code, sort_keys=True))
        inputs.data = file_hashes(data_dir)
        inputs.seeds = file_hashes(root / "seeds")
        inputs.notebooks = file_hashes(root / "notebooks", "*.ipynb")
        return inputs

    def everything(self) -> str:
        return _sha(self.code, json.dumps([self.data, self.seeds], sort_keys=True))

    def validation_key(self) -> str:
        return _sha("validate", self.everything())


def read_validated_table(path: Path, *columns: str) -> Table:
    """A table of data/ read after validation passed, with `columns` in its header. Should it not read
    cleanly (changed since it was validated), the build stops naming FILE:ROW: COLUMN: its first problem."""
    try:
        table = read_table(path)
    except OSError as error:  # e.g. not readable by this user (a missing file is one of the table's problems)
        raise BuildError(
            f"{display_name(path)}: cannot be read ({error.strerror or error}); fix or restore the file"
        ) from None
    problems = table.problems or header_problems(table, list(columns), extra_allowed=True)
    if problems:
        raise BuildError(
            f"{problems[0]} — fix the file (`make validate` names each problem), then run `make report` again"
        )
    return table


def figures_by_scope(data_dir: Path) -> tuple[list[str], dict[str, list[list[str]]]]:
    """The header of figures.csv and its rows (as lists of cells, in header order) grouped by `scope`."""
    table = read_validated_table(Path(data_dir) / "figures.csv", "scope")
    groups: dict[str, list[list[str]]] = {}
    for row in table.rows:
        groups.setdefault(row["scope"], []).append([row[column] for column in table.header])
    return table.header, groups


def scope_data_key(inputs: Inputs, scope: str, header: list[str], rows: list[list[str]]) -> str:
    """Hash of what a scope's report reads: reference tables, the scope's figures, their seeds."""
    reference = {name: digest for name, digest in inputs.data.items() if name != "figures.csv"}
    seed_column = header.index("seed") if "seed" in header else None
    seeds = sorted({row[seed_column] for row in rows if seed_column is not None and seed_column < len(row)})
    quoted = {name: inputs.seeds.get(name, "missing") for name in seeds}
    return _sha("scope", scope, json.dumps([reference, header, rows, quoted], sort_keys=True, ensure_ascii=False))


# ---- plan ------------------------------------------------------------------------------------


@dataclass
class Job:
    """One notebook run in one language → (under `zh/` for the Chinese edition) notebooks/<name>.ipynb,
    <name>.html and <name>.pdf."""

    name: str
    notebook: str  # file name in notebooks/
    title: str
    parameters: dict[str, str]
    key: str = ""
    lang: str = "en"

    @property
    def prefix(self) -> str:
        return edition_prefix(self.lang)

    @property
    def id(self) -> str:  # noqa: A003 - the job's output name within reports/
        return f"{self.prefix}{self.name}"

    @property
    def ipynb(self) -> str:
        return f"{self.prefix}notebooks/{self.name}.ipynb"

    @property
    def html(self) -> str:
        return f"{self.id}.html"

    @property
    def pdf(self) -> str:
        return f"{self.id}.pdf"

    def outputs(self) -> list[str]:
        return [self.ipynb, self.html, self.pdf]


def edition_of(output: str) -> str:
    """The language of an output name: its first folder when that is a language, else English."""
    from eastwest import words

    first = output.split("/", 1)[0]
    return first if "/" in output and first in words.LANGS else "en"


def edition_prefix(lang: str) -> str:
    """Where an edition lives in reports/: English at the top, every other language in <lang>/."""
    return "" if lang == "en" else f"{lang}/"


FRONT_MATTER = "00"  # a notebook numbered 00 (the brief) is published under its name alone: brief.html


def report_name(notebook: Path, scope: str | None = None) -> str:
    """`01_overview.ipynb` → `01-overview`; `00_brief.ipynb` → `brief`; with a scope, `02-cooperation-<scope>`."""
    number, _, rest = notebook.stem.partition("_")
    stem = rest if number == FRONT_MATTER and rest else notebook.stem
    name = stem.replace("_", "-").lower()
    return f"{name}-{scope}" if scope else name


def published(notebook: Path) -> bool:
    """False for a notebook whose metadata says `"eastwest": {"publish": false}` (e.g. one to explore in)."""
    metadata = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {})
    settings = metadata.get("eastwest") if isinstance(metadata, dict) else None
    return not (isinstance(settings, dict) and settings.get("publish") is False)


def job_title(notebook: Path, lang: str, scope_title: str | None = None) -> str:
    """The message report.title.<notebook stem> in `lang` if there is one, else the notebook's first
    heading; for a scope's report, followed by the scope's title."""
    from eastwest import words

    key = f"report.title.{Path(notebook).stem}"
    heading = words.text(key, lang) if words.has(key) else notebook_title(notebook)
    if scope_title is None:
        return heading
    return f"{heading}{'：' if lang == 'zh' else ': '}{scope_title}"


def notebook_title(path: Path) -> str:
    """The first Markdown heading of the notebook, without the #s; else its file name."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for line in source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return Path(path).stem


def scope_titles(data_dir: Path, lang: str = "en") -> dict[str, str]:
    """Scope id → its title in `lang` (data/scopes.csv title_<lang>, else title_en, else the id)."""
    rows = read_validated_table(Path(data_dir) / "scopes.csv", "id").rows
    return {row["id"]: row.get(f"title_{lang}") or row.get("title_en") or row["id"] for row in rows}


def data_created(data_dir: Path) -> str:
    """The data version date (data/datapackage.json "created"), used to date the PDFs."""
    path = Path(data_dir) / "datapackage.json"
    try:
        created = json.loads(path.read_text(encoding="utf-8")).get("created")
    except (OSError, ValueError) as error:
        raise BuildError(f"{paths.relative(path)}: cannot read the data version ({error})") from None
    if not isinstance(created, str) or not created:
        raise BuildError(f"{paths.relative(path)}: created: missing; the PDFs are dated with the data version")
    return created


@dataclass
class Plan:
    jobs: list[Job]
    partial: bool  # a SCOPE build: only some jobs; no metrics/audit/combined/index
    keys: dict[str, str]  # output → key, for everything this run is responsible for
    editions: list[str] = field(default_factory=lambda: ["en"])  # the languages this run builds
    listed: list[Job] = field(default_factory=list)  # every edition's reports, as the indexes list them

    def edition(self, lang: str) -> list[Job]:
        return [job for job in self.jobs if job.lang == lang]


def make_plan(root: Path, data_dir: Path, inputs: Inputs, request: params.Request, kernel: str) -> Plan:
    """Every job of the request, edition by edition (English first), in notebook order."""
    from eastwest import words

    editions = [lang for lang in words.LANGS if request.edition in (None, lang)]
    notebooks = [path for path in sorted((root / "notebooks").glob("*.ipynb")) if published(path)]
    jobs = [
        job
        for lang in editions
        for notebook in notebooks
        for job in notebook_jobs(notebook, lang, root, data_dir, inputs, request, kernel)
    ]
    keys = {output: job.key for job in jobs for output in job.outputs()}
    partial = request.scope is not None
    if not partial:
        tables_key = _sha("tables", inputs.code, inputs.everything())
        keys["metrics.csv"] = tables_key
        keys["audit.csv"] = tables_key
    listed = [
        job
        for lang in words.LANGS
        for notebook in notebooks
        for job in (notebook_jobs(notebook, lang, root, data_dir, inputs, request, kernel) if not partial else [])
    ]
    return Plan(jobs=jobs, partial=partial, keys=keys, editions=editions, listed=listed)


def notebook_jobs(
    notebook: Path, lang: str, root: Path, data_dir: Path, inputs: Inputs, request: params.Request, kernel: str
) -> list[Job]:
    """The jobs of one notebook in one language: one, or one per scope with figures for a notebook
    declaring `scope`; none in a language the notebook does not declare (`lang`) unless English."""
    declared = params.notebook_parameters(notebook)
    if "lang" not in declared and lang != "en":
        return []
    common = _sha(inputs.code, inputs.notebooks.get(notebook.name, ""), kernel)
    base = {"data_dir": os.path.relpath(data_dir, root / "notebooks")} if "data_dir" in declared else {}
    if "lang" in declared:
        base["lang"] = lang
    base.update({k: v for k, v in request.extra.items() if k in declared})
    if "scope" not in declared:
        if request.scope is not None:
            return []
        key = _sha(common, inputs.everything(), json.dumps(base, sort_keys=True))
        return [Job(report_name(notebook), notebook.name, job_title(notebook, lang), base, key, lang)]
    header, groups = figures_by_scope(data_dir)
    titles = scope_titles(data_dir, lang)
    jobs = []
    for scope in params.scopes_with_figures(data_dir):
        if request.scope is not None and scope != request.scope:
            continue
        parameters = {**base, "scope": scope}
        data_key = scope_data_key(inputs, scope, header, groups.get(scope, []))
        title = job_title(notebook, lang, titles.get(scope, scope))
        key = _sha(common, data_key, json.dumps(parameters, sort_keys=True))
        jobs.append(Job(report_name(notebook, scope), notebook.name, title, parameters, key, lang))
    return jobs


# ---- manifest and lock -----------------------------------------------------------------------


def read_manifest(reports: Path) -> dict[str, str]:
    """The record of the published version: output → the key it was built from."""
    version = atomic.current_version(reports)
    if version is None:
        return {}
    try:
        data = json.loads((version / atomic.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def up_to_date(reports: Path, manifest: dict[str, str], output: str, key: str) -> bool:
    return manifest.get(output) == key and (reports / output).is_file()


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / "lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("build: another build is running; waiting for it", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---- executing and cleaning a notebook -------------------------------------------------------

INJECTED_CELL_ID = "papermill-parameters"


def clean_notebook(nb, root: Path):  # nb: nbformat.NotebookNode
    """Drop what differs between two runs of the same inputs: timings, paths, random ids.

    Kept: papermill's parameters and version (reproducible and useful when inspecting).
    """
    meta = nb.metadata.get("papermill")
    if meta is not None:
        nb.metadata["papermill"] = {k: meta[k] for k in ("parameters", "version") if k in meta}
    root_text = str(root)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_CELL_ID
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and root_text in output.get("text", ""):
                output["text"] = output["text"].replace(root_text, "<repository>")
            if output.get("output_type") == "error":
                output["traceback"] = [line.replace(root_text, "<repository>") for line in output["traceback"]]
    return nb


# A kernel is reused for the notebooks a worker runs, which saves its start-up and the imports
# (pandas, altair, the chart converter) for every notebook after the first. Before each notebook
# the kernel is put back to the state of a fresh one: user namespace cleared, execution counter
# at 1, warning registries forgotten (so a warning shown once is shown again). What cannot be reset
# is module-level state in imported libraries; the tests compare a report built alone in a fresh
# kernel with the same report built after others, byte for byte.
RESET_KERNEL = """
import warnings
warnings._filters_mutated()
warnings.onceregistry.clear()
get_ipython().reset(new_session=False)
get_ipython().execution_count = 1
"""

KERNEL_DIR_PREFIX = "eastwest-kernel-"
_kernels: dict[str, tuple] = {}  # kernel name -> (manager, socket directory); one per worker process


def _kernel_manager(kernel: str, cwd: str):
    """This process's kernel, started on first use, talking over Unix sockets in a private directory.

    Transport `ipc` instead of TCP: two kernels started at once (two workers, two builds) cannot
    race for the same port, and nothing listens on the network.
    """
    import tempfile

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if kernel in _kernels:
        manager, _ = _kernels[kernel]
        if run_sync(manager.is_alive)():
            return manager
        _shutdown_kernels()
    sockets = tempfile.mkdtemp(prefix=f"{KERNEL_DIR_PREFIX}{os.getpid()}-")
    manager = AsyncKernelManager(kernel_name=kernel, transport="ipc", ip=os.path.join(sockets, "kernel"))
    _kernels[kernel] = (manager, sockets)
    run_sync(manager.start_kernel)(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"])
    return manager


def clean_kernel_dirs() -> None:
    """Remove socket directories left in the temp directory by executors that were killed."""
    import tempfile

    for path in Path(tempfile.gettempdir()).glob(f"{KERNEL_DIR_PREFIX}*"):
        pid = path.name[len(KERNEL_DIR_PREFIX) :].split("-")[0]
        if pid.isdigit() and not atomic.process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _shutdown_kernels() -> None:
    from jupyter_core.utils import run_sync

    while _kernels:
        _, (manager, sockets) = _kernels.popitem()
        with contextlib.suppress(Exception):
            run_sync(manager.shutdown_kernel)(now=True)
        shutil.rmtree(sockets, ignore_errors=True)


def _reset_kernel(manager) -> None:
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient()
    client.load_connection_info(manager.get_connection_info())
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive(RESET_KERNEL, silent=True, store_history=False, timeout=120)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue')}")
    finally:
        client.stop_channels()


def execute(job: Job, root: Path, kernel: str):
    """Run the job's notebook with papermill in this process's reused kernel; returns the cleaned
    executed notebook."""
    import nbformat
    import papermill

    source = nbformat.read(root / "notebooks" / job.notebook, as_version=4)
    cwd = str(root / "notebooks")
    manager = _kernel_manager(kernel, cwd)
    _reset_kernel(manager)
    nb = papermill.execute_notebook(
        source,
        None,
        parameters=dict(job.parameters),
        kernel_name=kernel,
        cwd=cwd,
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
        km=manager,
    )
    return clean_notebook(nb, root)


def describe_failure(job: Job, error) -> str:
    """The notebook, the failing cell and its traceback, as plain text."""
    where = f"notebooks/{job.notebook}"
    if "scope" in job.parameters:
        where += f" (scope {job.parameters['scope']})"
    cell = f"cell In [{error.exec_count}]" if error.exec_count else f"cell {error.cell_index}"
    traceback = _ANSI.sub("", "\n".join(error.traceback or [f"{error.ename}: {error.evalue}"]))
    return f"build: {where}: {cell} failed with {error.ename}: {error.evalue}\n{traceback}"


def _short(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else text[: limit // 2] + "\n[...]\n" + text[-limit // 2 :]


def _failure(job: Job, step: str, error: BaseException) -> str:
    """A failure of one job as the build prints it: one sentence when its cause is the environment
    (disk, permissions, a dead kernel), else the traceback (a fault in the code)."""
    import traceback

    if isinstance(error, OSError) and error.errno is not None:
        return f"build: {job.name}: {environment_message(error)}"
    if type(error).__name__ == "DeadKernelError" or "Kernel died" in str(error):
        return (
            f"build: the Jupyter kernel died while {step} notebooks/{job.notebook} ({job.name}); its last words "
            "are in reports/.build/kernels.log. If memory ran out, free some; else run `make setup`, then `make report`"
        )
    detail = _short("".join(traceback.format_exception(error)))
    return f"build: notebooks/{job.notebook} ({job.name}): {step} failed:\n{detail}"


def executor(work, root: str, stage: str, kernel: str, queue, log_path: str, parent: int) -> None:
    """An executing process: take notebooks from `work` (None ends) and run them in one reused kernel.

    Forked before the main process imports the rendering libraries, so its kernel boots while the
    main process imports and warms up. Each notebook is reported on `queue` as
    ("executed", name, error text or None, seconds); the first error ends the process. Which
    executor runs which notebook depends on timing; the output does not (each notebook starts
    from a reset kernel, and the tests compare against a report built alone).
    """
    _worker_init(log_path, parent)
    root_path, stage_path = Path(root), Path(stage)
    try:
        _kernel_manager(kernel, str(root_path / "notebooks"))  # boots while papermill is imported
        import nbformat
        from papermill.exceptions import PapermillExecutionError

        for job in iter(work.get, None):
            start = time.perf_counter()
            try:
                nb = execute(job, root_path, kernel)
                atomic.write_text(stage_path / job.ipynb, nbformat.writes(nb) + "\n", durable=False)
            except PapermillExecutionError as error:
                queue.put(("executed", job.id, describe_failure(job, error), 0.0))
                return
            except Exception as error:
                queue.put(("executed", job.id, _failure(job, "executing", error), 0.0))
                return
            queue.put(("executed", job.id, None, time.perf_counter() - start))
    finally:
        _shutdown_kernels()


def html_job(job: Job, stage: str, runtime_cache: str | None = None) -> tuple[str, str | None, float]:
    """A render task (in a process forked after the warm-up): executed notebook → HTML."""
    import nbformat

    from eastwest import render

    start = time.perf_counter()
    stage_path = Path(stage)
    try:
        nb = nbformat.read(stage_path / job.ipynb, as_version=4)
        page = render.notebook_to_html(
            nb, title=job.title, lang=job.lang, runtime_cache=runtime_cache, page_name=f"{job.name}.html"
        )
        atomic.write_text(stage_path / job.html, page, durable=False)
    except Exception as error:
        return job.html, _failure(job, "rendering", error), 0.0
    return job.html, None, time.perf_counter() - start


# The PDF process's laid-out reports (name → weasyprint.Document). Each report is laid out once:
# its pages give its own PDF and, unchanged, its part of report.pdf. Documents (Pango objects)
# cannot leave the process that made them, so one process lays out every PDF, in the order the
# notebooks finish, while the other render process turns notebooks into HTML.
_DOCUMENTS: dict[str, object] = {}
_WRITERS: dict[int, str] = {}  # pid of a forked PDF writer → the file it writes


def pdf_job(job: Job, stage: str, created: str) -> tuple[str, str | None, float]:
    """A render task in the PDF process: lay the executed notebook out and keep the pages; a forked
    copy of this process writes the report's PDF meanwhile (see `_write_forked`)."""
    import nbformat

    from eastwest import render

    start = time.perf_counter()
    stage_path = Path(stage)
    try:
        nb = nbformat.read(stage_path / job.ipynb, as_version=4)
        document = render.report_document(nb, title=job.title, created=created, anchor=job.name, lang=job.lang)
        _DOCUMENTS[job.id] = document
        _write_forked(document, created, stage_path / job.pdf, job.pdf)
    except Exception as error:
        return job.pdf, _failure(job, "rendering", error), 0.0
    return job.pdf, None, time.perf_counter() - start


def _write_forked(document, created: str, path: Path, name: str) -> None:
    """Write `document` as a PDF at `path` in a forked child, so that this process can lay out the
    next report while the pages are painted and the fonts subset (a third of a PDF's time).
    `finish_pdfs` waits for every child and reports a failed one."""
    pid = os.fork()
    if pid == 0:  # the child: write, then leave at once (no cleanup of the parent's state)
        status = 1
        try:
            _die_with_parent(os.getppid())
            from eastwest import render

            atomic.write_bytes(path, render.pdf_bytes(document, created), durable=False)
            status = 0
        except OSError as error:  # the environment (e.g. a full disk): its errno is the exit status
            status = error.errno if error.errno in FULL_DISK | NOT_WRITABLE else 1
            print(f"build: {environment_message(error)}", file=sys.stderr, flush=True)
        except BaseException:  # noqa: BLE001 - reported through the exit status
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    _WRITERS[pid] = name


def finish_pdfs(combined: list[tuple[str, list[Job]]], reports: str, stage: str, created: str):
    """The last task of the PDF process: write each edition's report.pdf (`combined`: language and its
    jobs) from the pages laid out by `pdf_job` (reports not rebuilt in this run are laid out here from
    their kept executed notebooks), then wait for the forked PDF writers."""
    from eastwest import render

    start = time.perf_counter()
    output = ", ".join(f"{edition_prefix(lang)}report.pdf" for lang, _ in combined) or "PDFs"
    try:
        for lang, jobs in combined:
            documents = []
            for job in jobs:
                document = _DOCUMENTS.get(job.id)
                if document is None:
                    nb = _load_executed(job, Path(reports), Path(stage))
                    document = render.report_document(
                        nb, title=job.title, created=created, anchor=job.name, lang=job.lang
                    )
                documents.append((job.title, job.name, document))
            pdf = render.pdf_bytes(render.combined_document(documents, created=created, lang=lang), created)
            atomic.write_bytes(Path(stage) / f"{edition_prefix(lang)}report.pdf", pdf, durable=False)
        return output, _wait_for_writers(), time.perf_counter() - start
    except OSError as error:
        return output, f"build: {environment_message(error)}", 0.0
    except Exception as error:
        import traceback

        detail = _short("".join(traceback.format_exception(error)))
        return output, f"build: {output}: rendering failed:\n{detail}", 0.0


def _wait_for_writers() -> str | None:
    """Wait for every forked PDF writer; the first failure as the build prints it, or None."""
    failed = []
    while _WRITERS:
        pid, status = os.waitpid(next(iter(_WRITERS)), 0)
        name = _WRITERS.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if code in FULL_DISK | NOT_WRITABLE:
            return f"build: {environment_message(OSError(code, os.strerror(code), name))}"
        if code != 0:
            failed.append(name)
    if failed:
        return f"build: writing {', '.join(sorted(failed))} failed (see the messages above)"
    return None


def _render_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def _worker_init(log_path: str, parent: int) -> None:
    # Ctrl-C reaches the whole process group; the main process alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    _die_with_parent(parent)
    # Kernels inherit this stderr: their start-up and shut-down chatter goes to the build log.
    try:  # reports/.build may have been deleted meanwhile (`make clean`): make it again
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 2)
    os.close(fd)


def _die_with_parent(parent: int) -> None:
    """Linux: a worker is sent SIGTERM when the main build process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        sys.exit(1)


# ---- the build -------------------------------------------------------------------------------


def csv_bytes(frame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def validate_data(data_dir: Path):
    """(the validator's FILE:ROW: COLUMN: message lines, the loaded figures or None).

    Loading through eastwest.dataset validates once and keeps the figures for metrics.csv, instead
    of validating here and again when the figures are loaded.
    """
    from eastwest import dataset, validate

    try:
        return [], dataset.load_figures(data_dir)
    except validate.DataError as error:
        return [str(problem) for problem in error.problems], None


def check_kernel(kernel: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise BuildError(f"Jupyter kernel {kernel!r} is not registered; run `make setup`") from None
    interpreter = Path(spec.argv[0]) if spec.argv else Path()
    here = os.path.realpath(Path(sys.executable).parent)
    if not interpreter.is_absolute() or os.path.realpath(interpreter.parent) != here:
        raise BuildError(
            f"Jupyter kernel {kernel!r} runs {interpreter}, not this checkout's {paths.relative(Path(sys.executable))} "
            "(a copied or moved checkout?); run `make setup`, which registers it again"
        )


class Interrupted(BaseException):
    """SIGTERM/SIGHUP turned into an exception. Like KeyboardInterrupt it is not an Exception, so a
    library's `except Exception` (lark wraps errors raised inside its visitors) cannot swallow it."""


def _raise_interrupted(signum, frame):  # noqa: ARG001
    raise Interrupted(signal.Signals(signum).name)


def build(
    *,
    root: Path = paths.ROOT,
    data_dir: Path | None = None,
    reports: Path | None = None,
    request: params.Request | None = None,
    jobs: int = DEFAULT_JOBS,
    kernel: str = KERNEL,
    force: bool = False,
    log=print,
) -> int:
    """Build reports/. Returns the process exit status; messages go through `log`."""
    root = Path(root).resolve()
    data_dir = Path(data_dir).resolve() if data_dir else root / "data"
    reports = Path(reports).resolve() if reports else root / "reports"
    check_reports_folder(reports)
    checked = check_request_and_data(root, data_dir, reports / BUILD_DIR_NAME, request or params.Request(), log)
    if checked is None:
        return 1
    with build_lock(reports / BUILD_DIR_NAME):
        atomic.clean_stale(reports)
        clean_kernel_dirs()
        plan = make_plan(root, data_dir, checked.inputs, checked.request, kernel)
        manifest = read_manifest(reports)
        run = Run(
            root, data_dir, reports, jobs=jobs, kernel=kernel, log=log, checked=checked, plan=plan, manifest=manifest
        )
        run.find_due(force)
        if not (run.todo or run.tables_todo or run.final_todo):
            log(f"build: reports/ is up to date ({len(run.plan.jobs)} report(s))")
            return 0
        return run_and_publish(run)


@dataclass
class Checked:
    """A request checked against data that passed validation."""

    request: params.Request  # its scope checked: one with figures, or None for every scope
    inputs: Inputs
    figures: Any = None  # the figures loaded by validating (a DataFrame); None if a record made validating needless


def check_request_and_data(
    root: Path, data_dir: Path, build_dir: Path, request: params.Request, log: Callable[[str], None]
) -> Checked | None:
    """Check the request's scope and validate the data; None, once the validator's lines are logged, when
    the data has problems.

    A bad SCOPE is reported before the (slower) validation, when the tables can be read at all; if they
    cannot, validation explains why and the scope is checked after it. A passing validation is recorded
    in `build_dir` against a hash of the data, the seeds and the code, so it is not repeated.
    """
    try:
        checked_request = replace(request, scope=params.check_scope(request.scope, data_dir))
    except params.TableError:
        checked_request = None
    inputs = Inputs.scan(root, data_dir)
    validation_key = inputs.validation_key()
    validated_file = build_dir / VALIDATED
    cached = validated_file.is_file() and validated_file.read_text(encoding="utf-8").strip() == validation_key
    figures = None
    if not cached:
        problems, figures = validate_data(data_dir)
        if problems:
            for line in problems:
                log(line)
            log(f"build: {len(problems)} problem(s) in the data; nothing under reports/ was changed")
            return None
    if checked_request is None:
        checked_request = replace(request, scope=params.check_scope(request.scope, data_dir))
    if not cached:
        atomic.write_text(validated_file, validation_key + "\n")
    return Checked(checked_request, inputs, figures)


@dataclass
class Run:
    """One build run, the state its steps share: where it reads and writes, its plan, and what of the
    plan is due (not in the published version's record with the same key, or everything with --force)."""

    root: Path
    data_dir: Path
    reports: Path
    jobs: int  # notebooks executed at once; HTML is rendered in `jobs - 1` processes
    kernel: str
    log: Callable[[str], None]
    checked: Checked
    plan: Plan
    manifest: dict[str, str]  # the published version's record: output → key
    todo: list[Job] = field(default_factory=list)  # the reports to execute and render
    tables_todo: bool = False  # metrics.csv and audit.csv
    final_todo: dict[str, str] = field(default_factory=dict)  # each edition's report.pdf and index.html due

    @property
    def build_dir(self) -> Path:
        return self.reports / BUILD_DIR_NAME

    def find_due(self, force: bool) -> None:
        """Set `todo`, `tables_todo` and `final_todo` from the plan and the published record."""
        plan = self.plan

        def due(output: str, key: str) -> bool:
            return force or not up_to_date(self.reports, self.manifest, output, key)

        self.todo = [job for job in plan.jobs if any(due(output, job.key) for output in job.outputs())]
        self.tables_todo = not plan.partial and any(due(name, plan.keys[name]) for name in ("metrics.csv", "audit.csv"))
        finals = {} if plan.partial else final_keys(plan, self.reports, self.checked.inputs, self.todo)
        self.final_todo = {output: key for output, key in finals.items() if due(output, key)}


def run_and_publish(run: Run) -> int:
    """Build what is due into a new version folder and publish it if everything succeeded. A failure or
    an interruption (Ctrl-C, SIGTERM, SIGHUP) publishes nothing; the folder is removed in every case."""
    stage = atomic.new_version(run.reports)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:
        signal.signal(sig, _raise_interrupted)
    try:
        status = build_stage(run, stage)
        if status == 0:
            keys = dict(run.plan.keys)
            if not run.plan.partial:
                keys.update(final_keys(run.plan, run.reports, run.checked.inputs, [], stage=stage))
            commit(stage, run.reports, run.manifest, keys, run.plan)
        return status
    except (KeyboardInterrupt, Interrupted) as interruption:
        run.log(f"build: interrupted ({interruption or 'SIGINT'}); reports/ left as it was")
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(stage, ignore_errors=True)


def final_keys(plan: Plan, reports: Path, inputs: Inputs, todo: list[Job], stage: Path | None = None):
    """Keys of each edition's report.pdf (the executed notebooks it combines, their titles, the data
    version) and index.html (every edition's entries and the scopes' descriptions), by output name."""
    keys = {}
    created = inputs.data.get("datapackage.json", "")
    entries = json.dumps([(job.id, job.title) for job in plan.listed])
    for lang in plan.editions:
        parts = []
        for job in plan.edition(lang):
            path = stage / job.ipynb if stage is not None and (stage / job.ipynb).exists() else reports / job.ipynb
            if job in todo or not path.exists():
                parts.append((job.id, job.title, job.key))  # will be rebuilt: its key stands for it
            else:
                parts.append((job.id, job.title, hashlib.sha256(path.read_bytes()).hexdigest()))
        prefix = edition_prefix(lang)
        keys[f"{prefix}report.pdf"] = _sha("combined", inputs.code, created, lang, json.dumps(parts))
        keys[f"{prefix}index.html"] = _sha("index", inputs.code, inputs.data.get("scopes.csv", ""), lang, entries)
    return keys


FAILED = "build: failed; reports/ left as it was"  # logged after the failure of a notebook or a render task


class RunFailed(Exception):
    """A notebook or a render task failed: `lines` are what to log. The run stops and publishes nothing."""

    def __init__(self, *lines: str) -> None:
        super().__init__(*lines)
        self.lines = lines


def build_stage(run: Run, stage: Path) -> int:
    """Execute, render and combine into `stage`. Returns the exit status.

    Timeline: executor processes are forked first, so their kernels boot while this process
    imports the rendering libraries and warms them up (fonts, the Vega runtime), computes
    metrics.csv and audit.csv, then forks the render processes, which inherit the warm state:
    an HTML pool and the PDF process. Each executed notebook goes to both as soon as it is
    ready; `finish_pdfs` (report.pdf, then waiting for the forked PDF writers) is the PDF
    process's last task, once every notebook has run.
    """
    import multiprocessing

    created = data_created(run.data_dir) if (run.todo or run.final_todo) else ""
    if run.todo:
        check_kernel(run.kernel)
    # The kernels must import this checkout's eastwest package, wherever the repository is.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(run.root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    workers = Workers(run, stage, multiprocessing.get_context("fork"), created)
    try:
        workers.start_executors()
        if run.tables_todo:
            write_tables(run, stage)
        if not run.todo and not run.final_todo:
            return 0
        workers.start_render_processes()
        workers.render_as_executed()
        write_indexes(run, stage)
        if workers.timings:
            write_timings(run.build_dir, workers.timings)
    except RunFailed as failure:
        for line in failure.lines:
            run.log(line)
        return 1
    finally:
        workers.stop()
    return 0


def write_tables(run: Run, stage: Path) -> None:
    """metrics.csv and audit.csv from the validated figures (loaded here unless validation did)."""
    from eastwest import audit, dataset, metrics, words

    figures = run.checked.figures
    if figures is None:
        figures = dataset.load_figures(run.data_dir)
    for name, frame in (("metrics.csv", metrics.compute(figures)), ("audit.csv", audit.run(figures))):
        atomic.write_bytes(stage / name, csv_bytes(words.add_note_texts(frame)), durable=False)
    run.log("build: metrics.csv, audit.csv")


def write_indexes(run: Run, stage: Path) -> None:
    """Each due index.html: its edition's entries, and the other language's for the language switch."""
    from eastwest import render, words

    for lang in run.plan.editions:
        index = f"{edition_prefix(lang)}index.html"
        if index in run.final_todo:
            others = [other for other in words.LANGS if other != lang]
            page = render.index_html(
                index_entries(run.plan, run.data_dir, lang),
                lang=lang,
                other_entries=index_entries(run.plan, run.data_dir, others[0]) if others else None,
            )
            atomic.write_text(stage / index, page, durable=False)
            run.log(f"build: {index}")


@dataclass
class Workers:
    """The processes of one run and the work between them. Executors (one reused kernel each) report
    every executed notebook on `executed`; it goes at once to the HTML pool and to its edition's PDF
    process. Once every notebook has run, each PDF process gets its last task (`finish_pdfs`)."""

    run: Run
    stage: Path
    context: Any  # multiprocessing's fork context
    created: str  # the data version date printed in the PDFs
    executed: Any = field(init=False)  # queue of ("executed", job id, error text or None, seconds) from executors
    executors: list = field(init=False, default_factory=list)
    html_pool: Any = field(init=False, default=None)  # a concurrent.futures.ProcessPoolExecutor
    pdf_pools: dict[str, Any] = field(init=False, default_factory=dict)  # language → its one PDF process
    by_id: dict[str, Job] = field(init=False)  # the jobs to execute
    pending: set[str] = field(init=False)  # ids of the jobs not yet executed
    futures: set = field(init=False, default_factory=set)  # render tasks under way
    finishing: bool = field(init=False, default=False)  # the PDF processes have been given their last task
    timings: dict[str, float] = field(init=False, default_factory=dict)  # job id → seconds executing and rendering

    def __post_init__(self) -> None:
        self.executed = self.context.Queue()
        self.by_id = {job.id: job for job in self.run.todo}
        self.pending = set(self.by_id)

    @property
    def runtime_cache(self) -> str:  # where the Vega runtime is kept (see warm_up)
        return str(self.run.build_dir)

    def start_executors(self) -> None:
        """Fork `jobs` executors (fewer if there are fewer notebooks) sharing one work queue, longest
        notebook first (by the previous build's times), so the longest report does not start last."""
        run = self.run
        if not run.todo:
            return
        log_path = run.build_dir / "kernels.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("", encoding="utf-8")
        durations = read_timings(run.build_dir)
        count = max(1, min(run.jobs, len(run.todo)))
        work = self.context.Queue()
        for job in sorted(run.todo, key=lambda job: -durations.get(job.id, 0.0)):
            work.put(job)
        for _ in range(count):
            work.put(None)
        for _ in range(count):
            arguments = (work, str(run.root), str(self.stage), run.kernel, self.executed, str(log_path), os.getpid())
            process = self.context.Process(target=executor, args=arguments, daemon=True)
            process.start()
            self.executors.append(process)
        run.log(f"build: running {len(run.todo)} notebook(s) in {count} kernel(s)")

    def start_render_processes(self) -> None:
        """Warm rendering up in this process, then fork the render processes, which inherit it: HTML in
        `jobs - 1` processes; per edition, every PDF and its report.pdf (from the same laid-out pages) in
        one process, so the two editions' layouts proceed side by side."""
        from concurrent.futures import ProcessPoolExecutor

        from eastwest import render

        warm_up(render, self.runtime_cache)

        def pool(workers: int) -> ProcessPoolExecutor:
            return ProcessPoolExecutor(
                max_workers=workers, mp_context=self.context, initializer=_render_init, initargs=(os.getpid(),)
            )

        self.html_pool = pool(max(1, self.run.jobs - 1))
        self.pdf_pools = {lang: pool(1) for lang in self.run.plan.editions}

    def render_as_executed(self) -> None:
        """Until every notebook is executed and every render task done: hand each executed notebook to
        the render processes, collect what they finish. Raises RunFailed at the first failure."""
        while self.pending or self.futures or not self.finishing:
            if not self.pending and not self.finishing:
                self.submit_last_pdf_tasks()
            self.hand_over_executed()
            if self.futures:
                self.collect_rendered()
            elif self.pending:
                time.sleep(0.05)
            self.check_executors_alive()

    def submit_last_pdf_tasks(self) -> None:
        """Each PDF process's last task: its edition's report.pdf if due, then waiting for its PDF writers."""
        run = self.run
        for lang, pdf_pool in self.pdf_pools.items():
            combined = [(lang, run.plan.edition(lang))] if f"{edition_prefix(lang)}report.pdf" in run.final_todo else []
            self.futures.add(pdf_pool.submit(finish_pdfs, combined, str(run.reports), str(self.stage), self.created))
        self.finishing = True

    def hand_over_executed(self) -> None:
        """Every notebook executed since the last look goes to its edition's PDF process and the HTML pool."""
        while True:
            try:
                _, name, error, seconds = self.executed.get_nowait()
            except Empty:
                return
            if error:
                raise RunFailed(error, FAILED)
            self.pending.discard(name)
            self.timings[name] = seconds
            self.run.log(f"build: executed {name} ({seconds:.1f} s)")
            job, stage = self.by_id[name], str(self.stage)
            self.futures.add(self.pdf_pools[job.lang].submit(pdf_job, job, stage, self.created))
            self.futures.add(self.html_pool.submit(html_job, job, stage, self.runtime_cache))

    def collect_rendered(self) -> None:
        """Wait up to 0.2 s for render tasks to finish; log each, adding its time to its report's."""
        from concurrent.futures import FIRST_COMPLETED, wait

        done, self.futures = wait(self.futures, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            output, error, seconds = future.result()
            if error:
                raise RunFailed(error, FAILED)
            self.run.log(f"build: rendered {output} ({seconds:.1f} s)")
            name = output.rsplit(".", 1)[0]
            if name in self.timings:
                self.timings[name] += seconds

    def check_executors_alive(self) -> None:
        """RunFailed when notebooks are still to run but every executor is gone (killed, out of memory)."""
        if self.pending and not any(process.is_alive() for process in self.executors) and self.executed.empty():
            codes = ", ".join(str(process.exitcode) for process in self.executors)
            raise RunFailed(
                f"build: a notebook process stopped unexpectedly (exit codes {codes}); the kernels' messages are "
                "in reports/.build/kernels.log; reports/ left as it was"
            )

    def stop(self) -> None:
        """End every process of the run, whether it finished, failed or was interrupted."""
        for process in self.executors:
            if process.is_alive():
                process.terminate()
        pools = ([self.html_pool] if self.html_pool is not None else []) + list(self.pdf_pools.values())
        for pool in pools:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        for process in self.executors:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def read_timings(build_dir: Path) -> dict[str, float]:
    try:
        data = json.loads((build_dir / "timings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_timings(build_dir: Path, timings: dict[str, float]) -> None:
    """Seconds each report took (execute + render), to start the longest first next time."""
    merged = {**read_timings(build_dir), **{k: round(v, 1) for k, v in timings.items()}}
    atomic.write_text(build_dir / "timings.json", json.dumps(merged, indent=1, sort_keys=True) + "\n")


def warm_up(render, runtime_cache: str | None = None) -> None:
    """Pay one-off start-up costs of rendering (fonts, the Vega runtime) once, before forking.

    The Vega runtime is read from `runtime_cache` (reports/.build) when an earlier build left it
    there for this vl-convert version; assembling it takes vl-convert about 1.5 s.
    """
    import nbformat

    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("warm-up 预热")])
    # A table, so that the fonts used to size print tables are loaded too.
    probe.cells[0].source += '\n\n<table class="data"><tr><th>a</th><td>b <code>c</code> <b>d</b></td></tr></table>'
    with contextlib.suppress(Exception):
        render.vega_runtime(runtime_cache)
        render.notebook_to_html(probe, title="warm-up")
        render.notebook_to_pdf(probe, title="warm-up", created="2000-01-01")


def _load_executed(job: Job, reports: Path, stage: Path):
    import nbformat

    path = stage / job.ipynb
    if not path.exists():
        path = reports / job.ipynb
    return nbformat.read(path, as_version=4)


def index_entries(plan: Plan, data_dir: Path, lang: str) -> list[dict[str, str]]:
    """What the index of edition `lang` lists, with links relative to it: every report (web page and
    PDF), then the combined PDF and the two tables (one copy, at the top of reports/), the last three
    worded by the messages page.index.* (eastwest/messages)."""
    from eastwest import words

    column = f"description_{lang}" if lang != "en" else "description"
    rows = read_validated_table(Path(data_dir) / "scopes.csv", "id").rows
    descriptions = {row["id"]: row.get(column) or row.get("description") or "" for row in rows}
    entries = []
    for job in (job for job in plan.listed if job.lang == lang):
        entry = {"title": job.title, "html": f"{job.name}.html", "pdf": f"{job.name}.pdf"}
        if job.parameters.get("scope") in descriptions:
            entry["description"] = descriptions[job.parameters["scope"]]
        entries.append(entry)
    up = "../" * edition_prefix(lang).count("/")
    entries.append({"title": words.text("page.index.combined", lang), "pdf": "report.pdf"})
    for table in ("metrics", "audit"):
        entries.append(
            {
                "title": words.text(f"page.index.{table}", lang),
                "csv": f"{up}{table}.csv",
                "description": words.text(f"page.index.{table}_about", lang),
            }
        )
    return entries


def commit(stage: Path, reports: Path, manifest: dict[str, str], keys: dict[str, str], plan: Plan) -> None:
    """Complete the staged version with the outputs it did not rebuild, record it, publish it.

    The record (the version's manifest) lists an output only when the file is in the version: one
    built in this run (from its planned key) or carried over from the published version, whose own
    record gave that file the same key. A partial (SCOPE) build keeps every other output as it was,
    an EDITION build the other editions; otherwise outputs no longer planned (e.g. the reports of
    a scope that has no figures now) are dropped.
    """
    record = {name: key for name, key in manifest.items() if plan.partial or edition_of(name) not in plan.editions}
    record.update(keys)
    atomic.carry_over(
        atomic.current_version(reports), stage, lambda name: name in record and manifest.get(name) == record[name]
    )
    missing = [name for name in sorted(record) if not (stage / name).is_file()]
    if missing:
        raise BuildError(
            f"{len(missing)} output(s) vanished from the staging folder before publishing ({missing[0]}, ...); "
            "was `make clean` run during the build? Nothing was published; run `make report` again"
        )
    atomic.write_text(stage / atomic.MANIFEST, json.dumps(record, indent=1, sort_keys=True) + "\n", durable=False)
    atomic.publish(reports, stage)


# ---- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eastwest.build", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="data directory (default: data/)")
    parser.add_argument("--scope", default=None, help="build only this scope's cooperation report")
    parser.add_argument("--edition", default=None, help="build only this language's edition (en, zh)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="a notebook parameter (checked)"
    )
    parser.add_argument("--jobs", "-j", type=int, default=DEFAULT_JOBS, help="notebooks run at once (default 2)")
    parser.add_argument("--kernel", default=KERNEL, help=f"Jupyter kernel (default {KERNEL})")
    parser.add_argument("--force", action="store_true", help="rebuild everything")
    parser.add_argument(
        "--from-make",
        action="store_true",
        help="take SCOPE (EASTWEST_SCOPE) and make's command-line variable names from the environment",
    )
    args = parser.parse_args(argv)
    root = paths.ROOT
    data_dir = args.data.resolve() if args.data else root / "data"
    try:
        notebooks = sorted((root / "notebooks").glob("*.ipynb"))
        extra = params.parse_assignments(args.param)
        if "scope" in extra:
            if args.scope is not None:
                raise params.ParamError("give the scope once: --scope or --param scope=, not both")
            args.scope = extra.pop("scope")
        params.check_notebook_parameters(extra, notebooks, reserved={"data_dir", "scope", "lang"})
        scope, edition = args.scope, args.edition
        if args.from_make:
            from_make = params.scope_from_make(dict(os.environ))
            scope = from_make if scope is None else scope
            edition = params.edition_from_make(dict(os.environ)) if edition is None else edition
        request = params.Request(scope=scope, extra=extra, edition=params.check_edition(edition))
        return build(
            root=root,
            data_dir=data_dir,
            request=request,
            jobs=args.jobs,
            kernel=args.kernel,
            force=args.force,
            log=lambda line: print(line, flush=True),
        )
    except (params.ParamError, BuildError) as error:
        print(f"build: {error}", file=sys.stderr)
        return 2 if isinstance(error, params.ParamError) else 1
    except params.TableError as error:
        print(f"build: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"build: {environment_message(error)}; reports/ was left as it was", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
