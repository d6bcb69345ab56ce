"""Claim 19: Adam's moment estimates start biased towards 0 and the bias correction removes
it — measured by Monte Carlo over many independent gradient streams fed to the library's
``tamrin.optim.Adam`` (its moments read from the optimiser's state, its steps from the
parameters it moves)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin import optim
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register

MEAN, STD = 0.5, 1.0  # gradients g ~ N(0.5, 1): E[g] = 0.5, E[g²] = 1.25
SECOND = MEAN ** 2 + STD ** 2
BETA1, BETA2 = 0.9, 0.999  # Adam's defaults
HIST_BETA1 = (0.9, 0.5, 0.0)
HIST_STEP = 100
LR = 1e-3
EPS = 1e-12  # far below √ŝ ≈ 1, so the steps are m/√s to ~1e-12
# A Monte-Carlo mean is compared with its formula in standard errors. A run makes at most
# 200 steps × 3 moments × 12 replicates ≈ 7,200 comparisons; |z| > 5 has probability
# 5.7e-7 each under the formula, so a false alarm anywhere has probability below 0.5%
# (Bonferroni). The same bound must reject the mistaken formula.
Z_BOUND = 5.0
# Uncorrected and corrected steps differ by the factor (1 − β₁ᵗ)/√(1 − β₂ᵗ) exactly (up to ε);
# at t = 1 that is 0.1/√0.001 ≈ 3.16. Float64 rounding and ε leave ~1e-9 of it.
STEP_TOLERANCE = 1e-6
REPLICATES = Replicates(quick=3, full=10)

PREDICTED_FIRST = (1 - BETA1) / np.sqrt(1 - BETA2)
CRITERION = (
    f"in every replicate (fresh gradient streams g ~ N({MEAN}, {STD}²) for every chain), "
    f"with β₁ = {BETA1}, β₂ = {BETA2}: at every step the Monte-Carlo means of mₜ, sₜ (from "
    f"tamrin.optim.Adam's state) and of m̂ₜ are within {Z_BOUND:g} standard errors of "
    f"(1 − β₁ᵗ)E[g], (1 − β₂ᵗ)E[g²] and E[g]; the mistaken (1 − β₂)E[g²] is more than "
    f"{Z_BOUND:g} standard errors from the mean of sₜ at every step t ≥ 2; the mean "
    f"uncorrected step (bias_correction=False) at t = 1 is (1 − β₁)/√(1 − β₂) = "
    f"{PREDICTED_FIRST:.4f} times the corrected one, within {STEP_TOLERANCE:g} (relative); "
    f"and at step {HIST_STEP} the spread (std) of m̂/√ŝ grows and the peak of its histogram "
    f"falls at each step of β₁ = {' → '.join(map(str, HIST_BETA1))}")


def run_adam(g: np.ndarray, beta1: float, bias_correction: bool = True
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feed the gradient streams ``g`` (steps × chains, one parameter per chain) to
    tamrin.optim.Adam; return mₜ and sₜ from its state after every step, and every step
    Δθₜ it took."""
    p = tamrin.tensor(np.zeros(g.shape[1]), dtype="float64", requires_grad=True)
    opt = optim.Adam([p], lr=LR, betas=(beta1, BETA2), eps=EPS,
                     bias_correction=bias_correction)
    ms, ss, steps = [], [], []
    before = p.numpy().copy()
    for gt in g:
        p.grad = tamrin.tensor(gt, dtype="float64")
        opt.step()
        now = p.numpy().copy()
        ms.append(opt.state[p]["exp_avg"].copy())
        ss.append(opt.state[p]["exp_avg_sq"].copy())
        steps.append(now - before)
        before = now
    return np.array(ms), np.array(ss), np.array(steps)


