"""Claim 9: how the variance of pre-activations travels through 50 ReLU layers under each
initialisation, against the rule Var(z) = n·Var(w)·E[x²]."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import INIT_VARIANCE, as_tensor, init_weight
from tamrin.labs.registry import register

SCHEMES = ("he", "glorot", "lecun", "normal", "uniform")
LAYERS = 50


def variances(scheme: str, width: int, batch: int, rng: np.random.Generator) -> np.ndarray:
    """Var(z) of every layer's pre-activation z = a·W (a = ReLU of the previous z)."""
    a = as_tensor(rng.standard_normal((batch, width)))
    out = []
    for _ in range(LAYERS):
        z = a @ as_tensor(init_weight(width, width, scheme, rng))
        out.append(float(z.var().item()))
        a = tamrin.relu(z)
    return np.array(out)


def predicted_factor(scheme: str, width: int) -> float:
    """Per-layer ratio Var(zₗ₊₁)/Var(zₗ) = n·Var(w)·½ (ReLU keeps E[a²] = Var(z)/2)."""
    return width * INIT_VARIANCE[scheme](width, width) / 2


def measured_factor(v: np.ndarray) -> float:
    """The geometric-mean per-layer ratio between the first and the last layer."""
    return float((v[-1] / v[0]) ** (1 / (len(v) - 1)))


def _plot(curves: dict[str, np.ndarray], out_dir: Path):
    fig, (ax,) = figures.subplots(width=6.5, height=4.2)
    for scheme, v in curves.items():
        ax.semilogy(np.arange(1, LAYERS + 1), v, label=scheme)
    ax.set(xlabel="layer", ylabel="Var(z) (log scale)",
           title="Pre-activation variance through ReLU layers")
    ax.legend()
    return figures.save(fig, out_dir, "variance_vs_layer",
                        "Var(z) per layer for each initialisation (ReLU between layers).")


def _mistakes(width: int, factors: dict[str, float]) -> list[Mistake]:
    n = width
    return [
        Mistake("Xavier Var(w) = 1/(n_in + n_out) ⇒ ratio n·Var(w)/2 = 1/4", 0.25,
                "Var(w) = 2/(n_in + n_out) ⇒ 1/2", 0.5, factors["glorot"]),
        Mistake("He read as Var(w) = √(2/n) ⇒ ratio n·√(2/n)/2", n * np.sqrt(2 / n) / 2,
                "Var(w) = 2/n (std √(2/n)) ⇒ 1", 1.0, factors["he"]),
        Mistake("U(±1/√n) shrinks 3⁻ᴸ (ignores ReLU's ½)", 1 / 3,
                "Var(w) = 1/(3n), with ReLU ⇒ 1/6", 1 / 6, factors["uniform"]),
    ]


@register("variance-propagation", "Variance propagation through 50 layers",
          "With ReLU, He initialisation keeps the pre-activation variance of order one over "
          "50 layers; Glorot and LeCun halve it per layer, N(0,1) blows it up by n/2 per "
          "layer, U(±1/√n) shrinks it — each as Var(z) = n·Var(w)·E[x²] predicts.", (9,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    width, batch = (128, 256) if quick else (512, 1024)
    curves = {s: variances(s, width, batch, rng) for s in SCHEMES}
    factors = {s: measured_factor(v) for s, v in curves.items()}
    first = {s: v[0] / (width * INIT_VARIANCE[s](width, width)) for s, v in curves.items()}
    rows = [[s, INIT_VARIANCE[s](width, width), first[s], predicted_factor(s, width),
             factors[s], curves[s][-1]] for s in SCHEMES]
    he_last = curves["he"][-1]
    ok = (0.1 < he_last < 10
          and all(abs(f - 1) < 0.05 for f in first.values())
          and all(abs(factors[s] / predicted_factor(s, width) - 1) < 0.15 for s in SCHEMES))
    return Result(
        lab="variance-propagation", verdict=verdict(ok),
        criterion="Var(z₁) = n·Var(w)·Var(x) within 5% for every scheme; every measured "
                  "per-layer ratio within 15% of n·Var(w)/2; He's Var(z₅₀) between 0.1 and 10",
        measurements={"width n": width, "He: Var(z) at layer 50": he_last,
                      **{f"per-layer ratio: {s}": f for s, f in factors.items()}},
        tables=[Table("Variance through 50 ReLU layers",
                      ["init", "Var(w)", "Var(z₁) / (n·Var(w)·Var(x))",
                       "predicted ratio n·Var(w)/2", "measured ratio", "Var(z₅₀)"], rows)],
        mistakes=_mistakes(width, factors),
        figures=[_plot(curves, out_dir)],
        explanation="Each pre-activation is a sum of n products w·a, so Var(z) = n·Var(w)·E[a²]; "
                    "ReLU zeroes half of a symmetric z, so E[a²] = Var(z)/2 and the variance is "
                    "multiplied by n·Var(w)/2 per layer. Only He (Var(w) = 2/n) makes that 1; "
                    "Glorot and LeCun (≈ 1/n with equal fans) give ½, i.e. 2⁻ᴸ, and the "
                    "uniform U(±1/√n) has Var(w) = 1/(3n), giving 1/6 per layer with ReLU (the "
                    "3⁻ᴸ sometimes quoted is the rate of a linear network). The course's "
                    "common mistakes predict visibly wrong rates.",
    )
