"""PyTorch's custom ``torch.autograd.Function``: forward and backward written on Tensors.

A subclass defines two static methods, as in PyTorch::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):                 # Tensors in, Tensor(s) out (no graph recorded)
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):      # dL/d(output) in, dL/d(input) per input out
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

    y = Cube.apply(x)

``ctx.needs_input_grad`` says which inputs want a gradient; ``backward`` returns one value
per input of ``forward`` (None for the others). PyTorch 2's style — a ``forward`` without
``ctx`` plus ``setup_context(ctx, inputs, output)`` — works too. Underneath, each subclass
runs as an ``ArrayFunction`` named after it (its node is ``CubeBackward``), so the engine,
the version checks and ``gradcheck`` treat it like any op of the library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.autograd.function import ArrayFunction, Context
from tamrin.grad_mode import no_grad
from tamrin.tensor import Tensor


class FunctionCtx:
    """The ``ctx`` a custom Function receives: ``save_for_backward(*tensors)``,
    ``saved_tensors``, ``needs_input_grad``, and any attribute you set on it."""

    def __init__(self, node: Context) -> None:
        self._node = node
        self._saved: tuple = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward; changing one in place afterwards is an error at
        backward, as in PyTorch."""
        self._saved = tensors
        self._node.saved_arrays = tuple(t._array for t in tensors if isinstance(t, Tensor))

    @property
    def saved_tensors(self) -> tuple:
        return self._saved

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return self._node.needs_input_grad


class Function:
    """Base class of a custom differentiable function on Tensors (see the module
    docstring). Call it with ``YourFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function must define forward(ctx, *inputs)")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Tensor) -> Any:
        raise NotImplementedError("a custom Function must define backward(ctx, *grads) to "
                                  "be differentiated")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` on ``args`` and record one graph node whose backward is yours."""
        return _runner(cls).apply(*args, args=args)


_RUNNERS: dict[type, type] = {}


def _runner(fn: type[Function]) -> type[ArrayFunction]:
    """The ArrayFunction that runs ``fn`` (made once per class, named after it)."""
    if fn not in _RUNNERS:
        _RUNNERS[fn] = type(fn.__name__, (_CustomRunner,), {"user_fn": fn})
    return _RUNNERS[fn]


class _CustomRunner(ArrayFunction):
    """Tensors in and out of a user's forward and backward, arrays to the engine."""

    user_fn: type[Function]

    @staticmethod
    def forward(ctx: Context, *arrays: Any, args: tuple) -> Any:
        fn = ctx.fn.user_fn
        user_ctx = ctx.user_ctx = FunctionCtx(ctx)
        with no_grad():
            if fn.setup_context is Function.setup_context:  # forward(ctx, *args)
                out = fn.forward(user_ctx, *args)
            else:  # PyTorch 2's style: forward(*args), then setup_context
                out = fn.forward(*args)
                fn.setup_context(user_ctx, args, out)
        if isinstance(out, tuple):
            return tuple(_array_of(o, fn, "forward", "an output") for o in out)
        return _array_of(out, fn, "forward", "its output")

    @staticmethod
    def backward(ctx: Context, *grads: np.ndarray) -> tuple:
        fn = ctx.fn.user_fn
        with no_grad():
            out = fn.backward(ctx.user_ctx, *(Tensor._make(g) for g in grads))
        out = out if isinstance(out, tuple) else (out,)
        n = len(ctx.needs_input_grad)
        if len(out) < n or any(g is not None for g in out[n:]):
            raise RuntimeError(f"function {fn.__name__}Backward returned an incorrect number "
                               f"of gradients (expected {n}, got {len(out)})")
        return tuple(None if g is None else _array_of(g, fn, "backward", "a gradient")
                     for g in out[:n])


def _array_of(value: Any, fn: type, method: str, what: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._array
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(f"{fn.__name__}.{method}: {what} must be a Tensor, got "
                    f"{type(value).__name__}")
