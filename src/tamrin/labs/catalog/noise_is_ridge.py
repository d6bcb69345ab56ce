"""Claim 16: input noise δ ~ N(0, σ²I) in linear regression with the 1/(2n) loss adds, in
expectation, (σ²/2)‖w‖² — a ridge penalty (diabetes data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, leaf, standardized
from tamrin.labs.registry import register

SIGMA = 0.5


def loss(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """L(w) = (1/2n)Σ(y − xᵀw)²."""
    return float(np.mean((y - x @ w) ** 2) / 2)


def noisy_losses(x, y, w, draws: int, rng: np.random.Generator) -> np.ndarray:
    """The loss on noisy inputs x + δ, one value per noise draw."""
    return np.array([loss(x + SIGMA * rng.standard_normal(x.shape), y, w) for _ in range(draws)])


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin L(w) + (λ/2)‖w‖²: (XᵀX/n + λI) w = Xᵀy/n."""
    n, d = x.shape
    return np.linalg.solve(x.T @ x / n + lam * np.eye(d), x.T @ y / n)


def noisy_gd(x, y, steps: int, lr: float, rng: np.random.Generator) -> np.ndarray:
    """GD on L with fresh input noise every step (gradients by autograd); returns the
    average of the second half of the iterates."""
    w = leaf(np.zeros(x.shape[1]))
    Y, tail = as_tensor(y), []
    for step in range(steps):
        noisy = as_tensor(x + SIGMA * rng.standard_normal(x.shape))
        w.grad = None
        (((Y - noisy @ w) ** 2).mean() / 2).backward()
        w.data -= lr * w.grad.data
        if step >= steps // 2:
            tail.append(w.numpy().copy())
    return np.mean(tail, axis=0)


def _plot(norms, excess, se, solutions, out_dir: Path):
    fig, (a, b) = figures.subplots(2, width=5.4)
    grid = np.linspace(0, max(norms) * 1.05, 50)
    a.errorbar(norms, excess, yerr=2 * se, fmt="o", label="Monte Carlo (±2 SE)")
    a.plot(grid, SIGMA ** 2 / 2 * grid, label="(σ²/2)‖w‖²")
    a.plot(grid, SIGMA ** 2 * grid, "--", label="mistaken σ²‖w‖²")
    a.set(xlabel="‖w‖²", ylabel="E[noisy loss] − L(w)", title=f"Input noise σ = {SIGMA}")
    a.legend()
    idx = np.arange(len(next(iter(solutions.values()))))
    for k, (name, w) in enumerate(solutions.items()):
        b.bar(idx + 0.2 * k - 0.3, w, width=0.2, label=name)
    b.set(xlabel="feature", ylabel="weight", title="Where noisy GD ends")
    b.legend(fontsize=8)
    return figures.save(fig, out_dir, "noise_is_ridge", "Left: the extra loss caused by input "
                        "noise against ‖w‖². Right: noisy GD's weights next to the ridge, the "
                        "mistaken ridge and least squares.")


@register("noise-is-ridge", "Input noise is ridge regression",
          "Adding Gaussian noise of variance σ² to the inputs of linear regression with the "
          "loss (1/2n)Σ(y − xᵀw)² adds (σ²/2)‖w‖² to the loss in expectation — with the ½ — so "
          "gradient descent on noisy inputs settles at the ridge solution.", (16,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    data = load_diabetes()
    x, y = standardized(data.data), standardized(data.target[:, None])[:, 0]
    draws = 300 if quick else 3000
    ws = [ridge(x, y, 0.0) * s for s in (0.25, 0.5, 1.0)] + [rng.standard_normal(x.shape[1])]
    samples = [noisy_losses(x, y, w, draws, rng) - loss(x, y, w) for w in ws]
    excess = np.array([s.mean() for s in samples])
    se = np.array([s.std() / np.sqrt(draws) for s in samples])
    norms = np.array([float(w @ w) for w in ws])
    z_right = np.abs(excess - SIGMA ** 2 / 2 * norms) / se
    z_wrong = np.abs(excess - SIGMA ** 2 * norms) / se
    solutions = {"noisy GD": noisy_gd(x, y, 400 if quick else 4000, 0.1, rng),
                 "ridge λ = σ²": ridge(x, y, SIGMA ** 2),
                 "mistaken λ = 2σ²": ridge(x, y, 2 * SIGMA ** 2),
                 "least squares": ridge(x, y, 0.0)}
    dist = {name: float(np.linalg.norm(solutions["noisy GD"] - w))
            for name, w in solutions.items() if name != "noisy GD"}
    ok = (z_right.max() < 4.5 and z_wrong.min() > 10
          and dist["ridge λ = σ²"] < min(dist["mistaken λ = 2σ²"], dist["least squares"]) / 2)
    last = len(ws) - 1
    return Result(
        lab="noise-is-ridge", verdict=verdict(ok),
        criterion="for every tested w the Monte-Carlo extra loss is within 4.5 standard errors "
                  "of (σ²/2)‖w‖² and more than 10 away from σ²‖w‖²; noisy GD ends at least "
                  "twice as close to the ridge solution (penalty (σ²/2)‖w‖²) as to the "
                  "mistaken one or to least squares",
        measurements={"σ": SIGMA, "noise draws per w": draws,
                      "largest |z| vs (σ²/2)‖w‖²": float(z_right.max()),
                      "smallest |z| vs σ²‖w‖²": float(z_wrong.min()),
                      **{f"‖w_noisyGD − w_{name}‖": d for name, d in dist.items()}},
        tables=[Table("Extra loss from input noise", ["‖w‖²", "Monte Carlo", "± SE",
                                                      "(σ²/2)‖w‖²", "σ²‖w‖²"],
                      [[float(n), float(e), float(s), SIGMA ** 2 / 2 * n, SIGMA ** 2 * n]
                       for n, e, s in zip(norms, excess, se)])],
        mistakes=[Mistake("E[noisy loss] = L(w) + σ²‖w‖² (no ½)", SIGMA ** 2 * norms[last],
                          "L(w) + (σ²/2)‖w‖²", SIGMA ** 2 / 2 * norms[last],
                          float(excess[last]))],
        figures=[_plot(norms, excess, se, solutions, out_dir)],
        explanation="Expanding (y − (x + δ)ᵀw)², the cross term has mean zero and E[(δᵀw)²] = "
                    "σ²‖w‖²; the 1/(2n) in front turns that into (σ²/2)‖w‖² per example. So "
                    "noisy training minimises L(w) + (σ²/2)‖w‖², whose minimiser solves "
                    "(XᵀX/n + σ²I)w = Xᵀy/n — ridge with λ = σ² in the (λ/2)‖w‖² convention. "
                    "Dropping the ½ predicts twice the extra loss and twice the shrinkage; "
                    "the Monte Carlo and the noisy-GD weights both side with the ½. The "
                    "mistake row is for the random w (the extra loss, measured vs predicted).",
    )
