"""The differentiable operations, one family per file.

Importing this package installs the operators and methods (``+``, ``@``, ``x.sum()``,
``x.reshape()`` …) on ``Tensor``: the ops need Tensor to wrap their results, so Tensor
cannot import them — this is the one place the two meet.
"""

from __future__ import annotations

from typing import Any

from tamrin.ops.activation import elu, leaky_relu, relu, selu, sigmoid, softplus, tanh
from tamrin.ops.compare import allclose, eq, ge, gt, isfinite, isnan, le, lt, ne, sign
from tamrin.ops.elementwise import (
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
from tamrin.ops.inplace import inplace_methods
from tamrin.ops.matmul import matmul
from tamrin.ops.reduction import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    std,
    sum,
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
    "abs", "add", "allclose", "amax", "amin", "argmax", "argmin", "cat", "chunk", "clamp",
    "clip", "clone", "cos", "cosh", "div", "elu", "eq", "exp", "expand", "flatten", "gather",
    "ge", "getitem", "gt", "index_put", "isfinite", "isnan", "le", "leaky_relu", "log",
    "log_softmax", "logsumexp", "lt", "masked_fill", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mul", "ne", "neg", "pad", "permute", "pow", "relu", "reshape", "scatter",
    "selu", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "split", "sqrt",
    "squeeze", "stack", "std", "sub", "sum", "t", "tanh", "to_dtype", "transpose",
    "unsqueeze", "var", "where",
]


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    method.__name__ = f"__r{fn.__name__}__"
    return method


def _install_tensor_methods() -> None:
    operators = {
        "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
        "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div,
        "__rtruediv__": _reflected(div), "__pow__": pow, "__rpow__": _reflected(pow),
        "__matmul__": matmul, "__rmatmul__": _reflected(matmul), "__neg__": neg,
        "__abs__": abs, "__getitem__": getitem, "__eq__": eq, "__ne__": ne, "__lt__": lt,
        "__le__": le, "__gt__": gt, "__ge__": ge,
    }
    methods = {
        name: globals()[name]
        for name in (
            "abs", "add", "amax", "amin", "argmax", "argmin", "chunk", "clamp", "clip", "clone",
            "cos", "cosh", "div", "exp", "expand", "flatten", "gather", "log", "log_softmax",
            "logsumexp", "masked_fill", "matmul", "max", "maximum", "mean", "min", "minimum",
            "mul", "neg", "permute", "pow", "relu", "reshape", "scatter", "sigmoid", "sin",
            "sinh", "softmax", "split", "sqrt", "squeeze", "std", "sub", "sum", "tanh",
            "transpose", "unsqueeze", "var", "eq", "ne", "lt", "le", "gt", "ge",
        )
    }
    methods.update(operators)
    methods.update(inplace_methods())
    methods.update(
        view=reshape, t=t, to=to_dtype, sign=sign, isnan=isnan, isfinite=isfinite,
        float=lambda x: to_dtype(x, "float32"), double=lambda x: to_dtype(x, "float64"),
        long=lambda x: to_dtype(x, "int64"), int=lambda x: to_dtype(x, "int32"),
        bool=lambda x: to_dtype(x, "bool"), contiguous=lambda x: x,
        view_as=lambda x, other: reshape(x, other.shape),
        expand_as=lambda x, other: expand(x, other.shape),
        reshape_as=lambda x, other: reshape(x, other.shape),
    )
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(t)
    Tensor.mT = property(lambda x: transpose(x, -2, -1))


_install_tensor_methods()
