"""Metrics inside ``fit``/``evaluate``: names or functions of (targets, model outputs).

A name is turned into a function of the raw outputs: classification metrics take the
predicted class — the argmax of an N×K score matrix, or ``score > 0`` for a single logit
(as BCEWithLogitsLoss expects) — regression metrics take the outputs as they are.
Names: accuracy; precision, recall, f1 (binary), optionally suffixed _micro, _macro or
_weighted; mse, mae, r2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from tamrin import metrics as M

MetricFn = Callable[[np.ndarray, np.ndarray], float]


def predicted_labels(outputs: np.ndarray) -> np.ndarray:
    """Class predictions from scores: argmax over classes, or logit > 0 for one column."""
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(len(outputs)) > 0).astype(np.int64)


def _on_labels(fn: Callable[..., float], y: np.ndarray, out: np.ndarray, **kw: Any) -> float:
    return float(fn(y.reshape(len(y)), predicted_labels(out), **kw))


def _on_values(fn: Callable[..., float], y: np.ndarray, out: np.ndarray) -> float:
    return float(fn(y.reshape(len(y), -1), out.reshape(len(out), -1)))


_REGRESSION = {"mse": M.mean_squared_error, "mae": M.mean_absolute_error, "r2": M.r2_score}
_PRF = {"precision": M.precision_score, "recall": M.recall_score, "f1": M.f1_score}


def metric_from_name(name: str) -> MetricFn:
    """The function behind a metric name (see the module docstring)."""
    if name == "accuracy":
        return partial(_on_labels, M.accuracy_score)
    if name in _REGRESSION:
        return partial(_on_values, _REGRESSION[name])
    base, _, average = name.partition("_")
    if base in _PRF and average in ("", "micro", "macro", "weighted"):
        return partial(_on_labels, _PRF[base], average=average or "binary", zero_division=0.0)
    raise ValueError(f"unknown metric {name!r}: use accuracy, precision/recall/f1 (optionally "
                     "_micro, _macro, _weighted), mse, mae, r2, or pass {name: function}")


def resolve_metrics(metrics: Sequence[str] | Mapping[str, MetricFn] | None) -> dict[str,
                                                                                  MetricFn]:
    """``["accuracy", "f1_macro"]`` or ``{"name": fn(y_true, outputs)}`` → {name: fn}."""
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    if isinstance(metrics, str):
        metrics = [metrics]
    return {name: metric_from_name(name) for name in metrics}
