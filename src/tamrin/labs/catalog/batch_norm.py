"""Claim 18: batch normalisation reaches a target accuracy in fewer epochs (though each step
costs more); with tiny batches its batch statistics are noisy — the batch mean's std is
σ/√B — and the network behaves differently in train and eval mode."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.labs import figures, stats
from tamrin.labs.classify import Split, digits_split, first_epoch_reaching, train
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.models import MLP
from tamrin.train import History, predict

N_TRAIN, HIDDEN = 500, [64, 64, 64]
TARGET = 0.9  # validation accuracy to reach: most digits right, well short of the ceiling
SPEED_BATCH, SPEED_LR = 32, 0.05  # plain SGD, the same for both networks
BATCHES = (2, 4, 8, 16, 32, 64, 128, 256)
# The std of a batch mean is estimated from R random batches, with a relative standard
# error of about 1/√(2R) (2.2% at R = 1000, quick) per feature for normal data — more for
# the skewed pixels of the digits; ±15% is several of those, and still tells σ/√B from the
# mistaken σ/B (off by √B ≥ 1.41, i.e. by ≥ 41%, at every B ≥ 2).
NOISE_TOLERANCE = 0.15
TINY, LARGE = 2, 128
# At one normalised layer, batches of 2 turn every feature into ±1: for a standard normal
# input z the train-mode value s = sign(z₁ − z₂) differs from z by E[(s − z)²] = 2 − 2/√π,
# a relative difference √(2 − 2/√π) ≈ 0.93 — the network computed in training is another
# function. "Diverges" is taken to mean a difference of order one: the train-mode outputs with
# B = 2 must differ from the eval-mode ones by more than half their size.
ORDER_ONE = 0.5
# And the divergence must come from the tiny batch, not from a mismatch of the running
# statistics that any B would show: with B = 128 the batch mean and variance are off by only
# about 1/√B and 1/√(2B) (a relative difference ≈ √(1.5/128) ≈ 0.11 per layer, adding up to
# ≈ 0.19 over three normalised layers, plus the running averages' own noise), a factor of
# about 8.6/√3 ≈ 5 below B = 2's. The B = 2 difference must be more than twice the B = 128
# one — well below that factor, since the expected value itself would be passed by only
# half of the draws.
DIVERGENCE_FACTOR = 2.0
# "Fewer epochs": the paired difference (epochs without − epochs with batch norm) must have
# its 95% interval above zero.
FEWER = 0.0
REPLICATES = Replicates(quick=3, full=10)

PLAIN, NORMED = "without batch norm", "with batch norm"
CRITERION = (
    f"over the replicates (each a fresh draw of the {N_TRAIN} training digits, the weights, the "
    f"batch order and the random batches), 95% intervals: the epochs to reach {TARGET:.0%} "
    f"validation accuracy without minus with batch norm lie above {FEWER:g} (not reaching it "
    f"counts as one epoch more than trained); at every B in {BATCHES} the std of the batch "
    f"mean a BatchNorm1d computes, divided by σ/√B, lies within 1 ± {NOISE_TOLERANCE:g}; the "
    f"trained batch-norm network's relative difference between its train-mode outputs "
    f"(batches of B = {TINY}) and its eval-mode outputs on the validation set is of order one "
    f"(interval of the geometric mean above {ORDER_ONE:g}) and more than {DIVERGENCE_FACTOR:g} "
    f"times the difference with batches of B = {LARGE} (interval of the geometric mean of the "
    f"ratio above {DIVERGENCE_FACTOR:g})")


def net(batch_norm: bool) -> MLP:
    """64 → 64 → 64 → 64 → 10 ReLU MLP, with BatchNorm1d after each hidden Linear if asked."""
    return MLP(64, HIDDEN, 10, activation="relu", batch_norm=batch_norm)


def batch_mean_spread(x: np.ndarray, draws: int, rng: np.random.Generator) -> dict[int, dict]:
    """For each batch size B: the spread, over ``draws`` random batches (drawn with
    replacement), of the batch mean that a BatchNorm1d computes — read from its running
    mean with momentum 1 — against σ/√B. Over the features that vary, as root mean squares:
    the variance estimates are unbiased, so their mean is too (a mean of per-feature std
    ratios would be dragged around by the nearly constant pixels of rare digits)."""
    sigma = x.std(axis=0)
    varies = sigma > 0
    layer = nn.BatchNorm1d(x.shape[1], momentum=1.0)
    out = {}
    with tamrin.no_grad():
        for b in BATCHES:
            means = []
            for _ in range(draws):
                layer(tamrin.tensor(x[rng.integers(0, len(x), b)]))
                means.append(layer.running_mean.numpy().copy())
            measured = np.sqrt(np.mean(np.var(means, axis=0, ddof=1)[varies]))
            predicted = np.sqrt(np.mean(sigma[varies] ** 2 / b))
            out[b] = {"measured": float(measured), "predicted": float(predicted),
                      "ratio": float(measured / predicted)}
    return out


def train_eval_difference(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[int, dict]:
    """The trained network on (x, y) in eval mode (running statistics) and in train mode
    (each batch of B normalised by its own statistics): for each B, the relative difference
    ‖train − eval‖/‖eval‖ of the outputs, and the accuracy in both modes. The train-mode
    passes move the running statistics, so eval mode is measured first."""
    eval_out = predict(model, x)
    out = {}
    was_training = model.training
    model.train()
    with tamrin.no_grad():
        for b in BATCHES:
            keep = len(x) - len(x) % b
            train_out = np.concatenate([model(tamrin.tensor(x[s:s + b])).numpy()
                                        for s in range(0, keep, b)])
            out[b] = {"difference": float(np.linalg.norm(train_out - eval_out[:keep])
                                          / np.linalg.norm(eval_out[:keep])),
                      "eval accuracy": float(np.mean(eval_out.argmax(1) == y)),
                      "train-mode accuracy": float(np.mean(train_out.argmax(1) == y[:keep]))}
    model.train(was_training)
    return out


def measure(quick: bool, seed: int) -> dict:
    """One replicate: both networks trained on one split; the batch-mean noise of a
    BatchNorm1d on the training inputs; the batch-norm network's train/eval difference."""
    rng = np.random.default_rng(seed)
    data: Split = digits_split(N_TRAIN, rng)
    epochs = 30 if quick else 40
    out: dict = {"epochs trained": epochs, "histories": {}}
    models = {}
    for name, bn in ((PLAIN, False), (NORMED, True)):
        model = models[name] = net(bn)
        history = train(model, optim.SGD(model.parameters(), lr=SPEED_LR), data, epochs,
                        SPEED_BATCH)
        reached = first_epoch_reaching(history, TARGET)
        out["histories"][name] = history
        out[f"epochs to {TARGET:.0%}: {name}"] = reached or epochs + 1
        out[f"reached {TARGET:.0%}: {name}"] = reached is not None
        out[f"median ms per step: {name}"] = 1e3 * float(np.median(
            [s["time"] for s in history.steps]))
    out["epochs saved by batch norm"] = (out[f"epochs to {TARGET:.0%}: {PLAIN}"]
                                         - out[f"epochs to {TARGET:.0%}: {NORMED}"])
    noise = batch_mean_spread(data.x_train, 1000 if quick else 4000, rng)
    out["batch-mean noise"] = noise
    for b, row in noise.items():
        out[f"batch-mean std / (σ/√B), B = {b}"] = row["ratio"]
    modes = train_eval_difference(models[NORMED], data.x_val, data.y_val)
    out["train vs eval"] = modes
    for b in (TINY, LARGE):
        out[f"train/eval output difference, B = {b}"] = modes[b]["difference"]
        out[f"train-mode accuracy, B = {b}"] = modes[b]["train-mode accuracy"]
    out["eval-mode accuracy"] = modes[TINY]["eval accuracy"]
    out[f"difference ratio B = {TINY} / B = {LARGE}"] = (modes[TINY]["difference"]
                                                        / modes[LARGE]["difference"])
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        stats.mean_above(f"epochs to {TARGET:.0%} saved by batch norm (without − with)",
                         col("epochs saved by batch norm"), FEWER),
        *(col.mean_within(f"batch-mean std / (σ/√B), B = {b}", 1 - NOISE_TOLERANCE,
                          1 + NOISE_TOLERANCE) for b in BATCHES),
        stats.log_mean_within(f"relative train/eval output difference, B = {TINY}",
                              col(f"train/eval output difference, B = {TINY}"), ORDER_ONE,
                              math.inf),
        stats.log_mean_within(f"train/eval difference, B = {TINY} over B = {LARGE}",
                              col(f"difference ratio B = {TINY} / B = {LARGE}"),
                              DIVERGENCE_FACTOR, math.inf),
    )


