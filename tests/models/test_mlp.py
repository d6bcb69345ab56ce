"""MLP: layer layout, options, and parity with the same torch.nn.Sequential."""

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tamrin.models import MLP


def test_layout_and_state_dict_keys():
    model = MLP(10, [8, 6], 3, activation="tanh", dropout=0.2, batch_norm=True)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Dropout"] * 2 + ["Linear"]
    assert list(model.state_dict())[:2] == ["0.weight", "0.bias"]
    assert model(tamrin.randn(4, 10)).shape == (4, 3)
    assert [type(m).__name__ for m in MLP(2, [], 1)] == ["Linear"]


def test_init_by_name_or_function_and_errors():
    tamrin.manual_seed(0)
    model = MLP(400, [300], 10, init="kaiming_normal")
    w = model[0].weight.numpy()
    assert abs(w.std() - np.sqrt(2 / 400)) < 0.01 and not model[0].bias.numpy().any()
    zeros = MLP(3, [4], 2, init=nn.init.zeros_)
    assert not any(p.numpy().any() for p in zeros.parameters())
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(3, [4], 2, activation="swish")
    with pytest.raises(ValueError, match="unknown init"):
        MLP(3, [4], 2, init="he")
    with pytest.raises(ValueError, match="dropout"):
        MLP(3, [4], 2, dropout=1.0)


def test_same_outputs_as_torch_sequential():
    from tests.oracle import to_torch, torch

    model = MLP(5, [7, 4], 3, activation="elu", batch_norm=True).eval()
    ref = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.BatchNorm1d(7), torch.nn.ELU(),
                              torch.nn.Linear(7, 4), torch.nn.BatchNorm1d(4), torch.nn.ELU(),
                              torch.nn.Linear(4, 3)).eval()
    ref.load_state_dict({k: to_torch(v) for k, v in model.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    np.testing.assert_allclose(model(tamrin.tensor(x)).numpy(),
                               ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
