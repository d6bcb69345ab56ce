"""Claim 36, second part: pruning biases costs more than pruning weights.

The course keeps biases out of pruning because removing one is said to cost more than
removing a weight. Measured directly: in each replicate the digits MLP of the ``pruning`` lab
is trained afresh, and every bias and every weight in turn is set to zero alone; the cost of
an entry is the rise of the validation loss. The claim, per parameter over the whole network,
is that the mean cost of a bias exceeds the mean cost of a weight. The same comparison inside
the hidden layers and inside the output layer, the pairwise share (a random bias against a
random weight), and global magnitude pruning with and without letting the biases compete are
reported beside it.
"""

from __future__ import annotations

import numpy as np

from tamrin import nn, prune
from tamrin.labs import figures, stats
from tamrin.labs.catalog.pruning import FULL, QUICK, SPARSITIES, pruned_copy, trained_mlp
from tamrin.labs.classify import Split, accuracy
from tamrin.labs.lab import Evidence, Figure, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.nn.functional import cross_entropy

# "Pruning a bias costs more than pruning a weight": the expected rise of the validation loss
# when one parameter picked at random is set to zero is larger for a bias — the interval of
# the mean difference (bias − weight, over the whole network) must lie above 0.
COSTS_MORE = 0.0
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"over the replicates (each: a fresh split of the digits, a freshly trained MLP), the 95% "
    f"interval of the mean of (validation-loss rise when one bias is set to zero, averaged "
    f"over every bias) − (the same for one weight, averaged over every weight), over the whole "
    f"network, lies above {COSTS_MORE:g}. The comparison inside the hidden layers and inside "
    f"the output layer, the share of (bias, weight) pairs where the bias costs more, and "
    f"magnitude pruning with the biases competing are reported, not required")


def parameter_costs(model: nn.Module, data: Split) -> dict[str, dict[str, np.ndarray]]:
    """Per layer, the rise of the validation loss when one entry is set to zero, for every
    bias and every weight in turn (``prune.loss_change_scores``)."""
    names = {id(m): name for name, m in model.named_modules()}
    refs = prune.parameters_to_prune(model, include_bias=True)
    costs = prune.loss_change_scores(model, cross_entropy, (data.x_val, data.y_val), refs)
    out: dict[str, dict[str, np.ndarray]] = {}
    for module, name in refs:
        out.setdefault(names[id(module)], {})[name] = costs[(module, name)].ravel()
    return out


def mean_cost(costs: dict[str, dict[str, np.ndarray]], kind: str, layers: list[str]) -> float:
    """The mean cost of one ``kind`` ("bias" or "weight") entry over ``layers``: every entry
    of those layers counts once."""
    return float(np.mean(np.concatenate([costs[layer][kind] for layer in layers])))


def share_costlier(costs: dict[str, dict[str, np.ndarray]], layers: list[str]) -> float:
    """The share of (bias, weight) pairs of ``layers`` in which zeroing the bias raised the
    loss more than zeroing the weight (ties count one half): how often a bias picked at
    random costs more than a weight picked at random."""
    biases = np.concatenate([costs[layer]["bias"] for layer in layers])
    weights = np.sort(np.concatenate([costs[layer]["weight"] for layer in layers]))
    below = np.searchsorted(weights, biases, side="left")
    ties = np.searchsorted(weights, biases, side="right") - below
    return float((below + ties / 2).sum() / (len(biases) * len(weights)))


def with_and_without_biases(model: nn.Module, data: Split) -> list[dict]:
    """Global magnitude pruning of the same number of parameters, from the weight matrices
    only or from the weights and biases together (|b| competing with |w|)."""
    total = sum(prune.mask.effective(*ref).size
                for ref in prune.parameters_to_prune(model, include_bias=True))
    rows = []
    for sparsity in SPARSITIES:
        count = int(round(sparsity * total))
        row = {"sparsity": sparsity, "parameters removed": count}
        for name, include in (("weights only", False), ("biases included", True)):
            net = pruned_copy(model, count, include_bias=include)
            row[name] = accuracy(net, data.x_val, data.y_val)
            if include:
                row["biases removed"] = sum(r.zeros for r in prune.sparsity_report(net).rows
                                            if r.name.endswith("bias"))
        rows.append(row)
    return rows


def measure(quick: bool, seed: int) -> dict:
    """One replicate: a freshly trained MLP, the cost of every bias and every weight."""
    model, data = trained_mlp(QUICK if quick else FULL, np.random.default_rng(seed))
    costs = parameter_costs(model, data)
    layers = list(costs)
    bias, weight = mean_cost(costs, "bias", layers), mean_cost(costs, "weight", layers)
    out: dict = {"mean loss rise, one bias zeroed (whole network)": bias,
                 "mean loss rise, one weight zeroed (whole network)": weight,
                 "bias − weight loss rise (whole network)": bias - weight,
                 "share of (bias, weight) pairs where the bias costs more":
                     share_costlier(costs, layers)}
    for layer in layers:
        for kind in ("bias", "weight"):
            out[f"mean loss rise, one {kind} of layer {layer}"] = mean_cost(costs, kind,
                                                                            [layer])
    hidden = layers[:-1]
    out["bias − weight loss rise (hidden layers)"] = mean_cost(costs, "bias", hidden) - \
        mean_cost(costs, "weight", hidden)
    out["bias − weight loss rise (output layer)"] = mean_cost(costs, "bias", layers[-1:]) - \
        mean_cost(costs, "weight", layers[-1:])
    out["weights zeroed one at a time"] = sum(len(c["weight"]) for c in costs.values())
    out["biases zeroed one at a time"] = sum(len(c["bias"]) for c in costs.values())
    out.update(costs=costs, together=with_and_without_biases(model, data))
    return out


