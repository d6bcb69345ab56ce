"""Dropout layers: active in training mode, the identity in evaluation mode."""

from __future__ import annotations

from tamrin.nn.module import Module
from tamrin.ops.dropout import dropout, dropout2d
from tamrin.tensor import Tensor


class Dropout(Module):
    """Inverted dropout: each element is zeroed with probability p and the survivors are
    scaled by 1/(1 − p), so E[y] = x; ``eval()`` makes it the identity. ``inplace`` is
    accepted for PyTorch compatibility; the result is always a new tensor."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability has to be between 0 "
                             f"and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Channel dropout: whole feature maps of an (N, C, H, W) input are zeroed with
    probability p (neighbouring pixels are correlated, so dropping single ones does little)."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training)
