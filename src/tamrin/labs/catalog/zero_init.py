"""Claim 11: a sigmoid network initialised with zeros outputs 0.5, its first SGD step moves
only the output layer, and its hidden units stay identical for ever (breast-cancer data)."""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import DataLoader, TensorDataset, load_breast_cancer
from tamrin.data.transforms import Standardize
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.models import MLP
from tamrin.train import Callback, fit

HIDDEN = (8, 8)
LR = 0.1  # α of the formula
BATCH = 32
# float64 rounding of sums of a few hundred numbers of order one is ~1e-14; a difference
# above 1e-12 is a real difference, not rounding.
ROUNDING = 1e-12
# "Has moved": the first layer's largest weight must exceed the rounding bound a
# millionfold, so that identical units are identical while learning, not frozen at 0.
MOVED = 1e-6
REPLICATES = Replicates(quick=3, full=10)

CRITERION = (
    f"in every replicate (a random example for the first step, a random batch order, "
    f"float64): every output of the all-zero network is exactly 0.5; after one SGD step "
    f"(α = {LR}) every W³ entry and b³ equal −α(0.5 − y)·0.5 and −α(0.5 − y) within "
    f"{ROUNDING:g}, and every hidden weight and bias is still exactly 0; after mini-batch "
    f"training the first layer has moved (largest |W¹| > {MOVED:g}) while the units of each "
    f"hidden layer still agree within {ROUNDING:g}")


def unit_spread(model: MLP) -> float:
    """How different the hidden units are: over the hidden layers, the largest gap between
    any unit's incoming weights and bias and those of unit 0."""
    linears = [layer for layer in model if isinstance(layer, nn.Linear)][:-1]
    gaps = []
    for layer in linears:
        incoming = np.hstack([layer.weight.numpy(), layer.bias.numpy()[:, None]])  # row: unit
        gaps.append(np.abs(incoming - incoming[:1]).max())
    return float(max(gaps))


class Track(Callback):
    """After every epoch: the unit spread, and the weight from input 1 into each unit of the
    first hidden layer."""

    def __init__(self) -> None:
        self.spread: list[float] = []
        self.first: list[np.ndarray] = []

    def on_epoch_end(self, run, logs) -> None:
        self.spread.append(unit_spread(run.model))
        self.first.append(run.model[0].weight.numpy()[:, 0].copy())


def network(init: str) -> MLP:
    return MLP(30, HIDDEN, 1, activation="sigmoid", init=init).double()


def train(model: MLP, x: np.ndarray, y: np.ndarray, epochs: int) -> Track:
    """Mini-batch SGD by ``fit``, tracking the hidden units after each epoch."""
    track = Track()
    fit(model, nn.functional.binary_cross_entropy_with_logits,
        optim.SGD(model.parameters(), lr=LR),
        DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True), epochs=epochs,
        callbacks=[track], progress=False)
    return track


def measure(quick: bool, seed: int) -> dict:
    """One replicate: the zero network's outputs, one SGD step on a random example compared
    with the formulas, then mini-batch training of the zero and of a Glorot network."""
    rng = np.random.default_rng(seed)
    data = load_breast_cancer()
    x = Standardize().fit(data.data)(data.data).astype(np.float64)  # all of it is training data
    y = data.target.astype(np.float64)[:, None]
    model = network("zeros")
    with tamrin.no_grad():
        outputs = tamrin.sigmoid(model(tamrin.tensor(x))).numpy()
    i = int(rng.integers(len(x)))
    fit(model, nn.functional.binary_cross_entropy_with_logits,
        optim.SGD(model.parameters(), lr=LR), [(tamrin.tensor(x[i:i + 1]),
                                                tamrin.tensor(y[i:i + 1]))],
        epochs=1, progress=False)  # exactly one SGD step on example i
    out_layer = model[-1]
    w3, b3 = out_layer.weight.numpy()[0].copy(), float(out_layer.bias.numpy()[0])
    expected_w3, expected_b3 = -LR * (0.5 - y[i, 0]) * 0.5, -LR * (0.5 - y[i, 0])
    hidden_moved = float(max(np.abs(p.numpy()).max() for layer in list(model)[:-1]
                             if isinstance(layer, nn.Linear) for p in (layer.weight, layer.bias)))
    epochs = 6 if quick else 100
    zero = train(model, x, y, epochs)
    glorot = train(network("xavier_normal"), x, y, epochs)
    return {
        "label y of the step's example": float(y[i, 0]),
        "share of outputs equal to 0.5": float(np.mean(outputs == 0.5)),
        "|W³ − (−α(0.5 − y)·0.5)| after step 1": float(np.abs(w3 - expected_w3).max()),
        "|b³ − (−α(0.5 − y))| after step 1": abs(b3 - expected_b3),
        "‖ΔW³‖ after step 1": float(np.linalg.norm(w3)),
        "b³ after step 1": b3,
        "largest |hidden weight or bias| after step 1": hidden_moved,
        "SGD steps of training": epochs * int(np.ceil(len(x) / BATCH)),
        "unit spread after training: zero init": zero.spread[-1],
        "unit spread after training: Glorot init": glorot.spread[-1],
        "largest |W¹| after training: zero init":
            float(np.abs(model[0].weight.numpy()).max()),
        "w3 after step 1": w3, "first-layer weights: zero": np.array(zero.first),
        "first-layer weights: Glorot": np.array(glorot.first),
    }


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    below = (f"≤ {ROUNDING:g}", lambda v: v <= ROUNDING)
    return Judgement.of(
        col.every("share of outputs equal to 0.5", "= 1", lambda v: v == 1.0),
        col.every("|W³ − (−α(0.5 − y)·0.5)| after step 1", *below),
        col.every("|b³ − (−α(0.5 − y))| after step 1", *below),
        col.every("largest |hidden weight or bias| after step 1", "= 0", lambda v: v == 0.0),
        col.every("largest |W¹| after training: zero init", f"> {MOVED:g}", lambda v: v > MOVED),
        col.every("unit spread after training: zero init", *below),
    )


