"""`make demo`: train a small network with the autograd core and watch the loss fall.

A two-layer tanh network learns XOR-like data (two interleaved classes that no straight
line separates) by plain gradient descent written against the Tensor API only.
"""

from __future__ import annotations

import numpy as np

import tamrin


def main(steps: int = 300, lr: float = 0.5, seed: int = 0) -> list[float]:
    tamrin.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(256, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)[:, None]
    X, Y = tamrin.tensor(x), tamrin.tensor(y)
    w1 = (tamrin.randn(2, 16) * 1.0).requires_grad_()
    b1 = tamrin.zeros(16, requires_grad=True)
    w2 = (tamrin.randn(16, 1) * 0.25).requires_grad_()
    b2 = tamrin.zeros(1, requires_grad=True)
    losses = []
    for step in range(steps + 1):
        p = ((X @ w1 + b1).tanh() @ w2 + b2).sigmoid()
        loss = -(Y * p.log() + (1 - Y) * (1 - p).log()).mean()
        for w in (w1, b1, w2, b2):
            w.grad = None
        loss.backward()
        with tamrin.no_grad():
            for w in (w1, b1, w2, b2):
                w.data -= lr * w.grad.data
        losses.append(loss.item())
        if step % 50 == 0:
            acc = float(((p.data > 0.5) == (y > 0.5)).mean())
            print(f"step {step:4d}  loss {loss.item():.4f}  accuracy {acc:.3f}")
    return losses


if __name__ == "__main__":
    main()
