"""Activation layers: PyTorch parity (forward and input gradient) on hypothesis shapes, and
gradcheck away from kinks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tamrin import nn

from .helpers import check_layer, gradcheck_layer

LAYERS = {
    "ReLU": lambda m: m.ReLU(),
    "LeakyReLU": lambda m: m.LeakyReLU(0.2),
    "ELU": lambda m: m.ELU(alpha=0.7),
    "SELU": lambda m: m.SELU(),
    "Sigmoid": lambda m: m.Sigmoid(),
    "Tanh": lambda m: m.Tanh(),
    "Softplus": lambda m: m.Softplus(beta=2.0, threshold=3.0),
    "Softmax": lambda m: m.Softmax(dim=-1),
    "LogSoftmax": lambda m: m.LogSoftmax(dim=1),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@given(shape=hnp.array_shapes(min_dims=2, max_dims=4, max_side=4),
       seed=st.integers(0, 2**32 - 1))
def test_activation_matches_torch(name, shape, seed):
    from tests.oracle import torch

    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink of ReLU-like units
    check_layer(LAYERS[name](nn), LAYERS[name](torch.nn), x)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_activation_gradcheck(name):
    x = np.random.default_rng(0).standard_normal((3, 4)) * 3
    x[np.abs(x) < 0.05] = 0.5
    gradcheck_layer(LAYERS[name](nn), x)