def _plot(ev: Evidence):
    fig, axes = figures.subplots(2, width=5.2)
    for ax, key, title in ((axes[0], "first-layer weights: zero", "zero init"),
                           (axes[1], "first-layer weights: Glorot", "random (Glorot) init")):
        traj = ev.first[key]
        epochs = np.arange(1, len(traj) + 1)
        for j in range(traj.shape[1]):
            ax.plot(epochs, traj[:, j], label=f"unit {j + 1}")
        ax.set(xlabel="epoch", ylabel="weight from input 1 to the unit", title=title)
        ax.legend(fontsize=7, ncol=2)
    return figures.save(fig, ev.out_dir, "hidden_units",
                        f"The weight from input 1 into each of the {HIDDEN[0]} first-layer "
                        f"units after each epoch of training (replicate 1): with zero init the "
                        f"curves coincide.")


def present(ev: Evidence) -> Presentation:
    first = ev.first
    y = first["label y of the step's example"]
    expected_w3, expected_b3 = -LR * (0.5 - y) * 0.5, -LR * (0.5 - y)
    w3_err = max(ev.values("|W³ − (−α(0.5 − y)·0.5)| after step 1"))
    zero_spread = max(ev.values("unit spread after training: zero init"))
    glorot_spread = min(ev.values("unit spread after training: Glorot init"))
    moved = min(ev.values("largest |W¹| after training: zero init"))
    steps = first["SGD steps of training"]
    if ev.holds:
        verdict = (f"Measured in {len(ev.replicates)} replicates: the outputs were all "
                   f"exactly 0.5, W³ matched the formula (largest difference {w3_err:.1g}) "
                   f"while the hidden layers stayed exactly 0 after the first step, and after "
                   f"{steps} more steps the first layer had moved (largest |W¹| ≥ "
                   f"{moved:.3g}) yet the units of each hidden layer agreed (largest "
                   f"difference {zero_spread:.1g}) — the network behaves as if each layer had "
                   f"a single unit. From a Glorot start the units differ by at least "
                   f"{glorot_spread:.3g}.")
    else:
        verdict = (f"The criterion is not met (see which test failed above): the largest "
                   f"W³ error was {w3_err:.3g} and the zero network's units differed by up to "
                   f"{zero_spread:.3g} after training.")
    return Presentation(
        explanation=(
            "With zero weights every hidden unit outputs σ(0) = 0.5 and the output is σ(0) = "
            "0.5. The output layer's gradient (0.5 − y)·h is not zero, so W³ moves — the "
            "gradients are not the problem. The hidden layers' gradients pass through W³, "
            "which was 0 during the first step, so they do not move at first; afterwards every "
            "unit of a layer receives exactly the same gradient because all units are "
            "identical, and they stay identical. " + verdict),
        tables=[Table(f"After one SGD step (α = {LR}) on one example with y = {y:g} "
                      f"(replicate 1)", ["parameter", "formula", "autograd + SGD"],
                      [[f"W³ weight {j + 1}", expected_w3, float(w)]
                       for j, w in enumerate(first["w3 after step 1"])]
                      + [["b³", expected_b3, first["b³ after step 1"]]])],
        mistakes=[Mistake("zero init fails because all gradients are zero ⇒ ‖ΔW³‖ = 0", 0.0,
                          "output layer moves: ‖ΔW³‖ = α|0.5 − y|·0.5·√8",
                          LR * abs(0.5 - y) * 0.5 * np.sqrt(HIDDEN[-1]),
                          float(first["‖ΔW³‖ after step 1"]))],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="zero-init-symmetry", title="Zero initialisation never breaks symmetry",
    claim="A 2-hidden-layer sigmoid network with all-zero weights outputs 0.5 for every input; "
          "one SGD step changes only the output layer (each W³ weight by −α(0.5 − y)·0.5, b³ by "
          "−α(0.5 − y)), and from then on all hidden units of a layer stay identical.",
    claims=(11,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
))
