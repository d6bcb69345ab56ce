"""Claims 8 and 25: the first layer's gradient against depth, per activation, and with
residual skips."""

from __future__ import annotations

import math

import numpy as np

from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.rawnet import RawMLP, as_tensor
from tamrin.labs.registry import register

# Each activation with its matching initialisation (the claim compares them so).
SETUPS = {"sigmoid": "glorot", "tanh": "glorot", "relu": "he", "leaky_relu": "he"}
# Backprop multiplies the gradient per layer by Wᵀ·diag(σ′); for square Glorot layers
# E‖Wᵀ diag(σ′) g‖² = n·Var(w)·E[σ′²]·‖g‖² ≤ ‖g‖²/16, so the factor is at most 1/4. A factor
# below 1/2 — at least half of the gradient lost at every layer — is geometric vanishing,
# far from the factor 1 of a gradient that stays of order one.
SIGMOID_FACTOR_MAX = 0.5
# "Roughly geometric" means a straight line on a log scale: the log-linear fit of the norm
# against depth must explain at least 95% of the variation of log‖∂L/∂W₁‖.
GEOMETRIC_R2_MIN = 0.95
# "Of order one": within a factor of ten, the same meaning as in the variance lab (claim 9):
# the deepest net's first-layer gradient over the shallowest's.
ORDER_ONE = (0.1, 10.0)
# "Orders of magnitude larger" (claim 25): at least two orders, a factor of 100.
SKIP_GAIN_MIN = 100.0
# Gradients of random networks fluctuate from draw to draw (log-normally, more with depth);
# each point is the geometric mean of this many independent networks.
DRAWS = 3
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"over the replicates (fresh networks and inputs each): the sigmoid net's per-layer "
    f"factor of ‖∂L/∂W₁‖ (log-linear fit over depth) has its 95% interval below "
    f"{SIGMOID_FACTOR_MAX:g} and the fit's R² has its interval above {GEOMETRIC_R2_MIN:g}; "
    f"for ReLU and for Leaky ReLU with He init the 95% interval of the geometric mean of "
    f"‖∂L/∂W₁‖ at the largest depth over the smallest lies inside ({ORDER_ONE[0]:g}, "
    f"{ORDER_ONE[1]:g}); and the deepest sigmoid net's first-layer gradient is larger with "
    f"skips than without by a factor whose geometric-mean interval lies above "
    f"{SKIP_GAIN_MIN:g}")


def first_layer_gradient(depth: int, activation: str, scheme: str, width: int,
                         rng: np.random.Generator, residual: bool = False) -> float:
    """‖∂L/∂W₁‖ for a ``depth``-hidden-layer net on Gaussian inputs, L = mean squared error
    against Gaussian targets, at initialisation."""
    net = RawMLP.create([width] * (depth + 1) + [1], activation, scheme, rng, residual=residual)
    x = as_tensor(rng.standard_normal((64, width)))
    target = as_tensor(rng.standard_normal((64, 1)))
    ((net(x) - target) ** 2).mean().backward()
    return float(np.linalg.norm(net.weights[0].grad.numpy()))


def log_linear_fit(depths: list[int], norms: list[float]) -> tuple[float, float]:
    """(per-layer factor, R²) of the least-squares line log₁₀‖∂L/∂W₁‖ ≈ a + depth·log₁₀(f)."""
    logs = np.log10(norms)
    coef = np.polyfit(depths, logs, 1)
    residual = logs - np.polyval(coef, depths)
    return float(10 ** coef[0]), float(1 - residual.var() / logs.var())


def _gradient(depth: int, activation: str, scheme: str, width: int, rng: np.random.Generator,
              residual: bool = False) -> float:
    """The geometric mean of ``DRAWS`` independent networks' first-layer gradient norms."""
    return float(np.exp(np.mean([np.log(first_layer_gradient(depth, activation, scheme, width,
                                                              rng, residual))
                                 for _ in range(DRAWS)])))


def measure(quick: bool, seed: int) -> dict:
    """One replicate: the gradient-vs-depth curve of every activation, and of a sigmoid net
    with and without skips."""
    rng = np.random.default_rng(seed)
    width = 64 if quick else 128
    depths = [2, 5, 10, 15, 20] if quick else [2, 5, 10, 15, 20, 30, 40]
    curves = {act: [_gradient(d, act, scheme, width, rng) for d in depths]
              for act, scheme in SETUPS.items()}
    skips = {label: [_gradient(d, "sigmoid", "glorot", width, rng, residual=res)
                     for d in depths]
             for label, res in (("plain", False), ("with skips", True))}
    out: dict = {"width": width, "depths": depths, "curves": curves, "skips": skips}
    for act, norms in curves.items():
        factor, r2 = log_linear_fit(depths, norms)
        out[f"per-layer factor: {act}"] = factor
        out[f"R² of the log-linear fit: {act}"] = r2
        out[f"deepest / shallowest ‖∂L/∂W₁‖: {act}"] = norms[-1] / norms[0]
    out["deepest sigmoid net: with skips / plain"] = skips["with skips"][-1] / skips["plain"][-1]
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.mean_below("per-layer factor: sigmoid", SIGMOID_FACTOR_MAX),
        col.mean_above("R² of the log-linear fit: sigmoid", GEOMETRIC_R2_MIN),
        *(col.log_mean_within(f"deepest / shallowest ‖∂L/∂W₁‖: {act}", *ORDER_ONE)
          for act in ("relu", "leaky_relu")),
        col.log_mean_within("deepest sigmoid net: with skips / plain", SKIP_GAIN_MIN, math.inf),
    )


