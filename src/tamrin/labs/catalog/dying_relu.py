"""Claims 12 and 13: dead ReLU units (large negative bias, huge learning rate) against Leaky
ReLU, and why a sigmoid after a ReLU cannot predict the negative class."""

from __future__ import annotations

import math
import warnings

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import load_breast_cancer, load_digits
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.models import MLP
from tamrin.train import fit

HIDDEN = (128, 128)
DIGITS = 600  # training examples (a unit is dead when it is zero on every one of them)
ACTIVATIONS = ("relu", "leaky_relu")
SANE_LR = 0.1  # the learning rate of ordinary training (and of the recovery phase)
# A bias of −5 against pre-activations w·x of standard deviation ≈ √2 (He init,
# standardised inputs) puts z above 0 only beyond 3.5 standard deviations.
NEGATIVE_BIAS = -5.0
# Huge: one full-batch step at η = 30, 300 times the sane rate — a step that overshoots: the
# loss after it is higher than before (checked in every replicate). A single step isolates
# the cause; the sane recovery training that follows shows whether the units come back.
HUGE_LR = 30.0
HUGE_STEPS = 1
SCENARIOS = {f"bias {NEGATIVE_BIAS:g} at init": (NEGATIVE_BIAS, SANE_LR),
             f"learning rate {HUGE_LR:g}": (0.0, HUGE_LR)}
# "A fraction of the units dead": at least one in twenty (≥ 13 of the 256 hidden units).
DEAD_MIN = 0.05
LN2 = math.log(2)
# softplus(0) = ln 2 is computed to float64 rounding; 1e-12 separates "≥ ln 2" from rounding.
ROUNDING = 1e-12
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"over the replicates (fresh He-initialised networks on the digits): in each scenario "
    f"— hidden biases {NEGATIVE_BIAS:g} at init, or one full-batch step at η = {HUGE_LR:g} — "
    f"followed by recovery training at η = {SANE_LR:g}, the share of ReLU hidden units that "
    f"are zero on every input has its 95% interval above {DEAD_MIN:g}; no Leaky ReLU unit "
    f"has an all-zero gradient after either scenario in any replicate; the η = {HUGE_LR:g} "
    f"step raises the loss in every replicate (it is huge); and on breast cancer the "
    f"σ(ReLU(z)) head never outputs below 0.5 and its BCE on the negatives is ≥ ln 2 (within "
    f"{ROUNDING:g}) in every replicate, while a plain σ(z) head's BCE on the negatives has its "
    f"interval below ln 2")


def cut_key(key: str) -> str:
    """The name of the measurement "share of units with an all-zero gradient" for a
    "scenario, activation" key: the larger of its values after the scenario and at the end."""
    return f"zero-gradient share, larger of after the scenario and at the end: {key}"


def dead_units(model: MLP, x: tamrin.Tensor, y: tamrin.Tensor) -> dict[str, float]:
    """Shares of the hidden units that are zero (≤ 0 before the activation) on every input,
    and that get an exactly zero gradient for their incoming weights and bias over the whole
    data set (they can never learn again)."""
    linears = [layer for layer in model if isinstance(layer, nn.Linear)][:-1]
    negative = []
    with tamrin.no_grad():
        h = x
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.Linear) and layer in linears:
                negative.append((h.numpy() <= 0).all(axis=0))
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    no_gradient = [(np.abs(layer.weight.grad.numpy()).sum(axis=1)
                    + np.abs(layer.bias.grad.numpy())) == 0 for layer in linears]
    model.zero_grad()
    return {"negative on every input": float(np.mean(np.concatenate(negative))),
            "zero gradient": float(np.mean(np.concatenate(no_gradient)))}


def digits_sample(n: int, rng: np.random.Generator) -> tuple[tamrin.Tensor, tamrin.Tensor]:
    """``n`` random digits, standardised with their own statistics (all of them train)."""
    digits = load_digits()
    order = rng.permutation(len(digits.target))[:n]
    x = digits.data[order]
    return (tamrin.tensor(Standardize().fit(x)(x).astype(np.float64)),
            tamrin.tensor(digits.target[order]))


def _phase(model: MLP, x, y, lr: float, steps: int) -> list[float]:
    """Full-batch gradient descent by ``fit``; the loss before each step (a step whose loss
    overflows is skipped, not taken)."""
    history = fit(model, nn.functional.cross_entropy, optim.SGD(model.parameters(), lr=lr),
                  [(x, y)], epochs=steps, progress=False, nan_policy="skip")
    return [s["loss"] for s in history.steps]


