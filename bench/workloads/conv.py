"""Convolutional workloads: a LeNet-5 training step, and single conv layers (a wide 3×3 one
and LeNet-5's two).

- ``lenet-train-step``: 1×28×28 inputs, batch 64; conv 6@5×5 pad 2 → ReLU → max-pool 2 →
  conv 16@5×5 → ReLU → max-pool 2 → 120 → 84 → 10; cross-entropy; SGD momentum 0.9. One
  repetition = zero_grad, forward, loss, backward, step (float32, fixed random batch).
- ``{shape}-forward`` / ``{shape}-backward`` for one conv layer: ``conv3x3`` is the wide
  ``Conv2d(32, 64, 3, padding=1)`` on 64×32×32×32; ``lenet-conv1`` and ``lenet-conv2`` are
  LeNet-5's two layers at batch 64 (1→6, 5×5, pad 2 on 28×28, whose input is the network's
  and needs no gradient; 6→16, 5×5 on 14×14). Forward records the graph as in training;
  backward runs on a kept graph (``retain_graph=True``), computing dW, db and — where the
  input requires grad — dX, with the gradients reset to None first so nothing accumulates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from bench.workloads.spec import Workload, import_framework, sgd_training_step

BATCH, LR, MOMENTUM = 64, 0.01, 0.9


class ConvShape(NamedTuple):
    input: tuple[int, int, int, int]
    out_channels: int
    kernel: int
    padding: int
    input_grad: bool  # whether dX is computed (not for a network's input)


CONV_SHAPES = {
    "conv3x3": ConvShape((64, 32, 32, 32), 64, 3, 1, True),
    "lenet-conv1": ConvShape((BATCH, 1, 28, 28), 6, 5, 2, False),
    "lenet-conv2": ConvShape((BATCH, 6, 14, 14), 16, 5, 0, True),
}


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


def _conv(framework: str, shape: ConvShape) -> tuple[Any, Any, Any]:
    lib = import_framework(framework, "conv workloads")
    conv = lib.nn.Conv2d(shape.input[1], shape.out_channels, shape.kernel,
                         padding=shape.padding)
    data = np.random.default_rng(0).standard_normal(shape.input).astype(np.float32)
    x = lib.from_numpy(data).requires_grad_(shape.input_grad)
    return lib, conv, x


def _forward(shape: ConvShape) -> Callable[[str], Callable[[], object]]:
    def build(framework: str) -> Callable[[], object]:
        _, conv, x = _conv(framework, shape)
        return lambda: conv(x)

    return build


def _backward(shape: ConvShape) -> Callable[[str], Callable[[], object]]:
    def build(framework: str) -> Callable[[], object]:
        lib, conv, x = _conv(framework, shape)
        out = conv(x)
        grad = lib.from_numpy(np.random.default_rng(1).standard_normal(
            tuple(out.shape)).astype(np.float32))

        def backward() -> None:
            x.grad = conv.weight.grad = conv.bias.grad = None
            out.backward(grad, retain_graph=True)

        return backward

    return build


def _conv_workloads() -> dict[str, Workload]:
    found = {}
    for name, shape in CONV_SHAPES.items():
        layer = (f"Conv2d {shape.input[1]}→{shape.out_channels}, {shape.kernel}×"
                 f"{shape.kernel}, pad {shape.padding} on {'×'.join(map(str, shape.input))}")
        grads = "dX, dW, db" if shape.input_grad else "dW, db: the network's input"
        for phase, build, what in (("forward", _forward, "forward (graph recorded)"),
                                   ("backward", _backward, f"backward ({grads})")):
            found[f"{name}-{phase}"] = Workload(
                title=f"{layer}: {what}", frameworks=("tamrin", "torch"),
                target="tamrin <= 1.0x torch time; peak memory <= torch's",
                target_ratio=1.0, memory_ratio=1.0, build=build(shape), repeats=15)
    return found


WORKLOADS = {
    "lenet-train-step": Workload(
        title="LeNet-5 training step (1×28×28, batch 64, cross-entropy, SGD momentum)",
        frameworks=("tamrin", "torch"),
        unit="samples/s",
        samples_per_call=BATCH,
        target="tamrin >= 1.1x torch throughput; peak memory <= 1/3 of torch's",
        target_ratio=1.1,
        memory_ratio=1 / 3,
        build=build_lenet_step,
        repeats=30,
        warmup=5,
    ),
    **_conv_workloads(),
}