def _plot(ev: Evidence):
    depths, curves, skips = ev.first["depths"], ev.first["curves"], ev.first["skips"]
    fig, (a, b) = figures.subplots(2, width=5.2)
    for name, norms in curves.items():
        a.semilogy(depths, norms, "o-", label=f"{name} ({SETUPS[name]} init)")
    a.semilogy(depths, [curves["sigmoid"][0] * 0.25 ** (d - depths[0]) for d in depths], "k:",
               label="0.25 per layer (σ′ ≤ 1/4)")
    a.set(xlabel="hidden layers", ylabel="‖∂L/∂W₁‖ (log scale)",
          title="First-layer gradient vs depth")
    a.legend(fontsize=8)
    for label, norms in skips.items():
        b.semilogy(depths, norms, "o-", label=label)
    b.set(xlabel="hidden layers", ylabel="‖∂L/∂W₁‖ (log scale)",
          title="Sigmoid net with and without skips")
    b.legend(fontsize=8)
    return figures.save(fig, ev.out_dir, "gradient_vs_depth",
                        f"Left: first-layer gradient norm against depth (replicate 1, geometric "
                        f"mean of {DRAWS} networks per point). Right: the same for a sigmoid "
                        f"net with residual skips y = F(x) + x.")


def _geo(values: list[float]) -> float:
    return float(np.exp(np.mean(np.log(values))))


def present(ev: Evidence) -> Presentation:
    depths = ev.first["depths"]
    factor = {act: float(np.mean(ev.values(f"per-layer factor: {act}"))) for act in SETUPS}
    ratio = {act: _geo(ev.values(f"deepest / shallowest ‖∂L/∂W₁‖: {act}")) for act in SETUPS}
    gain = _geo(ev.values("deepest sigmoid net: with skips / plain"))
    r2 = float(np.mean(ev.values("R² of the log-linear fit: sigmoid")))
    n = len(ev.replicates)
    measured = (
        f"Over {n} replicates the sigmoid net's gradient falls by a factor of "
        f"{factor['sigmoid']:.3f} per layer (the bound from σ′ ≤ 1/4 is 0.25; the log-linear "
        f"fit has R² = {r2:.4f}), so from {depths[0]} to {depths[-1]} layers it shrinks to "
        f"{ratio['sigmoid']:.2g} of its value. tanh (f′ ≤ 1, Glorot init) loses "
        f"{factor['tanh']:.3f} per layer here, ending at {ratio['tanh']:.2g}; ReLU and Leaky "
        f"ReLU with He init end at {ratio['relu']:.2g} and {ratio['leaky_relu']:.2g} of their "
        f"shallow value (per-layer factors {factor['relu']:.3f} and "
        f"{factor['leaky_relu']:.3f}). With skips the deepest sigmoid net's first-layer "
        f"gradient is {gain:.2g} times larger (geometric mean).")
    verdict = (" Every part of the criterion is met: sigmoid gradients vanish geometrically, "
               "ReLU and Leaky ReLU keep them of order one, and skips keep them alive."
               if ev.holds else
               " The criterion is not met — see which test failed above.")
    rows = [[act, SETUPS[act], *(float(np.exp(np.mean(np.log([c[act][i] for c in
                                                              ev.values("curves")]))))
                                 for i in range(len(depths))), factor[act]]
            for act in SETUPS]
    skip_rows = [[label, *(float(np.exp(np.mean(np.log([s[label][i] for s in
                                                        ev.values("skips")]))))
                           for i in range(len(depths)))]
                 for label in ("plain", "with skips")]
    return Presentation(
        explanation=(
            "Backprop multiplies the gradient by Wᵀ·diag(f′(z)) at each layer. For the sigmoid "
            "f′ ≤ 1/4, and Glorot's Var(w) = 1/n for square layers cannot make up for it, so "
            "the first-layer gradient falls by a roughly constant factor per layer. ReLU "
            "passes the gradient unchanged where a unit is active, and He's Var(w) = 2/n "
            "offsets the half of the units that are off. A skip adds the identity to each "
            "layer's Jacobian (∂y/∂x = ∂F/∂x + 1), a path that is never multiplied by σ′. "
            + measured + verdict),
        tables=[Table(f"‖∂L/∂W₁‖ by depth (geometric means over {n} replicates, width "
                      f"{ev.first['width']})",
                      ["activation", "init", *map(str, depths), "per-layer factor (mean)"],
                      rows),
                Table("Sigmoid (Glorot): ‖∂L/∂W₁‖ with and without skips (geometric means)",
                      ["network", *map(str, depths)], skip_rows)],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="vanishing-gradients", title="Vanishing gradients, and how skips keep them alive",
    claim="In a deep sigmoid network the first layer's gradient shrinks roughly geometrically "
          "with depth (σ′ ≤ 1/4 per layer) while ReLU or Leaky ReLU with He init keeps it of "
          "order one; residual connections (∂y/∂x = ∂F/∂x + 1) keep the first-layer gradient "
          "of a deep sigmoid net orders of magnitude larger.",
    claims=(8, 25), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
