"""The repository's own promises: seeds untouched, dependency lists in step, notebooks stripped."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from eastwest import paths

SHARED_SEEDS = paths.ROOT.parent / "shared" / "seeds"


def _checksums() -> dict[str, str]:
    entries = {}
    for line in (paths.SEEDS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        entries[name.lstrip("*")] = digest
    return entries


def test_every_seed_matches_its_checksum():
    sums = _checksums()
    seed_files = sorted(p.name for p in paths.SEEDS.glob("*.txt"))
    assert seed_files == sorted(sums), "SHA256SUMS must list exactly the seed files"
    for name, digest in sums.items():
        assert hashlib.sha256((paths.SEEDS / name).read_bytes()).hexdigest() == digest, name


def test_seeds_are_byte_copies_of_the_shared_originals():
    if not SHARED_SEEDS.is_dir():  # a clone without ../shared beside it
        import pytest

        pytest.skip("../shared/seeds is not beside this checkout")
    for original in SHARED_SEEDS.glob("*.txt"):
        assert (paths.SEEDS / original.name).read_bytes() == original.read_bytes(), original.name


def _names_in_requirements_in() -> set[str]:
    names = set()
    for line in (paths.ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0].lower())
    return names


def _names_in_environment_yml() -> set[str]:
    names = set()
    text = (paths.ROOT / "environment.yml").read_text(encoding="utf-8")
    in_dependencies = False
    for raw in text.splitlines():
        if re.match(r"^dependencies:\s*$", raw):
            in_dependencies = True
            continue
        if in_dependencies and re.match(r"^\S", raw):
            in_dependencies = False
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)", raw)
        if in_dependencies and match:
            name = match.group(1).lower()
            if name not in {"python", "pip"}:
                names.add(re.split(r"[<>=!~]", name, maxsplit=1)[0])
    return names


def test_environment_yml_lists_the_same_direct_dependencies_as_requirements_in():
    assert _names_in_environment_yml() == _names_in_requirements_in()


def test_lock_pins_every_direct_dependency_exactly():
    lock = (paths.ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==\S+", lock, re.MULTILINE)}
    missing = _names_in_requirements_in() - pinned
    assert not missing, f"not pinned in requirements.lock: {sorted(missing)}"
    # every requirement line is an exact pin with hashes, so installs are reproducible
    for match in re.finditer(r"^([A-Za-z0-9_.\-]+)(\S*)", lock, re.MULTILINE):
        assert match.group(2).startswith("=="), match.group(0)
    assert "--hash=sha256:" in lock


def _run_check(folder: Path) -> subprocess.CompletedProcess:
    script = paths.ROOT / "scripts" / "check_notebooks.py"
    return subprocess.run([sys.executable, str(script), str(folder)], capture_output=True, text=True)


def _write_notebook(path: Path, outputs: list, execution_count):
    cell = {"cell_type": "code", "metadata": {}, "source": "1 + 1", "outputs": outputs,
            "execution_count": execution_count}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_notebook_check_rejects_outputs_and_counts_and_accepts_clean(tmp_path):
    _write_notebook(tmp_path / "clean.ipynb", [], None)
    assert _run_check(tmp_path).returncode == 0
    _write_notebook(tmp_path / "counted.ipynb", [], 3)
    result = _run_check(tmp_path)
    assert result.returncode == 1 and "counted.ipynb: cell 0" in result.stdout
    (tmp_path / "counted.ipynb").unlink()
    _write_notebook(tmp_path / "output.ipynb", [{"output_type": "stream", "name": "stdout", "text": "2"}], None)
    result = _run_check(tmp_path)
    assert result.returncode == 1 and "output.ipynb: cell 0" in result.stdout


def test_committed_notebooks_carry_no_outputs():
    assert _run_check(paths.NOTEBOOKS).returncode == 0


def test_make_help_lists_the_promised_targets():
    result = subprocess.run(["make", "-s", "help"], cwd=paths.ROOT, capture_output=True, text=True, check=True)
    for target in ("report", "test", "validate", "lab", "clean", "bench"):
        assert re.search(rf"make {target}\s+\S", result.stdout), target
