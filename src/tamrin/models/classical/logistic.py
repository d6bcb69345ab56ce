"""Logistic (binary) and softmax (multinomial) regression, fitted by gradient descent.

Binary, y ∈ {0, 1} (``classes_[1]`` is the positive class):

    p = σ(xᵀw + b),    L = (1/n) Σᵢ −[yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)] + (α/2)‖w‖²

K classes, y one-hot, W (d, K):

    p = softmax(Wᵀx + b),    L = −(1/n) Σᵢ yᵢᵀ log pᵢ + (α/2)‖W‖²_F

Both have the gradient ∇_W L = (1/n) Xᵀ(P − Y) + αW and ∇_b L = (1/n) Σᵢ (pᵢ − yᵢ): the
course's dL/dz = ŷ − y. The bias is never penalised. The loss is convex, so GD with a small
enough step reaches the unique minimiser (for α > 0). m epochs cost O(m·n·d·K).

Scaling convention: ``alpha`` multiplies ½‖w‖² next to the *mean* log-loss (as
``sklearn.linear_model.SGDClassifier(loss='log_loss', alpha)``). scikit-learn's
``LogisticRegression(C)`` minimises C·Σᵢ logloss + ½‖w‖², the same minimiser when

    C = 1/(n·α)      (α = 0, no penalty, corresponds to C = ∞).

For K > 2 scikit-learn fits the same multinomial (softmax, K weight vectors) objective.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.models.classical._gd import SOLVERS, GDConfig, run_gradient_descent
from tamrin.models.classical._objectives import (
    binary_log_loss,
    log_softmax,
    sigmoid,
    softmax_log_loss,
    with_l2,
)
from tamrin.models.classical._validation import (
    check_choice,
    check_X_y,
    encode_labels,
)
from tamrin.models.classical.base import ClassifierMixin, LinearModel
from tamrin.random import check_random_state


class LogisticRegression(ClassifierMixin, LinearModel):
    """Logistic regression: p = σ(xᵀw + b) for two classes, softmax(Wᵀx + b) for more.

    Minimises the mean cross-entropy + (α/2)‖w‖² by gradient descent ('gd' full batch,
    'sgd', 'minibatch'; no LBFGS): w ← w − η[(1/|B|)X_Bᵀ(p_B − y_B) + αw]. Equivalent to
    scikit-learn's ``LogisticRegression(C=1/(n·α))`` (see the module docstring).

    Fitted: ``classes_``, ``coef_`` (1, d) binary / (K, d), ``intercept_``, ``n_iter_``
    (epochs), ``loss_curve_`` (per step), ``epoch_loss_curve_``, ``converged_``.
    """

    _always_softmax = False

    def __init__(self, alpha: float = 1e-4, *, solver: str = "gd", fit_intercept: bool = True,
                 lr: float = 0.1, max_iter: int = 1000, batch_size: int = 32,
                 tol: float | None = 1e-4, n_iter_no_change: int = 5, shuffle: bool = True,
                 random_state: Any = None) -> None:
        self.alpha = alpha
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.lr = lr
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state

    def _softmax(self) -> bool:
        return self._always_softmax or len(self.classes_) > 2

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Fit on X (n_samples, n_features) and class labels y (n_samples,)."""
        check_choice(self.solver, SOLVERS, self, "solver")
        if self.alpha < 0:
            raise ValueError(f"{type(self).__name__}: alpha must be >= 0, got {self.alpha}")
        X, y = check_X_y(X, y, self, y_numeric=False)
        self.classes_, idx = encode_labels(y, self)
        self.n_features_in_ = X.shape[1]
        if self._softmax():
            Y, loss = np.eye(len(self.classes_))[idx], softmax_log_loss
        else:
            Y, loss = idx.astype(np.float64)[:, None], binary_log_loss
        cfg = GDConfig(solver=self.solver, lr=self.lr, max_iter=self.max_iter,
                       batch_size=self.batch_size, tol=self.tol,
                       n_iter_no_change=self.n_iter_no_change, shuffle=self.shuffle,
                       fit_intercept=self.fit_intercept)
        k = Y.shape[1]
        result = run_gradient_descent(with_l2(loss, float(self.alpha)), np.zeros((X.shape[1], k)),
                                      np.zeros(k), X, Y, cfg,
                                      check_random_state(self.random_state),
                                      name=type(self).__name__)
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.loss_curve_, self.epoch_loss_curve_ = result.step_losses, result.epoch_losses
        self._store(result.W, result.b, single_output=False)
        return self

    def _scores(self, X: Any, method: str) -> np.ndarray:
        """z = Xwᵀ + b: (n,) for two classes (log-odds of ``classes_[1]``), (n, K) for more."""
        z = self._decision(X, method)  # checks fitted state and feature count
        return z if self._softmax() else z[:, 0]

    def decision_function(self, X: Any) -> np.ndarray:
        """z = Xwᵀ + b: (n,) for two classes (log-odds of ``classes_[1]``), (n, K) for more."""
        return self._scores(X, "decision_function")

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(class | x), shape (n, K), computed stably from the decision."""
        z = self._scores(X, "predict_log_proba")
        if self._softmax():
            return log_softmax(z)
        return log_softmax(np.stack([np.zeros_like(z), z], axis=1))

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(class | x), shape (n, K), rows sum to 1: [1 − σ(z), σ(z)] or softmax(z)."""
        z = self._scores(X, "predict_proba")
        if self._softmax():
            return np.exp(log_softmax(z))
        p = sigmoid(z)
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class: ``classes_[argmax p]`` (z > 0 for two classes)."""
        z = self._scores(X, "predict")
        idx = z.argmax(axis=1) if z.ndim == 2 else (z > 0).astype(np.intp)
        return self.classes_[idx]


class SoftmaxRegression(LogisticRegression):
    """Softmax (multinomial logistic) regression, K weight vectors even for two classes:
    p = softmax(Wᵀx + b), L = −(1/n) Σᵢ yᵢᵀ log pᵢ + (α/2)‖W‖²_F, ∇_W L = (1/n)Xᵀ(P − Y) + αW.

    With two classes it is logistic regression in disguise: from W = 0 the two columns stay
    opposite (w₀ = −w₁, as Σₖ(pₖ − yₖ) = 0), and w = w₁ − w₀ follows exactly the steps of
    ``LogisticRegression(alpha=α/2, lr=2η)``, so both reach the same probabilities.
    """

    _always_softmax = True
