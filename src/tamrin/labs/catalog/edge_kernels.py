"""Claim 26: the vertical kernel [[1,0,−1]]×3 turns a half-bright 6×6 image into a 4×4 map
with rows [0,30,30,0] (−30 mirrored) and the horizontal kernel finds horizontal edges — on the
toy image and on real Fashion-MNIST photographs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tamrin.data.datasets import load_fashion_mnist
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.rawnet import as_tensor
from tamrin.labs.registry import register
from tamrin.nn.functional import conv2d

VERTICAL = np.array([[1.0, 0.0, -1.0]] * 3)
HORIZONTAL = VERTICAL.T.copy()
BRIGHT = 10.0
COURSE_ROW = [0.0, 30.0, 30.0, 0.0]  # the course's row of the vertical-edge map
DOMINANCE = 0.9  # share of items whose dominant edge direction must match the class's shape
TALL, WIDE = "Trouser", "Sneaker"  # long vertical outlines vs long horizontal outlines


def half_image(size: int = 6) -> np.ndarray:
    """The course's image: left half BRIGHT, right half 0."""
    image = np.zeros((size, size))
    image[:, : size // 2] = BRIGHT
    return image


def edge_maps(images: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of each image (N, H, W) with the vertical and the horizontal
    kernel by tamrin's conv2d: maps of shape (N, 2, H − 2, W − 2)."""
    kernels = np.stack([VERTICAL, HORIZONTAL])[:, None]
    return conv2d(as_tensor(images[:, None]), as_tensor(kernels)).numpy()


def toy_maps() -> dict[str, np.ndarray]:
    """The four toy cases: each kernel on the left-bright image, its mirror and its transpose."""
    image = half_image()
    cases = {"left half bright": image, "mirrored (right half bright)": image[:, ::-1],
             "transposed (top half bright)": image.T}
    maps = {name: edge_maps(img[None])[0] for name, img in cases.items()}
    return {"vertical kernel, left half bright": maps["left half bright"][0],
            "vertical kernel, mirrored": maps["mirrored (right half bright)"][0],
            "horizontal kernel, left half bright": maps["left half bright"][1],
            "horizontal kernel, top half bright": maps["transposed (top half bright)"][1]}


def energy_ratio(images: np.ndarray) -> np.ndarray:
    """Per image: mean |vertical map| / mean |horizontal map| (> 1: vertical edges dominate)."""
    maps = np.abs(edge_maps(images)).mean(axis=(2, 3))
    return maps[:, 0] / np.maximum(maps[:, 1], 1e-12)


def _plot_toy(maps: dict[str, np.ndarray], out_dir: Path):
    fig, axes = figures.subplots(5, width=2.6, height=3.0)
    panels = {"input (6×6)": half_image(), **maps}
    for ax, (name, image) in zip(axes, panels.items()):
        ax.imshow(image, cmap="coolwarm", vmin=-30, vmax=30)
        for (r, c), value in np.ndenumerate(image):
            ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=8)
        ax.set(title=name.replace(", ", "\n"), xlabel="column", ylabel="row")
    return figures.save(fig, out_dir, "toy_maps",
                        "The 6×6 half-bright image and the 4×4 maps of the two kernels; each "
                        "cell shows its value (red positive, blue negative).")


def _plot_items(images: dict[str, np.ndarray], out_dir: Path):
    fig, axes = figures.subplots(3 * len(images), width=2.9, height=3.0)
    for n, (name, image) in enumerate(images.items()):
        maps = edge_maps(image[None])[0]
        panels = ((name, image, "gray"), (f"{name}: vertical kernel", maps[0], "coolwarm"),
                  (f"{name}: horizontal kernel", maps[1], "coolwarm"))
        for ax, (title, panel, cmap) in zip(axes[3 * n:], panels):
            limit = np.abs(panel).max()
            shown = ax.imshow(panel, cmap=cmap, vmin=0 if cmap == "gray" else -limit,
                              vmax=limit)
            ax.set(title=title, xlabel="column", ylabel="row")
            fig.colorbar(shown, ax=ax, fraction=0.046,
                         label="intensity" if cmap == "gray" else "response")
    return figures.save(fig, out_dir, "real_maps",
                        f"A Fashion-MNIST {TALL.lower()} and {WIDE.lower()} with the responses "
                        "of the vertical and horizontal kernels.")


def _plot_ratios(ratios: dict[str, np.ndarray], out_dir: Path):
    fig, (ax,) = figures.subplots(width=6)
    bins = np.linspace(-3, 3, 41)
    for name in (TALL, WIDE):
        ax.hist(np.log2(ratios[name]), bins=bins, alpha=0.6, label=f"{name} ({len(ratios[name])})")
    ax.axvline(0, color="k", ls=":", label="equal edge energy")
    ax.set(xlabel="log₂(mean |vertical map| / mean |horizontal map|)", ylabel="items",
           title="Which kernel responds more, per image")
    ax.legend()
    return figures.save(fig, out_dir, "ratios",
                        "Per Fashion-MNIST item, how much more the vertical kernel responds than "
                        "the horizontal one (right of 0: vertical edges dominate).")


@register("edge-kernels", "Edge-detecting kernels",
          "Cross-correlating the 6×6 image whose left half is 10 and right half 0 with the "
          "vertical kernel [[1,0,−1]]×3 gives a 4×4 map whose rows are [0, 30, 30, 0] — large "
          "only over the edge — and −30 for the mirrored image; the horizontal kernel (its "
          "transpose) finds horizontal edges instead, also on real images.", (26,),
          requires=("tamrin.nn.functional:conv2d", "tamrin.data.datasets:load_fashion_mnist"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    maps = toy_maps()
    expected = {"vertical kernel, left half bright": np.tile(COURSE_ROW, (4, 1)),
                "vertical kernel, mirrored": -np.tile(COURSE_ROW, (4, 1)),
                "horizontal kernel, left half bright": np.zeros((4, 4)),
                "horizontal kernel, top half bright": np.tile(COURSE_ROW, (4, 1)).T}
    toy_error = max(float(np.abs(maps[k] - expected[k]).max()) for k in maps)
    data = load_fashion_mnist(train=False, download=False)
    per_class = 100 if quick else 1000
    ratios = {}
    for label, name in enumerate(data.target_names):
        pool = np.flatnonzero(data.target == label)
        picked = rng.choice(pool, min(per_class, len(pool)), replace=False)
        ratios[name] = energy_ratio(data.data[picked].astype(np.float64) / 255)
    tall_share = float(np.mean(ratios[TALL] > 1))
    wide_share = float(np.mean(ratios[WIDE] < 1))
    ok = toy_error == 0 and tall_share >= DOMINANCE and wide_share >= DOMINANCE
    examples = {name: data.data[np.flatnonzero(data.target == data.target_names.index(name))[0]]
                .astype(np.float64) / 255 for name in (TALL, WIDE)}
    return Result(
        lab="edge-kernels", verdict=verdict(ok),
        criterion="the four toy maps equal the course's: rows [0,30,30,0] for the vertical "
                  "kernel, [0,−30,−30,0] mirrored, all 0 for the horizontal kernel on a "
                  "vertical edge, and columns [0,30,30,0] for it on a horizontal edge (exact); "
                  f"on Fashion-MNIST at least {DOMINANCE:.0%} of {TALL.lower()}s respond more "
                  f"to the vertical kernel and at least {DOMINANCE:.0%} of {WIDE.lower()}s more "
                  "to the horizontal one",
        measurements={"largest |toy map − course's map|": toy_error,
                      "vertical map row 1 (left half bright)":
                          float(maps["vertical kernel, left half bright"][1, 1]),
                      "vertical map row 1 (mirrored)":
                          float(maps["vertical kernel, mirrored"][1, 1]),
                      f"{TALL}s with vertical energy > horizontal": tall_share,
                      f"{WIDE}s with horizontal energy > vertical": wide_share,
                      f"median vertical/horizontal energy: {TALL}": float(np.median(
                          ratios[TALL])),
                      f"median vertical/horizontal energy: {WIDE}": float(np.median(
                          ratios[WIDE]))},
        tables=[Table("Toy maps (each 4×4 map's rows)", ["case", "rows"],
                      [[name, " | ".join(" ".join(f"{v:g}" for v in row) for row in m)]
                       for name, m in maps.items()]),
                Table(f"Fashion-MNIST test items ({per_class} per class): vertical vs "
                      "horizontal kernel", ["class", "median energy ratio V/H",
                                            "share with V > H"],
                      [[name, float(np.median(r)), float(np.mean(r > 1))]
                       for name, r in ratios.items()])],
        figures=[_plot_toy(maps, out_dir), _plot_items(examples, out_dir),
                 _plot_ratios(ratios, out_dir)],
        explanation="The vertical kernel subtracts the column to the right of a pixel from the "
                    "column to its left (3 rows each): over uniform regions the two cancel (0), "
                    "across the bright-to-dark edge each of the 3 rows gives 10 − 0, hence 30 "
                    "in the two output columns whose window straddles the edge, and −30 when "
                    "the edge goes dark-to-bright. Its transpose compares the row above with "
                    "the row below, so it is blind to the vertical edge and fires on the "
                    "horizontal one. On real photographs the same happens: trousers are two "
                    "long vertical outlines and excite the vertical kernel, sneakers are wide "
                    "and flat and excite the horizontal one; classes like bags, with both, sit "
                    "near a ratio of 1.",
    )
