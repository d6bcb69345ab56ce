"""The JSON API through Starlette's TestClient: sessions, commands, every control, every bad
input (a 4xx with a JSON message, never a crash or a stuck session), limits, idle sessions,
a worker that dies, and the page's assets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from tamrin.playground import limits
from tamrin.playground.app import create_app
from tamrin.playground.config import DEFAULT, FIELDS
from tamrin.playground.scenarios import SCENARIOS

from .conftest import open_session, state, wait_until


def post(client, sid, action, **body):
    return client.post(f"/api/sessions/{sid}/{action}", json=body or None)


def test_options_list_the_controls_scenarios_and_limits(client):
    options = client.get("/api/options").json()
    assert [f["name"] for f in options["fields"]] == [f.name for f in FIELDS]
    assert len(options["scenarios"]) == len(SCENARIOS)
    assert options["limits"]["MAX_SESSIONS"] == limits.MAX_SESSIONS


def test_a_new_session_is_paused_with_its_scene_views_and_first_point(client):
    sid = open_session(client, hidden_layers=3)
    s = state(client, sid)
    assert s["id"] == sid and s["config"]["hidden_layers"] == 3
    assert s["run"]["status"] == "paused" and s["run"]["step"] == 0
    assert len(s["points"]) == 1 and s["points"][0]["step"] == 0
    assert s["scene"]["hidden_layers"] == 3 and len(s["scene"]["train"]["x"]) == 320
    assert set(s["views"]) == {"boundary", "activations", "weights"}


def test_step_start_pause_and_reset(client):
    sid = open_session(client)
    answer = post(client, sid, "step").json()
    assert answer == {"status": "paused", "step": 1, "config": DEFAULT.to_dict()}
    assert post(client, sid, "start").json()["status"] == "running"
    wait_until(lambda: state(client, sid)["run"]["step"] > limits.EVERY_STEP_UNTIL)
    paused = post(client, sid, "pause").json()
    assert paused["status"] == "paused"
    time.sleep(0.3)
    s = state(client, sid)
    assert s["run"]["step"] == paused["step"]                           # really stopped
    steps = [p["step"] for p in s["points"]]
    assert steps[:limits.EVERY_STEP_UNTIL + 1] == list(range(limits.EVERY_STEP_UNTIL + 1))
    assert steps == sorted(set(steps)) and steps[-1] == paused["step"]
    reset = post(client, sid, "reset", config={"width": 4}).json()
    assert reset["step"] == 0 and reset["config"]["width"] == 4
    assert post(client, sid, "reset").json()["config"]["width"] == 4   # same controls again


def test_state_sends_only_new_points_until_the_run_changes(client):
    sid = open_session(client)
    first = state(client, sid)
    version = first["run"]["version"]
    for _ in range(3):
        post(client, sid, "step")
    later = state(client, sid, since=1, version=version)
    assert [p["step"] for p in later["points"]] == [1, 2, 3]
    assert later["scene"] is None and later["run"]["total"] == 4
    seq = later["run"]["seq"]
    unchanged = state(client, sid, since=4, version=version, seq=seq)
    assert unchanged["points"] == [] and unchanged["views"] is None     # nothing new: short
    assert state(client, sid, since=4, version=version, seq=seq - 1)["views"] is not None
    post(client, sid, "reset")
    fresh = state(client, sid, since=4, version=version)
    assert fresh["run"]["version"] != version and fresh["scene"] is not None
    assert [p["step"] for p in fresh["points"]] == [0]


def test_a_long_history_is_thinned_and_its_version_changes(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_HISTORY_POINTS", 6)
    sid = open_session(client)
    version = state(client, sid)["run"]["version"]
    for _ in range(6):
        post(client, sid, "step")
    s = state(client, sid, since=0, version=version)
    assert s["run"]["version"] != version
    assert [p["step"] for p in s["points"]] == [0, 2, 4, 6]


CONTROL_VALUES = {"dataset": "xor", "noise": 0.3, "samples": 100, "validation": 0.5,
                  "hidden_layers": 1, "width": 3, "activation": "tanh", "init": "he",
                  "batch_norm": True, "residual": True, "dropout": 0.5,
                  "output_activation": True, "optimizer": "rmsprop", "lr": 0.002,
                  "bias_correction": False, "batch_size": 5, "l1": 0.01,
                  "l1_mode": "subgradient", "l2": 0.1, "regularize_bias": True, "seed": 42}


@pytest.mark.parametrize("field", [f.name for f in FIELDS])
def test_every_control_takes_effect(client, field):
    assert set(CONTROL_VALUES) == {f.name for f in FIELDS}
    sid = open_session(client)
    answer = post(client, sid, "reset", config={field: CONTROL_VALUES[field]})
    assert answer.status_code == 200, answer.text
    assert post(client, sid, "step").status_code == 200
    s = state(client, sid)
    assert s["config"][field] == CONTROL_VALUES[field] and s["run"]["step"] == 1
    if field == "hidden_layers":
        assert s["scene"]["hidden_layers"] == 1 and len(s["views"]["weights"]) == 2
    if field == "samples":
        assert len(s["scene"]["train"]["x"]) + len(s["scene"]["val"]["x"]) == 100


# (raw JSON of the configuration, the control named)
BAD_CONFIGS = [
    ('{"hidden_layers": 10000}', "hidden_layers"),
    ('{"width": 1e9}', "width"),
    ('{"lr": NaN}', "lr"),
    ('{"lr": Infinity}', "lr"),
    ('{"lr": null}', "lr"),
    ('{"batch_size": 0}', "batch_size"),
    ('{"activation": "swish"}', "activation"),
    ('{"lr": "fast"}', "lr"),
    ('{"width": ""}', "width"),
    ('{"width": 2.5}', "width"),
    ('{"depth": 3}', "depth"),
    ('{"hidden_layers": 16, "width": 128}', "width"),
    ('[1, 2]', None),
]


@pytest.mark.parametrize("raw, field", BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_controls_are_a_422_and_the_session_goes_on(client, raw, field):
    sid = open_session(client)
    body = f'{{"config": {raw}}}'.encode()
    for path in ("/api/sessions", f"/api/sessions/{sid}/reset"):
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field and response.json()["error"]
    assert post(client, sid, "step").json()["step"] == 1            # not stuck
    assert state(client, sid)["config"] == DEFAULT.to_dict()        # nothing applied


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "must be JSON"),
    (b'"text"', 400, "JSON object"),
    (b'{"config": {}, "extra": 1}', 400, "unexpected field 'extra'"),
    (b"x" * (70 * 1024), 413, "larger than"),
])
def test_malformed_bodies_are_a_4xx(client, body, status, words):
    response = client.post("/api/sessions", content=body)
    assert response.status_code == status and words in response.json()["error"]


def test_unknown_sessions_actions_and_paths_are_a_404_in_json(client):
    for response in (client.get("/api/sessions/nope/state"), client.post("/api/sessions/nope/step"),
                     client.get("/nope"), client.get("/../pyproject.toml"),
                     client.get("/static/../../pyproject.toml")):
        assert response.status_code == 404 and "error" in response.json()
    sid = open_session(client)
    response = post(client, sid, "explode")
    assert response.status_code == 404 and "start, pause, step" in response.json()["error"]
    for bad in ({"since": "x"}, {"seq": "1.5"}):
        assert client.get(f"/api/sessions/{sid}/state", params=bad).status_code == 400
    assert client.get("/api/sessions").status_code == 405


def test_closing_a_session(client):
    sid = open_session(client)
    process = client.app.state.manager.sessions[sid].run.process
    assert client.post(f"/api/sessions/{sid}/close").json() == {"closed": True}
    assert client.get(f"/api/sessions/{sid}/state").status_code == 404
    wait_until(lambda: not process.is_alive(), timeout=10)
    other = open_session(client)
    assert client.delete(f"/api/sessions/{other}").status_code == 200
    assert client.post(f"/api/sessions/{other}/start").status_code == 404


def test_too_many_sessions_is_a_429(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SESSIONS", 2)
    first = open_session(client)
    open_session(client)
    response = client.post("/api/sessions", json={})
    assert response.status_code == 429 and "too many sessions" in response.json()["error"]
    client.post(f"/api/sessions/{first}/close")
    assert client.post("/api/sessions", json={}).status_code == 201


def test_idle_sessions_are_dropped(client):
    manager = client.app.state.manager
    idle, busy = open_session(client), open_session(client)
    manager.sessions[idle].last_seen -= limits.IDLE_TIMEOUT_S + 1
    assert manager.reap() == [idle]
    assert client.get(f"/api/sessions/{idle}/state").status_code == 404
    assert state(client, busy)["run"]["status"] == "paused"


def test_several_sessions_train_at_once(client):
    sids = [open_session(client, seed=i) for i in range(3)]
    for sid in sids:
        post(client, sid, "start")
    wait_until(lambda: all(state(client, sid)["run"]["step"] > 20 for sid in sids))
    for sid in sids:
        assert post(client, sid, "pause").json()["status"] == "paused"


def test_a_diverged_run_says_why_and_reset_recovers(client):
    sid = open_session(client, optimizer="sgd", lr=100.0, init="normal", width=128,
                       hidden_layers=5)
    post(client, sid, "start")
    stopped = wait_until(lambda: (s := state(client, sid))["run"]["status"] == "stopped" and s)
    assert "learning rate" in stopped["run"]["error"]
    for action in ("start", "step"):
        response = post(client, sid, action)
        assert response.status_code == 409 and "reset" in response.json()["error"]
    assert post(client, sid, "reset", config={"lr": 0.01}).json()["status"] == "paused"
    assert post(client, sid, "step").json()["step"] == 1


def test_a_worker_that_dies_is_reported_and_reset_replaces_it(client):
    sid = open_session(client)
    run = client.app.state.manager.sessions[sid].run
    os.kill(run.process.pid, 9)
    failed = wait_until(lambda: (s := state(client, sid))["run"]["status"] == "failed" and s)
    assert "stopped unexpectedly" in failed["run"]["error"]
    response = post(client, sid, "start")
    assert response.status_code == 409 and "reset" in response.json()["error"]
    assert post(client, sid, "reset").json()["status"] == "paused"
    assert post(client, sid, "step").json()["step"] == 1


def test_digits_without_scikit_learn_is_a_422(client, monkeypatch):
    monkeypatch.setattr("tamrin.playground.config.find_spec", lambda name: None)
    response = client.post("/api/sessions", json={"config": {"dataset": "digits"}})
    assert response.status_code == 422 and response.json()["field"] == "dataset"
    assert "needs the sklearn package" in response.json()["error"]


def test_the_page_and_its_assets_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for asset in ("/playground.js", "/playground.css", "/vendor/uPlot.iife.min.js",
                  "/vendor/uPlot.min.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert "https://" not in page.text and "http://" not in page.text   # nothing remote


def test_a_foreign_host_header_is_refused(client):
    assert client.get("/api/options", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/options", headers={"Host": "localhost:8765"}).status_code == 200


def test_errors_are_json_even_for_unexpected_failures(monkeypatch):
    monkeypatch.setattr("tamrin.playground.app.FIELDS", None)      # a bug in a handler
    with TestClient(create_app(), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as client:
        response = client.get("/api/options")
    assert response.status_code == 500
    assert json.loads(response.text)["error"].startswith("internal error: TypeError")


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals")
def test_a_worker_that_does_not_answer_is_a_503_and_reset_recovers(client, monkeypatch):
    monkeypatch.setattr(limits, "COMMAND_TIMEOUT_S", 0.5)
    sid = open_session(client)
    process = client.app.state.manager.sessions[sid].run.process
    os.kill(process.pid, signal.SIGSTOP)                  # hung: alive but silent
    try:
        response = post(client, sid, "step")
        assert response.status_code == 503 and "did not answer" in response.json()["error"]
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert post(client, sid, "reset").json()["status"] == "paused"
    assert post(client, sid, "step").json()["step"] == 1
    wait_until(lambda: not process.is_alive(), timeout=10)   # the old worker was ended


def test_commands_piling_up_for_one_worker_are_a_429(client, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PENDING_COMMANDS", 0)
    sid = open_session(client)
    response = post(client, sid, "step")
    assert response.status_code == 429 and "too many commands" in response.json()["error"]


def test_resets_in_quick_succession_end_with_the_last(client):
    sid = open_session(client)

    async def two_resets():
        session = client.app.state.manager.sessions[sid]
        first, second = (replace(session.config, width=w) for w in (3, 5))
        await asyncio.gather(session.start(first), session.start(second))

    client.portal.call(two_resets)
    s = state(client, sid)
    assert s["config"]["width"] == 5 and s["run"]["status"] == "paused"
