"""Choosing what to prune: the k lowest scores, per tensor or across tensors.

``amount`` is, as in ``torch.nn.utils.prune``, a count (int) or a fraction in [0, 1]
(float) of the entries *not yet pruned*: k = round(amount · n_unpruned). The k unpruned
entries with the smallest importance scores are zeroed; already pruned entries stay zero,
so pruning twice by 0.5 leaves 25% of the weights.

Which tensors are eligible: every parameter named ``weight…`` with at least two dimensions
(Linear and convolution kernels, recurrent matrices) — never biases or batch-norm scales
unless asked with ``include_bias=True``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from tamrin.nn.module import Module
from tamrin.prune.mask import (
    current_mask,
    custom_from_mask,
    effective,
    is_pruned_tensor,
    source,
)
from tamrin.random import default_generator
from tamrin.tensor import Tensor

ParamRef = tuple[Module, str]


def _count(amount: int | float, n: int) -> int:
    """k = amount if an int, else round(amount · n) (checked against n)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, np.integer, np.floating)):
        raise TypeError(f"prune: amount must be an int or a float, got {amount!r}")
    if isinstance(amount, (float, np.floating)):
        if not 0.0 <= amount <= 1.0:
            raise ValueError(f"prune: a fractional amount must be in [0, 1], got {amount}")
        return round(float(amount) * n)
    if not 0 <= amount <= n:
        raise ValueError(f"prune: cannot prune {amount} entries out of {n} unpruned ones")
    return int(amount)


def lowest_score_mask(scores: np.ndarray, mask: np.ndarray, amount: int | float) -> np.ndarray:
    """``mask`` with ``amount`` more of its ones set to 0: those of the lowest ``scores``."""
    kept = mask.reshape(-1) != 0
    k = _count(amount, int(kept.sum()))
    new = mask.reshape(-1).copy()
    if k:
        candidates = np.where(kept, scores.reshape(-1), np.inf)
        new[np.argpartition(candidates, k - 1)[:k]] = 0
    return new.reshape(mask.shape)


def parameters_to_prune(model: Module, include_bias: bool = False) -> list[ParamRef]:
    """The (module, name) pairs eligible for pruning in ``model`` (see the module docs)."""
    refs = []
    for module in model.modules():
        for pname, p in module._parameters.items():
            name = pname[:-5] if pname.endswith("_orig") and \
                is_pruned_tensor(module, pname[:-5]) else pname
            weight = name.startswith("weight") and p is not None and p.ndim >= 2
            if weight or (include_bias and name.startswith("bias") and p is not None):
                refs.append((module, name))
    return refs


def magnitude_scores(parameters: Iterable[ParamRef]) -> dict[ParamRef, np.ndarray]:
    """|w| of each tensor (its pruned entries are 0)."""
    return {ref: np.abs(effective(*ref)) for ref in parameters}


def random_scores(parameters: Iterable[ParamRef]) -> dict[ParamRef, np.ndarray]:
    """Uniform random scores from tamrin's generator: the baseline any criterion must beat."""
    rng = default_generator()
    return {ref: rng.random(effective(*ref).shape) for ref in parameters}


def _scores_for(ref: ParamRef, importance_scores: Mapping | None) -> np.ndarray:
    """The scores of one tensor: ``importance_scores[ref]``, or |w| without a mapping."""
    module, name = ref
    if importance_scores is None:
        return np.abs(effective(module, name))
    if ref not in importance_scores:
        raise KeyError(f"prune: no importance score for {type(module).__name__}.{name}")
    value = importance_scores[ref]
    scores = value._array if isinstance(value, Tensor) else np.asarray(value)
    if scores.shape != source(module, name).shape:
        raise ValueError(f"prune: the scores of {type(module).__name__}.{name} have shape "
                         f"{scores.shape}, the parameter {source(module, name).shape}")
    return scores


def l1_unstructured(module: Module, name: str, amount: int | float,
                    importance_scores: Any = None) -> Module:
    """Prune ``amount`` of ``module.<name>``'s unpruned entries with the lowest |w| (or the
    lowest ``importance_scores``, an array of the same shape) — layer-wise pruning."""
    ref = (module, name)
    scores = _scores_for(ref, None if importance_scores is None else {ref: importance_scores})
    return custom_from_mask(module, name,
                            lowest_score_mask(scores, current_mask(module, name), amount))


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` of ``module.<name>``'s unpruned entries chosen at random."""
    ref = (module, name)
    return l1_unstructured(module, name, amount, random_scores([ref])[ref])


def global_unstructured(parameters: Iterable[ParamRef], amount: int | float,
                        importance_scores: Mapping[ParamRef, Any] | None = None) -> None:
    """Prune ``amount`` of the unpruned entries of all ``parameters`` together: the lowest
    scores across tensors (|w| by default, or ``importance_scores[(module, name)]``), so a
    layer with small weights loses more of them than one with large weights."""
    refs = list(parameters)
    if not refs:
        raise ValueError("global_unstructured: no parameters to prune")
    scores = np.concatenate([_scores_for(ref, importance_scores).reshape(-1) for ref in refs])
    masks = [current_mask(*ref) for ref in refs]
    new = lowest_score_mask(scores, np.concatenate([m.reshape(-1) for m in masks]), amount)
    start = 0
    for ref, mask in zip(refs, masks):
        custom_from_mask(*ref, new[start:start + mask.size].reshape(mask.shape))
        start += mask.size
