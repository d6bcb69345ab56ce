"""Small measuring tools shared by labs: power-law slopes and CPU timings."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
from threadpoolctl import threadpool_limits


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """The exponent k of the least-squares fit y ≈ c·xᵏ (a straight line on log-log axes)."""
    return float(np.polyfit(np.log(np.asarray(x, dtype=np.float64)),
                            np.log(np.asarray(y, dtype=np.float64)), 1)[0])


def cpu_seconds(fn: Callable[..., object], *args: object, repeats: int = 3) -> float:
    """The smallest CPU time of ``repeats`` calls ``fn(*args)``, on one BLAS thread.

    CPU time (not wall-clock time) counts the work done, not the time spent waiting for a
    core shared with other processes; the minimum over repeats drops cache and scheduler
    noise. One BLAS thread makes the count independent of how many cores the machine has.
    """
    best = np.inf
    with threadpool_limits(limits=1):
        for _ in range(repeats):
            start = time.process_time()
            fn(*args)
            best = min(best, time.process_time() - start)
    return float(best)
