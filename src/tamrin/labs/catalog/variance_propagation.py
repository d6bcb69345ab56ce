"""Claim 9: how the variance of pre-activations travels through 50 ReLU layers under each
initialisation, against the rule Var(z) = n·Var(w)·E[x²]."""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.rawnet import INIT_VARIANCE, as_tensor, init_weight
from tamrin.labs.registry import register

SCHEMES = ("he", "glorot", "lecun", "normal", "uniform")
LAYERS = 50
# "Of order one": within a factor of ten of 1, the usual meaning of the phrase.
ORDER_ONE = (0.1, 10.0)
# The rule is exact in expectation; a finite width n adds noise of order √(2/n) to each
# layer's ratio (6% at n = 512), which the geometric mean over 49 layers averages down, so a
# 10% band tells the rule apart from every common mistake (which are off by 2× or more).
RULE_TOLERANCE = 0.10
# Var(z₁) is averaged over n·batch ≥ 65,536 products: 5% is ten standard errors.
FIRST_LAYER_TOLERANCE = 0.05
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"over the replicates (fresh weights and inputs each): the 95% interval of the geometric "
    f"mean of He's Var(z₅₀) lies inside ({ORDER_ONE[0]:g}, {ORDER_ONE[1]:g}); for every "
    f"scheme the 95% interval of the measured per-layer variance ratio divided by the "
    f"predicted n·Var(w)/2 lies inside 1 ± {RULE_TOLERANCE:g}; and in every replicate "
    f"Var(z₁) = n·Var(w)·Var(x) within {FIRST_LAYER_TOLERANCE:.0%} for every scheme")


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


def measure(quick: bool, seed: int) -> dict:
    """One replicate: fresh inputs and weights for every scheme."""
    rng = np.random.default_rng(seed)
    width, batch = (512, 256) if quick else (1024, 1024)
    curves = {s: variances(s, width, batch, rng) for s in SCHEMES}
    out: dict = {"width n": width, "curves": curves}
    for s, v in curves.items():
        out[f"ratio / predicted: {s}"] = measured_factor(v) / predicted_factor(s, width)
        out[f"measured per-layer ratio: {s}"] = measured_factor(v)
        out[f"Var(z₁) / (n·Var(w)·Var(x)): {s}"] = v[0] / (width * INIT_VARIANCE[s](width,
                                                                                      width))
    out["He: Var(z₅₀)"] = float(curves["he"][-1])
    out["largest |Var(z₁)/(n·Var(w)·Var(x)) − 1|"] = max(
        abs(out[f"Var(z₁) / (n·Var(w)·Var(x)): {s}"] - 1) for s in SCHEMES)
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.log_mean_within("He: Var(z₅₀)", *ORDER_ONE),
        *(stats.mean_within(f"measured / predicted per-layer ratio: {s}",
                            col(f"ratio / predicted: {s}"), 1 - RULE_TOLERANCE,
                            1 + RULE_TOLERANCE) for s in SCHEMES),
        col.every("largest |Var(z₁)/(n·Var(w)·Var(x)) − 1|", f"≤ {FIRST_LAYER_TOLERANCE:g}",
                  lambda v: v <= FIRST_LAYER_TOLERANCE),
    )


def _plot(curves: dict[str, np.ndarray], out_dir):
    fig, (ax,) = figures.subplots(width=6.5, height=4.2)
    for scheme, v in curves.items():
        ax.semilogy(np.arange(1, LAYERS + 1), v, label=scheme)
    ax.axhspan(*ORDER_ONE, color="grey", alpha=0.15, label="order one (0.1 to 10)")
    ax.set(xlabel="layer", ylabel="Var(z) (log scale)",
           title="Pre-activation variance through ReLU layers (replicate 1)")
    ax.legend()
    return figures.save(fig, out_dir, "variance_vs_layer",
                        "Var(z) per layer for each initialisation (ReLU between layers), in "
                        "the first replicate; the band is 'order one'.")


