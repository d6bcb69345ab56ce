"""Lazy layers (d2l builds every model with them): the size is inferred at the first
forward, the layer then is the ordinary one, and what was built before still works."""

import numpy as np
import pytest

import tamrin
from tamrin import nn

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")

CASES = {  # lazy layer, ordinary layer with the inferred size, input shape
    "linear": (lambda m: m.LazyLinear(3), lambda m: m.Linear(5, 3), (4, 5)),
    "conv": (lambda m: m.LazyConv2d(4, kernel_size=3, padding=1),
             lambda m: m.Conv2d(2, 4, kernel_size=3, padding=1), (1, 2, 5, 5)),
    "conv-no-bias": (lambda m: m.LazyConv2d(4, 3, bias=False),
                     lambda m: m.Conv2d(2, 4, 3, bias=False), (1, 2, 5, 5)),
    "batchnorm1d": (lambda m: m.LazyBatchNorm1d(), lambda m: m.BatchNorm1d(6), (4, 6)),
    "batchnorm2d": (lambda m: m.LazyBatchNorm2d(momentum=0.2),
                    lambda m: m.BatchNorm2d(3, momentum=0.2), (2, 3, 4, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_lazy_layer_becomes_the_ordinary_one(name):
    make_lazy, make_eager, shape = CASES[name]
    x = tamrin.randn(*shape)
    tamrin.manual_seed(0)
    lazy = make_lazy(nn)
    out = lazy(x)
    tamrin.manual_seed(0)
    eager = make_eager(nn)  # the same draws: the lazy layer drew nothing before its forward
    np.testing.assert_allclose(out.detach().numpy(), eager(x).detach().numpy(), rtol=1e-6)
    assert type(lazy) is type(eager) and repr(lazy) == repr(eager)
    for (k1, v1), (k2, v2) in zip(lazy.state_dict().items(), eager.state_dict().items()):
        assert k1 == k2 and np.allclose(v1.numpy(), v2.numpy()), k1
    theirs = make_lazy(torch.nn)
    theirs(torch.from_numpy(x.numpy()))
    assert list(theirs.state_dict()) == list(lazy.state_dict())
    assert repr(theirs) == repr(lazy)


def test_before_the_first_forward_the_parameters_are_uninitialized():
    for m in (nn, torch.nn):
        layer = m.LazyLinear(3)
        assert type(layer.weight).__name__ == "UninitializedParameter"
        assert repr(layer.weight) == "<UninitializedParameter>" and layer.out_features == 3
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized "
                                               "parameter"):
            layer.weight.shape  # noqa: B018


def test_an_optimizer_built_before_the_first_forward_trains_the_layer():
    tamrin.manual_seed(0)
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    opt = tamrin.optim.SGD(net.parameters(), lr=0.1)
    x, y = tamrin.randn(16, 4), tamrin.randn(16, 1)
    losses = []
    for _ in range(10):
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert all(p in opt.state for p in net.parameters())
    assert net[0].weight.shape == (8, 4) and isinstance(net[0], nn.Linear)


def test_summary_and_state_dict_after_inference():
    net = nn.Sequential(nn.LazyConv2d(6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2),
                        nn.Flatten(), nn.LazyLinear(10))
    table = nn.summary(net, (1, 28, 28))
    assert table.total_params == 6 * 25 + 6 + 6 * 14 * 14 * 10 + 10
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == {
        "0.weight": (6, 1, 5, 5), "0.bias": (6,), "4.weight": (10, 1176), "4.bias": (10,)}
