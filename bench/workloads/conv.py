"""Convolutional workloads: a LeNet-5 training step, and one wide 3×3 conv layer.

- ``lenet-train-step``: 1×28×28 inputs, batch 64; conv 6@5×5 pad 2 → ReLU → max-pool 2 →
  conv 16@5×5 → ReLU → max-pool 2 → 120 → 84 → 10; cross-entropy; SGD momentum 0.9. One
  repetition = zero_grad, forward, loss, backward, step (float32, fixed random batch).
- ``conv3x3-forward`` / ``conv3x3-backward``: ``Conv2d(32, 64, 3, padding=1)`` on a
  64×32×32×32 input that requires grad. Forward records the graph as in training; backward
  runs on a kept graph (``retain_graph=True``), computing dX, dW and db, with the gradients
  reset to None first so nothing accumulates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.workloads.spec import Workload, import_framework, sgd_training_step

BATCH, LR, MOMENTUM = 64, 0.01, 0.9
WIDE_INPUT = (64, 32, 32, 32)


def _lenet(nn: Any) -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def build_lenet_step(framework: str) -> Callable[[], object]:
    lib = import_framework(framework, "conv workloads")
    model = _lenet(lib.nn)
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32))
    y = lib.from_numpy(rng.integers(0, 10, BATCH))
    return sgd_training_step(lib, model, x, y, LR, MOMENTUM)


def _wide_conv(framework: str) -> tuple[Any, Any, Any]:
    lib = import_framework(framework, "conv workloads")
    conv = lib.nn.Conv2d(WIDE_INPUT[1], 64, 3, padding=1)
    data = np.random.default_rng(0).standard_normal(WIDE_INPUT).astype(np.float32)
    x = lib.from_numpy(data).requires_grad_(True)
    return lib, conv, x


def build_conv_forward(framework: str) -> Callable[[], object]:
    _, conv, x = _wide_conv(framework)
    return lambda: conv(x)


def build_conv_backward(framework: str) -> Callable[[], object]:
    lib, conv, x = _wide_conv(framework)
    out = conv(x)
    grad = lib.from_numpy(np.random.default_rng(1).standard_normal(
        tuple(out.shape)).astype(np.float32))

    def backward() -> None:
        x.grad = conv.weight.grad = conv.bias.grad = None
        out.backward(grad, retain_graph=True)

    return backward


WORKLOADS = {
    "lenet-train-step": Workload(
        title="LeNet-5 training step (1×28×28, batch 64, cross-entropy, SGD momentum)",
        frameworks=("tamrin", "torch"),
        unit="samples/s",
        samples_per_call=BATCH,
        target="tamrin >= 0.8x torch throughput; peak memory <= torch's",
        target_ratio=0.8,
        build=build_lenet_step,
        repeats=30,
        warmup=5,
    ),
    "conv3x3-forward": Workload(
        title="Conv2d 32→64, 3×3, pad 1 on 64×32×32×32: forward (graph recorded)",
        frameworks=("tamrin", "torch"),
        target="tamrin <= 1.3x torch time; peak memory <= torch's",
        target_ratio=1.3,
        build=build_conv_forward,
        repeats=15,
    ),
    "conv3x3-backward": Workload(
        title="Conv2d 32→64, 3×3, pad 1 on 64×32×32×32: backward (dX, dW, db)",
        frameworks=("tamrin", "torch"),
        target="tamrin <= 1.6x torch time; peak memory <= torch's",
        target_ratio=1.6,
        build=build_conv_backward,
        repeats=15,
    ),
}
