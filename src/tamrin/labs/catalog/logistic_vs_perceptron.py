"""Claim 5: logistic regression and the perceptron both draw a straight boundary (both fail
XOR, both separate separable data); logistic regression also gives probabilities; and a
perceptron unit with a sigmoid, trained by gradient descent on the log loss, *is* logistic
regression.

The probability check uses two Gaussian classes N(μ₀, I), N(μ₁, I) with equal priors, whose
true posterior is known: P(y = 1 | x) = σ((μ₁ − μ₀)ᵀx + (‖μ₀‖² − ‖μ₁‖²)/2).
"""

from __future__ import annotations

import warnings

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import make_blobs, make_xor
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch
from tamrin.models.classical import ConvergenceWarning, LogisticRegression, Perceptron

MU0, MU1 = np.array([-1.0, 0.0]), np.array([1.0, 0.5])
# "Fails XOR": no straight line classifies more than 2/3 of uniform XOR (the exhaustive
# search gives 0.669 on 20,000 points); 0.75 leaves room for the best of many lines on a
# finite test set, and is still far from solving it.
LINE_LIMIT = 0.75
# "Solves XOR": 95% — what a boundary of the right shape reaches on noise-free XOR (the
# only errors are points within a whisker of an axis).
SOLVED = 0.95
# "Gives probabilities": predict_proba within 0.05 (mean absolute) of the true posterior —
# a twentieth of the probability scale; the perceptron's 0/1 output is off by far more.
PROB_ERROR = 0.05
# "Is logistic regression": the same update on the same numbers, so the same weights to
# rounding (float64 after 200 steps: well below 10⁻⁸).
SAME = 1e-8
LR, STEPS = 0.5, 200  # the shared gradient-descent schedule of the last comparison
REPLICATES = Replicates(quick=3, full=10)


def _accuracies(x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                seed: int) -> tuple[dict[str, float], dict]:
    """Test accuracy of logistic regression and the perceptron trained on (x, y), and the
    fitted models."""
    models = {"logistic regression": LogisticRegression(lr=0.5, max_iter=500),
              "perceptron": Perceptron(max_iter=50, random_state=seed)}
    with warnings.catch_warnings():  # not converging is the expected outcome on XOR
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = {name: float(m.fit(x, y).score(x_test, y_test)) for name, m in models.items()}
    return scores, models


def best_line_accuracy(x: np.ndarray, y: np.ndarray, angles: int = 360) -> float:
    """The highest accuracy any straight line reaches on (x, y): for each direction, every
    threshold between consecutive projections, both ways round."""
    best = 0.0
    for theta in np.linspace(0, np.pi, angles, endpoint=False):
        order = np.argsort(x @ np.array([np.cos(theta), np.sin(theta)]))
        ones_below = np.r_[0, np.cumsum(y[order])]  # class-1 points below each threshold
        below = np.arange(len(y) + 1)
        correct = (below - ones_below) + (y.sum() - ones_below)  # 0 below, 1 above
        best = max(best, correct.max() / len(y), (len(y) - correct).max() / len(y))
    return float(best)


