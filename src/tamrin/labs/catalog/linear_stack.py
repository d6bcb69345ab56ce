"""Claim 7: stacked linear layers are one linear map and cannot solve XOR or two spirals; one
non-linear hidden layer can.

Both networks are ``tamrin.models.MLP`` (the linear stack with ``activation="identity"``),
trained by ``tamrin.train.fit`` on the full batch with Adam on the binary cross-entropy;
accuracy is the library's (``tamrin.labs.classify.accuracy``, in eval mode).
"""

from __future__ import annotations

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import make_blobs, make_spirals
from tamrin.labs import figures, stats
from tamrin.labs.classify import accuracy
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch
from tamrin.models import MLP
from tamrin.models.classical import LogisticRegression

CORNERS = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])  # classes 0, 0, 1, 1
SPREAD = 0.3  # cluster standard deviation: the four XOR clusters stay apart (3σ < 1)
# "One linear map, to rounding": the stack's outputs equal x·(W₁W₂W₃) + b up to float64
# rounding of three products (~10⁻¹⁵ relative); 10⁻¹² leaves a wide margin.
COLLAPSE = 1e-12
# "Cannot solve": a straight line classifies at most three of XOR's four equal clusters
# (0.75), plus a few points of the Gaussian tails (+0.05); on two noise-free spirals of 1.5
# turns no line does better than 0.66 (exhaustive search over lines on 20,000 points), so the
# same 0.80 leaves room for sampling luck and is still far from solving either set.
LINE_LIMIT = 0.80
# "Can solve": 95% training accuracy — both sets are separable by a curved boundary.
SOLVED = 0.95
LINEAR_SIZES, NONLINEAR_SIZES = [16, 16], [32]
REPLICATES = Replicates(quick=3, full=10)
DATASETS = ("XOR", "spirals")


def xor_clusters(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points in four equal noisy clusters at (±1, ±1); the label is 1 where the signs
    differ."""
    x, cluster = make_blobs(n, centers=CORNERS, cluster_std=SPREAD, random_state=rng)
    return x, (cluster >= 2).astype(np.int64)


def stack_matrix(model: nn.Module) -> tuple[np.ndarray, np.ndarray]:
    """The single map of a stack of Linear layers: x ↦ x·M + c, with M = W₁ᵀW₂ᵀ…, c the
    biases carried through the later layers."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    matrix = np.eye(layers[0].weight.shape[1])
    bias = np.zeros(layers[0].weight.shape[1])
    for layer in layers:
        w = layer.weight.numpy()
        matrix, bias = matrix @ w.T, bias @ w.T + layer.bias.numpy()
    return matrix, bias


def collapse_error(model: nn.Module, x: np.ndarray) -> float:
    """Largest difference between the stack's output and the one matrix, relative to the
    largest output."""
    matrix, bias = stack_matrix(model)
    with tamrin.no_grad():
        stacked = model(tamrin.tensor(x, dtype="float64")).numpy()
    return float(np.abs(stacked - (x @ matrix + bias)).max() / np.abs(stacked).max())


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, steps: int) -> float:
    """Full-batch Adam on the binary cross-entropy (``fit``); the training accuracy after."""
    full_batch(model, nn.functional.binary_cross_entropy_with_logits,
               optim.Adam(model.parameters(), lr=0.05), tamrin.tensor(x, dtype="float64"),
               tamrin.tensor(y[:, None].astype(np.float64), dtype="float64"), steps)
    return accuracy(model, x, y)


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    steps = 1000 if quick else 1500
    n_xor, n_spirals = (200, 400) if quick else (400, 800)
    data = {"XOR": xor_clusters(n_xor, rng),
            "spirals": make_spirals(n_spirals, turns=1.5, random_state=rng)}
    out: dict = {"training steps": steps, "models": {}, "data": data}
    for name, (x, y) in data.items():
        linear = MLP(2, LINEAR_SIZES, 1, activation="identity", init="xavier_normal").double()
        nonlinear = MLP(2, NONLINEAR_SIZES, 1, activation="tanh").double()
        out[f"{name}: accuracy, {len(LINEAR_SIZES) + 1} linear layers"] = train(linear, x, y,
                                                                                steps)
        out[f"{name}: accuracy, one tanh hidden layer"] = train(nonlinear, x, y, steps)
        out[f"{name}: accuracy, logistic regression (a fitted line)"] = float(
            LogisticRegression().fit(x, y).score(x, y))
        out[f"{name}: relative error, stack vs one matrix"] = collapse_error(linear, x)
        out["models"][name] = {"linear": linear, "nonlinear": nonlinear}
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    checks = []
    for name in DATASETS:
        collapse = f"{name}: relative error, stack vs one matrix"
        stacked = f"{name}: accuracy, {len(LINEAR_SIZES) + 1} linear layers"
        bent = f"{name}: accuracy, one tanh hidden layer"
        checks += [col.every(collapse, f"< {COLLAPSE:g}", lambda v: v < COLLAPSE),
                   col.every(stacked, f"≤ {LINE_LIMIT:g}", lambda v: v <= LINE_LIMIT),
                   col.every(bent, f"≥ {SOLVED:g}", lambda v: v >= SOLVED)]
    return Judgement.of(*checks)


