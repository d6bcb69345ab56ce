"""Claim 23: the gradients of the word2vec-style network, by formula and by autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register


def formula_gradients(W: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray):
    """h = Wᵀx, u = W′ᵀh, ŷ = softmax(u), L = −yᵀ log ŷ:
    ∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂W = x(W′(ŷ − y))ᵀ."""
    h = W.T @ x
    u = W2.T @ h
    y_hat = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    e = y_hat - y
    return np.outer(x, W2 @ e), np.outer(h, e)


def autograd_gradients(W: np.ndarray, W2: np.ndarray, x: np.ndarray, y: np.ndarray):
    """The same gradients from tamrin's autograd (log-softmax for a stable log ŷ)."""
    w, w2 = leaf(W), leaf(W2)
    h = w.T @ as_tensor(x)
    u = w2.T @ h
    (-(as_tensor(y) * tamrin.log_softmax(u, dim=0)).sum()).backward()
    return w.grad.numpy(), w2.grad.numpy()


def _plot(pair: dict[str, tuple[np.ndarray, np.ndarray]], out_dir: Path):
    fig, axes = figures.subplots(4, width=3.3, height=3.4)
    panels = [(f"{src}: ∂L/∂{name}", g[i]) for src, g in pair.items()
              for i, name in ((0, "W"), (1, "W′"))]
    for ax, (title, grad) in zip(axes, panels):
        image = ax.imshow(grad, cmap="RdBu", vmin=-np.abs(grad).max(), vmax=np.abs(grad).max())
        ax.set(title=title, xlabel="column", ylabel="row")
        fig.colorbar(image, ax=ax, shrink=0.7, label="gradient")
    return figures.save(fig, out_dir, "gradients", "Gradients of one (word, context) pair: "
                        "formulas (left two) and autograd (right two). Only the input word's "
                        "row of ∂L/∂W is non-zero.")


@register("word2vec-gradients", "The word2vec network's gradients",
          "In the word2vec-style network h = Wᵀx, u = W′ᵀh, ŷ = softmax(u), L = −yᵀ log ŷ, the "
          "gradients are ∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂W = x(W′(ŷ − y))ᵀ, and they are not zero.",
          (23,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    vocab, dim = (10, 4) if quick else (50, 10)
    pairs = 20 if quick else 200
    worst, norms, first = 0.0, [], None
    for _ in range(pairs):
        W, W2 = rng.normal(0, 0.5, (vocab, dim)), rng.normal(0, 0.5, (dim, vocab))
        x, y = np.eye(vocab)[rng.integers(vocab)], np.eye(vocab)[rng.integers(vocab)]
        by_formula, by_autograd = formula_gradients(W, W2, x, y), autograd_gradients(W, W2, x, y)
        worst = max(worst, *(float(np.abs(a - b).max()) for a, b in zip(by_formula,
                                                                         by_autograd)))
        norms.append([float(np.linalg.norm(g)) for g in (*by_autograd, by_formula[0])])
        first = first or {"formula": by_formula, "autograd": by_autograd}
    norms = np.array(norms)
    ok = worst < 1e-12 and norms[:, :2].min() > 1e-3
    return Result(
        lab="word2vec-gradients", verdict=verdict(ok),
        criterion=f"over {pairs} random (word, context) pairs the formulas equal autograd to "
                  "1e-12 and neither gradient's norm is ever below 1e-3",
        measurements={"vocabulary": vocab, "embedding size": dim, "pairs": pairs,
                      "max |formula − autograd|": worst,
                      "smallest ‖∂L/∂W‖": float(norms[:, 0].min()),
                      "smallest ‖∂L/∂W′‖": float(norms[:, 1].min())},
        tables=[Table("Gradient norms over the pairs", ["gradient", "min", "median", "max"],
                      [[name, float(col.min()), float(np.median(col)), float(col.max())]
                       for name, col in (("∂L/∂W", norms[:, 0]), ("∂L/∂W′", norms[:, 1]))])],
        mistakes=[Mistake("the gradients are zero", 0.0,
                          "‖x(W′(ŷ − y))ᵀ‖ > 0 (median; measured: autograd)",
                          float(np.median(norms[:, 2])), float(np.median(norms[:, 0])))],
        figures=[_plot(first, out_dir)],
        explanation="Softmax with cross-entropy gives ∂L/∂u = ŷ − y, never zero since ŷ is "
                    "strictly between 0 and 1. Then u = W′ᵀh gives ∂L/∂W′ = h(ŷ − y)ᵀ and "
                    "∂L/∂h = W′(ŷ − y), and h = Wᵀx gives ∂L/∂W = x(∂L/∂h)ᵀ: with a one-hot x "
                    "only the input word's row of W moves. The formulas match the library's "
                    "autograd to rounding.",
    )
