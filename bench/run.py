"""Run the benchmark workloads: ``python -m bench.run [names...] [--quick] [--json out.json]``.

Every module in ``bench/workloads/`` that defines ``WORKLOADS`` (see that package's
docstring for the contract) is discovered. Each (workload, framework) pair runs in fresh
subprocesses whose BLAS/OpenMP thread variables are 1 before anything is imported (and
``torch.set_num_threads(1)``), so runs neither share caches nor compete for cores. The
``repeats`` of a workload are split over ``--rounds`` processes per framework that take
turns (A B A B …), so that a change in a shared machine's load hits every framework alike.
In each process the workload is built, warmed up, then timed; a repetition calls the
workload function ``number`` times, ``number`` chosen so that one repetition lasts at least
``MIN_REPEAT_S`` (a 2 µs op is timed over thousands of calls, a 100 ms one once). The parent
reports the median time per call, the min–max over repetitions, the peak resident memory of
the processes, and the ratio subject/baseline (for ``samples/s``: the throughput ratio)
beside the workload's target — and, where the workload names them, the ratio to a floor
(a hand-written NumPy version) and the ratio of peak memory to the baseline's. Names select
workloads (``add-2x2-fwd-bwd``) or whole modules (``overhead``); ``--frameworks
tamrin,torch`` runs only those; ``--list`` lists workloads.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import re
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
MIN_REPEAT_S = {False: 0.05, True: 0.005}  # by quick
QUICK_REPEATS, QUICK_WARMUP = 3, 1
QUICK_ENV = "TAMRIN_BENCH_QUICK"
DEFAULT_ROUNDS = 3
ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT_S = 900


@dataclass
class Result:
    """The measurement of one framework on one workload (times in seconds per call)."""

    workload: str
    framework: str
    median: float | None = None
    low: float | None = None
    high: float | None = None
    number: int = 0
    repeats: int = 0
    peak_rss_mib: float | None = None
    error: str = ""
    ratio: float | None = None  # subject / baseline (throughput ratio for samples/s)
    floor_ratio: float | None = None  # the same against the workload's floor, if it has one
    memory_ratio: float | None = None  # peak RSS / the baseline's, if the target names it
    verdict: str = ""  # "met", "missed", or "" where there is no numeric target
    times: list[float] = field(default_factory=list)


# ---- discovery ----------------------------------------------------------------------------

def discover() -> dict[str, tuple[str, Any]]:
    """{workload name: (module name, Workload)} over every module in bench/workloads/."""
    import bench.workloads as package

    found: dict[str, tuple[str, Any]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "spec":
            continue
        module = importlib.import_module(f"bench.workloads.{info.name}")
        for name, workload in getattr(module, "WORKLOADS", {}).items():
            if name in found:
                raise ValueError(f"bench: workload {name!r} is defined in both "
                                 f"{found[name][0]} and {info.name}")
            found[name] = (info.name, workload)
    return found


def select(found: dict[str, tuple[str, Any]], names: list[str]) -> list[str]:
    """Workload names matching ``names`` (workload or module names); all when empty."""
    if not names:
        return list(found)
    chosen = [w for w, (module, _) in found.items() if w in names or module in names]
    unknown = [n for n in names if n not in found and n not in {m for m, _ in found.values()}]
    if unknown:
        raise SystemExit(f"bench: unknown workload or module {unknown}; known: {sorted(found)}")
    return chosen


# ---- the child process: build, warm up, time ------------------------------------------------

def _limit_threads() -> None:
    for var in THREAD_VARS:
        os.environ[var] = "1"


def _peak_rss_mib() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def time_calls(fn: Any, repeats: int, warmup: int, min_repeat_s: float) -> tuple[int, list]:
    """(number, per-call seconds of each repetition): warm up, then pick ``number`` so a
    repetition of ``number`` calls lasts at least ``min_repeat_s``."""
    from time import perf_counter

    for _ in range(warmup):
        fn()
    number, elapsed = 1, 0.0
    while True:
        start = perf_counter()
        for _ in range(number):
            fn()
        elapsed = perf_counter() - start
        if elapsed >= min_repeat_s:
            break
        number = max(number * 2, int(number * 1.2 * min_repeat_s / max(elapsed, 1e-9)))
    times = [elapsed / number]  # the calibration run counts as the first repetition
    for _ in range(repeats - 1):
        start = perf_counter()
        for _ in range(number):
            fn()
        times.append((perf_counter() - start) / number)
    return number, times


def child(module: str, name: str, framework: str, quick: bool, repeats: int) -> None:
    """Measure one (workload, framework) and print the result as one JSON line."""
    _limit_threads()
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
    workload = importlib.import_module(f"bench.workloads.{module}").WORKLOADS[name]
    fn = workload.build(framework)
    if "torch" in sys.modules:  # a workload may import torch for its own use
        sys.modules["torch"].set_num_threads(1)
    warmup = min(workload.warmup, QUICK_WARMUP) if quick else workload.warmup
    number, times = time_calls(fn, repeats, warmup, MIN_REPEAT_S[quick])
    print(json.dumps({"number": number, "times": times, "peak_rss_mib": _peak_rss_mib()}))


# ---- the parent: one subprocess per measurement ------------------------------------------------

def _run_child(module: str, name: str, framework: str, quick: bool, repeats: int,
               result: Result) -> None:
    """One subprocess measuring ``repeats`` repetitions; adds them to ``result``."""
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if quick:
        env[QUICK_ENV] = "1"
    cmd = [sys.executable, "-m", "bench.run", "--child", module, name, framework,
           "--repeats", str(repeats)] + (["--quick"] if quick else [])
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        result.error = f"timed out after {CHILD_TIMEOUT_S} s"
        return
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        result.error = f"exit {proc.returncode}: {tail}"
        return
    data = json.loads(lines[-1])
    result.times += data["times"]
    result.number = data["number"]
    result.peak_rss_mib = max(result.peak_rss_mib or 0.0, data["peak_rss_mib"])


def measure(module: str, name: str, workload: Any, frameworks: list[str], quick: bool,
            rounds: int) -> list[Result]:
    """Each framework's repetitions, split over ``rounds`` subprocesses per framework that
    take turns (A B A B …), so that a change in the machine's load hits all alike."""
    results = [Result(name, fw) for fw in frameworks]
    repeats = QUICK_REPEATS if quick else workload.repeats
    rounds = 1 if quick else max(1, min(rounds, repeats))
    for k in range(rounds):
        share = repeats // rounds + (k < repeats % rounds)
        for r in results:
            if not r.error:
                _run_child(module, name, r.framework, quick, share, r)
    for r in results:
        if r.times and not r.error:
            r.repeats = len(r.times)
            r.median = statistics.median(r.times)
            r.low, r.high = min(r.times), max(r.times)
    return results


