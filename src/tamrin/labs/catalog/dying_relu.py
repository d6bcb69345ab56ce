"""Claims 12 and 13: dead ReLU units (large negative bias, huge learning rate) against Leaky
ReLU, and why a sigmoid after a ReLU cannot predict the negative class."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import RawMLP, as_tensor, bce_with_logits, standardized
from tamrin.labs.registry import register

SIZES = [64, 64, 64, 10]
SCENARIOS = {"bias −5 at init": (-5.0, 0.0), "learning rate 2.0": (0.0, 2.0)}
RECOVERY_LR = 0.1


def cross_entropy(net: RawMLP, x: tamrin.Tensor, onehot: tamrin.Tensor) -> tamrin.Tensor:
    return -(onehot * tamrin.log_softmax(net(x), dim=1)).sum(dim=1).mean()


def dead_fraction(net: RawMLP, x: tamrin.Tensor, onehot: tamrin.Tensor) -> float:
    """The fraction of hidden units whose incoming weights and bias get exactly zero
    gradient over the whole data set (they can never learn again)."""
    net.zero_grad()
    cross_entropy(net, x, onehot).backward()
    dead = [(np.abs(w.grad.numpy()).sum(0) + np.abs(b.grad.numpy())) == 0
            for w, b in zip(net.weights[:-1], net.biases[:-1])]
    net.zero_grad()
    return float(np.mean(np.concatenate(dead)))


def train(net: RawMLP, x, onehot, steps: int, lr: float, track: list[float]) -> None:
    """Full-batch GD, appending the dead fraction after each step to ``track``."""
    for _ in range(steps):
        loss = cross_entropy(net, x, onehot)
        net.zero_grad()
        loss.backward()
        net.sgd_step(lr)
        track.append(dead_fraction(net, x, onehot))


def _dying(quick: bool, seed: int) -> dict[tuple[str, str], list[float]]:
    """Dead fraction over time for each (scenario, activation): the scenario's phase, then
    ordinary training at a sane learning rate to see whether units come back."""
    digits = load_digits()
    n = 600 if quick else len(digits.target)
    x = as_tensor(standardized(digits.data)[:n])
    onehot = as_tensor(np.eye(10)[digits.target[:n]])
    steps = 15 if quick else 60
    curves = {}
    for scenario, (bias, lr) in SCENARIOS.items():
        for act in ("relu", "leaky_relu"):
            net = RawMLP.create(SIZES, act, "he", np.random.default_rng(seed), bias=bias)
            track = [dead_fraction(net, x, onehot)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                train(net, x, onehot, steps if lr else 0, lr, track)
            train(net, x, onehot, steps, RECOVERY_LR, track)
            curves[scenario, act] = track
    return curves


def _relu_then_sigmoid(quick: bool, seed: int) -> dict[str, dict[str, float]]:
    """Train σ(ReLU(z)) and σ(z) heads on breast cancer; outputs and BCE on the negatives."""
    data = load_breast_cancer()
    x, y = standardized(data.data), data.target.astype(np.float64)[:, None]
    X, Y = as_tensor(x), as_tensor(y)
    heads = {"σ(ReLU(z))": tamrin.relu, "σ(z)": lambda z: z}
    out = {}
    for name, head in heads.items():
        net = RawMLP.create([30, 16, 1], "relu", "he", np.random.default_rng(seed))
        for _ in range(100 if quick else 500):
            loss = bce_with_logits(head(net(X)), Y)
            net.zero_grad()
            loss.backward()
            net.sgd_step(0.1)
        logit = head(net(X)).numpy()
        p = 1 / (1 + np.exp(-logit))
        neg = y[:, 0] == 0
        out[name] = {"min p": float(p.min()),
                     "BCE on negatives": float(np.mean(np.logaddexp(0, logit[neg]))),
                     "accuracy on negatives": float(np.mean(p[neg] < 0.5))}
    return out


def _plot(curves, out_dir: Path):
    fig, axes = figures.subplots(len(SCENARIOS), width=5.2)
    for ax, scenario in zip(axes, SCENARIOS):
        for act in ("relu", "leaky_relu"):
            ax.plot(curves[scenario, act], label=act)
        ax.set(xlabel="GD step (then training at lr 0.1)", ylabel="fraction of dead units",
               title=scenario, ylim=(-0.02, 1))
        ax.legend()
    return figures.save(fig, out_dir, "dead_units", "Fraction of hidden units with exactly zero "
                        "gradient on all the digits used, during and after each scenario.")


@register("dying-relu", "Dying ReLU, and a sigmoid after a ReLU",
          "A large negative bias or a huge learning rate leaves some ReLU units dead — zero "
          "on every input, so they never get a gradient again — while Leaky ReLU units never "
          "die; and a sigmoid placed after a ReLU outputs at least 0.5, so it cannot predict "
          "the negative class (its BCE on negatives is at least ln 2).", (12, 13))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    curves = _dying(quick, seed)
    heads = _relu_then_sigmoid(quick, seed)
    relu_dead = {s: curves[s, "relu"][-1] for s in SCENARIOS}
    leaky_dead = {s: max(curves[s, "leaky_relu"]) for s in SCENARIOS}
    bad, good = heads["σ(ReLU(z))"], heads["σ(z)"]
    ok = (all(v >= 0.05 for v in relu_dead.values()) and all(v == 0 for v in leaky_dead.values())
          and bad["min p"] >= 0.5 and bad["BCE on negatives"] >= math.log(2) - 1e-12
          and good["BCE on negatives"] < math.log(2))
    return Result(
        lab="dying-relu", verdict=verdict(ok),
        criterion="in both scenarios at least 5% of the ReLU units are still dead after the "
                  "recovery training, and no Leaky ReLU unit is ever dead; the σ(ReLU(z)) head "
                  "never outputs below 0.5 and its BCE on negatives is ≥ ln 2, while a plain "
                  "σ(z) head gets below ln 2",
        measurements={**{f"ReLU dead at the end: {s}": v for s, v in relu_dead.items()},
                      **{f"Leaky ReLU dead, worst moment: {s}": v
                         for s, v in leaky_dead.items()},
                      "ln 2": math.log(2)},
        tables=[Table("Dead hidden units (fraction)", ["scenario", "activation", "at start",
                                                        "worst", "at end"],
                      [[s, a, c[0], max(c), c[-1]] for (s, a), c in curves.items()]),
                Table("Output heads on breast cancer", ["head", *good],
                      [[name, *h.values()] for name, h in heads.items()])],
        figures=[_plot(curves, out_dir)],
        explanation="A ReLU unit whose pre-activation is negative on every input outputs 0 and "
                    "passes back a zero gradient, so nothing can move its weights again: a "
                    "strongly negative bias puts units there from the start, and a huge step "
                    "can throw them there during training. Continued training at a sane rate "
                    "brings few back: a dead unit's own weights never move, and it revives "
                    "only if the layers below it happen to change its inputs. Leaky ReLU's "
                    "slope 0.01 keeps a small gradient flowing, so no "
                    "unit is ever cut off. A sigmoid fed by a ReLU sees z ≥ 0, hence outputs "
                    "σ(z) ≥ 0.5: every negative costs at least −ln(1 − 0.5) = ln 2 and none is "
                    "classified as negative.",
    )
