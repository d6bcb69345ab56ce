"""Least squares in closed form: the normal equation, solved stably (never an inverse).

    minimise (1/2n)‖y − Xw‖² + (α/2)‖w‖²   ⇔   (XᵀX + nαI) w = Xᵀy

1. G = XᵀX + nαI and c = Xᵀy                              O(n·d²) — the dominant cost
2. Cholesky G = LLᵀ                                       O(d³/3)
3. w = L⁻ᵀ(L⁻¹c) by blocked forward/back substitution     O(d²)
4. one step of iterative refinement with the residual taken in X-space,
   r = Xᵀ(y − Xw) − nαw, δ = G⁻¹r, w ← w + δ              O(n·d)
   (Björck's "corrected semi-normal equations": it recovers the accuracy a QR solve would
   have whenever cond(X)² is well below 1/ε.)

Total O(n·d² + d³). If G is not numerically positive definite (Cholesky fails, or the
refinement step is not small: X is rank-deficient or too ill-conditioned for the normal
equation: the refinement is a good proxy for cond(X)² ≳ 10⁻⁶/ε, i.e. cond(X) ≳ 7·10⁴), or if
n ≤ d, the SVD-based ``np.linalg.lstsq`` is used instead: it returns the minimum-norm
solution, as scikit-learn's (scipy ``gelsd``) does. Singular values below rcond·σ_max count
as zero; NumPy's default rcond is ε·max(n, d), while scikit-learn ≥ 1.9 uses its ``tol=1e-6``
as the cut-off — pass ``rcond=1e-6`` to reproduce it on nearly collinear X. With an
intercept, X and y are centred first so the intercept is not penalised: b = ȳ − x̄ᵀw.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 128
# refinement larger than this (relative to w) means the normal equation lost too many digits
_REFINE_RTOL = 1e-6


def solve_triangular(T: np.ndarray, B: np.ndarray, lower: bool) -> np.ndarray:
    """Solve T·Z = B for a triangular T (d, d) by block substitution: O(d²·k) work, one
    small dense solve per diagonal block of size 128 and one GEMV/GEMM per block row."""
    d = T.shape[0]
    Z = np.empty(B.shape, dtype=np.result_type(T, B))
    starts = range(0, d, _BLOCK) if lower else reversed(range(0, d, _BLOCK))
    for s in starts:
        e = min(s + _BLOCK, d)
        known = slice(0, s) if lower else slice(e, d)
        rhs = B[s:e] - T[s:e, known] @ Z[known]
        Z[s:e] = np.linalg.solve(T[s:e, s:e], rhs)
    return Z


def cholesky_solve(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Solve (LLᵀ)·Z = B with two triangular solves."""
    return solve_triangular(L.T, solve_triangular(L, B, lower=True), lower=False)


def _normal_residual(X: np.ndarray, Y: np.ndarray, W: np.ndarray, ridge: float) -> np.ndarray:
    """Xᵀ(Y − XW) − ridge·W, computed in X-space (more accurate than c − GW)."""
    return X.T @ (Y - X @ W) - ridge * W


def _cholesky_path(X: np.ndarray, Y: np.ndarray, ridge: float) -> np.ndarray | None:
    """The normal-equation solution, or None when the Gram matrix is not safely PD."""
    G = X.T @ X
    G.flat[:: G.shape[0] + 1] += ridge
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        return None
    W = cholesky_solve(L, X.T @ Y)
    delta = cholesky_solve(L, _normal_residual(X, Y, W, ridge))
    W += delta
    if not (np.all(np.isfinite(W)) and
            np.linalg.norm(delta) <= _REFINE_RTOL * np.linalg.norm(W)):
        return None
    return W


def _lstsq_path(X: np.ndarray, Y: np.ndarray, ridge: float,
                rcond: float | None) -> np.ndarray:
    """Minimum-norm least squares by SVD, singular values below rcond·σ_max treated as 0;
    a ridge term is added as √ridge·I extra rows."""
    if ridge > 0.0:
        d = X.shape[1]
        X = np.vstack([X, np.sqrt(ridge) * np.eye(d)])
        Y = np.vstack([Y, np.zeros((d, Y.shape[1]))])
    return np.linalg.lstsq(X, Y, rcond=rcond)[0]


def center(X: np.ndarray, Y: np.ndarray,
           fit_intercept: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X − x̄, Y − ȳ, x̄, ȳ); no centring (zero means) without an intercept."""
    if not fit_intercept:
        return X, Y, np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    return X - x_mean, Y - y_mean, x_mean, y_mean


def solve_least_squares(X: np.ndarray, Y: np.ndarray, fit_intercept: bool = True,
                        alpha: float = 0.0,
                        rcond: float | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """argmin over W, b of (1/2n)‖Y − XW − b‖² + (α/2)‖W‖² for X (n, d), Y (n, k).

    ``rcond`` is the relative singular-value cut-off of the lstsq fall-back (None: NumPy's
    ε·max(n, d)). Returns W (d, k), b (k,) and which path solved it: 'cholesky' or 'lstsq'."""
    Xc, Yc, x_mean, y_mean = center(X, Y, fit_intercept)
    n_eff = Xc.shape[0] - int(fit_intercept)
    ridge = Xc.shape[0] * alpha
    W = _cholesky_path(Xc, Yc, ridge) if n_eff >= Xc.shape[1] or ridge > 0 else None
    path = "cholesky"
    if W is None:
        W, path = _lstsq_path(Xc, Yc, ridge, rcond), "lstsq"
    return W, y_mean - x_mean @ W, path
