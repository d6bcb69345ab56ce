"""Lazy layers: the input size is inferred at the first forward (``nn.LazyLinear(10)``).

d2l builds every model this way: ``nn.LazyLinear(out_features)`` leaves ``in_features`` to
the first batch. Until then the parameters and buffers are ``UninitializedParameter`` /
``UninitializedBuffer`` objects (no shape; an optimizer may already hold them). At the first
call the layer builds the ordinary layer with the inferred size — drawing its initial
values exactly as that layer's constructor would at that moment — moves those values into
its own parameter objects, and becomes that layer (``type(layer) is nn.Linear`` afterwards,
as in PyTorch), so its state dict, ``summary`` and printing are the ordinary layer's.
"""

from __future__ import annotations

import warnings
from typing import Any

from tamrin.grad_mode import no_grad
from tamrin.nn.conv import Conv2d
from tamrin.nn.linear import Linear
from tamrin.nn.module import Module
from tamrin.nn.normalization import BatchNorm1d, BatchNorm2d
from tamrin.nn.parameter import UninitializedBuffer, UninitializedParameter, _Uninitialized
from tamrin.random import get_rng_state, set_rng_state
from tamrin.tensor import Tensor


class LazyModuleMixin:
    """Base of a lazy layer: ``cls_to_become`` is the ordinary layer, whose first argument
    (the size) ``infer_size(input)`` gives; the other arguments are the lazy layer's own."""

    cls_to_become: type[Module]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        state = get_rng_state()  # the placeholder of size 0 must not consume random draws
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "initializing zero-element tensors is a no-op"
            self.cls_to_become.__init__(self, 0, *args, **kwargs)
        set_rng_state(state)
        object.__setattr__(self, "_lazy_arguments", (args, kwargs))
        for name, p in self._parameters.items():
            if p is not None:
                self._parameters[name] = UninitializedParameter(p.requires_grad, p.dtype)
        for name, b in self._buffers.items():
            if b is not None and b.ndim:
                self._buffers[name] = UninitializedBuffer(b.dtype)

    @staticmethod
    def infer_size(input: Tensor) -> int:
        raise NotImplementedError

    def has_uninitialized_params(self) -> bool:
        return any(isinstance(t, _Uninitialized)
                   for t in [*self._parameters.values(), *self._buffers.values()])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with no_grad():
            self._materialize(args[0])
        return Module.__call__(self, *args, **kwargs)

    def _materialize(self, input: Tensor) -> None:
        args, kwargs = self._lazy_arguments
        eager = self.cls_to_become(self.infer_size(input), *args, **kwargs)
        for store in ("_parameters", "_buffers"):
            mine = getattr(self, store)
            for name, value in getattr(eager, store).items():
                if isinstance(mine.get(name), _Uninitialized):
                    mine[name].materialize(value._array)
        self.__dict__.update({key: value for key, value in eager.__dict__.items()
                              if not key.startswith("_") and key != "training"})
        del self.__dict__["_lazy_arguments"]
        self.__class__ = self.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with ``in_features`` = the last dimension of the first input:
    ``LazyLinear(out_features, bias=True, dtype=None)``."""

    cls_to_become = Linear

    @staticmethod
    def infer_size(input: Tensor) -> int:
        return input.shape[-1]


class LazyConv2d(LazyModuleMixin, Conv2d):
    """``Conv2d`` with ``in_channels`` = the channels of the first input (N, C, H, W):
    ``LazyConv2d(out_channels, kernel_size, stride=1, padding=0, …)``."""

    cls_to_become = Conv2d

    @staticmethod
    def infer_size(input: Tensor) -> int:
        return input.shape[1]


class LazyBatchNorm1d(LazyModuleMixin, BatchNorm1d):
    """``BatchNorm1d`` with ``num_features`` = the channels (dimension 1) of the first input."""

    cls_to_become = BatchNorm1d

    @staticmethod
    def infer_size(input: Tensor) -> int:
        return input.shape[1]


class LazyBatchNorm2d(LazyModuleMixin, BatchNorm2d):
    """``BatchNorm2d`` with ``num_features`` = the channels (dimension 1) of the first input."""

    cls_to_become = BatchNorm2d

    @staticmethod
    def infer_size(input: Tensor) -> int:
        return input.shape[1]
