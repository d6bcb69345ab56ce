"""The fuzz suite's yardstick: every bad input is rejected with the expected exception —
naming what was wrong — in under a second and without allocating more than ~100 MB."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

LIMIT_BYTES = 100 * 2**20  # what "no memory bomb" means here
LIMIT_SECONDS = 1.0


def _resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def rejected(call: Callable[[], object], exception: type | tuple[type, ...],
             *names: str) -> BaseException:
    """Run ``call``; it must raise ``exception`` whose message contains every one of
    ``names``, within LIMIT_SECONDS and LIMIT_BYTES of new allocations (traced by
    tracemalloc; for a MemoryError, where tracemalloc counts the refused request, the
    growth of the resident memory instead)."""
    resident = _resident()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(exception) as info:
            call()
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    message = str(info.value)
    for name in names:
        assert name in message, f"{name!r} not in the message: {message}"
    assert seconds < LIMIT_SECONDS, f"took {seconds:.2f} s to reject: {message}"
    if isinstance(info.value, MemoryError):
        peak = _resident() - resident
    assert peak < LIMIT_BYTES, f"allocated {peak / 2**20:.0f} MB to reject: {message}"
    return info.value
