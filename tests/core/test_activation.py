"""Activations and softmax: sigmoid, tanh, relu, leaky_relu, elu, selu, softplus, softmax,
log_softmax — parity, gradcheck, and stability on huge inputs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import check_op, randn, seeds, shape_and_dims, shapes, torch


def F():
    return torch.nn.functional


ACTIVATIONS = {
    "sigmoid": (tamrin.sigmoid, lambda x: torch.sigmoid(x)),
    "sigmoid-method": (lambda x: x.sigmoid(), lambda x: x.sigmoid()),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh()),
    "relu": (lambda x: x.relu(), lambda x: x.relu()),
    "leaky_relu": (tamrin.leaky_relu, lambda x: F().leaky_relu(x)),
    "leaky_relu-0.2": (lambda x: tamrin.leaky_relu(x, 0.2), lambda x: F().leaky_relu(x, 0.2)),
    "elu": (tamrin.elu, lambda x: F().elu(x)),
    "elu-alpha": (lambda x: tamrin.elu(x, alpha=0.5), lambda x: F().elu(x, alpha=0.5)),
    "selu": (tamrin.selu, lambda x: F().selu(x)),
    "softplus": (tamrin.softplus, lambda x: F().softplus(x)),
    "softplus-beta": (lambda x: tamrin.softplus(x, beta=2.0, threshold=1.5),
                      lambda x: F().softplus(x, beta=2.0, threshold=1.5)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(shape=shapes(), seed=seeds, scale=st.sampled_from([1.0, 5.0]))
def test_activation(name, shape, seed, scale):
    fn, torch_fn = ACTIVATIONS[name]
    (x,) = randn(seed, shape)
    check_op(fn, torch_fn, [x * scale])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_is_finite_and_matches_torch_on_huge_inputs(name):
    fn, torch_fn = ACTIVATIONS[name]
    x = np.array([-1e4, -80.0, -30.0, 0.5, 30.0, 80.0, 1e4])
    check_op(fn, torch_fn, [x], gradcheck=False)
    out = fn(tamrin.tensor(x))
    assert np.isfinite(out.numpy()).all()


SOFTMAXES = {
    "softmax": (lambda x, d: x.softmax(d), lambda x, d: x.softmax(d)),
    "log_softmax": (lambda x, d: tamrin.log_softmax(x, dim=d), lambda x, d: x.log_softmax(d)),
}


@pytest.mark.parametrize("name", sorted(SOFTMAXES))
@given(shape_dim=shape_and_dims(single=True), seed=seeds)
def test_softmax_along_any_dim(name, shape_dim, seed):
    shape, dim = shape_dim
    fn, torch_fn = SOFTMAXES[name]
    (x,) = randn(seed, shape)
    check_op(lambda t: fn(t, dim), lambda t: torch_fn(t, dim), [x])


@pytest.mark.parametrize("name", sorted(SOFTMAXES))
def test_softmax_is_stable_for_huge_logits(name):
    fn, torch_fn = SOFTMAXES[name]
    x = np.array([[1e4, 0.0, -1e4], [1000.0, 1000.0, 999.0], [-1e30, 3.0, 1e30]])
    check_op(lambda t: fn(t, 1), lambda t: torch_fn(t, 1), [x], gradcheck=False)
    for dtype in (np.float32, np.float64):
        out = fn(tamrin.tensor(x, dtype=dtype), -1)
        assert np.isfinite(out.numpy()).all() or name == "log_softmax"
    probs = tamrin.softmax(tamrin.tensor(x), dim=1).numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-6)


def test_softmax_on_a_0d_tensor():
    check_op(lambda t: t.softmax(0), lambda t: t.softmax(0), [np.array(2.0)])
