"""The benchmark runner end to end (so that it cannot rot), and its arithmetic."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bench.run import Result, compare, table, target_ratio, time_calls
from bench.workloads import overhead
from bench.workloads.spec import Workload

ROOT = Path(__file__).resolve().parents[2]


def test_runner_end_to_end_quick(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "matmul-256-fwd-bwd", "--quick",
         "--frameworks", "tamrin,numpy", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| matmul-256-fwd-bwd | tamrin |" in proc.stdout
    assert "× numpy" in proc.stdout and "tamrin <= 1.2x numpy" in proc.stdout
    rows = {r["framework"]: r for r in json.loads(out.read_text())}
    assert set(rows) == {"tamrin", "numpy"}
    for r in rows.values():
        assert r["repeats"] == 3 and r["low"] <= r["median"] <= r["high"]
        assert r["peak_rss_mib"] > 10 and not r["error"]
    assert rows["tamrin"]["ratio"] == pytest.approx(rows["tamrin"]["median"]
                                                    / rows["numpy"]["median"])
    assert rows["tamrin"]["verdict"] in ("met", "missed")


def test_runner_rejects_an_unknown_workload():
    proc = subprocess.run([sys.executable, "-m", "bench.run", "no-such-workload"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode != 0 and "unknown workload" in proc.stderr


def _workload(unit, target="", ratio=None):
    return Workload(title="t", frameworks=("tamrin", "torch"), build=print, unit=unit,
                    samples_per_call=10, target=target, target_ratio=ratio)


def _results(subject, baseline):
    return [Result("w", "tamrin", median=subject, low=subject, high=subject, peak_rss_mib=1.0),
            Result("w", "torch", median=baseline, low=baseline, high=baseline,
                   peak_rss_mib=1.0)]


@pytest.mark.parametrize("unit, target, subject, verdict, ratio", [
    ("time", "tamrin <= 1.0x torch", 0.5, "met", 0.5),
    ("time", "tamrin <= 1.0x torch", 2.0, "missed", 2.0),
    ("samples/s", "tamrin >= 1.0x torch throughput", 0.5, "met", 2.0),  # twice as fast
    ("samples/s", "tamrin ≥ 0.8× torch", 2.0, "missed", 0.5),
    ("time", "as fast as possible", 2.0, "", 2.0),
])
def test_ratio_and_verdict(unit, target, subject, verdict, ratio):
    workload = _workload(unit, target)
    results = _results(subject, 1.0)
    compare(workload, results)
    assert results[0].ratio == pytest.approx(ratio)
    assert results[0].verdict == verdict
    assert results[1].ratio is None
    assert "| w | tamrin |" in table([(workload, r) for r in results])


@pytest.mark.parametrize("floor_time, memory, verdict", [
    (0.9, 0.2, "met"),  # 0.9/1.0 = 0.9× the floor's throughput: ≥ 0.8 asked
    (0.5, 0.2, "missed"),  # half the floor's throughput
    (0.9, 0.5, "missed"),  # memory above 1/3 of the baseline's
])
def test_floor_and_memory_targets_join_the_verdict(floor_time, memory, verdict):
    workload = Workload(title="t", frameworks=("tamrin", "torch", "numpy"), build=print,
                        unit="samples/s", target="tamrin >= 1.0x torch", floor="numpy",
                        floor_ratio=0.8, memory_ratio=1 / 3)
    results = _results(1.0, 2.0) + [Result("w", "numpy", median=floor_time, low=floor_time,
                                            high=floor_time, peak_rss_mib=1.0)]
    results[0].peak_rss_mib = memory
    compare(workload, results)
    assert results[0].ratio == pytest.approx(2.0)
    assert results[0].floor_ratio == pytest.approx(floor_time)
    assert results[0].memory_ratio == pytest.approx(memory)
    assert results[0].verdict == verdict
    row = table([(workload, r) for r in results]).splitlines()[2]
    assert f"{floor_time:.2f}× numpy" in row and f"memory {memory:.2f}×" in row


def test_target_ratio_prefers_the_explicit_number():
    assert target_ratio(_workload("time", "tamrin <= 1.2x numpy")) == 1.2
    assert target_ratio(_workload("time", "tamrin <= 1.2x numpy", ratio=3.0)) == 3.0
    assert target_ratio(_workload("time", "")) is None


def test_time_calls_calibrates_the_number_of_calls():
    calls = []
    number, times = time_calls(lambda: calls.append(1), repeats=4, warmup=2,
                               min_repeat_s=0.001)
    assert number > 10 and len(times) == 4
    assert len(calls) >= 2 + 4 * number


@pytest.mark.parametrize("name", sorted(overhead.WORKLOADS))
def test_overhead_workloads_build_and_run(name):
    workload = overhead.WORKLOADS[name]
    for framework in workload.frameworks:
        if framework == "torch":
            pytest.importorskip("torch", reason="torch is the baseline of these workloads")
        workload.build(framework)()


def test_the_numpy_floor_does_the_same_arithmetic_as_tamrin():
    import tamrin

    ga, gb = overhead._numpy_matmul_sum(8)()
    a, b = overhead._leaves("tamrin", 8)
    (a @ b).sum().backward()
    assert isinstance(a, tamrin.Tensor)
    np.testing.assert_allclose(a.grad.numpy(), ga, rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), gb, rtol=1e-5)
