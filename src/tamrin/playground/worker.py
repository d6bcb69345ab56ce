"""The training worker: one process per run, driven over a pipe by the web server.

Messages from the server are ``(command, id)`` with command ``start``, ``pause``, ``step`` or
``close``; each is answered ``("ack", id, error)`` once applied (error: None, or why the
command could not be done). The worker sends ``("scene", json)`` once, then
``("snapshot", meta, points, views_json)`` after every change and, while running, every
``SNAPSHOT_INTERVAL_S``: ``points`` is the list of history points (JSON texts) since the last
snapshot — one per snapshot, but one per step over the first ``EVERY_STEP_UNTIL`` steps — and
views are "null" if they could not be measured. It sends ``("failed", message)`` instead if
the run cannot even be built.

Running in its own process gives each session its own GIL and its own copy of the library's
random generator (so a seed reproduces a run however many sessions train at once), and lets
the server stop a run that hangs. The worker ends when told to, or when the server is gone
(its end of the pipe closes).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import warnings
from multiprocessing.connection import Connection
from typing import Any

from tamrin.playground import limits
from tamrin.playground.config import Config
from tamrin.playground.trainer import Trainer, TrainingStopped


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class Worker:
    """Applies the server's commands to one ``Trainer`` and reports what it did."""

    def __init__(self, conn: Connection, trainer: Trainer) -> None:
        self.conn = conn
        self.trainer = trainer
        self.running = False
        self.error: str | None = None
        self.next_publish = 0.0         # while running: when the next snapshot is due
        self.points: list[str] = []     # history points not sent yet
        self.recorded_step = -1         # the step of the last history point

    @property
    def status(self) -> str:
        return "stopped" if self.error else "running" if self.running else "paused"

    def _record(self) -> None:
        """A history point for the current step (once per step)."""
        if self.recorded_step != self.trainer.steps:
            self.points.append(_json(self.trainer.record()))
            self.recorded_step = self.trainer.steps

    def publish(self) -> None:
        """Send the history points since the last snapshot and the current views (if they
        cannot be measured, the run stops with the reason, and the worker goes on serving)."""
        try:
            self._record()
            views = _json(self.trainer.views())
        except Exception as err:
            self.error = f"could not measure the run: {type(err).__name__}: {err}"
            self.running, views = False, "null"
        meta = {"status": self.status, "step": self.trainer.steps,
                "epoch": round(self.trainer.epoch, 3), "error": self.error}
        points, self.points = self.points, []
        self.conn.send(("snapshot", meta, points, views))

    def _train(self, steps: int = 1, until: float = 0.0) -> None:
        """At least ``steps`` updates, then more until the clock reads ``until``; each of the
        first ``EVERY_STEP_UNTIL`` steps gets a history point (their ups and downs are the
        story of a too-large step or an uncorrected Adam). A failure stops the run."""
        done = 0
        try:
            while done < steps or time.monotonic() < until:
                self.trainer.step()
                done += 1
                if self.trainer.steps <= limits.EVERY_STEP_UNTIL:
                    self._record()
        except TrainingStopped as err:
            self.error, self.running = str(err), False
        except Exception as err:   # a bug or an exhausted resource: say so, keep serving
            self.error, self.running = f"training failed: {type(err).__name__}: {err}", False

    def handle(self, command: str) -> str | None:
        """Apply one command; returns why it was refused, or None."""
        if command in ("start", "step") and self.error:
            return f"training has stopped: {self.error}; reset to start again"
        if command == "start":
            self.running = True
            self.next_publish = time.monotonic() + limits.SNAPSHOT_INTERVAL_S
        elif command == "pause":
            self.running = False
        elif command == "step":
            self.running = False
            self._train(steps=1)
        else:
            return f"unknown command {command!r}"
        self.publish()
        return None

    def _receive(self) -> bool:
        """Handle one message from the server; False when the worker should end."""
        command, command_id = self.conn.recv()
        if command == "close":
            return False
        self.conn.send(("ack", command_id, self.handle(command)))
        return True

    def serve(self) -> None:
        """Train while running, answer commands between slices of training."""
        self.publish()
        while True:
            if not self.running or self.conn.poll():
                if not self._receive():         # waits for a message while paused
                    return
            else:       # a snapshot every SNAPSHOT_INTERVAL_S; training fills the time between
                self._train(until=self.next_publish)
                self.publish()
                self.next_publish = max(self.next_publish + limits.SNAPSHOT_INTERVAL_S,
                                        time.monotonic())


def worker_main(conn: Connection, config: dict[str, Any]) -> None:
    """The worker process's entry point: build the run from ``config`` and serve."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is for the server, which ends us
    warnings.simplefilter("ignore", RuntimeWarning)  # overflow: the page reports divergence
    with contextlib.suppress(AttributeError, OSError):   # no os.nice on Windows
        os.nice(limits.WORKER_NICENESS)
    try:
        trainer = Trainer(Config(**config))
        conn.send(("scene", _json(trainer.scene())))
    except Exception as err:
        conn.send(("failed", f"could not build the run: {type(err).__name__}: {err}"))
        return
    with contextlib.suppress(EOFError, OSError):     # EOF, broken pipe: the server has gone
        Worker(conn, trainer).serve()
