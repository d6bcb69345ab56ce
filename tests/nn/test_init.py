"""Initialisers: empirical mean and variance of large tensors within statistical tolerance
of each formula, fans of conv kernels, gains, seeding, and the layer defaults' bounds."""

import math

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tamrin.nn import init

SHAPE = (400, 250)  # 100,000 draws: the sample variance is within ~1 % (5 standard errors)
FAN_IN, FAN_OUT = 250, 400


def _stats(fill, shape=SHAPE):
    tamrin.manual_seed(0)
    t = tamrin.empty(*shape)
    assert fill(t) is t
    return float(t.numpy().mean()), float(t.numpy().var()), t


VARIANCES = {
    "normal_": (lambda t: init.normal_(t, 0.0, 2.0), 4.0),
    "uniform_": (lambda t: init.uniform_(t, -3.0, 3.0), 36 / 12),
    "xavier_uniform_": (init.xavier_uniform_, 2 / (FAN_IN + FAN_OUT)),
    "xavier_uniform_gain": (lambda t: init.xavier_uniform_(t, gain=2.0), 8 / (FAN_IN + FAN_OUT)),
    "xavier_normal_": (init.xavier_normal_, 2 / (FAN_IN + FAN_OUT)),
    "kaiming_uniform_relu": (lambda t: init.kaiming_uniform_(t, nonlinearity="relu"),
                             2 / FAN_IN),
    "kaiming_normal_relu": (lambda t: init.kaiming_normal_(t, nonlinearity="relu"), 2 / FAN_IN),
    "kaiming_normal_fan_out": (lambda t: init.kaiming_normal_(t, mode="fan_out",
                                                              nonlinearity="relu"), 2 / FAN_OUT),
    "kaiming_uniform_leaky": (lambda t: init.kaiming_uniform_(t, a=0.2),
                              2 / (1 + 0.04) / FAN_IN),
    "lecun_uniform_": (init.lecun_uniform_, 1 / FAN_IN),
    "lecun_normal_": (init.lecun_normal_, 1 / FAN_IN),
    "orthogonal_": (init.orthogonal_, 1 / max(SHAPE)),
}


@pytest.mark.parametrize("name", sorted(VARIANCES))
def test_variance_matches_formula(name):
    fill, variance = VARIANCES[name]
    mean, var, _ = _stats(fill)
    n = SHAPE[0] * SHAPE[1]
    assert abs(mean) < 5 * math.sqrt(variance / n)
    assert abs(var / variance - 1) < 0.025, f"{name}: variance {var}, formula {variance}"


def test_uniform_bounds_are_the_stated_ones():
    _, _, t = _stats(init.xavier_uniform_)
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(t.numpy()).max() <= bound and np.abs(t.numpy()).max() > 0.999 * bound
    _, _, t = _stats(lambda t: init.kaiming_uniform_(t, nonlinearity="relu"))
    assert np.abs(t.numpy()).max() <= math.sqrt(6 / FAN_IN)


def test_orthogonal_rows_or_columns_are_orthonormal():
    for shape in [(6, 10), (10, 6), (4, 3, 2, 2)]:
        _, _, t = _stats(lambda t: init.orthogonal_(t, gain=1.5), shape)
        w = t.numpy().reshape(shape[0], -1).astype(np.float64)
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(gram, 2.25 * np.eye(len(gram)), atol=1e-5)


def test_fans_of_conv_kernels_count_the_receptive_field():
    w = tamrin.empty(32, 16, 3, 3)
    assert init._calculate_fan_in_and_fan_out(w) == (16 * 9, 32 * 9)
    _, var, _ = _stats(lambda t: init.kaiming_normal_(t, nonlinearity="relu"), (64, 32, 5, 5))
    assert abs(var / (2 / (32 * 25)) - 1) < 0.025
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tamrin.empty(5))
    for fill in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.raises(ValueError, match=rf"{fill.__name__}: mode must be 'fan_in' or "
                                             r"'fan_out', got 'fan_avg'"):
            fill(tamrin.empty(3, 4), mode="fan_avg")


def test_calculate_gain_matches_torch():
    from tests.oracle import torch

    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_constant_fills_and_eye():
    t = tamrin.empty(3, 4)
    assert np.all(init.constant_(t, 0.25).numpy() == 0.25)
    assert np.all(init.zeros_(t).numpy() == 0) and np.all(init.ones_(t).numpy() == 1)
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))
    assert t.dtype == np.float32


def test_init_is_reproducible_and_keeps_dtype():
    t = tamrin.empty(5, 5, dtype=np.float64)
    tamrin.manual_seed(1)
    a = init.kaiming_normal_(t).numpy().copy()
    tamrin.manual_seed(1)
    assert np.array_equal(a, init.kaiming_normal_(t).numpy()) and t.dtype == np.float64


@pytest.mark.parametrize("make", [lambda m: m.Linear(300, 200), lambda m: m.Embedding(300, 200),
                                  lambda m: m.BatchNorm1d(300), lambda m: m.LayerNorm(300)])
def test_layer_default_distributions_match_torch(make):
    """Same distribution as PyTorch's default: a two-sample Kolmogorov–Smirnov test does not
    tell our parameters from torch's (p > 0.001), and the ranges agree."""
    from scipy.stats import ks_2samp

    from tests.oracle import torch

    tamrin.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = make(nn), make(torch.nn)
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        a, b = p.numpy(), tp.detach().numpy()
        assert p.dtype == np.float32 and a.shape == b.shape, name
        assert ks_2samp(a.ravel(), b.ravel()).pvalue > 1e-3, name
        assert np.abs(a).max() <= 1.5 * np.abs(b).max() + 1e-12, name
