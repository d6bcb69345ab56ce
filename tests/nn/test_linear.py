"""Linear, Identity, Flatten, Unflatten: PyTorch parity (forward, input and parameter
gradients) on hypothesis shapes, gradcheck, default initialisation and errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
from tamrin import nn

from .helpers import check_layer, gradcheck_layer

sides = st.integers(1, 5)
seeds = st.integers(0, 2**32 - 1)


def _x(seed, shape):
    return np.random.default_rng(seed).standard_normal(shape)


@given(lead=st.lists(sides, min_size=0, max_size=2), n_in=sides, n_out=sides,
       bias=st.booleans(), seed=seeds)
def test_linear_matches_torch(lead, n_in, n_out, bias, seed):
    from tests.oracle import torch

    torch.manual_seed(seed % 2**31)
    x = _x(seed, (*lead, n_in))
    check_layer(nn.Linear(n_in, n_out, bias=bias), torch.nn.Linear(n_in, n_out, bias=bias), x)


@given(n=st.integers(1, 3), n_in=sides, n_out=sides, seed=seeds)
def test_linear_gradcheck(n, n_in, n_out, seed):
    tamrin.manual_seed(seed)
    gradcheck_layer(nn.Linear(n_in, n_out), _x(seed, (n, n_in)))


def test_linear_default_init_matches_torch_bounds():
    tamrin.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.99 * bound  # fills the interval
    # U(-b, b) has variance b²/3; 120,000 draws give it to about 0.5 %
    assert abs(layer.weight.numpy().var() / (bound**2 / 3) - 1) < 0.02
    assert abs(layer.weight.numpy().mean()) < 0.01 * bound


def test_linear_init_is_seeded():
    tamrin.manual_seed(3)
    a = nn.Linear(5, 4).weight.numpy().copy()
    tamrin.manual_seed(3)
    assert np.array_equal(a, nn.Linear(5, 4).weight.numpy())


def test_linear_shape_error_names_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\).*\(4, 5\).*\(\*, 5\)"):
        nn.Linear(5, 4)(tamrin.randn(2, 3))


def test_identity_flatten_unflatten_match_torch():
    from tests.oracle import torch

    x = _x(0, (2, 3, 4, 5))
    check_layer(nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1), x)
    check_layer(nn.Flatten(), torch.nn.Flatten(), x)
    check_layer(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), x)
    check_layer(nn.Unflatten(2, (2, 2)), torch.nn.Unflatten(2, (2, 2)), x)
    check_layer(nn.Unflatten(-1, (5, 1)), torch.nn.Unflatten(-1, (5, 1)), x)
    check_layer(nn.Unflatten(1, (-1, 1)), torch.nn.Unflatten(1, (-1, 1)), x)
    with pytest.raises(IndexError, match="Unflatten: dim 4 is out of range"):
        nn.Unflatten(4, (1,))(tamrin.tensor(x))
    with pytest.raises(ValueError, match=r"Unflatten: sizes \(2, 3\) do not multiply to 4, the "
                                         r"size of dim 2 of the input of shape \(2, 3, 4, 5\)"):
        nn.Unflatten(2, (2, 3))(tamrin.tensor(x))
    with pytest.raises(ValueError, match=r"Unflatten: sizes \(-1, 3\) do not multiply to 4"):
        nn.Unflatten(2, (-1, 3))(tamrin.tensor(x))


def test_layer_reprs_match_torch():
    from tests.oracle import torch

    pairs = [
        (nn.Linear(3, 2, bias=False), torch.nn.Linear(3, 2, bias=False)),
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))),
        (nn.Identity(), torch.nn.Identity()),
        (nn.Dropout(0.3), torch.nn.Dropout(0.3)),
        (nn.Dropout2d(), torch.nn.Dropout2d()),
        (nn.Embedding(10, 3, padding_idx=0), torch.nn.Embedding(10, 3, padding_idx=0)),
        (nn.BatchNorm1d(4, momentum=None), torch.nn.BatchNorm1d(4, momentum=None)),
        (nn.BatchNorm2d(4, affine=False), torch.nn.BatchNorm2d(4, affine=False)),
        (nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4))),
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.ELU(), torch.nn.ELU()),
        (nn.SELU(), torch.nn.SELU()),
        (nn.Softplus(), torch.nn.Softplus()),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
