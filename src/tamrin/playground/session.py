"""Sessions on the server side: each browser page has one, and each run of a session is a
worker process (``worker.py``) that the server talks to over a pipe.

A ``WorkerRun`` starts the process, reads its messages on a thread of its own (keeping the
latest views and the history of points), and sends it commands, whose answers the event
loop awaits without blocking. A ``Session`` replaces its run on reset. The
``SessionManager`` holds the sessions, refuses more than ``MAX_SESSIONS`` and drops those
nobody has asked about for ``IDLE_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import secrets
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from tamrin.playground import limits
from tamrin.playground.config import Config
from tamrin.playground.worker import worker_main

# One BLAS thread per worker: sessions train side by side, each on one core at most.
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class StateQuery:
    """What the page already has: history points up to ``since`` of history ``version``,
    and the views of snapshot ``seq``."""

    since: int = 0
    version: str | None = None
    seq: int | None = None


class PlaygroundError(Exception):
    """A request that cannot be served; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.field = status, field


_context: Any = None


def worker_context() -> Any:
    """The multiprocessing context for workers: a fork server that has imported the worker
    (a new run starts in milliseconds), or spawn where there is no fork server."""
    global _context
    if _context is None:
        for name in BLAS_THREAD_VARIABLES:
            os.environ.setdefault(name, "1")
        if "forkserver" in multiprocessing.get_all_start_methods():
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["tamrin.playground.worker"])
        else:
            _context = multiprocessing.get_context("spawn")
    return _context


class WorkerRun:
    """One worker process and what it has reported: status, scene, views, history."""

    def __init__(self, config: Config) -> None:
        self.token = secrets.token_hex(4)     # names this run in the history's version
        self.status, self.step, self.epoch, self.error = "starting", 0, 0.0, None
        self.scene = "null"
        self.views = "null"
        self.points: list[str] = []
        self.thinned = 0                      # times every other point was dropped
        self.seq = 0                          # snapshots received
        self._lock = threading.Lock()
        self._ready: Future = Future()
        self._pending: dict[int, Future] = {}
        self._ids = itertools.count()
        ctx = worker_context()
        self._conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child, config.to_dict()),
                                   daemon=True, name="tamrin-playground-worker")
        self.process.start()
        child.close()
        threading.Thread(target=self._read, daemon=True, name="tamrin-playground-reader").start()

    # ---- messages from the worker (reader thread) ---------------------------------------
    def _read(self) -> None:
        try:
            while True:
                self._dispatch(self._conn.recv())
        except (EOFError, OSError):
            pass
        self._ended()

    def _dispatch(self, message: tuple) -> None:
        kind = message[0]
        if kind == "scene":
            self.scene = message[1]
        elif kind == "snapshot":
            self._snapshot(*message[1:])
            _resolve(self._ready, None)
        elif kind == "ack":
            future = self._pending.pop(message[1], None)
            if future is not None:
                _resolve(future, message[2])
        elif kind == "failed":
            self.status, self.error = "failed", message[1]
            _resolve(self._ready, message[1])

    def _snapshot(self, meta: dict[str, Any], points: list[str], views: str) -> None:
        with self._lock:
            self.status, self.step, self.epoch, self.error = \
                meta["status"], meta["step"], meta["epoch"], meta["error"]
            self.views = views
            self.points.extend(points)
            while len(self.points) > limits.MAX_HISTORY_POINTS:
                self.points = self.points[::2]
                self.thinned += 1
            self.seq += 1

    def _ended(self) -> None:
        """The pipe closed: the worker ended (asked to, or it died)."""
        self.process.join(timeout=5)
        if self.status not in ("failed", "closed"):
            self.status = "failed"
            self.error = (f"the training worker stopped unexpectedly (exit code "
                          f"{self.process.exitcode}); reset to start a new one")
        message = self.error or "the training worker has ended"
        _resolve(self._ready, message)
        for future in list(self._pending.values()):
            _resolve(future, message)

    # ---- the server's side (event loop) -------------------------------------------------
    @property
    def version(self) -> str:
        """Changes when the history is replaced (a new run) or thinned."""
        return f"{self.token}.{self.thinned}"

    async def started(self) -> None:
        """Wait for the worker's first snapshot; PlaygroundError if it cannot start."""
        error = await _wait(self._ready, limits.START_TIMEOUT_S, "start")
        if error is not None:
            raise PlaygroundError(500, error)

    async def command(self, command: str) -> None:
        """Send a command and wait until the worker has applied it."""
        if self.status in ("failed", "closed"):
            raise PlaygroundError(409, self.error or "this run has ended; reset it")
        if len(self._pending) >= limits.MAX_PENDING_COMMANDS:
            raise PlaygroundError(429, "too many commands waiting for this session's worker")
        command_id, future = next(self._ids), Future()
        self._pending[command_id] = future
        try:
            self._send((command, command_id), future)
            error = await _wait(future, limits.COMMAND_TIMEOUT_S, command)
        finally:
            self._pending.pop(command_id, None)
        if error is not None:
            raise PlaygroundError(409, error)

    def _send(self, message: tuple, future: Future) -> None:
        """Send ``message``; if the worker has ended, ``future`` gets the reason instead."""
        ended = "the training worker has ended; reset it"
        try:
            self._conn.send(message)
        except OSError:
            _resolve(future, ended)
        if self.status in ("failed", "closed"):       # it ended before it could answer
            _resolve(future, self.error or ended)

    def state_members(self, query: StateQuery) -> str:
        """The run as JSON object members: status, the history points from ``query.since``,
        and the latest views unless the client has them (``query.seq``). When the client's
        history is of another ``version`` (a new run, or a thinned history), every point and
        the scene. The strings the worker encoded are passed through, never decoded here."""
        with self._lock:
            fresh = query.version != self.version
            start = 0 if fresh else max(0, min(query.since, len(self.points)))
            meta = {"status": self.status, "step": self.step, "epoch": self.epoch,
                    "error": self.error, "seq": self.seq, "version": self.version,
                    "from": start, "total": len(self.points)}
            points = ",".join(self.points[start:])
            views = self.views if fresh or query.seq != self.seq else "null"
        scene = self.scene if fresh else "null"
        return f'"run":{json.dumps(meta)},"points":[{points}],"views":{views},"scene":{scene}'

    def stop(self) -> None:
        """Ask the worker to end, and make sure it does (without waiting here)."""
        self.status = "closed"
        with contextlib.suppress(OSError):
            self._conn.send(("close", None))
        threading.Timer(2.0, self._kill).start()

    def _kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()


