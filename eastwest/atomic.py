"""Atomic file output: a reader sees the old file or the new one, never a half-written one.

Every file is written to a temporary name in the *same directory* (so the final rename never
crosses a file system), flushed and fsync'ed, then renamed over the target with `os.replace`,
which POSIX makes atomic. The directory is fsync'ed afterwards so the rename itself survives a
power cut. Temporary names carry the process id and a random part, so two builds running at once
(`make -j2`, two terminals) never write to the same temporary file.

A process killed with SIGKILL cannot clean up after itself; its temporary files stay behind,
hidden (dot-prefixed) and recognisable by `TEMP_MARK`. `clean_stale` removes those whose owner is
no longer running; readers and globbing (`*.html`) never see them because of the leading dot.

A whole set of files is published the same way, with one rename: see `publish` (a new version
folder, then one symbolic link switched), which the build uses for everything under reports/.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

TEMP_MARK = ".tmp-"
_TEMP_RE = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]+$")


def temp_name(target: Path) -> Path:
    """A fresh temporary path next to `target`, unique to this process and call."""
    target = Path(target)
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(target: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write; on success rename it over `target`, on error delete it.

    For tools that insist on writing a file themselves (e.g. a PDF writer given a file name).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(target.parent)


def write_bytes(target: Path, data: bytes, *, durable: bool = True) -> Path:
    """Write `data` to `target` atomically. Returns `target`."""
    target = Path(target)
    with replacing(target, durable=durable) as tmp:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
    return target


def write_text(target: Path, text: str, *, durable: bool = True) -> Path:
    """Write `text` as UTF-8 with LF line endings to `target` atomically."""
    return write_bytes(target, text.encode("utf-8"), durable=durable)


def move_into_place(source: Path, target: Path) -> None:
    """Rename a finished file (e.g. from a staging directory on the same file system) over `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_temp(path: Path) -> bool:
    return bool(_TEMP_RE.match(Path(path).name))


def clean_stale(directory: Path, *, recursive: bool = True) -> list[Path]:
    """Delete temporary files left in `directory` by processes that are no longer running."""
    directory = Path(directory)
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    candidates = directory.rglob(".*") if recursive else directory.glob(".*")
    for path in sorted(candidates):
        match = _TEMP_RE.match(path.name)
        if not match or process_alive(int(match.group(1))):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(path)
    return removed


# ---- a set of files published at once -----------------------------------------------------------------
#
# reports/ as readers see it is a set of names (index.html, brief.pdf, zh/, notebooks/, ...), each a
# symbolic link into `.current/`; `.current` is itself a link to one complete version,
# `.versions/v-<id>/`. A build fills a new version (files it did not rebuild are hard links to the
# previous version's) and publishes it by renaming one new `.current` link over the old one. That
# rename is the only moment the set changes, so a reader, or a build killed at any instant, sees the
# whole old set or the whole new one. Each version carries its own record (MANIFEST) of what built
# it, so the record cannot describe files other than the ones it came with.

VERSIONS = ".versions"
CURRENT = ".current"
MANIFEST = ".manifest.json"


def current_version(folder: Path) -> Path | None:
    """The published version folder of `folder` (reports/), or None before the first publish."""
    link = Path(folder) / CURRENT
    if not link.is_symlink():
        return None
    target = Path(folder) / os.readlink(link)
    return target if target.is_dir() else None


def new_version(folder: Path) -> Path:
    """An empty, private folder to stage the next version in (a temporary name until published)."""
    versions = Path(folder) / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    stage = versions / f".v{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    stage.mkdir()
    return stage


def _carry(source: Path, dest: Path) -> None:
    """`source` at `dest` without copying its bytes when the file system allows a hard link."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def carry_over(previous: Path | None, stage: Path, keep) -> list[str]:
    """Add to `stage` every file of `previous` that `stage` lacks and `keep(relative name)` accepts."""
    carried = []
    if previous is None:
        return carried
    for path in sorted(previous.rglob("*")):
        relative = path.relative_to(previous).as_posix()
        if path.is_file() and not (stage / relative).exists() and path.name != MANIFEST and keep(relative):
            _carry(path, stage / relative)
            carried.append(relative)
    return carried


def _link(folder: Path, name: str, target: str) -> None:
    """Make `folder/name` a symbolic link to `target`, replacing whatever was there in one rename
    (a real folder, from the layout before versions, is moved aside first and then removed)."""
    path = folder / name
    if path.is_symlink() and os.readlink(path) == target:
        return
    aside = None
    if path.is_dir() and not path.is_symlink():
        aside = folder / f".{name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        os.replace(path, aside)
    tmp = temp_name(path)
    os.symlink(target, tmp)
    os.replace(tmp, path)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _adopt_plain_files(folder: Path, names: list[str]) -> None:
    """Before the first publish, turn the outputs left by the layout without versions (plain files and
    folders among `names`) into a first version, so that the switch to links never shows a reader a
    mixture: each name then points at its old bytes until the new version is switched in."""
    if current_version(folder) is not None:
        return
    plain = [folder / name for name in names if (folder / name).exists() and not (folder / name).is_symlink()]
    if not plain:
        return
    old = new_version(folder)
    for path in plain:
        for item in [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]:
            _carry(item, old / item.relative_to(folder))
    _switch(folder, _finish(old))
    for path in plain:
        _link(folder, path.name, f"{CURRENT}/{path.name}")


def _finish(stage: Path) -> Path:
    """Rename a staged version to its final name (`v-` + the staging name's unique part)."""
    final = stage.with_name("v-" + stage.name.split(TEMP_MARK, 1)[1])
    os.replace(stage, final)
    return final


def _switch(folder: Path, version: Path) -> None:
    tmp = temp_name(folder / CURRENT)
    os.symlink(f"{VERSIONS}/{version.name}", tmp)
    os.replace(tmp, folder / CURRENT)
    fsync_dir(folder)


def publish(folder: Path, stage: Path) -> Path:
    """Make the staged version `stage` the one readers of `folder` see; returns its final path.

    Each top-level name in `stage` gets a link in `folder`; links into `.current/` for names the new
    version no longer has are removed after the switch, and so are older versions. Files are
    fsync'ed before the switch, so the published set survives a power cut too.
    """
    folder = Path(folder)
    names = sorted(path.name for path in stage.iterdir() if not path.name.startswith("."))
    _adopt_plain_files(folder, names)
    for path in stage.rglob("*"):
        if path.is_file() and path.stat().st_nlink == 1:  # carried-over links are durable already
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for directory in [stage, *(p for p in stage.rglob("*") if p.is_dir())]:
        fsync_dir(directory)
    version = _finish(stage)
    fsync_dir(version.parent)
    for name in names:  # a new name points into .current/ before it holds it: "not found" until the switch
        _link(folder, name, f"{CURRENT}/{name}")
    _switch(folder, version)
    for path in folder.iterdir():
        if path.is_symlink() and os.readlink(path) == f"{CURRENT}/{path.name}" and path.name not in names:
            path.unlink()
    for path in (folder / VERSIONS).iterdir():
        if path != version and not is_temp(path):
            shutil.rmtree(path, ignore_errors=True)
    return version
