"""Recurrent networks: forward + backward of an Elman RNN, an LSTM and a GRU, vs torch.nn.

One batch: input (T = 50, B = 32, 64), hidden 128, float32, loss = Σ output·G for a fixed
random G; the parameters' gradients are computed (and cleared before each repetition).
"numpy" is a hand-written Elman loop with its BPTT — the floor of what NumPy can do here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.workloads.spec import Workload

T, B, I, H = 50, 32, 64, 128


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    g = rng.standard_normal((T, B, H)).astype(np.float32)
    return x, g


def _framework_step(framework: str, mode: str) -> Callable[[], object]:
    x, g = _data()
    if framework == "tamrin":
        import tamrin as lib
    elif framework == "torch":
        import torch as lib

        lib.set_num_threads(1)
    else:
        raise ValueError(f"{mode}: unknown framework {framework!r}")
    layer = getattr(lib.nn, mode)(I, H)
    xt, gt = lib.from_numpy(x).requires_grad_(True), lib.from_numpy(g)

    def step() -> None:
        layer.zero_grad()
        xt.grad = None
        output, _ = layer(xt)
        (output * gt).sum().backward()

    return step


def _numpy_elman_step() -> Callable[[], object]:
    """h_t = tanh(x_t W_ihᵀ + b + h_{t−1} W_hhᵀ) and its BPTT, by hand."""
    x, g = _data()
    rng = np.random.default_rng(1)
    k = 1 / np.sqrt(H)
    w_ih, w_hh = (rng.uniform(-k, k, s).astype(np.float32) for s in ((H, I), (H, H)))
    b = rng.uniform(-k, k, H).astype(np.float32)

    def step() -> tuple:
        xw = (x.reshape(-1, I) @ w_ih.T + b).reshape(T, B, H)
        hs = np.zeros((T + 1, B, H), np.float32)
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in range(T):
            hs[t + 1] = np.tanh(xw[t] + hs[t] @ w_hh_t)
        deltas = np.empty_like(xw)
        dh = np.zeros((B, H), np.float32)
        for t in reversed(range(T)):
            dh += g[t]
            deltas[t] = dh * (1 - hs[t + 1] ** 2)
            dh = deltas[t] @ w_hh
        flat = deltas.reshape(-1, H)
        return (flat.T @ x.reshape(-1, I), flat.T @ hs[:-1].reshape(-1, H), flat.sum(0),
                (flat @ w_ih).reshape(T, B, I))

    return step


def build_rnn(framework: str) -> Callable[[], object]:
    return _numpy_elman_step() if framework == "numpy" else _framework_step(framework, "RNN")


def build_lstm(framework: str) -> Callable[[], object]:
    return _framework_step(framework, "LSTM")


def build_gru(framework: str) -> Callable[[], object]:
    return _framework_step(framework, "GRU")


WORKLOADS = {
    "rnn-elman-train-step": Workload(
        title="Elman RNN (tanh) forward+backward, input 64, hidden 128, T 50, batch 32",
        frameworks=("tamrin", "torch", "numpy"),
        target="tamrin <= 1.0x torch time",
        build=build_rnn,
    ),
    "lstm-train-step": Workload(
        title="LSTM forward+backward, input 64, hidden 128, T 50, batch 32",
        frameworks=("tamrin", "torch"),
        target="tamrin <= 1.0x torch time; peak memory <= 1/3 of torch's",
        target_ratio=1.0,
        memory_ratio=1 / 3,
        build=build_lstm,
    ),
    "gru-train-step": Workload(
        title="GRU forward+backward, input 64, hidden 128, T 50, batch 32",
        frameworks=("tamrin", "torch"),
        target="tamrin <= 1.0x torch time",
        build=build_gru,
    ),
}
