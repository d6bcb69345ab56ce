"""Claim 36, first part: accuracy against sparsity for magnitude, first-order sensitivity and
Optimal Brain Damage pruning, with and without fine-tuning (the second part, whether pruning
biases costs more than pruning weights, is the lab ``bias-pruning``).

In each replicate one MLP is trained on a fresh random split of the 8×8 digits; each
criterion scores its weights once, and copies of it are pruned globally (lowest scores
across layers) to each sparsity, then evaluated as they are and, at the high sparsities,
after a few epochs of fine-tuning with the masks kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from tamrin import nn, optim, prune
from tamrin.labs import figures, stats
from tamrin.labs.classify import Split, accuracy, digits_split, train
from tamrin.labs.lab import Evidence, Figure, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.models import MLP
from tamrin.nn.functional import cross_entropy
from tamrin.train import fit

N_TRAIN, BATCH, LR = 1000, 32, 3e-3
SPARSITIES = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
METHODS = ("magnitude", "sensitivity", "obd")
BASELINE = "random"  # a reference curve, not part of the criterion
# At 95% sparsity one weight in twenty is left; "pruning trades accuracy for sparsity" must
# show there as a fall a reader sees: ten points of accuracy, about ten standard errors of a
# validation accuracy on ~800 digits (√(0.97·0.03/800) ≈ 0.6 points).
FALL = 0.10
# Fine-tuning "wins back" the accuracy when it recovers most — more than half — of what
# pruning alone lost ...
RECOVERY = 0.5
# ... measured at the sparsities where pruning alone lost at least this much: a smaller loss
# is a few standard errors of the accuracy, and its recovered share would be noise.
LOST_ENOUGH = 0.05
FINE_TUNED = (0.8, 0.9, 0.95)  # the sparsities that are fine-tuned (where accuracy is lost)
REPORT_SPARSITY = 0.8  # the magnitude-pruned, fine-tuned network shown in the sparsity table
REPLICATES = Replicates(quick=5, full=10)


@dataclass(frozen=True)
class Setup:
    """Sizes of one replicate: hidden layers, epochs, fine-tuning epochs, OBD's Hessian
    options."""

    hidden: tuple[int, ...]
    epochs: int
    fine_tune_epochs: int
    obd: dict[str, Any]
    obd_name: str


QUICK = Setup((32,), 20, 15, {"exact_max": 0, "n_probes": 32}, "Hutchinson, 32 probes")
FULL = Setup((64, 32), 30, 30, {"exact_max": 0, "n_probes": 128}, "Hutchinson, 128 probes")

CRITERION = (
    f"over the replicates (each: a fresh split of the digits, a freshly trained MLP): (1) for "
    f"each of {', '.join(METHODS)}, without fine-tuning, the 95% interval of the mean drop of "
    f"validation accuracy from the dense network to {SPARSITIES[-1]:.0%} sparsity lies above "
    f"{FALL:g}; (2) for each criterion, the interval of the mean share of the lost accuracy "
    f"that fine-tuning wins back (over the sparsities {', '.join(f'{s:.0%}' for s in FINE_TUNED)}"
    f" where pruning alone lost at least {LOST_ENOUGH:g}) lies above {RECOVERY:g}. Which "
    f"criterion is best is reported, not required")


def pruned_copy(model: nn.Module, amount: int | float, scores: dict | None = None,
                include_bias: bool = False,
                only: str | None = None) -> nn.Module:
    """A copy of ``model`` with ``amount`` of its eligible tensors' entries (all weight
    matrices; the biases too with ``include_bias``; ``only="bias"``/``"weight"`` keeps one
    kind) pruned globally by ``scores`` (keyed like the model's own tensors; |w| if None)."""
    twin = copy.deepcopy(model)
    refs = prune.parameters_to_prune(twin, include_bias or only == "bias")
    keys = prune.parameters_to_prune(model, include_bias or only == "bias")
    keep = [i for i, (_, name) in enumerate(refs) if only is None or name.startswith(only)]
    refs, keys = [refs[i] for i in keep], [keys[i] for i in keep]
    mapped = None if scores is None else {r: scores[k] for r, k in zip(refs, keys)}
    prune.global_unstructured(refs, amount, mapped)
    return twin


def criterion_scores(model: nn.Module, method: str, data: Split, setup: Setup,
                     rng: np.random.Generator) -> dict:
    """Importance scores of every weight matrix, computed once on the trained model (the
    data-driven criteria on the training set)."""
    options = dict(setup.obd, seed=int(rng.integers(2**31))) if method == "obd" else {}
    return prune.importance_scores(model, method, prune.parameters_to_prune(model),
                                   cross_entropy, (data.x_train, data.y_train), **options)


def sparsity_curves(model: nn.Module, data: Split, setup: Setup,
                    rng: np.random.Generator) -> tuple[dict, dict, nn.Module]:
    """Validation accuracy at each sparsity for each criterion (and the random baseline) as
    pruned, and after fine-tuning at the sparsities of ``FINE_TUNED`` (the criteria only);
    also the fine-tuned magnitude network at ``REPORT_SPARSITY``."""
    before, after, shown = {}, {}, None
    for method in (*METHODS, BASELINE):
        scores = criterion_scores(model, method, data, setup, rng)
        before[method], after[method] = [], []
        for sparsity in SPARSITIES:
            net = pruned_copy(model, sparsity, scores)
            before[method].append(accuracy(net, data.x_val, data.y_val))
            if method == BASELINE or sparsity not in FINE_TUNED:
                after[method].append(float("nan"))
                continue
            fine_tune(net, data, setup.fine_tune_epochs)
            after[method].append(accuracy(net, data.x_val, data.y_val))
            if method == "magnitude" and sparsity == REPORT_SPARSITY:
                shown = net
    return before, after, shown


def fine_tune(net: nn.Module, data: Split, epochs: int) -> None:
    """Adam on the training part with the masks kept (``tamrin.train.fit``; no per-epoch
    evaluation: only the accuracy at the end is used)."""
    fit(net, cross_entropy, optim.Adam(net.parameters(), lr=LR),
        data.loader("train", BATCH, shuffle=True, drop_last=True), epochs=epochs,
        progress=False)


def recovered_share(before: list[float], after: list[float], dense: float) -> float:
    """The mean share of the lost accuracy won back by fine-tuning, over the fine-tuned
    sparsities where pruning alone lost at least ``LOST_ENOUGH`` (nan if there are none)."""
    shares = [(a - b) / (dense - b) for b, a in zip(before, after)
              if np.isfinite(a) and dense - b >= LOST_ENOUGH]
    return float(np.mean(shares)) if shares else float("nan")


def trained_mlp(setup: Setup, rng: np.random.Generator) -> tuple[nn.Module, Split]:
    """A fresh split of the digits and an MLP of ``setup``'s size trained on it."""
    data = digits_split(N_TRAIN, rng)
    model = MLP(64, list(setup.hidden), 10)
    train(model, optim.Adam(model.parameters(), lr=LR), data, setup.epochs, BATCH)
    return model, data


def measure(quick: bool, seed: int) -> dict:
    """One replicate: a fresh split and MLP, and its pruning curves."""
    rng = np.random.default_rng(seed)
    setup = QUICK if quick else FULL
    model, data = trained_mlp(setup, rng)
    dense = accuracy(model, data.x_val, data.y_val)
    before, after, shown = sparsity_curves(model, data, setup, rng)
    out: dict = {"dense validation accuracy": dense}
    for m in METHODS:
        out[f"accuracy drop at {SPARSITIES[-1]:.0%}, {m} (pruned)"] = dense - before[m][-1]
        out[f"share of lost accuracy won back by fine-tuning, {m}"] = recovered_share(
            before[m], after[m], dense)
    report = prune.sparsity_report(shown)
    out.update(before=before, after=after, obd_name=setup.obd_name,
               fine_tune_epochs=setup.fine_tune_epochs,
               report=[[r.name, str(r.shape), r.zeros, r.numel, r.sparsity]
                       for r in report.rows]
               + [["total", "", report.zeros, report.numel, report.sparsity]])
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        *(col.mean_above(f"accuracy drop at {SPARSITIES[-1]:.0%}, {m} (pruned)", FALL)
          for m in METHODS),
        *(col.mean_above(f"share of lost accuracy won back by fine-tuning, {m}", RECOVERY)
          for m in METHODS),
    )