def _plot(ev: Evidence, out_dir: Path):
    histories: dict[str, History] = ev.first["histories"]
    fig, axes = figures.subplots(3, width=4.8, height=3.9)
    for name, h in histories.items():
        axes[0].plot(np.arange(1, len(h.epochs) + 1), h["val_accuracy"], label=name)
    axes[0].axhline(TARGET, color="k", ls=":", label=f"target {TARGET:.0%}")
    axes[0].set(xlabel="epoch", ylabel="validation accuracy",
                title="Speed of training (replicate 1)")
    b = np.array(BATCHES)
    for i, rep in enumerate(ev.replicates):
        noise = rep["batch-mean noise"]
        axes[1].loglog(b, [noise[k]["measured"] for k in BATCHES], "o", color="tab:blue",
                       alpha=0.5, label="measured (BatchNorm1d)" if i == 0 else None)
        modes = rep["train vs eval"]
        axes[2].loglog(b, [modes[k]["difference"] for k in BATCHES], "o-", color="tab:red",
                       alpha=0.5, label="measured, each replicate" if i == 0 else None)
    first = ev.first["batch-mean noise"]
    axes[1].loglog(b, [first[k]["predicted"] for k in BATCHES], "k-", label="σ/√B")
    axes[1].set(xlabel="batch size B", ylabel="std of the batch mean (RMS over features)",
                title="Noise of the batch statistics")
    axes[2].axhline(ORDER_ONE, color="k", ls=":", label=f"order one ({ORDER_ONE:g})")
    axes[2].set(xlabel="batch size B of the train-mode pass",
                ylabel="relative train/eval output difference",
                title="Train vs eval mode, same network")
    for ax in axes:
        ax.legend(fontsize=7)
    return figures.save(fig, out_dir, "batch_norm",
                        "Left: validation accuracy per epoch with and without batch norm. "
                        "Middle: spread of the batch mean against σ/√B (every replicate). "
                        "Right: the trained batch-norm network's outputs with batch "
                        "statistics of B examples against those with running statistics.")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    mean = lambda key: float(np.mean(ev.values(key)))  # noqa: E731
    epochs = ev.first["epochs trained"]
    reached = {name: sum(ev.values(f"reached {TARGET:.0%}: {name}")) for name in (PLAIN, NORMED)}
    step_cost = mean(f"median ms per step: {NORMED}") / mean(f"median ms per step: {PLAIN}")
    worst_b = max(BATCHES, key=lambda b: abs(mean(f"batch-mean std / (σ/√B), B = {b}") - 1))
    ratio = stats.log_mean_within("", ev.values(f"difference ratio B = {TINY} / B = {LARGE}"),
                                  DIVERGENCE_FACTOR, math.inf)
    facts = (
        f"Over {n} replicates, plain SGD reached {TARGET:.0%} validation accuracy after "
        f"{mean(f'epochs to {TARGET:.0%}: {PLAIN}'):.1f} epochs on average without batch norm "
        f"(reached within {epochs} epochs in {reached[PLAIN]} of {n}) and after "
        f"{mean(f'epochs to {TARGET:.0%}: {NORMED}'):.1f} with it ({reached[NORMED]} of {n}); "
        f"a step with batch norm took {step_cost:.2f} times as long (median step times). "
        f"The std of the batch mean divided by σ/√B averaged between "
        f"{min(mean(f'batch-mean std / (σ/√B), B = {b}') for b in BATCHES):.3f} and "
        f"{max(mean(f'batch-mean std / (σ/√B), B = {b}') for b in BATCHES):.3f} over B = "
        f"{BATCHES[0]} … {BATCHES[-1]} (furthest from 1 at B = {worst_b}). The trained "
        f"batch-norm network's outputs with batch statistics differed from its eval-mode outputs "
        f"by {mean(f'train/eval output difference, B = {TINY}'):.2f} (relative) with batches "
        f"of {TINY} and by {mean(f'train/eval output difference, B = {LARGE}'):.3f} with "
        f"batches of {LARGE}: a factor of {ratio.estimate:.1f} (geometric mean, interval "
        f"{ratio.low:.1f} to {ratio.high:.1f}); its validation accuracy was "
        f"{mean('eval-mode accuracy'):.1%} in eval mode, "
        f"{mean(f'train-mode accuracy, B = {LARGE}'):.1%} in train mode with B = {LARGE} and "
        f"{mean(f'train-mode accuracy, B = {TINY}'):.1%} with B = {TINY}. ")
    cost = ("the means, variances and their backward pass are the extra cost of each step"
            if step_cost > 1 else "the means and variances did not make a step slower here")
    if ev.holds:
        reading = (
            "Re-centring and re-scaling each hidden layer per batch keeps every layer's inputs "
            f"on one scale while the earlier layers learn, so the same learning rate makes "
            f"progress from the first epochs; {cost}. A batch mean is an average of B draws, "
            "so its std is σ/√B, as the BatchNorm1d's batch means show. With B = 2 every "
            "normalised feature is ±1 whatever its value, a very different signal from the "
            "running averages used in eval mode, so the same weights answer differently in "
            "the two modes.")
    else:
        reading = ("The claim is not borne out in this run: see which of the tests above "
                   "failed.")
    noise_b = 16
    return Presentation(
        explanation=facts + reading,
        tables=[Table(f"Reaching {TARGET:.0%} validation accuracy ({N_TRAIN} training digits, "
                      f"SGD η = {SPEED_LR}, B = {SPEED_BATCH}; means over {n} replicates)",
                      ["network", f"epochs to {TARGET:.0%} ({epochs} + 1 if never)",
                       f"replicates reaching it in {epochs}", "median ms per step"],
                      [[name, mean(f"epochs to {TARGET:.0%}: {name}"), reached[name],
                        mean(f"median ms per step: {name}")] for name in (PLAIN, NORMED)]),
                Table("Std of the batch mean (BatchNorm1d, momentum 1) vs σ/√B (means over "
                      "the replicates)", ["B", "measured", "σ/√B", "measured / predicted"],
                      [[b, float(np.mean([r["batch-mean noise"][b]["measured"]
                                          for r in ev.replicates])),
                        float(np.mean([r["batch-mean noise"][b]["predicted"]
                                       for r in ev.replicates])),
                        mean(f"batch-mean std / (σ/√B), B = {b}")] for b in BATCHES]),
                Table("The trained batch-norm network on the validation set: train mode "
                      "(statistics of each batch of B) vs eval mode (running statistics); "
                      "means over the replicates",
                      ["B", "relative output difference", "train-mode accuracy",
                       "eval-mode accuracy"],
                      [[b, *(float(np.mean([r["train vs eval"][b][k] for r in ev.replicates]))
                             for k in ("difference", "train-mode accuracy", "eval accuracy"))]
                       for b in BATCHES])],
        mistakes=[Mistake(f"std of the batch mean = σ/B at B = {noise_b} (σ = 1: the inputs "
                          "are standardised)", 1 / noise_b, f"σ/√B at B = {noise_b}",
                          1 / math.sqrt(noise_b),
                          float(np.mean([r["batch-mean noise"][noise_b]["measured"]
                                         for r in ev.replicates])))],
        figures=[_plot(ev, ev.out_dir)],
    )


LAB = register(Lab(
    name="batch-norm", title="Batch normalisation: speed and small-batch noise",
    claim="Normalising each hidden layer with its batch's statistics lets plain SGD reach a "
          "target accuracy in fewer epochs, even though each step does more work (the step "
          "times are shown, not judged: a shared machine's clock is too noisy). The statistics "
          "of a batch of B examples are noisy — the batch mean's standard deviation is σ/√B "
          "— so with tiny batches the network computed in training (batch statistics) and in "
          "evaluation (running statistics) are no longer the same.",
    claims=(18,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.nn:BatchNorm1d", "tamrin.optim:SGD", "tamrin.models:MLP",
              "tamrin.train:fit"),
))
