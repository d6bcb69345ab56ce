"""Claims 21 and 35: transfer learning on Fashion-MNIST.

In each replicate a small CNN is pretrained on a random draw of classes 0–4 (T-shirt,
trouser, pullover, dress, coat), saved with ``tamrin.save`` and loaded back; its head is
replaced by a new 5-class one for classes 5–9 (sandal, shirt, sneaker, bag, ankle boot), of
which only k labelled images per class are seen. Claim 35: the frozen backbone + new head
beats the same network trained from scratch on those images when k is small. Claim 21: a
parameter group with learning rate 0 is frozen bit for bit while the others move, exactly as
``freeze()`` freezes it; a smaller learning rate for the backbone than for the head moves
the backbone less. Frozen backbone, one learning rate for every layer and the layer-wise
rates are measured side by side.
"""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn
from tamrin.data import Bunch, DataLoader, TensorDataset, load_fashion_mnist
from tamrin.labs import figures, stats
from tamrin.labs.lab import Evidence, Figure, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.labs.training import full_batch
from tamrin.optim import Adam
from tamrin.train import evaluate, fit
from tamrin.transfer import freeze, layerwise_lr_groups, replace_head

# The few-shot sampling of tamrin.transfer.few_shot_transfer, reused rather than rewritten.
from tamrin.transfer.few_shot import class_subset, few_shot_mask

SOURCE, TARGET = range(0, 5), range(5, 10)
SIDE = 28  # Fashion-MNIST images are 28×28
HEAD = "7"  # the Linear after conv-relu-pool ×2 and Flatten
LAYERS = {"conv 1": "0", "conv 2": "3", "head": HEAD}  # name in the report → module prefix
PRETRAIN_LR, LR, BATCH = 3e-3, 1e-2, 64  # Adam; LR is the head's rate when fine-tuning
BACKBONE_FACTOR = 0.1  # layer-wise mode: the backbone learns at 0.1 × the head's rate
LR_MAPS = {  # claim 21's fine-tuning modes: module prefix → learning rate
    "frozen backbone (lr 0)": {"": 0.0, HEAD: LR},
    "all layers, one lr": {"": LR},
    f"layer-wise (backbone {BACKBONE_FACTOR:g}× head)": {"": BACKBONE_FACTOR * LR, HEAD: LR},
}
FROZEN, ONE_LR, LAYERWISE = LR_MAPS
TRANSFER, SCRATCH = "transfer (frozen backbone + new head)", "scratch (same CNN, random init)"
# "Few labels": two labelled images per target class (ten in all) — the claim is judged
# there, in both modes; the other k (larger ones, and one image per class in full mode) are
# shown, not judged.
JUDGED_K = 2
# Transfer "beats" scratch: the 95% interval of the mean accuracy gap lies above 0.
BEATS = 0.0
# An lr-0 group keeps every bit: the optimizer's update is lr × direction = 0 exactly, so
# the largest change of a frozen weight must be exactly 0, and freeze() (no gradient at all)
# must give the very same weights.
EXACT = 0.0
# Adam's step is lr × a normalised direction, so a backbone at 1/10 of the head's rate moves
# about ten times less than at the head's rate: it must move less (ratio below 1) in every
# replicate.
SLOWER = 1.0
REPLICATES = Replicates(quick=6, full=10)


@dataclass(frozen=True)
class Sizes:
    """How big one replicate is: the backbone's channels, pretraining images and epochs,
    full-batch fine-tuning steps, test images per task, and the values of k (labelled
    images per target class) with the number of k-shot sets drawn for each (claim 21's
    modes use the first set at ``JUDGED_K``)."""

    channels: tuple[int, int]
    n_source: int
    pretrain_epochs: int
    steps: int
    n_test: int
    shots: dict[int, int]


# A k-shot set of two images per class decides much of the accuracy (the gap between
# transfer and scratch moves by several points from one set to the next), so a replicate
# averages several sets at the judged k. Quick mode pretrains a narrower backbone on fewer
# images (a replicate in a few seconds); full mode a wider one on more, with more k.
QUICK = Sizes((8, 16), 1500, 3, 50, 1000, {JUDGED_K: 8, 5: 1})
FULL = Sizes((16, 32), 3000, 4, 50, 1000, {1: 2, JUDGED_K: 6, 5: 2, 20: 1})

