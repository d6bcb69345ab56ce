"""The hand-written pieces of the grad-cam and pruning labs: the placed-object canvases, the
pixel deletion, and the pruned copies (the labs themselves run in test_labs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin import prune
from tamrin.labs.catalog.grad_cam import BACKGROUND, delete, mass_inside, place
from tamrin.labs.catalog.pruning import pruned_copy
from tamrin.models import MLP


@pytest.mark.parametrize("n_objects", [1, 2])
def test_place_pastes_objects_inside_their_masks(n_objects):
    rng = np.random.default_rng(0)
    objects = np.ones((4, 5, 5))
    labels = np.arange(4)
    scenes = place(objects, labels, 30, 16, n_objects, rng)
    assert scenes.images.shape == (30, 1, 16, 16)
    assert len(scenes.masks) == len(scenes.labels) == n_objects
    covered = np.zeros((30, 16, 16), dtype=bool)
    for mask in scenes.masks:
        assert np.all(mask.sum(axis=(1, 2)) == 25)
        assert np.all(scenes.images[:, 0][mask] == 1.0)
        assert not np.any(covered & mask), "two objects overlap"
        covered |= mask
    assert np.all(scenes.images[:, 0][~covered] <= BACKGROUND)
    if n_objects == 2:
        assert np.all(scenes.labels[0] != scenes.labels[1])


def test_delete_replaces_exactly_the_first_pixels_of_the_order():
    rng = np.random.default_rng(1)
    images = np.full((3, 1, 4, 4), 5.0, dtype=np.float32)
    order = np.tile(np.arange(16)[::-1], (3, 1))
    out = delete(images, order, 0.25, rng)
    changed = out.reshape(3, -1) != 5.0
    assert np.all(changed.sum(axis=1) == 4)
    assert np.all(changed[:, 12:])
    assert np.all(images == 5.0), "the input is not modified"


def test_mass_inside():
    maps = np.zeros((1, 4, 4))
    maps[0, 0, 0], maps[0, 3, 3] = 3.0, 1.0
    mask = np.zeros((1, 4, 4), dtype=bool)
    mask[0, :2, :2] = True
    assert mass_inside(maps, mask)[0] == pytest.approx(0.75)


@pytest.mark.parametrize("only, count", [("bias", 7), ("weight", 7), (None, 40)])
def test_pruned_copy_prunes_the_copy_only(only, count):
    model = MLP(6, [5], 3)
    twin = pruned_copy(model, count, only=only)
    assert not prune.is_pruned(model)
    rows = {r.name: r for r in prune.sparsity_report(twin).rows}
    biases = sum(r.zeros for name, r in rows.items() if name.endswith("bias"))
    weights = sum(r.zeros for name, r in rows.items() if name.endswith("weight"))
    assert (biases, weights) == {"bias": (count, 0), "weight": (0, count),
                                 None: (0, count)}[only]
