"""Freezing: parameters that no longer learn.

``freeze(m)`` sets ``requires_grad = False`` on every parameter of ``m``: no gradient is
computed for them (cheaper backward) and no optimizer moves them. A frozen batch norm still
*updates its running statistics* in training mode, and normalises with the batch's
statistics, unless ``freeze_bn_stats=True``: then it always runs as in evaluation, with the
statistics of the pretraining data — what you want when the new task has few examples.
"""

from __future__ import annotations

from tamrin.nn.module import Module
from tamrin.nn.normalization import _BatchNorm


class KeepEval:
    """Forward pre-hook that puts its module in eval mode before every forward (so that
    ``model.train()`` cannot bring a frozen batch norm back to batch statistics)."""

    def __call__(self, module: Module, args: tuple) -> None:
        object.__setattr__(module, "training", False)


def freeze(module: Module, freeze_bn_stats: bool = False) -> Module:
    """No parameter of ``module`` requires grad; with ``freeze_bn_stats`` its batch norms
    also keep (and use) their running statistics. Returns the module."""
    module.requires_grad_(False)
    if freeze_bn_stats:
        for m in module.modules():
            if isinstance(m, _BatchNorm) and not _keep_eval_ids(m):
                m.register_forward_pre_hook(KeepEval())
                object.__setattr__(m, "training", False)
    return module


def unfreeze(module: Module) -> Module:
    """Every parameter of ``module`` requires grad again; batch norms follow the module's
    train/eval mode again. Returns the module."""
    module.requires_grad_(True)
    for m in module.modules():
        keys = _keep_eval_ids(m)
        for key in keys:
            del m._forward_pre_hooks[key]
        if keys:
            object.__setattr__(m, "training", module.training)
    return module


def _keep_eval_ids(module: Module) -> list[int]:
    return [k for k, hook in module._forward_pre_hooks.items() if isinstance(hook, KeepEval)]


def is_frozen(module: Module) -> bool:
    """Whether no parameter of ``module`` requires grad."""
    return not any(p.requires_grad for p in module.parameters())
