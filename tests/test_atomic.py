"""eastwest.atomic: a reader sees the old file or the new one, never a mix; leftovers are cleaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eastwest import atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "out" / "a.html"
    atomic.write_text(target, "first")
    atomic.write_text(target, "second — 第二")
    assert target.read_bytes() == "second — 第二".encode()
    assert leftovers(target.parent) == []


def test_failure_while_writing_keeps_the_old_file(tmp_path: Path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic.replacing(target) as tmp:
            tmp.write_bytes(b"half of the new")
            raise RuntimeError("renderer crashed")
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_temporary_names_are_hidden_unique_and_carry_the_pid(tmp_path: Path):
    target = tmp_path / "index.html"
    names = {atomic.temp_name(target).name for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert name.startswith(".index.html.tmp-") and f"-{os.getpid()}-" in name
        assert atomic.is_temp(Path(name))
    assert not atomic.is_temp(target)
    assert list(tmp_path.glob("*.html")) == []  # a glob for reports never sees a temporary file


WRITER = textwrap.dedent(
    """
    import sys
    from eastwest import atomic
    target, letter, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for _ in range(count):
        atomic.write_bytes(target, letter.encode() * 200_000, durable=False)
    """
)


def test_two_processes_writing_the_same_file_never_mix(tmp_path: Path):
    target = tmp_path / "metrics.csv"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(target), letter, "40"]) for letter in ("a", "b")
    ]
    seen = set()
    while any(w.poll() is None for w in writers):
        if target.exists():
            data = target.read_bytes()
            seen.add((len(data), len(set(data))))
    assert [w.wait() for w in writers] == [0, 0]
    data = target.read_bytes()
    assert data in (b"a" * 200_000, b"b" * 200_000)
    # Every read during the race saw one whole file: 200,000 bytes of a single letter.
    assert seen <= {(200_000, 1)}
    assert leftovers(tmp_path) == []


KILLED = textwrap.dedent(
    """
    import sys, time
    from eastwest import atomic
    with atomic.replacing(sys.argv[1]) as tmp:
        tmp.write_bytes(b"new but unfinished")
        print("writing", flush=True)
        time.sleep(60)
    """
)


def test_a_killed_writer_leaves_the_old_file_and_its_temporary_is_cleaned(tmp_path: Path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old complete file")
    writer = subprocess.Popen([sys.executable, "-c", KILLED, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    # While the writer lives, its temporary file is not stale.
    assert atomic.clean_stale(tmp_path) == []
    assert len(leftovers(tmp_path)) == 1
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert target.read_bytes() == b"old complete file"
    removed = atomic.clean_stale(tmp_path)
    assert [p.name for p in removed] and leftovers(tmp_path) == []
    assert target.read_bytes() == b"old complete file"


def test_clean_stale_removes_dead_staging_directories_but_not_live_ones(tmp_path: Path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    time.sleep(0.05)
    stale_dir = tmp_path / f".stage{atomic.TEMP_MARK}{dead.pid}-abcd1234"
    (stale_dir / "notebooks").mkdir(parents=True)
    (stale_dir / "notebooks" / "x.ipynb").write_text("{}")
    live = tmp_path / f".stage{atomic.TEMP_MARK}{os.getpid()}-abcd1234"
    live.mkdir()
    ordinary = tmp_path / ".build"
    ordinary.mkdir()
    removed = atomic.clean_stale(tmp_path)
    assert removed == [stale_dir]
    assert live.exists() and ordinary.exists()


# ---- a set of files published at once --------------------------------------------------------------


def stage_version(folder: Path, label: str, names: list[str]) -> Path:
    """A staged version whose every file says which version it belongs to."""
    stage = atomic.new_version(folder)
    for name in names:
        (stage / name).parent.mkdir(parents=True, exist_ok=True)
        (stage / name).write_text(f"{label} {name}")
    return stage


def reader_view(folder: Path) -> dict[str, str]:
    """What a reader finds under `folder` through its ordinary names (links followed, dot names skipped)."""
    seen = {}
    for here, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                path = Path(here) / name
                seen[path.relative_to(folder).as_posix()] = path.read_text()
    return seen


def test_publish_switches_the_whole_set_and_keeps_reader_paths(tmp_path: Path):
    reports = tmp_path / "reports"
    (reports / "candidates").mkdir(parents=True)  # not the build's: left alone
    (reports / "candidates" / "x.csv").write_text("mine")
    first = atomic.publish(reports, stage_version(reports, "v1", ["index.html", "a.pdf", "zh/index.html"]))
    assert reader_view(reports) == {
        "index.html": "v1 index.html", "a.pdf": "v1 a.pdf", "zh/index.html": "v1 zh/index.html",
        "candidates/x.csv": "mine",
    }  # fmt: skip
    stage = stage_version(reports, "v2", ["index.html", "b.pdf"])
    assert atomic.carry_over(atomic.current_version(reports), stage, lambda name: name == "zh/index.html") == [
        "zh/index.html"
    ]
    assert (stage / "zh" / "index.html").stat().st_ino == (first / "zh" / "index.html").stat().st_ino  # a hard link
    second = atomic.publish(reports, stage)
    assert reader_view(reports) == {
        "index.html": "v2 index.html", "b.pdf": "v2 b.pdf", "zh/index.html": "v1 zh/index.html",
        "candidates/x.csv": "mine",
    }  # fmt: skip
    assert not (reports / "a.pdf").is_symlink()  # a name the new version lacks is gone
    assert sorted(p.name for p in (reports / atomic.VERSIONS).iterdir()) == [second.name]
    assert atomic.current_version(reports) == second


def test_the_layout_without_versions_is_adopted_without_a_mixed_moment(tmp_path: Path):
    reports = tmp_path / "reports"
    (reports / "notebooks").mkdir(parents=True)
    for name in ("index.html", "a.pdf", "notebooks/a.ipynb"):
        (reports / name).write_text(f"old {name}")
    (reports / "notes.txt").write_text("a reader's own file")
    atomic.publish(reports, stage_version(reports, "new", ["index.html", "a.pdf", "notebooks/a.ipynb"]))
    assert reader_view(reports) == {
        "index.html": "new index.html", "a.pdf": "new a.pdf", "notebooks/a.ipynb": "new notebooks/a.ipynb",
        "notes.txt": "a reader's own file",
    }  # fmt: skip
    assert (reports / "notebooks").is_symlink() and leftovers(reports) == [".current", ".versions"]


PUBLISHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from eastwest import atomic
    reports, names = Path(sys.argv[1]), sys.argv[2].split(",")
    for number in range(1, 100000):
        stage = atomic.new_version(reports)
        for name in names:
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(str(number))
        atomic.publish(reports, stage)
        print(number, flush=True)
    """
)


def test_a_publisher_killed_at_any_moment_leaves_one_whole_version(tmp_path: Path):
    import random

    reports = tmp_path / "reports"
    names = ["index.html", "report.pdf", "metrics.csv", "audit.csv", "zh/index.html", "zh/report.pdf",
             "notebooks/01-overview.ipynb"]  # fmt: skip
    rng = random.Random(13)
    kills = 0
    while kills < 40:
        writer = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER, str(reports), ",".join(names)], stdout=subprocess.PIPE, text=True
        )
        writer.stdout.readline()  # one version is published: the kill falls among later ones
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        kills += 1
        view = reader_view(reports)
        assert sorted(view) == sorted(names), view
        assert len(set(view.values())) == 1, view  # every file of one version
        atomic.clean_stale(reports)
    assert [p for p in (reports / atomic.VERSIONS).iterdir() if atomic.is_temp(p)] == []
