"""A bare multi-layer perceptron on raw Tensors, for labs about the core itself.

Weights are plain leaf Tensors (float64, so the numbers are exact enough to compare with
hand formulas); the forward pass is written out, nothing hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import tamrin
from tamrin import Tensor

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "identity": lambda x: x,
    "sigmoid": tamrin.sigmoid,
    "tanh": tamrin.tanh,
    "relu": tamrin.relu,
    "leaky_relu": tamrin.leaky_relu,
}

# Var(w) of each initialisation scheme as a function of (fan_in, fan_out).
INIT_VARIANCE: dict[str, Callable[[int, int], float]] = {
    "he": lambda fi, fo: 2.0 / fi,
    "glorot": lambda fi, fo: 2.0 / (fi + fo),
    "lecun": lambda fi, fo: 1.0 / fi,
    "normal": lambda fi, fo: 1.0,
    "uniform": lambda fi, fo: 1.0 / (3.0 * fi),  # U(±1/√fan_in): Var = (2/√n)²/12
    "zeros": lambda fi, fo: 0.0,
}


def init_weight(fan_in: int, fan_out: int, scheme: str, rng: np.random.Generator) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix drawn by ``scheme`` (see :data:`INIT_VARIANCE`)."""
    if scheme == "uniform":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))
    std = np.sqrt(INIT_VARIANCE[scheme](fan_in, fan_out))
    return rng.standard_normal((fan_in, fan_out)) * std


def leaf(array: np.ndarray) -> Tensor:
    """A float64 leaf Tensor that collects gradients."""
    return tamrin.tensor(np.asarray(array, dtype=np.float64), dtype=np.float64,
                         requires_grad=True)


@dataclass
class RawMLP:
    """x → act(x W₁ + b₁) → … → act(· Wₗ₋₁ + bₗ₋₁) → · Wₗ + bₗ (the last layer is linear).

    With ``residual=True`` each hidden layer whose input and output widths agree adds its
    input back: h ← h + act(h W + b).
    """

    weights: list[Tensor]
    biases: list[Tensor]
    activation: str
    residual: bool = False

    @classmethod
    def create(cls, sizes: list[int], activation: str, scheme: str, rng: np.random.Generator,
               bias: float = 0.0, residual: bool = False) -> RawMLP:
        """Layers of the given ``sizes`` (input first), weights drawn by ``scheme``."""
        pairs = list(zip(sizes[:-1], sizes[1:]))
        weights = [leaf(init_weight(fi, fo, scheme, rng)) for fi, fo in pairs]
        biases = [leaf(np.full(fo, bias if i < len(pairs) - 1 else 0.0))
                  for i, (_, fo) in enumerate(pairs)]
        return cls(weights, biases, activation, residual)

    def hidden(self, x: Tensor) -> list[Tensor]:
        """The pre-activations z of every hidden layer, then the output (logits) last."""
        act = ACTIVATIONS[self.activation]
        zs, h = [], x
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            z = h @ w + b
            zs.append(z)
            h = h + act(z) if self.residual and z.shape == h.shape else act(z)
        zs.append(h @ self.weights[-1] + self.biases[-1])
        return zs

    def __call__(self, x: Tensor) -> Tensor:
        return self.hidden(x)[-1]


def as_tensor(array: np.ndarray) -> Tensor:
    """Data as a float64 Tensor without gradient."""
    return tamrin.tensor(np.asarray(array, dtype=np.float64), dtype=np.float64)