CRITERION = (
    f"claim 35: over the replicates (each with its own data draw, pretraining and k-shot "
    f"sets), the 95% interval of the mean of (transfer − scratch) test accuracy at k = "
    f"{JUDGED_K} labelled images per class lies above {BEATS:g}; claim 21: in every "
    f"replicate the layers given lr 0 end bit-identical (max |Δw| = {EXACT:g}) while the head "
    f"moves, every layer moves in the modes without lr 0, the lr-0 network equals the one "
    f"trained behind freeze() to the bit, and the backbone given {BACKBONE_FACTOR:g}× the "
    f"head's rate moves less than with the head's rate (ratio of relative changes < "
    f"{SLOWER:g}); the three modes' accuracies are shown, not required to rank in any order")


def small_cnn(num_classes: int, channels: tuple[int, int]) -> nn.Sequential:
    """conv 3×3 → ReLU → pool 2 → conv 3×3 → ReLU → pool 2 → Linear (the head, named
    ``HEAD``) on 1×28×28 images; ``tamrin.transfer.small_cnn`` with the channels as given."""
    c1, c2 = channels
    return nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(c2 * (SIDE // 4) ** 2, num_classes))


@dataclass
class Tasks:
    """Images (N×1×28×28 float32 in [0, 1]) and labels (0–4): the source task's training and
    test images, the target task's test images, and the raw pool the k-shot sets come from."""

    x_source: np.ndarray
    y_source: np.ndarray
    x_source_test: np.ndarray
    y_source_test: np.ndarray
    x_target_test: np.ndarray
    y_target_test: np.ndarray
    pool: np.ndarray  # uint8 N×28×28, target classes of the training split
    y_pool: np.ndarray


def prepare(images: np.ndarray) -> np.ndarray:
    """uint8 N×H×W → float32 N×1×H×W in [0, 1], what the CNN takes."""
    return (images[:, None] / 255.0).astype(np.float32)


def sample_tasks(train: Bunch, test: Bunch, sizes: Sizes, rng: np.random.Generator) -> Tasks:
    """Random ``n_source`` training images of classes 0–4 and ``n_test`` test-split images of
    each task; the target training images stay raw as the pool for the k-shot draws."""
    xs, ys = class_subset(train.data, train.target, SOURCE, sizes.n_source, rng)
    xst, yst = class_subset(test.data, test.target, SOURCE, sizes.n_test, rng)
    xtt, ytt = class_subset(test.data, test.target, TARGET, sizes.n_test, rng)
    pool, y_pool = class_subset(train.data, train.target, TARGET, None, rng)
    return Tasks(prepare(xs), ys, prepare(xst), yst, prepare(xtt), ytt, pool, y_pool)


@functools.cache
def _load(train: bool) -> Bunch:
    """The Fashion-MNIST split, read once per process (every replicate draws from it)."""
    return load_fashion_mnist(train=train)


def held_out_accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """``tamrin.train.evaluate``'s accuracy on held-out images (batches of 250)."""
    batches = [(tamrin.tensor(x[i:i + 250]), tamrin.tensor(y[i:i + 250]))
               for i in range(0, len(y), 250)]
    return evaluate(model, batches, ["accuracy"])["accuracy"]


def fine_tune(model: nn.Module, groups: list, x: np.ndarray, y: np.ndarray,
              steps: int) -> None:
    """Full-batch Adam on the cross-entropy over the param ``groups`` (the same steps for
    the same weights and images, whatever the generator's state)."""
    full_batch(model, nn.functional.cross_entropy, Adam(groups), tamrin.tensor(x),
               tamrin.tensor(y), steps)


def pretrain(tasks: Tasks, sizes: Sizes, path: Path) -> float:
    """Train the CNN on the source task (shuffled mini-batches) and save its state dict to
    ``path`` with ``tamrin.save``; returns its accuracy on the source task's test images."""
    model = small_cnn(len(SOURCE), sizes.channels)
    fit(model, nn.functional.cross_entropy, Adam(model.parameters(), lr=PRETRAIN_LR),
        DataLoader(TensorDataset(tasks.x_source, tasks.y_source), BATCH, shuffle=True),
        epochs=sizes.pretrain_epochs, progress=False)
    tamrin.save(model.state_dict(), path)
    return held_out_accuracy(model, tasks.x_source_test, tasks.y_source_test)


def pretrained_with_new_head(path: Path, channels: tuple[int, int],
                             head_seed: int) -> nn.Sequential:
    """A fresh CNN loaded from the checkpoint with ``tamrin.load``, its head replaced by a
    new 5-class Linear drawn with ``head_seed`` (the same seed gives the same new head)."""
    model = small_cnn(len(SOURCE), channels)
    model.load_state_dict(tamrin.load(path))
    tamrin.manual_seed(head_seed)
    replace_head(model, len(TARGET), HEAD)
    return model


def snapshot(model: nn.Module) -> dict[str, np.ndarray]:
    """A copy of every parameter's values, by name."""
    return {name: p.numpy().copy() for name, p in model.named_parameters()}


@dataclass(frozen=True)
class Change:
    """How far training moved a layer: max |Δw| and ‖Δw‖ / ‖w before‖."""

    max_abs: float
    relative: float


def layer_changes(before: dict[str, np.ndarray], model: nn.Module) -> dict[str, Change]:
    """Per layer of :data:`LAYERS`, how far training moved its weight and bias."""
    after = snapshot(model)
    changes = {}
    for layer, prefix in LAYERS.items():
        names = [n for n in before if n.startswith(prefix + ".")]
        delta = np.concatenate([(after[n] - before[n]).ravel() for n in names])
        start = np.concatenate([before[n].ravel() for n in names])
        changes[layer] = Change(float(np.abs(delta).max()),
                                float(np.linalg.norm(delta) / np.linalg.norm(start)))
    return changes


def transfer_vs_scratch(path: Path, tasks: Tasks, few: np.ndarray, sizes: Sizes,
                        head_seed: int) -> tuple[float, float, nn.Module]:
    """Claim 35 on one k-shot set (mask ``few`` of the pool): the loaded backbone frozen
    (``freeze`` and an lr-0 group), only the new head trained; the same CNN from random
    weights trained whole, same optimizer and steps. Returns both test accuracies and the
    transfer model."""
    x, y = prepare(tasks.pool[few]), tasks.y_pool[few]
    model = pretrained_with_new_head(path, sizes.channels, head_seed)
    freeze(model)
    model.get_submodule(HEAD).requires_grad_(True)
    fine_tune(model, layerwise_lr_groups(model, LR, lr_map=LR_MAPS[FROZEN]), x, y,
              sizes.steps)
    scratch = small_cnn(len(TARGET), sizes.channels)
    fine_tune(scratch, layerwise_lr_groups(scratch, LR), x, y, sizes.steps)
    return (held_out_accuracy(model, tasks.x_target_test, tasks.y_target_test),
            held_out_accuracy(scratch, tasks.x_target_test, tasks.y_target_test), model)


def fine_tune_modes(path: Path, tasks: Tasks, few: np.ndarray, sizes: Sizes, head_seed: int,
                    behind_freeze: nn.Module) -> dict:
    """Claim 21 on one k-shot set: every parameter requires grad, only the optimizer's
    per-layer learning rates (:data:`LR_MAPS`) differ, and all modes start from the same
    new head as ``behind_freeze`` (the claim-35 transfer model)."""
    x, y = prepare(tasks.pool[few]), tasks.y_pool[few]
    out: dict = {"changes": {}}
    for mode, lr_map in LR_MAPS.items():
        model = pretrained_with_new_head(path, sizes.channels, head_seed)
        before = snapshot(model)
        fine_tune(model, layerwise_lr_groups(model, LR, lr_map=lr_map), x, y, sizes.steps)
        out[f"accuracy at k = {JUDGED_K}: {mode}"] = held_out_accuracy(model, tasks.x_target_test,
                                                              tasks.y_target_test)
        out["changes"][mode] = layer_changes(before, model)
        if mode == FROZEN:
            out["max |weights after freeze() − weights after lr 0|"] = max(
                float(np.abs(a.numpy() - b.numpy()).max())
                for a, b in zip(model.parameters(), behind_freeze.parameters()))
    return out


def measure(quick: bool, seed: int) -> dict:
    """One replicate: a data draw and pretraining, then for every k its k-shot sets, each
    with transfer and scratch; the first set at ``JUDGED_K`` also gets claim 21's modes."""
    sizes = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    tasks = sample_tasks(_load(True), _load(False), sizes, rng)
    out: dict = {"k": list(sizes.shots)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pretrained.safetensors"
        out["source-task accuracy of the pretrained CNN"] = pretrain(tasks, sizes, path)
        for k, sets in sizes.shots.items():
            transfer, scratch = [], []
            for draw in range(sets):
                few = few_shot_mask(tasks.y_pool, k, rng)
                head_seed = int(rng.integers(2**31))
                t, s, model = transfer_vs_scratch(path, tasks, few, sizes, head_seed)
                transfer.append(t)
                scratch.append(s)
                if k == JUDGED_K and draw == 0:
                    out.update(fine_tune_modes(path, tasks, few, sizes, head_seed, model))
                    out[f"scratch accuracy at k = {JUDGED_K}, first set"] = s
            out[f"transfer accuracy at k = {k}"] = float(np.mean(transfer))
            out[f"scratch accuracy at k = {k}"] = float(np.mean(scratch))
            out[f"transfer − scratch at k = {k}"] = float(np.mean(transfer) - np.mean(scratch))
    changes = out["changes"]
    out["max |Δw| of the lr-0 backbone"] = max(
        changes[FROZEN][layer].max_abs for layer in LAYERS if layer != "head")
    out["max |Δw| of the head behind the lr-0 backbone"] = changes[FROZEN]["head"].max_abs
    out["smallest max |Δw| of a layer in the modes without lr 0"] = min(
        changes[mode][layer].max_abs for mode in (ONE_LR, LAYERWISE) for layer in LAYERS)
    out["backbone's relative change: layer-wise ÷ one lr"] = max(
        changes[LAYERWISE][layer].relative / changes[ONE_LR][layer].relative
        for layer in LAYERS if layer != "head")
    return out


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.mean_above(f"transfer − scratch at k = {JUDGED_K}", BEATS),
        col.every("max |Δw| of the lr-0 backbone", f"= {EXACT:g}", lambda v: v == EXACT),
        col.every("max |Δw| of the head behind the lr-0 backbone", "> 0", lambda v: v > 0),
        col.every("smallest max |Δw| of a layer in the modes without lr 0", "> 0", lambda v: v > 0),
        col.every("max |weights after freeze() − weights after lr 0|", f"= {EXACT:g}",
                  lambda v: v == EXACT),
        col.every("backbone's relative change: layer-wise ÷ one lr", f"< {SLOWER:g}",
                  lambda v: v < SLOWER),
    )


def _curve(ev: Evidence, what: str) -> np.ndarray:
    """Per replicate (rows) the ``what`` accuracy at every k (columns)."""
    return np.array([[r[f"{what} accuracy at k = {k}"] for k in ev.first["k"]]
                     for r in ev.replicates])


def _plot_shots(ev: Evidence) -> Figure:
    shots = ev.first["k"]
    fig, (ax,) = figures.subplots(width=6.2, height=4.2)
    for name, key, color, shift in ((TRANSFER, "transfer", "C0", 0.97),
                                    (SCRATCH, "scratch", "C1", 1.03)):
        acc = _curve(ev, key)
        for row in acc:
            ax.plot(np.array(shots) * shift, row, ".", color=color, alpha=0.3)
        ax.errorbar(np.array(shots) * shift, acc.mean(axis=0),
                    acc.std(axis=0, ddof=1) if len(acc) > 1 else None, color=color,
                    marker="o", capsize=3, label=f"{name}: mean ± std")
    ax.axhline(1 / len(TARGET), color="k", ls=":", label="chance (5 classes)")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(shots)
    ax.set_xticklabels([str(k) for k in shots])
    ax.set(xlabel="labelled images per target class k (log scale)",
           ylabel="accuracy on held-out target images",
           title="Few-shot Fashion-MNIST classes 5–9")
    ax.legend(fontsize=7)
    return figures.save(fig, ev.out_dir, "accuracy_vs_k",
                        "Test accuracy on classes 5–9 against the number of labelled images "
                        "per class: the CNN pretrained on classes 0–4 with its backbone frozen "
                        "and a new head, and the same CNN trained from scratch on the same "
                        "images. Dots: replicates (mean over their k-shot sets); error bars: "
                        "std over the replicates.")


def _plot_modes(ev: Evidence) -> Figure:
    fig, axes = figures.subplots(2, width=5.4, height=4.2)
    modes = list(LR_MAPS)
    acc = np.array([[r[f"accuracy at k = {JUDGED_K}: {m}"] for m in modes]
                    for r in ev.replicates])
    x = np.arange(len(modes))
    for row in acc:
        axes[0].plot(x, row, ".", color="C2", alpha=0.4)
    axes[0].errorbar(x, acc.mean(axis=0), acc.std(axis=0), fmt="o", color="C2", capsize=4,
                     label=f"mean ± std over {len(acc)} replicates (dots: replicates)")
    axes[0].axhline(np.mean(ev.values(f"scratch accuracy at k = {JUDGED_K}, first set")),
                    color="C1", ls="--", label="scratch on the same images (mean)")
    axes[0].set_xticks(x)
    axes[0].set_xticklabels([m.replace(" (", "\n(") for m in modes], fontsize=7)
    axes[0].set_xlim(-0.5, len(modes) - 0.5)
    axes[0].set(ylabel="accuracy on held-out target images",
                title=f"Fine-tuning at k = {JUDGED_K}")
    rel = {m: np.array([[r["changes"][m][layer].relative for layer in LAYERS]
                        for r in ev.replicates]) for m in modes}
    floor = min(v[v > 0].min() for v in rel.values()) / 30
    width = 0.8 / len(modes)
    for i, mode in enumerate(modes):
        xs = np.arange(len(LAYERS)) + (i - (len(modes) - 1) / 2) * width
        axes[1].bar(xs, rel[mode].mean(axis=0), width, label=mode, color=f"C{i + 3}")
        for xi, v in zip(xs, rel[mode].max(axis=0)):
            if v == 0:
                axes[1].text(xi, floor, "0", ha="center", va="bottom", fontsize=9)
    axes[1].set_yscale("log")
    axes[1].set_ylim(bottom=floor)
    axes[1].set_xticks(np.arange(len(LAYERS)))
    axes[1].set_xticklabels(list(LAYERS))
    axes[1].set(ylabel="‖Δw‖ / ‖w before fine-tuning‖ (log scale)",
                title="How far each layer moved (0: not a bit)")
    for ax in axes:
        ax.legend(fontsize=7)
    return figures.save(fig, ev.out_dir, "fine_tuning_modes",
                        f"Left: test accuracy after fine-tuning the pretrained CNN on k = "
                        f"{JUDGED_K} images per class with a frozen backbone (lr 0), one "
                        "learning rate for every layer, or a 10× smaller rate for the backbone "
                        "than for the head. Right: relative change of each layer's weights "
                        "(mean over replicates); a \"0\" marks layers whose weights did not "
                        "change by a single bit in any replicate.")


def _fmt(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.3f}"


def _tables(ev: Evidence) -> list[Table]:
    shots, n = ev.first["k"], len(ev.replicates)
    sizes = QUICK if ev.quick else FULL
    transfer, scratch = _curve(ev, "transfer"), _curve(ev, "scratch")
    rows = [[k, sizes.shots[k], _fmt(transfer[:, i]), _fmt(scratch[:, i]),
             _fmt(transfer[:, i] - scratch[:, i]),
             f"{int(np.sum(transfer[:, i] > scratch[:, i]))} / {n}"]
            for i, k in enumerate(shots)]
    frozen = np.array(ev.values(f"accuracy at k = {JUDGED_K}: {FROZEN}"))
    modes = []
    for mode, lr_map in LR_MAPS.items():
        lrs = [lr_map.get(prefix, lr_map[""]) for prefix in LAYERS.values()]
        acc = np.array(ev.values(f"accuracy at k = {JUDGED_K}: {mode}"))
        moved = [max(r["changes"][mode][layer].max_abs for r in ev.replicates)
                 for layer in LAYERS]
        modes.append([mode, *lrs, _fmt(acc), f"{np.mean(acc - frozen):+.3f}", *moved])
    first_scratch = np.array(ev.values(f"scratch accuracy at k = {JUDGED_K}, first set"))
    modes.append([SCRATCH, LR, LR, LR, _fmt(first_scratch),
                  f"{np.mean(first_scratch - frozen):+.3f}", "", "", ""])
    return [
        Table(f"Accuracy on {sizes.n_test} held-out target test images (mean ± std over {n} "
              "replicates, each the mean over its k-shot sets)",
              ["k per class", "k-shot sets per replicate", "transfer", "scratch",
               "transfer − scratch", "replicates where transfer wins"], rows),
        Table(f"Fine-tuning the pretrained CNN on one k-shot set per replicate, k = "
              f"{JUDGED_K} (Adam, same steps; accuracy mean ± std; the difference to the "
              "frozen backbone is taken replicate by replicate, on the same images; max |Δw| "
              "over all replicates)",
              ["mode", *(f"lr {layer}" for layer in LAYERS), "accuracy",
               "accuracy − frozen", *(f"max |Δw| {layer}" for layer in LAYERS)], modes),
        Table("Setup", ["item", "value"], [
            ["backbone channels (conv 1, conv 2)", str(sizes.channels)],
            ["pretraining images (classes 0–4)", sizes.n_source],
            [f"pretraining epochs (Adam, lr {PRETRAIN_LR:g}, batch {BATCH})",
             sizes.pretrain_epochs],
            ["source-task test accuracy of the pretrained CNN",
             _fmt(ev.values("source-task accuracy of the pretrained CNN"))],
            ["fine-tuning: full-batch Adam steps (head lr)", f"{sizes.steps} (lr {LR:g})"],
            ["test images per task (Fashion-MNIST test split)", sizes.n_test],
            ["replicates (each: own data draw and pretraining)", n]])]


def present(ev: Evidence) -> Presentation:
    shots = ev.first["k"]
    gaps = {k: float(np.mean(ev.values(f"transfer − scratch at k = {k}"))) for k in shots}
    k1 = shots[-1]
    ahead = [k for k in shots if gaps[k] > 0]
    listed = ", ".join(f"{gaps[k]:+.1%} at k = {k}" for k in shots)
    trend = (f"transfer was ahead on average at k = {', '.join(map(str, ahead))}" if ahead
             else "transfer was not ahead on average at any k")
    shrinks = ("as measured" if len(shots) > 1 and gaps[k1] < max(gaps.values())
               else "which these replicates do not show")
    modes = "; ".join(
        f"{mode}: {np.mean(ev.values(f'accuracy at k = {JUDGED_K}: {mode}')):.1%}"
        for mode in LR_MAPS)
    scratch = np.mean(ev.values(f"scratch accuracy at k = {JUDGED_K}, first set"))
    ratio = max(ev.values("backbone's relative change: layer-wise ÷ one lr"))
    frozen_diff = max(ev.values("max |weights after freeze() − weights after lr 0|"))
    lr0_moved = max(ev.values("max |Δw| of the lr-0 backbone"))
    judged = stats.mean_above("", ev.values(f"transfer − scratch at k = {JUDGED_K}"), BEATS)
    if ev.holds:
        verdict_text = (f"Both claims hold over {len(ev.replicates)} replicates: at k = "
                        f"{JUDGED_K} transfer beats scratch by {judged.estimate:+.1%} (95% "
                        f"interval {judged.low:+.1%} to {judged.high:+.1%}), and lr 0 froze "
                        "the backbone exactly as freeze() does.")
    else:
        failed = [s.name for s in ev.judgement.statistics if not s.passed]
        verdict_text = ("The claims are not borne out by these replicates; the failed tests: "
                        + "; ".join(failed) + ".")
    return Presentation(
        explanation=(
            "The idea: convolutions pretrained on tops, trousers, dresses and coats learn "
            "edge, outline and texture detectors that can also help to separate sandals, "
            "shirts, sneakers, bags and boots, so with a frozen backbone the few labelled "
            "images only have to fit a linear head on those features; trained from scratch on "
            "the same images the whole network must learn its features from a handful of "
            "examples. Measured "
            f"(means over {len(ev.replicates)} replicates): transfer − scratch is {listed}; "
            f"{trend}. With more "
            "labels scratch can learn features fitted to the new classes while the frozen "
            f"features stay those of the old ones, so the advantage of transfer should shrink "
            f"as k grows — {shrinks}. An optimizer's update is lr × (its step direction), so "
            "a group with lr 0 keeps every bit of its weights although its gradients are "
            f"computed (largest change of an lr-0 weight: {lr0_moved:g}) — the same network "
            "that freeze() gives, which skips those gradients altogether (largest difference "
            f"between the two: {frozen_diff:g}). A backbone at {BACKBONE_FACTOR:g}× the head's "
            f"rate moved at most {ratio:.2f} times as far as at the head's rate. Letting the "
            "backbone move adapts the features to the new classes, at the risk of fitting "
            f"them to a few images. At k = {JUDGED_K}, {modes} (scratch on the same images: "
            f"{scratch:.1%}); the spread is in the table. " + verdict_text),
        tables=_tables(ev),
        figures=[_plot_shots(ev), _plot_modes(ev)],
    )


LAB = register(Lab(
    name="transfer-learning", title="Transfer learning: freezing and per-layer learning rates",
    claim="With few labelled examples (two per class) a backbone pretrained on related "
          "classes, kept frozen under a new head, beats the same network trained from "
          "scratch on them; a learning rate of "
          "0 for a group of layers freezes it exactly (as freeze() does), and the layers can "
          "be given different learning rates (a smaller one moves the pretrained backbone "
          "less than the new head's rate would).",
    claims=(21, 35), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.transfer:layerwise_lr_groups", "tamrin.nn:Conv2d", "tamrin.optim:Adam",
              "tamrin.data:load_fashion_mnist"),
    datasets=("fashion-mnist",),
))
