"""LogisticRegression, SoftmaxRegression and Perceptron against scikit-learn.

Scaling convention under test: tamrin ``LogisticRegression(alpha=α)`` on n samples ≡ sklearn
``LogisticRegression(C=1/(n·α))``. X is standardised so that one GD step size suits all
features; the sklearn oracle is run to tol=1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tamrin.models.classical import (
    ConvergenceWarning,
    LogisticRegression,
    Perceptron,
    SoftmaxRegression,
)

from ._classical_data import breast_cancer, iris, smoothness

sk = pytest.importorskip("sklearn.linear_model")


def _sklearn_logistic(X: np.ndarray, y: np.ndarray, alpha: float) -> Any:
    return sk.LogisticRegression(C=1.0 / (len(X) * alpha), tol=1e-12, max_iter=10_000).fit(X, y)


def test_binary_logistic_matches_sklearn_on_breast_cancer() -> None:
    X, y = breast_cancer()
    alpha = 1.0 / len(X)  # sklearn's default C = 1
    ref = _sklearn_logistic(X, y, alpha)
    ours = LogisticRegression(alpha=alpha, lr=1.0 / (smoothness(X, 0.25) + alpha),
                              max_iter=25_000, tol=None).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (1, X.shape[1])
    assert np.max(np.abs(ours.coef_ - ref.coef_)) < 1e-4
    assert np.max(np.abs(ours.intercept_ - ref.intercept_)) < 1e-4
    assert ours.score(X, y) == ref.score(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)


def test_multinomial_logistic_matches_sklearn_on_iris() -> None:
    X, y = iris()
    alpha = 0.01
    ref = _sklearn_logistic(X, y, alpha)
    ours = LogisticRegression(alpha=alpha, lr=1.0 / (smoothness(X, 0.5) + alpha),
                              max_iter=5000, tol=None).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (3, X.shape[1])
    assert np.max(np.abs(ours.coef_ - ref.coef_)) < 1e-4
    assert np.max(np.abs(ours.intercept_ - ref.intercept_)) < 1e-4
    assert ours.score(X, y) == ref.score(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


def test_minibatch_logistic_reaches_sklearn_accuracy() -> None:
    X, y = breast_cancer()
    ref = _sklearn_logistic(X, y, 1.0 / len(X))
    ours = LogisticRegression(alpha=1.0 / len(X), solver="minibatch", batch_size=32, lr=0.1,
                              max_iter=200, random_state=0).fit(X, y)
    assert ours.score(X, y) >= ref.score(X, y) - 0.01
    assert len(ours.loss_curve_) == ours.n_iter_ * -(-len(X) // 32)


def test_probabilities_labels_and_shapes() -> None:
    X, y = iris()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = LogisticRegression(alpha=0.01, lr=0.5, max_iter=300).fit(X, names)
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(axis=1)])
    assert model.decision_function(X).shape == (150, 3)
    assert set(model.predict(X)) <= set(names)


def test_probabilities_do_not_overflow_for_huge_scores() -> None:
    X = np.array([[-1.0], [1.0]])
    model = LogisticRegression(alpha=0.0, lr=1.0, max_iter=50, tol=None).fit(X, [0, 1])
    far = np.array([[-1e6], [1e6]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        proba = model.predict_proba(far)
        log_proba = model.predict_log_proba(far)
    np.testing.assert_allclose(proba, [[1.0, 0.0], [0.0, 1.0]])
    assert np.all(np.isfinite(log_proba))


def test_two_class_softmax_is_logistic_regression_in_disguise() -> None:
    X, y = breast_cancer()
    alpha, lr = 0.01, 0.1
    soft = SoftmaxRegression(alpha=alpha, lr=lr, max_iter=300, tol=None).fit(X, y)
    logi = LogisticRegression(alpha=alpha / 2, lr=2 * lr, max_iter=300, tol=None).fit(X, y)
    assert soft.coef_.shape == (2, X.shape[1])
    np.testing.assert_allclose(soft.coef_[0], -soft.coef_[1], atol=1e-12)
    np.testing.assert_allclose(soft.coef_[1] - soft.coef_[0], logi.coef_[0], rtol=1e-9)
    np.testing.assert_allclose(soft.predict_proba(X), logi.predict_proba(X), atol=1e-12)


def test_linear_classifiers_cannot_solve_xor() -> None:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    logi = LogisticRegression(alpha=0.0, lr=0.5, max_iter=2000, tol=None).fit(X, y)
    assert logi.score(X, y) <= 0.75
    with pytest.warns(ConvergenceWarning, match="Perceptron"):
        perc = Perceptron(max_iter=100, random_state=0).fit(X, y)
    assert not perc.converged_ and perc.n_iter_ == 100
    assert perc.score(X, y) <= 0.75


# ---- perceptron ------------------------------------------------------------------------


def _separable(n: int = 300, margin: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    z = X @ [1.0, -2.0, 0.5, 1.5] + 0.3
    keep = np.abs(z) > margin
    return X[keep], (z[keep] > 0).astype(int)


def test_perceptron_separates_separable_data_and_reports_epochs() -> None:
    X, y = _separable()
    model = Perceptron(random_state=0).fit(X, y)
    assert model.converged_ and model.score(X, y) == 1.0
    assert model.n_iter_ == len(model.epoch_loss_curve_) >= 2
    assert model.epoch_loss_curve_[-1] == 0.0 and model.epoch_loss_curve_[-2] > 0.0
    assert len(model.loss_curve_) == model.n_iter_ * len(X)
    margins = (2 * y - 1) * model.decision_function(X)
    assert np.all(margins > 0)


def test_perceptron_follows_sklearn_update_for_update() -> None:
    X, y = _separable(seed=1)
    ours = Perceptron(lr=0.5, shuffle=False).fit(X, y)
    ref = sk.Perceptron(eta0=0.5, shuffle=False, tol=None, max_iter=ours.n_iter_).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-12, atol=1e-12)


def test_perceptron_accepts_zero_one_and_signed_labels_alike() -> None:
    X, y = _separable(seed=2)
    a = Perceptron(shuffle=False).fit(X, y)
    b = Perceptron(shuffle=False).fit(X, 2 * y - 1)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(b.predict(X), 2 * y - 1)
    np.testing.assert_array_equal(b.classes_, [-1, 1])
