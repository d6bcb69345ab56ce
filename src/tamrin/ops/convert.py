"""Moving and converting tensors: ``to``, ``cpu``, ``cuda``, ``type``, ``float()`` …

``x.to(...)`` takes what PyTorch's takes — a dtype, a device, both, another tensor (its
dtype and device), ``dtype=``/``device=``/``copy=`` keywords — and, as PyTorch, returns
``x`` itself when nothing changes. A change of floating dtype stays differentiable
(``to_dtype``). Devices other than the CPU are an error (``tamrin.device``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.device import KNOWN_TYPES
from tamrin.device import check as check_device
from tamrin.device import device as Device
from tamrin.dtypes import resolve, type_string
from tamrin.ops.elementwise import clone, to_dtype
from tamrin.tensor import Tensor


def parse_to(args: tuple, dtype: Any, device: Any, where: str) -> np.dtype | None:
    """The dtype asked for by ``to(...)``'s arguments (a dtype — also by name, as
    ``"float64"`` —, a device, both, or a tensor whose dtype is meant), after checking that
    the device is the CPU."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, Device) or (isinstance(arg, int) and not isinstance(arg, bool)) \
                or (isinstance(arg, str) and arg.partition(":")[0] in KNOWN_TYPES):
            device = arg
        else:
            dtype = arg
    check_device(device, where)
    return None if dtype is None else resolve(dtype)


def to(t: Tensor, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
       copy: bool = False, memory_format: Any = None) -> Tensor:
    """``t`` converted to a dtype and/or device: ``to(torch.float64)``, ``to("cpu")``,
    ``to(device, dtype)``, ``to(other)`` — ``t`` itself if nothing changes (unless copy)."""
    dtype = parse_to(args, dtype, device, "to")
    out = t if dtype is None else to_dtype(t, dtype)
    return clone(out) if copy and out is t else out


def cpu(t: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself: it is on the CPU already."""
    return t


def cuda(t: Tensor, device: Any = None, non_blocking: bool = False) -> Tensor:
    """Always an error: tamrin has no CUDA backend."""
    check_device(Device("cuda"), "cuda")
    return t


def type_(t: Tensor, dtype: Any = None, non_blocking: bool = False) -> str | Tensor:
    """Without an argument, PyTorch's type string (``'torch.FloatTensor'``); with a dtype,
    a type string or a typed constructor (``torch.LongTensor``), the converted tensor."""
    if dtype is None:
        return type_string(t.dtype)
    return to(t, resolve(dtype))


def _to_dtype_method(dtype: Any, name: str) -> Callable[[Tensor], Tensor]:
    def method(t: Tensor, memory_format: Any = None) -> Tensor:
        return to_dtype(t, dtype)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``t.to({np.dtype(dtype).name})``."
    return method


CONVERSIONS: dict[str, Callable[..., Any]] = {
    "to": to, "cpu": cpu, "cuda": cuda, "type": type_,
    **{name: _to_dtype_method(dtype, name) for name, dtype in (
        ("float", np.float32), ("double", np.float64), ("half", np.float16),
        ("long", np.int64), ("int", np.int32), ("short", np.int16), ("byte", np.uint8),
        ("bool", np.bool_))},
}
