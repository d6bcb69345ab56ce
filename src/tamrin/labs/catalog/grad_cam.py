"""Claim 29: Grad-CAM on a trained CNN highlights the object; deleting the pixels it ranks
highest lowers the class score more than deleting random pixels; without the ReLU, the
regions of other classes show up (as negative evidence).

"Highlights the object" is only measurable where the object's place is known, so the CNN is
trained on *placed objects*: a small object image (an 8×8 digit in quick mode, a 14×14
Fashion-MNIST item in full mode) pasted at a random place on a larger canvas of background
noise. The class is the object's; the object's square is the region the map should cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import tamrin
from tamrin import nn, optim
from tamrin.data import DataLoader, TensorDataset, load_digits, load_fashion_mnist
from tamrin.explain import GradCAM, overlay
from tamrin.labs import figures, stats
from tamrin.labs.classify import Split, accuracy
from tamrin.labs.lab import Evidence, Figure, Judgement, Lab, Presentation, Replicates, Table
from tamrin.labs.registry import register
from tamrin.train import fit

BACKGROUND = 0.15  # background pixels are uniform noise in [0, BACKGROUND]
# Pixels deleted, as fractions of the object's area: from an eighth of it up to as many
# pixels as the object has. Beyond that the top-Grad-CAM deletion has no object left to
# remove while random deletion keeps eating into it, so the comparison stops testing the map.
DELETE_FRACTIONS = (0.125, 0.25, 0.5, 1.0)
RANDOM_REPEATS = 5  # random deletions averaged per image and fraction
# "Highlights": a region is highlighted when the map is, on average, at least twice as
# intense on it as on the rest of the canvas (pooled over the test canvases).
HIGHLIGHT = 2.0
TARGET_LAYER = 7  # the last convolution
MASS_SHARE = "mean share of the map's mass inside the object"
REPLICATES = Replicates(quick=5, full=10)

CRITERION = (
    f"over the replicates (fresh split of the objects, canvases, initial weights and batches "
    f"each), on the correctly classified test canvases: (1) the 95% interval of the mean "
    f"highlight contrast — the map's mean on the object's square over its mean on the rest "
    f"of the canvas — lies above {HIGHLIGHT:g}; (2) for every number of deleted pixels, "
    f"{', '.join(f'{f:g}' for f in DELETE_FRACTIONS)} × the object's area, the interval of "
    f"(drop of the "
    f"true-class logit when the top-Grad-CAM pixels are deleted − drop when as many random "
    f"pixels are, mean of {RANDOM_REPEATS} draws) lies above 0; (3) on canvases with two "
    f"objects of different classes, the map of the first object's class without the ReLU "
    f"highlights the other object with its negative part (what the ReLU removes): the "
    f"interval of that negative part's contrast on the other object's square lies above "
    f"{HIGHLIGHT:g}")


@dataclass(frozen=True)
class Setup:
    """The sizes of one run: which objects, canvas side, set sizes, training length."""

    objects: str
    canvas: int
    n_train: int
    n_test: int
    n_pairs: int  # two-object canvases
    epochs: int
    channels: tuple[int, int]


QUICK = Setup("digits", 20, 1500, 500, 1500, 10, (8, 16))
FULL = Setup("fashion-mnist", 32, 4000, 500, 1000, 8, (8, 16))


@dataclass
class Scenes:
    """Canvases (N, 1, S, S), their labels, and one boolean mask (N, S, S) per placed
    object (``masks[j]`` for the j-th object; ``labels[j]`` its class)."""

    images: np.ndarray
    labels: list[np.ndarray]
    masks: list[np.ndarray]


def object_images(name: str, rng: np.random.Generator) -> tuple[Split, list[str]]:
    """Object images in [0, 1] (N, s, s), split in half: the training canvases use one half,
    the test canvases the other (the CNN is tested on objects it has never seen)."""
    if name == "digits":
        bunch = load_digits()
        images = bunch.data.reshape(-1, 8, 8) / 16.0
    else:
        bunch = load_fashion_mnist(train=False)
        images = bunch.data.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)) / 255.0
    order = rng.permutation(len(images))
    half = len(order) // 2
    a, b = order[:half], order[half:]
    names = list(bunch.target_names or [str(c) for c in range(10)])
    return Split(images[a], bunch.target[a], images[b], bunch.target[b]), names


def _corners(n: int, side: int, canvas: int, n_objects: int,
             rng: np.random.Generator) -> list[np.ndarray]:
    """Top-left corners (n, 2) for each object; with two objects, the first lies in the
    left and the second in the right part of the canvas, so their squares never overlap."""
    rows = [rng.integers(0, canvas - side + 1, n) for _ in range(n_objects)]
    if n_objects == 1:
        return [np.stack([rows[0], rng.integers(0, canvas - side + 1, n)], axis=1)]
    half = canvas // 2
    left = rng.integers(0, half - side + 1, n)
    right = rng.integers(half, canvas - side + 1, n)
    return [np.stack([rows[0], left], axis=1), np.stack([rows[1], right], axis=1)]


def place(objects: np.ndarray, labels: np.ndarray, n: int, canvas: int, n_objects: int,
          rng: np.random.Generator) -> Scenes:
    """``n`` canvases of background noise, each with ``n_objects`` random objects pasted
    (pixel = max(background, object)); with two objects their classes differ."""
    side = objects.shape[1]
    images = rng.uniform(0, BACKGROUND, (n, canvas, canvas))
    picks = [rng.integers(0, len(objects), n)]
    if n_objects == 2:
        second = rng.integers(0, len(objects), n)
        while np.any(clash := labels[second] == labels[picks[0]]):
            second[clash] = rng.integers(0, len(objects), int(clash.sum()))
        picks.append(second)
    masks = []
    for pick, corner in zip(picks, _corners(n, side, canvas, n_objects, rng)):
        mask = np.zeros((n, canvas, canvas), dtype=bool)
        for i, (r, c) in enumerate(corner):
            images[i, r:r + side, c:c + side] = np.maximum(images[i, r:r + side, c:c + side],
                                                          objects[pick[i]])
            mask[i, r:r + side, c:c + side] = True
        masks.append(mask)
    return Scenes(images[:, None].astype(np.float32), [labels[p] for p in picks], masks)


def cnn(channels: tuple[int, int]) -> nn.Sequential:
    """batch norm of the input → (conv 3×3 → ReLU → pool 2) ×2 → conv 3×3 (Grad-CAM's
    layer, index 7) → ReLU → global average pool → Linear: translation-invariant, so the
    object may sit anywhere. The first layer standardises the canvases with the training
    statistics (its running mean and variance, in eval mode)."""
    a, b = channels
    return nn.Sequential(nn.BatchNorm2d(1),
                         nn.Conv2d(1, a, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(b, b, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(b, 10))


def logits(model: nn.Module, images: np.ndarray) -> np.ndarray:
    """The model's pre-softmax scores (eval mode, no graph)."""
    with tamrin.no_grad():
        return model.eval()(tamrin.tensor(images)).numpy()


