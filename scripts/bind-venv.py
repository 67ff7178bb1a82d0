"""Bind .venv to the checkout it sits in; run by `make setup` with .venv/bin/python.

A checkout that is copied or moved keeps absolute paths of its old place: the first line of every
script in .venv/bin, the `activate` scripts, the .pth file that puts the repository on sys.path, and
the `eastwest` kernel spec (whose argv names the interpreter). Left alone, the copy runs the
original's interpreter and code, and fails once the original is gone. This script replaces the old
venv path by the real one in .venv/bin, points the .pth at this checkout, registers the kernel again
when its spec names another interpreter, and prints the venv's real path, which make keeps as the
stamp that tells whether this must run again.

Usage: python scripts/bind-venv.py KERNEL_NAME DISPLAY_NAME
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

MAX_SCRIPT = 1 << 20  # bytes; larger files in bin/ are programs, not scripts


def old_prefixes(venv: Path, spec: dict) -> set[str]:
    """Venv paths other than `venv` that the kernel spec, `activate` or the scripts' first lines name."""
    found = set()
    if spec.get("argv"):
        found.add(str(Path(spec["argv"][0]).parent.parent))
    activate = venv / "bin" / "activate"
    if activate.is_file():
        match = re.search(r"^VIRTUAL_ENV=['\"]?([^'\"\n]+)", activate.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            found.add(match.group(1))
    for script in sorted((venv / "bin").iterdir()):
        if script.is_file() and not script.is_symlink() and script.stat().st_size < MAX_SCRIPT:
            with open(script, "rb") as handle:
                first = handle.readline(4096)
            match = re.match(rb"#!(\S+)/bin/python[0-9.]*\s*$", first)
            if match:
                found.add(match.group(1).decode("utf-8", "surrogateescape"))
    found.discard(str(venv))
    return found


def rewrite_scripts(venv: Path, old: set[str]) -> int:
    """Replace each old venv path (followed by /bin/) by `venv` in the text files of .venv/bin."""
    changed = 0
    for script in sorted((venv / "bin").iterdir()):
        if not script.is_file() or script.is_symlink() or script.stat().st_size >= MAX_SCRIPT:
            continue
        data = script.read_bytes()
        if b"\0" in data[:1024]:
            continue
        new = data
        for prefix in old:
            new = new.replace(prefix.encode() + b"/bin/", str(venv).encode() + b"/bin/")
            new = new.replace(f'"{prefix}"'.encode(), f'"{venv}"'.encode())
            new = new.replace(f"'{prefix}'".encode(), f"'{venv}'".encode())
        if new != data:
            script.write_bytes(new)
            changed += 1
    return changed


def kernel_spec(venv: Path, kernel: str) -> dict:
    try:
        return json.loads((venv / "share" / "jupyter" / "kernels" / kernel / "kernel.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def main(argv: list[str]) -> int:
    kernel, display = argv
    venv = Path(sys.prefix).resolve()
    checkout = Path.cwd().resolve()
    spec = kernel_spec(venv, kernel)
    old = old_prefixes(venv, spec)
    if old and rewrite_scripts(venv, old):
        print(f"setup: {venv} was made at {', '.join(sorted(old))}; its scripts now name this path", file=sys.stderr)
    if venv.parent == checkout:  # a venv shared by several checkouts (a symlink) keeps its own .pth
        Path(sysconfig.get_paths()["purelib"], "eastwest-repo.pth").write_text(f"{checkout}\n", encoding="utf-8")
    python = venv / "bin" / "python"
    if spec.get("argv", [None])[0] != str(python):
        subprocess.run(
            [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", kernel, "--display-name", display],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"setup: registered Jupyter kernel '{kernel}' for {python}", file=sys.stderr)
    print(venv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
