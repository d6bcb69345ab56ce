"""Pruning masks kept as buffers, with ``torch.nn.utils.prune``'s names and state dict.

Pruning the tensor ``weight`` of a module moves the Parameter to ``weight_orig`` (the same
object, so an optimizer built before still updates it), adds a buffer ``weight_mask`` of
ones and zeros, and installs a forward pre-hook that recomputes, before every forward::

    weight = weight_orig ⊙ weight_mask

Because ``weight`` is a product with the mask, ∂L/∂weight_orig = ∂L/∂weight ⊙ mask: the
pruned entries get no gradient, and whatever an optimizer does to ``weight_orig`` there
(momentum, weight decay), the weight the network uses stays exactly zero. ``remove`` makes
the pruning permanent: ``weight`` becomes a plain Parameter again holding the zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.grad_mode import no_grad
from tamrin.nn.module import Module
from tamrin.nn.parameter import Parameter
from tamrin.tensor import Tensor


class ApplyMask:
    """Forward pre-hook: ``module.<name> = <name>_orig ⊙ <name>_mask`` before forward."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, module: Module, args: tuple) -> None:
        setattr(module, self.name, masked(module, self.name))


def masked(module: Module, name: str) -> Tensor:
    """The weight the module uses: ``<name>_orig ⊙ <name>_mask``."""
    return getattr(module, name + "_orig") * getattr(module, name + "_mask")


def _hook_id(module: Module, name: str) -> int | None:
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, ApplyMask) and hook.name == name:
            return key
    return None


def is_pruned_tensor(module: Module, name: str) -> bool:
    """Whether ``module.<name>`` is pruned (has ``<name>_orig`` and ``<name>_mask``)."""
    return _hook_id(module, name) is not None


def is_pruned(module: Module) -> bool:
    """Whether any tensor of ``module`` or of its submodules is pruned."""
    return any(isinstance(h, ApplyMask) for m in module.modules()
               for h in m._forward_pre_hooks.values())


def source(module: Module, name: str) -> Parameter:
    """The Parameter that holds ``module.<name>``'s values: ``<name>_orig`` once pruned."""
    param = module._parameters.get(name + "_orig" if is_pruned_tensor(module, name) else name)
    if param is None:
        raise AttributeError(f"prune: {type(module).__name__} has no parameter {name!r}")
    return param


def current_mask(module: Module, name: str) -> np.ndarray:
    """The mask of ``module.<name>`` (all ones if it is not pruned)."""
    if is_pruned_tensor(module, name):
        return module._buffers[name + "_mask"]._array
    return np.ones_like(source(module, name)._array)


def effective(module: Module, name: str) -> np.ndarray:
    """The values the module computes with: ``<name>_orig ⊙ <name>_mask`` (or ``<name>``)."""
    return source(module, name)._array * current_mask(module, name)


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """Prune ``module.<name>`` with ``mask`` (1 keeps, 0 prunes), combined with any mask it
    already has by multiplication. Returns the module."""
    param = source(module, name)
    new = np.asarray(mask._array if isinstance(mask, Tensor) else mask)
    if new.shape != param.shape:
        raise ValueError(f"prune: the mask for {type(module).__name__}.{name} has shape "
                         f"{new.shape}, the parameter {param.shape}")
    combined = (current_mask(module, name) * (new != 0)).astype(param.dtype)
    if not is_pruned_tensor(module, name):
        module.register_parameter(name + "_orig", param)
        delattr(module, name)
        module.register_buffer(name + "_mask", as_tensor(combined, dtype=param.dtype))
        module.register_forward_pre_hook(ApplyMask(name))
    else:
        module._buffers[name + "_mask"]._array[...] = combined
    with no_grad():
        setattr(module, name, masked(module, name))
    return module


def identity(module: Module, name: str) -> Module:
    """Pruning that prunes nothing: the reparametrisation with an all-ones mask."""
    return custom_from_mask(module, name, np.ones(source(module, name).shape))


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent: ``<name>`` becomes a Parameter (the
    former ``<name>_orig`` object) holding orig ⊙ mask; the mask and the hook go."""
    key = _hook_id(module, name)
    if key is None:
        raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} has "
                         "to be pruned before pruning can be removed")
    param = module._parameters.pop(name + "_orig")
    param._array = param._array * module._buffers.pop(name + "_mask")._array
    del module._forward_pre_hooks[key]
    delattr(module, name)
    module.register_parameter(name, param)
    return module