def dying(quick: bool, seed: int) -> dict:
    """Each scenario with each activation: the scenario's phase, then ordinary training at
    the sane rate; the dead shares after both, the loss curve."""
    x, y = digits_sample(DIGITS, np.random.default_rng(seed))
    recovery = 15 if quick else 60
    out: dict = {}
    for scenario, (bias, lr) in SCENARIOS.items():
        for act in ACTIVATIONS:
            model = MLP(64, HIDDEN, 10, activation=act, init="kaiming_normal").double()
            for layer in [m for m in model if isinstance(m, nn.Linear)][:-1]:
                nn.init.constant_(layer.bias, bias)
            with warnings.catch_warnings():  # the huge steps may overflow for a moment
                warnings.simplefilter("ignore", RuntimeWarning)
                losses = _phase(model, x, y, lr, HUGE_STEPS) if lr != SANE_LR else []
                after = dead_units(model, x, y)
                losses += _phase(model, x, y, SANE_LR, recovery)
            end = dead_units(model, x, y)
            key = f"{scenario}, {act}"
            out[f"z ≤ 0 on every input after the scenario: {key}"] = \
                after["negative on every input"]
            out[f"z ≤ 0 on every input at the end: {key}"] = end["negative on every input"]
            out[f"zero-gradient units at the end: {key}"] = end["zero gradient"]
            out[cut_key(key)] = max(after["zero gradient"], end["zero gradient"])
            if lr == HUGE_LR and act == "relu":
                out[f"loss after / before the η = {HUGE_LR:g} step"] = (
                    losses[HUGE_STEPS] / losses[0])
    model = MLP(64, HIDDEN, 10, activation="relu", init="kaiming_normal").double()
    _phase(model, x, y, SANE_LR, HUGE_STEPS + recovery)
    out[f"z ≤ 0 on every input after ordinary training (η = {SANE_LR:g}): relu"] = \
        dead_units(model, x, y)["negative on every input"]
    return out


def heads(quick: bool, seed: int) -> dict:
    """Train σ(ReLU(z)) and σ(z) heads on breast cancer: outputs and BCE on the negatives."""
    data = load_breast_cancer()
    x = Standardize().fit(data.data)(data.data)
    y = data.target.astype(np.float64)[:, None]
    X, Y = tamrin.tensor(x), tamrin.tensor(y)
    negatives = y[:, 0] == 0
    out: dict = {}
    for name, relu_head in (("σ(ReLU(z))", True), ("σ(z)", False)):
        body = MLP(30, [16], 1, activation="relu", init="kaiming_normal").double()
        model = nn.Sequential(body, nn.ReLU()) if relu_head else body
        fit(model, nn.functional.binary_cross_entropy_with_logits,
            optim.SGD(model.parameters(), lr=SANE_LR), [(X, Y)],
            epochs=100 if quick else 500, progress=False)
        with tamrin.no_grad():
            logit = model(X)
            bce = nn.functional.binary_cross_entropy_with_logits(
                tamrin.tensor(logit.numpy()[negatives]), tamrin.tensor(y[negatives])).item()
        p = 1 / (1 + np.exp(-logit.numpy()[:, 0]))
        out[f"smallest output: {name}"] = float(p.min())
        out[f"BCE on the negatives: {name}"] = float(bce)
        out[f"accuracy on the negatives: {name}"] = float(np.mean(p[negatives] < 0.5))
    return out


def measure(quick: bool, seed: int) -> dict:
    return {**dying(quick, seed), **heads(quick, seed)}


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    dead = [stats.mean_above(f"ReLU units zero on every input at the end: {s}",
                             col(f"z ≤ 0 on every input at the end: {s}, relu"), DEAD_MIN)
            for s in SCENARIOS]
    leaky = [stats.every(f"Leaky ReLU units with an all-zero gradient: {s}",
                         col(cut_key(f"{s}, leaky_relu")), "= 0",
                         lambda v: v == 0.0) for s in SCENARIOS]
    return Judgement.of(
        *dead, *leaky,
        col.every(f"loss after / before the η = {HUGE_LR:g} step", "> 1", lambda v: v > 1.0),
        col.every("smallest output: σ(ReLU(z))", "≥ 0.5", lambda v: v >= 0.5),
        col.every("BCE on the negatives: σ(ReLU(z))", f"≥ ln 2 − {ROUNDING:g}",
                  lambda v: v >= LN2 - ROUNDING),
        col.mean_below("BCE on the negatives: σ(z)", LN2),
    )


def _plot(ev: Evidence):
    fig, axes = figures.subplots(len(SCENARIOS), width=5.2)
    for ax, scenario in zip(axes, SCENARIOS):
        for key, label in ((f"z ≤ 0 on every input at the end: {scenario}, relu",
                            "ReLU: zero on every input"),
                           (f"z ≤ 0 on every input at the end: {scenario}, leaky_relu",
                            "Leaky ReLU: z ≤ 0 on every input"),
                           (f"zero-gradient units at the end: {scenario}, leaky_relu",
                            "Leaky ReLU: all-zero gradient")):
            values = ev.values(key)
            ax.plot(np.arange(1, len(values) + 1), values, "o", label=label)
        ax.axhline(DEAD_MIN, ls=":", color="k", label=f"{DEAD_MIN:.0%}")
        ax.set(xlabel="replicate", ylabel="share of hidden units", title=scenario,
               ylim=(-0.02, 1.02), xticks=np.arange(1, len(ev.replicates) + 1))
        ax.legend(fontsize=7)
    return figures.save(fig, ev.out_dir, "dead_units",
                        "Per replicate, after each scenario and the recovery training: the "
                        "share of ReLU units that are zero on every input (dead), and of Leaky "
                        "ReLU units that are negative on every input or get an all-zero "
                        "gradient.")