def _mean_curves(ev: Evidence, key: str) -> dict[str, np.ndarray]:
    return {m: np.mean([r[key][m] for r in ev.replicates], axis=0)
            for m in ev.first[key]}


def _plot_curves(before: dict, after: dict, dense: float, obd_name: str, n: int,
                 out_dir) -> Figure:
    fig, axes = figures.subplots(2, width=5.0)
    x = 100 * np.array(SPARSITIES)
    for ax, curves, title in ((axes[0], before, "pruned, no fine-tuning"),
                              (axes[1], after, "pruned, then fine-tuned (masks kept)")):
        for method, acc in curves.items():
            if np.all(np.isnan(acc)):
                continue
            label = f"OBD ({obd_name})" if method == "obd" else method
            ax.plot(x, acc, "o-" if method != BASELINE else "x--", label=label)
        ax.axhline(dense, color="k", ls=":", label="dense network")
        ax.set(xlabel="sparsity of the weight matrices (%)",
               ylabel=f"validation accuracy (mean of {n})", title=title, ylim=(0, 1.02))
        ax.legend(fontsize=7)
    return figures.save(fig, out_dir, "accuracy_vs_sparsity",
                        "Validation accuracy of the digits MLP pruned globally to each "
                        "sparsity by each criterion (random: a reference), before and after "
                        "fine-tuning; means over the replicates.")


