"""A small random problem whose gradient both libraries receive from the same formula.

The loss is L(W, b) = mean(log cosh(XW + b − Y)): smooth, not quadratic, with gradients
∂L/∂W = Xᵀ tanh(R)/n and ∂L/∂b = Σᵢ tanh(Rᵢ)/n (R = XW + b − Y, n = R.size). Feeding both
optimisers the gradient of their own current parameters isolates the optimiser: any
difference in the trajectories comes from the update rule alone.
"""

from __future__ import annotations

import numpy as np

import tamrin

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 3))
Y = RNG.standard_normal((8, 4))
W0 = RNG.standard_normal((3, 4))
B0 = RNG.standard_normal(4)


def gradients(w: np.ndarray, b: np.ndarray, drift: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """(∂L/∂W, ∂L/∂b) at (w, b), for the loss plus ``drift``·(ΣW + Σb) if asked."""
    t = np.tanh(X @ w + b - Y) / Y.size
    return X.T @ t + drift, t.sum(axis=0) + drift


def tamrin_params(dtype=np.float64) -> list[tamrin.nn.Parameter]:
    return [tamrin.nn.Parameter(tamrin.tensor(a.copy(), dtype=dtype)) for a in (W0, B0)]


def two_groups(params: list, lr: float) -> list[dict]:
    """W at ``lr``, b at ``lr/2``: every test also exercises per-group options."""
    return [{"params": [params[0]]}, {"params": [params[1]], "lr": lr / 2}]


def run_tamrin(opt: tamrin.optim.Optimizer, params: list, steps: int,
               drift: float = 0.0) -> list[np.ndarray]:
    """Run ``steps`` steps; return the parameters (W, b concatenated) after each."""
    out = []
    for _ in range(steps):
        for p, g in zip(params, gradients(*(p.numpy() for p in params), drift)):
            p.grad = tamrin.tensor(g, dtype=p.dtype)
        opt.step()
        out.append(np.concatenate([p.numpy().ravel() for p in params]))
    return out


def run_torch(opt, params: list, steps: int, drift: float = 0.0) -> list[np.ndarray]:
    """``run_tamrin`` for a torch optimiser."""
    import torch

    out = []
    for _ in range(steps):
        for p, g in zip(params, gradients(*(p.detach().numpy() for p in params), drift)):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel().copy() for p in params]))
    return out
