"""Claims 14 and 15: L2 shrinks weights without zeroing them, L1 zeroes them only through the
proximal (soft-thresholding) step — plain subgradient steps leave them oscillating around 0
— and penalising the bias hurts when the decision boundary is away from the origin."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Mistake, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch
from tamrin.train import Callback, fit

# --- claim 14 ---------------------------------------------------------------------------
FEATURES, RELEVANT = 50, 5
LAM, LR = 0.1, 0.05  # penalty strength λ and learning rate η for claim 14
# "Exact zeros on data where few features matter": the proximal model is sparse when more
# than half of the irrelevant weights are exactly 0 — and it must keep every relevant one.
SPARSE_SHARE = 0.5
# --- claim 15 ---------------------------------------------------------------------------
# Two Gaussian classes (std NOISE per coordinate) around (CENTRE ∓ 1)·(1, 1): the best
# boundary is the line x₁ + x₂ = 2·CENTRE, far from the origin; its accuracy is
# Φ(√2/NOISE) ≈ 0.978.
CENTRE, NOISE = 3.0, 0.7
# The L2 penalty (λ/2)·b² has curvature λ along the bias; the logistic loss's curvature there
# is at most σ′ ≤ 1/4. At λ = 1/4 the penalty is as stiff as the loss can ever be, and the
# small-weight (quadratic) expansion of the loss puts the penalised boundary at
# x₁ + x₂ = 2·CENTRE/(1 + 4λ) = CENTRE — halfway to the origin — while penalising the
# weights alone leaves it at 2·CENTRE (w shrinks, the free bias follows).
BIAS_LAM = 0.25
BIAS_LR, BIAS_MOMENTUM = 0.1, 0.9  # heavy-ball GD: both problems converge in a few hundred steps
# "Hurts": penalising the bias costs at least a tenth of the validation set (absolute).
ACCURACY_MARGIN = 0.10
VALIDATION = 4000
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"in every replicate (fresh data each), after full-batch training on {FEATURES} features "
    f"of which {RELEVANT} matter: no weight is exactly 0 with L2 or with L1 subgradient steps, "
    f"more than {SPARSE_SHARE:.0%} of the {FEATURES - RELEVANT} irrelevant weights are exactly "
    f"0 with the proximal step while all {RELEVANT} relevant ones are not; and on two classes "
    f"whose best boundary is x₁ + x₂ = {2 * CENTRE:g}, penalising the bias as well as the "
    f"weights (L2, λ = {BIAS_LAM:g}) lowers validation accuracy by an amount whose 95% "
    f"interval over the replicates lies above {ACCURACY_MARGIN:g} (absolute)")


def sparse_regression(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """y = X·w* + 1 + noise where only the first RELEVANT of FEATURES weights are non-zero."""
    x = rng.standard_normal((n, FEATURES))
    true_w = np.zeros(FEATURES)
    true_w[:RELEVANT] = rng.choice([-1, 1], RELEVANT) * rng.uniform(1, 3, RELEVANT)
    y = x @ true_w + 1.0 + 0.5 * rng.standard_normal(n)
    return x, y[:, None], true_w


Method = Callable[[nn.Linear], tuple[optim.Optimizer, Callable]]


def methods() -> dict[str, Method]:
    """Each regulariser as (optimizer, penalty added to the loss) for a linear model; the
    bias is never penalised here."""
    return {
        "L2 (weight decay)": lambda m: (optim.SGD(optim.param_groups(m, LAM), lr=LR),
                                        lambda: 0.0),
        "L1 subgradient (penalty in the loss)": lambda m: (
            optim.SGD(m.parameters(), lr=LR), lambda: optim.l1_penalty(m, LAM)),
        "L1 proximal (soft-thresholding)": lambda m: (
            optim.SGD([{"params": [m.weight], "l1": LAM}, {"params": [m.bias]}], lr=LR),
            lambda: 0.0),
    }


class Trace(Callback):
    """The weights after every epoch (= every step of full-batch descent)."""

    def __init__(self) -> None:
        self.weights: list[np.ndarray] = []

    def on_epoch_end(self, run, logs) -> None:
        self.weights.append(run.model.weight.numpy()[0].copy())


def train_regression(method: Method, x: np.ndarray, y: np.ndarray,
                     steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch gradient descent (``fit``) on the mean squared error plus the method's
    penalty, from zero; the final weights and the trajectory of every weight."""
    model = nn.Linear(FEATURES, 1).double()
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt, penalty = method(model)
    trace = Trace()

    def loss(out: tamrin.Tensor, target: tamrin.Tensor) -> tamrin.Tensor:
        return nn.functional.mse_loss(out, target) + penalty()

    fit(model, loss, opt, [(tamrin.tensor(x), tamrin.tensor(y))], epochs=steps,
        callbacks=[trace], progress=False)  # full-batch: one step per epoch
    return model.weight.numpy()[0].copy(), np.array(trace.weights)


