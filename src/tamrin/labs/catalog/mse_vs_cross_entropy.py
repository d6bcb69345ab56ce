"""Claim 6: for classification, cross-entropy beats MSE on a sigmoid — larger gradients when
confidently wrong, a convex loss, faster training (breast-cancer data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, bce_with_logits, leaf, standardized
from tamrin.labs.registry import register

TARGET_ACCURACY = 0.95


def mse(z: tamrin.Tensor, y: tamrin.Tensor) -> tamrin.Tensor:
    """Mean of (σ(z) − y)²."""
    return ((tamrin.sigmoid(z) - y) ** 2).mean()


LOSSES = {"cross-entropy": bce_with_logits, "MSE∘sigmoid": mse}


def logit_gradient(loss, p: float, y: float) -> float:
    """dL/dz at the logit z whose sigmoid is p, by autograd."""
    z = leaf(np.array([np.log(p / (1 - p))]))
    loss(z, as_tensor(np.array([y]))).backward()
    return float(z.grad.numpy()[0])


def along_line(loss, x: np.ndarray, y: np.ndarray, direction: np.ndarray,
               ts: np.ndarray) -> np.ndarray:
    """The loss at w = t·direction for every t."""
    X, Y = as_tensor(x), as_tensor(y)
    return np.array([loss(X @ as_tensor(t * direction), Y).item() for t in ts])


def epochs_to_target(loss, x, y, w0: np.ndarray, lr: float, max_epochs: int):
    """Full-batch GD from w0; the first epoch reaching the target accuracy and the curve."""
    X, Y = as_tensor(x), as_tensor(y)
    w, accs = leaf(w0), []
    for _ in range(max_epochs):
        z = X @ w
        accs.append(float(np.mean((z.numpy() > 0) == (y > 0.5))))
        w.grad = None
        loss(z, Y).backward()
        w.data -= lr * w.grad.data
    hit = np.flatnonzero(np.array(accs) >= TARGET_ACCURACY)
    return (int(hit[0]) if hit.size else max_epochs), accs


def _plot(ts, lines, curves, out_dir: Path):
    fig, (a, b) = figures.subplots(2, width=5.4)
    for name, values in lines.items():
        a.plot(ts, values, label=name)
    a.set(xlabel="t  (w = t·d)", ylabel="loss", title="Loss along a line in weight space")
    for (name, start), accs in curves.items():
        b.plot(accs, label=f"{name}, {start}")
    b.axhline(TARGET_ACCURACY, color="k", ls=":", label="target")
    b.set(xlabel="epoch", ylabel="training accuracy", title="Logistic model, same step size")
    a.legend()
    b.legend(fontsize=8)
    return figures.save(fig, out_dir, "mse_vs_ce", "Left: both losses along one line through "
                        "weight space. Right: training accuracy per epoch from two starts.")


@register("mse-vs-cross-entropy", "MSE vs cross-entropy for classification",
          "For a confidently wrong prediction (y = 0, ŷ = 0.99) the cross-entropy gradient at "
          "the logit is 0.99 but the MSE one only 0.0196; MSE composed with a sigmoid is not "
          "convex in the weights; and cross-entropy reaches a target accuracy in fewer epochs.",
          (6,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    grads = {name: logit_gradient(loss, 0.99, 0.0) for name, loss in LOSSES.items()}
    data = load_breast_cancer()
    x, y = standardized(data.data), data.target.astype(np.float64)
    direction = rng.standard_normal(x.shape[1])
    direction /= np.linalg.norm(direction)
    ts = np.linspace(-10, 10, 201)
    lines = {name: along_line(loss, x, y, direction, ts) for name, loss in LOSSES.items()}
    curvature = {name: float(np.diff(v, 2).min()) for name, v in lines.items()}
    good = LogisticRegression().fit(x, y).coef_[0]
    starts = {"from zero": np.zeros(x.shape[1]), "confidently wrong": -good}
    max_epochs = 300 if quick else 2000
    runs = {(name, s): epochs_to_target(loss, x, y, w0, 0.1, max_epochs)
            for name, loss in LOSSES.items() for s, w0 in starts.items()}
    epochs = {k: v[0] for k, v in runs.items()}
    ok = (grads["cross-entropy"] / grads["MSE∘sigmoid"] > 10
          and curvature["MSE∘sigmoid"] < -1e-6 and curvature["cross-entropy"] > -1e-12
          and all(epochs["cross-entropy", s] < epochs["MSE∘sigmoid", s] for s in starts))
    return Result(
        lab="mse-vs-cross-entropy", verdict=verdict(ok),
        criterion="at y = 0, ŷ = 0.99 the cross-entropy logit gradient is > 10× the MSE one; "
                  "along a random line in weight space MSE∘sigmoid has a negative second "
                  "difference (< −1e-6: not convex) and cross-entropy none (> −1e-12); from "
                  f"both starts cross-entropy reaches {TARGET_ACCURACY} training accuracy in "
                  "fewer epochs (same step size 0.1)",
        measurements={**{f"dL/dz at y = 0, ŷ = 0.99: {n}": g for n, g in grads.items()},
                      **{f"smallest second difference along the line: {n}": c
                         for n, c in curvature.items()}},
        tables=[Table(f"Epochs to {TARGET_ACCURACY} training accuracy (cap {max_epochs})",
                      ["loss", "start", "epochs"],
                      [[n, s, e] for (n, s), e in epochs.items()])],
        figures=[_plot(ts, lines, {k: v[1] for k, v in runs.items()}, out_dir)],
        explanation="With cross-entropy the sigmoid's derivative cancels and dL/dz = ŷ − y: "
                    "the more wrong, the larger the push. With MSE, dL/dz = 2(ŷ − y)·ŷ(1 − ŷ), "
                    "and the factor ŷ(1 − ŷ) vanishes exactly when the model is confidently "
                    "wrong, so learning crawls out of such a start. The squared sigmoid also "
                    "flattens into plateaus, which makes the loss non-convex along a line, while "
                    "cross-entropy on a linear model is convex (its second difference is never "
                    "negative).",
    )
