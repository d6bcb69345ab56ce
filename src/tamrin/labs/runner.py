"""Running labs: availability, replicates (spread over worker processes), judging,
presenting, timing, progress, and results.json.

One lab run is: check its library parts and data sets (else *not available*); derive one
seed per replicate from ``seed``; run ``measure`` once per replicate, each freshly seeded;
then, in this process, ``judge`` the numbers of all replicates and ``present`` them. A
replicate, a judge or a presentation that raises makes the outcome *error*, with the
traceback kept for the report — a crash is never reported as a refuted claim.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

import tamrin
from tamrin.atomic import atomic_write_bytes
from tamrin.labs import registry
from tamrin.labs.lab import ERROR, NOT_AVAILABLE, Evidence, Lab, Numbers, Result
from tamrin.validation import MAX_SEED

RESULTS_FILE = "results.json"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

Progress = Callable[[int, int, Result], None]


def replicate_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent replicate seeds derived from ``seed`` (NumPy's SeedSequence
    spawning: the streams do not overlap, and the same ``seed`` gives the same list)."""
    check_seed(seed)
    return [int(child.generate_state(1, np.uint64)[0] % MAX_SEED)
            for child in np.random.SeedSequence(seed).spawn(count)]


def check_seed(seed: object) -> int:
    """``seed`` if it is an integer in [0, 2⁶³ − 1], else a ValueError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"labs: seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


@dataclass
class _Replicate:
    """What one replicate sent back from its worker."""

    lab: str
    index: int
    seed: int
    measurements: dict[str, Any] | None
    error: str
    seconds: float


def _measure(task: tuple[Lab | str, int, int, bool]) -> _Replicate:
    """Run one replicate of a lab: the Lab itself in this process, or its registered name
    in a worker process."""
    lab, index, seed, quick = task
    lab = lab if isinstance(lab, Lab) else registry.get(lab)
    name = lab.name
    tamrin.manual_seed(seed)
    np.random.seed(seed % 2**32)
    start = time.perf_counter()
    try:
        with threadpool_limits(limits=1):  # as in a worker: the same numbers, no contention
            measurements = lab.measure(quick, seed)
        if not isinstance(measurements, dict):
            raise TypeError(f"{name}: measure must return a dict of measurements, got "
                            f"{type(measurements).__name__}")
        error = ""
    except Exception:  # a crashing replicate is reported as the lab's error, with its trace
        measurements, error = None, traceback.format_exc()
    return _Replicate(name, index, seed, measurements, error, time.perf_counter() - start)


def numbers(measurements: dict[str, Any]) -> Numbers:
    """The scalar measurements of a replicate (what ``judge`` reads and results.json keeps)."""
    out: Numbers = {}
    for key, value in measurements.items():
        if isinstance(value, (bool, np.bool_)):
            out[key] = bool(value)
        elif isinstance(value, (int, np.integer)):
            out[key] = int(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = float(value)
    return out


def _conclude(lab: Lab, replicates: list[_Replicate], quick: bool, seed: int,
              out_dir: Path) -> Result:
    """Judge and present a lab's finished replicates (or report the first crash)."""
    replicates = sorted(replicates, key=lambda r: r.index)
    seeds = [r.seed for r in replicates]
    seconds = sum(r.seconds for r in replicates)
    base = {"lab": lab.name, "criterion": lab.criterion, "seeds": seeds, "quick": quick,
            "seed": seed}
    crashed = next((r for r in replicates if r.error), None)
    if crashed is not None:
        return Result(verdict=ERROR, seconds=seconds, **base,
                      reason=f"replicate {crashed.index + 1} of {len(replicates)} (seed "
                             f"{crashed.seed}) raised an exception:\n{crashed.error}")
    table = [numbers(r.measurements) for r in replicates]
    start = time.perf_counter()
    try:
        judgement = lab.judge(table)
        shown = lab.present(Evidence([r.measurements for r in replicates], judgement, quick,
                                     seeds, out_dir / lab.name))
    except Exception:
        return Result(verdict=ERROR, replicates=table, seconds=seconds, **base,
                      reason=f"judging or presenting the measurements raised an exception:\n"
                             f"{traceback.format_exc()}")
    for figure in shown.figures:
        figure.path = Path(os.path.relpath(figure.path, out_dir)).as_posix()
    return Result(verdict=judgement.verdict, reasons=judgement.reasons,
                  statistics=judgement.statistics, replicates=table, tables=shown.tables,
                  mistakes=shown.mistakes, figures=shown.figures,
                  explanation=shown.explanation,
                  seconds=seconds + time.perf_counter() - start, **base)


