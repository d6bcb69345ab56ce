"""Linear regression: ŷ = Xw + b fitted by the normal equation or by gradient descent.

The objective (the course's 1/(2n) convention) is

    L(w, b) = (1/2n) Σᵢ (yᵢ − xᵢᵀw − b)²,    ∇_w L = (1/n) Xᵀ(ŷ − y),    ∇_b L = (1/n) Σᵢ (ŷᵢ − yᵢ)

The minimiser does not depend on the 1/(2n) scale, so the coefficients equal scikit-learn's
``LinearRegression`` (which minimises ‖y − Xw − b‖²).

Solvers and their cost for n samples, d features:
- ``'normal'``: w = (XᵀX)⁻¹Xᵀy solved by Cholesky on XᵀX (never an explicit inverse), with a
  fall-back to SVD least squares (minimum-norm, as ``lstsq``) when X is rank-deficient,
  ill-conditioned, or n ≤ d. Cost O(n·d² + d³).
- ``'gd'`` (full batch), ``'sgd'`` (one sample), ``'minibatch'`` (``batch_size`` samples):
  gradient descent from w = 0, b = 0 with constant step ``lr``; m epochs cost O(m·n·d).
  Every step's loss is kept in ``loss_curve_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.models.classical._gd import SOLVERS, GDConfig, Prox, run_gradient_descent
from tamrin.models.classical._normal_equation import solve_least_squares
from tamrin.models.classical._objectives import Objective, squared_error, with_l2
from tamrin.models.classical._validation import check_choice, check_X_y
from tamrin.models.classical.base import LinearModel, RegressorMixin
from tamrin.random import check_random_state


class _LeastSquares(RegressorMixin, LinearModel):
    """Shared fit for LinearRegression, Ridge and Lasso: (1/2n)‖y − Xw − b‖² + penalty(w)."""

    _solvers: tuple[str, ...] = ("normal", *SOLVERS)

    def __init__(self, *, solver: str, fit_intercept: bool, lr: float, max_iter: int,
                 batch_size: int, tol: float | None, n_iter_no_change: int, shuffle: bool,
                 random_state: Any) -> None:
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.lr = lr
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state

    # the penalty: α/2‖w‖² (added to the gradient) and/or a proximal map after each step
    def _l2(self) -> float:
        return 0.0

    def _prox(self) -> Prox | None:
        return None

    def _rcond(self) -> float | None:
        return None

    def _objective(self) -> Objective:
        return with_l2(squared_error, self._l2())

    def fit(self, X: Any, y: Any) -> _LeastSquares:
        """Fit on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_targets)."""
        check_choice(self.solver, self._solvers, self, "solver")
        X, y = check_X_y(X, y, self, multi_output=True)
        Y = y.reshape(len(y), -1)
        self.n_features_in_ = X.shape[1]
        if self.solver == "normal":
            W, b, self.normal_solver_ = solve_least_squares(X, Y, self.fit_intercept,
                                                            self._l2(), self._rcond())
            self.n_iter_, self.loss_curve_, self.epoch_loss_curve_ = None, None, None
            self.converged_ = True
        else:
            W, b = self._fit_gd(X, Y)
        self._store(W, b, single_output=y.ndim == 1)
        return self

    def _gd_config(self, **overrides: Any) -> GDConfig:
        return GDConfig(solver=self.solver, lr=self.lr, max_iter=self.max_iter,
                        batch_size=self.batch_size, tol=self.tol,
                        n_iter_no_change=self.n_iter_no_change, shuffle=self.shuffle,
                        fit_intercept=self.fit_intercept, **overrides)

    def _fit_gd(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d, k = X.shape[1], Y.shape[1]
        result = run_gradient_descent(
            self._objective(), np.zeros((d, k)), np.zeros(k), X, Y,
            self._gd_config(), check_random_state(self.random_state), self._prox(),
            name=type(self).__name__)
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.loss_curve_, self.epoch_loss_curve_ = result.step_losses, result.epoch_losses
        return result.W, result.b

    def predict(self, X: Any) -> np.ndarray:
        """ŷ = Xw + b."""
        return self._decision(X, "predict")


class LinearRegression(_LeastSquares):
    """Ordinary least squares: minimise L = (1/2n) Σ (yᵢ − xᵢᵀw − b)².

    Normal equation (``solver='normal'``): (XᵀX) w = Xᵀy on centred data, solved by Cholesky
    plus one refinement step — O(n·d² + d³); rank-deficient or n ≤ d: minimum-norm ``lstsq``.
    Gradient descent (``'gd'``, ``'sgd'``, ``'minibatch'``): w ← w − η·(1/|B|)·X_Bᵀ(ŷ_B − y_B)
    — O(m·n·d) for m epochs.

    Fitted attributes: ``coef_``, ``intercept_``, ``n_features_in_``; with gradient descent
    also ``n_iter_`` (epochs), ``loss_curve_`` (loss of each step's batch before the step),
    ``epoch_loss_curve_``, ``converged_``; with ``'normal'`` ``normal_solver_`` says whether
    Cholesky or lstsq solved it. Same coefficients as ``sklearn.linear_model.LinearRegression``;
    ``rcond`` is lstsq's singular-value cut-off for rank-deficient X (None: NumPy's ε·max(n, d);
    scikit-learn ≥ 1.9 cuts at 1e-6, which only matters when cond(X) > 10⁶).
    """

    def __init__(self, *, solver: str = "normal", fit_intercept: bool = True, lr: float = 0.01,
                 max_iter: int = 1000, batch_size: int = 32, tol: float | None = 1e-4,
                 n_iter_no_change: int = 5, shuffle: bool = True, random_state: Any = None,
                 rcond: float | None = None) -> None:
        self.rcond = rcond
        super().__init__(solver=solver, fit_intercept=fit_intercept, lr=lr, max_iter=max_iter,
                         batch_size=batch_size, tol=tol, n_iter_no_change=n_iter_no_change,
                         shuffle=shuffle, random_state=random_state)

    def _rcond(self) -> float | None:
        return self.rcond
