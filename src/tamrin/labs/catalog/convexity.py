"""Claim 2: linear regression's loss is convex, so gradient descent from any start reaches the
same weights; a small MLP's loss is not, and different seeds end at different parameters.

Both models are trained on the diabetes data with ``tamrin.optim``. Besides the spread of the
end points, the lab tests convexity directly: a convex loss never rises above the chord
between two points, L((1 − t)a + tb) ≤ (1 − t)L(a) + tL(b).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

import tamrin
from tamrin import nn, optim
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, standardized
from tamrin.labs.registry import register
from tamrin.labs.training import assign, flat, full_batch
from tamrin.models import MLP
from tamrin.models.classical import LinearRegression

START_STD = 3.0  # linear regression starts from w ~ N(0, 3²): far apart
SAME = 1e-6  # relative spread of end points that counts as "the same weights"
DIFFERENT = 0.5  # relative spread of MLP end points that counts as "different"
BUMP = 0.05  # a rise above the chord of 5 % of the end-point loss counts as non-convex
ROUNDING = 1e-9  # a rise above the chord this small (relative) is rounding error
TS = np.linspace(0, 1, 21)


def _linear(x: tamrin.Tensor, y: tamrin.Tensor, steps: int,
            begins: list[np.ndarray]) -> tuple[nn.Module, np.ndarray]:
    """Linear regression (a Linear layer on MSE) from a random start, heavy-ball GD; the
    start point is appended to ``begins``."""
    model = nn.Linear(x.shape[1], 1).double()
    nn.init.normal_(model.weight, std=START_STD)
    nn.init.normal_(model.bias, std=START_STD)
    begins.append(flat(list(model.parameters())))
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    return model, full_batch(lambda: nn.functional.mse_loss(model(x), y), opt, steps)


def _mlp(x: tamrin.Tensor, y: tamrin.Tensor, steps: int,
         begins: list[np.ndarray]) -> tuple[nn.Module, np.ndarray]:
    """A 10-32-32-1 tanh MLP from its default random init, full-batch Adam on MSE; the start
    point is appended to ``begins``."""
    model = MLP(x.shape[1], [32, 32], 1, activation="tanh").double()
    begins.append(flat(list(model.parameters())))
    opt = optim.Adam(model.parameters(), lr=0.01)
    return model, full_batch(lambda: nn.functional.mse_loss(model(x), y), opt, steps)


def _spread(ends: np.ndarray) -> float:
    """Largest distance of an end point from their mean, relative to the mean's norm."""
    centre = ends.mean(axis=0)
    return float(np.linalg.norm(ends - centre, axis=1).max() / np.linalg.norm(centre))


def _chord_gaps(model: nn.Module, a: np.ndarray, b: np.ndarray, x, y) -> np.ndarray:
    """L((1 − t)a + tb) − [(1 − t)L(a) + tL(b)] along the segment from a to b."""
    params = list(model.parameters())
    with tamrin.no_grad():
        losses = []
        for t in TS:
            assign(params, (1 - t) * a + t * b)
            losses.append(nn.functional.mse_loss(model(x), y).item())
    losses = np.array(losses)
    return losses - ((1 - TS) * losses[0] + TS * losses[-1])


def _train_all(make, x, y, starts: int, steps: int, seed: int):
    """Train ``starts`` models (seeded seed·1000 + k): their start and end points (rows),
    training curves, and the last model (to evaluate the loss at other parameters)."""
    begins, ends, curves = [], [], []
    for k in range(starts):
        tamrin.manual_seed(seed * 1000 + k)
        model, curve = make(x, y, steps, begins)
        ends.append(flat(list(model.parameters())))
        curves.append(curve)
    return np.array(begins), np.array(ends), np.array(curves), model


def _worst_bump(model, points: np.ndarray, x, y) -> tuple[float, np.ndarray]:
    """The largest rise above the chord over the segments between consecutive points, and
    the gaps along the worst segment."""
    gaps = [_chord_gaps(model, a, b, x, y) for a, b in zip(points[:-1], points[1:])]
    worst = max(gaps, key=np.max)
    return float(worst.max()), worst