def run_lab(lab: Lab, quick: bool = True, seed: int = 0,
            out_dir: Path | str = "report") -> Result:
    """Run one lab in this process (every replicate in turn); figures land in
    ``out_dir/<lab name>/`` with paths relative to ``out_dir``."""
    return run_labs([lab], quick, seed, out_dir, jobs=1, progress=lambda *a: None,
                    save=False)[0]


def run_labs(labs: Sequence[Lab], quick: bool = True, seed: int = 0,
             out_dir: Path | str = "report", jobs: int = 1,
             progress: Progress | None = None, save: bool = True) -> list[Result]:
    """Run ``labs``, their replicates spread over ``jobs`` worker processes (1 BLAS thread
    each), and save results.json (unless ``save`` is False).

    Results come back in the order of ``labs`` whatever order they finish in.
    """
    check_seed(seed)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"labs: jobs must be a positive integer, got {jobs!r}")
    out_dir = Path(out_dir)
    progress = progress or print_progress
    done: dict[str, Result] = {}
    pending: dict[str, list[_Replicate]] = {}
    tasks = []
    for lab in labs:
        reason = lab.unavailable_reason()
        if reason:
            done[lab.name] = Result(lab.name, NOT_AVAILABLE, lab.criterion, reason=reason,
                                    quick=quick, seed=seed)
            progress(len(done), len(labs), done[lab.name])
            continue
        pending[lab.name] = []
        seeds = replicate_seeds(seed, lab.replicates.count(quick))
        tasks += [(lab, i, s, quick) for i, s in enumerate(seeds)]
    expected = {name: sum(t[0].name == name for t in tasks) for name in pending}
    by_name = {lab.name: lab for lab in labs}
    for replicate in _replicates(tasks, jobs):
        finished = pending[replicate.lab]
        finished.append(replicate)
        if len(finished) == expected[replicate.lab]:
            done[replicate.lab] = _conclude(by_name[replicate.lab], finished, quick, seed,
                                            out_dir)
            progress(len(done), len(labs), done[replicate.lab])
    results = [done[lab.name] for lab in labs]
    if save:
        save_results(results, out_dir)
    return results


def _replicates(tasks: list[tuple], jobs: int) -> Iterator[_Replicate]:
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(_measure, tasks)
        return
    named = [(lab.name, *rest) for lab, *rest in tasks]  # workers look labs up by name
    with _single_blas_thread():
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(jobs, len(tasks))) as pool:
            yield from pool.imap_unordered(_measure, named)
            pool.close()  # let the workers exit by themselves (their finalizers run) rather
            pool.join()   # than be terminated, which leaks what they registered (loky's locks)


@contextmanager
def _single_blas_thread() -> Iterator[None]:
    """Spawned workers inherit the environment: ask their BLAS for one thread each."""
    saved = {var: os.environ.get(var) for var in _THREAD_VARS}
    os.environ.update({var: "1" for var in _THREAD_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def print_progress(done: int, total: int, result: Result) -> None:
    """One line per finished lab on stderr: count, name, outcome, replicates, time."""
    width = len(str(total))
    runs = f"×{len(result.seeds)}" if result.seeds else ""
    print(f"[{done:>{width}}/{total}] {result.lab:<32} {result.verdict:<14} {runs:>4} "
          f"{result.seconds:6.1f} s", file=sys.stderr, flush=True)


def save_results(results: Sequence[Result], out_dir: Path | str) -> Path:
    """Write ``out_dir/results.json`` (a list of result dicts) atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps([r.to_dict() for r in results], indent=1, default=_plain)
    return atomic_write_bytes(out_dir / RESULTS_FILE, text.encode("utf-8"))


def _plain(value: object) -> object:
    """JSON for NumPy scalars and arrays that slipped into a result."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"labs: cannot save {type(value).__name__} in results.json")


def load_results(out_dir: Path | str) -> list[Result]:
    """Read the results saved by :func:`save_results` (a ValueError names the file if it is
    not a results file)."""
    path = Path(out_dir) / RESULTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"expected a list of lab results, got {type(data).__name__}")
        return [Result.from_dict(d) for d in data]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a results file written by tamrin labs ({err}); "
                         "delete it and run the labs again") from None


def counts(results: Sequence[Result]) -> dict[str, int]:
    """How many results have each outcome."""
    from tamrin.labs.lab import OUTCOMES

    return {outcome: sum(r.verdict == outcome for r in results) for outcome in OUTCOMES}

