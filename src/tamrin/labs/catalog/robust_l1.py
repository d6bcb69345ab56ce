"""Claim 4: a line fitted with the L1 loss shrugs off a few gross outliers; the L2 (MSE) fit
is dragged towards them.

Many small data sets y = 2x + 1 + noise, some with k targets replaced by gross errors, fitted
together (each line has its own slope and intercept; the losses add, so the fits do not
interact) with ``F.l1_loss`` and ``F.mse_loss`` by Adam from ``tamrin.optim``. The trained
lines are checked against the exact minimisers: least squares in closed form and the
least-absolute-deviation line by linear programming.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import QuantileRegressor

from tamrin import optim
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch
from tamrin.nn import functional as F

SLOPE, INTERCEPT, NOISE = 2.0, 1.0, 0.5
OUTLIER = 30.0  # a gross error: the target reads 30 too high (the clean ys span ~20)
N = 50
OUTLIERS = (0, 1, 2, 3, 5, 8)
HEADLINE = 5  # 10 % of the points
L1_ERROR = 0.05 * SLOPE  # the L1 slope may be off by 5 % of the true slope
RATIO = 5.0  # ... and the L2 slope must be off by at least 5 times as much
OPTIMUM = 1e-3  # the trained lines' losses may exceed the exact minima by this (relative)


def _data(repeats: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray,
                                                            np.ndarray]:
    """x, y (one row per data set: every outlier count × ``repeats``) and the outlier mask."""
    rows = len(OUTLIERS) * repeats
    x = rng.uniform(0, 10, (rows, N))
    y = SLOPE * x + INTERCEPT + rng.normal(0, NOISE, (rows, N))
    mask = np.zeros((rows, N), dtype=bool)
    for row, k in enumerate(np.repeat(OUTLIERS, repeats)):
        mask[row, rng.choice(N, k, replace=False)] = True
    return x, np.where(mask, y + OUTLIER, y), mask


def _fit(loss_fn, x: np.ndarray, y: np.ndarray, steps: int) -> np.ndarray:
    """Slopes and intercepts (rows × 2) of lines fitted to every row by Adam on ``loss_fn``,
    the learning rate annealed to 0 by a cosine schedule. The line is a·(x − x̄) + c (x
    centred per row, so slope and intercept do not fight each other); b = c − a·x̄."""
    centre = x.mean(axis=1, keepdims=True)
    a, c = leaf(np.zeros((len(x), 1))), leaf(np.zeros((len(x), 1)))
    X, Y = as_tensor(x - centre), as_tensor(y)
    opt = optim.Adam([a, c], lr=0.1)
    schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    full_batch(lambda: loss_fn(a * X + c, Y), opt, steps, schedule)
    return np.hstack([a.numpy(), c.numpy() - a.numpy() * centre])


def _exact(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact least-absolute-deviation and least-squares lines of every row."""
    l2 = np.array([np.polyfit(xi, yi, 1) for xi, yi in zip(x, y)])
    lad = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs")
    l1 = np.array([[(m := lad.fit(xi[:, None], yi)).coef_[0], m.intercept_]
                   for xi, yi in zip(x, y)])
    return l1, l2


def _loss(lines: np.ndarray, x: np.ndarray, y: np.ndarray, penalty) -> np.ndarray:
    """Each row's mean penalty(residual) for its line (slope, intercept)."""
    return penalty(lines[:, :1] * x + lines[:, 1:] - y).mean(axis=1)


