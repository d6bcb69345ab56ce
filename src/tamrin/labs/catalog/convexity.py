"""Claim 2: linear regression's loss is convex, so gradient descent from any start reaches the
same weights; a small MLP's loss is not, and different seeds end at different parameters and
losses.

Both models are trained on the standardised diabetes data with ``tamrin.train.fit`` (full
batch). Besides the spread of the end points, the lab tests convexity directly: a convex loss
never rises above the chord between two points, L((1 − t)a + tb) ≤ (1 − t)L(a) + tL(b).
"""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import load_diabetes
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import assign, flat, full_batch, step_losses
from tamrin.models import MLP
from tamrin.models.classical import LinearRegression

# Linear regression starts from w, b ~ N(0, 3²): on standardised data the least-squares
# weights are below 1 in size, so the starts lie several times farther apart than the answer.
START_STD = 3.0
# "The same weights": six significant digits, far above float64 rounding and far below any
# difference that matters; the same bound for the distance to the normal equation.
SAME = 1e-6
# "Different parameters": end points farther from their mean than half its norm — a
# difference of the size of the weights themselves, not a rounding or tolerance effect.
DIFFERENT = 0.5
# "Different losses": final training losses that differ by more than 1% of their mean —
# full-batch training of the same model on the same data to the same number of steps would
# give the same loss if every seed reached the same minimum.
LOSS_DIFFERENT = 0.01
# A rise above the chord of 5% of the final loss is a hill no rounding error can make.
BUMP = 0.05
# A convex loss may still rise above the chord by rounding: float64 losses of order one
# carry errors near 10⁻¹⁶, so 10⁻⁹ (relative) is rounding with a wide margin.
ROUNDING = 1e-9
TS = np.linspace(0, 1, 21)  # points along each segment
# The MLP must show non-convexity in most draws, not one lucky draw: 90% of the replicates.
SHARE = 0.9
REPLICATES = Replicates(quick=3, full=10)


def _data() -> tuple[tamrin.Tensor, tamrin.Tensor, np.ndarray, np.ndarray]:
    data = load_diabetes()
    x = Standardize().fit(data.data)(data.data)
    y = Standardize().fit(data.target[:, None])(data.target[:, None])
    return (tamrin.tensor(x, dtype="float64"), tamrin.tensor(y, dtype="float64"), x, y[:, 0])


def _linear(x: tamrin.Tensor, y: tamrin.Tensor, steps: int) -> tuple[nn.Module, np.ndarray,
                                                                     np.ndarray]:
    """Linear regression (a Linear layer on the MSE) from a random start, full-batch gradient
    descent with momentum; the model, its start point and its loss curve."""
    model = nn.Linear(x.shape[1], 1).double()
    nn.init.normal_(model.weight, std=START_STD)
    nn.init.normal_(model.bias, std=START_STD)
    start = flat(list(model.parameters()))
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    history = full_batch(model, nn.functional.mse_loss, opt, x, y, steps)
    return model, start, step_losses(history)


def _mlp(x: tamrin.Tensor, y: tamrin.Tensor, steps: int) -> tuple[nn.Module, np.ndarray,
                                                                  np.ndarray]:
    """A 10-32-32-1 tanh MLP from its default random init, full-batch Adam on the MSE."""
    model = MLP(x.shape[1], [32, 32], 1, activation="tanh").double()
    start = flat(list(model.parameters()))
    opt = optim.Adam(model.parameters(), lr=0.01)
    history = full_batch(model, nn.functional.mse_loss, opt, x, y, steps)
    return model, start, step_losses(history)


def _loss_at(model: nn.Module, point: np.ndarray, x, y) -> float:
    assign(list(model.parameters()), point)
    with tamrin.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


def chord_gaps(model: nn.Module, a: np.ndarray, b: np.ndarray, x, y) -> np.ndarray:
    """L((1 − t)a + tb) − [(1 − t)L(a) + tL(b)] along the segment from a to b."""
    losses = np.array([_loss_at(model, (1 - t) * a + t * b, x, y) for t in TS])
    return losses - ((1 - TS) * losses[0] + TS * losses[-1])


def spread(ends: np.ndarray) -> float:
    """Largest distance of an end point from their mean, relative to the mean's norm."""
    centre = ends.mean(axis=0)
    return float(np.linalg.norm(ends - centre, axis=1).max() / np.linalg.norm(centre))


