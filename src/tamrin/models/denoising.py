"""Denoising autoencoder: reconstruct the clean x from a corrupted x̃.

Training minimises ‖decoder(encoder(x̃)) − x‖² with a fresh corruption x̃ of every batch,
so the code cannot simply copy the input: it must capture what stays the same under the
noise, which makes it more robust to small input changes. Corruptions:

- ``"gaussian"``: x̃ = x + σ·ε, ε ~ N(0, I), σ = ``level``;
- ``"mask"``: x̃ = x ⊙ m, mᵢ ~ Bernoulli(1 − ``level``) — a fraction ``level`` of the
  inputs set to 0.

Corruption happens only in training mode; in eval mode the model is the plain autoencoder.
With the fit loop, the targets are the clean inputs::

    dae = DenoisingAutoencoder(Autoencoder(64, [32], 8), "gaussian", 0.2)
    fit(dae, nn.MSELoss(), optimizer, DataLoader(TensorDataset(X, X), 32, shuffle=True))
"""

from __future__ import annotations

import numpy as np

from tamrin.creation import as_tensor
from tamrin.models.autoencoder import AutoencoderBase
from tamrin.random import default_generator
from tamrin.tensor import Tensor

NOISES = ("gaussian", "mask")


def corrupt(x: Tensor, noise: str = "gaussian", level: float = 0.1,
            generator: np.random.Generator | None = None) -> Tensor:
    """x̃ = x + level·ε (``"gaussian"``) or x ⊙ m with P(mᵢ = 0) = level (``"mask"``),
    drawn from tamrin's generator (or ``generator``)."""
    rng = generator or default_generator()
    if noise == "gaussian":
        return x + as_tensor(level * rng.standard_normal(x.shape), dtype=x.dtype)
    if noise == "mask":
        return x * as_tensor(rng.random(x.shape) >= level, dtype=x.dtype)
    raise ValueError(f"corrupt: noise must be one of {NOISES}, got {noise!r}")


class DenoisingAutoencoder(AutoencoderBase):
    """Wraps an autoencoder (dense or convolutional) so that, in training mode, its input
    is corrupted by ``noise`` at ``level`` before encoding (see the module docstring)."""

    def __init__(self, autoencoder: AutoencoderBase, noise: str = "gaussian",
                 level: float = 0.1) -> None:
        super().__init__()
        if noise not in NOISES:
            raise ValueError(f"DenoisingAutoencoder: noise must be one of {NOISES}, "
                             f"got {noise!r}")
        if level < 0 or (noise == "mask" and level > 1):
            raise ValueError(f"DenoisingAutoencoder: invalid level {level} for {noise!r} noise")
        self.autoencoder, self.noise, self.level = autoencoder, noise, level

    def encode(self, x: Tensor) -> Tensor:
        return self.autoencoder.encode(x)

    def decode(self, z: Tensor) -> Tensor:
        return self.autoencoder.decode(z)

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            x = corrupt(x, self.noise, self.level)
        return self.decode(self.encode(x))

    def extra_repr(self) -> str:
        return f"noise={self.noise!r}, level={self.level}"
