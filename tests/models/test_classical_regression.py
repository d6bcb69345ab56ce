"""LinearRegression, Ridge and Lasso against scikit-learn and against each other.

Scaling conventions under test: tamrin ``Ridge(alpha=α)`` ≡ sklearn ``Ridge(alpha=n·α)``;
``Lasso(alpha)`` has the same alpha in both libraries.
"""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin.models.classical import Lasso, LinearRegression, Ridge
from tamrin.models.classical._normal_equation import solve_triangular

from ._classical_data import diabetes, rel_err, smoothness

sk = pytest.importorskip("sklearn.linear_model")

# ---- the normal equation ---------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_normal_equation_matches_sklearn_on_diabetes(fit_intercept: bool) -> None:
    X, y = diabetes()
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    ref = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert ours.normal_solver_ == "cholesky"
    assert rel_err(ours.coef_, ref.coef_) < 1e-8
    assert abs(ours.intercept_ - ref.intercept_) <= 1e-8 * max(1.0, abs(ref.intercept_))
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-12)


def test_normal_equation_multi_output_matches_sklearn() -> None:
    X, y = diabetes()
    Y = np.column_stack([y, np.sin(y) + X[:, 0]])
    ours, ref = LinearRegression().fit(X, Y), sk.LinearRegression().fit(X, Y)
    assert ours.coef_.shape == ref.coef_.shape == (2, X.shape[1])
    assert rel_err(ours.coef_, ref.coef_) < 1e-8
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8)


