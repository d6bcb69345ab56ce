"""Running labs: seeding, timing, availability, progress, parallel workers, JSON results."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import tamrin
from tamrin.labs import registry
from tamrin.labs.lab import DOES_NOT_HOLD, NOT_AVAILABLE, Lab, Result

RESULTS_FILE = "results.json"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

Progress = Callable[[int, int, Result], None]


def run_lab(lab: Lab, quick: bool = True, seed: int = 0, out_dir: Path | str = "report") -> Result:
    """Run one lab: check its parts are present, seed everything, time it.

    Figures land in ``out_dir/<lab name>/``; their paths in the result are made relative
    to ``out_dir`` so the folder can be moved as a whole.
    """
    out_dir = Path(out_dir)
    reason = lab.unavailable_reason()
    if reason:
        return Result(lab.name, NOT_AVAILABLE, criterion="", reason=reason, quick=quick, seed=seed)
    tamrin.manual_seed(seed)
    np.random.seed(seed)
    start = time.perf_counter()
    try:
        result = lab.run(quick, seed, out_dir / lab.name)
    except Exception as exc:  # a crashing lab is reported, not allowed to sink the others
        result = Result(lab.name, DOES_NOT_HOLD, criterion="the experiment runs to the end",
                        reason=f"the lab raised {exc!r}\n{traceback.format_exc()}")
    result.seconds = time.perf_counter() - start
    result.quick, result.seed = quick, seed
    for figure in result.figures:
        figure.path = Path(os.path.relpath(figure.path, out_dir)).as_posix()
    return result


def run_labs(labs: Sequence[Lab], quick: bool = True, seed: int = 0,
             out_dir: Path | str = "report", jobs: int = 1,
             progress: Progress | None = None) -> list[Result]:
    """Run ``labs`` (``jobs`` worker processes, 1 BLAS thread each) and save results.json.

    Results come back in the order of ``labs`` whatever order they finish in.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = progress or print_progress
    tasks = [(lab.name, quick, seed, str(out_dir)) for lab in labs]
    by_name: dict[str, Result] = {}
    for result in _results(tasks, jobs):
        by_name[result.lab] = result
        progress(len(by_name), len(tasks), result)
    results = [by_name[lab.name] for lab in labs]
    save_results(results, out_dir)
    return results


def _results(tasks: list[tuple], jobs: int) -> Iterator[Result]:
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(_run_named, tasks)
        return
    with _single_blas_thread():
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(jobs, len(tasks))) as pool:
            yield from pool.imap_unordered(_run_named, tasks)


def _run_named(task: tuple) -> Result:
    name, quick, seed, out_dir = task
    return run_lab(registry.get(name), quick, seed, out_dir)


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
    """One line per finished lab on stderr: count, name, verdict, time."""
    width = len(str(total))
    print(f"[{done:>{width}}/{total}] {result.lab:<32} {result.verdict:<14} "
          f"{result.seconds:6.1f} s", file=sys.stderr, flush=True)


def save_results(results: Sequence[Result], out_dir: Path | str) -> Path:
    """Write ``out_dir/results.json`` (a list of result dicts)."""
    path = Path(out_dir) / RESULTS_FILE
    text = json.dumps([r.to_dict() for r in results], indent=1, default=_plain)
    path.write_text(text, encoding="utf-8")
    return path


def _plain(value: object) -> object:
    """JSON for NumPy scalars and arrays that slipped into a result."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"labs: cannot save {type(value).__name__} in results.json")


def load_results(out_dir: Path | str) -> list[Result]:
    """Read the results saved by :func:`save_results`."""
    data = json.loads((Path(out_dir) / RESULTS_FILE).read_text(encoding="utf-8"))
    return [Result.from_dict(d) for d in data]
