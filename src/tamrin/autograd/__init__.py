"""tamrin.autograd: how operations record themselves in the graph, and PyTorch's custom
``Function``.

- ``ArrayFunction`` (``function.py``) is the base of every op of the library: forward and
  backward on raw ndarrays, fast, each backward the hand derivation of its formula.
- ``Function`` (``custom.py``) is PyTorch's ``torch.autograd.Function``: forward and
  backward on Tensors, ``ctx.save_for_backward`` / ``ctx.saved_tensors``, ``Fn.apply(...)``
  — for code written for PyTorch.
"""

from tamrin.autograd.custom import Function, FunctionCtx
from tamrin.autograd.function import AccumulateGrad, ArrayFunction, Context
from tamrin.autograd.variable import Variable
from tamrin.grad_mode import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

__all__ = [
    "AccumulateGrad",
    "ArrayFunction",
    "Context",
    "Function",
    "FunctionCtx",
    "Variable",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]
