"""Embedding lookup (rows of a table picked by integer indices) and one-hot encoding."""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


class Embedding(ArrayFunction):
    """y[…] = W[idx[…]]: each index selects a row of W (V, D); y has shape idx.shape + (D,).

    Same as one_hot(idx)·W, so ∂L/∂W = one_hot(idx)ᵀ·∂L/∂y: the gradient rows are added
    (scatter-add) into the rows that were picked — twice if picked twice; the ``padding_idx``
    row gets none.
    """

    @staticmethod
    def forward(ctx: Context, weight: np.ndarray, indices: np.ndarray,
                padding_idx: int | None) -> np.ndarray:
        ctx.save_for_backward(indices)
        ctx.table_shape, ctx.padding_idx = weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        (indices,) = ctx.saved_arrays
        grad = np.zeros(ctx.table_shape, dtype=g.dtype)
        np.add.at(grad, indices.reshape(-1), g.reshape(-1, ctx.table_shape[1]))
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad, None


def _index_array(name: str, indices: Tensor | np.ndarray, n: int) -> np.ndarray:
    """The indices as an integer array, checked to lie in [0, n)."""
    idx = indices._array if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers (int64), got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"{name}: index {bad} is out of range for {n} rows "
                         f"(expected 0 <= index < {n})")
    return idx


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Look up rows of ``weight`` (V, D) by the integer ``input`` (any shape)."""
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    idx = _index_array("embedding", input, weight.shape[0])
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return Embedding.apply(weight, idx, padding_idx=padding_idx)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer classes (any shape) → int64 one-hot vectors along a new last axis.

    ``num_classes=-1`` takes max(tensor) + 1, as PyTorch.
    """
    idx = tensor._array if isinstance(tensor, Tensor) else np.asarray(tensor)
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    idx = _index_array("one_hot", idx, num_classes)
    return Tensor._make((idx[..., None] == np.arange(num_classes)).astype(np.int64))
