"""Autoencoders: x → encoder → code z → decoder → x̂, trained so that x̂ ≈ x.

The code is narrower than the input (the bottleneck), so the network must find a compact
description of the data: with linear layers and the squared error it finds the same
subspace as PCA; with non-linear ones it can follow curved manifolds. The output activation
must be able to reach the targets: a sigmoid outputs (0, 1) only, so data in 0..16 need
either scaling to [0, 1] or a linear output.

``AutoencoderBase`` gives every autoencoder ``encode``, ``decode``, ``forward`` (their
composition) and ``reconstruction_error`` (per sample); ``Autoencoder`` is the dense one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tamrin import nn
from tamrin.creation import as_tensor
from tamrin.grad_mode import no_grad
from tamrin.models.mlp import ACTIVATIONS
from tamrin.tensor import Tensor

Activation = str | Callable[[], nn.Module]


def make_activation(activation: Activation, what: str) -> nn.Module | None:
    """A fresh activation module from a name (``"linear"`` or ``"identity"``: none) or a
    Module class."""
    if not isinstance(activation, str):
        return activation()
    if activation in ("linear", "identity"):
        return None
    if activation not in ACTIVATIONS:
        raise ValueError(f"autoencoder: unknown {what} {activation!r}; choose one of "
                         f"{sorted({'linear', *ACTIVATIONS})} or pass a Module class")
    return ACTIVATIONS[activation]()


def dense_stack(sizes: Sequence[int], activation: Activation,
                last_activation: Activation) -> nn.Sequential:
    """Linear layers sizes[0] → sizes[1] → …, each followed by ``activation`` except the
    last, followed by ``last_activation``."""
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        last = i == len(sizes) - 2
        act = make_activation(last_activation if last else activation,
                              "output activation" if last else "activation")
        if act is not None:
            layers.append(act)
    return nn.Sequential(*layers)


class AutoencoderBase(nn.Module):
    """x̂ = decoder(encoder(x)); subclasses set ``self.encoder`` and ``self.decoder``."""

    def encode(self, x: Tensor) -> Tensor:
        """The code z = encoder(x)."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """The reconstruction x̂ = decoder(z)."""
        return self.decoder(z)

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def reconstruction_error(self, x: Any) -> np.ndarray:
        """Per sample, the mean squared error (1/d) Σⱼ (x̂ⱼ − xⱼ)² over its d values, in
        eval mode without gradients (the training mode is restored after)."""
        data = x._array if isinstance(x, Tensor) else np.asarray(x)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                out = self(as_tensor(data, dtype=data.dtype))._array
        finally:
            self.train(was_training)
        return ((out - data) ** 2).reshape(len(data), -1).mean(axis=1)


class Autoencoder(AutoencoderBase):
    """Dense autoencoder ``in_features → hidden_sizes… → code_size → …reversed → in_features``.

    ``activation`` after each hidden layer, ``code_activation`` on the code (default
    linear), ``output_activation`` on the reconstruction ("sigmoid" for data in [0, 1],
    "linear" for anything else): names from ``tamrin.models.mlp.ACTIVATIONS`` or "linear",
    or Module classes.
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int] = (),
                 code_size: int = 32, activation: Activation = "relu",
                 code_activation: Activation = "linear",
                 output_activation: Activation = "sigmoid") -> None:
        super().__init__()
        widths = [in_features, *hidden_sizes, code_size]
        self.encoder = dense_stack(widths, activation, code_activation)
        self.decoder = dense_stack(widths[::-1], activation, output_activation)
        self.in_features, self.code_size = in_features, code_size
