"""Data sets and helpers shared by the classical-model tests (scikit-learn is the oracle).

Gradient-descent tests standardise X (and y for regression) so that one step size suits every
feature; the closed-form parity tests use the raw data as scikit-learn ships it.
"""

from __future__ import annotations

import numpy as np
import pytest

sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is the oracle")


def standardise(a: np.ndarray) -> np.ndarray:
    return (a - a.mean(axis=0)) / a.std(axis=0)


def diabetes(scaled: bool = False) -> tuple[np.ndarray, np.ndarray]:
    X, y = sklearn_datasets.load_diabetes(return_X_y=True)
    return (standardise(X), standardise(y)) if scaled else (X, y)


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    return standardise(X), y


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = sklearn_datasets.load_iris(return_X_y=True)
    return standardise(X), y


def smoothness(X: np.ndarray, curvature: float = 1.0) -> float:
    """L = curvature · λ_max(XᵀX/n): the largest curvature of the mean loss (1 for squared
    error with the ½, ¼ for the logistic loss, ½ for softmax); lr = 1/L is a safe GD step."""
    return curvature * float(np.linalg.eigvalsh(X.T @ X / len(X)).max())


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """max |a − b| / max |b|."""
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))