def _best(curves: dict, i: int) -> str:
    """The criterion with the highest accuracy at sparsity index ``i``."""
    return max(METHODS, key=lambda m: curves[m][i])


def present(ev: Evidence) -> Presentation:
    n = len(ev.replicates)
    before, after = _mean_curves(ev, "before"), _mean_curves(ev, "after")
    dense = float(np.mean(ev.values("dense validation accuracy")))
    winners = ", ".join(f"{s:.0%}: {_best(before, i)}" for i, s in enumerate(SPARSITIES))
    top = f"{SPARSITIES[-1]:.0%}"
    drops = ", ".join(
        f"{m} {100 * np.mean(ev.values(f'accuracy drop at {top}, {m} (pruned)')):.0f}"
        for m in METHODS)
    shares = ", ".join(
        f"{m} {np.nanmean(ev.values(f'share of lost accuracy won back by fine-tuning, {m}')):.0%}"
        for m in METHODS)
    if ev.holds:
        verdict_text = ("Both parts of the claim hold over these replicates: the accuracy "
                        "falls with sparsity, and fine-tuning wins most of it back.")
    else:
        failed = [s.name for s in ev.judgement.statistics if not s.passed]
        verdict_text = ("The claim does not hold as worded here. The failed tests: "
                        + "; ".join(failed) + ".")
    first = ev.first
    return Presentation(
        explanation=(
            f"The dense network reached a mean validation accuracy of {dense:.3f} over {n} "
            f"replicates. Pruned to {SPARSITIES[-1]:.0%} without fine-tuning it lost, on "
            f"average, {drops} points of accuracy, while random pruning (the reference) "
            f"left {before[BASELINE][-1]:.3f}. The three criteria rank weights differently — "
            "|w| ignores the curvature, |w·∂L/∂w| uses a gradient that is nearly zero at a "
            "trained minimum, ½·hₖₖ·wₖ² adds the curvature the gradient misses; the best "
            f"one without fine-tuning (mean accuracy) was at {winners}. Fine-tuning with the "
            "masks kept lets the surviving weights take over the work of the pruned ones; "
            f"the mean share of the lost accuracy it won back was {shares}. " + verdict_text),
        tables=[Table(f"Validation accuracy, pruned → fine-tuned ({first['fine_tune_epochs']} "
                      f"epochs; means over {n} replicates); OBD with the {first['obd_name']}",
                      ["sparsity", *METHODS, BASELINE],
                      [[f"{s:.0%}", *(f"{before[m][i]:.3f}" + (
                          f" → {after[m][i]:.3f}" if np.isfinite(after[m][i]) else "")
                          for m in (*METHODS, BASELINE))]
                       for i, s in enumerate(SPARSITIES)]),
                Table(f"sparsity_report: magnitude-pruned to {REPORT_SPARSITY:.0%}, "
                      f"fine-tuned (replicate 1)",
                      ["tensor", "shape", "zeros", "entries", "sparsity"], first["report"])],
        figures=[_plot_curves(before, after, dense, first["obd_name"], n, ev.out_dir)],
    )


LAB = register(Lab(
    name="pruning", title="Pruning: magnitude, sensitivity, Optimal Brain Damage",
    claim="Pruning a trained network's weights — the smallest |w| (magnitude), the smallest "
          "|w·∂L/∂w| (first-order sensitivity) or the smallest ½·hₖₖ·wₖ² (Optimal Brain "
          "Damage) — costs accuracy as the sparsity grows, and fine-tuning with the masks "
          "kept wins most of it back.",
    claims=(36,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.prune:prune_model", "tamrin.models:MLP", "tamrin.optim:Adam"),
))
