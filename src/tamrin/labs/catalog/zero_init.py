"""Claim 11: a sigmoid network initialised with zeros outputs 0.5, its first SGD step moves
only the output layer, and its hidden units stay identical for ever (breast-cancer data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer

from tamrin.labs import figures
from tamrin.labs.lab import Mistake, Result, Table, verdict
from tamrin.labs.rawnet import RawMLP, as_tensor, bce_with_logits, standardized
from tamrin.labs.registry import register

SIZES = [30, 8, 8, 1]
LR = 0.1


def sgd_step(net: RawMLP, x: np.ndarray, y: np.ndarray) -> None:
    """One SGD step on the BCE of sigmoid(output) for the examples (x, y)."""
    loss = bce_with_logits(net(as_tensor(x)), as_tensor(y))
    net.zero_grad()
    loss.backward()
    net.sgd_step(LR)


def unit_spread(net: RawMLP) -> float:
    """How different the hidden units are: max over hidden layers of the largest gap between
    any unit's incoming weights (and bias) and unit 0's."""
    gaps = []
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        incoming = np.vstack([w.numpy(), b.numpy()[None]])  # column j: unit j
        gaps.append(np.abs(incoming - incoming[:, :1]).max())
    return float(max(gaps))


def _train(net: RawMLP, x, y, steps: int, rng: np.random.Generator):
    """Mini-batch SGD; returns the unit spread and the first hidden layer's weights per step."""
    spreads, first = [], []
    for _ in range(steps):
        batch = rng.choice(len(x), 32, replace=False)
        sgd_step(net, x[batch], y[batch])
        spreads.append(unit_spread(net))
        first.append(net.weights[0].numpy()[0].copy())
    return np.array(spreads), np.array(first)


def _plot(zero_first: np.ndarray, random_first: np.ndarray, out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    for ax, traj, title in ((axes[0], zero_first, "zero init"),
                            (axes[1], random_first, "random (Glorot) init")):
        for j in range(traj.shape[1]):
            ax.plot(traj[:, j], label=f"unit {j + 1}")
        ax.set(xlabel="SGD step", ylabel="weight from input 1 to the unit", title=title)
        ax.legend(fontsize=7, ncol=2)
    return figures.save(fig, out_dir, "hidden_units",
                        "The weight from input 1 into each of the 8 first-layer units during "
                        "training: with zero init the 8 curves coincide.")


@register("zero-init-symmetry", "Zero initialisation never breaks symmetry",
          "A 2-hidden-layer sigmoid network with all-zero weights outputs 0.5 for every input; "
          "one SGD step changes only the output layer (each W³ weight by −α(0.5 − y)·0.5, b³ by "
          "−α(0.5 − y)), and from then on all hidden units of a layer stay identical.", (11,))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    data = load_breast_cancer()
    x, y = standardized(data.data), data.target.astype(np.float64)[:, None]
    net = RawMLP.create(SIZES, "sigmoid", "zeros", rng)
    outputs = 1 / (1 + np.exp(-net(as_tensor(x)).numpy()))
    i = int(rng.integers(len(x)))
    sgd_step(net, x[i:i + 1], y[i:i + 1])
    w3, b3 = net.weights[-1].numpy().copy(), float(net.biases[-1].numpy()[0])
    expected_w3, expected_b3 = -LR * (0.5 - y[i, 0]) * 0.5, -LR * (0.5 - y[i, 0])
    w3_err, b3_err = float(np.abs(w3 - expected_w3).max()), abs(b3 - expected_b3)
    hidden_moved = float(max(np.abs(p.numpy()).max()
                             for p in net.weights[:-1] + net.biases[:-1]))
    steps = 100 if quick else 2000
    zero_spread, zero_first = _train(net, x, y, steps, rng)
    rand = RawMLP.create(SIZES, "sigmoid", "glorot", rng)
    rand_spread, rand_first = _train(rand, x, y, steps, rng)
    ok = (np.all(outputs == 0.5) and w3_err < 1e-12 and b3_err < 1e-12 and hidden_moved == 0
          and zero_spread.max() < 1e-12 and np.abs(net.weights[0].numpy()).max() > 1e-6)
    return Result(
        lab="zero-init-symmetry", verdict=verdict(ok),
        criterion="every output is exactly 0.5; after one SGD step W³ and b³ equal the formulas "
                  "to 1e-12 and every hidden weight and bias is still exactly 0; after "
                  f"{steps} more steps the first layer has moved (max |w| > 1e-6) yet all units "
                  "of each hidden layer agree to 1e-12",
        measurements={"outputs equal to 0.5": float(np.mean(outputs == 0.5)),
                      "|W³ − (−α(0.5 − y)·0.5)| after step 1": w3_err,
                      "|b³ − (−α(0.5 − y))| after step 1": b3_err,
                      "largest hidden weight or bias after step 1": hidden_moved,
                      "unit spread after training: zero init": float(zero_spread[-1]),
                      "unit spread after training: random init": float(rand_spread[-1]),
                      "max |W¹| after training: zero init":
                          float(np.abs(net.weights[0].numpy()).max())},
        tables=[Table("After one SGD step (α = 0.1) on one example",
                      ["parameter", "formula", "autograd + SGD"],
                      [[f"W³ weight {j + 1}", expected_w3, float(w)]
                       for j, w in enumerate(w3[:, 0])] + [["b³", expected_b3, b3]])],
        mistakes=[Mistake("zero init fails because all gradients are zero ⇒ ‖ΔW³‖ = 0", 0.0,
                          "output layer moves: ‖ΔW³‖ = α|0.5 − y|·0.5·√8",
                          LR * abs(0.5 - y[i, 0]) * 0.5 * np.sqrt(SIZES[-2]),
                          float(np.linalg.norm(w3)))],
        figures=[_plot(zero_first, rand_first, out_dir)],
        explanation="With zero weights every hidden unit outputs σ(0) = 0.5 and the output is "
                    "σ(0) = 0.5. The output layer's gradient (0.5 − y)·h is not zero, so W³ "
                    "moves — the gradients are not the problem. The hidden layers' gradients "
                    "pass through W³, which was 0 during the first step, so they do not move "
                    "at first; afterwards every unit of a layer receives exactly the same "
                    "gradient because all units are identical, and they stay identical: the "
                    "network behaves as if each layer had a single unit.",
    )