def judge(replicates: list[dict]) -> Judgement:
    return Judgement.of(stats.mean_above(
        "bias − weight loss rise (whole network)",
        stats.column(replicates, "bias − weight loss rise (whole network)"), COSTS_MORE))


def _plot_biases(ev: Evidence) -> Figure:
    fig, axes = figures.subplots(2, width=5.0)
    diffs = {key: ev.values(f"bias − weight loss rise ({key})")
             for key in ("whole network", "hidden layers", "output layer")}
    for i, values in enumerate(diffs.values()):
        axes[0].plot(np.full(len(values), i), values, "o", alpha=0.6)
    axes[0].axhline(0, color="k", lw=0.5)
    axes[0].set_xticks(range(len(diffs)))
    axes[0].set_xticklabels(list(diffs), fontsize=8)
    axes[0].set(ylabel="mean loss rise: one bias − one weight",
                title="Cost of removing one parameter (dots: replicates)")
    together = ev.first["together"]
    x = 100 * np.array([r["sparsity"] for r in together])
    for key in ("weights only", "biases included"):
        axes[1].plot(x, [r[key] for r in together], "o-", label=key)
    axes[1].set(xlabel="parameters removed (% of weights + biases)",
                ylabel="validation accuracy", title="Global magnitude pruning (replicate 1)")
    axes[1].legend(fontsize=7)
    return figures.save(fig, out_dir=ev.out_dir, stem="biases",
                        caption="Left: per replicate, how much more the validation loss rises "
                                "when one bias is set to zero than when one weight is (means "
                                "over every bias and every weight; above 0: a bias "
                                "costs more). Right: global magnitude pruning of the same "
                                "number of parameters from the weights only or from weights "
                                "and biases together.")


def _bias_text(ev: Evidence) -> str:
    """The bias comparison, in numbers, whatever its outcome."""
    n = len(ev.replicates)
    mean = lambda name: float(np.mean(ev.values(name)))  # noqa: E731
    net = ev.values("bias − weight loss rise (whole network)")
    hidden = ev.values("bias − weight loss rise (hidden layers)")
    output = ev.values("bias − weight loss rise (output layer)")
    together = [r for rep in ev.replicates for r in rep["together"]]
    better = sum(r["biases included"] > r["weights only"] for r in together)
    worse = sum(r["biases included"] < r["weights only"] for r in together)
    return (
        f"Biases: over the whole network, zeroing one bias raised the validation loss by "
        f"{mean('mean loss rise, one bias zeroed (whole network)'):.2g} on average and "
        f"zeroing one weight by {mean('mean loss rise, one weight zeroed (whole network)'):.2g}"
        f"; the bias cost more in {sum(d > 0 for d in net)} of {n} replicates. (A mean "
        f"is sensitive to a few costly entries; counted in pairs instead, a bias picked at "
        f"random cost more than a weight picked at random in "
        f"{mean('share of (bias, weight) pairs where the bias costs more'):.0%} of the pairs, "
        f"on average). Inside the "
        f"hidden layers a bias cost more than a weight of the same layers in "
        f"{sum(d > 0 for d in hidden)} of {n} replicates, in the output layer in "
        f"{sum(d > 0 for d in output)} of {n}. Letting the biases compete in global "
        f"magnitude pruning gave a higher accuracy in {better} and a lower one in {worse} of "
        f"{len(together)} (replicate, sparsity) pairs. ")


def present(ev: Evidence) -> Presentation:
    first = ev.first
    biases = first["biases zeroed one at a time"]
    total = biases + first["weights zeroed one at a time"]
    if ev.holds:
        verdict_text = ("Over the whole network a bias costs more to prune than a weight, as "
                        "the course says.")
    else:
        verdict_text = ("So the course's 'pruning biases costs more' is not what this network "
                        "shows: over the whole network a pruned bias did not cost reliably "
                        f"more than a pruned weight. (Biases are still few — {biases} of "
                        f"{total} parameters here — so pruning them would buy almost no sparsity; "
                        "that, not a higher cost per parameter, is what this measurement "
                        "leaves as a reason to keep them.)")
    return Presentation(
        explanation=_bias_text(ev) + verdict_text,
        tables=[Table("Mean rise of the validation loss when one entry is set to zero "
                      "(replicate 1; every bias and every weight tried)",
                      ["layer", "biases", "mean per bias", "weights", "mean per weight"],
                      [[layer, len(c["bias"]), float(c["bias"].mean()), len(c["weight"]),
                        float(c["weight"].mean())] for layer, c in first["costs"].items()]),
                Table("Global magnitude pruning of the same number of parameters "
                      "(replicate 1)", list(first["together"][0]),
                      [list(r.values()) for r in first["together"]])],
        figures=[_plot_biases(ev)],
    )


LAB = register(Lab(
    name="bias-pruning", title="Pruning biases against pruning weights",
    claim="Pruning a bias costs more than pruning a weight: set to zero one at a time, a bias "
          "raises the loss more than a weight does (per parameter, over the whole network).",
    claims=(36,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.prune:loss_change_scores", "tamrin.models:MLP"),
))
