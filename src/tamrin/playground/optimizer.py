"""The playground's optimiser and penalties, from ``tamrin.optim``.

L2 is weight decay in the optimiser (decoupled for AdamW), on the weights only unless
``regularize_bias``. L1 is either the subgradient of λ·Σ|w| added to the loss
(``l1_penalty``) or the proximal step: soft-thresholding by η·λ after every update
(``soft_threshold_``), which sets small weights to exactly zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from tamrin import optim
from tamrin.optim.regularization import (
    DEFAULT_NO_DECAY,
    is_decayed,
    l1_penalty,
    param_groups,
    soft_threshold_,
)
from tamrin.playground.config import Config
from tamrin.playground.network import PlaygroundNet
from tamrin.tensor import Tensor

MOMENTUM = 0.9   # the "momentum" and "nesterov" optimisers


def _penalised(config: Config) -> tuple[Sequence[str], bool]:
    """``(no_decay, exclude_1d)``: which parameters the penalties skip."""
    return ((), False) if config.regularize_bias else (DEFAULT_NO_DECAY, True)


def build_optimizer(config: Config, model: PlaygroundNet) -> optim.Optimizer:
    """The optimiser named by ``config.optimizer``, with L2 as its weight decay."""
    no_decay, exclude_1d = _penalised(config)
    groups = param_groups(model, config.l2, no_decay, exclude_1d, lr=config.lr)
    kind = config.optimizer
    if kind in ("sgd", "momentum", "nesterov"):
        return optim.SGD(groups, lr=config.lr, momentum=0.0 if kind == "sgd" else MOMENTUM,
                         nesterov=kind == "nesterov")
    if kind == "rmsprop":
        return optim.RMSprop(groups, lr=config.lr)
    adam = optim.AdamW if kind == "adamw" else optim.Adam
    return adam(groups, lr=config.lr, bias_correction=config.bias_correction)


def l1_loss_term(config: Config, model: PlaygroundNet) -> Tensor | None:
    """λ·Σ|w| to add to the loss when L1 is taken by subgradient; else None."""
    if config.l1 == 0 or config.l1_mode != "subgradient":
        return None
    return l1_penalty(model, config.l1, *_penalised(config))


def proximal_l1_(config: Config, model: PlaygroundNet) -> None:
    """The proximal L1 step after an update: w ← sign(w)·max(|w| − η·λ, 0)."""
    if config.l1 == 0 or config.l1_mode != "proximal":
        return
    no_decay, exclude_1d = _penalised(config)
    for name, p in model.named_parameters():
        if is_decayed(name, p, no_decay, exclude_1d):
            soft_threshold_(p, config.lr * config.l1)
