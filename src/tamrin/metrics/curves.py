"""Threshold sweeps for a binary score: ROC and precision–recall curves, and the area
under the ROC curve.

Sorting the scores in decreasing order and lowering the threshold past each distinct score
gives, at every threshold τ, TP(τ) = #(y = 1 ∧ s ≥ τ) and FP(τ) = #(y = 0 ∧ s ≥ τ):

    TPR = TP / P (recall),  FPR = FP / N,  precision = TP / (TP + FP).

AUC = ∫ TPR d(FPR) (trapezoids) = P(score of a random positive > that of a random negative).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tamrin.metrics._checks import UndefinedMetricWarning, as_1d, check_finite, check_pair


def _positive(y: np.ndarray, pos_label: Any) -> np.ndarray:
    """y == pos_label; without pos_label the labels must be {0, 1} or {−1, 1}."""
    if pos_label is None:
        classes = set(np.unique(y).tolist())
        if not (classes <= {0, 1} or classes <= {-1, 1}):
            raise ValueError(f"y_true takes values {sorted(classes)}: pass pos_label= to say "
                             "which one is positive")
        pos_label = 1
    return y == pos_label


def confusion_counts_at_thresholds(y_true: Any, y_score: Any, pos_label: Any = None
                                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FP, TP and the threshold at each distinct score, from the highest down."""
    t, s = check_pair(y_true, y_score, "y_score")
    positive = _positive(t, pos_label)
    order = np.argsort(s, kind="mergesort")[::-1]
    s, positive = s[order], positive[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(positive)[last_of_each].astype(np.float64)
    fps = 1 + last_of_each - tps
    return fps, tps, s[last_of_each]


def _keep(mask_inner: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, mask_inner, True])


def roc_curve(y_true: Any, y_score: Any, *, pos_label: Any = None,
              drop_intermediate: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(FPR, TPR, thresholds), starting at (0, 0) with threshold +∞. ``drop_intermediate``
    drops points on straight segments of the curve (they do not change its shape)."""
    fps, tps, thresholds = confusion_counts_at_thresholds(y_true, y_score, pos_label)
    if drop_intermediate and len(fps) > 2:
        keep = _keep(np.logical_or(np.diff(fps, 2), np.diff(tps, 2)))
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    return _rate(fps, "negative"), _rate(tps, "positive"), thresholds


def _rate(counts: np.ndarray, kind: str) -> np.ndarray:
    if counts[-1] <= 0:
        warnings.warn(f"No {kind} samples in y_true: the rate is undefined (NaN)",
                      UndefinedMetricWarning, stacklevel=3)
        return np.full(counts.shape, np.nan)
    return counts / counts[-1]


def precision_recall_curve(y_true: Any, y_score: Any, *, pos_label: Any = None,
                           drop_intermediate: bool = False
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds) for increasing thresholds; the last point is
    precision 1, recall 0 (no threshold). Precision is 0 where nothing is predicted."""
    fps, tps, thresholds = confusion_counts_at_thresholds(y_true, y_score, pos_label)
    if drop_intermediate and len(fps) > 2:
        keep = _keep(np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])))
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    predicted = tps + fps
    precision = np.divide(tps, predicted, out=np.zeros_like(tps), where=predicted != 0)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds", UndefinedMetricWarning, stacklevel=2)
        recall = np.ones_like(tps)
    else:
        recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def auc(x: Any, y: Any) -> float:
    """Area under the curve y(x) by the trapezoidal rule (x monotonic)."""
    x, y = check_pair(x, y, "y")
    if len(x) < 2:
        raise ValueError(f"auc: at least 2 points are needed, got {len(x)}")
    dx = np.diff(x)
    if np.all(dx <= 0):
        return float(-np.trapezoid(y, x))
    if not np.all(dx >= 0):
        raise ValueError("auc: x is neither increasing nor decreasing")
    return float(np.trapezoid(y, x))


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    if positive.all() or not positive.any():
        warnings.warn("Only one class is present in y_true: ROC AUC is undefined (NaN)",
                      UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    fpr, tpr, _ = roc_curve(positive.astype(int), score)
    return auc(fpr, tpr)


def roc_auc_score(y_true: Any, y_score: Any, *, average: str = "macro",
                  multi_class: str = "raise") -> float:
    """Area under the ROC curve.

    Binary: ``y_score`` is the score of the greater label. Multiclass (``y_score`` of shape
    N×K, rows of probabilities): ``multi_class='ovr'`` averages the one-vs-rest AUCs,
    uniformly (``average='macro'``) or by class prevalence ('weighted').
    """
    t = as_1d(y_true, "y_true")
    score = np.asarray(getattr(y_score, "data", y_score), dtype=np.float64)
    classes = np.unique(t)
    if score.ndim == 1 or (score.ndim == 2 and score.shape[1] == 1 and len(classes) <= 2):
        if len(classes) > 2:
            raise ValueError(f"roc_auc_score: y_true has {len(classes)} classes but y_score "
                             "is 1-d; pass an N×K score matrix with multi_class='ovr'")
        return _binary_auc(t == classes[-1], check_pair(t, score.ravel(), "y_score")[1])
    check_finite(score, "y_score")
    if multi_class != "ovr":
        raise ValueError("roc_auc_score: multiclass scores need multi_class='ovr'")
    if average not in ("macro", "weighted"):
        raise ValueError(f"roc_auc_score: average must be 'macro' or 'weighted' for "
                         f"multiclass, got {average!r}")
    if score.shape != (len(t), len(classes)):
        raise ValueError(f"roc_auc_score: y_score has shape {score.shape}, expected "
                         f"{(len(t), len(classes))} (samples × classes in y_true)")
    if not np.allclose(score.sum(axis=1), 1.0):
        raise ValueError("roc_auc_score: multiclass scores must be probabilities (rows "
                         "summing to 1)")
    aucs = np.array([_binary_auc(t == c, score[:, k]) for k, c in enumerate(classes)])
    weights = np.array([np.mean(t == c) for c in classes]) if average == "weighted" else None
    return float(np.average(aucs, weights=weights))
