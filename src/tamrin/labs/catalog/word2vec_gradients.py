"""Claim 23: the gradients of the word2vec-style network, by formula and by autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.rawnet import as_tensor, leaf
from tamrin.labs.registry import register

# The formulas and autograd do the same float64 products in another order: they may differ
# by a few ulps of numbers of order 1 (ε ≈ 2.2e-16), never by 1e-12.
SAME = 1e-12
# "Not zero": rounding cannot produce a norm above ~1e-15 here, while the formulas predict
# norms of order 0.1–1 for weights of std 0.5; 1e-3 is far from both.
NOT_ZERO = 1e-3
WEIGHT_STD = 0.5
REPLICATES = Replicates(quick=3, full=10)

CRITERION = (
    f"in every replicate (random weights of std {WEIGHT_STD} and random one-hot (word, "
    f"context) pairs: 20 pairs over a vocabulary of 10 quick, 200 over 50 full), the formulas "
    f"equal autograd to {SAME:g} in every entry, and neither gradient's norm is below "
    f"{NOT_ZERO:g} for any pair")


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


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    vocab, dim = (10, 4) if quick else (50, 10)
    pairs = 20 if quick else 200
    worst, norms, rows, first = 0.0, [], 0, None
    for _ in range(pairs):
        W = rng.normal(0, WEIGHT_STD, (vocab, dim))
        W2 = rng.normal(0, WEIGHT_STD, (dim, vocab))
        x, y = np.eye(vocab)[rng.integers(vocab)], np.eye(vocab)[rng.integers(vocab)]
        by_formula, by_autograd = formula_gradients(W, W2, x, y), autograd_gradients(W, W2, x, y)
        worst = max(worst, *(float(np.abs(a - b).max()) for a, b in zip(by_formula,
                                                                         by_autograd)))
        norms.append([float(np.linalg.norm(g)) for g in (*by_autograd, by_formula[0])])
        rows = max(rows, int(np.any(by_autograd[0] != 0, axis=1).sum()))
        first = first or {"formula": by_formula, "autograd": by_autograd}
    norms = np.array(norms)
    return {"vocabulary": vocab, "embedding size": dim, "pairs": pairs,
            "max |formula − autograd|": worst,
            "smallest ‖∂L/∂W‖": float(norms[:, 0].min()),
            "smallest ‖∂L/∂W′‖": float(norms[:, 1].min()),
            "median ‖∂L/∂W‖": float(np.median(norms[:, 0])),
            "median ‖∂L/∂W′‖": float(np.median(norms[:, 1])),
            "median ‖x(W′(ŷ − y))ᵀ‖ (formula)": float(np.median(norms[:, 2])),
            "most non-zero rows of ∂L/∂W": rows,
            "norms": norms, "first": first}


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.every("max |formula − autograd|", f"≤ {SAME:g}", lambda v: v <= SAME),
        col.every("smallest ‖∂L/∂W‖", f"> {NOT_ZERO:g}", lambda v: v > NOT_ZERO),
        col.every("smallest ‖∂L/∂W′‖", f"> {NOT_ZERO:g}", lambda v: v > NOT_ZERO),
    )


def present(ev: Evidence) -> Presentation:
    n, rep = len(ev.replicates), ev.first
    norms = np.concatenate([r["norms"] for r in ev.replicates])
    facts = (
        f"Over {n} replicates of {rep['pairs']} pairs (vocabulary {rep['vocabulary']}, "
        f"embedding size {rep['embedding size']}), the formulas and autograd differed by at "
        f"most {max(ev.values('max |formula − autograd|')):.1e}; the smallest gradient norms "
        f"were {min(ev.values('smallest ‖∂L/∂W‖')):.3g} for ∂L/∂W and "
        f"{min(ev.values('smallest ‖∂L/∂W′‖')):.3g} for ∂L/∂W′, and the largest number of "
        f"non-zero rows of ∂L/∂W for any pair was "
        f"{max(ev.values('most non-zero rows of ∂L/∂W'))}. ")
    if ev.holds:
        reading = (
            "Softmax with cross-entropy gives ∂L/∂u = ŷ − y, never zero since ŷ is strictly "
            "between 0 and 1. Then u = W′ᵀh gives ∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂h = W′(ŷ − y), and "
            "h = Wᵀx gives ∂L/∂W = x(∂L/∂h)ᵀ: with a one-hot x only the input word's row of W "
            "receives a gradient.")
    else:
        reading = "The claim is not borne out in this run: see which of the tests above failed."
    return Presentation(
        explanation=facts + reading,
        tables=[Table(f"Gradient norms over all {len(norms)} pairs",
                      ["gradient", "min", "median", "max"],
                      [[name, float(c.min()), float(np.median(c)), float(c.max())]
                       for name, c in (("∂L/∂W", norms[:, 0]), ("∂L/∂W′", norms[:, 1]))])],
        mistakes=[Mistake("the gradients are zero", 0.0,
                          "‖x(W′(ŷ − y))ᵀ‖ > 0 (median; measured: autograd)",
                          float(np.median(norms[:, 2])), float(np.median(norms[:, 0])))],
        figures=[_plot(rep["first"], ev.out_dir)],
    )


LAB = register(Lab(
    name="word2vec-gradients", title="The word2vec network's gradients",
    claim="In the word2vec-style network h = Wᵀx, u = W′ᵀh, ŷ = softmax(u), L = −yᵀ log ŷ, the "
          "gradients are ∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂W = x(W′(ŷ − y))ᵀ, and they are not zero.",
    claims=(23,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
