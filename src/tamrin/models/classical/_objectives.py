"""The losses the classical models minimise, each with its gradient, on one batch.

An objective maps weights W (d, k), biases b (k,) and a batch X (m, d), Y (m, k) to
``(loss, ∂L/∂W, ∂L/∂b)``. With z = XW + b the three generalised linear models share one
gradient — the course's "prediction minus target":

    squared error   ŷ = z           L = (1/2m) Σ ‖y − ŷ‖²
    logistic        ŷ = σ(z)        L = (1/m) Σ −[y log ŷ + (1 − y) log(1 − ŷ)]
    softmax         ŷ = softmax(z)  L = (1/m) Σ −yᵀ log ŷ
    all three       ∂L/∂z = (ŷ − y)/m,   ∂L/∂W = Xᵀ(ŷ − y)/m,   ∂L/∂b = Σᵢ (ŷᵢ − yᵢ)/m

Computing one gradient costs O(m·d·k): two matrix products of the batch with W.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Objective = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                     tuple[float, np.ndarray, np.ndarray]]


def _linear_gradients(X: np.ndarray, dz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂L/∂W = Xᵀ·dz and ∂L/∂b = Σᵢ dzᵢ for the decision z = XW + b."""
    return X.T @ dz, dz.sum(axis=0)


def squared_error(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                  Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """L = (1/2m) Σ‖y − ŷ‖² with ŷ = XW + b;  ∂L/∂W = (1/m) Xᵀ(ŷ − y)."""
    m = X.shape[0]
    residual = X @ W + b - Y
    loss = 0.5 * float(np.vdot(residual, residual)) / m
    return (loss, *_linear_gradients(X, residual / m))


def log_sigmoid_terms(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """−[y log σ(z) + (1 − y) log(1 − σ(z))] = log(1 + eᶻ) − y·z, without overflow."""
    return np.logaddexp(0.0, z) - y * z


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e⁻ᶻ), evaluated as e^{z − log(1 + eᶻ)} so that no exponent overflows."""
    return np.exp(z - np.logaddexp(0.0, z))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) = z − logsumexp(z), shifted by the row maximum (stable)."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def binary_log_loss(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                    Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Binary cross-entropy of ŷ = σ(XW + b), y ∈ {0, 1};  ∂L/∂z = (ŷ − y)/m."""
    m = X.shape[0]
    z = X @ W + b
    loss = float(log_sigmoid_terms(z, Y).sum()) / m
    return (loss, *_linear_gradients(X, (sigmoid(z) - Y) / m))


def softmax_log_loss(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                     Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Cross-entropy −(1/m) Σ yᵀ log softmax(XW + b), Y one-hot;  ∂L/∂z = (ŷ − y)/m."""
    m = X.shape[0]
    log_p = log_softmax(X @ W + b)
    loss = -float(np.vdot(Y, log_p)) / m
    return (loss, *_linear_gradients(X, (np.exp(log_p) - Y) / m))


def perceptron_criterion(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                         Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Labels y ∈ {−1, +1}. A sample is a mistake when y·z ≤ 0 (z = 0 counts: the classic
    start w = 0 then updates on the first sample). Loss: the fraction of mistakes; step
    direction: −(1/m) Σ_mistakes y·x, so a step of size η on one sample is the classic rule
    w ← w + η·y·x, b ← b + η·y."""
    m = X.shape[0]
    mistakes = (Y * (X @ W + b) <= 0.0).astype(np.float64)
    return (float(mistakes.sum()) / m, *_linear_gradients(X, -(mistakes * Y) / m))


def with_l2(objective: Objective, alpha: float) -> Objective:
    """Add (α/2)‖W‖² to the loss and αW to ∂L/∂W; the bias b is never penalised."""
    if alpha == 0.0:
        return objective

    def penalised(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                  Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        loss, gW, gb = objective(W, b, X, Y)
        return loss + 0.5 * alpha * float(np.vdot(W, W)), gW + alpha * W, gb

    return penalised


def with_l1_value(objective: Objective, alpha: float) -> Objective:
    """Add α‖W‖₁ to the reported loss only: its (non-smooth) part of the step is the
    proximal soft-threshold applied by the loop, not a gradient."""

    def penalised(W: np.ndarray, b: np.ndarray, X: np.ndarray,
                  Y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        loss, gW, gb = objective(W, b, X, Y)
        return loss + alpha * float(np.abs(W).sum()), gW, gb

    return penalised