def _plot_regions(ev: Evidence):
    grid = np.linspace(-2.2, 2.2, 200)
    gx, gy = np.meshgrid(grid, grid)
    points = np.c_[gx.ravel(), gy.ravel()]
    fig, axes = figures.subplots(4, width=3.6, height=3.6)
    panels = [(name, kind) for name in DATASETS for kind in ("linear", "nonlinear")]
    for ax, (name, kind) in zip(axes, panels):
        x, y = ev.first["data"][name]
        scale = 1.0 if name == "XOR" else 0.55
        model = ev.first["models"][name][kind]
        with tamrin.no_grad():
            logits = model(tamrin.tensor(points * scale, dtype="float64")).numpy()
        ax.contourf(gx * scale, gy * scale, logits.reshape(gx.shape) > 0,
                    levels=[-0.5, 0.5, 1.5], colors=["#cfe2ff", "#ffd6d6"])
        for label, colour in ((0, "tab:blue"), (1, "tab:red")):
            ax.scatter(*x[y == label].T, s=5, c=colour)
        title = f"{len(LINEAR_SIZES) + 1} linear layers" if kind == "linear" else \
            "one tanh layer"
        ax.set(xlabel="x₁", ylabel="x₂", title=f"{name}: {title}")
    return figures.save(fig, ev.out_dir, "decision_regions",
                        "Decision regions after training (shaded: predicted class), replicate "
                        "1: the linear stack draws one straight boundary; the tanh layer bends "
                        "it.")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    depth = len(LINEAR_SIZES) + 1
    rows, text = [], [
        f"x·W₁·W₂·W₃ = x·(W₁W₂W₃): the {depth} linear layers multiply out to one matrix, and "
        "the biases to one bias, so depth without a non-linearity adds parameters but no "
        "expressive power — the boundary stays a straight line."]
    for name in DATASETS:
        collapse = max(ev.values(f"{name}: relative error, stack vs one matrix"))
        stacked = ev.values(f"{name}: accuracy, {depth} linear layers")
        bent = ev.values(f"{name}: accuracy, one tanh hidden layer")
        line = ev.values(f"{name}: accuracy, logistic regression (a fitted line)")
        rows.append([name, collapse, max(stacked), max(line), min(bent)])
        text.append(
            f"On {name} ({n} replicates) the trained stack's output differed from the single "
            f"matrix's by at most {collapse:.2g} (relative)"
            + (", i.e. rounding;" if collapse < COLLAPSE else f", more than {COLLAPSE:g};")
            + f" it classified at most {max(stacked):.3f} of the training points (logistic "
            f"regression, a fitted line: at most {max(line):.3f})"
            + (f", never above {LINE_LIMIT:g};" if max(stacked) <= LINE_LIMIT else
               f", above the {LINE_LIMIT:g} a line can reach;")
            + f" one tanh hidden layer of {NONLINEAR_SIZES[0]} units reached at least "
            f"{min(bent):.3f}"
            + ("." if min(bent) >= SOLVED else f", short of {SOLVED:g}."))
    if ev.holds:
        text.append("The tanh layer bends the input space so that a line in the hidden layer "
                    "separates the classes.")
    else:
        text.append("The claim is not borne out in these replicates: see the failed test.")
    return Presentation(
        explanation=" ".join(text),
        tables=[Table(f"Training accuracy over {n} replicates ({ev.first['training steps']} "
                      f"full-batch Adam steps)",
                      ["data", "largest |stack − one matrix| (relative)",
                       f"{depth} linear layers (best)", "logistic regression (best)",
                       "one tanh layer (worst)"], rows)],
        figures=[_plot_regions(ev)],
    )


LAB = register(Lab(
    name="linear-stack-collapse", title="A stack of linear layers is one linear map",
    claim="Any number of linear layers without an activation multiply out to a single matrix, "
          "so the stack draws a straight decision boundary and cannot solve XOR or two "
          "spirals; a single non-linear hidden layer can.",
    claims=(7,),
    criterion=(
        f"in every replicate, on XOR (four noisy clusters) and on two spirals: the trained "
        f"2-{'-'.join(map(str, LINEAR_SIZES))}-1 linear stack equals x·(W₁W₂W₃) + b to "
        f"relative error < {COLLAPSE:g} and its training accuracy is at most {LINE_LIMIT:g}; "
        f"a 2-{NONLINEAR_SIZES[0]}-1 tanh network reaches at least {SOLVED:g}"),
    measure=measure, judge=judge, present=present, replicates=REPLICATES,
    requires=("tamrin.models:MLP",),
))
