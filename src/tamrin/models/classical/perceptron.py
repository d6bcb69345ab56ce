"""The perceptron (Rosenblatt): a linear threshold unit trained by its classic mistake rule.

Labels are mapped to y ∈ {−1, +1} (``classes_[1]`` is +1; 0/1 or any two labels work). Samples
are visited one at a time (shuffled each epoch unless ``shuffle=False``); on a mistake,
y·(wᵀx + b) ≤ 0, the weights move towards the sample:

    w ← w + η·y·x,        b ← b + η·y

This is stochastic gradient descent on the perceptron criterion Σ_mistakes −y·(wᵀx + b), run
by the shared loop with a batch of one. Training stops after the first epoch without a mistake
(the data are then linearly separated: ``converged_ = True``); on data that are not linearly
separable it never stops on its own and ends at ``max_iter`` with a ``ConvergenceWarning``.
One epoch costs O(n·d). With ``shuffle=False`` the updates are exactly those of
``sklearn.linear_model.Perceptron(shuffle=False, eta0=η)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.models.classical._gd import GDConfig, run_gradient_descent
from tamrin.models.classical._objectives import perceptron_criterion
from tamrin.models.classical._validation import check_X_y, encode_labels
from tamrin.models.classical.base import ClassifierMixin, LinearModel
from tamrin.random import check_random_state


class Perceptron(ClassifierMixin, LinearModel):
    """Binary perceptron: predict sign(wᵀx + b); on each mistake w ← w + η·y·x, b ← b + η·y.

    Fitted: ``classes_``, ``coef_`` (1, d), ``intercept_`` (1,), ``n_iter_`` — the epochs run,
    the last one being the mistake-free epoch that proves separation — ``converged_``,
    ``loss_curve_`` (1 for a mistake, 0 otherwise, per sample visited) and
    ``epoch_loss_curve_`` (fraction of mistakes in each epoch).
    """

    def __init__(self, *, lr: float = 1.0, max_iter: int = 1000, fit_intercept: bool = True,
                 shuffle: bool = True, random_state: Any = None) -> None:
        self.lr = lr
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Run the mistake rule until an epoch has no mistakes (or ``max_iter`` epochs)."""
        X, y = check_X_y(X, y, self, y_numeric=False)
        self.classes_, idx = encode_labels(y, self)
        if len(self.classes_) != 2:
            raise ValueError(f"Perceptron.fit: y holds {len(self.classes_)} classes "
                             f"{self.classes_.tolist()}; the perceptron is a binary classifier "
                             f"(expected 2 classes, e.g. 0/1 or -1/+1)")
        self.n_features_in_ = X.shape[1]
        Y = np.where(idx == 1, 1.0, -1.0)[:, None]
        cfg = GDConfig(solver="sgd", lr=self.lr, max_iter=self.max_iter, tol=None,
                       shuffle=self.shuffle, fit_intercept=self.fit_intercept, target_loss=0.0)
        result = run_gradient_descent(perceptron_criterion, np.zeros((X.shape[1], 1)),
                                      np.zeros(1), X, Y, cfg,
                                      check_random_state(self.random_state), name="Perceptron")
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.loss_curve_, self.epoch_loss_curve_ = result.step_losses, result.epoch_losses
        self._store(result.W, result.b, single_output=False)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """z = wᵀx + b, shape (n,); positive means ``classes_[1]``."""
        return self._decision(X, "decision_function")[:, 0]

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where z > 0, else ``classes_[0]``."""
        positive = self._decision(X, "predict")[:, 0] > 0
        return self.classes_[positive.astype(np.intp)]