def _resolve(future: Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


async def _wait(future: Future, timeout: float, what: str) -> Any:
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    except asyncio.TimeoutError:
        raise PlaygroundError(503, f"the training worker did not answer {what!r} within "
                              f"{timeout:g} s; reset the session") from None


class Session:
    """One page's session: its configuration and its current run (None until started)."""

    def __init__(self, config: Config) -> None:
        self.id = secrets.token_urlsafe(12)
        self.config = config
        self.run: WorkerRun | None = None
        self.closed = False
        self.starts = 0                 # starts asked for: the latest one wins
        self.last_seen = time.monotonic()

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    async def start(self, config: Config | None = None) -> None:
        """A new run (a fresh worker) with ``config`` (default: the current one); the old
        run is stopped. The process starts on a thread, off the event loop; of starts that
        overlap, the one asked for last wins."""
        config = config or self.config
        self.starts += 1
        ticket = self.starts
        run = await asyncio.to_thread(WorkerRun, config)
        if self.closed or ticket != self.starts:     # closed, or a later start came meanwhile
            run.stop()
            if self.closed:
                raise PlaygroundError(404, "the session was closed while it started")
            return
        old, self.run, self.config = self.run, run, config
        if old is not None:
            old.stop()
        try:
            await run.started()
        except PlaygroundError:
            if self.run is run:     # not when a later start replaced this run meanwhile
                raise

    def state_json(self, query: StateQuery) -> str:
        """The session's state for the page (see ``WorkerRun.state_members``)."""
        head = json.dumps({"id": self.id, "config": self.config.to_dict()})[:-1]
        if self.run is None:
            return head + ',"run":null}'
        return f"{head},{self.run.state_members(query)}}}"

    def close(self) -> None:
        """End the session's run; a start still under way ends its run too."""
        self.closed = True
        if self.run is not None:
            self.run.stop()


class SessionManager:
    """The open sessions, within ``MAX_SESSIONS``; idle ones are dropped."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    async def create(self, config: Config) -> Session:
        """A new session whose first run has started; 429 beyond ``MAX_SESSIONS``."""
        if len(self.sessions) >= limits.MAX_SESSIONS:
            raise PlaygroundError(429, f"too many sessions ({limits.MAX_SESSIONS} are open); "
                                  "close another playground tab, or wait: sessions nobody "
                                  f"looks at are dropped after {limits.IDLE_TIMEOUT_S:g} s")
        session = Session(config)
        self.sessions[session.id] = session
        try:
            await session.start()
        except PlaygroundError:
            self.close(session.id)
            raise
        return session

    def get(self, session_id: str) -> Session:
        """The session (now counted as seen), or 404."""
        session = self.sessions.get(session_id)
        if session is None:
            raise PlaygroundError(404, "no such session (it was closed, or dropped after "
                                  f"{limits.IDLE_TIMEOUT_S:g} s without requests); reload "
                                  "the page to start a new one")
        session.touch()
        return session

    def close(self, session_id: str) -> bool:
        """Drop the session and end its worker; False if there was none."""
        session = self.sessions.pop(session_id, None)
        if session is not None:
            session.close()
        return session is not None

    def reap(self, now: float | None = None) -> list[str]:
        """Close the sessions idle for longer than ``IDLE_TIMEOUT_S``; returns their ids."""
        now = time.monotonic() if now is None else now
        idle = [sid for sid, s in self.sessions.items()
                if now - s.last_seen > limits.IDLE_TIMEOUT_S]
        for sid in idle:
            self.close(sid)
        return idle

    def close_all(self) -> None:
        """Drop every session (the server is stopping)."""
        for sid in list(self.sessions):
            self.close(sid)
