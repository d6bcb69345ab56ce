"""Lasso: least squares with an L1 penalty, fitted by proximal gradient descent (ISTA).

    L(w, b) = (1/2n) Σᵢ (yᵢ − xᵢᵀw − b)² + α‖w‖₁           (the intercept is not penalised)

Each step is a gradient step on the smooth part followed by the proximal map of η·α‖·‖₁,
soft-thresholding, which sets small weights to exactly zero:

    v = w − η·(1/|B|)X_Bᵀ(ŷ_B − y_B),    w ← S_{ηα}(v) = sign(v)·max(|v| − ηα, 0)

(A plain subgradient step α·sign(w) would leave weights oscillating around zero instead.)
With η ≤ 1/L, L = λ_max(XᵀX/n), full-batch ISTA converges to the Lasso minimiser; each epoch
costs O(n·d).

Scaling convention: the same objective as ``sklearn.linear_model.Lasso(alpha)`` — the
``alpha`` values are interchangeable (scikit-learn solves it by coordinate descent).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.models.classical._gd import SOLVERS, Prox
from tamrin.models.classical._objectives import Objective, squared_error, with_l1_value
from tamrin.models.classical.linear_regression import _LeastSquares


def soft_threshold(v: np.ndarray, threshold: float) -> np.ndarray:
    """S_t(v) = sign(v)·max(|v| − t, 0): the proximal map of t‖·‖₁ (exact zeros)."""
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0.0)


class Lasso(_LeastSquares):
    """L1-penalised least squares: minimise (1/2n)‖y − Xw − b‖² + α‖w‖₁ by proximal GD.

    Step: w ← S_{ηα}(w − η(1/|B|)X_Bᵀ(ŷ_B − y_B)) with S the soft-threshold; b takes a plain
    gradient step. ``solver``: 'gd' (full batch, ISTA), 'sgd' or 'minibatch' (proximal
    stochastic GD). No closed form exists. Same ``alpha`` as scikit-learn's ``Lasso``.
    """

    _solvers = SOLVERS

    def __init__(self, alpha: float = 1.0, *, solver: str = "gd", fit_intercept: bool = True,
                 lr: float = 0.01, max_iter: int = 1000, batch_size: int = 32,
                 tol: float | None = 1e-4, n_iter_no_change: int = 5, shuffle: bool = True,
                 random_state: Any = None) -> None:
        self.alpha = alpha
        super().__init__(solver=solver, fit_intercept=fit_intercept, lr=lr, max_iter=max_iter,
                         batch_size=batch_size, tol=tol, n_iter_no_change=n_iter_no_change,
                         shuffle=shuffle, random_state=random_state)

    def _prox(self) -> Prox:
        if self.alpha < 0:
            raise ValueError(f"Lasso: alpha must be >= 0, got {self.alpha}")
        alpha = float(self.alpha)
        return lambda W, lr: soft_threshold(W, lr * alpha)

    def _objective(self) -> Objective:
        return with_l1_value(squared_error, float(self.alpha))