_TARGET = re.compile(r"(<=|>=|≤|≥)\s*([0-9]*\.?[0-9]+)\s*[x×]")


def target_ratio(workload: Any) -> float | None:
    """The numeric ratio in the workload's target text ("tamrin <= 1.2x numpy")."""
    explicit = getattr(workload, "target_ratio", None)
    if explicit is not None:
        return explicit
    match = _TARGET.search(workload.target or "")
    return float(match.group(2)) if match else None


def _ratio(workload: Any, r: Result, base: Result) -> float:
    """subject/base of the medians for time; for samples/s the throughput ratio
    samples/r.median ÷ samples/base.median, which is base.median / r.median."""
    return base.median / r.median if workload.unit == "samples/s" else r.median / base.median


def _reaches(workload: Any, ratio: float, goal: float) -> bool:
    return ratio >= goal if workload.unit == "samples/s" else ratio <= goal


def compare(workload: Any, results: list[Result]) -> None:
    """Fill in each result's ratio against the baseline (and the floor), and the subject's
    verdict: met when every stated target is — the baseline ratio, the floor ratio, memory."""
    by_framework = {r.framework: r for r in results}
    base = by_framework.get(workload.baseline)
    for r in results:
        if r.median is None or base is None or base.median is None or r is base:
            continue
        r.ratio = _ratio(workload, r, base)
    subject = by_framework.get(workload.frameworks[0])
    if subject is None or subject.ratio is None:
        return
    checks = []
    goal = target_ratio(workload)
    if goal is not None:
        checks.append(_reaches(workload, subject.ratio, goal))
    floor = by_framework.get(workload.floor or "")
    if floor is not None and floor.median is not None:
        subject.floor_ratio = _ratio(workload, subject, floor)
        if workload.floor_ratio is not None:
            checks.append(_reaches(workload, subject.floor_ratio, workload.floor_ratio))
    if workload.memory_ratio is not None and subject.peak_rss_mib and base.peak_rss_mib:
        subject.memory_ratio = subject.peak_rss_mib / base.peak_rss_mib
        checks.append(subject.memory_ratio <= workload.memory_ratio)
    if checks:
        subject.verdict = "met" if all(checks) else "missed"