def _train_all(make, x, y, seeds: list[int], steps: int) -> dict:
    """Train one model per seed: start and end points (rows), loss curves, final losses, and
    the last model (to evaluate the loss at other points)."""
    begins, ends, curves = [], [], []
    for seed in seeds:
        tamrin.manual_seed(seed)
        model, begin, curve = make(x, y, steps)
        begins.append(begin)
        ends.append(flat(list(model.parameters())))
        curves.append(curve)
    finals = np.array([_loss_at(model, e, x, y) for e in ends])
    return {"model": model, "begins": np.array(begins), "ends": np.array(ends),
            "curves": np.array(curves), "finals": finals}


def _worst_bump(run: dict, where: str, x, y) -> tuple[float, np.ndarray]:
    """The largest rise above the chord over the segments between consecutive points
    (``where``: "begins" or "ends"), relative to the mean final loss, and the gaps along
    the worst segment."""
    points = run[where]
    gaps = [chord_gaps(run["model"], a, b, x, y) for a, b in zip(points[:-1], points[1:])]
    worst = max(gaps, key=np.max)
    return float(worst.max() / run["finals"].mean()), worst


def measure(quick: bool, seed: int) -> dict:
    x, y, xs, ys = _data()
    starts, steps, mlp_steps = (4, 500, 400) if quick else (5, 600, 1000)
    seeds = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(2 * starts)]
    linear = _train_all(_linear, x, y, seeds[:starts], steps)
    mlp = _train_all(_mlp, x, y, seeds[starts:], mlp_steps)
    closed = LinearRegression().fit(xs, ys)
    closed_w = np.r_[closed.coef_, closed.intercept_]
    (start_rise, start_gaps), (end_rise, _) = (_worst_bump(linear, where, x, y)
                                               for where in ("begins", "ends"))
    mlp_rise, mlp_worst = _worst_bump(mlp, "ends", x, y)
    return {
        "starts": starts,
        "linear: relative spread of end points": spread(linear["ends"]),
        "linear: largest distance from the normal equation (relative)":
            float(np.abs(linear["ends"] - closed_w).max() / np.linalg.norm(closed_w)),
        "linear: largest rise above a chord / final loss": max(start_rise, end_rise),
        "linear: (max − min)/mean of final losses":
            float(np.ptp(linear["finals"]) / linear["finals"].mean()),
        "MLP: relative spread of end points": spread(mlp["ends"]),
        "MLP: (max − min)/mean of final losses":
            float(np.ptp(mlp["finals"]) / mlp["finals"].mean()),
        "MLP: largest rise above a chord between end points / final loss": mlp_rise,
        "linear curves": linear["curves"], "MLP curves": mlp["curves"],
        "MLP final losses": mlp["finals"], "linear final losses": linear["finals"],
        "linear chord gaps": start_gaps, "MLP chord gaps": mlp_worst,
    }


LIN_SPREAD = "linear: relative spread of end points"
LIN_GAP = "linear: largest distance from the normal equation (relative)"
LIN_RISE = "linear: largest rise above a chord / final loss"
MLP_SPREAD = "MLP: relative spread of end points"
MLP_LOSSES = "MLP: (max − min)/mean of final losses"
MLP_RISE = "MLP: largest rise above a chord between end points / final loss"


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.every(LIN_SPREAD, f"< {SAME:g}", lambda v: v < SAME),
        col.every(LIN_GAP, f"< {SAME:g}", lambda v: v < SAME),
        col.every(LIN_RISE, f"≤ {ROUNDING:g}", lambda v: v <= ROUNDING),
        stats.share_at_least(f"{MLP_SPREAD} > {DIFFERENT:g}",
                             [v > DIFFERENT for v in col(MLP_SPREAD)], SHARE),
        stats.share_at_least(f"{MLP_LOSSES} > {LOSS_DIFFERENT:g}",
                             [v > LOSS_DIFFERENT for v in col(MLP_LOSSES)], SHARE),
        stats.share_at_least(f"{MLP_RISE} > {BUMP:g}",
                             [v > BUMP for v in col(MLP_RISE)], SHARE),
    )


