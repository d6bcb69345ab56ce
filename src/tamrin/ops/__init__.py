"""The differentiable operations, one family per file.

Importing this package installs the operators and methods (``+``, ``@``, ``x.sum()``,
``x.reshape()``, ``x.add_()``, ``x[i] = v``, ``x.to()`` …) on ``Tensor``: the ops need
Tensor to wrap their results, so Tensor cannot import them — this is the one place the two
meet. The functional forms exported here (``tamrin.add`` …) take PyTorch's ``out=`` where
PyTorch code uses it; the methods do not.
"""

from __future__ import annotations

from typing import Any

from tamrin.creation import NEW_METHODS
from tamrin.ops.activation import elu, leaky_relu, relu, selu, sigmoid, softplus, tanh
from tamrin.ops.compare import (
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    ge,
    gt,
    isfinite,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    sign,
)
from tamrin.ops.convert import CONVERSIONS
from tamrin.ops.einsum import einsum
from tamrin.ops.elementwise import (
    Add,
    Div,
    Mul,
    Sub,
    abs,
    add,
    clamp,
    clip,
    clone,
    cos,
    cosh,
    div,
    exp,
    log,
    masked_fill,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    sin,
    sinh,
    sqrt,
    sub,
    to_dtype,
    where,
)
from tamrin.ops.inplace import inplace_methods, with_out
from tamrin.ops.matmul import MatMul, bmm, dot, matmul, mm, mv
from tamrin.ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    sort,
    std,
    sum,
    topk,
    var,
)
from tamrin.ops.shape import (
    cat,
    chunk,
    expand,
    flatten,
    gather,
    getitem,
    index_put,
    meshgrid,
    pad,
    permute,
    reshape,
    scatter,
    split,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
)
from tamrin.ops.softmax import log_softmax, softmax
from tamrin.tensor import Tensor

__all__ = [
    "abs", "add", "all", "allclose", "amax", "amin", "any", "argmax", "argmin", "argsort",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "bmm", "cat", "chunk", "clamp",
    "clip", "clone", "cos", "cosh", "cumsum", "div", "dot", "einsum", "elu", "eq", "equal", "exp",
    "expand", "flatten", "gather", "ge", "getitem", "gt", "index_put", "isfinite", "isnan", "le",
    "leaky_relu", "log", "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logsumexp", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "meshgrid", "min",
    "minimum", "mm", "mul", "mv", "ne", "neg", "norm", "pad", "permute", "pow", "prod", "relu",
    "reshape", "scatter", "selu", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sort",
    "split", "sqrt", "squeeze", "stack", "std", "sub", "sum", "t", "tanh", "to_dtype", "topk",
    "transpose", "unsqueeze", "var", "where",
]

# the functional forms that take out= (PyTorch tutorials write torch.mul(a, b, out=c))
WITH_OUT = ("add", "sub", "mul", "div", "pow", "matmul", "mm", "bmm", "mv", "dot", "cat",
            "stack")


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    method.__name__ = f"__r{fn.__name__}__"
    return method


def _operator(fn: Any, op: Any) -> Any:
    """``fn`` as a Tensor operator (``a + b``), with the common case — two Tensors of one
    dtype kind, where ``binary_operands`` would change nothing — sent straight to
    ``op.apply_pair`` (half of the Python time of a small op's forward)."""
    apply = op.apply_pair

    def method(self: Tensor, other: Any) -> Tensor:
        if isinstance(other, Tensor) and self._array.dtype.kind == other._array.dtype.kind:
            return apply(self, other)
        return fn(self, other)

    method.__name__ = f"__{fn.__name__}__"
    return method


def _install_tensor_methods() -> None:
    operators = {
        "__add__": _operator(add, Add), "__radd__": _reflected(add),
        "__sub__": _operator(sub, Sub), "__rsub__": _reflected(sub),
        "__mul__": _operator(mul, Mul), "__rmul__": _reflected(mul),
        "__truediv__": _operator(div, Div), "__rtruediv__": _reflected(div),
        "__pow__": pow, "__rpow__": _reflected(pow),
        "__matmul__": _operator(matmul, MatMul), "__rmatmul__": _reflected(matmul),
        "__neg__": neg,
        "__abs__": abs, "__getitem__": getitem, "__eq__": eq, "__ne__": ne, "__lt__": lt,
        "__le__": le, "__gt__": gt, "__ge__": ge, "__and__": bitwise_and,
        "__rand__": _reflected(bitwise_and), "__or__": bitwise_or,
        "__ror__": _reflected(bitwise_or), "__xor__": bitwise_xor,
        "__rxor__": _reflected(bitwise_xor), "__invert__": bitwise_not,
    }
    methods = {
        name: globals()[name]
        for name in (
            "abs", "add", "all", "amax", "amin", "any", "argmax", "argmin", "argsort", "bmm",
            "chunk", "clamp", "clip", "clone", "cos", "cosh", "cumsum", "div", "dot", "exp",
            "expand", "flatten", "gather", "log", "log_softmax", "logsumexp", "masked_fill",
            "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "mul", "mv", "neg",
            "norm", "permute", "pow", "prod", "relu", "reshape", "scatter", "sigmoid", "sin",
            "sinh", "softmax", "sort", "split", "sqrt", "squeeze", "std", "sub", "sum", "tanh",
            "topk", "transpose", "unsqueeze", "var", "eq", "ne", "lt", "le", "gt", "ge",
            "logical_and", "logical_not", "logical_or", "logical_xor", "equal",
        )
    }
    methods.update(operators)
    methods.update(inplace_methods())
    methods.update(CONVERSIONS)
    methods.update(NEW_METHODS)
    methods.update(
        view=reshape, t=t, sign=sign, isnan=isnan, isfinite=isfinite, contiguous=lambda x: x,
        view_as=lambda x, other: reshape(x, other.shape),
        expand_as=lambda x, other: expand(x, other.shape),
        reshape_as=lambda x, other: reshape(x, other.shape),
    )
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(t)
    Tensor.mT = property(lambda x: transpose(x, -2, -1))


_install_tensor_methods()
globals().update({name: with_out(globals()[name]) for name in WITH_OUT})
