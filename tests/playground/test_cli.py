"""``tamrin playground``: its options, a busy port, --open, missing web packages. (The real
server is started through the command by the browser and load tests.)"""

from __future__ import annotations

import socket
import sys
import time

import pytest

from tamrin.cli import build_parser, main
from tamrin.playground import server


def test_the_command_and_its_options():
    args = build_parser().parse_args(["playground"])
    assert (args.host, args.port, args.open) == ("127.0.0.1", 8765, False)
    args = build_parser().parse_args(["playground", "--port", "0", "--host", "::1", "--open"])
    assert (args.host, args.port, args.open) == ("::1", 0, True)


def test_a_busy_port_is_a_clear_error(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.fixture
def no_serving(monkeypatch):
    """uvicorn's run replaced: records the app and returns at once."""
    served = {}

    def run(self, sockets):
        served["app"], served["address"] = self.config.app, sockets[0].getsockname()
        sockets[0].close()

    monkeypatch.setattr(server.uvicorn.Server, "run", run)
    return served


def test_it_prints_the_url_and_opens_the_browser_when_asked(monkeypatch, capsys, no_serving):
    opened = []
    monkeypatch.setattr(server.webbrowser, "open", opened.append)
    assert main(["playground", "--port", "0", "--open"]) == 0
    port = no_serving["address"][1]
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    deadline = time.monotonic() + 5
    while not opened and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened == [f"http://127.0.0.1:{port}/"]


def test_listening_beyond_this_machine_is_said_out_loud(capsys, no_serving):
    assert main(["playground", "--port", "0", "--host", "0.0.0.0"]) == 0
    assert "not only on this machine" in capsys.readouterr().err


def test_missing_web_packages_are_named(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "tamrin.playground.server")
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["playground"]) == 2
    assert "pip install 'tamrin[web]'" in capsys.readouterr().err
