"""JupyterLab for real: a Jupyter server on a free localhost port runs every notebook on the project's kernel.

The test starts `jupyter server` (what `make lab` serves JupyterLab from) on notebooks/, opens one
session per notebook through the server's REST API, as JupyterLab does when a notebook is opened,
and sends each code cell, top to bottom, over the kernel's websocket. The notebooks run with the
defaults of their `parameters` cell. Any error output, or a cell the kernel does not finish, fails
the test and names the notebook and the cell.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import websocket  # websocket-client, a dependency of jupyter_server

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "eastwest"
CELL_TIMEOUT = 120  # seconds one cell may take before the test gives up on it
WORKERS = 2  # notebooks run at once (one kernel each); the machine has two cores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running Jupyter server: its base URL and token, and REST calls to it."""

    def __init__(self, process: subprocess.Popen, port: int, token: str):
        self.process, self.port, self.token = process, port, token
        self.url = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    log = open(runtime / "server.log", "wb")  # noqa: SIM115 (closed below, after the server stops)
    command = [
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.root_dir={NOTEBOOKS}", f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # as `make lab` does: Jupyter refuses to run as root otherwise
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    running = Server(process, port, token)
    try:
        _wait_until_up(running, runtime / "server.log")
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: Server, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"jupyter server exited with {server.process.returncode}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            server.call("GET", "/api/status")
            return
        time.sleep(0.2)
    pytest.fail(f"jupyter server did not answer within 60 s:\n{log.read_text()[-2000:]}")


def _message(msg_type: str, content: dict, session: str) -> str:
    header = {
        "msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "test",
        "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    return json.dumps(
        {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}
    )


def _run_cell(ws: websocket.WebSocket, source: str, session: str) -> list[str]:
    """Execute one cell; the error outputs it produced (ename: evalue), or a timeout."""
    request = _message("execute_request", {"code": source, "silent": False, "store_history": True}, session)
    msg_id = json.loads(request)["header"]["msg_id"]
    ws.send(request)
    errors, idle, replied = [], False, False
    deadline = time.monotonic() + CELL_TIMEOUT
    while not (idle and replied):
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            message = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            return errors + [f"no answer within {CELL_TIMEOUT} s"]
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "stream" and content.get("name") == "stderr" and "Traceback" in content.get("text", ""):
            errors.append(content["text"][-500:])
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
        elif kind == "execute_reply":
            replied = True
            if content["status"] != "ok" and not errors:
                errors.append(f"execute_reply status {content['status']}")
    return errors


def _run_notebook(server: Server, path: Path) -> list[str]:
    """Every error of the notebook, as 'NAME: cell N: message'."""
    return _run_cells(server, path.name, json.loads(path.read_text(encoding="utf-8"))["cells"])


def _run_cells(server: Server, name: str, cells: list[dict]) -> list[str]:
    """Run the cells in a new session for notebook `name`, as JupyterLab opens one; then shut its kernel down."""
    session = server.call(
        "POST", "/api/sessions", {"path": name, "name": name, "type": "notebook", "kernel": {"name": KERNEL}}
    )
    kernel = session["kernel"]
    assert kernel["name"] == KERNEL
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/api/kernels/{kernel['id']}/channels?session_id={session['id']}",
        header=[f"Authorization: token {server.token}"], timeout=CELL_TIMEOUT,
    )  # fmt: skip
    found = []
    try:
        for number, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            errors = _run_cell(ws, source, session["id"])
            found += [f"{name}: cell {number}: {error}" for error in errors]
            if errors:
                break  # the cells after an error would only repeat it
    finally:
        ws.close()
        server.call("DELETE", f"/api/sessions/{session['id']}")
    return found


def test_project_kernel_is_registered(server):
    specs = server.call("GET", "/api/kernelspecs")["kernelspecs"]
    assert KERNEL in specs, f"kernel {KERNEL!r} is not registered (make setup registers it); found {sorted(specs)}"
    assert Path(specs[KERNEL]["spec"]["argv"][0]).is_relative_to(ROOT / ".venv")  # the project's own Python


def test_every_notebook_runs_top_to_bottom_on_the_project_kernel(server):
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert notebooks, "no notebooks in notebooks/"
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        errors = [error for found in pool.map(lambda path: _run_notebook(server, path), notebooks) for error in found]
    assert errors == []
    assert server.call("GET", "/api/sessions") == []  # every kernel was shut down


def test_an_error_output_fails_the_run(server):
    cells = [{"cell_type": "code", "source": source} for source in ("x = 1", "1 / 0", "y = 2")]
    assert _run_cells(server, "broken.ipynb", cells) == ["broken.ipynb: cell 1: ZeroDivisionError: division by zero"]
