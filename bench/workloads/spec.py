"""The description of one benchmark workload (see ``bench/workloads/__init__.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    title: str
    frameworks: tuple[str, ...]
    build: Callable[[str], Callable[[], object]]
    baseline: str = "torch"
    unit: str = "time"  # "time" (lower is better) or "samples/s" (higher is better)
    samples_per_call: int = 1
    target: str = ""
    repeats: int = 20
    warmup: int = 3