def mass_inside(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per map: the share of its (non-negative) mass that lies inside the mask."""
    total = maps.sum(axis=(1, 2))
    return (maps * masks).sum(axis=(1, 2)) / np.where(total > 0, total, 1)


def contrast(maps: np.ndarray, masks: np.ndarray) -> float:
    """How much more intense non-negative ``maps`` are inside ``masks`` than outside: the
    mean map value on the masked pixels over the mean on the others, pooled over all maps
    (1: no preference; ∞ when nothing lies outside)."""
    inside = (maps * masks).sum() / max(masks.sum(), 1)
    outside = (maps * ~masks).sum() / max((~masks).sum(), 1)
    return float(inside / outside) if outside > 0 else float("inf")


def delete(images: np.ndarray, order: np.ndarray, fraction: float,
           rng: np.random.Generator) -> np.ndarray:
    """Copies of ``images`` with the first ``fraction`` of the pixels of each ``order``
    (N, S·S flat indices) replaced by fresh background noise."""
    n, k = len(images), int(round(fraction * order.shape[1]))
    flat = images.reshape(n, -1).copy()
    rows = np.repeat(np.arange(n), k)
    flat[rows, order[:, :k].ravel()] = rng.uniform(0, BACKGROUND, n * k)
    return flat.reshape(images.shape)


def deletion_curves(model: nn.Module, images: np.ndarray, classes: np.ndarray,
                    maps: np.ndarray, area: float,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Mean class logit after deleting ``DELETE_FRACTIONS`` × ``area`` (the object's share
    of the canvas) of the pixels: the top-CAM ones (ties in random order) or random ones
    (averaged over ``RANDOM_REPEATS`` draws); index 0 is the untouched image."""
    n, pixels = len(images), images[0].size
    idx = np.arange(n)

    def score(batch: np.ndarray) -> float:
        return float(logits(model, batch)[idx, classes].mean())

    tie_break = rng.random((n, pixels)) * 1e-9
    by_cam = np.argsort(-(maps.reshape(n, -1) + tie_break), axis=1)
    curves = {"top Grad-CAM pixels": [score(images)], "random pixels": [score(images)]}
    for fraction in (f * area for f in DELETE_FRACTIONS):
        curves["top Grad-CAM pixels"].append(score(delete(images, by_cam, fraction, rng)))
        curves["random pixels"].append(np.mean([
            score(delete(images, rng.permuted(np.tile(np.arange(pixels), (n, 1)), axis=1),
                         fraction, rng)) for _ in range(RANDOM_REPEATS)]))
    return {name: np.array(values) for name, values in curves.items()}


def other_object_evidence(cam: GradCAM, scenes: Scenes) -> dict:
    """For two-object canvases, the maps of the first object's class with and without the
    ReLU; the contrast of the unrectified map's negative part (what the ReLU removes) on the
    other object's square, and, for the table, its |mass| there against its own square and
    the negative share of it."""
    own, other = scenes.masks
    signed = cam(scenes.images, scenes.labels[0], relu=False)
    rectified = cam(scenes.images, scenes.labels[0])
    negative, size = np.maximum(-signed, 0), np.abs(signed)
    on_own, on_other = (size * own).sum(), (size * other).sum()
    return {
        "negative contrast on the other object": contrast(negative, other),
        "positive contrast on its own object": contrast(np.maximum(signed, 0), own),
        "|mass| on the other object / on its own": float(on_other / max(on_own, 1e-12)),
        "negative share of the |mass| on the other object":
            float((negative * other).sum() / max(on_other, 1e-12)),
        "ReLU map: mass on the other object / on its own":
            float((rectified * other).sum() / max((rectified * own).sum(), 1e-12)),
        "signed maps": signed, "rectified maps": rectified,
    }


def _plot_overlays(single: Scenes, maps: np.ndarray, pair: Scenes, evidence: dict,
                   names: list[str], out_dir: Path) -> Figure:
    """Three single-object canvases with their ReLU maps, and two two-object canvases with
    the first object's class map with and without the ReLU."""
    fig, axes = figures.subplots(7, width=2.6, height=2.6)
    for j in range(3):
        overlay(single.images[j], maps[j], ax=axes[j],
                title=f"class “{names[single.labels[0][j]]}”")
    for j in range(2):
        label = names[pair.labels[0][j]]
        for k, (kind, key) in enumerate((("ReLU", "rectified maps"),
                                         ("no ReLU", "signed maps"))):
            overlay(pair.images[j], evidence[key][j], ax=axes[3 + 2 * j + k],
                    title=f"“{label}”, {kind}")
    return figures.save(fig, out_dir, "overlays",
                        "Grad-CAM (last convolution) over the canvas, replicate 1. First "
                        "three: one object each, map of its class (jet: 0 → max). Then two "
                        "canvases with two objects, map of the class of the LEFT object, with "
                        "the ReLU and without (blue = negative evidence, red = positive).")


def _plot_curves(ev: Evidence, out_dir: Path) -> Figure:
    fig, axes = figures.subplots(2, width=4.8)
    x = np.array((0.0, *DELETE_FRACTIONS))
    for i, name in enumerate(("top Grad-CAM pixels", "random pixels")):
        for j, curves in enumerate(ev.values("curves")):
            axes[0].plot(x, curves[name], "o-", color=f"C{i}", alpha=0.5,
                         label=f"delete {name}" if j == 0 else None)
    axes[0].set(xlabel="pixels deleted (× the object's area, set to background)",
                ylabel="mean logit of the true class", title="Deletion test (every replicate)")
    area = ev.first["object square's share of the canvas"]
    axes[1].hist(ev.first["mass shares"], bins=20, range=(0, 1), label="test canvases")
    axes[1].axvline(area, color="k", ls=":", label=f"object's area share {area:.0%}")
    axes[1].set(xlabel="share of the Grad-CAM mass inside the object's square",
                ylabel="canvases", title="Where the map's mass lies (replicate 1)")
    for ax in axes:
        ax.legend(fontsize=7)
    return figures.save(fig, out_dir, "deletion",
                        "Left: the true class's logit as more pixels are replaced by "
                        "background — the highest-Grad-CAM pixels first, or random ones — in "
                        "every replicate. Right: the share of each map's mass inside the "
                        "object's square, against the square's share of the canvas.")


def trained_cnn(setup: Setup, objects: Split, rng: np.random.Generator
                ) -> tuple[nn.Sequential, Scenes, float]:
    """The CNN trained (``tamrin.train.fit``, Adam) on single-object canvases; the test
    canvases and its accuracy on them."""
    scenes = place(objects.x_train, objects.y_train, setup.n_train, setup.canvas, 1, rng)
    test = place(objects.x_val, objects.y_val, setup.n_test, setup.canvas, 1, rng)
    model = cnn(setup.channels)
    loader = DataLoader(TensorDataset(scenes.images, scenes.labels[0]), batch_size=32,
                        shuffle=True)
    fit(model, nn.functional.cross_entropy, optim.Adam(model.parameters(), lr=3e-3), loader,
        epochs=setup.epochs, progress=False)
    return model.eval(), test, accuracy(model, test.images, test.labels[0])


def correct_only(model: nn.Module, scenes: Scenes) -> Scenes:
    """The canvases the model classifies correctly (the maps explain a right answer)."""
    right = logits(model, scenes.images).argmax(axis=1) == scenes.labels[0]
    return Scenes(scenes.images[right], [scenes.labels[0][right]], [scenes.masks[0][right]])


def measure(quick: bool, seed: int) -> dict:
    """One replicate: train the CNN, then the three tests on fresh test canvases (one BLAS
    thread, as in a worker process)."""
    with threadpool_limits(limits=1):
        return _measure(QUICK if quick else FULL, np.random.default_rng(seed))


def _measure(setup: Setup, rng: np.random.Generator) -> dict:
    objects, names = object_images(setup.objects, rng)
    model, test, test_accuracy = trained_cnn(setup, objects, rng)
    test = correct_only(model, test)
    images, classes, box = test.images, test.labels[0], test.masks[0]
    pair = place(objects.x_val, objects.y_val, setup.n_pairs, setup.canvas, 2, rng)
    with GradCAM(model, model[TARGET_LAYER]) as cam:
        maps = cam(images, classes)
        other = other_object_evidence(cam, pair)
    curves = deletion_curves(model, images, classes, maps, float(box.mean()), rng)
    drops = {kind: curves[kind][0] - curves[kind][1:] for kind in curves}
    peaks = box.reshape(len(box), -1)[np.arange(len(box)),
                                      maps.reshape(len(maps), -1).argmax(axis=1)]
    return {
        "objects": setup.objects, "test accuracy of the CNN": test_accuracy,
        "correctly classified test canvases": len(images),
        "object square's share of the canvas": float(box.mean()),
        MASS_SHARE: float(mass_inside(maps, box).mean()),
        "highlight contrast on the object": contrast(maps, box),
        "canvases whose map peaks inside the object": float(peaks.mean()),
        **{f"logit drop, {f:g} × object deleted: {kind}": float(d)
           for kind, key in (("top Grad-CAM", "top Grad-CAM pixels"),
                             ("random", "random pixels"))
           for f, d in zip(DELETE_FRACTIONS, drops[key])},
        **{f"two objects, no ReLU: {k}" if "ReLU map" not in k else f"two objects, {k}": v
           for k, v in other.items() if not k.endswith("maps")},
        "curves": curves, "mass shares": mass_inside(maps, box), "names": names,
        "test scenes": test, "maps": maps, "pair": pair,
        "pair maps": {k: other[k] for k in ("signed maps", "rectified maps")},
    }


def drop_key(f: float, kind: str) -> str:
    """The measurement name of the logit drop at ``f`` × the object's area deleted."""
    return f"logit drop, {f:g} × object deleted: {kind}"


def _deletion_gap(replicates, f: float) -> list[float]:
    return [r[drop_key(f, "top Grad-CAM")] - r[drop_key(f, "random")] for r in replicates]


def judge(replicates: list[dict]) -> Judgement:
    col = stats.Columns(replicates)
    return Judgement.of(
        col.mean_above("highlight contrast on the object", HIGHLIGHT),
        *(stats.mean_above(f"{f:g} × object deleted: logit drop top Grad-CAM − random",
                           _deletion_gap(replicates, f), 0.0) for f in DELETE_FRACTIONS),
        col.mean_above("two objects, no ReLU: negative contrast on the other object", HIGHLIGHT),
    )


def present(ev: Evidence) -> Presentation:
    mean = lambda name: float(np.mean(ev.values(name)))  # noqa: E731
    passed = [s.passed for s in ev.judgement.statistics]
    highlight_ok, deletion_ok, other_ok = passed[0], all(passed[1:-1]), passed[-1]
    n = len(ev.replicates)
    area = mean("object square's share of the canvas")
    half = DELETE_FRACTIONS[-2]
    ratio_half = mean(drop_key(half, "top Grad-CAM")) / mean(drop_key(half, "random"))
    objects = "8×8 digits" if ev.first["objects"] == "digits" else "14×14 Fashion-MNIST items"
    text = [
        f"The CNN ({objects} placed at random on noise; test accuracy "
        f"{mean('test accuracy of the CNN'):.3f} over {n} replicates) never sees where the "
        f"object is — only its class. Its Grad-CAM map is on average "
        f"{mean('highlight contrast on the object'):.2f}× as intense on the object's square "
        f"as on the rest of the canvas; the square covers {area:.0%} of the canvas and holds "
        f"{mean(MASS_SHARE):.0%} of the map's mass, and the map peaks on the object in "
        f"{mean('canvases whose map peaks inside the object'):.0%} of the canvases",
        (" — it highlights the object. " if highlight_ok else
         " — not the highlight the claim describes. "),
        f"Deleting the pixels the map ranks highest lowers the class logit by "
        f"{mean(drop_key(half, 'top Grad-CAM')):.2f} when as many pixels as {half:g} × the "
        f"object's area are deleted, {ratio_half:.1f}× as much as deleting as many random "
        f"pixels",
        (", and more than random deletion at every fraction tried. " if deletion_ok else
         "; but not more than random deletion at every fraction (see the failed tests). "),
        f"On canvases with two objects, the unrectified map of the first object's class puts "
        f"{mean('two objects, no ReLU: |mass| on the other object / on its own'):.0%} of its "
        f"|mass| on its own square onto the other object's square, "
        f"{mean('two objects, no ReLU: negative share of the |mass| on the other object'):.0%}"
        f" of that negative; the negative part of the map is "
        f"{mean('two objects, no ReLU: negative contrast on the other object'):.2f}× as "
        f"intense on the other object as elsewhere",
        (" — the other class's region appears, as evidence against the class, and the ReLU "
         "removes it. " if other_ok else
         " — so the other class's region does not stand out in the negative part as the "
         "claim says. "),
        f"With the ReLU the other square keeps "
        f"{mean('two objects, ReLU map: mass on the other object / on its own'):.0%} of the "
        f"own square's mass: evidence the two classes share.",
    ]
    rows = [[f"{f:g} × the object's area", mean(drop_key(f, "top Grad-CAM")),
             mean(drop_key(f, "random")),
             float(np.mean(_deletion_gap(ev.replicates, f)))] for f in DELETE_FRACTIONS]
    keys = [k for k in ev.first if k.startswith("two objects,")]
    return Presentation(
        "".join(text),
        tables=[Table(f"Deletion test (means over {n} replicates, correctly classified test "
                      f"canvases)", ["deleted", "logit drop: top Grad-CAM",
                                     "logit drop: random", "difference"], rows),
                Table(f"Two objects: the first object's class map (means over {n} replicates)",
                      ["measurement", "mean"], [[k, mean(k)] for k in keys])],
        figures=[_plot_overlays(ev.first["test scenes"], ev.first["maps"], ev.first["pair"],
                                ev.first["pair maps"], ev.first["names"], ev.out_dir),
                 _plot_curves(ev, ev.out_dir)],
    )


LAB = register(Lab(
    name="grad-cam", title="Grad-CAM highlights the object",
    claim="Grad-CAM on a trained CNN highlights the object — its map is at least twice as "
          "intense on the object as on the rest of the image — and deleting the pixels it "
          "ranks highest lowers the class score more than deleting as many random pixels; "
          "without the final ReLU, the regions of other classes appear, as negative "
          "evidence.",
    claims=(29,), criterion=CRITERION, measure=measure, judge=judge, present=present,
    replicates=REPLICATES,
    requires=("tamrin.explain:GradCAM", "tamrin.nn:Conv2d", "tamrin.optim:Adam"),
    datasets=("fashion-mnist",),  # the full mode's objects
))