def offset_classes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes around (CENTRE − 1)·(1, 1) and (CENTRE + 1)·(1, 1)."""
    y = rng.integers(0, 2, n)
    x = CENTRE + (2 * y[:, None] - 1) + NOISE * rng.standard_normal((n, 2))
    return x, y.astype(np.float64)[:, None]


def train_classifier(penalise_bias: bool, x: np.ndarray, y: np.ndarray,
                     steps: int) -> nn.Linear:
    """Logistic regression by full-batch heavy-ball GD with L2 weight decay BIAS_LAM on the
    weights and, if asked, on the bias as well (``param_groups`` leaves the bias out)."""
    model = nn.Linear(2, 1).double()
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    groups = model.parameters() if penalise_bias else optim.param_groups(model, BIAS_LAM)
    opt = optim.SGD(groups, lr=BIAS_LR, momentum=BIAS_MOMENTUM, weight_decay=BIAS_LAM)
    full_batch(model, nn.functional.binary_cross_entropy_with_logits, opt, tamrin.tensor(x),
               tamrin.tensor(y), steps)
    return model


def boundary_offset(model: nn.Linear) -> float:
    """Where the boundary crosses the diagonal x₁ = x₂, as the value of x₁ + x₂ there."""
    w, b = model.weight.numpy()[0], float(model.bias.numpy()[0])
    return float(-2 * b / w.sum())


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x, y, true_w = sparse_regression(200 if quick else 1000, rng)
    steps = 400 if quick else 3000
    results = {name: train_regression(m, x, y, steps) for name, m in methods().items()}
    weights = {name: w for name, (w, _) in results.items()}
    l2, sub, prox = weights
    tail = results[sub][1][-50:, RELEVANT:]
    out: dict = {"true w": true_w, "weights": weights,
                 "traces": {n: r[1] for n, r in results.items()}}
    for name, w in weights.items():
        out[f"exact zeros: {name}"] = int(np.sum(w == 0))
        out[f"|w| ≤ η·λ: {name}"] = int(np.sum(np.abs(w) <= LR * LAM))
        out[f"‖w − w*‖: {name}"] = float(np.linalg.norm(w - true_w))
    out["relevant weights kept: L1 proximal"] = int(np.sum(weights[prox][:RELEVANT] != 0))
    out["share of irrelevant subgradient weights changing sign in the last 50 steps"] = float(
        np.mean(np.abs(np.diff(np.sign(tail), axis=0)).sum(axis=0) > 0))
    out["largest irrelevant |w|: L1 subgradient"] = float(np.abs(weights[sub][RELEVANT:]).max())

    xc, yc = offset_classes(1000 if quick else 2000, rng)
    xv, yv = offset_classes(VALIDATION, rng)
    bias_steps = 300 if quick else 1000
    models = {"weights only": train_classifier(False, xc, yc, bias_steps),
              "weights and bias": train_classifier(True, xc, yc, bias_steps)}
    out["classifiers"] = {n: (m.weight.numpy()[0].copy(), float(m.bias.numpy()[0]))
                          for n, m in models.items()}
    out["validation points"] = (xv[:400], yv[:400])
    for name, model in models.items():
        with tamrin.no_grad():
            predicted = model(tamrin.tensor(xv)).numpy()[:, 0] > 0
        out[f"validation accuracy: penalty on {name}"] = float(np.mean(predicted == (yv[:, 0]
                                                                                  > 0.5)))
        out[f"boundary x₁ + x₂ on the diagonal: penalty on {name}"] = boundary_offset(model)
    out["accuracy drop from penalising the bias"] = (
        out["validation accuracy: penalty on weights only"]
        - out["validation accuracy: penalty on weights and bias"])
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    l2, sub, prox = methods()
    irrelevant = FEATURES - RELEVANT
    return Judgement.of(
        col.every(f"exact zeros: {l2}", "= 0", lambda v: v == 0),
        col.every(f"exact zeros: {sub}", "= 0", lambda v: v == 0),
        col.every(f"exact zeros: {prox}",
                  f"> {SPARSE_SHARE:.0%} of the {irrelevant} irrelevant weights",
                  lambda v: v > SPARSE_SHARE * irrelevant),
        col.every("relevant weights kept: L1 proximal", f"= {RELEVANT}", lambda v: v == RELEVANT),
        col.mean_above("accuracy drop from penalising the bias", ACCURACY_MARGIN),
    )


def _plot_sparsity(ev: Evidence):
    first = ev.first
    weights, traces, true_w = first["weights"], first["traces"], first["true w"]
    fig, axes = figures.subplots(2, width=5.6, height=4.0)
    index = np.arange(FEATURES)
    axes[0].plot(index, true_w, "k_", ms=10, mew=2, label="true weight")
    for (name, w), marker in zip(weights.items(), "o^s"):
        axes[0].plot(index, w, marker, ms=4, alpha=0.8, label=name)
    axes[0].set(xlabel=f"feature (first {RELEVANT} relevant)", ylabel="final weight",
                title="Weights after training")
    axes[0].legend(fontsize=7)
    j = RELEVANT  # the first irrelevant feature
    tail = min(100, len(next(iter(traces.values()))))
    for name, trace in traces.items():
        steps = np.arange(len(trace))[-tail:]
        axes[1].plot(steps, trace[-tail:, j], ".-", ms=3, lw=0.8, label=name)
    axes[1].axhline(0, color="k", lw=0.5)
    axes[1].axhspan(-LR * LAM, LR * LAM, color="grey", alpha=0.2, label="±η·λ")
    axes[1].set(xlabel="gradient step", ylabel=f"weight of irrelevant feature {j}",
                title="Last steps of one irrelevant weight")
    axes[1].legend(fontsize=7)
    return figures.save(fig, ev.out_dir, "sparsity",
                        f"Left: final weights of the three regularisers (replicate 1; features "
                        f"0–{RELEVANT - 1} matter). Right: one irrelevant weight over the last "
                        f"steps.")


def _plot_bias(ev: Evidence):
    x, y = ev.first["validation points"]
    fig, (ax,) = figures.subplots(width=5.2, height=4.6)
    for label, colour in ((0, "tab:blue"), (1, "tab:red")):
        pts = x[y[:, 0] == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=8, color=colour, alpha=0.5, label=f"class {label}")
    grid = np.array([-0.5, x.max()])
    for (name, (w, b)), style in zip(ev.first["classifiers"].items(), ("-", "--")):
        ax.plot(grid, -(w[0] * grid + b) / w[1], "k" + style, label=f"boundary: penalty on "
                                                                     f"{name}")
    ax.plot([0], [0], "k+", ms=12, label="origin")
    ax.set(xlim=(-0.5, x.max()), ylim=(-0.5, x.max()), xlabel="x₁", ylabel="x₂",
           title=f"Logistic regression, L2 λ = {BIAS_LAM:g}", aspect="equal")
    ax.legend(fontsize=7)
    return figures.save(fig, ev.out_dir, "bias_penalty",
                        "Validation points and the decision boundaries with the L2 penalty on "
                        "the weights only and on the bias too (replicate 1).")


def present(ev: Evidence) -> Presentation:
    mean = lambda name: float(np.mean(ev.values(name)))  # noqa: E731
    names = list(methods())
    l2, sub, prox = names
    n = len(ev.replicates)
    zeros = {m: mean(f"exact zeros: {m}") for m in names}
    flips = mean("share of irrelevant subgradient weights changing sign in the last 50 steps")
    acc = {k: mean(f"validation accuracy: penalty on {k}")
           for k in ("weights only", "weights and bias")}
    where = {k: mean(f"boundary x₁ + x₂ on the diagonal: penalty on {k}")
             for k in ("weights only", "weights and bias")}
    drop = stats.mean_above("", ev.values("accuracy drop from penalising the bias"),
                            ACCURACY_MARGIN)
    sparsity = (
        f"Over {n} replicates the L2 model has {zeros[l2]:.3g} exact zeros on average and the "
        f"subgradient model {zeros[sub]:.3g}, while the proximal model sets "
        f"{zeros[prox]:.3g} of the {FEATURES - RELEVANT} irrelevant weights to exactly 0; "
        f"{flips:.0%} of the subgradient's irrelevant weights changed sign during the last 50 "
        f"steps. ")
    bias = (
        f"For claim 15 the best boundary is x₁ + x₂ = {2 * CENTRE:g}. With the penalty on the "
        f"weights only, training puts it at x₁ + x₂ = {where['weights only']:.2f} (validation "
        f"accuracy {acc['weights only']:.3f}); with the bias penalised too, at "
        f"{where['weights and bias']:.2f} (the small-weight theory predicts "
        f"{2 * CENTRE / (1 + 4 * BIAS_LAM):g}), and accuracy falls to "
        f"{acc['weights and bias']:.3f}: a drop of {drop.estimate:.3f} (95% interval "
        f"{drop.low:.3f} to {drop.high:.3f}). ")
    verdict = ("Every part of the criterion is met." if ev.holds else
               "The criterion is not met — see which test failed above.")
    return Presentation(
        explanation=(
            "The L2 penalty's gradient λ·w shrinks a weight in proportion to its size, so it "
            "approaches 0 but does not reach it. The L1 subgradient λ·sign(w) pushes every "
            "weight by the fixed amount η·λ per step; an irrelevant weight overshoots 0 and "
            "gets pushed back, so it rattles around zero and lands on 0.0 exactly only by "
            "accident. The proximal step first takes the gradient step of the loss alone and "
            "then soft-thresholds: any weight within η·λ of 0 is set to exactly 0. "
            + sparsity +
            "Penalising only the weights shrinks w and the free bias rescales with it, so the "
            "boundary keeps its place; a penalised bias is pulled towards 0, and the boundary "
            "moves towards the origin, into the class nearest it. " + bias + verdict),
        tables=[Table(f"Linear regression, {FEATURES} features ({RELEVANT} relevant), λ = "
                      f"{LAM}, η = {LR} (means over {n} replicates)",
                      ["regulariser", "exact zeros", f"|w| ≤ η·λ = {LR * LAM:g}",
                       "‖w − w*‖₂"],
                      [[m, zeros[m], mean(f"|w| ≤ η·λ: {m}"), mean(f"‖w − w*‖: {m}")]
                       for m in names]),
                Table(f"Logistic regression, classes around ({CENTRE - 1:g}, {CENTRE - 1:g}) "
                      f"and ({CENTRE + 1:g}, {CENTRE + 1:g}), L2 λ = {BIAS_LAM:g} (means over "
                      f"{n} replicates)",
                      ["penalty on", "validation accuracy", "boundary x₁ + x₂ on the diagonal",
                       "small-weight theory"],
                      [["weights only", acc["weights only"], where["weights only"],
                        2 * CENTRE],
                       ["weights and bias", acc["weights and bias"],
                        where["weights and bias"], 2 * CENTRE / (1 + 4 * BIAS_LAM)]])],
        mistakes=[Mistake("the L1 (subgradient) update sets irrelevant weights exactly to 0",
                          float(FEATURES - RELEVANT), "only the proximal step gives exact "
                          "zeros: subgradient steps give none", 0.0, zeros[sub])],
        figures=[_plot_sparsity(ev), _plot_bias(ev)],
    )


LAB = register(Lab(
    name="l1-l2-sparsity", title="L1 vs L2 penalties, and the bias",
    claim="On data where few features matter, an L2 penalty shrinks every weight but zeroes "
          "none; an L1 penalty gives exact zeros only with the proximal (soft-thresholding) "
          "update, while plain subgradient steps leave the weights jumping around 0. "
          "Penalising the bias as well pulls the decision boundary towards the origin, which "
          "hurts when the classes are separated away from it.",
    claims=(14, 15), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.optim:SGD", "tamrin.optim:l1_penalty", "tamrin.optim:param_groups"),
))
