"""Dropout and Dropout2d: inverted scaling, identity in eval mode, seeded masks, the
backward uses the same mask, whole channels for Dropout2d, statistics of the mask."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
from tamrin import nn

from .helpers import gradcheck_layer


@given(p=st.sampled_from([0.0, 0.2, 0.5, 0.9]), seed=st.integers(0, 2**31))
def test_dropout_scales_survivors_and_backward_uses_the_mask(p, seed):
    tamrin.manual_seed(seed)
    x = tamrin.tensor(np.random.default_rng(seed).uniform(1, 2, (6, 7)), requires_grad=True)
    y = nn.Dropout(p)(x)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / (1 - p), rtol=1e-6)


def test_dropout_mask_statistics():
    tamrin.manual_seed(0)
    y = nn.Dropout(0.3)(tamrin.ones(1000, 1000))
    dropped = (y.numpy() == 0).mean()
    assert abs(dropped - 0.3) < 0.003  # std of the fraction is 0.00046
    assert abs(y.numpy().mean() - 1.0) < 0.005  # inverted dropout keeps the expectation


def test_dropout_eval_is_identity_and_p_edge_cases():
    x = tamrin.randn(4, 5)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_with_manual_seed():
    x = tamrin.ones(20, 20)
    tamrin.manual_seed(7)
    a = nn.Dropout()(x).numpy()
    tamrin.manual_seed(7)
    assert np.array_equal(a, nn.Dropout()(x).numpy())
    assert not np.array_equal(a, nn.Dropout()(x).numpy())


def test_dropout_gradcheck_with_a_fixed_mask():
    gradcheck_layer(nn.Dropout(0.4), np.random.default_rng(0).standard_normal((3, 4)),
                    before=lambda: tamrin.manual_seed(1))


@pytest.mark.parametrize("shape", [(8, 16, 5, 5), (8, 16, 7)])
def test_dropout2d_zeroes_whole_channels(shape):
    tamrin.manual_seed(0)
    x = tamrin.tensor(np.random.default_rng(0).uniform(1, 2, shape), requires_grad=True)
    y = nn.Dropout2d(0.5)(x)
    per_channel = y.numpy().reshape(shape[0], shape[1], -1)
    zero = (per_channel == 0).all(axis=-1)
    assert ((per_channel != 0).all(axis=-1) | zero).all()  # all or nothing per channel
    assert 0.3 < zero.mean() < 0.7
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().reshape(per_channel.shape),
                               np.broadcast_to(~zero[..., None] * 2.0, per_channel.shape))
    assert nn.Dropout2d().eval()(x) is x
    with pytest.raises(ValueError, match=r"dropout2d: expected a 4-D input"):
        nn.Dropout2d()(tamrin.randn(3, 4))
