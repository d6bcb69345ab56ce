"""Claim 1: gradient descent reaches the normal equation's weights; the two cost O(m·n·d) and
O(nd² + d³).

Agreement on the diabetes data (both solvers of ``LinearRegression``); cost measured as CPU
time on synthetic data of growing n and d, read off as log-log slopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.measure import cpu_seconds, loglog_slope
from tamrin.labs.rawnet import standardized
from tamrin.labs.registry import register
from tamrin.models.classical import LinearRegression

AGREE = 1e-6  # ‖w_gd − w_closed‖ / ‖w_closed‖ that counts as "the same weights"
SLOPE_TOL = 0.6  # how far a measured exponent may be from the correct formula's
GD_EPOCHS = 2  # epochs per timed GD fit (m is fixed; only n and d vary)
NORMAL, GD = "normal equation", "gradient descent"


@dataclass
class Sweep:
    """One timing experiment: ``solver``'s CPU time as ``axis`` ("n" or "d") takes
    ``values`` while the other dimension stays at ``fixed``."""

    solver: str
    axis: str
    fixed: int
    values: np.ndarray
    seconds: np.ndarray | None = None

    def shape(self, value: int) -> tuple[int, int]:
        return (value, self.fixed) if self.axis == "n" else (self.fixed, value)

    def label(self) -> str:
        other = "d" if self.axis == "n" else "n"
        return f"{self.solver} ({other} = {self.fixed})"


def _plan(quick: bool) -> list[Sweep]:
    """Sizes where each method's dominant kernel dominates its time. GD streams X from
    memory twice per epoch, so its X is 32–128 MB (256 MB in full mode): beyond the cache at
    every size, since an X that fits in the cache runs faster per byte and bends the line.
    The normal equation is dominated by the product XᵀX once d ≥ 256; below that the O(n·d)
    passes every fit makes over the data (checks, centring, refinement) still count."""
    more = [] if quick else [2]  # full mode: one doubling more on every axis
    sizes = {(NORMAL, "n"): (64, [32768, 65536, 131072]),
             (GD, "n"): (64, [65536, 131072, 262144]),
             (NORMAL, "d"): (4096, [256, 512, 1024]),
             (GD, "d"): (4096, [1024, 2048, 4096])}
    return [Sweep(solver, axis, fixed, np.array(values + [f * values[-1] for f in more]))
            for (solver, axis), (fixed, values) in sizes.items()]


def _time(sweep: Sweep, repeats: int, rng: np.random.Generator) -> np.ndarray:
    """CPU seconds of one fit at each size of ``sweep``: the sizes are leading rows or
    columns of one random problem of the largest size."""
    n, d = sweep.shape(int(sweep.values[-1]))
    x = rng.random((n, d))
    y = x @ rng.standard_normal(d) + rng.standard_normal(n)
    model = LinearRegression(solver="normal") if sweep.solver == NORMAL else \
        LinearRegression(solver="gd", lr=0.1, max_iter=GD_EPOCHS, tol=None)
    seconds = []
    for v in sweep.values:
        xv, yv = (x[:v], y[:v]) if sweep.axis == "n" else (np.ascontiguousarray(x[:, :v]), y)
        seconds.append(cpu_seconds(model.fit, xv, yv, repeats=repeats))
    return np.array(seconds)


def _normal_cost(n: float, d: float) -> float:
    """Multiply-adds of the normal equation: XᵀX (n·d²) and its Cholesky factor (d³/3)."""
    return n * d**2 + d**3 / 3


def _correct_exponent(sweep: Sweep) -> float:
    """The log-log slope of the correct cost formula over the swept sizes."""
    if sweep.solver == GD:
        return 1.0  # m·n·d is linear in n and in d
    return loglog_slope(sweep.values, [_normal_cost(*sweep.shape(v)) for v in sweep.values])


# What the common mistakes (closed form O(n³), GD O(nm)) predict for the exponent.
MISTAKEN = {(NORMAL, "n"): 3.0, (NORMAL, "d"): 0.0, (GD, "d"): 0.0}


def _matches(measured: float, correct: float, mistaken: float | None) -> bool:
    """Within SLOPE_TOL of the correct exponent, and closer to it than to the mistaken one."""
    error = abs(measured - correct)
    return error < SLOPE_TOL and (mistaken is None or error < abs(measured - mistaken))


def _weights(model: LinearRegression) -> np.ndarray:
    return np.r_[model.coef_, model.intercept_]


def _distances(x: np.ndarray, y: np.ndarray, steps: np.ndarray,
               lr: float) -> tuple[np.ndarray, np.ndarray]:
    """‖w_gd(m) − w_closed‖ / ‖w_closed‖ after each number of GD steps m, and w_closed."""
    closed = _weights(LinearRegression(solver="normal").fit(x, y))
    gaps = [np.linalg.norm(_weights(LinearRegression(solver="gd", lr=lr, max_iter=int(m),
                                                     tol=None).fit(x, y)) - closed)
            for m in steps]
    return np.array(gaps) / np.linalg.norm(closed), closed


def _plot_convergence(steps, gaps, predicted, out_dir: Path):
    fig, (ax,) = figures.subplots(width=6.0)
    ax.semilogy(steps, gaps, "o-", label="measured ‖w_gd − w_closed‖ / ‖w_closed‖")
    ax.semilogy(steps, predicted, ":", color="k", label="(1 − ηλ_min)^m (slowest mode)")
    ax.axhline(AGREE, ls="--", color="tab:red", label=f"criterion {AGREE:g}")
    ax.set(xlabel="gradient-descent steps m", ylabel="relative distance to w_closed",
           title="Diabetes: GD approaches the normal equation")
    ax.legend()
    return figures.save(fig, out_dir, "convergence",
                        "Distance of the GD weights from the normal-equation weights after m "
                        "full-batch steps (η = 1/L); the dotted line is the slowest mode's "
                        "predicted rate.")


def _plot_scaling(sweeps: list[Sweep], slopes: list[float], out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    for ax, axis in zip(axes, ("n", "d")):
        for sweep, slope in zip(sweeps, slopes):
            if sweep.axis == axis:
                ax.loglog(sweep.values, sweep.seconds, "o-",
                          label=f"{sweep.label()}: slope {slope:.2f}")
        ax.set(xlabel=axis, ylabel="CPU seconds per fit (log)", title=f"time as {axis} grows")
        ax.legend(fontsize=8)
    return figures.save(fig, out_dir, "scaling",
                        f"CPU time of one fit (GD: {GD_EPOCHS} epochs) against n and against d, "
                        "log-log; the slope is the exponent of the cost.")


@register("normal-equation-vs-gd", "Gradient descent vs the normal equation",
          "Gradient descent and the normal equation reach the same linear-regression weights; "
          "the closed form costs O(nd² + d³), m epochs of GD cost O(m·n·d).", (1,),
          ("tamrin.models.classical:LinearRegression",))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    data = load_diabetes()
    x, y = standardized(data.data), data.target
    curvatures = np.linalg.eigvalsh(np.cov(x.T, bias=True))
    top, low = max(curvatures[-1], 1.0), curvatures[0]  # the intercept adds curvature 1
    steps = np.unique(np.geomspace(1, 8000 if quick else 20000, 10).astype(int))
    gaps, closed = _distances(x, y, steps, 1 / top)
    predicted = (1 - low / top) ** steps
    late_rate = float((gaps[-1] / gaps[-2]) ** (1 / (steps[-1] - steps[-2])))

    sweeps = _plan(quick)
    for sweep in sweeps:
        sweep.seconds = _time(sweep, 2 if quick else 4, rng)
    slopes = [loglog_slope(s.values, s.seconds) for s in sweeps]
    correct = [_correct_exponent(s) for s in sweeps]
    mistaken = [MISTAKEN.get((s.solver, s.axis)) for s in sweeps]
    fits = [_matches(*args) for args in zip(slopes, correct, mistaken)]
    ok = gaps[-1] < AGREE and all(fits)
    by_key = {(s.solver, s.axis): (slope, c) for s, slope, c in zip(sweeps, slopes, correct)}
    return Result(
        lab="normal-equation-vs-gd", verdict=verdict(ok),
        criterion=f"after {steps[-1]} GD steps the weights are within {AGREE:g} (relative) of "
                  "the normal equation's; and every measured log-log time exponent is within "
                  f"{SLOPE_TOL} of the exponent of the correct cost (n·d² + d³/3 multiply-adds "
                  "for the normal equation, m·n·d for GD) and closer to it than to the "
                  "mistaken formula's (O(n³), O(nm))",
        measurements={"‖w_closed‖": float(np.linalg.norm(closed)),
                      f"relative distance after {steps[-1]} GD steps": float(gaps[-1]),
                      "learning rate η = 1/L": float(1 / top),
                      "condition number L/λ_min": float(top / low),
                      "late per-step contraction: measured": late_rate,
                      "late per-step contraction: predicted 1 − ηλ_min": float(1 - low / top),
                      **{f"time exponent: {s.solver} vs {s.axis}": slope
                         for s, slope in zip(sweeps, slopes)}},
        tables=[Table("Diabetes: GD weights approach the closed form",
                      ["GD steps m", "‖w_gd − w_closed‖ / ‖w_closed‖", "(1 − ηλ_min)^m"],
                      [[int(m), float(g), float(p)] for m, g, p in zip(steps, gaps, predicted)]),
                Table("Time exponents (log-log slopes of CPU time)",
                      ["fit", "mistaken formula", "correct formula", "measured",
                       "matches the correct one"],
                      [[f"{s.label()}, as {s.axis} grows", "—" if m is None else m, c, slope,
                        "yes" if f else "no"]
                       for s, m, c, slope, f in zip(sweeps, mistaken, correct, slopes, fits)]),
                Table("CPU seconds per fit", ["fit", "n", "d", "CPU seconds"],
                      [[s.solver, *s.shape(int(v)), float(t)]
                       for s in sweeps for v, t in zip(s.values, s.seconds)])],
        mistakes=[Mistake("closed form costs O(n³): time exponent in n", 3.0,
                          "O(nd² + d³): exponent in n", by_key[(NORMAL, "n")][1],
                          by_key[(NORMAL, "n")][0]),
                  Mistake("closed form costs O(n³): time exponent in d", 0.0,
                          "O(nd² + d³): exponent in d", by_key[(NORMAL, "d")][1],
                          by_key[(NORMAL, "d")][0]),
                  Mistake("GD costs O(nm): time exponent in d", 0.0,
                          "O(m·n·d): exponent in d", 1.0, by_key[(GD, "d")][0])],
        figures=[_plot_convergence(steps, gaps, predicted, out_dir),
                 _plot_scaling(sweeps, slopes, out_dir)],
        explanation="Least squares is a convex quadratic with one minimiser, which the normal "
                    "equation computes directly and gradient descent approaches geometrically: "
                    "the error along the flattest direction shrinks by (1 − ηλ_min) per step "
                    "(measured and predicted contraction agree), so the condition number sets "
                    "how many steps agreement takes. The closed form builds XᵀX (n·d² "
                    "multiply-adds) and factors it (d³/3), so its time grows linearly in n and "
                    "about quadratically in d while n ≫ d — never as n³, since n only enters "
                    "through the sum over samples. Each GD epoch is two matrix–vector products "
                    "with X (n·d each), so m epochs cost m·n·d: the time grows linearly in d "
                    "too, which a count of O(nm) misses. Measured exponents fall a little "
                    "short of the formulas' where the matrix product runs below its peak "
                    "speed at the smaller sizes, or where the data fits in the cache.",
    )
