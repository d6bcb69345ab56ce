"""The one gradient-descent loop of the classical models: batch, stochastic and mini-batch.

Each step takes a batch B of the (shuffled) data, evaluates the objective there and moves

    W ← W − η·∂L_B/∂W,    b ← b − η·∂L_B/∂b,    then optionally W ← prox_η(W)

(the proximal map is how Lasso gets exact zeros). ``solver`` only sets the batch size:
'gd' uses all n samples (one step per epoch), 'sgd' one sample, 'minibatch' ``batch_size``.
An epoch costs O(n·d·k) whatever the batch size, so m epochs cost O(m·n·d·k).

Recorded: the loss of every step's batch, measured before its update (``step_losses``:
jagged for SGD, smooth for full-batch GD) and each epoch's mean of them (``epoch_losses``).
Stopping (scikit-learn's SGD rule): after an epoch whose loss is not below the best so far by
more than ``tol`` for ``n_iter_no_change`` epochs in a row; ``tol=None`` runs ``max_iter``
epochs. ``target_loss`` stops as soon as an epoch's loss reaches it (the perceptron stops at
an epoch with no mistakes). A loss that turns NaN/inf stops the run with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tamrin.models.classical._objectives import Objective
from tamrin.models.classical._validation import ConvergenceWarning

SOLVERS = ("gd", "sgd", "minibatch")

Prox = Callable[[np.ndarray, float], np.ndarray]


@dataclass
class GDResult:
    W: np.ndarray
    b: np.ndarray
    n_iter: int  # epochs run
    converged: bool
    step_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)


@dataclass
class GDConfig:
    """How to run the loop (the estimators' constructor parameters, collected)."""

    solver: str = "gd"
    lr: float = 0.01
    max_iter: int = 1000
    batch_size: int = 32
    tol: float | None = 1e-4
    n_iter_no_change: int = 5
    shuffle: bool = True
    fit_intercept: bool = True
    target_loss: float | None = None

    def batch_length(self, n: int) -> int:
        return {"gd": n, "sgd": 1, "minibatch": min(self.batch_size, n)}[self.solver]


class _Stopper:
    """scikit-learn's rule: stop after ``patience`` epochs without a ``tol`` improvement."""

    def __init__(self, tol: float | None, patience: int, target: float | None) -> None:
        self.tol, self.patience, self.target = tol, patience, target
        self.best, self.stalled = np.inf, 0

    def done(self, loss: float) -> bool:
        if self.target is not None and loss <= self.target:
            return True
        if self.tol is None:
            return False
        self.stalled = self.stalled + 1 if loss > self.best - self.tol else 0
        self.best = min(self.best, loss)
        return self.stalled >= self.patience


def _diverging(epoch_losses: list[float], name: str, lr: float) -> bool:
    """True (with a warning) when the run stopped with a loss above its first epoch's.

    The stalling rule also fires on a loss that keeps growing; that is divergence, not
    convergence (on a quadratic with curvature L, GD needs lr < 2/L).
    """
    if len(epoch_losses) < 2 or epoch_losses[-1] <= epoch_losses[0]:
        return False
    warnings.warn(f"{name}: gradient descent diverged: the loss rose from "
                  f"{epoch_losses[0]:.6g} to {epoch_losses[-1]:.6g}; lr={lr} is too large "
                  "for this data (on a quadratic with curvature L, GD needs lr < 2/L)",
                  RuntimeWarning, stacklevel=4)
    return True


def check_config(cfg: GDConfig, name: str) -> None:
    """Reject hyper-parameters the loop cannot run with, naming the estimator."""
    checks = (("lr", cfg.lr, cfg.lr > 0 and np.isfinite(cfg.lr), "a positive number"),
              ("max_iter", cfg.max_iter, int(cfg.max_iter) >= 1, "a positive integer"),
              ("batch_size", cfg.batch_size, cfg.solver != "minibatch"
               or int(cfg.batch_size) >= 1, "a positive integer"),
              ("n_iter_no_change", cfg.n_iter_no_change, int(cfg.n_iter_no_change) >= 1,
               "a positive integer"),
              ("tol", cfg.tol, cfg.tol is None or cfg.tol >= 0, "None or >= 0"))
    for param, value, ok, expected in checks:
        if not ok:
            raise ValueError(f"{name}: {param} must be {expected}, got {value!r}")


def _epoch_order(n: int, cfg: GDConfig, rng: np.random.Generator) -> np.ndarray | None:
    """A fresh permutation when shuffling helps (not for full-batch GD), else None."""
    return rng.permutation(n) if cfg.shuffle and cfg.solver != "gd" else None


def run_gradient_descent(objective: Objective, W: np.ndarray, b: np.ndarray, X: np.ndarray,
                         Y: np.ndarray, cfg: GDConfig, rng: np.random.Generator,
                         prox: Prox | None = None, name: str = "model") -> GDResult:
    """Minimise ``objective`` from (W, b) (copied, not modified) following ``cfg``."""
    check_config(cfg, name)
    W, b = W.astype(np.float64, copy=True), b.astype(np.float64, copy=True)
    n, size = X.shape[0], cfg.batch_length(X.shape[0])
    result = GDResult(W, b, 0, False)
    stopper = _Stopper(cfg.tol, cfg.n_iter_no_change, cfg.target_loss)
    for epoch in range(1, cfg.max_iter + 1):
        order = _epoch_order(n, cfg, rng)
        Xe, Ye = (X, Y) if order is None else (X[order], Y[order])
        total = 0.0
        for start in range(0, n, size):
            Xb, Yb = Xe[start:start + size], Ye[start:start + size]
            with np.errstate(over="ignore", invalid="ignore"):
                loss, gW, gb = objective(W, b, Xb, Yb)
            result.step_losses.append(loss)
            total += loss * Xb.shape[0]
            W -= cfg.lr * gW
            if cfg.fit_intercept:
                b -= cfg.lr * gb
            if prox is not None:
                W[...] = prox(W, cfg.lr)
        result.n_iter = epoch
        result.epoch_losses.append(total / n)
        if not np.isfinite(total):
            warnings.warn(f"{name}: gradient descent diverged in epoch {epoch} (loss "
                          f"{total / n}); lr={cfg.lr} is too large for this data (on a "
                          f"quadratic with curvature L, GD needs lr < 2/L)",
                          RuntimeWarning, stacklevel=3)
            return result
        if stopper.done(total / n):
            result.converged = not _diverging(result.epoch_losses, name, cfg.lr)
            return result
    if cfg.tol is not None or cfg.target_loss is not None:
        warnings.warn(f"{name}: gradient descent stopped at max_iter={cfg.max_iter} epochs "
                      f"before its stopping rule was met (last epoch loss {total / n:.6g})",
                      ConvergenceWarning, stacklevel=3)
    return result
