"""ArrayFunction and Context: how an operation of the library records itself in the graph.

An op is a subclass of ``ArrayFunction`` with two static methods on raw ndarrays::

    forward(ctx, *arrays, **params) -> ndarray (or a tuple of ndarrays)
    backward(ctx, grad_out)         -> one gradient per input (None where not needed)

``ArrayFunction.apply`` unwraps the Tensors, runs ``forward``, and — when gradients are
being recorded and some input requires them — keeps the ``Context`` as the graph node of
the result, with the versions of its inputs and outputs (``tamrin.versions``). The
backward pass (``Tensor.backward``) later calls ``backward`` with dL/d(output) and sums
what it returns back to each input's shape (undoing broadcasting in one place).

An op whose output may be a view of its first input (reshape, basic slicing, transpose …)
sets ``is_view = True``: when NumPy did return a view, the output shares the input's version
counter, so an in-place write through either is seen by the checks of both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.grad_mode import STATE
from tamrin.tensor import Tensor, init_slots
from tamrin.versions import WRITES, recorded_inputs

FRESH = (0,)  # the version of a new output
_new = object.__new__


class Context:
    """A node of the graph: the op, its inputs, and what forward saved for backward.

    ``needs_input_grad[i]`` tells backward whether input ``i`` wants a gradient, so an op
    can skip work (e.g. conv's dX for the network's input); the graph's edges are the
    ``inputs`` that need one. Op-specific values (strides, masks…) may be stored as
    attributes; ``release()`` drops them with the saved arrays. ``versions`` and ``out_*``
    are what the in-place checks compare with. Nodes are made by ``ArrayFunction.apply``
    (which sets ``fn``, ``needs_input_grad`` and ``saved_arrays``); the rarely changed
    fields are class attributes, so that a node costs only what every node needs.
    """

    __slots__ = ("fn", "needs_input_grad", "saved_arrays", "inputs", "versions", "stamp",
                 "out_boxes", "out_versions", "out_arrays", "__dict__")
    released = False
    n_outputs = 1
    output_meta: list | None = None
    hooked: list | None = None

    def name(self) -> str:
        """The node's name, e.g. ``"MulBackward"`` (PyTorch's ``grad_fn.name()``)."""
        return self.fn.__name__ + "Backward"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """(node, output index) per input, as PyTorch: a leaf's is its ``AccumulateGrad``
        node, an input that needs no gradient gives ``(None, 0)``."""
        return tuple(_edge(x if need else None)
                     for x, need in zip(recorded_inputs(self), self.needs_input_grad))

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_arrays = arrays

    def release(self) -> None:
        """Free everything forward saved (called after backward unless retain_graph)."""
        self.saved_arrays = self.out_arrays = ()
        self.__dict__.clear()
        self.released = True

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The graph node of a leaf (as PyTorch's): where gradients are added into
    ``variable.grad``. Made on demand by ``next_functions``."""

    __slots__ = ("variable",)
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _edge(parent: Tensor | None) -> tuple[Any, int]:
    if parent is None:
        return None, 0
    if parent._ctx is None:
        return AccumulateGrad(parent), 0
    return parent._ctx, parent._index


class ArrayFunction:
    """Base class of every differentiable operation of the library (see the module
    docstring)."""

    is_view = False

    @staticmethod
    def forward(ctx: Context, *arrays: Any, **params: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, *grad_outputs: np.ndarray) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on Tensors (or constant ndarrays) and record it in the graph."""
        arrays, needs, versions = [], [], []
        for x in inputs:
            if type(x) is Tensor or isinstance(x, Tensor):  # the exact type is the quick test
                arrays.append(x._array)
                needs.append(x.requires_grad)
                versions.append(x._version_box[0])
            else:
                arrays.append(x)
                needs.append(False)
                versions.append(None)
        ctx = _new(Context)
        ctx.fn, ctx.needs_input_grad, ctx.saved_arrays = cls, tuple(needs), ()
        out = cls.forward(ctx, *arrays, **params)
        if STATE.anomaly_enabled:
            _check_forward(cls, out)
        track = STATE.grad_enabled and True in needs
        if type(out) is tuple:
            result = _wrap_outputs(ctx, out, track)
        else:
            result = _new(Tensor)  # Tensor._make, one call less on the hottest path
            init_slots(result, out, track, ctx if track else None)
            if cls.is_view:
                _share_storage(result, inputs[0])
            if track:
                _record_output(ctx, result, out)
        if track:
            ctx.inputs, ctx.versions, ctx.stamp = inputs, versions, WRITES[0]
        return result

    @classmethod
    def apply_pair(cls, a: Tensor, b: Tensor) -> Tensor:
        """``apply`` for the arithmetic operators (``a + b``, ``a @ b`` …): two Tensors, one
        output that is not a view, no parameters. The same graph node, without the general
        case's loop over inputs — 1.1 instead of 1.6 µs for a 2×2 add (0.3 µs of it NumPy)."""
        needs = (a.requires_grad, b.requires_grad)
        ctx = _new(Context)
        ctx.fn, ctx.needs_input_grad, ctx.saved_arrays = cls, needs, ()
        out = cls.forward(ctx, a._array, b._array)
        if STATE.anomaly_enabled:
            _check_forward(cls, out)
        track = STATE.grad_enabled and True in needs
        result = _new(Tensor)
        init_slots(result, out, track, ctx if track else None)
        if track:
            _record_output(ctx, result, out)
            ctx.inputs, ctx.stamp = (a, b), WRITES[0]
            ctx.versions = [a._version_box[0], b._version_box[0]]
        return result


def _record_output(ctx: Context, result: Tensor, out: np.ndarray) -> None:
    """What the in-place checks of tamrin.versions compare the one output with."""
    ctx.out_boxes, ctx.out_versions, ctx.out_arrays = (result._version_box,), FRESH, (out,)


def _wrap_outputs(ctx: Context, outs: tuple, track: bool) -> tuple[Tensor, ...]:
    ctx.n_outputs = len(outs)
    ctx.output_meta = [(o.shape, o.dtype) for o in outs]
    if not track:
        return tuple(Tensor._make(o) for o in outs)
    result = tuple(Tensor._make(o, True, ctx, i) for i, o in enumerate(outs))
    ctx.out_boxes = tuple(t._version_box for t in result)
    ctx.out_versions = FRESH * len(result)
    ctx.out_arrays = outs
    return result


def _share_storage(out: Tensor, source: Any) -> None:
    """Make ``out`` a view of ``source`` (same version counter) if NumPy returned one."""
    if isinstance(source, Tensor) and np.may_share_memory(out._array, source._array):
        out._version_box = source._version_box
        base = getattr(source, "_base", None)
        out._base = source if base is None else base


def _check_forward(fn: type[ArrayFunction], out: Any) -> None:
    for o in out if type(out) is tuple else (out,):
        if o.dtype.kind == "f" and not np.isfinite(o).all():
            raise RuntimeError(
                f"detect_anomaly: the forward of {fn.__name__} produced NaN/Inf "
                f"(output shape {o.shape})"
            )