def _plot(ev: Evidence):
    first = ev.first
    fig, axes = figures.subplots(2, width=5.2)
    for (name, curves), color in zip((("linear regression", first["linear curves"]),
                                      ("MLP 10-32-32-1", first["MLP curves"])),
                                     ("tab:blue", "tab:orange")):
        for k, curve in enumerate(curves):
            axes[0].semilogy(curve, color=color, alpha=0.6, lw=1,
                             label=name if k == 0 else None)
    axes[0].set(xlabel="full-batch step", ylabel="training MSE (log)",
                title="every start (replicate 1)")
    axes[0].legend()
    for name, gaps in (("linear regression, between starts", first["linear chord gaps"]),
                       ("MLP, between trained end points", first["MLP chord gaps"])):
        axes[1].plot(TS, gaps, "o-", ms=3, label=name)
    axes[1].axhline(0, color="k", lw=0.8, ls=":", label="chord (convex ⇒ never above)")
    axes[1].set(xlabel="t along the segment from one point to the next",
                ylabel="L(segment) − chord", title="convexity test (worst segment)")
    axes[1].legend(fontsize=8)
    return figures.save(fig, ev.out_dir, "convexity",
                        "Left: training curves from every start of the first replicate. "
                        "Right: the loss along the straight segment between two points minus "
                        "the chord, on the segment where it rises most; a convex loss stays at "
                        "or below 0.")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    starts = ev.first["starts"]
    lin_spread, lin_gap, lin_rise = (max(ev.values(k)) for k in (LIN_SPREAD, LIN_GAP, LIN_RISE))
    mlp_spread, mlp_losses, mlp_rise = (ev.values(k) for k in (MLP_SPREAD, MLP_LOSSES,
                                                                MLP_RISE))
    linear_ok = lin_spread < SAME and lin_gap < SAME and lin_rise <= ROUNDING
    text = [
        "The mean squared error of a linear model is a convex quadratic in its weights: it "
        "lies below every chord and has a single minimum when XᵀX is positive definite. "
        f"In {n} replicates of {starts} starts drawn from N(0, {START_STD:g}²), gradient descent "
        f"ended at most {lin_spread:.2g} (relative) from the starts' mean end point and "
        f"{lin_gap:.2g} from the normal equation's solution, and the loss rose above a chord by "
        f"at most {lin_rise:.2g} of the final loss"
        + (" — the same weights from every start, and no sign of non-convexity."
           if linear_ok else
           f" — which fails the bounds ({SAME:g}, {SAME:g} and {ROUNDING:g})."),
        f"The MLP's end points, {starts} seeds per replicate, were spread by "
        f"{min(mlp_spread):.2f} to {max(mlp_spread):.2f} (relative), their final losses "
        f"differed by {min(mlp_losses):.1%} to {max(mlp_losses):.1%} of their mean, and the loss "
        f"along a straight segment between two trained networks rose above the chord by "
        f"{min(mlp_rise):.2f} to {max(mlp_rise):.2f} times the final loss.",
    ]
    if ev.holds:
        text.append("So training the same network on the same data from different random "
                    "initialisations ends in different places with different losses, and "
                    "between two of them the loss has a hill, which a convex function cannot "
                    "have. (Part of the spread is symmetry — permuting hidden units gives "
                    "another minimum with the same loss — but a convex loss would then be "
                    "minimal on the whole segment between them, and it is not.)")
    else:
        text.append("The claim is not borne out in these replicates: see the failed test "
                    "above.")
    rows = [[k + 1, *(rep[key] for key in (LIN_SPREAD, LIN_GAP, LIN_RISE, MLP_SPREAD,
                                           MLP_LOSSES, MLP_RISE))]
            for k, rep in enumerate(ev.replicates)]
    return Presentation(
        explanation=" ".join(text),
        tables=[Table(f"Per replicate ({starts} starts each; diabetes, standardised, MSE)",
                      ["replicate", "linear: spread", "linear: from normal eq.",
                       "linear: rise above chord / loss", "MLP: spread",
                       "MLP: (max − min)/mean loss", "MLP: rise above chord / loss"], rows),
                Table("Final training loss of each start (replicate 1)",
                      ["start", "linear regression", "MLP"],
                      [[k + 1, float(a), float(b)] for k, (a, b) in enumerate(
                          zip(ev.first["linear final losses"], ev.first["MLP final losses"]))])],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="convexity", title="Convex linear regression vs a non-convex MLP",
    claim="Gradient descent on linear regression reaches the same weights from any start; a "
          "small MLP ends at different parameters and losses for different seeds.",
    claims=(2,),
    criterion=(
        f"linear regression, in every replicate: end points of every start (N(0, "
        f"{START_STD:g}²)) within {SAME:g} (relative) of their mean and of the normal equation's "
        f"solution, and the loss never above a chord by more than {ROUNDING:g} of the final "
        f"loss (segments between consecutive starts and between consecutive end points); MLP "
        f"(10-32-32-1 tanh, Adam), in at least {SHARE:.0%} of the replicates: end points spread "
        f"by more than {DIFFERENT:g} (relative), final losses differing by more than "
        f"{LOSS_DIFFERENT:.0%} of their mean, and on a segment between two trained networks "
        f"the loss rising above the chord by more than {BUMP:.0%} of the final loss"),
    measure=measure, judge=judge, present=present, replicates=REPLICATES,
    requires=("tamrin.models.classical:LinearRegression", "tamrin.models:MLP",
              "tamrin.optim:Adam"),
))
