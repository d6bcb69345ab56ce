"""A load test on loopback: ``LOAD_SESSIONS`` clients each open a session on a real
``tamrin playground`` server, start training and poll its state as the page does (every
50 ms) for ``TAMRIN_PLAYGROUND_LOAD_SECONDS`` (default 5 s; the figures in
docs/benchmarks.md are from a 30 s run), then pause and close it.

Every request must be answered with a 2xx, the 95th percentile of the state endpoint's
latency must stay under 200 ms, and the memory of the server's process tree (server, fork
server, workers; proportional set size) must stay bounded and return once the sessions close.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from .conftest import process_tree, served

LOAD_SESSIONS = 8
LOAD_SECONDS = float(os.environ.get("TAMRIN_PLAYGROUND_LOAD_SECONDS", "5"))
POLL_S = 0.05                 # as the page: twice the worker's snapshot rate
P95_LIMIT_S = 0.2
MEMORY_LIMIT_MIB = 1536       # 8 workers of a few tens of MiB each, the server, the fork server
MEMORY_SAMPLE_S = 0.5


@dataclass
class Client:
    """One simulated page: its requests' outcomes and the state endpoint's latencies."""

    host: str
    port: int
    seed: int
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    steps: int = 0
    snapshots: int = 0

    def request(self, conn: http.client.HTTPConnection, method: str, path: str,
                body: dict | None = None) -> dict:
        payload = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        start = time.perf_counter()
        conn.request(method, path, payload, headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        self.statuses.append(response.status)
        if path.endswith("/state") or "/state?" in path:
            self.latencies.append(elapsed)
        return json.loads(data)

    def run(self, seconds: float) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            sid = self.request(conn, "POST", "/api/sessions",
                               {"config": {"seed": self.seed, "hidden_layers": 3}})["id"]
            self.request(conn, "POST", f"/api/sessions/{sid}/start")
            since, version, seq, first_seq = 0, "", -1, None
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                began = time.monotonic()
                state = self.request(conn, "GET", f"/api/sessions/{sid}/state?since={since}"
                                     f"&version={version}&seq={seq}")
                since, version, seq = (state["run"][k] for k in ("total", "version", "seq"))
                first_seq = seq if first_seq is None else first_seq
                self.steps, self.snapshots = state["run"]["step"], seq - first_seq
                time.sleep(max(0.0, POLL_S - (time.monotonic() - began)))
            self.request(conn, "POST", f"/api/sessions/{sid}/pause")
            self.request(conn, "POST", f"/api/sessions/{sid}/close")
        except Exception as err:        # noqa: BLE001 - every failure is counted and shown
            self.errors.append(f"{type(err).__name__}: {err}")
        finally:
            conn.close()


def _pss_mib(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        total += int(re.search(r"^Pss:\s+(\d+) kB", text, re.M).group(1))
    return total / 1024


class MemorySampler(threading.Thread):
    """Samples the PSS of the server's process tree until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self) -> None:
        while not self.stop.wait(MEMORY_SAMPLE_S):
            tree = process_tree(self.pid)
            self.samples.append((len(tree), _pss_mib(tree)))


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(),
                    reason="measures memory through Linux's /proc")
def test_eight_sessions_training_at_once(tmp_path):
    with served(tmp_path / "server.log") as (url, process):
        parts = urlsplit(url)
        clients = [Client(parts.hostname, parts.port, seed) for seed in range(LOAD_SESSIONS)]
        sampler = MemorySampler(process.pid)
        sampler.start()
        threads = [threading.Thread(target=c.run, args=(LOAD_SECONDS,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(LOAD_SECONDS + 120)
        time.sleep(3)                      # closed sessions' workers end within seconds
        sampler.stop.set()
        sampler.join()
        idle_tree = len(process_tree(process.pid))

    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert process.returncode == 0 and "Traceback" not in log, log      # Ctrl-C: a clean stop
    errors = [e for c in clients for e in c.errors]
    statuses = [s for c in clients for s in c.statuses]
    latencies = np.array([x for c in clients for x in c.latencies])
    peak_mib = max(m for _, m in sampler.samples)
    figures = {
        "sessions": LOAD_SESSIONS, "seconds": LOAD_SECONDS, "requests": len(statuses),
        "state_requests": len(latencies),
        **{f"p{q}_ms": 1000 * np.percentile(latencies, q) for q in (50, 95, 99)},
        "max_ms": 1000 * latencies.max(),
        "peak_pss_mib": peak_mib, "peak_processes": max(n for n, _ in sampler.samples),
        "pss_every_5s_mib": [round(m) for _, m in sampler.samples[::int(5 / MEMORY_SAMPLE_S)]],
        "steps_per_session": [c.steps for c in clients],
        "views_per_second": [round(c.snapshots / LOAD_SECONDS, 1) for c in clients],
        "load_average": os.getloadavg(),
    }
    print(json.dumps(figures, default=float))
    (tmp_path / "load.json").write_text(json.dumps(figures, default=float))

    assert not errors, errors
    assert all(200 <= s < 300 for s in statuses), sorted(set(statuses))
    assert len(latencies) >= LOAD_SESSIONS * LOAD_SECONDS / POLL_S / 3
    assert figures["p95_ms"] < 1000 * P95_LIMIT_S, figures
    assert peak_mib < MEMORY_LIMIT_MIB, figures
    # left: the server, its fork server and multiprocessing's resource tracker
    assert idle_tree <= 3, "workers outlived their closed sessions"
    assert all(c.steps > 0 for c in clients)
