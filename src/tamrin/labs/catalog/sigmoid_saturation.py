"""Claim 10: large initial weights saturate sigmoid units and the hidden layers stop
learning; a small, variance-preserving initialisation does not. Real data: the digits (8×8
images)."""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import load_digits, train_test_split
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.classify import accuracy
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch, step_losses
from tamrin.models import MLP

# A unit is saturated where σ′ is below a tenth of its maximum 1/4 (|z| > 3.6).
SATURATED = 0.025
# "Most σ′ near 0": more than half of the hidden (unit, input) pairs are saturated.
MOST = 0.5
# Glorot keeps z of order one; a unit-variance Gaussian z is saturated with probability
# P(|z| > 3.6) ≈ 3·10⁻⁴. "Keeps the units in their sensitive range": fewer than 1 in 20.
FEW = 0.05
# Training of a hidden layer "stalls" when, in the same number of equal steps, its weights
# move (relative to their size, ‖ΔW‖/‖W₀‖) less than a third as far as from Glorot's start.
STALL_RATIO = 1 / 3
INITS = {"large: N(0, 1)": "normal", "Glorot": "xavier_normal"}
HIDDEN = (128, 128)  # wide enough that the second layer's z has std ≈ 8 under N(0, 1)
LR = 0.5
REPLICATES = Replicates(quick=3, full=10)

LARGE, SMALL = INITS
CRITERION = (
    f"over the replicates (a fresh split of the digits and fresh weights each): at "
    f"initialisation the share of hidden σ′ values below {SATURATED:g} has its 95% interval "
    f"above {MOST:g} with N(0, 1) weights and below {FEW:g} with Glorot weights; after the same "
    f"full-batch gradient-descent steps the hidden layers' relative movement ‖ΔW‖/‖W₀‖ under "
    f"the large init over Glorot's has its geometric-mean interval below {STALL_RATIO:.3g}; "
    f"and the validation accuracy of Glorot minus that of the large init has its interval "
    f"above 0")


def sigmoid_slopes(model: MLP, x: np.ndarray) -> tuple[np.ndarray, float]:
    """σ′ = a(1 − a) of every hidden sigmoid unit on every input (a flat array), and the
    standard deviation of the first layer's pre-activations z."""
    h, slopes, first_std = tamrin.tensor(x), [], None
    with tamrin.no_grad():
        for layer in model:
            h = layer(h)
            if first_std is None:
                first_std = float(h.numpy().std())
            if isinstance(layer, nn.Sigmoid):
                a = h.numpy()
                slopes.append((a * (1 - a)).ravel())
    return np.concatenate(slopes), first_std


def hidden_weights(model: MLP) -> list[np.ndarray]:
    """Copies of the hidden Linear layers' weights (the output layer left out)."""
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    return [layer.weight.numpy().copy() for layer in linears[:-1]]


def relative_movement(start: list[np.ndarray], end: list[np.ndarray]) -> float:
    """Mean over the hidden layers of ‖W − W₀‖/‖W₀‖."""
    return float(np.mean([np.linalg.norm(w - w0) / np.linalg.norm(w0)
                          for w0, w in zip(start, end)]))


def measure(quick: bool, seed: int) -> dict:
    """One replicate: a fresh split, the same network from both initialisations, trained by
    the same full-batch gradient descent."""
    rng = np.random.default_rng(seed)
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, train_size=600 if quick else 1200, random_state=rng)
    scale = Standardize().fit(x_train)
    x_train, x_val = scale(x_train).astype(np.float32), scale(x_val).astype(np.float32)
    steps = 150 if quick else 600
    out: dict = {"steps": steps, "losses": {}}
    for name, init in INITS.items():
        model = MLP(64, HIDDEN, 10, activation="sigmoid", init=init)
        slopes, z_std = sigmoid_slopes(model, x_train)
        start = hidden_weights(model)
        history = full_batch(model, nn.functional.cross_entropy,
                             optim.SGD(model.parameters(), lr=LR), tamrin.tensor(x_train),
                             tamrin.tensor(y_train), steps)
        out["losses"][name] = step_losses(history)
        out[f"saturated share at init: {name}"] = float(np.mean(slopes < SATURATED))
        out[f"mean σ′ at init: {name}"] = float(slopes.mean())
        out[f"std of the first layer's z at init: {name}"] = z_std
        out[f"hidden ‖ΔW‖/‖W₀‖: {name}"] = relative_movement(start, hidden_weights(model))
        out[f"training loss at the end: {name}"] = float(out["losses"][name][-1])
        out[f"training accuracy: {name}"] = accuracy(model, x_train, y_train)
        out[f"validation accuracy: {name}"] = accuracy(model, x_val, y_val)
    out["hidden movement: large / Glorot"] = (out[f"hidden ‖ΔW‖/‖W₀‖: {LARGE}"]
                                              / out[f"hidden ‖ΔW‖/‖W₀‖: {SMALL}"])
    out["validation accuracy: Glorot − large"] = (out[f"validation accuracy: {SMALL}"]
                                                  - out[f"validation accuracy: {LARGE}"])
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.mean_above(f"saturated share at init: {LARGE}", MOST),
        col.mean_below(f"saturated share at init: {SMALL}", FEW),
        col.log_mean_within("hidden movement: large / Glorot", 0.0, STALL_RATIO),
        col.mean_above("validation accuracy: Glorot − large", 0.0),
    )


