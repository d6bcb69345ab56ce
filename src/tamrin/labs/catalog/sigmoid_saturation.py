"""Claim 10: large initial weights saturate sigmoid units and training stalls; a small,
variance-preserving initialisation does not. Real data: the digits (8×8 images)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

import tamrin
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import RawMLP, as_tensor, standardized
from tamrin.labs.registry import register

SATURATED = 0.025  # σ′ below a tenth of its maximum (1/4) counts as saturated
INITS = {"large: N(0, 1)": "normal", "Glorot": "glorot"}


def saturated_fraction(net: RawMLP, x: np.ndarray) -> float:
    """The fraction of hidden sigmoid units × inputs whose derivative σ′(z) is below 0.025."""
    zs = net.hidden(as_tensor(x))[:-1]
    s = [tamrin.sigmoid(z).numpy() for z in zs]
    return float(np.mean(np.concatenate([(v * (1 - v)).ravel() for v in s]) < SATURATED))


def train(net: RawMLP, x: np.ndarray, labels: np.ndarray, steps: int, lr: float):
    """Full-batch GD on softmax cross-entropy; returns the loss and accuracy per step."""
    X, onehot = as_tensor(x), as_tensor(np.eye(10)[labels])
    losses, accs = [], []
    for _ in range(steps):
        logits = net(X)
        loss = -(onehot * tamrin.log_softmax(logits, dim=1)).sum(dim=1).mean()
        losses.append(loss.item())
        accs.append(float(np.mean(logits.numpy().argmax(1) == labels)))
        net.zero_grad()
        loss.backward()
        net.sgd_step(lr)
    return np.array(losses), np.array(accs)


def hidden_change(net: RawMLP, start: list[np.ndarray]) -> float:
    """Mean relative change ‖W − W₀‖/‖W₀‖ of the hidden layers' weights."""
    return float(np.mean([np.linalg.norm(w.numpy() - w0) / np.linalg.norm(w0)
                          for w, w0 in zip(net.weights[:-1], start)]))


def _plot(histories: dict, out_dir: Path):
    fig, (a, b) = figures.subplots(2)
    for name, (losses, accs) in histories.items():
        a.plot(losses, label=name)
        b.plot(accs, label=name)
    a.set(xlabel="gradient-descent step", ylabel="training cross-entropy", title="Loss")
    b.set(xlabel="gradient-descent step", ylabel="training accuracy", title="Accuracy")
    a.legend()
    b.legend()
    return figures.save(fig, out_dir, "training", "Training a 64-64-64-10 sigmoid network on "
                        "the digits from a large and from a Glorot initialisation.")


@register("sigmoid-saturation", "Large initial weights saturate sigmoid units",
          "With large initial weights most sigmoid units sit where σ′ ≈ 0, so gradients are "
          "tiny and training stalls; a small variance-preserving initialisation (Glorot) keeps "
          "the units in their sensitive range and trains.", (10,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    digits = load_digits()
    x, labels = standardized(digits.data), digits.target
    order = rng.permutation(len(x))
    train_idx, val_idx = order[:600 if quick else 1200], order[1200:]
    steps = 150 if quick else 600
    nets = {name: RawMLP.create([64, 64, 64, 10], "sigmoid", scheme, rng)
            for name, scheme in INITS.items()}
    saturation = {name: saturated_fraction(net, x[train_idx]) for name, net in nets.items()}
    start = {name: [w.numpy().copy() for w in net.weights[:-1]] for name, net in nets.items()}
    histories = {name: train(net, x[train_idx], labels[train_idx], steps, lr=0.5)
                 for name, net in nets.items()}
    moved = {name: hidden_change(net, start[name]) for name, net in nets.items()}
    val = {name: float(np.mean(net(as_tensor(x[val_idx])).numpy().argmax(1) == labels[val_idx]))
           for name, net in nets.items()}
    large, small = INITS
    ok = (saturation[large] > 0.5 and saturation[small] < 0.05
          and moved[large] < moved[small] / 3 and val[small] > val[large])
    return Result(
        lab="sigmoid-saturation", verdict=verdict(ok),
        criterion=f"at initialisation more than half of the hidden σ′ values are below "
                  f"{SATURATED} (a tenth of σ′'s maximum) with N(0,1) weights and fewer than 5% "
                  f"with Glorot; over {steps} equal GD steps the hidden weights of the large "
                  "init move (relatively) less than a third as much as Glorot's, and its "
                  "validation accuracy is lower",
        measurements={
            **{f"saturated fraction at init: {n}": v for n, v in saturation.items()},
            **{f"relative change of hidden weights: {n}": v for n, v in moved.items()},
            **{f"validation accuracy: {n}": v for n, v in val.items()},
        },
        tables=[Table("Sigmoid 64-64-64-10 network on the digits",
                      ["init", "saturated σ′ at init", "hidden weights moved ‖ΔW‖/‖W‖",
                       "training accuracy", "validation accuracy"],
                      [[n, saturation[n], moved[n], float(histories[n][1][-1]), val[n]]
                       for n in nets])],
        figures=[_plot(histories, out_dir)],
        explanation="With N(0,1) weights and 64 standardised inputs the pre-activations have "
                    "a standard deviation of about 8, so most units output almost exactly 0 or "
                    "1 and σ′ = σ(1 − σ) is nearly 0. Backprop multiplies by σ′ at every layer, "
                    "so the hidden layers stall: they stay close to their random start. The "
                    "linear output layer can still fit the training set on top of those frozen "
                    "random binary features (its training accuracy is not the symptom), but "
                    "the features are not learned and validation accuracy suffers. Glorot's "
                    "Var(w) = 2/(n_in + n_out) keeps z of order one, where σ′ is near its "
                    "maximum and every layer learns.",
    )
