"""Classical models: the normal-equation fit against scikit-learn's LinearRegression.

tamrin solves (XᵀX)w = Xᵀy by Cholesky on the Gram matrix (O(n·d²) for XᵀX, O(d³) for the
factorisation); scikit-learn calls scipy's SVD-based ``lstsq`` (gelsd) on the centred X, whose
QR and bidiagonalisation cost a larger multiple of n·d². Both include input validation,
centring for the intercept and the copy of X that centring needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.workloads.spec import Workload

N, D = 100_000, 200


def _data(n: int = N, d: int = D, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=n) + 3.0
    return X, y


def build_normal_equation(framework: str) -> Callable[[], object]:
    X, y = _data()
    if framework == "tamrin":
        from tamrin.models.classical import LinearRegression

        model = LinearRegression(solver="normal")
    elif framework == "sklearn":
        from sklearn.linear_model import LinearRegression as SkLinearRegression

        model = SkLinearRegression()
    else:
        raise ValueError(f"classical-normal-equation: unknown framework {framework!r}")
    return lambda: model.fit(X, y)


WORKLOADS = {
    "classical-normal-equation": Workload(
        title=f"LinearRegression normal-equation fit, n={N:,}, d={D}, float64",
        frameworks=("tamrin", "sklearn"),
        baseline="sklearn",
        unit="time",
        target="tamrin <= 1.2x sklearn time",
        build=build_normal_equation,
        repeats=7,
        warmup=1,
    ),
}
