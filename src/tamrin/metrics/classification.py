"""Classification metrics from label vectors, with scikit-learn's definitions.

For one class c, counting over samples: TP = #(y = c ∧ ŷ = c), FP = #(y ≠ c ∧ ŷ = c),
FN = #(y = c ∧ ŷ ≠ c), and

    precision = TP / (TP + FP)   (of the predicted c, how many are c)
    recall    = TP / (TP + FN)   (of the true c, how many were found)
    F_β       = (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP)   (F1: harmonic mean of P and R)

``average``: 'binary' (the ``pos_label`` class only), 'micro' (sum TP, FP, FN over classes
first), 'macro' (unweighted mean over classes), 'weighted' (mean weighted by each class's
support, the number of true samples), None (one value per class). A 0/0 ratio takes the
``zero_division`` value (0 with a warning by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.metrics._checks import ZeroDivision, check_labels, check_pair, divide

_AVERAGES = ("binary", "micro", "macro", "weighted", None)


def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True) -> float:
    """Fraction (or, with ``normalize=False``, count) of samples with ŷ = y."""
    t, p = check_pair(y_true, y_pred)
    check_labels(t, p)
    correct = np.sum(t == p)
    return float(correct / len(t)) if normalize else float(correct)


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Any = None,
                     normalize: str | None = None) -> np.ndarray:
    """C[i, j] = number of samples of true class labels[i] predicted as labels[j].

    ``normalize``: 'true' (rows sum to 1), 'pred' (columns sum to 1), 'all', or None.
    """
    t, p = check_pair(y_true, y_pred)
    check_labels(t, p)
    labels = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    if labels.size == 0:
        raise ValueError("confusion_matrix: 'labels' should contain at least one label")
    if not np.isin(labels, t).any():
        raise ValueError("confusion_matrix: at least one of the labels must be in y_true")
    k = len(labels)
    order = np.argsort(labels)
    ti = order[np.searchsorted(labels, t, sorter=order).clip(0, k - 1)]
    pi = order[np.searchsorted(labels, p, sorter=order).clip(0, k - 1)]
    keep = (labels[ti] == t) & (labels[pi] == p)
    cm = np.bincount(ti[keep] * k + pi[keep], minlength=k * k).reshape(k, k)
    if normalize is None:
        return cm
    axis = {"true": 1, "pred": 0, "all": None}.get(normalize, -1)
    if axis == -1:
        raise ValueError(f"confusion_matrix: normalize must be 'true', 'pred', 'all' or None, "
                         f"got {normalize!r}")
    with np.errstate(all="ignore"):
        return np.nan_to_num(cm / cm.sum(axis=axis, keepdims=axis is not None))


def _labels_for(t: np.ndarray, p: np.ndarray, average: str | None, labels: Any,
                pos_label: Any) -> np.ndarray:
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {_AVERAGES}, got {average!r}")
    present = np.unique(np.concatenate([t, p]))
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"Target is multiclass ({len(present)} labels) but "
                             "average='binary'; choose average='micro', 'macro', 'weighted' "
                             "or None")
        if pos_label not in present and len(present) == 2:
            raise ValueError(f"pos_label={pos_label} is not a valid label; it should be one "
                             f"of {present.tolist()}")
        return np.asarray([pos_label])
    if labels is None:
        return present
    return np.asarray(labels)


def precision_recall_fscore_support(
        y_true: Any, y_pred: Any, *, beta: float = 1.0, labels: Any = None,
        pos_label: Any = 1, average: str | None = None,
        zero_division: ZeroDivision = "warn") -> tuple[Any, Any, Any, Any]:
    """Precision, recall, F_β and support (see the module docstring for the formulas).

    With ``average=None`` each is an array over ``labels``; otherwise floats (support None).
    """
    t, p = check_pair(y_true, y_pred)
    check_labels(t, p)
    labels = _labels_for(t, p, average, labels, pos_label)
    is_true = t[:, None] == labels[None, :]
    is_pred = p[:, None] == labels[None, :]
    tp = np.sum(is_true & is_pred, axis=0)
    pred_sum, true_sum = is_pred.sum(axis=0), is_true.sum(axis=0)
    if average == "micro":
        tp, pred_sum, true_sum = (np.array([a.sum()]) for a in (tp, pred_sum, true_sum))
    b2 = beta**2
    precision = divide(tp, pred_sum, zero_division, "Precision")
    recall = divide(tp, true_sum, zero_division, "Recall")
    f_score = divide((1 + b2) * tp, b2 * true_sum + pred_sum, zero_division, "F-score")
    if average is None:
        return precision, recall, f_score, true_sum
    weights = true_sum if average == "weighted" else None
    return (_nanaverage(precision, weights), _nanaverage(recall, weights),
            _nanaverage(f_score, weights), None)


def _nanaverage(values: np.ndarray, weights: np.ndarray | None) -> float:
    """Mean ignoring NaN entries (zero_division=nan), weighted if the weights are not all 0."""
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None or weights[keep].sum() == 0:
        return float(np.mean(values[keep]))
    return float(np.average(values[keep], weights=weights[keep]))


def precision_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                    average: str | None = "binary",
                    zero_division: ZeroDivision = "warn") -> Any:
    """Precision = TP / (TP + FP)."""
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, zero_division=zero_division)[0]


def recall_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
                 average: str | None = "binary", zero_division: ZeroDivision = "warn") -> Any:
    """Recall = TP / (TP + FN) (sensitivity, true-positive rate)."""
    return precision_recall_fscore_support(y_true, y_pred, labels=labels, pos_label=pos_label,
                                           average=average, zero_division=zero_division)[1]


def fbeta_score(y_true: Any, y_pred: Any, *, beta: float, labels: Any = None,
                pos_label: Any = 1, average: str | None = "binary",
                zero_division: ZeroDivision = "warn") -> Any:
    """F_β = (1 + β²)·TP / ((1 + β²)·TP + β²·FN + FP): β > 1 weighs recall more."""
    return precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels,
                                           pos_label=pos_label, average=average,
                                           zero_division=zero_division)[2]


def f1_score(y_true: Any, y_pred: Any, *, labels: Any = None, pos_label: Any = 1,
             average: str | None = "binary", zero_division: ZeroDivision = "warn") -> Any:
    """F1 = 2·P·R / (P + R) = 2·TP / (2·TP + FP + FN)."""
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label,
                       average=average, zero_division=zero_division)