def _plot(curves: dict[str, np.ndarray], gaps: dict[str, np.ndarray], out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    for (name, c), color in zip(curves.items(), ("tab:blue", "tab:orange")):
        for k, curve in enumerate(c):
            axes[0].semilogy(curve, color=color, alpha=0.6, lw=1,
                             label=name if k == 0 else None)
    axes[0].set(xlabel="full-batch step", ylabel="training MSE (log)",
                title="every start / seed")
    axes[0].legend()
    for name, g in gaps.items():
        axes[1].plot(TS, g, "o-", ms=3, label=name)
    axes[1].axhline(0, color="k", lw=0.8, ls=":", label="chord (convex ⇒ never above)")
    axes[1].set(xlabel="t along the segment from one end point to another",
                ylabel="L(segment) − chord", title="convexity test")
    axes[1].legend()
    return figures.save(fig, out_dir, "convexity",
                        "Left: training curves from every start. Right: the loss along the "
                        "straight segment between two trained models minus the chord; a convex "
                        "loss stays at or below 0.")


@register("convexity", "Convex linear regression vs a non-convex MLP",
          "Gradient descent on linear regression reaches the same weights from any start; a small "
          "MLP ends at different parameters and losses for different seeds.", (2,),
          ("tamrin.models.classical:LinearRegression", "tamrin.models:MLP", "tamrin.optim:Adam"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    data = load_diabetes()
    xs, ys = standardized(data.data), standardized(data.target[:, None])
    x, y = as_tensor(xs), as_tensor(ys)
    starts, steps, mlp_steps = (6, 500, 300) if quick else (20, 1000, 3000)
    lin_starts, lin_ends, lin_curves, lin_model = _train_all(_linear, x, y, starts, steps, seed)
    mlp_starts, mlp_ends, mlp_curves, mlp_model = _train_all(_mlp, x, y, starts, mlp_steps,
                                                             seed)
    closed = LinearRegression().fit(xs, ys[:, 0])
    closed_w = np.r_[closed.coef_, closed.intercept_]
    lin_gap = float(np.abs(lin_ends - closed_w).max() / np.linalg.norm(closed_w))
    runs = {"linear": (lin_model, lin_starts, lin_ends, lin_curves[:, -1]),
            "MLP": (mlp_model, mlp_starts, mlp_ends, mlp_curves[:, -1])}
    spreads, bumps, worst = {}, {}, {}
    for name, (model, begins, ends, losses) in runs.items():
        spreads[name] = _spread(ends)
        for where, points in (("start", begins), ("end", ends)):
            bump, worst[name, where] = _worst_bump(model, points, x, y)
            bumps[name, where] = float(bump / losses.mean())
    ok = (spreads["linear"] < SAME and lin_gap < SAME
          and max(bumps["linear", "start"], bumps["linear", "end"]) <= ROUNDING
          and spreads["MLP"] > DIFFERENT and bumps["MLP", "end"] > BUMP)
    rows = [[name, starts, spreads[name], float(losses.min()), float(losses.max()),
             float((losses.max() - losses.min()) / losses.mean()), bumps[name, "start"],
             bumps[name, "end"]]
            for name, (_, _, _, losses) in runs.items()]
    return Result(
        lab="convexity", verdict=verdict(ok),
        criterion=f"linear regression: the end points from {starts} random starts lie within "
                  f"{SAME:g} (relative) of their mean and of the normal-equation solution, and "
                  f"the loss never rises above a chord (beyond {ROUNDING:g} rounding); MLP: "
                  f"the end points of {starts} seeds are spread by more than {DIFFERENT} "
                  f"(relative), and on a segment between two of them the loss rises above the "
                  f"chord by more than {BUMP:.0%} of the mean final loss (segments: between "
                  "consecutive start points, and between consecutive end points)",
        measurements={"linear: relative spread of end points": spreads["linear"],
                      "linear: largest distance from the normal equation (relative)": lin_gap,
                      "linear: largest rise above a chord / final loss":
                          max(bumps["linear", "start"], bumps["linear", "end"]),
                      "linear: spread of final losses": float(np.ptp(runs["linear"][3])),
                      "MLP: relative spread of end points": spreads["MLP"],
                      "MLP: largest rise above a chord between end points / final loss":
                          bumps["MLP", "end"],
                      "MLP: spread of final losses": float(np.ptp(runs["MLP"][3])),
                      "linear-regression steps": steps, "MLP steps": mlp_steps},
        tables=[Table("End points over starts (diabetes, standardised, MSE)",
                      ["model", "starts", "relative spread of parameters", "lowest final loss",
                       "highest final loss", "(max − min) / mean loss",
                       "rise above chord, between starts / loss",
                       "rise above chord, between ends / loss"], rows),
                Table("Final training loss of each MLP seed",
                      ["seed", "final MSE"],
                      [[seed * 1000 + k, float(v)] for k, v in enumerate(runs["MLP"][3])])],
        figures=[_plot({"linear regression": lin_curves, "MLP 10-32-32-1": mlp_curves},
                       {"linear regression, between starts": worst["linear", "start"],
                        "MLP, between trained end points": worst["MLP", "end"]}, out_dir)],
        explanation="The mean squared error of a linear model is a convex quadratic in its "
                    "weights: it lies below every chord, has a single minimum (XᵀX is "
                    "positive definite here), and gradient descent from starts far apart "
                    "arrives at that minimum — the normal equation's solution — to rounding. "
                    "The MLP's loss is not convex: the same training from different random "
                    "initialisations ends at parameter vectors far apart, with different final "
                    "losses, and the loss along the straight line between two of them rises "
                    "above the chord — a hill between two valleys, which a convex function "
                    "cannot have. (Part of the spread is symmetry: permuting hidden units "
                    "gives another minimum with the same loss; a convex loss would then be "
                    "minimal on the whole segment between them, and it is not.)",
    )
