"""Claim 20: SGD's loss curve is jagged, mini-batch smoother, full batch smooth — the
step-to-step noise shrinks as 1/√B.

Linear regression on the diabetes data with ``LinearRegression(solver='sgd' | 'minibatch' |
'gd')``, the same learning rate and epochs for every batch size B; ``loss_curve_`` holds the
loss of every step's batch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes

from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.measure import loglog_slope
from tamrin.labs.rawnet import standardized
from tamrin.labs.registry import register
from tamrin.models.classical import LinearRegression

BATCHES = (1, 2, 4, 8, 16, 32)
LR = 0.01
SLOPE_TOL = 0.1  # the fitted exponent may differ from −1/2 by this much
SHOWN = 150  # steps drawn in the loss-curve figure
SMOOTH = 1e-3  # full batch: noise below this fraction of SGD's counts as smooth


def _curve(x: np.ndarray, y: np.ndarray, batch: int | None, epochs: int,
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


def _gradient_noise(x: np.ndarray, y: np.ndarray, w: np.ndarray, batch: int, draws: int,
                    rng: np.random.Generator) -> float:
    """RMS of ‖g_B − g‖ over random batches of size B at the weights w (intercept last)."""
    xb1 = np.c_[x, np.ones(len(x))]
    per_sample = xb1 * (xb1 @ w - y)[:, None]  # ∇ of ½(xᵀw − y)² for each sample
    full = per_sample.mean(axis=0)
    gaps = [np.linalg.norm(per_sample[rng.choice(len(x), batch, replace=False)].mean(axis=0)
                           - full) for _ in range(draws)]
    return float(np.sqrt(np.mean(np.square(gaps))))


def _plot(curves: dict[str, np.ndarray], noise: dict[str, np.ndarray], out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    for name, losses in curves.items():
        axes[0].plot(losses[:SHOWN], lw=0.8, label=name)
    axes[0].set(xlabel="step", ylabel="loss of the step's batch (½·MSE)", ylim=(0, None),
                title=f"the first {SHOWN} steps, same learning rate")
    axes[0].legend()
    for name, values in noise.items():
        axes[1].loglog(BATCHES, values, "o-" if "measured" in name else ":", label=name)
    axes[1].set(xlabel="batch size B", ylabel="noise (std)", title="noise against batch size")
    axes[1].legend(fontsize=8)
    return figures.save(fig, out_dir, "noise",
                        "Left: the batch loss at every step for SGD, a mini-batch and full "
                        "batch. Right: the step-to-step noise of the loss and of the gradient "
                        "against B, log-log, with the 1/√B prediction.")


@register("batch-size-noise", "Batch size and the noise of the loss curve",
          "SGD's loss curve is jagged, mini-batch smoother, full batch smooth: the step-to-step "
          "noise scales as 1/√B.", (20,), ("tamrin.models.classical:LinearRegression",))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    data = load_diabetes()
    x, y = standardized(data.data), standardized(data.target[:, None])[:, 0]
    n, epochs = len(x), 30 if quick else 200
    curves = {b: _curve(x, y, b, epochs, seed) for b in (*BATCHES, None)}
    settled = {b: c[len(c) // 2:] for b, c in curves.items()}  # after the transient
    loss_noise = np.array([step_noise(settled[b]) for b in BATCHES])
    full_noise = step_noise(settled[None])
    up = [rises(settled[b]) for b in (*BATCHES, None)]
    closed = LinearRegression().fit(x, y)
    w = np.r_[closed.coef_, closed.intercept_]
    per_sample = 0.5 * (x @ closed.coef_ + closed.intercept_ - y) ** 2
    finite = np.sqrt([(n - b) / (n - 1) for b in BATCHES])  # sampling without replacement
    predicted = per_sample.std() / np.sqrt(BATCHES) * finite
    grad_noise = np.array([_gradient_noise(x, y, w, b, 200 if quick else 2000, rng)
                           for b in BATCHES])
    slopes = {"loss": loglog_slope(BATCHES, loss_noise),
              "gradient": loglog_slope(BATCHES, grad_noise)}
    ok = (all(abs(s + 0.5) < SLOPE_TOL for s in slopes.values())
          and full_noise < SMOOTH * loss_noise[0] and up[-1] == 0)
    return Result(
        lab="batch-size-noise", verdict=verdict(ok),
        criterion=f"over B = {', '.join(map(str, BATCHES))} the log-log slope of the "
                  f"step-to-step loss noise and of the gradient noise are both within "
                  f"{SLOPE_TOL} of −1/2; and full-batch GD's noise is below {SMOOTH:g} times "
                  "SGD's (B = 1), its loss falling at every step",
        measurements={"slope of loss noise vs B": slopes["loss"],
                      "slope of gradient noise vs B": slopes["gradient"],
                      "loss noise, B = 1": float(loss_noise[0]),
                      f"loss noise, B = {BATCHES[-1]}": float(loss_noise[-1]),
                      f"loss noise, full batch (B = {n})": full_noise,
                      "fraction of steps where the loss rose: SGD": up[0],
                      "fraction of steps where the loss rose: full batch": up[-1],
                      "epochs": epochs, "learning rate": LR},
        tables=[Table("Noise against batch size (second half of training)",
                      ["B", "loss noise (measured)", "σ_ℓ/√B·√((n − B)/(n − 1)) (predicted)",
                       "gradient noise ‖g_B − g‖ (RMS)", "loss noise × √B",
                       "steps where the loss rose"],
                      [[b, float(m), float(p), float(g), float(m * np.sqrt(b)), r]
                       for b, m, p, g, r in zip(BATCHES, loss_noise, predicted, grad_noise, up)]
                      + [[f"{n} (full)", full_noise, 0.0, 0.0, float(full_noise * np.sqrt(n)),
                          up[-1]]])],
        figures=[_plot({"SGD (B = 1)": curves[1],
                        f"mini-batch (B = {BATCHES[-1]})": curves[BATCHES[-1]],
                        f"full batch (B = {n}, one step per epoch)": curves[None]},
                       {"loss noise (measured)": loss_noise,
                        "σ_ℓ/√B (predicted)": predicted,
                        "gradient noise (measured)": grad_noise}, out_dir)],
        explanation="A batch's loss is the mean of B per-sample losses, so its spread around "
                    "the full loss is σ_ℓ/√B (times √((n − B)/(n − 1)) when the batches are "
                    "drawn without replacement from n samples). With B = 1 every step sees a "
                    "different single sample and the curve jumps by the full spread of the "
                    "per-sample losses; averaging B of them shrinks the jumps by √B — the "
                    "measured exponent is close to −1/2 and matches the prediction — and "
                    "the full batch sees the same data every step, so its curve is smooth and "
                    "falls monotonically. The gradient's noise, which is what makes SGD's "
                    "weights jitter, shrinks the same way. Larger batches give less noise "
                    "per step but cost B times more per step.",
    )
