"""Freezing (and frozen batch norm), per-layer learning rates, a new head, and the whole
pretrain → save → load → freeze → new head → few labels path."""

import numpy as np
import pytest

import tamrin
from tamrin import io, nn, optim
from tamrin.transfer import (
    few_shot_transfer,
    freeze,
    is_frozen,
    layerwise_lr_groups,
    replace_head,
    unfreeze,
)


def _net():
    tamrin.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 5),
                         nn.ReLU(), nn.Linear(5, 3))


def test_freeze_stops_gradients_and_unfreeze_restores_them():
    model = _net()
    freeze(model[0])
    assert is_frozen(model[0]) and not is_frozen(model)
    model(tamrin.randn(8, 4)).sum().backward()
    assert model[0].weight.grad is None and model[3].weight.grad is not None
    unfreeze(model[0])
    model(tamrin.randn(8, 4)).sum().backward()
    assert model[0].weight.grad is not None


def test_frozen_batch_norm_keeps_eval_statistics_when_asked():
    model = _net()
    x = tamrin.randn(16, 4) * 3 + 1
    model.train()
    model(x)  # non-trivial running statistics
    stats = model[1].running_mean.numpy().copy()
    freeze(model, freeze_bn_stats=True)
    model.train()
    out_train = model(x).numpy()
    np.testing.assert_array_equal(model[1].running_mean.numpy(), stats)
    np.testing.assert_allclose(out_train, model.eval()(x).numpy(), rtol=1e-6)
    freeze(model)  # plain freeze: batch norm would follow model.train() again …
    unfreeze(model)
    model.train()
    model(x)
    assert not np.allclose(model[1].running_mean.numpy(), stats)  # … and does after unfreeze
    assert not model[1]._forward_pre_hooks


def test_layerwise_decay_groups_and_lr_zero_freezes():
    model = _net()
    groups = layerwise_lr_groups(model, 0.1, decay=0.5)
    assert [g["lr"] for g in groups] == [0.1 * 0.5 ** 3, 0.1 * 0.5 ** 2, 0.1 * 0.5, 0.1]
    names = [n for g in groups for n, _ in g["params"]]
    assert names == [n for n, _ in model.named_parameters()]
    mapped = layerwise_lr_groups(model, 0.1, lr_map={"": 0.0, "5": 0.3, "5.bias": 1.0})
    assert [(g["lr"], [n for n, _ in g["params"]]) for g in mapped] == [
        (0.0, ["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"]),
        (0.3, ["5.weight"]), (1.0, ["5.bias"])]
    opt = optim.SGD(mapped, lr=0.1, momentum=0.9)
    before = {n: p.numpy().copy() for n, p in model.named_parameters()}
    x, y = tamrin.randn(16, 4), tamrin.tensor(np.arange(16) % 3)
    for _ in range(3):
        opt.zero_grad()
        nn.CrossEntropyLoss()(model(x), y).backward()
        opt.step()
    for name, p in model.named_parameters():
        assert np.array_equal(p.numpy(), before[name]) == (not name.startswith("5"))


def test_layerwise_errors():
    with pytest.raises(ValueError, match="not both"):
        layerwise_lr_groups(_net(), 0.1, decay=0.5, lr_map={})
    with pytest.raises(ValueError, match="no parameter .* under 'head'"):
        layerwise_lr_groups(_net(), 0.1, lr_map={"head": 0.0})


def test_replace_head_keeps_position_and_input_width():
    model = _net()
    head = replace_head(model, 7)
    assert model[5] is head and (head.in_features, head.out_features) == (5, 7)
    assert list(model._modules) == ["0", "1", "2", "3", "4", "5"]
    assert model(tamrin.randn(2, 4)).shape == (2, 7)
    inner = replace_head(model, 2, name="3")
    assert model[3] is inner and inner.in_features == 6
    with pytest.raises(TypeError, match="not a Linear"):
        replace_head(model, 2, name="1")


def test_pretrain_save_load_freeze_and_few_shot_head(tmp_path):
    checkpoint = tmp_path / "pretrained.safetensors"
    result = few_shot_transfer("digits", shots=10, finetune_epochs=30,
                               checkpoint=checkpoint)
    assert result.source_accuracy > 0.9
    assert result.transfer_accuracy > 0.6 and result.scratch_accuracy > 0.6  # chance: 0.2
    saved = io.load(checkpoint)
    state = result.transfer_model.state_dict()
    for key in ("0.weight", "0.bias", "3.weight", "3.bias"):  # the frozen backbone
        np.testing.assert_array_equal(state[key].numpy(), saved[key].numpy())
    assert saved["7.weight"].shape == state["7.weight"].shape
    assert not np.allclose(state["7.weight"].numpy(), saved["7.weight"].numpy())


def test_replace_head_and_layerwise_bad_arguments_are_named():
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        replace_head(_net(), 0)
    with pytest.raises(ValueError, match="has no Linear layer"):
        replace_head(nn.Sequential(nn.Conv2d(1, 2, 3)), 3)
    with pytest.raises(ValueError, match="decay must be >= 0"):
        layerwise_lr_groups(_net(), 0.1, decay=-0.5)
    with pytest.raises(ValueError, match="parameters of its own"):
        layerwise_lr_groups(nn.Linear(3, 2), 0.1, decay=0.5)
