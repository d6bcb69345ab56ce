"""Function and Context: how an operation records itself in the graph.

An op is a subclass of ``Function`` with two static methods on raw ndarrays::

    forward(ctx, *arrays, **params) -> ndarray (or a tuple of ndarrays)
    backward(ctx, grad_out)         -> one gradient per input (None where not needed)

``Function.apply`` unwraps the Tensors, runs ``forward``, and — when gradients are being
recorded and some input requires them — keeps the ``Context`` as the graph node of the
result. The backward pass (``Tensor.backward``) later calls ``backward`` with dL/d(output)
and sums what it returns back to each input's shape (undoing broadcasting in one place).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.grad_mode import (
    STATE,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tamrin.tensor import Tensor

__all__ = [
    "Context",
    "Function",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]


class Context:
    """A node of the graph: the op, its inputs, and what forward saved for backward.

    ``needs_input_grad[i]`` tells backward whether input ``i`` wants a gradient, so an op
    can skip work (e.g. conv's dX for the network's input). Op-specific values (strides,
    masks…) may be stored as attributes; ``release()`` drops them with the saved arrays.
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "saved_arrays", "released",
                 "n_outputs", "output_meta", "hooked", "__dict__")

    def __init__(self, fn: type[Function], parents: tuple, needs_input_grad: tuple) -> None:
        self.fn = fn
        self.parents = parents
        self.needs_input_grad = needs_input_grad
        self.saved_arrays: tuple = ()
        self.released = False
        self.n_outputs = 1
        self.output_meta: list | None = None
        self.hooked: list | None = None

    @property
    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_arrays = arrays

    def release(self) -> None:
        """Free everything forward saved (called after backward unless retain_graph)."""
        self.saved_arrays = ()
        self.__dict__.clear()
        self.released = True

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Function:
    """Base class of every differentiable operation (see the module docstring)."""

    @staticmethod
    def forward(ctx: Context, *arrays: Any, **params: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *grad_outputs: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on Tensors (or constant ndarrays) and record it in the graph."""
        arrays, needs, parents = [], [], []
        for x in inputs:
            is_tensor = isinstance(x, Tensor)
            arrays.append(x.data if is_tensor else x)
            need = is_tensor and x.requires_grad
            needs.append(need)
            parents.append(x if need else None)  # the graph keeps only inputs needing grad
        track = STATE.grad_enabled and True in needs
        ctx = Context(cls, tuple(parents) if track else (), tuple(needs))
        out = cls.forward(ctx, *arrays, **params)
        if STATE.anomaly_enabled:
            _check_forward(cls, out)
        if type(out) is tuple:
            return _wrap_outputs(ctx, out, track)
        return Tensor._make(out, track, ctx if track else None)


def _wrap_outputs(ctx: Context, outs: tuple, track: bool) -> tuple[Tensor, ...]:
    ctx.n_outputs = len(outs)
    ctx.output_meta = [(o.shape, o.dtype) for o in outs]
    if not track:
        return tuple(Tensor._make(o) for o in outs)
    return tuple(Tensor._make(o, True, ctx, i) for i, o in enumerate(outs))


def _check_forward(fn: type[Function], out: Any) -> None:
    for o in out if type(out) is tuple else (out,):
        if o.dtype.kind == "f" and not np.isfinite(o).all():
            raise RuntimeError(
                f"detect_anomaly: the forward of {fn.__name__} produced NaN/Inf "
                f"(output shape {o.shape})"
            )
