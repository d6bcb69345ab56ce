"""Embedding (with padding_idx and repeated indices) and one_hot: PyTorch parity,
gradcheck, default initialisation, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tamrin
import tamrin.nn.functional as F
from tamrin import nn

from .helpers import call_with_parameters, torch_state


@given(v=st.integers(2, 8), d=st.integers(1, 4), shape=hnp.array_shapes(max_dims=3, max_side=5),
       pad=st.booleans(), seed=st.integers(0, 2**31))
def test_embedding_matches_torch(v, d, shape, pad, seed):
    from tests.oracle import torch

    torch.manual_seed(seed)
    padding_idx = 1 if pad else None
    theirs = torch.nn.Embedding(v, d, padding_idx=padding_idx).double()
    ours = nn.Embedding(v, d, padding_idx=padding_idx).double()
    ours.load_state_dict(torch_state(theirs))
    idx = np.random.default_rng(seed).integers(0, v, shape)  # repeats are likely
    out, tout = ours(tamrin.tensor(idx)), theirs(torch.from_numpy(idx))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    w = np.random.default_rng(1).standard_normal(out.shape)
    (out * tamrin.tensor(w, dtype=np.float64)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_embedding_gradcheck_and_padding():
    tamrin.manual_seed(0)
    layer = nn.Embedding(5, 3).double()
    idx = tamrin.tensor([[0, 2, 2], [4, 1, 0]])  # rows 0 and 2 are picked twice
    tamrin.gradcheck(lambda w: call_with_parameters(layer, ["weight"], idx, [w]),
                     [tamrin.tensor(layer.weight.numpy(), dtype=np.float64, requires_grad=True)])
    padded = nn.Embedding(5, 3, padding_idx=-1)
    assert padded.padding_idx == 4 and np.all(padded.weight.numpy()[4] == 0)
    padded(idx).sum().backward()
    assert np.all(padded.weight.grad.numpy()[4] == 0) and np.all(padded.weight.grad.numpy()[0] == 2)


def test_embedding_default_init_is_standard_normal():
    tamrin.manual_seed(0)
    w = nn.Embedding(1000, 100).weight.numpy()
    assert abs(w.mean()) < 0.01 and abs(w.var() - 1) < 0.02


def test_embedding_errors():
    layer = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"embedding: index 4 is out of range for 4 rows"):
        layer(tamrin.tensor([0, 4]))
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        layer(tamrin.tensor([0.0, 1.0]))


def test_one_hot_matches_torch():
    from tests.oracle import torch

    idx = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(F.one_hot(tamrin.tensor(idx)).numpy(),
                                  torch.nn.functional.one_hot(torch.from_numpy(idx)).numpy())
    assert F.one_hot(tamrin.tensor(idx), 6).shape == (2, 2, 6)
    assert F.one_hot(tamrin.tensor(idx)).dtype == np.int64
    with pytest.raises(IndexError, match="one_hot: index 3 is out of range"):
        F.one_hot(tamrin.tensor(idx), 3)
