"""Masks as buffers: torch.nn.utils.prune's state dict and masks, zeros that survive training,
remove() making it permanent, the sparsity report."""

import importlib

import numpy as np
import pytest

import tamrin
from tamrin import nn, optim, prune
from tests.oracle import to_torch, torch

tprune = importlib.import_module("torch.nn.utils.prune")  # after the oracle's skip


def _twin_linear(seed=0, shape=(6, 5)):
    tamrin.manual_seed(seed)
    ours = nn.Linear(*shape)
    theirs = torch.nn.Linear(*shape)
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def test_state_dict_round_trips_with_torch_custom_from_mask():
    ours, theirs = _twin_linear()
    mask = (np.random.default_rng(0).random((5, 6)) > 0.4).astype(np.float32)
    prune.custom_from_mask(ours, "weight", mask)
    tprune.custom_from_mask(theirs, "weight", torch.from_numpy(mask))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == \
        ["bias", "weight_orig", "weight_mask"]
    fresh = torch.nn.Linear(6, 5)
    tprune.custom_from_mask(fresh, "weight", torch.ones(5, 6))
    fresh.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})  # strict
    x = np.random.default_rng(1).normal(size=(3, 6)).astype(np.float32)
    want = fresh(to_torch(x)).detach().numpy()
    np.testing.assert_allclose(ours(tamrin.from_numpy(x)).numpy(), want, rtol=1e-6)
    np.testing.assert_array_equal(ours.weight.numpy() == 0, mask == 0)


def test_layerwise_magnitude_matches_torch_l1_unstructured_iteratively():
    ours, theirs = _twin_linear(1, (20, 10))
    for amount in (0.3, 0.3, 17):
        prune.l1_unstructured(ours, "weight", amount)
        tprune.l1_unstructured(theirs, "weight", amount)
        np.testing.assert_array_equal(ours.weight_mask.numpy(), theirs.weight_mask.numpy())
    assert int((ours.weight_mask.numpy() == 0).sum()) == 60 + 42 + 17


def test_global_magnitude_prunes_exactly_half_of_the_eligible_weights_as_torch():
    tamrin.manual_seed(2)
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 7),
                         nn.BatchNorm1d(7), nn.Linear(7, 4))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(4 * 36, 7),
                                 torch.nn.BatchNorm1d(7), torch.nn.Linear(7, 4))
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    biases = {k: v.numpy().copy() for k, v in ours.state_dict().items() if "bias" in k}
    refs = prune.parameters_to_prune(ours)
    assert [(type(m).__name__, n) for m, n in refs] == \
        [("Conv2d", "weight"), ("Linear", "weight"), ("Linear", "weight")]
    prune.global_unstructured(refs, amount=0.5)
    eligible = sum(m.weight.numel() for m, _ in refs)
    zeros = sum(int((m.weight.numpy() == 0).sum()) for m, _ in refs)
    assert eligible % 2 == 0 and zeros == eligible // 2
    for k, v in ours.state_dict().items():
        if "bias" in k:
            np.testing.assert_array_equal(v.numpy(), biases[k])
    np.testing.assert_array_equal(ours[4].weight.numpy(), 1.0)  # batch-norm scale untouched
    tprune.global_unstructured([(theirs[i], "weight") for i in (0, 3, 5)],
                               pruning_method=tprune.L1Unstructured, amount=0.5)
    for i in (0, 3, 5):
        np.testing.assert_array_equal(ours[i].weight_mask.numpy(),
                                      theirs[i].weight_mask.numpy())
    report = prune.sparsity_report(ours, include_bias=False)
    assert report.zeros == eligible // 2 and report.sparsity == 0.5
    assert "0.weight" in str(report) and "(masked)" in str(report)
    with_bias = prune.sparsity_report(ours)
    assert with_bias.numel == report.numel + 4 + 7 + 7 + 4
    assert with_bias.zeros == report.zeros + 7  # only batch norm's β starts at 0


def test_masks_survive_optimizer_steps_built_before_pruning():
    tamrin.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=0.05, weight_decay=0.1)
    x, y = tamrin.randn(32, 6), tamrin.tensor(np.arange(32) % 3)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):  # Adam's moments are non-zero everywhere before pruning
        step()
    prune.prune_model(model, 0.6)
    masks = {i: model[i].weight_mask.numpy().copy() for i in (0, 2)}
    before = {i: model[i].weight_orig.numpy().copy() for i in (0, 2)}
    losses = [step() for _ in range(20)]
    model(x)
    for i in (0, 2):
        pruned = masks[i] == 0
        assert (model[i].weight.numpy()[pruned] == 0).all()
        np.testing.assert_array_equal(model[i].weight_mask.numpy(), masks[i])
        assert (model[i].weight_orig.grad.numpy()[pruned] == 0).all()
        assert not np.allclose(model[i].weight_orig.numpy()[~pruned], before[i][~pruned])
    assert losses[-1] < losses[0]


def test_remove_makes_pruning_permanent_and_keeps_the_parameter_object():
    module, _ = _twin_linear(4)
    param = module.weight
    prune.random_unstructured(module, "weight", 0.5)
    assert module.weight_orig is param and prune.is_pruned(module)
    zeros = module.weight.numpy() == 0
    prune.remove(module, "weight")
    assert module.weight is param and isinstance(param, nn.Parameter)
    assert list(module.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(param.numpy() == 0, zeros)
    assert zeros.sum() == 15 and not prune.is_pruned(module)
    with pytest.raises(ValueError, match="has to be pruned"):
        prune.remove(module, "weight")


def test_bad_amounts_and_masks():
    module, _ = _twin_linear()
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        prune.l1_unstructured(module, "weight", 1.5)
    with pytest.raises(ValueError, match="cannot prune 31"):
        prune.l1_unstructured(module, "weight", 31)
    with pytest.raises(ValueError, match="shape"):
        prune.custom_from_mask(module, "weight", np.ones((6, 5)))
    with pytest.raises(ValueError, match="unknown method"):
        prune.prune_model(module, 0.1, "biggest")
    with pytest.raises(ValueError, match="needs loss_fn and data"):
        prune.prune_model(module, 0.1, "obd")


def test_biases_are_pruned_only_when_asked():
    tamrin.manual_seed(4)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    prune.prune_model(model, 0.5)
    assert not hasattr(model[0], "bias_mask") and (model[0].bias.numpy() != 0).all()
    other = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    refs = prune.parameters_to_prune(other, include_bias=True)
    assert [n for _, n in refs] == ["weight", "bias", "weight", "bias"]
    prune.prune_model(other, 0.5, scope="layerwise", include_bias=True)
    for i in (0, 2):
        assert int((other[i].bias_mask.numpy() == 0).sum()) == round(0.5 * other[i].bias.numel())
        assert (other[i].bias.numpy()[other[i].bias_mask.numpy() == 0] == 0).all()
    with pytest.raises(ValueError, match="scope must be"):
        prune.prune_model(other, 0.1, scope="per-channel")
