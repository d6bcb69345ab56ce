"""In-place operations — ``x.add_(y)``, ``x += y``, ``x[i] = v``, ``w.normal_()`` … — with
PyTorch's rules.

**Outside the graph** (under ``no_grad()``, or when neither the tensor nor any operand
requires grad) the result is written into the tensor's storage: the tensor and every view of
it see the new values, and its version counter is bumped (``tamrin.versions``). So
``with no_grad(): p -= lr * p.grad`` updates the parameter p itself.

**While the graph is recorded:**

- a leaf that requires grad may not be changed in place (its gradient would be the
  gradient at a value that no longer exists): PyTorch's RuntimeError, as is a change
  through a view of such a leaf (``w[0] += 1``);
- a tensor that is in the graph (``h = x @ w; h += b``, ``h.relu_()``, ``h[mask] = 0``) is
  changed *with* autograd: the out-of-place op runs on a snapshot (a copy) of the old value,
  the result is written into the tensor's storage, and the tensor takes the op's graph node
  — gradients flow through the op to whatever produced the old value. (PyTorch computes
  in place; tamrin computes out of place and copies back: the same numbers and gradients,
  without PyTorch's memory saving.) A node that saved the old value for its backward raises
  PyTorch's "modified by an inplace operation" error at ``backward()``;
- through a *view* of a tensor in the graph (``h[0] += 1``, ``h.T.relu_()``) tamrin raises:
  PyTorch rewrites the base's graph there (its CopySlices node), which tamrin does not do.

As in PyTorch, the result must fit the tensor's dtype: a floating result cannot be written
into an integer tensor, nor a number into a bool tensor (``copy_`` and ``x[i] = v`` convert).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.dtypes import can_cast, scalar_type_name
from tamrin.grad_mode import STATE, no_grad
from tamrin.ops.activation import relu, sigmoid, tanh
from tamrin.ops.elementwise import (
    abs,
    add,
    clamp,
    cos,
    div,
    exp,
    log,
    masked_fill,
    mul,
    neg,
    overwrite,
    pow,
    sin,
    sqrt,
    sub,
)
from tamrin.ops.shape import index_arrays, index_put, scatter
from tamrin.random import default_generator
from tamrin.tensor import Tensor
from tamrin.versions import bump, remember_snapshot

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                      "in-place operation.")


def _records_graph(t: Tensor, operands: tuple) -> bool:
    """Whether changing ``t`` with these operands must be recorded in the graph."""
    if not STATE.grad_enabled:
        return False
    return t.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in operands)


def _check_changeable(t: Tensor, op: str) -> None:
    """PyTorch's errors for in-place changes while recording, and tamrin's for a view."""
    if t._ctx is None and t.requires_grad:
        what = VIEW_OF_LEAF_ERROR if op == "__setitem__" else LEAF_ERROR  # t[i] = v: a view
        raise RuntimeError(f"{op}: {what} Change it under `with torch.no_grad():` "
                           "(an update step), or work on a copy (x = x + y).")
    base = getattr(t, "_base", None)
    if base is None:
        return
    if base._ctx is None and base.requires_grad:
        raise RuntimeError(f"{op}: {VIEW_OF_LEAF_ERROR}")
    raise RuntimeError(
        f"{op}: tamrin does not support in-place changes through a view of a tensor that "
        "is recorded in the graph (PyTorch's CopySlices). Compute the new tensor out of "
        "place instead, e.g. with torch.cat/torch.where, or clone() the base first.")


def _write(t: Tensor, values: np.ndarray, op: str) -> None:
    """Store ``values`` (the result of the op) in ``t``'s storage and count the write."""
    if values.shape != t._array.shape:
        raise RuntimeError(f"{op}: output with shape {list(t._array.shape)} doesn't match "
                           f"the broadcast shape {list(values.shape)}")
    if not can_cast(values.dtype, t._array.dtype):
        raise RuntimeError(f"{op}: result type {scalar_type_name(values.dtype)} can't be cast "
                           f"to the desired output type {scalar_type_name(t._array.dtype)}")
    try:
        t._array[...] = values
    except ValueError:  # a read-only NumPy view, such as expand()'s
        raise RuntimeError(f"{op}: this tensor shares one memory location between several "
                           "elements (it comes from expand()); clone() it first") from None
    bump(t)


