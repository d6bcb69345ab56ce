"""Claim 19: Adam's moment estimates start biased towards 0 and the bias correction removes
it — measured by Monte Carlo over many independent gradient streams."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.registry import register

MEAN, STD = 0.5, 1.0  # gradients g ~ N(0.5, 1): E[g] = 0.5, E[g²] = 1.25
SECOND = MEAN ** 2 + STD ** 2
BETA1, BETA2 = 0.9, 0.999
HIST_BETA1 = (0.9, 0.5, 0.0)
HIST_STEP = 100


def moments(g: np.ndarray, beta1: float, beta2: float) -> tuple[np.ndarray, np.ndarray]:
    """Adam's running moments for gradient streams g (steps × chains), from m₀ = s₀ = 0:
    mₜ = β₁mₜ₋₁ + (1 − β₁)gₜ and sₜ = β₂sₜ₋₁ + (1 − β₂)gₜ²."""
    m, s = np.zeros(g.shape[1]), np.zeros(g.shape[1])
    ms, ss = [], []
    for gt in g:
        m = beta1 * m + (1 - beta1) * gt
        s = beta2 * s + (1 - beta2) * gt * gt
        ms.append(m)
        ss.append(s)
    return np.array(ms), np.array(ss)


def _ratio_histograms(chains: int, rng: np.random.Generator) -> dict[float, np.ndarray]:
    """m̂/√ŝ at step 100 for several β₁ (bias-corrected moments)."""
    out = {}
    t = HIST_STEP
    for b1 in HIST_BETA1:
        m, s = moments(rng.normal(MEAN, STD, (t, chains)), b1, BETA2)
        out[b1] = (m[-1] / (1 - b1 ** t)) / np.sqrt(s[-1] / (1 - BETA2 ** t))
    return out


def _plot(t, mean_m, mean_s, ratios, out_dir: Path):
    fig, (a, b, c) = figures.subplots(3, width=4.6)
    a.plot(t, mean_m, "o", ms=3, label="measured mean of mₜ")
    a.plot(t, (1 - BETA1 ** t) * MEAN, label="(1 − β₁ᵗ)·E[g]")
    a.axhline(MEAN, color="k", ls=":", label="E[g]")
    a.set(xlabel="step t", ylabel="E[mₜ]", title="First moment")
    b.loglog(t, mean_s, "o", ms=3, label="measured mean of sₜ")
    b.loglog(t, (1 - BETA2 ** t) * SECOND, label="(1 − β₂ᵗ)·E[g²]")
    b.loglog(t, np.full(t.shape, (1 - BETA2) * SECOND), "--",
             label="mistaken (1 − β₂)·E[g²]")
    b.set(xlabel="step t", ylabel="E[sₜ]", title="Second moment")
    for b1, r in ratios.items():
        c.hist(r, bins=60, density=True, histtype="step", label=f"β₁ = {b1}")
    c.set(xlabel="m̂/√ŝ at step 100", ylabel="density", title="Adam's step direction")
    for ax in (a, b, c):
        ax.legend(fontsize=8)
    return figures.save(fig, out_dir, "moments", "Monte-Carlo means of Adam's moments "
                        "against the formulas, and the distribution of m̂/√ŝ for three β₁.")


@register("adam-bias-correction", "Adam's bias correction",
          "Starting from m₀ = s₀ = 0, Adam's moments are biased: E[mₜ] = (1 − β₁ᵗ)E[g] and "
          "E[sₜ] = (1 − β₂ᵗ)E[g²], so the corrected m̂ₜ = mₜ/(1 − β₁ᵗ) is unbiased and the "
          "uncorrected first steps are mis-scaled; a smaller β₁ makes the distribution of "
          "m̂/√ŝ wider and lower.", (19,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    chains, steps = (4000, 50) if quick else (40000, 200)
    g = rng.normal(MEAN, STD, (steps, chains))
    m, s = moments(g, BETA1, BETA2)
    t = np.arange(1, steps + 1)
    mean_m, mean_s = m.mean(1), s.mean(1)
    se_m, se_s = m.std(1) / np.sqrt(chains), s.std(1) / np.sqrt(chains)
    z_m = np.abs(mean_m - (1 - BETA1 ** t) * MEAN) / se_m
    z_s = np.abs(mean_s - (1 - BETA2 ** t) * SECOND) / se_s
    m_hat = m / (1 - BETA1 ** t)[:, None]
    z_hat = np.abs(m_hat.mean(1) - MEAN) / (m_hat.std(1) / np.sqrt(chains))
    k = 10
    z_mistake = abs(mean_s[k - 1] - (1 - BETA2) * SECOND) / se_s[k - 1]
    step1 = {"corrected": np.abs(m_hat[0] / np.sqrt(s[0] / (1 - BETA2))).mean(),
             "uncorrected": np.abs(m[0] / np.sqrt(s[0])).mean()}
    ratios = _ratio_histograms(chains, rng)
    spread = [float(ratios[b].std()) for b in HIST_BETA1]
    ok = (z_m.max() < 4.5 and z_s.max() < 4.5 and z_hat.max() < 4.5 and z_mistake > 10
          and all(a < b for a, b in zip(spread, spread[1:])))
    return Result(
        lab="adam-bias-correction", verdict=verdict(ok),
        criterion=f"over all {steps} steps the Monte-Carlo means of mₜ, sₜ and m̂ₜ are within "
                  "4.5 standard errors of (1 − β₁ᵗ)E[g], (1 − β₂ᵗ)E[g²] and E[g]; the "
                  "mistaken (1 − β₂)E[g²] is more than 10 standard errors off at t = 10; the "
                  "spread of m̂/√ŝ grows as β₁ goes 0.9 → 0.5 → 0",
        measurements={"chains": chains, "largest |z| of E[mₜ]": float(z_m.max()),
                      "largest |z| of E[sₜ]": float(z_s.max()),
                      "largest |z| of E[m̂ₜ] − E[g]": float(z_hat.max()),
                      "|z| of the mistaken E[s₁₀]": float(z_mistake),
                      "mean |step| at t = 1, corrected": float(step1["corrected"]),
                      "mean |step| at t = 1, uncorrected": float(step1["uncorrected"]),
                      "predicted uncorrected/corrected at t = 1: (1 − β₁)/√(1 − β₂)":
                          (1 - BETA1) / np.sqrt(1 - BETA2)},
        tables=[Table("Spread of m̂/√ŝ at step 100", ["β₁", "std", "peak density"],
                      [[b, sd, float(np.histogram(ratios[b], bins=60, density=True)[0].max())]
                       for b, sd in zip(HIST_BETA1, spread)]),
                Table("Moments at a few steps (β₁ = 0.9, β₂ = 0.999, g ~ N(0.5, 1))",
                      ["t", "E[mₜ] measured", "(1 − β₁ᵗ)E[g]", "E[sₜ] measured",
                       "(1 − β₂ᵗ)E[g²]"],
                      [[int(i), float(mean_m[i - 1]), (1 - BETA1 ** i) * MEAN,
                        float(mean_s[i - 1]), (1 - BETA2 ** i) * SECOND]
                       for i in (1, 2, 5, 10, steps)])],
        mistakes=[Mistake("E[s₁₀] = (1 − β₂)E[g²]", (1 - BETA2) * SECOND,
                          "E[s₁₀] = (1 − β₂¹⁰)E[g²]", (1 - BETA2 ** k) * SECOND,
                          float(mean_s[k - 1]))],
        figures=[_plot(t, mean_m, mean_s, ratios, out_dir)],
        explanation="Unrolling the recursion, mₜ = (1 − β₁)Σᵢ β₁ᵗ⁻ⁱ gᵢ, whose weights sum to "
                    "1 − β₁ᵗ, not 1: early on the average is mostly the zero it started from. "
                    "Dividing by 1 − β₁ᵗ (and sₜ by 1 − β₂ᵗ) undoes exactly that, as the "
                    "Monte-Carlo means show. Without the correction the first step is "
                    "(1 − β₁)/√(1 − β₂) ≈ 3.2 times too large, because sₜ's bias is much "
                    "stronger than mₜ's. A smaller β₁ averages fewer gradients, so m̂/√ŝ "
                    "scatters more widely and its histogram is lower.",
    )