def _plot(ev: Evidence):
    fig, (a, b) = figures.subplots(2, width=5.0, height=3.8)
    for name, losses in ev.first["losses"].items():
        a.semilogy(losses, label=name)
    a.set(xlabel="gradient-descent step", ylabel="training cross-entropy (log scale)",
          title="Training loss (replicate 1)")
    a.legend()
    for i, name in enumerate(INITS):
        moved = ev.values(f"hidden ‖ΔW‖/‖W₀‖: {name}")
        b.semilogy(np.full(len(moved), i), moved, "o", alpha=0.7)
    b.set(xticks=range(len(INITS)), xticklabels=list(INITS), xlim=(-0.5, len(INITS) - 0.5),
          ylabel="hidden layers' ‖ΔW‖/‖W₀‖ (log scale)",
          title="How far the hidden layers moved")
    return figures.save(fig, ev.out_dir, "training",
                        f"Left: training loss of a 64-{HIDDEN[0]}-{HIDDEN[1]}-10 sigmoid network "
                        f"on the digits from a large and from a Glorot initialisation. Right: "
                        f"the relative movement of its hidden layers' weights, one dot per "
                        f"replicate.")


def present(ev: Evidence) -> Presentation:
    mean = lambda name: float(np.mean(ev.values(name)))  # noqa: E731
    sat = {n: mean(f"saturated share at init: {n}") for n in INITS}
    slope = {n: mean(f"mean σ′ at init: {n}") for n in INITS}
    z_std = {n: mean(f"std of the first layer's z at init: {n}") for n in INITS}
    moved = {n: mean(f"hidden ‖ΔW‖/‖W₀‖: {n}") for n in INITS}
    loss = {n: mean(f"training loss at the end: {n}") for n in INITS}
    train_acc = {n: mean(f"training accuracy: {n}") for n in INITS}
    val = {n: mean(f"validation accuracy: {n}") for n in INITS}
    steps = ev.first["steps"]
    accuracies = (f"training accuracy {train_acc[LARGE]:.3f} vs {train_acc[SMALL]:.3f}")
    if loss[LARGE] < loss[SMALL]:
        fit_text = (f"The stall does not show in the training loss: the linear output layer "
                    f"learns at full speed on top of the hidden layers' near-binary outputs, "
                    f"and the large init ends at a lower training loss than Glorot "
                    f"({loss[LARGE]:.3g} vs {loss[SMALL]:.3g}; {accuracies}). ")
    else:
        fit_text = (f"The large init also ends at a higher training loss than Glorot "
                    f"({loss[LARGE]:.3g} vs {loss[SMALL]:.3g}; {accuracies}). ")
    verdict = (
        f"The hidden layers are what stall: after {steps} equal steps they moved "
        f"{moved[LARGE]:.3g} of their size from N(0, 1) against {moved[SMALL]:.3g} from "
        f"Glorot, so the large-init net classifies new digits with hidden features that "
        f"barely moved from random ones: validation accuracy {val[LARGE]:.3f} against "
        f"{val[SMALL]:.3f}."
        if ev.holds else
        f"The criterion is not met (see which test failed above): the hidden layers moved "
        f"{moved[LARGE]:.3g} (N(0, 1)) and {moved[SMALL]:.3g} (Glorot) of their size, and the "
        f"validation accuracies are {val[LARGE]:.3f} and {val[SMALL]:.3f}.")
    return Presentation(
        explanation=(
            f"With N(0, 1) weights on 64 standardised inputs the first layer's pre-activations "
            f"have a standard deviation of {z_std[LARGE]:.3g} (Glorot: {z_std[SMALL]:.3g}), so "
            f"{sat[LARGE]:.0%} of the "
            f"hidden units' σ′ values are below {SATURATED:g} at the start (mean σ′ "
            f"{slope[LARGE]:.3f}); Glorot's Var(w) = 2/(n_in + n_out) keeps z of order one, "
            f"where {sat[SMALL]:.2%} are (mean σ′ {slope[SMALL]:.3f}). Backprop multiplies "
            f"by σ′ at every layer, so the hidden layers of the large init get tiny gradients "
            f"relative to their weights. " + fit_text + verdict),
        tables=[Table(f"Sigmoid 64-{HIDDEN[0]}-{HIDDEN[1]}-10 network on the digits, {steps} "
                      f"full-batch steps at η = {LR} (means over {len(ev.replicates)} "
                      f"replicates)",
                      ["init", f"share of σ′ < {SATURATED:g} at init", "mean σ′ at init",
                       "hidden weights moved ‖ΔW‖/‖W₀‖", "final training loss",
                       "training accuracy", "validation accuracy"],
                      [[n, sat[n], slope[n], moved[n], loss[n], train_acc[n], val[n]]
                       for n in INITS])],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="sigmoid-saturation", title="Large initial weights saturate sigmoid units",
    claim="With large initial weights (N(0, 1)) most sigmoid units sit where σ′ ≈ 0, so the "
          "hidden layers get tiny gradients and their training stalls — they stay near their "
          "random start, and the network, whose linear output layer still fits the training "
          "set, generalises worse; a small variance-preserving initialisation (Glorot) keeps "
          "the units in their sensitive range and every layer learns.",
    claims=(10,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
