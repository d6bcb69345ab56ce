"""Pruning a whole model by one criterion, and pruning then fine-tuning.

Fine-tuning needs nothing special: the masks are buffers re-applied before every forward,
so the pruned weights stay zero through any number of optimizer steps (see ``mask``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tamrin.nn.module import Module
from tamrin.prune.obd import obd_saliencies
from tamrin.prune.select import (
    ParamRef,
    global_unstructured,
    l1_unstructured,
    magnitude_scores,
    parameters_to_prune,
    random_scores,
)
from tamrin.prune.sensitivity import loss_change_scores, taylor_scores
from tamrin.train import History, fit

DATA_CRITERIA: dict[str, Callable[..., dict[ParamRef, np.ndarray]]] = {
    "sensitivity": taylor_scores, "loss_change": loss_change_scores, "obd": obd_saliencies,
}
CRITERIA = ("magnitude", "random", *DATA_CRITERIA)


def importance_scores(model: Module, method: str, parameters: list[ParamRef],
                      loss_fn: Callable | None = None, data: Any = None,
                      **options: Any) -> dict[ParamRef, np.ndarray]:
    """The scores of ``method`` (magnitude, random, sensitivity, loss_change, obd) for
    ``parameters``; the data-driven ones need ``loss_fn`` and ``data``."""
    if method == "magnitude":
        return magnitude_scores(parameters)
    if method == "random":
        return random_scores(parameters)
    if method not in DATA_CRITERIA:
        raise ValueError(f"prune: unknown method {method!r}; choose one of {CRITERIA}")
    if loss_fn is None or data is None:
        raise ValueError(f"prune: method {method!r} needs loss_fn and data (batches (x, y))")
    return DATA_CRITERIA[method](model, loss_fn, data, parameters, **options)


def prune_model(model: Module, amount: int | float, method: str = "magnitude", *,
                scope: str = "global", loss_fn: Callable | None = None, data: Any = None,
                include_bias: bool = False, parameters: Iterable[ParamRef] | None = None,
                **options: Any) -> dict[ParamRef, np.ndarray]:
    """Prune ``amount`` of the unpruned eligible weights of ``model`` with the lowest
    scores of ``method``, across all layers (``scope='global'``) or the same fraction in
    each (``'layerwise'``). Biases only with ``include_bias``. Returns the scores."""
    if scope not in ("global", "layerwise"):
        raise ValueError(f"prune: scope must be 'global' or 'layerwise', got {scope!r}")
    refs = list(parameters_to_prune(model, include_bias) if parameters is None
                else parameters)
    scores = importance_scores(model, method, refs, loss_fn, data, **options)
    if scope == "global":
        global_unstructured(refs, amount, scores)
    else:
        for module, name in refs:
            l1_unstructured(module, name, amount, scores[(module, name)])
    return scores


def prune_and_fine_tune(model: Module, amount: int | float, optimizer: Any,
                        loss_fn: Callable, train_loader: Iterable, epochs: int = 1, *,
                        method: str = "magnitude", scope: str = "global",
                        include_bias: bool = False, score_data: Any = None,
                        **fit_options: Any) -> History:
    """Prune (as ``prune_model``; the data-driven criteria score on ``score_data``,
    default the training loader) then train ``epochs`` more epochs with the masks kept —
    ``optimizer`` may be built before pruning. Returns ``tamrin.train.fit``'s History."""
    prune_model(model, amount, method, scope=scope, loss_fn=loss_fn,
                data=train_loader if score_data is None else score_data,
                include_bias=include_bias)
    return fit(model, loss_fn, optimizer, train_loader, epochs=epochs, **fit_options)
