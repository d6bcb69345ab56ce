"""Full sums and means of large floating arrays (ones·A through BLAS, ``tamrin.ops.blas_sum``)
and the read-only broadcast view that spreads a reduction's gradient back
(``SPREAD_VIEW_FROM``): values against a float64 reference and PyTorch, gradients against
PyTorch, the gradients that leaves keep are their own writable arrays; ``all_finite``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tamrin
from tamrin.ops.blas_sum import BLAS_SUM_FROM, BLAS_SUM_MAX_ROWS, all_finite
from tamrin.tensor import SPREAD_VIEW_FROM

from .helpers import check_parity, torch

BIG = (512, 512)


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(16, BLAS_SUM_MAX_ROWS + 64), cols=st.integers(16, 300),
       dtype=st.sampled_from([np.float32, np.float64]), shift=st.floats(-2, 2),
       seed=st.integers(0, 2**16))
def test_full_sum_and_mean_match_a_float64_reference(rows, cols, dtype, shift, seed):
    a = (np.random.default_rng(seed).standard_normal((rows, cols)) + shift).astype(dtype)
    x = tamrin.tensor(a, dtype=dtype)
    exact = a.astype(np.float64).sum()
    # float32: the rounding of sums of up to BLAS_SUM_MAX_ROWS terms, in the units of Σ|a|
    atol = (1e-5 if dtype == np.float32 else 1e-12) * np.abs(a.astype(np.float64)).sum()
    assert x.sum().dtype == x.mean().dtype == np.dtype(dtype)
    np.testing.assert_allclose(x.sum().item(), exact, rtol=0, atol=atol)
    np.testing.assert_allclose(x.mean().item(), exact / a.size, rtol=0, atol=atol / a.size)


@pytest.mark.parametrize("shape", [BIG, (4, 128, 64), (2 * BLAS_SUM_MAX_ROWS, 16), (8, 4096)])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_big_reductions_match_pytorch_with_gradients(shape, reduce):
    assert np.prod(shape) >= BLAS_SUM_FROM
    a = np.random.default_rng(3).standard_normal(shape)
    check_parity(lambda x: getattr(x * x, reduce)(), lambda x: getattr(x * x, reduce)(), [a],
                 dtype=np.float32)
    check_parity(lambda x: getattr(x, reduce)(), lambda x: getattr(x, reduce)(), [a],
                 dtype=np.float64)


def test_leaves_keep_writable_gradients_of_their_own():
    """(a + b).sum() hands both leaves the same read-only view: each keeps its own copy."""
    assert BIG[0] * BIG[1] >= SPREAD_VIEW_FROM
    a = tamrin.randn(*BIG, requires_grad=True)
    b = tamrin.randn(*BIG, requires_grad=True)
    (a + b).sum().backward()
    for leaf in (a, b):
        grad = leaf.grad.numpy()
        assert grad.flags.writeable and grad.flags.c_contiguous and grad.strides[-1] == 4
        np.testing.assert_array_equal(grad, np.ones(BIG, np.float32))
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.numpy()[0, 0] = 5.0  # in place, as optimisers and clipping do
    assert b.grad.numpy()[0, 0] == 1.0


def test_hooks_and_retained_gradients_see_the_spread_gradient():
    x = tamrin.randn(*BIG, requires_grad=True)
    y = x * 2
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 3)
    y.mean().backward()
    np.testing.assert_allclose(seen[0], np.full(BIG, 1 / y.numel(), np.float32))
    assert y.grad.numpy().flags.writeable
    np.testing.assert_allclose(x.grad.numpy(), np.full(BIG, 6 / y.numel(), np.float32))
    t = torch.tensor(x.numpy(), requires_grad=True)
    ty = t * 2
    ty.register_hook(lambda g: g * 3)
    ty.mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(512, 512), (3000, 40), (7, 5)])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, None])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_finds_any_nan_or_inf(shape, bad, dtype):
    rng = np.random.default_rng(4)
    for position in (0, 1, -1, rng.integers(np.prod(shape))):
        a = rng.standard_normal(shape).astype(dtype)
        if bad is not None:
            a.flat[position] = bad
        assert all_finite(a) is (bad is None) is bool(np.isfinite(a).all())


def test_all_finite_is_not_fooled_by_an_overflowing_total():
    a = np.full((512, 512), np.finfo(np.float32).max / 4, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the optimiser's check must not warn on big gradients
        assert all_finite(a)
        a[3, 3] = np.nan
        assert not all_finite(a)
        a[3, 3], a[4, 4] = np.inf, -np.inf
        assert not all_finite(a)
