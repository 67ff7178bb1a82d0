"""Atomic file output: a reader sees the old file or the new one, never a half-written one.

Every file is written to a temporary name in the *same directory* (so the final rename never
crosses a file system), flushed and fsync'ed, then renamed over the target with `os.replace`,
which POSIX makes atomic. The directory is fsync'ed afterwards so the rename itself survives a
power cut. Temporary names carry the process id and a random part, so two builds running at once
(`make -j2`, two terminals) never write to the same temporary file.

A process killed with SIGKILL cannot clean up after itself; its temporary files stay behind,
hidden (dot-prefixed) and recognisable by `TEMP_MARK`. `clean_stale` removes those whose owner is
no longer running; readers and globbing (`*.html`) never see them because of the leading dot.
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
