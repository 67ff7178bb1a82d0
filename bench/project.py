"""Copies of the repository for tests and benchmarks: a fresh checkout at another path.

`copy_project(dest)` copies the files git would put in a clone (tracked files plus new files not
ignored, so work in progress is included), links the shared .venv and marks make's set-up steps as
done, so `make report` and `python -m eastwest.build` run there exactly as in the real repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def project_files(repo: Path = REPO) -> list[str]:
    """Paths (relative) of tracked and untracked-but-not-ignored files that exist."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    return sorted({name for name in out.split("\0") if name and (repo / name).is_file()})


def copy_project(dest: Path, repo: Path = REPO, *, with_venv: bool = True) -> Path:
    """A copy of the repository at `dest` (created), ready for make and the build."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in project_files(repo):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, target)
    for folder in ("reports", "notebooks", "data", "seeds"):
        (dest / folder).mkdir(exist_ok=True)
    if with_venv and not (dest / ".venv").exists():
        os.symlink(repo / ".venv", dest / ".venv")
        stamps = dest / ".make"
        stamps.mkdir(exist_ok=True)
        for stamp in ("venv", "system"):
            (stamps / stamp).touch()
        # The kernel stamp names the venv it was made for (see the Makefile): the shared one.
        (stamps / "kernel").write_text(str((repo / ".venv").resolve()), encoding="utf-8")
    return dest


def python() -> str:
    """The interpreter to run builds with: the repository's venv, else the current one."""
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child build: no make variables leaking in from an outer make."""
    make = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "EASTWEST_SCOPE", "EASTWEST_EDITION")
    env = {k: v for k, v in os.environ.items() if k not in make}
    env.update(extra)
    return env
