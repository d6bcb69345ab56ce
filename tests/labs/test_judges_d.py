"""Group d's labs (claims 26–34: edge kernels, CNN shapes, Grad-CAM, autoencoders,
augmentation and domain shift): each judge says "holds" on the real replicates and "does not
hold" when any part of its criterion is contradicted; and the labs' helpers on inputs whose
answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.labs import DOES_NOT_HOLD, HOLDS, get
from tamrin.labs.catalog import (
    augmentation_and_domain_shift as augmentation,
)
from tamrin.labs.catalog import (
    autoencoders,
    conv_shapes,
    edge_kernels,
    grad_cam,
)
from tamrin.models import Autoencoder

from .conftest import altered, verdict


def _fails(name: str, replicates: list[dict], **change) -> bool:
    return verdict(name, altered(replicates, **change)) == DOES_NOT_HOLD


# ---- edge-kernels (claim 26) ----------------------------------------------------------------

SANDAL = "Sandal: share with vertical energy > horizontal"


def test_edge_kernels_judge_on_the_real_numbers(quick_run):
    """Every test passes on the real images except the one the data contradict: about one
    sandal in nine (the high-heeled ones, as tall as wide) responds more to the vertical
    kernel, so "Sandal" falls short of the nine-in-ten dominance fixed in advance. With that
    one class's numbers as the grouping predicted, the judge holds."""
    real = quick_run("edge-kernels").replicates
    judgement = get("edge-kernels").judge(real)
    failed = [s.name for s in judgement.statistics if not s.passed]
    assert failed in ([], ["Sandal (horizontal group): share with H > V"]), failed
    assert verdict("edge-kernels", altered(real, **{SANDAL: 0.02})) == HOLDS


def test_edge_kernels_judge_fails_on_each_part(quick_run):
    real = altered(quick_run("edge-kernels").replicates, **{SANDAL: 0.02})
    name = "edge-kernels"
    assert _fails(name, real, **{"largest |toy map − course's map|": 30.0})   # toy maps wrong
    assert _fails(name, real, **{"Trouser: share with vertical energy > horizontal": 0.6})
    assert _fails(name, real, **{"Sneaker: share with vertical energy > horizontal": 0.4})
    assert _fails(name, real, **{"Bag: margin below the lowest vertical class": -0.1})
    assert _fails(name, real, **{"Ankle boot: margin above the highest horizontal class": -0.1})


def test_toy_edge_maps_are_the_course_maps_and_antisymmetric():
    maps, expected = edge_kernels.toy_maps(), edge_kernels.course_maps()
    for key in maps:
        np.testing.assert_array_equal(maps[key], expected[key])
    np.testing.assert_array_equal(maps["vertical kernel, mirrored"],
                                  -maps["vertical kernel, left half bright"])
    np.testing.assert_array_equal(maps["horizontal kernel, top half bright"],
                                  maps["vertical kernel, left half bright"].T)


def test_energy_ratio_and_outline_of_bars():
    tall = np.zeros((1, 12, 12))
    tall[0, 1:11, 5:7] = 1.0                   # a bar 10 high and 2 wide
    wide = tall.transpose(0, 2, 1).copy()
    assert edge_kernels.energy_ratio(tall)[0] > 1 > edge_kernels.energy_ratio(wide)[0]
    assert edge_kernels.height_over_width(tall)[0] == pytest.approx(5.0)
    assert edge_kernels.height_over_width(wide)[0] == pytest.approx(0.2)


def test_shape_groups_cover_every_class_once():
    groups = [c for members in edge_kernels.SHAPE_GROUPS.values() for c in members]
    assert sorted(groups) == sorted(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])


# ---- conv-shapes (claims 27, 28) ------------------------------------------------------------

def test_conv_shapes_judge(quick_run):
    name = "conv-shapes"
    real = quick_run(name).replicates
    assert verdict(name, real) == HOLDS
    dense = "small conv as dense: "
    for change in ({"layers where summary and hand count differ": 1},
                   {"total parameters (summary)": 184_004},
                   {"total parameters (hand count)": 33_603},
                   {"total parameters (entries of model.parameters())": 184_000},
                   {f"{dense}max |dense − conv| output": 1e-3},
                   {f"{dense}non-zero (local connectivity)": 13_824},
                   {f"{dense}distinct values (weight sharing)": 1_944},
                   {"output sizes that differ from the formula": 1},
                   {"distinct parameter counts over the strides": 4},
                   {"multiply-add exponent a (∝ S^a)": -1.0}):
        assert _fails(name, real, **change), change