def apply_inplace(t: Tensor, op: Callable[..., Tensor], name: str, *args: Any,
                  **kwargs: Any) -> Tensor:
    """``t ← op(t, *args, **kwargs)`` in place, by the rules of the module docstring."""
    if not _records_graph(t, args + tuple(kwargs.values())):
        with no_grad():
            result = op(t, *args, **kwargs)
        _write(t, result._array, name)
        return t
    _check_changeable(t, name)
    snapshot = Tensor._make(t._array.copy(), t.requires_grad, t._ctx, t._index)
    result = op(snapshot, *args, **kwargs)
    version = t._version_box[0]
    _write(t, result._array, name)
    if t._ctx is not None:
        remember_snapshot(t, version, snapshot)
    _take_node(t, result)
    return t


def _take_node(t: Tensor, result: Tensor) -> None:
    """Give ``t`` the graph place of ``result``, whose values it now holds."""
    t._ctx, t._index, t.requires_grad = result._ctx, result._index, result.requires_grad
    node = result._ctx
    if node is not None:  # the node's output is now t's storage, at t's new version
        node.out_boxes = (t._version_box,)
        node.out_versions = (t._version_box[0],)
        node.out_arrays = (t._array,)
        # an op that saved its output (relu_, exp_ …) now reads it from t, as PyTorch's does
        node.saved_arrays = tuple(t._array if s is result._array else s
                                  for s in node.saved_arrays)


def setitem(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value`` (NumPy's indexing; the value is converted to t's dtype)."""
    index = index_arrays(index)
    if _records_graph(t, (value,)):
        apply_inplace(t, index_put, "__setitem__", index, value)
        return
    try:
        t._array[index] = value._array if isinstance(value, Tensor) else value
    except IndexError as e:
        raise IndexError(f"index: {e} (tensor shape {t._array.shape})") from None
    bump(t)


# ---- filling with values and random draws ------------------------------------------------

def copy_(t: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted to t's dtype) into ``t``."""
    return apply_inplace(t, overwrite, "copy_", src)


def fill_(t: Tensor, value: Any) -> Tensor:
    """Every element = ``value``."""
    return apply_inplace(t, overwrite, "fill_", value)


def zero_(t: Tensor) -> Tensor:
    """Every element = 0 (``p.grad.zero_()``)."""
    return apply_inplace(t, overwrite, "zero_", 0)


def _draw_dtype(t: Tensor) -> np.dtype:
    return np.dtype(np.float64 if t.dtype == np.float64 else np.float32)


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws of N(mean, std²) from the library generator."""
    z = default_generator().standard_normal(t.shape, dtype=_draw_dtype(t))
    return apply_inplace(t, overwrite, "normal_", z * std + mean)


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with draws of U(a, b) from the library generator."""
    u = default_generator().random(t.shape, dtype=_draw_dtype(t))
    return apply_inplace(t, overwrite, "uniform_", u * (b - a) + a)


# ---- the in-place twins of out-of-place ops ---------------------------------------------

def _inplace_method(op: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return apply_inplace(self, op, name, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{op.__name__}``: the tensor becomes ``{op.__name__}(self, …)``."
    return method


INPLACE_TWINS = {
    "add_": add, "sub_": sub, "mul_": mul, "div_": div, "pow_": pow, "clamp_": clamp,
    "clip_": clamp, "neg_": neg, "exp_": exp, "log_": log, "sqrt_": sqrt, "abs_": abs,
    "sin_": sin, "cos_": cos, "relu_": relu, "sigmoid_": sigmoid, "tanh_": tanh,
    "masked_fill_": masked_fill, "scatter_": scatter,
}
OPERATORS = {"__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_",
             "__itruediv__": "div_", "__ipow__": "pow_"}


def inplace_methods() -> dict[str, Callable[..., Any]]:
    """Every in-place method and operator of Tensor, by name (installed by ``tamrin.ops``)."""
    methods: dict[str, Callable[..., Any]] = {
        name: _inplace_method(op, name) for name, op in INPLACE_TWINS.items()}
    methods.update(copy_=copy_, fill_=fill_, zero_=zero_, normal_=normal_, uniform_=uniform_,
                   __setitem__=setitem)
    methods.update({op: methods[name] for op, name in OPERATORS.items()})
    return methods



# ---- out= arguments ---------------------------------------------------------------------

def write_out(out: Tensor, result: Tensor, name: str) -> Tensor:
    """PyTorch's ``out=``: the result written into ``out`` (resized if its shape differs);
    not differentiable, as in PyTorch."""
    if STATE.grad_enabled and result.requires_grad:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    if out._array.shape != result._array.shape:
        out._array = np.empty(result._array.shape, out._array.dtype)
    _write(out, result._array, name)
    return out


def with_out(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``fn`` with PyTorch's ``out=`` keyword (the functional form ``torch.mul(a, b, out=c)``)."""

    @functools.wraps(fn)
    def function(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
        result = fn(*args, **kwargs)
        return result if out is None else write_out(out, result, fn.__name__)

    return function
