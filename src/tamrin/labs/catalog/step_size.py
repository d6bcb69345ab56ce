"""Claim 3: gradient descent on a quadratic falls monotonically for η < 2/L, diverges above.

The quadratic is real: least squares on a random 80% of the diabetes data, L(w, b) =
(1/2n)‖Xw + b − y‖², whose Hessian [X 1]ᵀ[X 1]/n has largest eigenvalue L. A ``nn.Linear``
from a random start is trained by ``tamrin.train.fit`` with plain SGD on the full batch.
"""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import load_diabetes, train_test_split
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import step_losses
from tamrin.train import Callback, fit

STABLE = (0.5, 1.0, 1.9)  # η·L below 2: the claim says the loss falls at every step
UNSTABLE = (2.1, 2.5)  # η·L above 2: the claim says the loss grows without bound
# A float64 loss of order one carries rounding errors near 10⁻¹⁶ per term, summed over a
# few hundred residuals; a "rise" smaller than 10⁻¹² of the starting loss is rounding.
ROUNDING = 1e-12
# "Grows without bound", seen in finitely many steps: a loss at least a thousand times its
# start. No run with η < 2/L can end above its start at all, so such growth is divergence.
DIVERGED = 1e3
STOP = 1e12  # a diverging run is stopped here, before the numbers overflow (not a criterion)
# Presentation only: a measured growth rate within 1% of (1 − ηL)² is the top mode's (the next
# mode's factor is far from it at these step sizes).
RATE_MATCH = 0.01
TRAIN_SHARE = 0.8  # each replicate: a random 80% of the rows and a random start
REPLICATES = Replicates(quick=3, full=10)


class _StopWhenExploded(Callback):
    """Stops ``fit`` once the loss exceeds ``STOP`` times its first value."""

    def on_epoch_end(self, run, logs) -> None:
        first = run.history.steps[0]["loss"]
        if logs["loss"] > STOP * first:
            run.stop_training = True


def _problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    data = load_diabetes()
    x_train, _, y_train, _ = train_test_split(data.data, data.target, train_size=TRAIN_SHARE,
                                              random_state=rng)
    x = Standardize().fit(x_train)(x_train)
    y = Standardize().fit(y_train[:, None])(y_train[:, None])
    return x, y


def _half_mse(out: tamrin.Tensor, target: tamrin.Tensor) -> tamrin.Tensor:
    """(1/2n)‖out − target‖²: the course's convention, whose Hessian is [X 1]ᵀ[X 1]/n."""
    return 0.5 * nn.functional.mse_loss(out, target)


def losses_under(x: np.ndarray, y: np.ndarray, lr: float, steps: int,
                 start: np.ndarray) -> np.ndarray:
    """The loss at every step of full-batch gradient descent (``steps`` steps, so
    ``steps + 1`` losses; fewer if it explodes) from the weights ``start`` = (w, b)."""
    model = nn.Linear(x.shape[1], 1).double()
    model.weight.numpy()[...] = start[:-1]
    model.bias.numpy()[...] = start[-1:]
    history = fit(model, _half_mse, optim.SGD(model.parameters(), lr=lr),
                  [(tamrin.tensor(x, dtype="float64"), tamrin.tensor(y, dtype="float64"))],
                  epochs=steps + 1, callbacks=[_StopWhenExploded()], progress=False)
    return step_losses(history)


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x, y = _problem(rng)
    design = np.c_[x, np.ones(len(x))]
    curvatures = np.linalg.eigvalsh(design.T @ design / len(x))
    top = float(curvatures[-1])
    best = float(np.sum((design @ np.linalg.lstsq(design, y[:, 0], rcond=None)[0]
                         - y[:, 0]) ** 2) / (2 * len(x)))
    start = rng.standard_normal(x.shape[1] + 1)
    steps = 150 if quick else 1000
    out: dict = {"L (largest curvature)": top, "2/L": 2 / top, "steps": steps, "curves": {}}
    for f in STABLE + UNSTABLE:
        losses = losses_under(x, y, f / top, steps, start)
        gap = losses - best
        out["curves"][f] = gap
        out[f"η = {f}/L: steps where the loss rose"] = int(
            np.sum(np.diff(losses) > ROUNDING * losses[0]))
        out[f"η = {f}/L: final / initial loss"] = float(losses[-1] / losses[0])
        out[f"η = {f}/L: last-step change of L − L*: measured"] = float(gap[-1] / gap[-2])
        out[f"η = {f}/L: last-step change of L − L*: predicted max (1 − ηλ)²"] = float(
            np.max((1 - f * curvatures / top) ** 2))
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    checks = []
    for f in STABLE:
        rose, ratio = f"η = {f}/L: steps where the loss rose", f"η = {f}/L: final / initial loss"
        checks += [col.every(rose, "= 0", lambda v: v == 0),
                   col.every(ratio, "< 1", lambda v: v < 1)]
    for f in UNSTABLE:
        ratio = f"η = {f}/L: final / initial loss"
        checks.append(col.every(ratio, f"> {DIVERGED:g}", lambda v: v > DIVERGED))
    return Judgement.of(*checks)