def present(ev: Evidence) -> Presentation:
    mean = lambda name: float(np.mean(ev.values(name)))  # noqa: E731
    rows = []
    for scenario in SCENARIOS:
        for act in ACTIVATIONS:
            key = f"{scenario}, {act}"
            rows.append([scenario, act, mean(f"z ≤ 0 on every input after the scenario: {key}"),
                         mean(f"z ≤ 0 on every input at the end: {key}"),
                         mean(f"zero-gradient units at the end: {key}")])
    huge, bias = (f"learning rate {HUGE_LR:g}", f"bias {NEGATIVE_BIAS:g} at init")
    relu_end = {s: mean(f"z ≤ 0 on every input at the end: {s}, relu") for s in SCENARIOS}
    leaky_neg = {s: mean(f"z ≤ 0 on every input at the end: {s}, leaky_relu")
                 for s in SCENARIOS}
    sane = mean(f"z ≤ 0 on every input after ordinary training (η = {SANE_LR:g}): relu")
    leaky_cut = max(max(ev.values(cut_key(f"{s}, leaky_relu"))) for s in SCENARIOS)
    peak = min(ev.values(f"loss after / before the η = {HUGE_LR:g} step"))
    bad, good = "σ(ReLU(z))", "σ(z)"
    head = {n: {k: mean(f"{k}: {n}") for k in ("smallest output", "BCE on the negatives",
                                               "accuracy on the negatives")}
            for n in (bad, good)}
    measured = (
        f"Measured over {len(ev.replicates)} replicates: after the recovery training "
        f"{relu_end[bias]:.0%} of the ReLU units are still zero on every input in the "
        f"negative-bias scenario and {relu_end[huge]:.0%} after the η = {HUGE_LR:g} step (after "
        f"which the loss was at least {peak:.3g} times its value before), against "
        f"{sane:.1%} after ordinary training at η = {SANE_LR:g}. Leaky ReLU units that are "
        f"negative on every input "
        f"({leaky_neg[bias]:.0%} and {leaky_neg[huge]:.0%} of them in the two scenarios) "
        + ("all still got a non-zero gradient (0.01·δ on their negative side). "
           if leaky_cut == 0 else
           f"did not all keep a gradient: up to {leaky_cut:.1%} of the Leaky ReLU units had an "
           f"all-zero gradient in some replicate. ")
        + f"The σ(ReLU(z)) head's "
        f"smallest output is {head[bad]['smallest output']:.3f} and its BCE on the negatives "
        f"{head[bad]['BCE on the negatives']:.4f} (ln 2 = {LN2:.4f}), classifying "
        f"{head[bad]['accuracy on the negatives']:.0%} of them correctly; the plain σ(z) head "
        f"reaches a BCE of {head[good]['BCE on the negatives']:.3f} and "
        f"{head[good]['accuracy on the negatives']:.0%}. ")
    verdict = ("Every part of the criterion is met." if ev.holds else
               "The criterion is not met — see which test failed above.")
    return Presentation(
        explanation=(
            "A ReLU unit whose pre-activation is negative on every input outputs 0 and passes "
            "back a zero gradient, so nothing can move its weights again: a strongly negative "
            "bias puts units there from the start, and a huge step can throw them there "
            "during training (the second layer's inputs are non-negative, so one large step "
            "on its weights and bias can make z negative for every input at once). A dead "
            "unit revives only if the layers below it happen to change its inputs. Leaky "
            "ReLU's slope 0.01 keeps a small gradient flowing. A sigmoid fed by a ReLU sees "
            "z ≥ 0, hence outputs σ(z) ≥ 0.5: every negative costs at least −ln(1 − 0.5) = "
            "ln 2 and none is classified as negative. " + measured + verdict),
        tables=[Table(f"Hidden units of a 64-{HIDDEN[0]}-{HIDDEN[1]}-10 network on {DIGITS} digits "
                      f"(shares, means over {len(ev.replicates)} replicates)",
                      ["scenario", "activation", "z ≤ 0 on every input after the scenario",
                       "z ≤ 0 on every input at the end", "all-zero gradient at the end"],
                      rows),
                Table("Output heads on breast cancer (means over the replicates)",
                      ["head", "smallest output", "BCE on the negatives",
                       "accuracy on the negatives"],
                      [[n, *head[n].values()] for n in (bad, good)])],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="dying-relu", title="Dying ReLU, and a sigmoid after a ReLU",
    claim="A large negative bias or a huge learning rate leaves a fraction of the ReLU units "
          "dead — zero on every input, so they never get a gradient again — while Leaky ReLU "
          "units never die; and a sigmoid placed after a ReLU outputs at least 0.5, so it "
          "cannot predict the negative class (its BCE on negatives is at least ln 2).",
    claims=(12, 13), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
