"""Embedding: a learnable lookup table of vectors, indexed by integer ids."""

from __future__ import annotations

from typing import Any

from tamrin.nn import init
from tamrin.nn.module import Module
from tamrin.nn.parameter import empty_parameter
from tamrin.ops.embedding import embedding
from tamrin.tensor import Tensor


class Embedding(Module):
    """y = W[idx]: row idx of W (num_embeddings, embedding_dim) for each integer id.

    Initialised N(0, 1) as PyTorch; the ``padding_idx`` row is zero and gets no gradient.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
            raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({num_embeddings})")
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = empty_parameter((num_embeddings, embedding_dim), dtype, "Embedding")
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._array[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
