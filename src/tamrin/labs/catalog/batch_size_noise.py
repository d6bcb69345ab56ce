"""Claim 20: SGD's loss curve is jagged, mini-batch smoother, full batch smooth — the
step-to-step noise shrinks as 1/√B — and small batches can escape poor regions.

Part 1: linear regression on the diabetes data with the library's ``LinearRegression(solver=
'sgd' | 'minibatch' | 'gd')``, the same learning rate and epochs for every batch size B;
``loss_curve_`` holds the loss of every step's batch.

Part 2: a one-parameter model whose loss over the data is a tilted double well,
L(w) = mean_i [(w² − 1)² + TILT·w + a_i·w] = (w² − 1)² + TILT·w (the a_i average to zero):
a shallow, poor minimum near w = +1 and a deeper one near w = −1. Started in the poor one,
full-batch gradient descent stays (its gradient points back into the basin), while SGD's
gradient carries the noise a_i of single samples and can carry w over the barrier. Both train
with ``tamrin.train.fit``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import DataLoader, TensorDataset, load_diabetes
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.measure import loglog_slope
from tamrin.labs.registry import register
from tamrin.models.classical import LinearRegression
from tamrin.train import fit

BATCHES = (1, 2, 4, 8, 16, 32)
LR = 0.01
# The exponent of the noise against B is −1/2 for an average of B independent draws; the
# mistaken "noise ∝ 1/B" has exponent −1. A band of ±0.1 around −1/2 leaves room for the
# finite-population factor √((n − B)/(n − 1)) (which steepens the slope by < 0.02 up to
# B = 32 of n = 442) and for sampling error, and is five band-widths from −1.
SLOPE = -0.5
SLOPE_TOL = 0.1
# "Smooth": full-batch GD repeats the same deterministic step, so its loss changes only by
# its slow trend; its step-to-step noise must be below a thousandth of SGD's (B = 1), and
# the loss must never rise (η = 0.01 is far below 2/L for the standardised data).
SMOOTH = 1e-3
SHOWN = 150  # steps drawn in the loss-curve figure
# Each noise is the std of the second half of a run: with 100 epochs even B = 32 gives ~650
# steps, enough to estimate a std to about ±3% (1/√(2·650)), so the slope over six batch
# sizes is pinned to a few hundredths (quick; full mode runs longer).
EPOCHS = {True: 100, False: 300}
REPLICATES = Replicates(quick=4, full=10)
# Part 2. TILT makes the minimum near −1 lower than the one near +1 by about 2·TILT = 0.6
# and the barrier from the poor side about 0.7 high. SAMPLE_SLOPES_STD, the spread of the
# per-sample slopes a_i, is of the order of the largest restoring force |L′| ≤ 1.6 between
# the wells, so a single sample's gradient can point over the barrier; an average over the
# full batch cannot (its noise is 0).
TILT = 0.3
SAMPLE_SLOPES_STD = 4.0
WELL_SAMPLES = 64
WELL_LR = 0.05
WELL_STEPS = 384  # six epochs of SGD on 64 samples
WELL_RUNS = {True: 8, False: 32}  # SGD runs per replicate (each its own sample order)
# "Can escape": it happens in a tenth of the runs or more — a real mechanism, not a fluke.
CAN_ESCAPE = 0.1
GRADIENT_DRAWS = {True: 1000, False: 4000}  # random batches per B for the gradient noise

CRITERION = (
    f"over the replicates (each a fresh order of the samples for SGD and mini-batches and fresh "
    f"random batches for the gradient noise), 95% t-intervals: the log-log slope of the "
    f"step-to-step loss noise against B = {', '.join(map(str, BATCHES))} lies within "
    f"{SLOPE:g} ± {SLOPE_TOL}, and so does that of the gradient noise ‖g_B − g‖; in every "
    f"replicate full-batch GD's loss noise is below {SMOOTH:g} times SGD's (B = 1) and its "
    f"loss never rises from one step to the next; on the tilted double well, started in the "
    f"poor minimum, full-batch descent never leaves it and the share of SGD runs (B = 1, "
    f"{WELL_STEPS} steps) that end in the better minimum has its 95% interval above "
    f"{CAN_ESCAPE:g}")


def standardized_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """The diabetes features and target, each standardised (every sample is training
    data here: nothing is held out)."""
    data = load_diabetes()
    x = Standardize().fit(data.data)(data.data)
    y = Standardize().fit(data.target[:, None])(data.target[:, None])[:, 0]
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def loss_curve(x: np.ndarray, y: np.ndarray, batch: int | None, epochs: int,
               seed: int) -> np.ndarray:
    """The loss of every full-size batch (``batch`` None: full-batch GD), in step order."""
    solver = "gd" if batch is None else "sgd" if batch == 1 else "minibatch"
    model = LinearRegression(solver=solver, lr=LR, max_iter=epochs, tol=None,
                             batch_size=batch or len(x), random_state=seed).fit(x, y)
    losses = np.array(model.loss_curve_)
    if batch is None or len(x) % batch == 0:
        return losses
    per_epoch = -(-len(x) // batch)
    return np.delete(losses, np.arange(per_epoch - 1, len(losses), per_epoch))  # short ones


def step_noise(losses: np.ndarray) -> float:
    """Step-to-step noise of a loss curve: the std of its second differences / √6 — for
    independent fluctuations of std σ that is σ, and a smooth trend (a curve still falling)
    contributes almost nothing."""
    return float(np.diff(losses, 2).std() / np.sqrt(6))


def rises(losses: np.ndarray) -> float:
    """The fraction of steps after which the loss went up."""
    return float(np.mean(np.diff(losses) > 0))


def gradient_noise(x: np.ndarray, y: np.ndarray, w: np.ndarray, batch: int, draws: int,
                   rng: np.random.Generator) -> float:
    """RMS of ‖g_B − g‖ over random batches of size B at the weights w (intercept last)."""
    xb1 = np.c_[x, np.ones(len(x))]
    per_sample = xb1 * (xb1 @ w - y)[:, None]  # ∇ of ½(xᵀw − y)² for each sample
    full = per_sample.mean(axis=0)
    gaps = [np.linalg.norm(per_sample[rng.choice(len(x), batch, replace=False)].mean(axis=0)
                           - full) for _ in range(draws)]
    return float(np.sqrt(np.mean(np.square(gaps))))


class TiltedWell(nn.Module):
    """One parameter w; on a batch of per-sample slopes a, the per-sample losses
    (w² − 1)² + TILT·w + a·w (their mean is the double well L(w) when the a_i average to 0).
    """

    def __init__(self, start: float = 1.0) -> None:
        super().__init__()
        self.w = nn.Parameter(tamrin.tensor([start], dtype=tamrin.float64))

    def forward(self, a: tamrin.Tensor) -> tamrin.Tensor:
        return (self.w * self.w - 1) ** 2 + TILT * self.w + a * self.w


def _mean_loss(out: tamrin.Tensor, target: tamrin.Tensor) -> tamrin.Tensor:
    return out.mean()


def descend_the_well(slopes: np.ndarray, batch: int, steps: int) -> float:
    """Where w ends after ``steps`` steps of (mini-)batch gradient descent from w = 1."""
    model = TiltedWell()
    data = TensorDataset(slopes, np.zeros(len(slopes)))
    loader = DataLoader(data, batch_size=batch, shuffle=batch < len(slopes), drop_last=True)
    fit(model, _mean_loss, optim.SGD(model.parameters(), lr=WELL_LR), loader,
        epochs=steps // len(loader), progress=False)
    return float(model.w.numpy()[0])


def escapes(quick: bool, rng: np.random.Generator) -> dict:
    """Part 2: the ends of SGD runs and of full-batch descent on one draw of the data."""
    slopes = rng.standard_normal((WELL_SAMPLES, 1))
    slopes -= slopes.mean()  # the a_i average to zero: the full-batch loss is exactly L(w)
    slopes *= SAMPLE_SLOPES_STD / slopes.std()  # and spread exactly SAMPLE_SLOPES_STD
    sgd_ends = np.array([descend_the_well(slopes, 1, WELL_STEPS)
                         for _ in range(WELL_RUNS[quick])])
    full_end = descend_the_well(slopes, WELL_SAMPLES, WELL_STEPS)
    return {"share of SGD runs ending in the better minimum": float(np.mean(sgd_ends < 0)),
            "full-batch descent ends in the better minimum": bool(full_end < 0),
            "full-batch descent's final w": full_end, "SGD ends": sgd_ends}


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x, y = standardized_diabetes()
    n, epochs = len(x), EPOCHS[quick]
    curves = {b: loss_curve(x, y, b, epochs, seed) for b in (*BATCHES, None)}
    settled = {b: c[len(c) // 2:] for b, c in curves.items()}  # after the transient
    loss_noise = np.array([step_noise(settled[b]) for b in BATCHES])
    full_noise = step_noise(settled[None])
    up = {b: rises(settled[b]) for b in (*BATCHES, None)}
    closed = LinearRegression().fit(x, y)
    w = np.r_[closed.coef_, closed.intercept_]
    grad_noise = np.array([gradient_noise(x, y, w, b, GRADIENT_DRAWS[quick], rng)
                           for b in BATCHES])
    per_sample = 0.5 * (x @ closed.coef_ + closed.intercept_ - y) ** 2
    finite = np.sqrt([(n - b) / (n - 1) for b in BATCHES])  # sampling without replacement
    return {
        "n": n, "epochs": epochs,
        "slope of loss noise vs B": loglog_slope(BATCHES, loss_noise),
        "slope of gradient noise vs B": loglog_slope(BATCHES, grad_noise),
        **{f"loss noise, B = {b}": float(v) for b, v in zip(BATCHES, loss_noise)},
        f"loss noise, full batch (B = {n})": full_noise,
        "full-batch noise / SGD noise": full_noise / float(loss_noise[0]),
        "fraction of steps where the loss rose: SGD": up[1],
        "fraction of steps where the loss rose: full batch": up[None],
        "curves": curves, "loss noise": loss_noise, "gradient noise": grad_noise,
        "predicted loss noise": per_sample.std() / np.sqrt(BATCHES) * finite,
        "rises": up, **escapes(quick, rng),
    }


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.mean_within("slope of loss noise vs B", SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL),
        col.mean_within("slope of gradient noise vs B", SLOPE - SLOPE_TOL, SLOPE + SLOPE_TOL),
        col.every("full-batch noise / SGD noise", f"< {SMOOTH:g}", lambda v: v < SMOOTH),
        stats.every("fraction of steps where the full-batch loss rose",
                    col("fraction of steps where the loss rose: full batch"), "= 0",
                    lambda v: v == 0),
        col.every("full-batch descent ends in the better minimum", "is false (0)",
                  lambda v: v == 0),
        col.mean_above("share of SGD runs ending in the better minimum", CAN_ESCAPE),
    )


def _plot(ev: Evidence, out_dir: Path):
    rep = ev.first
    curves = {"SGD (B = 1)": rep["curves"][1],
              f"mini-batch (B = {BATCHES[-1]})": rep["curves"][BATCHES[-1]],
              f"full batch (B = {rep['n']}, one step per epoch)": rep["curves"][None]}
    fig, axes = figures.subplots(2, width=5.2)
    for name, losses in curves.items():
        axes[0].plot(losses[:SHOWN], lw=0.8, label=name)
    axes[0].set(xlabel="step", ylabel="loss of the step's batch (½·MSE)", ylim=(0, None),
                title=f"the first {SHOWN} steps, same learning rate (replicate 1)")
    axes[0].legend()
    for i, r in enumerate(ev.replicates):
        axes[1].loglog(BATCHES, r["loss noise"], "o-", color="tab:blue", alpha=0.5,
                       label="loss noise (measured)" if i == 0 else None)
        axes[1].loglog(BATCHES, r["gradient noise"], "s-", color="tab:green", alpha=0.5,
                       label="gradient noise (measured)" if i == 0 else None)
    axes[1].loglog(BATCHES, rep["predicted loss noise"], "k:", label="σ_ℓ/√B (predicted)")
    axes[1].set(xlabel="batch size B", ylabel="noise (std)", title="noise against batch size")
    axes[1].legend(fontsize=8)
    return figures.save(fig, out_dir, "noise",
                        "Left: the batch loss at every step for SGD, a mini-batch and full "
                        "batch. Right: the step-to-step noise of the loss and of the gradient "
                        "against B, log-log, in every replicate, with the 1/√B prediction.")


def _plot_well(ev: Evidence, out_dir: Path):
    w = np.linspace(-1.6, 1.6, 321)
    fig, axes = figures.subplots(2, width=5.0)
    axes[0].plot(w, (w * w - 1) ** 2 + TILT * w, "k")
    axes[0].axvline(1.0, color="tab:red", ls=":", label="start (the poor minimum)")
    axes[0].set(xlabel="w", ylabel="L(w)", title="the tilted double well")
    axes[0].legend(fontsize=8)
    ends = np.concatenate(ev.values("SGD ends"))
    axes[1].hist(ends, bins=40, color="tab:blue", label=f"SGD, B = 1 ({len(ends)} runs)")
    axes[1].axvline(ev.first["full-batch descent's final w"], color="k", ls="--",
                    label="full-batch descent")
    axes[1].set(xlabel="final w", ylabel="runs", title=f"where w ends after {WELL_STEPS} steps")
    axes[1].legend(fontsize=8)
    return figures.save(fig, out_dir, "escape",
                        "Left: the loss over the data, a poor minimum near +1 and a better one "
                        "near −1. Right: where SGD runs (every replicate) and full-batch descent "
                        "end, all started at w = 1.")


def present(ev: Evidence) -> Presentation:
    n, rep = len(ev.replicates), ev.first
    mean = lambda key: float(np.mean(ev.values(key)))  # noqa: E731
    loss_slope = stats.t_interval(ev.values("slope of loss noise vs B"))
    grad_slope = stats.t_interval(ev.values("slope of gradient noise vs B"))
    noise = np.mean([r["loss noise"] for r in ev.replicates], axis=0)
    grad = np.mean([r["gradient noise"] for r in ev.replicates], axis=0)
    rises_mean = {b: float(np.mean([r["rises"][b] for r in ev.replicates]))
                  for b in (*BATCHES, None)}
    facts = (
        f"Over {n} replicates ({rep['epochs']} epochs each, η = {LR}), the step-to-step noise "
        f"of the loss fell from {noise[0]:.3g} at B = 1 to {noise[-1]:.3g} at B = "
        f"{BATCHES[-1]}: a log-log slope of {loss_slope[0]:.3f} (interval {loss_slope[1]:.3f} "
        f"to {loss_slope[2]:.3f}); the gradient noise's slope was {grad_slope[0]:.3f} "
        f"(interval {grad_slope[1]:.3f} to {grad_slope[2]:.3f}). Full-batch GD's noise was "
        f"{mean('full-batch noise / SGD noise'):.2g} times SGD's, and its loss rose after "
        f"{rises_mean[None]:.0%} of its steps, against {rises_mean[1]:.0%} for SGD. ")
    if ev.holds:
        reading = (
            "A batch's loss is the mean of B per-sample losses, so its spread around the full "
            "loss is σ_ℓ/√B (times √((n − B)/(n − 1)) when the batches are drawn without "
            "replacement from n samples). With B = 1 every step sees a different single sample "
            "and the curve jumps by the full spread of the per-sample losses; averaging B of "
            "them shrinks the jumps by √B, and the full batch sees the same data every step, "
            "so its curve only follows its trend. The gradient's noise, which is what makes "
            "SGD's weights jitter, shrinks the same way. Larger batches give less noise per "
            "step but cost B times more per step.")
    else:
        reading = "The claim is not borne out in this run: see which of the tests above failed."
    share = stats.t_interval(ev.values("share of SGD runs ending in the better minimum"))
    stuck = not any(ev.values("full-batch descent ends in the better minimum"))
    escape = (
        f" On the tilted double well, started in the poor minimum, "
        f"{share[0]:.0%} of the SGD runs (interval {share[1]:.0%} to {share[2]:.0%}) ended in "
        f"the better one, while full-batch descent "
        + ("stayed in the poor minimum in every replicate (final w "
           f"{ev.first['full-batch descent' + chr(39) + 's final w']:.3f}): its gradient is "
           "exactly the slope of L, which points back into the basin, whereas a single "
           "sample's gradient carries that sample's slope a_i, large enough to push w over "
           "the barrier." if stuck else "left it in some replicate, which the claim does not "
           "predict."))
    b16 = BATCHES.index(16)
    return Presentation(
        explanation=facts + reading + escape,
        tables=[Table(f"Noise against batch size (second half of training; means over {n} "
                      "replicates)",
                      ["B", "loss noise (measured)", "σ_ℓ/√B·√((n − B)/(n − 1)) (predicted)",
                       "gradient noise ‖g_B − g‖ (RMS)", "loss noise × √B",
                       "steps where the loss rose"],
                      [[b, float(m), float(p), float(g), float(m * np.sqrt(b)), rises_mean[b]]
                       for b, m, p, g in zip(BATCHES, noise, rep["predicted loss noise"], grad)]
                      + [[f"{rep['n']} (full)", mean(f"loss noise, full batch (B = {rep['n']})"),
                          0.0, 0.0, float(mean(f"loss noise, full batch (B = {rep['n']})")
                                          * np.sqrt(rep["n"])), rises_mean[None]]])],
        mistakes=[Mistake("noise ∝ 1/B: B = 16 has 1/16 of SGD's noise", float(noise[0] / 16),
                          "noise ∝ 1/√B: 1/4 of SGD's", float(noise[0] / 4),
                          float(noise[b16]))],
        figures=[_plot(ev, ev.out_dir), _plot_well(ev, ev.out_dir)],
    )


LAB = register(Lab(
    name="batch-size-noise", title="Batch size and the noise of the loss curve",
    claim="SGD's loss curve is jagged, mini-batch smoother, full batch smooth: the step-to-step "
          "noise scales as 1/√B. That noise lets small batches escape poor regions where "
          "full-batch descent stays.",
    claims=(20,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES, requires=("tamrin.models.classical:LinearRegression",),
))
