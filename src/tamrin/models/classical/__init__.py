"""Classical models with scikit-learn's interface, on NumPy in float64.

``fit(X, y)``, ``predict``, ``predict_proba``, ``decision_function``, ``score``; learned
attributes end in ``_`` (``coef_``, ``intercept_``, ``n_iter_``, ``loss_curve_``).

- ``LinearRegression``: normal equation (Cholesky, lstsq fall-back) or batch/SGD/mini-batch GD
- ``Ridge`` (L2, closed form or GD), ``Lasso`` (L1, proximal gradient: exact zeros)
- ``LogisticRegression`` (binary σ / multinomial softmax), ``SoftmaxRegression``
- ``Perceptron`` (the classic mistake rule)

Penalties use one convention, ``alpha`` next to the *mean* loss (as PyTorch's weight decay);
each class's docstring gives the mapping to scikit-learn's parameters.
"""

from tamrin.models.classical._validation import (
    ConvergenceWarning,
    NotFittedError,
    check_array,
    check_is_fitted,
    check_X_y,
)
from tamrin.models.classical.lasso import Lasso
from tamrin.models.classical.linear_regression import LinearRegression
from tamrin.models.classical.logistic import LogisticRegression, SoftmaxRegression
from tamrin.models.classical.perceptron import Perceptron
from tamrin.models.classical.ridge import Ridge

__all__ = [
    "ConvergenceWarning",
    "Lasso",
    "LinearRegression",
    "LogisticRegression",
    "NotFittedError",
    "Perceptron",
    "Ridge",
    "SoftmaxRegression",
    "check_X_y",
    "check_array",
    "check_is_fitted",
]
