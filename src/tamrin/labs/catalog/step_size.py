"""Claim 3: gradient descent on a quadratic falls monotonically for η < 2/L, diverges above.

The quadratic is real: least squares on the diabetes data, L(w) = (1/2n)‖Xw − y‖², whose
Hessian XᵀX/n has largest eigenvalue L. Gradients come from the library's autograd.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, leaf, standardized
from tamrin.labs.registry import register

FRACTIONS = (0.5, 1.0, 1.9, 2.1, 2.5)  # η as a multiple of 1/L
DIVERGED = 1e12  # a loss this many times its start counts as diverged


def _gd_losses(x: np.ndarray, y: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """The loss before each of ``steps`` GD steps from w = 0 (fewer if it diverges)."""
    X, Y = as_tensor(x), as_tensor(y)
    w = leaf(np.zeros(x.shape[1]))
    losses = []
    for _ in range(steps + 1):
        loss = ((X @ w - Y) ** 2).mean() / 2
        losses.append(loss.item())
        if losses[-1] > DIVERGED * losses[0]:
            break  # diverged: stop before the numbers overflow
        w.grad = None
        loss.backward()
        w.data -= lr * w.grad.data
    return np.array(losses)


@register("step-size", "Gradient-descent step size: 2/L is the edge",
          "On a quadratic whose largest curvature is L, gradient descent with step η < 2/L "
          "lowers the loss at every step, while η > 2/L makes it grow without bound — so "
          "'the training loss always falls each epoch' is false in general.", (3,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    data = load_diabetes()
    x, y = standardized(data.data), standardized(data.target[:, None])[:, 0]
    hessian = x.T @ x / len(x)
    curvatures = np.linalg.eigvalsh(hessian)
    top, w_star = curvatures[-1], np.linalg.lstsq(x, y, rcond=None)[0]
    best = float(np.mean((x @ w_star - y) ** 2) / 2)
    steps = 150 if quick else 1000
    rows, curves, ok = [], {}, True
    for f in FRACTIONS:
        gap = _gd_losses(x, y, f / top, steps) - best
        curves[f] = gap
        monotone = bool(np.all(np.diff(gap) <= 1e-12 * gap[0]))
        predicted = float(np.max((1 - f * curvatures / top) ** 2))  # slowest mode's rate
        measured = float(gap[-1] / gap[-2]) if gap[-2] > 0 else 0.0
        ok &= (monotone and gap[-1] < gap[0]) if f < 2 else gap[-1] > 1e3 * gap[0]
        rows.append([f"{f}/L", "yes" if monotone else "no", float(gap[-1] / gap[0]), predicted,
                     measured])
    fig, (ax,) = figures.subplots(width=6.5)
    for f, gap in curves.items():
        ax.semilogy(gap, label=f"η = {f}/L")
    ax.set(xlabel="gradient-descent step", ylabel="L(w) − L(w*)  (log scale)",
           title=f"Diabetes least squares, L = {top:.3f}", ylim=(1e-16, None))
    ax.legend()
    slow = rows[FRACTIONS.index(2.1)]
    return Result(
        lab="step-size", verdict=verdict(ok),
        criterion="for every η < 2/L the loss never rises from one step to the next (and ends "
                  "below its start); "
                  "for every η > 2/L it ends above 1e3 times its start",
        measurements={"L (largest eigenvalue of XᵀX/n)": float(top),
                      "2/L": float(2 / top), "steps": steps,
                      "loss growth per step at η = 2.1/L": slow[4]},
        tables=[Table("Loss gap L(w) − L(w*) under each step size",
                      ["η", "falls every step", "final gap / initial gap",
                       "predicted rate max(1 − ηλ)²", "measured last-step rate"], rows)],
        mistakes=[Mistake("the training loss always falls each step (rate ≤ 1)", 1.0,
                          "the loss gap changes by (1 − ηL)² per step along the top curvature",
                          slow[3], slow[4])],
        figures=[figures.save(fig, out_dir, "loss_vs_step",
                              "Loss gap per step for several step sizes, in units of 1/L.")],
        explanation="Along each eigenvector of the Hessian the error is multiplied by (1 − ηλ) "
                    "per step. All factors stay inside (−1, 1) exactly when η < 2/L, so every "
                    "mode shrinks and the loss falls monotonically; just above 2/L the "
                    "top-curvature mode flips sign and grows by |1 − ηL| per step, and the loss "
                    "explodes. The measured late-step growth rate matches (1 − ηL)².",
    )
