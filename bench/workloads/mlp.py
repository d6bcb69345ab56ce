"""MLP training step: 784-512-256-10 with ReLU, batch 128, cross-entropy, SGD momentum 0.9.

One repetition = zero_grad, forward, loss, backward, optimizer step, on a fixed random
MNIST-sized batch (float32). "numpy" is the same step written by hand — three GEMMs forward,
five backward, the softmax − onehot gradient, the momentum update — the floor of NumPy here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.workloads.spec import Workload, import_framework, sgd_training_step

SIZES = (784, 512, 256, 10)
BATCH, LR, MOMENTUM = 128, 0.01, 0.9


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    return x, rng.integers(0, SIZES[-1], BATCH)


def _framework_step(framework: str) -> Callable[[], object]:
    lib = import_framework(framework, "mlp-train-step")
    nn = lib.nn
    layers: list = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    x, y = (lib.from_numpy(a) for a in _data())
    return sgd_training_step(lib, model, x, y, LR, MOMENTUM)


def _numpy_step() -> Callable[[], object]:
    x, y = _data()
    rng = np.random.default_rng(1)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        k = 1 / np.sqrt(n_in)
        params += [rng.uniform(-k, k, (n_out, n_in)).astype(np.float32),
                   rng.uniform(-k, k, n_out).astype(np.float32)]
    buffers = [np.zeros_like(p) for p in params]
    onehot = np.eye(SIZES[-1], dtype=np.float32)[y]

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.maximum(x @ w1.T + b1, 0)
        h2 = np.maximum(h1 @ w2.T + b2, 0)
        z = h2 @ w3.T + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(BATCH), y]).mean()
        g3 = (p - onehot) / BATCH
        g2 = (g3 @ w3) * (h2 > 0)
        g1 = (g2 @ w2) * (h1 > 0)
        grads = [g1.T @ x, g1.sum(0), g2.T @ h1, g2.sum(0), g3.T @ h2, g3.sum(0)]
        for p_, b_, g_ in zip(params, buffers, grads):
            b_ *= MOMENTUM
            b_ += g_
            p_ -= LR * b_
        return float(loss)

    return step


def build_mlp_step(framework: str) -> Callable[[], object]:
    return _numpy_step() if framework == "numpy" else _framework_step(framework)


WORKLOADS = {
    "mlp-train-step": Workload(
        title="MLP 784-512-256-10 training step (ReLU, batch 128, cross-entropy, SGD momentum)",
        frameworks=("tamrin", "torch", "numpy"),
        baseline="torch",
        unit="samples/s",
        samples_per_call=BATCH,
        target="tamrin >= 1.1x torch and >= 0.95x numpy throughput; peak memory <= 1/3 of "
               "torch's",
        target_ratio=1.1,
        floor="numpy",
        floor_ratio=0.95,
        memory_ratio=1 / 3,
        build=build_mlp_step,
        repeats=50,
        warmup=5,
    ),
}