# ---- the table ---------------------------------------------------------------------------------

def format_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_rate(samples_per_s: float) -> str:
    return f"{samples_per_s:,.0f}/s"


def table(rows: list[tuple[Any, Result]]) -> str:
    """A Markdown table: one row per (workload, framework)."""
    lines = ["| workload | framework | median | min–max | peak RSS | ratio | target | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for workload, r in rows:
        if r.error:
            lines.append(f"| {r.workload} | {r.framework} | error: {r.error} | | | | | |")
            continue
        if workload.unit == "samples/s":
            n = workload.samples_per_call
            median = format_rate(n / r.median)
            spread = f"{format_rate(n / r.high)}–{format_rate(n / r.low)}"
        else:
            median, spread = format_time(r.median), f"{format_time(r.low)}–{format_time(r.high)}"
        ratio = f"{r.ratio:.2f}× {workload.baseline}" if r.ratio is not None else ""
        if r.floor_ratio is not None:
            ratio += f", {r.floor_ratio:.2f}× {workload.floor}"
        if r.memory_ratio is not None:
            ratio += f", memory {r.memory_ratio:.2f}×"
        subject = r.framework == workload.frameworks[0]
        lines.append(f"| {r.workload} | {r.framework} | {median} | {spread} | "
                     f"{r.peak_rss_mib:.0f} MiB | {ratio} | {workload.target if subject else ''} "
                     f"| {r.verdict} |")
    return "\n".join(lines)


def run(names: list[str], quick: bool, json_path: str | None,
        frameworks: list[str] | None = None, rounds: int = DEFAULT_ROUNDS) -> int:
    """Measure the selected workloads (only ``frameworks`` if given), print the table."""
    found = discover()
    rows: list[tuple[Any, Result]] = []
    for name in select(found, names):
        module, workload = found[name]
        print(f"{name}: {workload.title}", file=sys.stderr)
        chosen = [fw for fw in workload.frameworks if frameworks is None or fw in frameworks]
        results = measure(module, name, workload, chosen, quick, rounds)
        compare(workload, results)
        rows += [(workload, r) for r in results]
    print(table(rows))
    if json_path:
        Path(json_path).write_text(json.dumps(
            [{**asdict(r), "title": w.title, "unit": w.unit, "target": w.target,
              "baseline": w.baseline, "samples_per_call": w.samples_per_call}
             for w, r in rows], indent=1))
    return 1 if any(r.error for _, r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="workloads or workload modules (default: all)")
    parser.add_argument("--quick", action="store_true", help="few repetitions, short timings")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--frameworks", help="comma-separated frameworks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help="processes per framework, taking turns (default: %(default)s)")
    parser.add_argument("--child", nargs=3, metavar=("MODULE", "NAME", "FRAMEWORK"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child, quick=args.quick, repeats=args.repeats)
        return 0
    if args.list:
        for name, (module, workload) in discover().items():
            print(f"{name:28s} {module:12s} {workload.title}")
        return 0
    frameworks = args.frameworks.split(",") if args.frameworks else None
    return run(args.names, args.quick, args.json, frameworks, args.rounds)


if __name__ == "__main__":
    _limit_threads()  # before numpy is imported by any workload module
    sys.exit(main())
