"""The description of one benchmark workload (see ``bench/workloads/__init__.py``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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
    # The number in ``target`` ("tamrin <= 1.2x numpy" → 1.2), for the met/missed verdict;
    # when None, the runner reads it from ``target``'s text.
    target_ratio: float | None = None
    # A second reference besides the baseline: the subject's ratio to the ``floor``
    # framework (same direction as ``target_ratio``) must reach ``floor_ratio``.
    floor: str | None = None
    floor_ratio: float | None = None
    # Peak resident memory: the subject's may be at most this fraction of the baseline's.
    memory_ratio: float | None = None


def is_quick() -> bool:
    """True when the runner was given ``--quick``: ``build`` may then choose smaller sizes."""
    return os.environ.get("TAMRIN_BENCH_QUICK") == "1"


def import_framework(framework: str, workload: str) -> Any:
    """The module of a deep-learning framework ("tamrin" or "torch", the latter on 1 thread)."""
    if framework == "tamrin":
        import tamrin

        return tamrin
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
        return torch
    raise ValueError(f"{workload}: unknown framework {framework!r}")


def sgd_training_step(lib: Any, model: Any, x: Any, y: Any, lr: float,
                      momentum: float) -> Callable[[], float]:
    """One classifier training step (cross-entropy, SGD with momentum) in ``lib`` — tamrin
    and PyTorch share the API, so both run exactly this code."""
    optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    cross_entropy = lib.nn.functional.cross_entropy

    def step() -> float:
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step
