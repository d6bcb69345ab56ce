"""Flatten and Unflatten: reshape between (N, C, H, W) feature maps and (N, C·H·W) vectors."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tamrin.nn.module import Module
from tamrin.ops.shape import flatten, reshape
from tamrin.tensor import Tensor


class Flatten(Module):
    """Merge the axes ``start_dim..end_dim`` into one (default: all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (the inverse of Flatten)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        if not -input.ndim <= self.dim < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of "
                             f"shape {tuple(shape)}")
        dim = self.dim % input.ndim
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:  # one size inferred, as PyTorch
            fits = shape[dim] % known == 0 if known else shape[dim] == 0
        else:
            fits = known == shape[dim]
        if not fits:
            raise ValueError(f"Unflatten: sizes {sizes} do not multiply to {shape[dim]}, the size "
                             f"of dim {self.dim} of the input of shape {tuple(shape)}")
        return reshape(input, *shape[:dim], *self.unflattened_size, *shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
