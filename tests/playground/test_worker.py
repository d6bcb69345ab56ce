"""The worker's command loop, in this process: commands and their answers, a run that stops,
a view that cannot be computed (the worker says so and keeps serving), the end."""

from __future__ import annotations

import json
import multiprocessing
import threading

import pytest

from tamrin.playground import limits
from tamrin.playground.config import parse_config
from tamrin.playground.trainer import Trainer
from tamrin.playground.worker import Worker


@pytest.fixture
def worker():
    """A worker on one end of a pipe; the test holds the other end (the server's)."""
    server, child = multiprocessing.Pipe()
    w = Worker(child, Trainer(parse_config({"hidden_layers": 1, "width": 4})))
    yield w, server
    server.close()
    child.close()


def test_commands_change_the_status_and_publish(worker):
    w, server = worker
    assert w.handle("step") is None and w.trainer.steps == 1
    kind, meta, points, views = server.recv()
    assert kind == "snapshot" and meta["status"] == "paused" and meta["step"] == 1
    assert [json.loads(p)["step"] for p in points] == [1] and "boundary" in json.loads(views)
    w.handle("pause")
    assert server.recv()[2] == []                     # no new step: no new point
    assert w.handle("start") is None and w.status == "running"
    assert w.handle("pause") is None and w.status == "paused"
    assert "unknown command" in w.handle("jump")


def test_a_stopped_run_refuses_to_go_on(worker):
    w, server = worker
    w.error = "the loss became nan"
    assert "reset" in w.handle("start") and "reset" in w.handle("step")
    assert w.handle("pause") is None


def test_a_view_that_fails_stops_the_run_but_not_the_worker(worker, monkeypatch):
    w, server = worker
    monkeypatch.setattr(w.trainer, "views", lambda: 1 / 0)
    w.handle("start")
    _, meta, points, views = server.recv()
    assert meta["status"] == "stopped" and "ZeroDivisionError" in meta["error"]
    assert views == "null"


def test_the_first_steps_get_a_point_each_then_one_per_snapshot(worker, monkeypatch):
    w, server = worker
    monkeypatch.setattr(limits, "EVERY_STEP_UNTIL", 5)
    w._train(steps=8)
    w.publish()
    points = [json.loads(p)["step"] for p in server.recv()[2]]
    assert points == [1, 2, 3, 4, 5, 8]


def test_serve_answers_commands_while_training_and_ends_on_close(worker):
    w, server = worker
    thread = threading.Thread(target=w.serve)
    thread.start()
    server.send(("start", 1))
    acks = []
    while not acks:
        message = server.recv()
        acks += [message] if message[0] == "ack" else []
    assert acks == [("ack", 1, None)]
    while server.recv()[0] != "snapshot" or w.trainer.steps < 5:
        pass                                            # training, publishing
    server.send(("pause", 2))
    while (message := server.recv())[0] != "ack":
        pass
    assert message == ("ack", 2, None) and w.status == "paused"
    server.send(("close", None))
    thread.join(timeout=10)
    assert not thread.is_alive()
