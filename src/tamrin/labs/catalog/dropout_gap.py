"""Claim 17: dropout narrows the train–validation gap of a network that over-fits (a wide MLP
on 200 handwritten digits, a fifth of whose labels are wrong).

The labels are made noisy on purpose: an earlier version of this lab, on 200 clean digits,
found that dropout changed nothing (this run does not repeat that). A wrong label is something
a network can only memorise, never learn from the other examples — which makes memorising
(over-fitting) visible and measurable: the share of the wrong labels it fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tamrin import nn, optim
from tamrin.labs import figures, stats
from tamrin.labs.classify import Split, digits_split, train
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.train import History, predict

N_TRAIN, LABEL_NOISE = 200, 0.2
WIDTH, EPOCHS = 256, 30
P_INPUT, P_HIDDEN = 0.2, 0.5  # the usual choices of Srivastava et al. (2014)
LR, MOMENTUM, BATCH = 0.01, 0.9, 20
# The accuracies of one epoch jitter with the last few SGD steps; the "final" accuracies are
# the mean over the last LAST epochs, which averages that jitter away.
LAST = 5
# "Learns the training set by heart": it fits most — more than half — of the labels that can
# only be memorised (the wrong ones), not just the ones the digits themselves predict.
MEMORISED = 0.5
# "Narrower", "memorises less", "not lower": the paired differences (without − with dropout,
# same data and batch order) must have their 95% interval above zero.
NO_CHANGE = 0.0
REPLICATES = Replicates(quick=6, full=12)

PLAIN, DROPOUT = "no dropout", "dropout"
CRITERION = (
    f"over the replicates (each a fresh draw of the {N_TRAIN} training digits, of the labels "
    f"made wrong, of the initial weights and of the batch order), 95% t-intervals of the mean: "
    f"without dropout the network fits more than {MEMORISED:.0%} of the wrong training labels "
    f"(the interval of that share lies above {MEMORISED:g}) and its training accuracy exceeds "
    f"its validation accuracy (the gap's interval lies above {NO_CHANGE:g}); with dropout it "
    f"fits fewer of them, its training − validation accuracy gap is narrower, and its "
    f"validation accuracy is higher (each paired difference's interval lies above "
    f"{NO_CHANGE:g}); accuracies are the mean of the last {LAST} of {EPOCHS} epochs")


def wide_mlp(width: int, dropout: bool) -> nn.Sequential:
    """64 → width → width → 10 with ReLU; with ``dropout``, nn.Dropout on the input (P_INPUT)
    and after each hidden layer (P_HIDDEN)."""
    p_in, p_hidden = (P_INPUT, P_HIDDEN) if dropout else (0.0, 0.0)
    return nn.Sequential(nn.Dropout(p_in), nn.Linear(64, width), nn.ReLU(),
                         nn.Dropout(p_hidden), nn.Linear(width, width), nn.ReLU(),
                         nn.Dropout(p_hidden), nn.Linear(width, 10))


def noisy_split(rng: np.random.Generator) -> tuple[Split, np.ndarray]:
    """The digits split with LABEL_NOISE of the training labels redrawn uniformly from the
    ten classes; also the mask of the training labels that ended up wrong (a redraw can hit
    the true class)."""
    data = digits_split(N_TRAIN, rng)
    clean = data.y_train.copy()
    redrawn = rng.random(N_TRAIN) < LABEL_NOISE
    data.y_train = np.where(redrawn, rng.integers(0, 10, N_TRAIN), clean)
    return data, data.y_train != clean


def measure(quick: bool, seed: int) -> dict:
    """One replicate: one noisy training set, the same network trained without and with
    dropout (accuracies in eval mode, training accuracy against the noisy labels, each the
    mean of the last LAST epochs; the share of wrong labels fitted after the last one)."""
    data, wrong = noisy_split(np.random.default_rng(seed))
    out: dict = {"wrong training labels": int(wrong.sum()), "histories": {}}
    for name, dropout in ((PLAIN, False), (DROPOUT, True)):
        model = wide_mlp(WIDTH, dropout)
        history = train(model, optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM), data,
                        EPOCHS, BATCH)
        fitted = predict(model, data.x_train).argmax(axis=1) == data.y_train
        final = {key: float(np.mean(history[key][-LAST:]))
                 for key in ("train_accuracy", "val_accuracy", "train_loss", "val_loss")}
        out["histories"][name] = history
        out[f"training accuracy: {name}"] = final["train_accuracy"]
        out[f"validation accuracy: {name}"] = final["val_accuracy"]
        out[f"accuracy gap: {name}"] = final["train_accuracy"] - final["val_accuracy"]
        out[f"loss gap: {name}"] = final["val_loss"] - final["train_loss"]
        out[f"wrong labels fitted: {name}"] = float(fitted[wrong].mean())
    out["gap narrowing (no dropout − dropout)"] = (out[f"accuracy gap: {PLAIN}"]
                                                   - out[f"accuracy gap: {DROPOUT}"])
    out["fewer wrong labels fitted (no dropout − dropout)"] = (
        out[f"wrong labels fitted: {PLAIN}"] - out[f"wrong labels fitted: {DROPOUT}"])
    out["validation gain (dropout − no dropout)"] = (out[f"validation accuracy: {DROPOUT}"]
                                                     - out[f"validation accuracy: {PLAIN}"])
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        stats.mean_above("share of wrong labels fitted without dropout",
                         col(f"wrong labels fitted: {PLAIN}"), MEMORISED),
        stats.mean_above("training − validation accuracy gap without dropout",
                         col(f"accuracy gap: {PLAIN}"), NO_CHANGE),
        col.mean_above("fewer wrong labels fitted (no dropout − dropout)", NO_CHANGE),
        col.mean_above("gap narrowing (no dropout − dropout)", NO_CHANGE),
        col.mean_above("validation gain (dropout − no dropout)", NO_CHANGE),
    )


def _plot(histories: dict[str, History], out_dir: Path):
    fig, axes = figures.subplots(2, width=5.4, height=3.9)
    for (name, h), colour in zip(histories.items(), ("tab:red", "tab:blue")):
        epochs = np.arange(1, len(h.epochs) + 1)
        train_acc, val_acc = np.array(h["train_accuracy"]), np.array(h["val_accuracy"])
        axes[0].plot(epochs, train_acc, color=colour, label=f"{name}: training")
        axes[0].plot(epochs, val_acc, color=colour, ls="--", label=f"{name}: validation")
        axes[1].plot(epochs, train_acc - val_acc, color=colour, label=name)
    axes[0].set(xlabel="epoch", ylabel="accuracy (eval mode)", title="Accuracy")
    axes[1].set(xlabel="epoch", ylabel="training − validation accuracy",
                title="Generalisation gap")
    for ax in axes:
        ax.legend(fontsize=7)
    return figures.save(fig, out_dir, "gap",
                        "Training and validation accuracy with and without dropout (first "
                        "replicate; training accuracy against the noisy labels, in eval mode), "
                        "and the gap between them.")


def _strip(ev: Evidence, out_dir: Path):
    fig, (ax,) = figures.subplots(width=5.4, height=3.4)
    for i, name in enumerate((PLAIN, DROPOUT)):
        values = ev.values(f"accuracy gap: {name}")
        ax.plot(np.full(len(values), i), values, "o", alpha=0.6, label=name)
    for a, b in zip(ev.values(f"accuracy gap: {PLAIN}"), ev.values(f"accuracy gap: {DROPOUT}")):
        ax.plot([0, 1], [a, b], color="grey", lw=0.6)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks([0, 1])
    ax.set_xticklabels([PLAIN, DROPOUT])
    ax.set(ylabel="training − validation accuracy", title="Gap in every replicate")
    return figures.save(fig, out_dir, "gaps",
                        "The final training − validation accuracy gap of every replicate, "
                        "without and with dropout (lines join the two networks trained on "
                        "the same data).")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    mean = {key: float(np.mean(ev.values(key))) for key in ev.replicates[0]
            if isinstance(ev.replicates[0][key], (int, float))}
    rows = [[name, mean[f"training accuracy: {name}"], mean[f"validation accuracy: {name}"],
             mean[f"accuracy gap: {name}"], mean[f"loss gap: {name}"],
             mean[f"wrong labels fitted: {name}"]] for name in (PLAIN, DROPOUT)]
    narrower = sum(g > 0 for g in ev.values("gap narrowing (no dropout − dropout)"))
    facts = (f"Over {n} replicates (accuracies: the mean of the last {LAST} epochs), without "
             f"dropout the network had a training accuracy of "
             f"{mean[f'training accuracy: {PLAIN}']:.1%} against the noisy labels and fitted "
             f"{mean[f'wrong labels fitted: {PLAIN}']:.0%} of the wrong ones, while its "
             f"validation accuracy was {mean[f'validation accuracy: {PLAIN}']:.1%}: a gap of "
             f"{mean[f'accuracy gap: {PLAIN}']:.3f}. With dropout it fitted "
             f"{mean[f'wrong labels fitted: {DROPOUT}']:.0%} of the wrong labels, its "
             f"training accuracy was {mean[f'training accuracy: {DROPOUT}']:.1%} and its "
             f"validation accuracy {mean[f'validation accuracy: {DROPOUT}']:.1%}: a gap of "
             f"{mean[f'accuracy gap: {DROPOUT}']:.3f}, narrower in {narrower} of the {n} "
             f"replicates. ")
    if ev.holds:
        reading = ("Fitting the wrong labels can only be memorising, since nothing in the "
                   "images predicts them; the plain network does it, the dropout network "
                   "does less of it. With dropout each step trains a random thinned "
                   "sub-network, so no unit can rely on a particular combination of others to "
                   "encode one example, while the patterns shared by many digits are still "
                   "learnt — the gap narrows because the network memorises less, and the "
                   "validation accuracy rises rather than falls. ")
    else:
        reading = ("The claim is not borne out in this run: see which of the tests above "
                   "failed — a network that does not memorise has no gap to narrow, and a gap "
                   "that narrows because validation accuracy falls is not regularisation. ")
    return Presentation(
        explanation=facts + reading + "Both accuracies are measured in eval mode (dropout "
                    "off); the training accuracy is against the labels the network was "
                    "trained on, wrong ones included.",
        tables=[Table(f"{N_TRAIN} digits, {LABEL_NOISE:.0%} of training labels redrawn at "
                      f"random, MLP 64–{WIDTH}–{WIDTH}–10, SGD (η = {LR}, momentum "
                      f"{MOMENTUM}, B = {BATCH}), {EPOCHS} epochs; dropout p = {P_INPUT} on "
                      f"inputs, {P_HIDDEN} on hidden units (accuracies and losses: mean of "
                      f"the last {LAST} epochs; means over {n} replicates)",
                      ["network", "training accuracy", "validation accuracy", "accuracy gap",
                       "loss gap (validation − training)", "share of wrong labels fitted"],
                      rows)],
        figures=[_plot(ev.first["histories"], ev.out_dir), _strip(ev, ev.out_dir)],
    )


LAB = register(Lab(
    name="dropout-gap", title="Dropout narrows the generalisation gap",
    claim="A large network trained on a small training set with a fifth of its labels wrong "
          "learns it by heart: it fits most of the wrong labels too, and its training accuracy "
          "runs ahead of its validation accuracy. Dropout (randomly zeroing inputs and hidden "
          "units during training) keeps it from memorising: it fits fewer wrong labels, the "
          "train–validation gap is narrower, and validation accuracy is higher, not lower.",
    claims=(17,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.nn:Dropout", "tamrin.nn:Linear", "tamrin.optim:SGD", "tamrin.train:fit"),
))
