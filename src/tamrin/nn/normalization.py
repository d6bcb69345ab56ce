"""Normalisation layers: BatchNorm1d, BatchNorm2d and LayerNorm (ops in
``tamrin.ops.normalization``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin.creation import from_numpy
from tamrin.nn import init
from tamrin.nn.module import Module
from tamrin.nn.parameter import Parameter
from tamrin.ops.normalization import batch_norm, layer_norm
from tamrin.tensor import Tensor


def _register_affine(module: Module, shape: tuple[int, ...], dtype: np.dtype, affine: bool,
                     bias: bool) -> None:
    """γ = 1 (``weight``) and β = 0 (``bias``) of the given shape, or None placeholders."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if affine else None)
    module.register_parameter("bias",
                              Parameter(np.zeros(shape, dtype)) if affine and bias else None)


class _BatchNorm(Module):
    """Batch normalisation per channel (axis 1), over every other axis.

    Training: normalise with this batch's mean and biased variance, and update the running
    estimates r ← (1 − momentum)·r + momentum·batch (unbiased variance; ``momentum=None``
    gives the cumulative average over ``num_batches_tracked``). Evaluation: normalise with the
    running estimates. γ = 1, β = 0 at the start (``affine``); without
    ``track_running_stats`` the batch statistics are used in both modes.
    """

    _expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        dtype = np.dtype(dtype or np.float32)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _register_affine(self, (num_features,), dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", from_numpy(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", from_numpy(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", from_numpy(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked._array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in self._expected_dims:
            dims = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input, got shape "
                             f"{tuple(input.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._array += 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked._array)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if track else None,
                          self.running_var if track else None, self.weight, self.bias,
                          use_batch_stats, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) inputs: statistics over N (and L) per channel."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) feature maps: statistics over N, H, W per channel."""

    _expected_dims = (4,)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` axes, then γ·x̂ + β
    (γ = 1, β = 0 at the start; element-wise, with the normalised shape)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                 else tuple(normalized_shape))
        dtype = np.dtype(dtype or np.float32)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, shape, dtype, elementwise_affine, bias)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
