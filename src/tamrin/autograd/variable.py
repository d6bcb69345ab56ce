"""``Variable``: PyTorch's old wrapper (before 0.4), kept by PyTorch for old code.

``Variable(tensor, requires_grad=True)`` is a tensor on the same storage that requires grad:
Variables and Tensors have been one thing since PyTorch 0.4, and are one thing here.
"""

from __future__ import annotations

from tamrin.tensor import Tensor


def Variable(data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """A tensor on ``data``'s storage (and version counter), cut from any graph, that
    requires grad if asked."""
    t = data.detach()
    return t.requires_grad_(True) if requires_grad else t
