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


class _Uninitialized:
    """A tensor whose shape is not known yet — a lazy module's parameters and buffers
    before its first forward (PyTorch's ``UninitializedParameter``/``UninitializedBuffer``).
    It has a dtype but no shape; ``materialize`` gives it its values and makes it an
    ordinary ``cls_to_become``, the same Python object (so an optimizer built over it
    before the first forward updates it afterwards)."""

    __slots__ = ()
    cls_to_become: type

    @property
    def shape(self) -> tuple[int, ...]:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. Call `forward` "
            "(with a dummy batch) to initialize the parameters before accessing their "
            "attributes.")

    def numel(self) -> int:
        raise ValueError("Attempted to use an uninitialized parameter: when using a lazy "
                         "module, call `forward` with a dummy batch to initialize the "
                         "parameters first")

    def materialize(self, array: np.ndarray) -> None:
        """Take ``array`` as the values and become an ordinary tensor of that shape."""
        self._array = array
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter of a lazy module before its first forward."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(np.empty(0, np.dtype(dtype or np.float32)), requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer (e.g. ``running_mean``) of a lazy module before its first forward."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, dtype: Any = None) -> None:
        init_slots(self, np.empty(0, np.dtype(dtype or np.float32)))
