"""Fixtures of the playground tests: the app behind Starlette's TestClient, and helpers to
open a session and wait for its state."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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
