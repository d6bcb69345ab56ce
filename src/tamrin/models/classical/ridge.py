"""Ridge regression: least squares with an L2 penalty on the weights (never the intercept).

    L(w, b) = (1/2n) Σᵢ (yᵢ − xᵢᵀw − b)² + (α/2)‖w‖²
    closed form: (XᵀX + nαI) w = Xᵀy on centred data      gradient: (1/n)Xᵀ(ŷ − y) + αw

Scaling convention — ``alpha`` multiplies ½‖w‖² next to the *mean* loss, as PyTorch's
``weight_decay`` and scikit-learn's ``SGDRegressor(alpha)``/``ElasticNet(l1_ratio=0)`` do.
scikit-learn's ``Ridge(alpha=a)`` minimises ‖y − Xw − b‖² + a‖w‖² instead, so

    tamrin ``Ridge(alpha=α)`` on n samples  ≡  ``sklearn.linear_model.Ridge(alpha=n·α)``.
"""

from __future__ import annotations

from typing import Any

from tamrin.models.classical.linear_regression import _LeastSquares


class Ridge(_LeastSquares):
    """L2-penalised least squares: minimise (1/2n)‖y − Xw − b‖² + (α/2)‖w‖².

    ``solver='normal'``: Cholesky on XᵀX + nαI (always positive definite for α > 0),
    O(n·d² + d³). ``'gd'``/``'sgd'``/``'minibatch'``: w ← w − η[(1/|B|)X_Bᵀ(ŷ_B − y_B) + αw],
    b ← b − η(1/|B|)Σ(ŷ_B − y_B), O(m·n·d). ``Ridge(alpha=α)`` equals scikit-learn's
    ``Ridge(alpha=n·α)``; see the module docstring.
    """

    def __init__(self, alpha: float = 1.0, *, solver: str = "normal",
                 fit_intercept: bool = True, lr: float = 0.01, max_iter: int = 1000,
                 batch_size: int = 32, tol: float | None = 1e-4, n_iter_no_change: int = 5,
                 shuffle: bool = True, random_state: Any = None) -> None:
        self.alpha = alpha
        super().__init__(solver=solver, fit_intercept=fit_intercept, lr=lr, max_iter=max_iter,
                         batch_size=batch_size, tol=tol, n_iter_no_change=n_iter_no_change,
                         shuffle=shuffle, random_state=random_state)

    def _l2(self) -> float:
        if self.alpha < 0:
            raise ValueError(f"Ridge: alpha must be >= 0, got {self.alpha}")
        return float(self.alpha)
