"""Input validation of the classical models: every error names the estimator, the shapes and
what was expected; the scikit-learn parameter API (get_params/set_params/repr)."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.models.classical import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    NotFittedError,
    Perceptron,
    Ridge,
    SoftmaxRegression,
    check_array,
)

ALL = [LinearRegression, Ridge, Lasso, LogisticRegression, SoftmaxRegression, Perceptron]
X = np.arange(12.0).reshape(6, 2) / 10
Y_CLASS = np.array([0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize("cls", ALL)
def test_one_dimensional_x_is_rejected_with_a_reshape_hint(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.fit: expected a 2-D X .*got 1-D "
                                         r"with shape \(6,\).*reshape"):
        cls().fit(np.arange(6.0), Y_CLASS)


@pytest.mark.parametrize("cls", ALL)
def test_length_mismatch_names_both_shapes(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.fit: X has 6 rows \(shape "
                                         r"\(6, 2\)\) but y has 5"):
        cls().fit(X, Y_CLASS[:5])


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_is_rejected(cls: type, bad: float) -> None:
    Xb = X.copy()
    Xb[2, 1] = bad
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.fit: X of shape \(6, 2\) contains "
                                         r"\d NaN and \d infinite"):
        cls().fit(Xb, Y_CLASS)


def test_huge_but_finite_x_is_accepted() -> None:
    big = np.full((4, 1), 1e308)  # its sum overflows, its entries do not
    np.testing.assert_array_equal(check_array(big, "LinearRegression"), big)


def test_non_finite_y_is_rejected_for_regression() -> None:
    with pytest.raises(ValueError, match=r"LinearRegression\.fit: y of shape \(6,\) contains 1 "
                                         r"NaN"):
        LinearRegression().fit(X, [0, 1, np.nan, 3, 4, 5])


@pytest.mark.parametrize("cls", ALL)
def test_predict_before_fit_raises_not_fitted(cls: type) -> None:
    with pytest.raises(NotFittedError, match=rf"This {cls.__name__} instance is not fitted"):
        cls().predict(X)
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


@pytest.mark.filterwarnings("ignore::tamrin.models.classical.ConvergenceWarning")
@pytest.mark.parametrize("cls", ALL)
def test_wrong_number_of_features_at_predict(cls: type) -> None:
    model = cls(max_iter=5).fit(X, Y_CLASS)
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.predict: X has 3 features "
                                         r"\(shape \(2, 3\)\) but .* fitted with 2"):
        model.predict(np.ones((2, 3)))
    if hasattr(model, "decision_function"):
        with pytest.raises(ValueError, match=rf"{cls.__name__}\.decision_function: X has 3"):
            model.decision_function(np.ones((2, 3)))


@pytest.mark.parametrize("cls", [LinearRegression, Ridge, Lasso, LogisticRegression])
def test_unknown_solver_is_named(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}: unknown solver='lbfgs'; expected "
                                         r"one of .*'gd', 'sgd', 'minibatch'"):
        cls(solver="lbfgs").fit(X, Y_CLASS)


def test_lasso_has_no_closed_form() -> None:
    with pytest.raises(ValueError, match=r"Lasso: unknown solver='normal'"):
        Lasso(solver="normal").fit(X, Y_CLASS)


@pytest.mark.parametrize("cls", [Ridge, Lasso, LogisticRegression])
def test_negative_alpha_is_rejected(cls: type) -> None:
    with pytest.raises(ValueError, match=r"alpha must be >= 0, got -1"):
        cls(alpha=-1, solver="gd").fit(X, Y_CLASS)


def test_classifier_label_checks() -> None:
    with pytest.raises(ValueError, match=r"Perceptron\.fit: y holds 3 classes \[0, 1, 2\]; the "
                                         r"perceptron is a binary classifier"):
        Perceptron().fit(X, [0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=r"LogisticRegression\.fit: y holds a single class"):
        LogisticRegression().fit(X, np.zeros(6))
    with pytest.raises(ValueError, match=r"continuous values.*use a regressor"):
        LogisticRegression().fit(X, np.linspace(0, 1, 6))


def test_bad_random_state_is_rejected() -> None:
    with pytest.raises(ValueError, match="random_state must be None, an int"):
        LinearRegression(solver="sgd", random_state="seed").fit(X, Y_CLASS)


def test_get_params_set_params_and_repr() -> None:
    model = Ridge(alpha=0.5, solver="gd")
    params = model.get_params()
    assert params["alpha"] == 0.5 and params["solver"] == "gd" and "random_state" in params
    assert repr(model) == "Ridge(alpha=0.5, solver='gd')"
    assert model.set_params(alpha=2.0) is model and model.alpha == 2.0
    with pytest.raises(ValueError, match="unknown parameter 'C'"):
        model.set_params(C=1.0)
    clone = type(model)(**model.get_params())
    assert clone.get_params() == model.get_params()


GD_MODELS = [(LinearRegression, {"solver": "gd"}), (Ridge, {"solver": "sgd"}), (Lasso, {}),
             (LogisticRegression, {}), (SoftmaxRegression, {}), (Perceptron, {})]


@pytest.mark.parametrize("cls,kwargs", GD_MODELS)
@pytest.mark.parametrize("param,value", [("lr", 0.0), ("lr", -0.1), ("lr", np.nan),
                                         ("max_iter", 0)])
def test_bad_gradient_descent_settings_are_named(cls: type, kwargs: dict, param: str,
                                                 value: float) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}: {param} must be"):
        cls(**kwargs, **{param: value}).fit(X, Y_CLASS)


@pytest.mark.parametrize("cls", [LinearRegression, Ridge, Lasso, LogisticRegression])
def test_bad_minibatch_size_and_tol_are_named(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}: batch_size must be"):
        cls(solver="minibatch", batch_size=0).fit(X, Y_CLASS)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: tol must be"):
        cls(solver="gd", tol=-1.0).fit(X, Y_CLASS)