def z_scores(samples: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """|mean − expected| in standard errors of the mean, per step (rows: steps)."""
    se = samples.std(axis=1, ddof=1) / np.sqrt(samples.shape[1])
    return np.abs(samples.mean(axis=1) - expected) / se


def direction_histograms(chains: int, rng: np.random.Generator) -> dict[float, np.ndarray]:
    """m̂/√ŝ at step HIST_STEP for each β₁ in HIST_BETA1: the corrected Adam step divided
    by −η."""
    out = {}
    for b1 in HIST_BETA1:
        *_, steps = run_adam(rng.normal(MEAN, STD, (HIST_STEP, chains)), b1)
        out[b1] = -steps[-1] / LR
    return out


def peak_density(values: np.ndarray) -> float:
    """The height of the tallest bar of a 60-bin density histogram."""
    return float(np.histogram(values, bins=60, density=True)[0].max())


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    chains, steps = (4000, 50) if quick else (40000, 200)
    g = rng.normal(MEAN, STD, (steps, chains))
    m, s, corrected = run_adam(g, BETA1)
    _, _, uncorrected = run_adam(g, BETA1, bias_correction=False)
    t = np.arange(1, steps + 1)
    m_hat = m / (1 - BETA1 ** t)[:, None]
    z_mistake = z_scores(s, np.full(steps, (1 - BETA2) * SECOND))
    directions = direction_histograms(chains, rng)
    spread = [float(directions[b].std()) for b in HIST_BETA1]
    peak = [peak_density(directions[b]) for b in HIST_BETA1]
    first_ratio = float(np.abs(uncorrected[0]).mean() / np.abs(corrected[0]).mean())
    return {
        "chains": chains, "steps": steps,
        "largest |z| of E[mₜ] vs (1 − β₁ᵗ)E[g]":
            float(z_scores(m, (1 - BETA1 ** t) * MEAN).max()),
        "largest |z| of E[sₜ] vs (1 − β₂ᵗ)E[g²]":
            float(z_scores(s, (1 - BETA2 ** t) * SECOND).max()),
        "largest |z| of E[m̂ₜ] vs E[g]": float(z_scores(m_hat, np.full(steps, MEAN)).max()),
        "smallest |z| of E[sₜ] vs the mistaken (1 − β₂)E[g²], t ≥ 2": float(z_mistake[1:].min()),
        "uncorrected / corrected mean |step| at t = 1": first_ratio,
        "relative error of that ratio against (1 − β₁)/√(1 − β₂)":
            abs(first_ratio / PREDICTED_FIRST - 1),
        "spread grows as β₁ falls": all(a < b for a, b in zip(spread, spread[1:])),
        "peak falls as β₁ falls": all(a > b for a, b in zip(peak, peak[1:])),
        **{f"std of m̂/√ŝ, β₁ = {b}": v for b, v in zip(HIST_BETA1, spread)},
        **{f"peak density of m̂/√ŝ, β₁ = {b}": v for b, v in zip(HIST_BETA1, peak)},
        "mean mₜ": m.mean(axis=1), "mean sₜ": s.mean(axis=1),
        "step ratio": np.abs(uncorrected).mean(axis=1) / np.abs(corrected).mean(axis=1),
        "directions": directions,
    }


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    below = lambda name: col.every(name, f"≤ {Z_BOUND:g}",  # noqa: E731
                                   lambda v: v <= Z_BOUND)
    return Judgement.of(
        below("largest |z| of E[mₜ] vs (1 − β₁ᵗ)E[g]"),
        below("largest |z| of E[sₜ] vs (1 − β₂ᵗ)E[g²]"),
        below("largest |z| of E[m̂ₜ] vs E[g]"),
        col.every("smallest |z| of E[sₜ] vs the mistaken (1 − β₂)E[g²], t ≥ 2", f"> {Z_BOUND:g}",
                  lambda v: v > Z_BOUND),
        stats.every("relative error of the t = 1 step ratio against (1 − β₁)/√(1 − β₂)",
                    col("relative error of that ratio against (1 − β₁)/√(1 − β₂)"),
                    f"≤ {STEP_TOLERANCE:g}", lambda v: v <= STEP_TOLERANCE),
        stats.every("spread of m̂/√ŝ grows as β₁ falls", col("spread grows as β₁ falls"),
                    "true", lambda v: v == 1),
        stats.every("peak of m̂/√ŝ falls as β₁ falls", col("peak falls as β₁ falls"),
                    "true", lambda v: v == 1),
    )


def _plot(rep: dict, out_dir: Path):
    t = np.arange(1, rep["steps"] + 1)
    fig, (a, b, c, d) = figures.subplots(4, width=4.2)
    a.plot(t, rep["mean mₜ"], "o", ms=3, label="measured mean of mₜ")
    a.plot(t, (1 - BETA1 ** t) * MEAN, label="(1 − β₁ᵗ)·E[g]")
    a.axhline(MEAN, color="k", ls=":", label="E[g]")
    a.set(xlabel="step t", ylabel="E[mₜ]", title="First moment")
    b.loglog(t, rep["mean sₜ"], "o", ms=3, label="measured mean of sₜ")
    b.loglog(t, (1 - BETA2 ** t) * SECOND, label="(1 − β₂ᵗ)·E[g²]")
    b.loglog(t, np.full(t.shape, (1 - BETA2) * SECOND), "--",
             label="mistaken (1 − β₂)·E[g²]")
    b.set(xlabel="step t", ylabel="E[sₜ]", title="Second moment")
    c.plot(t, rep["step ratio"], "o", ms=3, label="measured")
    c.plot(t, (1 - BETA1 ** t) / np.sqrt(1 - BETA2 ** t), label="(1 − β₁ᵗ)/√(1 − β₂ᵗ)")
    c.axhline(1, color="k", ls=":", label="no mis-scaling")
    c.set(xlabel="step t", ylabel="uncorrected / corrected |step|",
          title="Steps without the correction")
    for b1, r in rep["directions"].items():
        d.hist(r, bins=60, density=True, histtype="step", label=f"β₁ = {b1}")
    d.set(xlabel=f"m̂/√ŝ at step {HIST_STEP}", ylabel="density", title="Adam's step direction")
    for ax in (a, b, c, d):
        ax.legend(fontsize=7)
    return figures.save(fig, out_dir, "moments", "Monte-Carlo means of Adam's moments "
                        "against the formulas, the size of the uncorrected steps relative to "
                        "the corrected ones, and the distribution of m̂/√ŝ for three β₁ "
                        "(first replicate).")


def present(ev: Evidence) -> Presentation:
    rep, n = ev.first, len(ev.replicates)
    steps, chains = rep["steps"], rep["chains"]
    worst = max(max(ev.values(k)) for k in ("largest |z| of E[mₜ] vs (1 − β₁ᵗ)E[g]",
                                             "largest |z| of E[sₜ] vs (1 − β₂ᵗ)E[g²]",
                                             "largest |z| of E[m̂ₜ] vs E[g]"))
    mistaken = min(ev.values("smallest |z| of E[sₜ] vs the mistaken (1 − β₂)E[g²], t ≥ 2"))
    first = float(np.mean(ev.values("uncorrected / corrected mean |step| at t = 1")))
    spread = {b: float(np.mean(ev.values(f"std of m̂/√ŝ, β₁ = {b}"))) for b in HIST_BETA1}
    peak = {b: float(np.mean(ev.values(f"peak density of m̂/√ŝ, β₁ = {b}")))
            for b in HIST_BETA1}
    facts = (
        f"Over {n} replicates of {chains} gradient streams and {steps} Adam steps, the largest "
        f"distance of a measured mean of mₜ, sₜ or m̂ₜ from its formula was {worst:.2f} "
        f"standard errors, while the mistaken (1 − β₂)E[g²] was at least {mistaken:.0f} "
        f"standard errors from the mean of sₜ at every step after the first. The first "
        f"uncorrected step was {first:.4f} times the corrected one (predicted "
        f"{PREDICTED_FIRST:.4f}). At step {HIST_STEP} the std of m̂/√ŝ was "
        + ", ".join(f"{spread[b]:.3f}" for b in HIST_BETA1) + " and its histogram's peak "
        + ", ".join(f"{peak[b]:.2f}" for b in HIST_BETA1)
        + f" for β₁ = {', '.join(map(str, HIST_BETA1))}. ")
    if ev.holds:
        reading = (
            "Unrolling the recursion, mₜ = (1 − β₁)Σᵢ β₁ᵗ⁻ⁱ gᵢ, whose weights sum to 1 − β₁ᵗ, not "
            "1: early on the average is mostly the zero it started from. Dividing by 1 − β₁ᵗ "
            "(and sₜ by 1 − β₂ᵗ) undoes exactly that. Without the correction the step is "
            "scaled by (1 − β₁ᵗ)/√(1 − β₂ᵗ) — too large, because sₜ's bias (β₂ close to 1) is "
            "much stronger than mₜ's. A smaller β₁ averages fewer gradients, so m̂/√ŝ scatters "
            "more widely and its histogram is lower.")
    else:
        reading = "The claim is not borne out in this run: see which of the tests above failed."
    rows = [[int(i), float(rep["mean mₜ"][i - 1]), (1 - BETA1 ** i) * MEAN,
             float(rep["mean sₜ"][i - 1]), (1 - BETA2 ** i) * SECOND,
             float(rep["step ratio"][i - 1]), float((1 - BETA1 ** i) / np.sqrt(1 - BETA2 ** i))]
            for i in (1, 2, 5, 10, steps)]
    k = 10
    return Presentation(
        explanation=facts + reading,
        tables=[Table(f"Moments and steps at a few t (β₁ = {BETA1}, β₂ = {BETA2}, g ~ "
                      f"N({MEAN}, {STD}²); replicate 1)",
                      ["t", "E[mₜ] measured", "(1 − β₁ᵗ)E[g]", "E[sₜ] measured",
                       "(1 − β₂ᵗ)E[g²]", "uncorrected/corrected step measured",
                       "(1 − β₁ᵗ)/√(1 − β₂ᵗ)"], rows),
                Table(f"Spread of m̂/√ŝ at step {HIST_STEP} (means over {n} replicates)",
                      ["β₁", "std", "peak density"],
                      [[b, spread[b], peak[b]] for b in HIST_BETA1])],
        mistakes=[Mistake("E[s₁₀] = (1 − β₂)E[g²]", (1 - BETA2) * SECOND,
                          "E[s₁₀] = (1 − β₂¹⁰)E[g²]", (1 - BETA2 ** k) * SECOND,
                          float(rep["mean sₜ"][k - 1]))],
        figures=[_plot(rep, ev.out_dir)],
    )


LAB = register(Lab(
    name="adam-bias-correction", title="Adam's bias correction",
    claim="Starting from m₀ = s₀ = 0, Adam's moments are biased: E[mₜ] = (1 − β₁ᵗ)E[g] and "
          "E[sₜ] = (1 − β₂ᵗ)E[g²], so the corrected m̂ₜ = mₜ/(1 − β₁ᵗ) is unbiased and the "
          "uncorrected first steps are mis-scaled; a smaller β₁ makes the distribution of "
          "m̂/√ŝ wider and lower.",
    claims=(19,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES, requires=("tamrin.optim:Adam",),
))
