"""``tamrin playground``: serve the app with uvicorn on a local address and print its URL."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import webbrowser

import uvicorn

from tamrin.playground.app import LOOPBACK_HOSTS, create_app


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: any free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(host: str, port: int, open_browser: bool = False) -> int:
    """Run the playground until Ctrl-C; returns the exit status."""
    try:
        sock = listen(host, port)
    except OSError as err:
        print(f"tamrin playground: cannot listen on {host}:{port} ({err.strerror or err}); "
              "choose another --port (0 picks a free one)", file=sys.stderr)
        return 1
    loopback = host in LOOPBACK_HOSTS
    if not loopback:
        print(f"tamrin playground: listening on {host}, not only on this machine: anyone who "
              "can reach it can train models on it", file=sys.stderr)
    app = create_app(LOOPBACK_HOSTS if loopback else ("*",))
    url = url_of(sock)
    print(f"tamrin playground: {url}  (Ctrl-C stops it)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops gracefully, then re-raises it
        server.run(sockets=[sock])
    print("tamrin playground: stopped", flush=True)
    return 0