def _gaussians(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points of each of the two Gaussian classes."""
    y = np.repeat([0, 1], n)
    return np.where(y[:, None] == 1, MU1, MU0) + rng.standard_normal((2 * n, 2)), y


def true_posterior(x: np.ndarray) -> np.ndarray:
    """P(y = 1 | x) for the two equal-prior Gaussian classes."""
    z = x @ (MU1 - MU0) + (MU0 @ MU0 - MU1 @ MU1) / 2
    return 1 / (1 + np.exp(-z))


def _sigmoid_unit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A Linear(2, 1) unit with a sigmoid, zero-initialised, trained by full-batch gradient
    descent on the mean log loss (``tamrin.train.fit``); returns (w₁, w₂, b)."""
    unit = nn.Linear(2, 1).double()
    nn.init.zeros_(unit.weight)
    nn.init.zeros_(unit.bias)
    full_batch(unit, nn.functional.binary_cross_entropy_with_logits,
               optim.SGD(unit.parameters(), lr=LR), tamrin.tensor(x, dtype="float64"),
               tamrin.tensor(y[:, None].astype(np.float64), dtype="float64"), STEPS)
    return np.r_[unit.weight.numpy()[0], unit.bias.numpy()]


def measure(quick: bool, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n, n_train = (1000, 300) if quick else (4000, 600)  # test sets large for the line search
    xor_train, xor_test = make_xor(n_train, random_state=rng), make_xor(n, random_state=rng)
    xor, xor_models = _accuracies(*xor_train, *xor_test, seed)
    product = LogisticRegression(alpha=0.0, lr=5.0, max_iter=2000, tol=None).fit(
        np.c_[xor_train[0], xor_train[0].prod(axis=1)], xor_train[1]).score(
        np.c_[xor_test[0], xor_test[0].prod(axis=1)], xor_test[1])
    blobs = [make_blobs(n, centers=[[-3, -3], [3, 3]], cluster_std=0.7, random_state=rng)
             for _ in range(2)]
    separable, blob_models = _accuracies(*blobs[0], *blobs[1], seed)
    gauss_train, gauss_test = _gaussians(n, rng), _gaussians(n, rng)
    model = LogisticRegression(lr=0.5, max_iter=2000).fit(*gauss_train)
    proba = model.predict_proba(gauss_test[0])[:, 1]
    truth = true_posterior(gauss_test[0])
    with warnings.catch_warnings():  # the Gaussian classes overlap: no separating line
        warnings.simplefilter("ignore", ConvergenceWarning)
        hard = Perceptron(max_iter=5, random_state=seed).fit(*gauss_train).predict(
            gauss_test[0])
    unit = _sigmoid_unit(*gauss_train)
    reference = LogisticRegression(alpha=0.0, lr=LR, max_iter=STEPS, tol=None).fit(*gauss_train)
    logistic = np.r_[reference.coef_[0], reference.intercept_]
    return {
        **{f"XOR test accuracy: {k}": v for k, v in xor.items()},
        "XOR test accuracy: best straight line": best_line_accuracy(*xor_test),
        "XOR test accuracy: logistic regression on (x₁, x₂, x₁x₂)": float(product),
        "perceptron converged on XOR (1 = yes)": int(xor_models["perceptron"].converged_),
        **{f"separable blobs test accuracy: {k}": v for k, v in separable.items()},
        "perceptron converged on the blobs (1 = yes)":
            int(blob_models["perceptron"].converged_),
        "mean |predict_proba − true posterior|": float(np.abs(proba - truth).mean()),
        "mean |perceptron 0/1 output − true posterior|": float(np.abs(hard - truth).mean()),
        "max |w_sigmoid unit − w_LogisticRegression|": float(np.abs(unit - logistic).max()),
        "xor": (xor_train, xor_models), "gauss": (gauss_test[0], proba, hard),
        "weights": (unit, logistic),
    }


XOR_MODELS = ("XOR test accuracy: logistic regression", "XOR test accuracy: perceptron",
              "XOR test accuracy: best straight line")
PRODUCT = "XOR test accuracy: logistic regression on (x₁, x₂, x₁x₂)"
BLOBS = ("separable blobs test accuracy: logistic regression",
         "separable blobs test accuracy: perceptron")
PROBA = "mean |predict_proba − true posterior|"
UNIT = "max |w_sigmoid unit − w_LogisticRegression|"


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        *(col.every(name, f"≤ {LINE_LIMIT:g}", lambda v: v <= LINE_LIMIT)
          for name in XOR_MODELS),
        col.every("perceptron converged on XOR (1 = yes)", "= 0", lambda v: v == 0),
        col.every(PRODUCT, f"≥ {SOLVED:g}", lambda v: v >= SOLVED),
        *(col.every(name, "= 1", lambda v: v == 1.0) for name in BLOBS),
        col.every("perceptron converged on the blobs (1 = yes)", "= 1", lambda v: v == 1),
        col.mean_below(PROBA, PROB_ERROR),
        col.every(UNIT, f"< {SAME:g}", lambda v: v < SAME),
    )


def _plot(ev: Evidence):
    (xor_x, xor_y), xor_models = ev.first["xor"]
    gauss, proba, hard = ev.first["gauss"]
    fig, axes = figures.subplots(2, width=5.2)
    grid = np.linspace(-1.2, 1.2, 200)
    gx, gy = np.meshgrid(grid, grid)
    points = np.c_[gx.ravel(), gy.ravel()]
    axes[0].scatter(*xor_x.T, c=xor_y, cmap="coolwarm", s=6)
    for (name, m), colour in zip(xor_models.items(), ("k", "tab:green")):
        axes[0].contour(gx, gy, m.decision_function(points).reshape(gx.shape), levels=[0],
                        colors=colour)
        axes[0].plot([], [], color=colour, label=f"{name} boundary")
    axes[0].set(xlabel="x₁", ylabel="x₂", title="XOR: one straight line cannot separate it")
    axes[0].legend(fontsize=8, loc="lower left")
    score = gauss @ (MU1 - MU0)
    order = np.argsort(score)
    axes[1].plot(score[order], true_posterior(gauss)[order], "k-", lw=2,
                 label="true P(y = 1 | x)")
    axes[1].plot(score[order], proba[order], "--", color="tab:orange",
                 label="logistic regression predict_proba")
    axes[1].plot(score[order], hard[order], ".", ms=2, color="tab:green",
                 label="perceptron output (0/1 only)")
    axes[1].set(xlabel="(μ₁ − μ₀)ᵀx", ylabel="P(y = 1 | x)",
                title="two Gaussian classes: probabilities")
    axes[1].legend(fontsize=8)
    return figures.save(fig, ev.out_dir, "boundaries",
                        "Left: both linear boundaries on XOR (training data, replicate 1). "
                        "Right: logistic regression's probabilities on test points against "
                        "the true posterior; the perceptron only says 0 or 1.")


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    top = {name: max(ev.values(name)) for name in XOR_MODELS}
    product = min(ev.values(PRODUCT))
    xor_converged = sum(ev.values("perceptron converged on XOR (1 = yes)"))
    blobs = {name: min(ev.values(name)) for name in BLOBS}
    blob_converged = sum(ev.values("perceptron converged on the blobs (1 = yes)"))
    proba, hard = (float(np.mean(ev.values(k))) for k in
                   (PROBA, "mean |perceptron 0/1 output − true posterior|"))
    unit = max(ev.values(UNIT))
    linear_fail = max(top.values()) <= LINE_LIMIT and xor_converged == 0
    text = [
        "Both models predict from the sign of a linear score wᵀx + b, so their decision "
        f"boundary is a straight line. On XOR, over {n} replicates, the best accuracy was "
        f"{top[XOR_MODELS[0]]:.3f} for logistic regression and {top[XOR_MODELS[1]]:.3f} for "
        f"the perceptron, against {top[XOR_MODELS[2]]:.3f} for the best of all straight lines "
        f"(exhaustive search on the test set)"
        + ("; the perceptron converged in none of the replicates — both fail XOR."
           if linear_fail else
           f"; the perceptron converged in {xor_converged} of {n} — not the failure claimed.")
        + f" Adding the non-linear feature x₁x₂ makes it separable: logistic regression then "
        f"scored at least {product:.3f}.",
        f"On separable blobs the lowest test accuracies were {blobs[BLOBS[0]]:.3f} (logistic) "
        f"and {blobs[BLOBS[1]]:.3f} (perceptron), the perceptron converging in "
        f"{blob_converged} of {n} replicates.",
        f"Logistic regression passes the score through σ and is trained on the log loss, so "
        f"σ(wᵀx + b) estimates P(y = 1 | x): for two Gaussian classes with equal covariance "
        f"the true posterior has exactly this form, and the fitted probabilities were "
        f"{proba:.3f} from it on average (mean absolute difference), while the perceptron's "
        f"0/1 output was {hard:.3f} from it.",
        f"A Linear unit with a sigmoid, trained by gradient descent on the log loss, makes "
        f"the update (σ(z) − y)·x — logistic regression's; after {STEPS} steps its weights "
        f"differed from LogisticRegression's by at most {unit:.2g}"
        + (" — the same model." if unit < SAME else f", more than the {SAME:g} allowed."),
    ]
    if not ev.holds:
        text.append("The claim is not borne out in these replicates: see the failed test.")
    unit_w, logistic_w = ev.first["weights"]
    return Presentation(
        explanation=" ".join(text),
        tables=[Table("Test accuracy (replicate 1)", ["data", "logistic regression",
                                                      "perceptron"],
                      [["XOR", ev.first[XOR_MODELS[0]], ev.first[XOR_MODELS[1]]],
                       ["separable blobs", ev.first[BLOBS[0]], ev.first[BLOBS[1]]]]),
                Table(f"Sigmoid unit (nn.Linear + gradient descent on BCE) vs "
                      f"LogisticRegression, {STEPS} steps of {LR} (replicate 1)",
                      ["parameter", "sigmoid unit", "LogisticRegression", "|difference|"],
                      [[name, float(u), float(v), float(abs(u - v))]
                       for name, u, v in zip(("w₁", "w₂", "b"), unit_w, logistic_w)])],
        figures=[_plot(ev)],
    )


LAB = register(Lab(
    name="logistic-vs-perceptron", title="Logistic regression vs the perceptron",
    claim="Both draw a linear boundary and so both fail XOR; logistic regression gives "
          "probabilities, and a perceptron with a sigmoid is logistic regression.",
    claims=(5,),
    criterion=(
        f"in every replicate: on XOR test data logistic regression, the perceptron and the "
        f"best straight line (exhaustive search) score at most {LINE_LIMIT:g} and the "
        f"perceptron never converges, while logistic regression with the product feature "
        f"x₁x₂ reaches {SOLVED:g}; on separable blobs both score 1.0 and the perceptron "
        f"converges; a sigmoid unit trained by gradient descent on the log loss has the same "
        f"weights as LogisticRegression after the same {STEPS} steps, to {SAME:g}; and the 95% "
        f"interval of the mean |predict_proba − true posterior| (two Gaussian classes) lies "
        f"below {PROB_ERROR:g}"),
    measure=measure, judge=judge, present=present, replicates=REPLICATES,
    requires=("tamrin.models.classical:LogisticRegression",
              "tamrin.models.classical:Perceptron"),
))