def _plot(ev: Evidence):
    first = ev.first
    fig, (ax,) = figures.subplots(width=6.5)
    for f, gap in first["curves"].items():
        ax.semilogy(gap, label=f"η = {f}/L")
    ax.set(xlabel="gradient-descent step", ylabel="L(w) − L(w*)  (log scale)",
           title=f"Diabetes least squares (replicate 1), L = {first['L (largest curvature)']:.3f}",
           ylim=(1e-16, None))
    ax.legend()
    return figures.save(fig, ev.out_dir, "loss_vs_step",
                        "Loss gap per step for several step sizes, in units of 1/L, from the "
                        "same random start (replicate 1).")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    rows = []
    for f in STABLE + UNSTABLE:
        rose = ev.values(f"η = {f}/L: steps where the loss rose")
        ratio = ev.values(f"η = {f}/L: final / initial loss")
        measured = ev.values(f"η = {f}/L: last-step change of L − L*: measured")
        predicted = ev.values(f"η = {f}/L: last-step change of L − L*: predicted max (1 − ηλ)²")
        rows.append([f"{f}/L", int(sum(r > 0 for r in rose)), min(ratio), max(ratio),
                     float(np.mean(predicted)), float(np.mean(measured))])
    stable_ok = all(row[1] == 0 and row[3] < 1 for row in rows[:len(STABLE)])
    unstable_ok = all(row[2] > DIVERGED for row in rows[len(STABLE):])
    edge = rows[len(STABLE)]  # the first step size above 2/L
    rate_error = abs(edge[5] / edge[4] - 1)
    text = [
        "Along each eigenvector of the Hessian the error is multiplied by (1 − ηλ) per step, "
        "so its share of the loss by (1 − ηλ)². All factors lie inside (−1, 1) exactly when "
        "η < 2/L."]
    if stable_ok:
        text.append(f"In every one of {n} replicates (a random subsample and a random start "
                    f"each), with η = {', '.join(f'{f}/L' for f in STABLE)} the loss fell at "
                    f"every step, ending at {max(r[3] for r in rows[:len(STABLE)]):.2g} of its "
                    f"start or less.")
    else:
        text.append(f"Below 2/L the loss did not fall at every step in every replicate (rises "
                    f"in {sum(r[1] for r in rows[:len(STABLE)])} runs), which contradicts the "
                    f"claim.")
    if unstable_ok:
        text.append(f"Above 2/L it exploded: at η = {UNSTABLE[0]}/L it ended at "
                    f"{edge[2]:.2g} times its start or more, growing by {edge[5]:.4f} per "
                    f"step at the end against (1 − ηL)² = {edge[4]:.4f} for the top-curvature "
                    f"mode"
                    + (" — the top mode flips sign and grows each step." if rate_error < RATE_MATCH
                       else f" (a {rate_error:.1%} difference)."))
    else:
        text.append(f"Above 2/L the loss did not always grow past {DIVERGED:g} times its start "
                    f"(smallest final/initial ratio {min(r[2] for r in rows[len(STABLE):]):.3g}),"
                    f" which contradicts the claim.")
    if ev.holds:
        text.append("So 'the training loss always falls each epoch' is false: it falls only "
                    "when the step is small enough for the sharpest direction.")
    return Presentation(
        explanation=" ".join(text),
        tables=[Table(f"Loss under each step size ({n} replicates, {ev.first['steps']} steps)",
                      ["η", "replicates where the loss rose at some step",
                       "smallest final / initial loss", "largest final / initial loss",
                       "predicted last-step rate of L − L*: max (1 − ηλ)² (mean)",
                       "measured last-step rate (mean)"], rows)],
        mistakes=[Mistake("the training loss always falls each step (rate ≤ 1)", 1.0,
                          f"L − L* changes by (1 − ηL)² per step at η = {UNSTABLE[0]}/L",
                          edge[4], edge[5])],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="step-size", title="Gradient-descent step size: 2/L is the edge",
    claim="On a quadratic whose largest curvature is L, gradient descent with step η < 2/L "
          "lowers the loss at every step, while η > 2/L makes it grow without bound — so "
          "'the training loss always falls each epoch' is false in general.",
    claims=(3,),
    criterion=(
        f"in every replicate (a random {TRAIN_SHARE:.0%} of the diabetes rows and a random "
        f"start): for η = {', '.join(f'{f}/L' for f in STABLE)} the loss never rises from one "
        f"step to the next (beyond {ROUNDING:g} of its start) and ends below its start; for "
        f"η = {', '.join(f'{f}/L' for f in UNSTABLE)} it ends above {DIVERGED:g} times its "
        f"start"),
    measure=measure, judge=judge, present=present, replicates=REPLICATES,
))