def test_hand_count_of_the_course_network():
    rows = conv_shapes.hand_count(conv_shapes.SPEC, conv_shapes.INPUT)
    assert [r["shape"] for r in rows][::2] == [(32, 120, 120), (64, 56, 56), (64, 24, 24), (3,)]
    assert sum(r["weights"] + r["biases"] for r in rows) == conv_shapes.COURSE_TOTAL
    wrong = conv_shapes.hand_count(conv_shapes.SPEC, conv_shapes.INPUT,
                                   with_input_channels=False)
    assert wrong[2]["weights"] == 5 * 5 * 64


def test_exponent_tolerance_covers_the_ceiling_at_the_sizes_used():
    """The multiply-adds with ⌈H/S⌉ outputs stay within the tolerance of −2 (the reason
    given for EXPONENT_TOLERANCE), at both sizes the lab uses."""
    from tamrin.labs.measure import loglog_slope

    for sizes in conv_shapes.SIZES.values():
        h = sizes["size"]
        macs = [np.ceil(h / s) ** 2 for s in conv_shapes.STRIDES]
        slope = loglog_slope(conv_shapes.STRIDES, macs)
        assert abs(slope + 2) < conv_shapes.EXPONENT_TOLERANCE


def test_dense_equivalent_counts():
    counts = conv_shapes.dense_equivalent(2, 6, 3, 3, np.random.default_rng(0))
    assert counts["dense weights"] == (2 * 6 * 6) * (3 * 4 * 4)
    assert counts["non-zero (local connectivity)"] == 4 * 4 * 3 * 2 * 3 * 3
    assert counts["distinct values (weight sharing)"] == counts["conv weights"] == 54
    assert counts["max |dense − conv| output"] < 1e-12


# ---- grad-cam (claim 29) --------------------------------------------------------------------

def test_grad_cam_judge(quick_run):
    name = "grad-cam"
    real = quick_run(name).replicates
    assert verdict(name, real) == HOLDS
    assert _fails(name, real, **{"highlight contrast on the object": 1.5})
    assert _fails(name, real, **{"two objects, no ReLU: negative contrast on the other object":
                                 1.0})
    for f in grad_cam.DELETE_FRACTIONS:     # random deletion as harmful as top-CAM deletion
        key = grad_cam.drop_key(f, "random")
        top = [r[grad_cam.drop_key(f, "top Grad-CAM")] for r in real]
        changed = [{**r, key: t + 0.1} for r, t in zip(real, top)]
        assert verdict(name, changed) == DOES_NOT_HOLD, f


@pytest.mark.parametrize("n_objects", [1, 2])
def test_place_pastes_objects_inside_their_masks(n_objects):
    rng = np.random.default_rng(0)
    objects = np.ones((4, 5, 5))
    labels = np.arange(4)
    scenes = grad_cam.place(objects, labels, 30, 16, n_objects, rng)
    assert scenes.images.shape == (30, 1, 16, 16)
    assert len(scenes.masks) == len(scenes.labels) == n_objects
    covered = np.zeros((30, 16, 16), dtype=bool)
    for mask in scenes.masks:
        assert np.all(mask.sum(axis=(1, 2)) == 25)
        assert np.all(scenes.images[:, 0][mask] == 1.0)
        assert not np.any(covered & mask), "two objects overlap"
        covered |= mask
    assert np.all(scenes.images[:, 0][~covered] <= grad_cam.BACKGROUND)
    if n_objects == 2:
        assert np.all(scenes.labels[0] != scenes.labels[1])


def test_delete_replaces_exactly_the_first_pixels_of_the_order():
    rng = np.random.default_rng(1)
    images = np.full((3, 1, 4, 4), 5.0, dtype=np.float32)
    order = np.tile(np.arange(16)[::-1], (3, 1))
    out = grad_cam.delete(images, order, 0.25, rng)
    changed = out.reshape(3, -1) != 5.0
    assert np.all(changed.sum(axis=1) == 4)
    assert np.all(changed[:, 12:])
    assert np.all(images == 5.0), "the input is not modified"


def test_mass_inside_and_contrast():
    maps = np.zeros((1, 4, 4))
    maps[0, 0, 0], maps[0, 3, 3] = 3.0, 1.0
    mask = np.zeros((1, 4, 4), dtype=bool)
    mask[0, :2, :2] = True
    assert grad_cam.mass_inside(maps, mask)[0] == pytest.approx(0.75)
    # mean 3/4 on the 4 masked pixels, 1/12 on the 12 others
    assert grad_cam.contrast(maps, mask) == pytest.approx(9.0)
    assert grad_cam.contrast(np.ones((2, 4, 4)), np.repeat(mask, 2, axis=0)) == 1.0


# ---- autoencoders (claims 30–32) ------------------------------------------------------------

def test_autoencoders_judge(quick_run):
    name = "autoencoders"
    real = quick_run(name).replicates
    assert verdict(name, real) == HOLDS
    raw = "(30) MSE / floor, sigmoid output, raw 0..16 data"
    for change in ({raw: 0.98},                                         # below the floor
                   {raw: 1.3},                                          # far above it
                   {"(30) MSE / floor, sigmoid output, data ÷ 16": 0.6},
                   {"(30) MSE / floor, linear output, raw 0..16 data": 0.6},
                   {"(31) correlated: AE relative error": 0.2},
                   {"(31) independent: AE error − (1 − k/d)": -0.2},     # beats PCA
                   {"(32) sensitivity ratio denoising / plain": 1.0}):
        assert _fails(name, real, **change), change


def test_relative_error_is_the_missed_fraction_of_variance():
    x = np.random.default_rng(0).standard_normal((500, 4))
    assert autoencoders.relative_error(x, x) == 0.0
    assert autoencoders.relative_error(np.broadcast_to(x.mean(axis=0), x.shape),
                                       x) == pytest.approx(1.0)


def test_pca_error_is_zero_for_exactly_low_rank_data():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 3)) @ rng.standard_normal((3, 20))
    error, spectrum = autoencoders.pca_error(x[:200], x[200:], 3)
    assert error < 1e-12 and spectrum[3:].max() < 1e-12 * spectrum[0]
    assert np.all(np.diff(spectrum) <= 0)


def test_pca_error_of_independent_features_is_one_minus_k_over_d():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((20_000, 40))
    error, _ = autoencoders.pca_error(x[:10_000], x[10_000:], 10)
    assert error == pytest.approx(1 - 10 / 40, abs=0.02)


def test_code_sensitivity_does_not_reward_a_shrunken_code():
    rng = np.random.default_rng(2)
    x = rng.random((200, 64)).astype(np.float32)
    model = Autoencoder(64, [], 8, output_activation="linear")
    before = autoencoders.code_sensitivity(model, x, 0.05, np.random.default_rng(3))
    model.encoder[0].weight.numpy()[...] *= 0.1
    model.encoder[0].bias.numpy()[...] *= 0.1
    after = autoencoders.code_sensitivity(model, x, 0.05, np.random.default_rng(3))
    assert after == pytest.approx(before, rel=1e-4)


# ---- augmentation-and-domain-shift (claims 33, 34) -------------------------------------------

def test_augmentation_and_domain_shift_judge(quick_run):
    name = "augmentation-and-domain-shift"
    real = quick_run(name).replicates
    assert verdict(name, real) == HOLDS
    for change in ({"(33) augmented − plain, clean": -0.01},
                   {"(33) augmented − plain, shifted": 0.0},
                   {"(34) drop: own split − new scanners": 0.1},
                   {"(34) group CV − accuracy on new scanners": 0.2},   # optimistic
                   {"(34) group CV − accuracy on new scanners": -0.2},  # pessimistic
                   {"(34) random CV − accuracy on new scanners": 0.02},
                   {"(34) gain on new scanners from per-scanner standardisation": -0.05}):
        assert _fails(name, real, **change), change


def _domains(scanners, rng):
    images = rng.random((400, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 10, 400)
    return augmentation.scan_all(images, labels, scanners, np.random.default_rng(5),
                                 training_sites=2, training_share=0.5)


def test_scan_all_deals_training_sites_and_shows_new_sites_the_rest():
    flat = np.zeros((8, 8))
    scanners = [augmentation.Scanner(n, 1.0, 0.0, flat) for n in ("T1", "T2", "N1", "N2")]
    domains = _domains(scanners, np.random.default_rng(4))
    sizes = [len(domains.part([s])) for s in range(4)]
    assert sizes == [100, 100, 200, 200]
    assert domains.part([2], True).size == 0 and domains.part([0], True).size == 80
    np.testing.assert_array_equal(domains.x[domains.part([2])], domains.x[domains.part([3])])


def test_per_scanner_standardisation_undoes_contrast_brightness_and_pattern():
    rng = np.random.default_rng(6)
    flat = np.zeros((8, 8))
    plain = [augmentation.Scanner(n, 1.0, 0.0, flat) for n in ("T1", "T2", "N1")]
    shifted = [augmentation.Scanner("T1", 1.0, 0.0, flat),
               augmentation.Scanner("T2", 0.7, 0.2, 0.4 * rng.standard_normal((8, 8))),
               augmentation.Scanner("N1", 0.8, 0.1, 0.4 * rng.standard_normal((8, 8)))]
    a = _domains(plain, np.random.default_rng(7))
    b = _domains(shifted, np.random.default_rng(7))
    np.testing.assert_allclose(augmentation.standardised(a, True, np.array([])),
                               augmentation.standardised(b, True, np.array([])), atol=1e-4)
    train = b.part([0, 1])
    assert not np.allclose(augmentation.standardised(a, False, train),
                           augmentation.standardised(b, False, train), atol=1e-2)
