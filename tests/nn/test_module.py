"""Module: registration, traversal, modes, zero_grad, apply, to(dtype), repr, hooks and
state dicts — the same names, order and keys as PyTorch for the same architecture."""

from collections import OrderedDict

import numpy as np
import pytest

import tamrin
from tamrin import nn

from .helpers import torch_state


def _build(m):
    """One architecture written once for both libraries (``m`` is tamrin.nn or torch.nn)."""

    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.embed = m.Embedding(10, 4, padding_idx=0)
            self.features = m.Sequential(OrderedDict([
                ("fc", m.Linear(4, 6)), ("bn", m.BatchNorm1d(6)), ("act", m.ReLU()),
                ("drop", m.Dropout(0.1)),
            ]))
            self.blocks = m.ModuleList([m.Linear(6, 6, bias=False), m.LayerNorm(6)])
            self.heads = m.ModuleDict({"cls": m.Linear(6, 3), "reg": m.Linear(6, 1)})
            self.register_buffer("scale", (tamrin if m is nn else _torch()).ones(1))
            self.register_buffer("scratch", (tamrin if m is nn else _torch()).zeros(2),
                                 persistent=False)

        def forward(self, idx):
            h = self.features(self.embed(idx).mean(1))
            for block in self.blocks:
                h = block(h)
            return self.heads["cls"](h) * self.scale, self.heads["reg"](h)

    return Net()


def _torch():
    from tests.oracle import torch

    return torch


@pytest.fixture
def pair():
    torch = _torch()
    torch.manual_seed(0)
    ours, theirs = _build(nn), _build(torch.nn)
    ours.load_state_dict(torch_state(theirs))
    return ours, theirs


def test_traversal_names_match_torch(pair):
    ours, theirs = pair
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 12
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert list(ours.state_dict()) == list(theirs.state_dict())  # scratch is not persistent
    assert "scratch" not in ours.state_dict() and "features.bn.num_batches_tracked" in \
        ours.state_dict()


def test_state_dict_from_torch_gives_the_same_outputs(pair):
    ours, theirs = pair
    torch = _torch()
    ours.eval(), theirs.eval()
    idx = np.array([[1, 2, 0], [3, 9, 9]])
    for a, b in zip(ours(tamrin.tensor(idx)), theirs(torch.from_numpy(idx))):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_repr_tree_matches_torch(pair):
    ours, theirs = pair
    assert repr(ours) == repr(theirs)


def test_train_eval_reach_every_module(pair):
    ours, _ = pair
    assert ours.eval() is ours
    assert not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())


def test_zero_grad_apply_and_to_dtype(pair):
    ours, _ = pair
    ours(tamrin.tensor([[1, 2], [3, 4]]))[0].sum().backward()
    assert ours.features.fc.weight.grad is not None
    ours.zero_grad(set_to_none=False)
    assert np.all(ours.features.fc.weight.grad.numpy() == 0)
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    visited = []
    ours.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Net" and visited.index("Linear") < visited.index("Sequential")
    ours.double()
    assert all(p.dtype == np.float64 for p in ours.parameters())
    assert ours.features.bn.running_var.dtype == np.float64
    assert ours.features.bn.num_batches_tracked.dtype == np.int64  # integer buffers stay
    assert ours.to(np.float32).heads["cls"].bias.dtype == np.float32


def test_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(tamrin.ones(2))
    m.child = nn.Linear(2, 2)
    m.register_buffer("b", tamrin.zeros(1))
    m.plain = 3
    assert [n for n, _ in m.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert list(m.state_dict()) == ["w", "b", "child.weight", "child.bias"]
    with pytest.raises(TypeError, match="cannot assign a int as parameter 'w'"):
        m.w = 3
    m.w = None
    assert "w" not in m.state_dict()
    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, shared)
    assert len(list(tied.parameters())) == 2  # a shared parameter appears once
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Broken(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(1, 1)
        Broken()


def test_strict_load_lists_every_problem_in_one_error(pair):
    ours, _ = pair
    state = dict(ours.state_dict())
    del state["features.fc.bias"]
    state["extra.weight"] = tamrin.zeros(1)
    state["heads.cls.weight"] = tamrin.zeros(3, 5)
    with pytest.raises(RuntimeError) as err:
        ours.load_state_dict(state)
    message = str(err.value)
    assert "heads.cls.weight: checkpoint (3, 5), model (3, 6)" in message
    assert "missing keys ['features.fc.bias']" in message
    assert "unexpected keys ['extra.weight']" in message
    state["heads.cls.weight"] = tamrin.zeros(3, 6)
    missing, unexpected = ours.load_state_dict(state, strict=False)
    assert missing == ["features.fc.bias"] and unexpected == ["extra.weight"]
    assert np.all(ours.heads["cls"].weight.numpy() == 0)


def test_load_state_dict_copies_in_place():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    layer.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert layer.weight is weight and np.array_equal(weight.numpy(), np.eye(2))
    assert weight.dtype == np.float32


def test_forward_hooks_run_and_are_removable():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    pre = layer.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    out = layer(tamrin.ones(3, 2))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(layer.bias.numpy(), (3, 2)))
    assert seen == [(3, 2)]
    handle.remove(), pre.remove()
    layer(tamrin.ones(1, 2))
    assert seen == [(3, 2)]


def test_reassigning_a_parameter_keeps_its_position():
    layer = nn.Linear(2, 3)
    layer.weight = nn.Parameter(tamrin.zeros(3, 2))
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert list(layer.state_dict()) == ["weight", "bias"]


def test_layer_dtype_argument_is_kept():
    layer = nn.Linear(3, 1, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
