"""Parameter: a Tensor that a Module registers as learnable when assigned to an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin import validation
from tamrin.tensor import Tensor, as_array, init_slots


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and is found by ``Module.parameters()``.

    ``Parameter(tensor)`` shares the tensor's data (no copy), as ``torch.nn.Parameter``.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._array
        elif isinstance(data, np.ndarray):  # an array keeps its dtype (layers' dtype=…)
            array = data
        else:
            array = as_array(data)
        init_slots(self, array)  # share, never copy: Parameter(t) aliases t
        if isinstance(data, Tensor):
            self._version_box = data._version_box
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def empty_parameter(shape: tuple, dtype: Any, where: str) -> Parameter:
    """An uninitialised Parameter of ``shape`` — non-negative integer sizes, checked and
    named after the layer ``where`` (a negative size is a RuntimeError, as PyTorch)."""
    return Parameter(np.empty(validation.size(shape, where), np.dtype(dtype or np.float32)))
