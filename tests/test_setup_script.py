"""scripts/ensure-system.sh: what `make` does when the font, Pango or poppler is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from eastwest import paths

SCRIPT = paths.ROOT / "scripts" / "ensure-system.sh"


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


def _run(
    tmp_path: Path, *, fonts: str, uid: str, has_pdftotext: bool, pango: bool, has_ldconfig: bool = True
) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "cat", "dirname"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    _stub(bin_dir, "fc-list", f"printf '%s' '{fonts}'")
    _stub(bin_dir, "id", f"echo {uid}")
    # a long listing after the match, as on a real system: a reader that stops early would SIGPIPE it
    listing = (
        "echo '\tlibpango-1.0.so.0 (libc6,x86-64) => /usr/lib/libpango-1.0.so.0'; i=0; "
        "while [ $i -lt 20000 ]; do echo \"\tlibother$i.so\"; i=$((i+1)); done"
    )
    if has_ldconfig:
        _stub(bin_dir, "ldconfig", listing if pango else "true")
    _stub(bin_dir, "apt-get", f"echo apt-get \"$@\" >> {tmp_path / 'apt.log'}")
    if has_pdftotext:
        _stub(bin_dir, "pdftotext", "true")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env)


def test_everything_present_does_nothing(tmp_path):
    result = _run(tmp_path, fonts="/f/NotoSansCJK.ttc: Noto Sans CJK SC", uid="1000", has_pdftotext=True, pango=True)
    assert result.returncode == 0 and result.stdout == "" and not (tmp_path / "apt.log").exists()


def test_not_root_stops_with_the_install_commands(tmp_path):
    result = _run(tmp_path, fonts="", uid="1000", has_pdftotext=False, pango=True)
    assert result.returncode == 1
    assert "missing system packages: fonts-noto-cjk poppler-utils" in result.stderr
    assert "sudo apt-get install fonts-noto-cjk" in result.stderr and "brew install" in result.stderr
    assert not (tmp_path / "apt.log").exists()


def test_root_on_debian_installs_only_what_is_missing(tmp_path):
    result = _run(tmp_path, fonts="", uid="0", has_pdftotext=True, pango=False)
    assert result.returncode == 0, result.stderr
    installed = (tmp_path / "apt.log").read_text()
    assert "install" in installed and "fonts-noto-cjk" in installed and "libpango-1.0-0" in installed
    assert "poppler-utils" not in installed


def test_without_a_linker_cache_pango_is_left_to_weasyprint(tmp_path):
    # macOS has no ldconfig: Pango from Homebrew must not be reported missing
    result = _run(tmp_path, fonts="/f/NotoSansCJK.ttc: Noto Sans CJK SC", uid="501", has_pdftotext=True,
                  pango=False, has_ldconfig=False)  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""


# ---- a copied or moved checkout: `make setup` binds .venv and the kernel to the new place -----------


def _checkout(folder: Path) -> Path:
    """A checkout with the set-up rules and a small real venv that can run ipykernel (it borrows the
    project's packages through a .pth), with its venv and system steps marked done."""
    import sys
    import sysconfig

    folder.mkdir(parents=True)
    for name in ("Makefile", "requirements.lock", "tools.lock", "scripts/bind-venv.py"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(paths.ROOT / name, folder / name)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / ".venv")], check=True)
    borrowed = sysconfig.get_paths()["purelib"]
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (folder / ".venv" / "lib" / version / "site-packages" / "borrowed.pth").write_text(borrowed + "\n")
    tool = folder / ".venv" / "bin" / "where"
    # as pip writes a script whose interpreter path holds a space (which a #! line cannot)
    launcher = f"#!/bin/sh\n'''exec' \"{folder}/.venv/bin/python\" \"$0\" \"$@\"\n' '''\n"
    tool.write_text(launcher + "import sys\nprint(sys.prefix)\n")
    tool.chmod(0o755)
    (folder / ".make").mkdir()
    for stamp in ("venv", "system"):
        (folder / ".make" / stamp).touch()
    return folder


def _setup(folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "JUPYTER"))}
    return subprocess.run(["make", "setup"], cwd=folder, capture_output=True, text=True, env=env)


def _kernel_python(folder: Path) -> str:
    import json

    spec = folder / ".venv" / "share" / "jupyter" / "kernels" / "eastwest" / "kernel.json"
    return json.loads(spec.read_text())["argv"][0]


def test_a_moved_checkout_is_bound_to_its_new_place_by_setup(tmp_path: Path):
    original = _checkout(tmp_path / "original place")
    first = _setup(original)
    assert first.returncode == 0, first.stderr
    assert _kernel_python(original) == f"{original}/.venv/bin/python"
    moved = tmp_path / "moved here"
    shutil.copytree(original, moved, symlinks=True)
    shutil.rmtree(original)  # the original is gone, as after `mv`
    result = _setup(moved)
    assert result.returncode == 0, result.stderr
    assert "registered Jupyter kernel 'eastwest'" in result.stderr
    assert _kernel_python(moved) == f"{moved}/.venv/bin/python"
    where = subprocess.run([str(moved / ".venv" / "bin" / "where")], capture_output=True, text=True)
    assert where.returncode == 0 and where.stdout.strip() == str(moved / ".venv"), where.stderr
    pth = list((moved / ".venv" / "lib").glob("python*/site-packages/eastwest-repo.pth"))
    assert [p.read_text().strip() for p in pth] == [str(moved)]
    assert (moved / ".make" / "kernel").read_text().strip() == str(moved / ".venv")
    again = _setup(moved)  # bound now: nothing to do
    assert again.returncode == 0 and again.stderr == "" and "registered" not in again.stdout
