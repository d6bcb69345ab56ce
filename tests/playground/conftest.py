"""Fixtures of the playground tests: the app behind Starlette's TestClient, helpers to open
a session and wait for its state, and the real server in a subprocess (browser and load
tests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the playground needs starlette: pip install "
                    "'tamrin[web]'")
from starlette.testclient import TestClient  # noqa: E402

from tamrin.playground.app import create_app  # noqa: E402


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The app, with its lifespan (the idle reaper; every session closed at the end)."""
    with TestClient(create_app(), base_url="http://127.0.0.1") as c:
        yield c


def open_session(client: TestClient, **config: Any) -> str:
    """A new session with ``config`` over the defaults; returns its id."""
    response = client.post("/api/sessions", json={"config": config})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def state(client: TestClient, sid: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/sessions/{sid}/state", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def wait_until(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.05) -> Any:
    """Call ``check`` until it returns something truthy (returned), or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"condition not met within {timeout} s")


ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 60.0


@contextmanager
def served(log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``tamrin playground --port 0`` in a subprocess, as a user starts it: yields its URL
    (read from what it prints) and the process; Ctrl-C (SIGINT) stops it at the end. Its
    output goes to ``log``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with open(log, "w+", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, "-m", "tamrin", "playground", "--port", "0"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            yield _printed_url(log, process), process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _printed_url(log: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        match = re.search(r"http://127\.0\.0\.1:\d+/", log.read_text(encoding="utf-8"))
        if match:
            return match.group(0)
        if process.poll() is not None:
            pytest.fail(f"tamrin playground exited with {process.returncode}:\n"
                        f"{log.read_text(encoding='utf-8')}")
        time.sleep(0.1)
    pytest.fail(f"tamrin playground printed no URL within {SERVER_START_TIMEOUT_S} s")


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc; just ``[pid]`` elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree
