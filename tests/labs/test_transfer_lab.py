"""The pieces of the transfer-learning lab on tiny inputs (the lab itself runs in quick mode
in test_labs.py): image scaling, the checkpoint round trip with a reproducible new head,
lr-0 freezing as the lab measures it, and the statistics behind its verdict."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin.labs.catalog import transfer_learning as lab
from tamrin.transfer import layerwise_lr_groups, small_cnn


def test_prepare_gives_float_images_in_unit_range():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    x = lab.prepare(images)
    assert x.shape == (1, 1, 2, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)


def test_checkpoint_round_trip_gives_the_backbone_and_a_reproducible_head(tmp_path):
    tamrin.manual_seed(0)
    source = small_cnn(5, lab.SIDE)
    path = tmp_path / "pretrained.safetensors"
    tamrin.save(source.state_dict(), path)
    a = lab.pretrained_with_new_head(path, head_seed=7)
    b = lab.pretrained_with_new_head(path, head_seed=7)
    for name, p in source.named_parameters():
        if not name.startswith(lab.HEAD + "."):
            np.testing.assert_array_equal(dict(a.named_parameters())[name].numpy(), p.numpy())
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
    assert not np.array_equal(a.get_submodule(lab.HEAD).weight.numpy(),
                              source.get_submodule(lab.HEAD).weight.numpy())


@pytest.mark.parametrize("mode", list(lab.LR_MAPS))
def test_only_lr_zero_layers_keep_every_bit(mode):
    tamrin.manual_seed(1)
    rng = np.random.default_rng(1)
    model = small_cnn(5, 8)
    x, y = rng.random((10, 1, 8, 8), dtype=np.float32), np.arange(10) % 5
    before = lab.snapshot(model)
    lab.train(model, layerwise_lr_groups(model, lab.LR, lr_map=lab.LR_MAPS[mode]), x, y, 5, 10)
    moved = {layer: c.max_abs > 0 for layer, c in lab.layer_changes(before, model).items()}
    frozen = mode == lab.FROZEN
    assert moved == {"conv 1": not frozen, "conv 2": not frozen, "head": True}


def _run(transfer: dict[int, list[float]], scratch: dict[int, list[float]],
         backbone_moved: float = 0.0) -> lab.Run:
    moved = lab.Change(0.1, 0.1)
    changes = {mode: {layer: moved for layer in lab.LAYERS} for mode in lab.LR_MAPS}
    changes[lab.FROZEN] = {"conv 1": lab.Change(backbone_moved, backbone_moved),
                           "conv 2": lab.Change(0.0, 0.0), "head": moved}
    return lab.Run(0.9, transfer, scratch, changes=changes)


def test_gap_statistics_and_where_scratch_catches_up():
    runs = [_run({1: [0.7, 0.6], 5: [0.8], 20: [0.9]}, {1: [0.5, 0.6], 5: [0.8], 20: [0.95]}),
            _run({1: [0.6, 0.7], 5: [0.9], 20: [0.9]}, {1: [0.6, 0.5], 5: [0.85], 20: [0.9]})]
    mean, se = lab.gap(runs, 1)
    assert mean == pytest.approx(0.1)
    assert se == pytest.approx(np.std([0.2, 0.0, 0.0, 0.2], ddof=1) / 2)
    assert lab.gap_closes_at(runs, [1, 5, 20]) == 20
    assert lab.gap_closes_at(runs, [1, 5]) is None


def test_frozen_exactly_notices_a_frozen_layer_that_moved():
    still = _run({}, {})
    assert lab.frozen_exactly([still])
    assert not lab.frozen_exactly([still, _run({}, {}, backbone_moved=1e-12)])