def test_normal_equation_never_forms_an_inverse(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the normal equation must not form an explicit inverse")

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    monkeypatch.setattr(np.linalg, "pinv", forbidden)
    X, y = diabetes()
    LinearRegression().fit(X, y)
    Ridge(alpha=0.1).fit(X, y)


def test_blocked_triangular_solve_matches_dense_solve() -> None:
    rng = np.random.default_rng(0)
    d = 300  # crosses two block boundaries
    L = np.tril(rng.normal(size=(d, d))) + d * np.eye(d)
    B = rng.normal(size=(d, 3))
    for T, lower in ((L, True), (L.T, False)):
        np.testing.assert_allclose(solve_triangular(T, B, lower), np.linalg.solve(T, B),
                                   rtol=1e-12, atol=1e-14)


# ---- rank deficiency, collinearity, small shapes ---------------------------------------


def _min_norm(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """The minimum-norm least-squares solution with an intercept, via the pseudo-inverse."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.pinv(Xc) @ yc
    return w, float(y.mean() - X.mean(axis=0) @ w)


def test_exactly_collinear_columns_give_the_minimum_norm_solution() -> None:
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(60, 3))
    X = np.column_stack([Z, 2 * Z[:, 0] - Z[:, 1], Z[:, 2]])  # rank 3 of 5
    y = Z @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    w, b = _min_norm(X, y)
    assert ours.normal_solver_ == "lstsq"
    np.testing.assert_allclose(ours.coef_, w, rtol=1e-9, atol=1e-12)
    assert ours.intercept_ == pytest.approx(b, abs=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10)


def test_nearly_collinear_columns_follow_the_rcond_cut_off() -> None:
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(200, 3))
    X = np.column_stack([Z, Z[:, 0] + 1e-7 * rng.normal(size=200)])  # cond(X) ≈ 2e7
    y = rng.normal(size=200)
    exact = LinearRegression().fit(X, y)
    assert exact.normal_solver_ == "lstsq"  # too ill-conditioned for the normal equation
    w, _ = np.linalg.lstsq(X - X.mean(0), y - y.mean(), rcond=None)[:2]
    np.testing.assert_allclose(exact.coef_, w, rtol=1e-9)
    # scikit-learn (>= 1.9) truncates singular values below 1e-6·σ_max: rcond=1e-6 agrees
    ref = sk.LinearRegression().fit(X, y)
    truncated = LinearRegression(rcond=getattr(ref, "tol", 1e-6)).fit(X, y)
    assert rel_err(truncated.coef_, ref.coef_) < 1e-8


def test_moderately_ill_conditioned_x_still_matches_sklearn() -> None:
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(500, 4))
    X = np.column_stack([Z, Z[:, 0] + 1e-4 * rng.normal(size=500)])  # cond(X) ≈ 2e4
    y = X @ [1.0, 2.0, 3.0, 4.0, 5.0] + rng.normal(size=500)
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert rel_err(ours.coef_, ref.coef_) < 1e-8


def test_fewer_samples_than_features_interpolates_with_minimum_norm() -> None:
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 20)), rng.normal(size=6)
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    w, b = _min_norm(X, y)
    np.testing.assert_allclose(ours.coef_, w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-12)
    assert ours.score(X, y) == pytest.approx(1.0, abs=1e-12)


def test_single_feature_recovers_the_line() -> None:
    x = np.linspace(-3, 5, 40)[:, None]
    ours = LinearRegression().fit(x, 3.0 * x[:, 0] - 2.0)
    assert ours.coef_ == pytest.approx([3.0], rel=1e-13)
    assert ours.intercept_ == pytest.approx(-2.0, rel=1e-13)
    gd = LinearRegression(solver="gd", lr=0.1, max_iter=2000, tol=None).fit(x, 3 * x[:, 0] - 2)
    assert gd.coef_ == pytest.approx([3.0], rel=1e-8)


def test_tamrin_tensors_are_accepted() -> None:
    X, y = diabetes()
    ours = LinearRegression().fit(tamrin.from_numpy(X), tamrin.from_numpy(y))
    ref = LinearRegression().fit(X, y)
    np.testing.assert_array_equal(ours.coef_, ref.coef_)
    np.testing.assert_array_equal(ours.predict(tamrin.from_numpy(X)), ref.predict(X))


# ---- gradient descent --------------------------------------------------------------------


def test_batch_gd_reaches_the_normal_equation_weights() -> None:
    X, y = diabetes(scaled=True)
    closed = LinearRegression().fit(X, y)
    gd = LinearRegression(solver="gd", lr=1.0 / smoothness(X), max_iter=10_000, tol=None)
    gd.fit(X, y)
    assert np.max(np.abs(gd.coef_ - closed.coef_)) < 1e-6
    assert abs(gd.intercept_ - closed.intercept_) < 1e-6
    assert gd.n_iter_ == 10_000 and len(gd.loss_curve_) == 10_000
    assert np.all(np.diff(gd.loss_curve_) <= 1e-15)  # η < 2/L: the loss never rises


def test_minibatch_and_sgd_curves_have_one_loss_per_step() -> None:
    X, y = diabetes(scaled=True)
    n = len(X)
    mb = LinearRegression(solver="minibatch", batch_size=32, lr=0.05, max_iter=30, tol=None,
                          random_state=0).fit(X, y)
    sgd = LinearRegression(solver="sgd", lr=0.005, max_iter=5, tol=None,
                           random_state=0).fit(X, y)
    assert len(mb.loss_curve_) == 30 * -(-n // 32) and len(mb.epoch_loss_curve_) == 30
    assert len(sgd.loss_curve_) == 5 * n
    best = LinearRegression().fit(X, y)
    optimum = 0.5 * np.mean((y - best.predict(X)) ** 2)
    for model in (mb, sgd):  # constant-step SGD hovers near, not at, the optimum
        loss = 0.5 * np.mean((y - model.predict(X)) ** 2)
        assert optimum <= loss < 1.05 * optimum


def test_sgd_is_reproducible_from_random_state_and_manual_seed() -> None:
    X, y = diabetes(scaled=True)

    def fit(**kw: object) -> np.ndarray:
        return LinearRegression(solver="sgd", lr=0.01, max_iter=2, tol=None, **kw).fit(X, y).coef_

    np.testing.assert_array_equal(fit(random_state=3), fit(random_state=3))
    assert not np.array_equal(fit(random_state=3), fit(random_state=4))
    tamrin.manual_seed(7)
    first = fit()
    tamrin.manual_seed(7)
    np.testing.assert_array_equal(first, fit())


def test_too_large_a_step_diverges_with_a_warning() -> None:
    X, y = diabetes(scaled=True)
    lr = 2.5 / smoothness(X)  # η > 2/L
    with pytest.warns(RuntimeWarning, match="diverged"):
        gd = LinearRegression(solver="gd", lr=lr, max_iter=100_000, tol=None).fit(X, y)
    assert gd.n_iter_ < 100_000 and not gd.converged_
    assert gd.loss_curve_[50] > gd.loss_curve_[0]


def test_tol_stops_early_and_sets_converged() -> None:
    X, y = diabetes(scaled=True)
    gd = LinearRegression(solver="gd", lr=0.1, max_iter=5000, tol=1e-6).fit(X, y)
    assert gd.converged_ and gd.n_iter_ < 5000
    with pytest.warns(UserWarning, match="max_iter=3"):
        LinearRegression(solver="gd", lr=0.1, max_iter=3, tol=1e-6).fit(X, y)


# ---- Ridge and Lasso -------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [1e-3, 0.1, 10.0])
def test_ridge_closed_form_matches_sklearn_with_n_alpha(alpha: float) -> None:
    X, y = diabetes()
    ours = Ridge(alpha=alpha).fit(X, y)
    ref = sk.Ridge(alpha=len(X) * alpha, solver="cholesky").fit(X, y)
    assert rel_err(ours.coef_, ref.coef_) < 1e-8
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-10)


def test_ridge_gd_reaches_the_closed_form_and_sgdregressor_shares_its_alpha() -> None:
    X, y = diabetes(scaled=True)
    alpha = 0.05
    closed = Ridge(alpha=alpha).fit(X, y)
    gd = Ridge(alpha=alpha, solver="gd", lr=1 / (smoothness(X) + alpha), max_iter=5000,
               tol=None).fit(X, y)
    assert np.max(np.abs(gd.coef_ - closed.coef_)) < 1e-6
    ref = sk.SGDRegressor(alpha=alpha, penalty="l2", max_iter=1000, tol=None,
                          learning_rate="invscaling", eta0=0.01, average=True,
                          random_state=0).fit(X, y)
    assert np.max(np.abs(ref.coef_ - closed.coef_)) < 1e-2  # same objective, noisy solver


def test_ridge_never_penalises_the_intercept() -> None:
    X, y = diabetes()
    huge = Ridge(alpha=1e9).fit(X, y)
    assert np.max(np.abs(huge.coef_)) < 1e-4
    assert huge.intercept_ == pytest.approx(y.mean(), rel=1e-6)
    gd = Ridge(alpha=1e3, solver="gd", lr=1e-3, max_iter=20_000, tol=None).fit(X, y)
    assert np.max(np.abs(gd.coef_)) < 1e-2
    assert gd.intercept_ == pytest.approx(y.mean(), rel=1e-6)


@pytest.mark.parametrize("alpha", [0.01, 0.1])
def test_lasso_matches_sklearn_with_exact_zeros(alpha: float) -> None:
    X, y = diabetes(scaled=True)
    ours = Lasso(alpha=alpha, lr=1 / smoothness(X), max_iter=10_000, tol=None).fit(X, y)
    ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    assert np.max(np.abs(ours.coef_ - ref.coef_)) < 1e-6
    np.testing.assert_array_equal(ours.coef_ == 0.0, ref.coef_ == 0.0)
    assert 0 < np.sum(ours.coef_ == 0.0) < X.shape[1]  # some weights exactly zero, not all
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-9)


def test_only_the_proximal_l1_step_gives_exact_zeros() -> None:
    X, y = diabetes(scaled=True)
    ridge = Ridge(alpha=0.1).fit(X, y)
    lasso = Lasso(alpha=0.1, lr=0.2, max_iter=3000, tol=None).fit(X, y)
    assert np.sum(ridge.coef_ == 0.0) == 0
    assert np.sum(lasso.coef_ == 0.0) >= 3
    loss = lasso.epoch_loss_curve_  # includes α‖w‖₁: the Lasso objective, non-increasing
    assert np.all(np.diff(loss) <= 1e-12)


def test_gd_that_diverges_is_not_reported_as_converged():
    import warnings

    from tamrin.models.classical import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LinearRegression(solver="gd", lr=5.0, max_iter=200).fit(X, y)
    assert not model.converged_
    assert any("diverged" in str(w.message) for w in caught)