def _plot(x, y, mask, lines: dict[str, np.ndarray], errors: dict[str, np.ndarray],
          out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    ax = axes[0]
    ax.scatter(x[~mask], y[~mask], s=12, color="tab:gray", label="data")
    ax.scatter(x[mask], y[mask], s=30, marker="x", color="tab:red", label="outliers")
    grid = np.array([0.0, 10.0])
    ax.plot(grid, SLOPE * grid + INTERCEPT, "k:", label=f"true line (slope {SLOPE:g})")
    for (name, (a, b)), colour in zip(lines.items(), ("tab:blue", "tab:orange")):
        ax.plot(grid, a * grid + b, color=colour, label=f"{name}: slope {a:.2f}")
    ax.set(xlabel="x", ylabel="y", title=f"one data set with {HEADLINE} outliers of {N}")
    ax.legend(fontsize=8)
    for (name, e), colour in zip(errors.items(), ("tab:blue", "tab:orange")):
        axes[1].plot(OUTLIERS, e, "o-", color=colour, label=name)
    axes[1].set(xlabel=f"gross outliers among {N} points",
                ylabel="mean |fitted slope − true slope|", title="slope error")
    axes[1].legend()
    return figures.save(fig, out_dir, "fits",
                        "Left: L1 and L2 line fits to one data set with outliers. Right: the "
                        "mean slope error over all data sets against the number of outliers.")


@register("robust-l1", "L1 loss is robust to outliers",
          "A line fitted with the L1 loss ignores a few gross outliers; the L2 fit is dragged "
          "away.", (4,), ("tamrin.nn.functional:l1_loss", "tamrin.optim:Adam"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    repeats, steps = (10, 800) if quick else (100, 2000)
    x, y, mask = _data(repeats, rng)
    fits = {"L1 (F.l1_loss)": _fit(F.l1_loss, x, y, steps),
            "L2 (F.mse_loss)": _fit(F.mse_loss, x, y, steps)}
    exact = dict(zip(fits, _exact(x, y)))
    losses = {"L1 (F.l1_loss)": np.abs, "L2 (F.mse_loss)": np.square}
    off_optimum = {name: float(np.max(_loss(f, x, y, losses[name])
                                      / _loss(exact[name], x, y, losses[name]) - 1))
                   for name, f in fits.items()}
    errors = {name: np.abs(f[:, 0] - SLOPE).reshape(len(OUTLIERS), repeats).mean(axis=1)
              for name, f in fits.items()}
    l1, l2 = (float(errors[name][OUTLIERS.index(HEADLINE)]) for name in fits)
    ok = l1 < L1_ERROR and l2 > RATIO * l1 and max(off_optimum.values()) < OPTIMUM
    shown = OUTLIERS.index(HEADLINE) * repeats
    return Result(
        lab="robust-l1", verdict=verdict(ok),
        criterion=f"with {HEADLINE} gross outliers among {N} points (mean over {repeats} data "
                  f"sets), the L1 slope is off by less than {L1_ERROR:g} ({L1_ERROR / SLOPE:.0%} "
                  f"of the true slope) and the L2 slope by more than {RATIO:g} times as much; "
                  f"and every trained line's loss is within {OPTIMUM:g} (relative) of the exact "
                  "minimum (L1: linear programming, L2: closed form)",
        measurements={f"L1 mean slope error, {HEADLINE} outliers": l1,
                      f"L2 mean slope error, {HEADLINE} outliers": l2,
                      "L2 / L1 slope error": l2 / l1,
                      "largest relative excess of the trained L1 loss over the LP minimum":
                          off_optimum["L1 (F.l1_loss)"],
                      "largest relative excess of the trained L2 loss over least squares":
                          off_optimum["L2 (F.mse_loss)"],
                      "data sets per outlier count": repeats, "Adam steps": steps},
        tables=[Table(f"Mean |slope − {SLOPE:g}| over {repeats} data sets of {N} points",
                      ["outliers", "L1 loss", "L2 loss", "L2 / L1"],
                      [[k, float(e1), float(e2), float(e2 / e1)]
                       for k, e1, e2 in zip(OUTLIERS, *errors.values())])],
        figures=[_plot(x[shown], y[shown], mask[shown],
                       {name: f[shown] for name, f in fits.items()}, errors, out_dir)],
        explanation="The L2 loss grows with the square of a residual, so a point 30 units off "
                    "pulls on the line with a gradient proportional to 30 — as much as 30 "
                    "ordinary points one unit off — and the least-squares line tilts towards "
                    "the outliers; its slope error grows with their number. The L1 loss grows "
                    "linearly: every point pulls with the same force ±1 however far it is, so "
                    "the fitted line is a median line that only needs most points on each side "
                    "to balance, and a few gross errors barely move it. Without outliers both "
                    "fits are equally good (L2 slightly better: it is the efficient estimator "
                    "for Gaussian noise).",
    )