def _mistakes(width: int, factor: dict[str, float]) -> list[Mistake]:
    n = width
    return [
        Mistake("Xavier Var(w) = 1/(n_in + n_out) ⇒ ratio n·Var(w)/2 = 1/4", 0.25,
                "Var(w) = 2/(n_in + n_out) ⇒ 1/2", 0.5, factor["glorot"]),
        Mistake("He read as Var(w) = √(2/n) ⇒ ratio n·√(2/n)/2", n * np.sqrt(2 / n) / 2,
                "Var(w) = 2/n (std √(2/n)) ⇒ 1", 1.0, factor["he"]),
        Mistake("U(±1/√n) shrinks 3⁻ᴸ (ignores ReLU's ½)", 1 / 3,
                "Var(w) = 1/(3n), with ReLU ⇒ 1/6", 1 / 6, factor["uniform"]),
    ]


def present(ev: Evidence) -> Presentation:
    width = ev.first["width n"]
    factor = {s: float(np.mean(ev.values(f"measured per-layer ratio: {s}"))) for s in SCHEMES}
    he_last = stats.log_mean_within("", ev.values("He: Var(z₅₀)"), *ORDER_ONE)
    rows = [[s, INIT_VARIANCE[s](width, width), predicted_factor(s, width), factor[s],
             float(np.exp(np.mean(np.log(ev.values(f"ratio / predicted: {s}")))))]
            for s in SCHEMES]
    worst = max(SCHEMES, key=lambda s: max(abs(r - 1) for r in
                                           ev.values(f"ratio / predicted: {s}")))
    worst_dev = max(abs(r - 1) for r in ev.values(f"ratio / predicted: {worst}"))
    if ev.holds:
        verdict_text = (f"Measured over {len(ev.replicates)} replicates, every scheme's "
                        f"per-layer ratio is within {worst_dev:.1%} of n·Var(w)/2 (the "
                        f"largest miss is {worst}'s), and He's Var(z₅₀) has a geometric mean "
                        f"of {he_last.estimate:.3g} (interval {he_last.low:.3g} to "
                        f"{he_last.high:.3g}): of order one, as claimed.")
    else:
        verdict_text = (f"The claim is not borne out here: the largest deviation from the rule "
                        f"is {worst_dev:.1%} ({worst}), and He's Var(z₅₀) has a geometric "
                        f"mean of {he_last.estimate:.3g} (interval {he_last.low:.3g} to "
                        f"{he_last.high:.3g}); see which test failed above.")
    return Presentation(
        explanation=(
            "Each pre-activation is a sum of n products w·a, so Var(z) = n·Var(w)·E[a²]; ReLU "
            "zeroes half of a symmetric z, so E[a²] = Var(z)/2 and the variance is multiplied "
            f"by n·Var(w)/2 per layer. With n = {width}: He gives {factor['he']:.3f} per "
            f"layer, Glorot {factor['glorot']:.3f}, LeCun {factor['lecun']:.3f} (≈ 2⁻ᴸ over "
            f"L layers), N(0,1) {factor['normal']:.3g} (explodes) and U(±1/√n) "
            f"{factor['uniform']:.3f} (≈ 1/6: the 3⁻ᴸ sometimes quoted is the rate of a "
            f"linear network). {verdict_text}"),
        tables=[Table(f"Variance through {LAYERS} ReLU layers (n = {width}; means over "
                      f"{len(ev.replicates)} replicates)",
                      ["init", "Var(w)", "predicted ratio n·Var(w)/2",
                       "measured ratio (mean)", "measured / predicted (geometric mean)"],
                      rows)],
        mistakes=_mistakes(width, factor),
        figures=[_plot(ev.first["curves"], ev.out_dir)],
    )


LAB = register(Lab(
    name="variance-propagation", title="Variance propagation through 50 layers",
    claim="With ReLU, He initialisation keeps the pre-activation variance of order one over 50 "
          "layers; Glorot and LeCun halve it per layer, N(0,1) blows it up by n/2 per layer, "
          "U(±1/√n) shrinks it — each as Var(z) = n·Var(w)·E[x²] predicts.",
    claims=(9,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
