"""max_pool2d, avg_pool2d, adaptive_avg_pool2d: PyTorch parity (forward and gradient) on
hypothesis shapes with kernel, stride, padding, dilation and ceil_mode; ties routed as
PyTorch; gradcheck on small cases; the strided-view fast paths against naive loops."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tamrin
import tamrin.nn.functional as F
from tamrin.ops.pooling import pool_geometry
from tests.core.helpers import check_gradcheck, check_op, check_parity, randn, seeds, torch

from . import reference


@st.composite
def pool_cases(draw, dilation: bool = True):
    """(x shape, kwargs) for a pooling op whose output is not empty."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    hw = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 5))
               for k, d, p in zip(kernel, dil, padding))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), *hw)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding,
                  ceil_mode=draw(st.booleans()))
    if dilation:
        kwargs["dilation"] = dil
    return shape, kwargs


@given(case=pool_cases(), seed=seeds)
def test_max_pool2d_matches_torch(case, seed):
    shape, kw = case
    assume(_every_window_sees_the_input(shape, kw))
    check_op(lambda x: F.max_pool2d(x, **kw), lambda x: torch.nn.functional.max_pool2d(x, **kw),
             randn(seed, shape), gradcheck=False)


@given(case=pool_cases(dilation=False), seed=seeds, include=st.booleans(),
       divisor=st.sampled_from([None, 3]))
def test_avg_pool2d_matches_torch(case, seed, include, divisor):
    shape, kw = case
    kw.update(count_include_pad=include, divisor_override=divisor)
    check_op(lambda x: F.avg_pool2d(x, **kw), lambda x: torch.nn.functional.avg_pool2d(x, **kw),
             randn(seed, shape), gradcheck=False)


@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 5), ow=st.integers(1, 5),
       seed=seeds)
def test_adaptive_avg_pool2d_matches_torch_for_any_sizes(h, w, oh, ow, seed):
    check_op(lambda x: F.adaptive_avg_pool2d(x, (oh, ow)),
             lambda x: torch.nn.functional.adaptive_avg_pool2d(x, (oh, ow)),
             randn(seed, (2, 3, h, w)), gradcheck=False)


def test_adaptive_avg_pool2d_to_one_is_the_global_mean_and_none_keeps_a_size():
    x = tamrin.tensor(randn(0, (2, 3, 5, 7))[0], dtype=np.float32)
    # float32 sums of 35 N(0, 1) values: a mean near 0 is only good to ~1e-7 absolute
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, 1).numpy()[..., 0, 0],
                               x.numpy().mean(axis=(2, 3)), rtol=1e-6, atol=1e-6)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 5, 2)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, stride=1, dilation=2, ceil_mode=True)])
def test_max_pool2d_gradcheck(kw):
    check_gradcheck(lambda x: F.max_pool2d(x, **kw), randn(0, (2, 2, 5, 6)))


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                         count_include_pad=False),
                                dict(kernel_size=(2, 3), stride=2, ceil_mode=True)])
def test_avg_pool2d_and_adaptive_gradcheck(kw):
    (x,) = randn(1, (2, 2, 5, 6))
    check_gradcheck(lambda t: F.avg_pool2d(t, **kw), [x])
    check_gradcheck(lambda t: F.adaptive_avg_pool2d(t, (2, 4)), [x])


@given(seed=seeds, stride=st.integers(1, 2))
def test_max_pool2d_ties_go_to_the_first_maximum_as_torch(seed, stride):
    """ReLU outputs tie at 0 all the time: each window's gradient goes to its first maximum."""
    x = np.random.default_rng(seed).integers(0, 2, (2, 3, 6, 7)).astype(np.float64)
    check_parity(lambda t: F.max_pool2d(t, 3, stride, 1),
                 lambda t: torch.nn.functional.max_pool2d(t, 3, stride, 1), [x])


def test_max_pool2d_propagates_nan_as_torch():
    """The output is NaN where a window holds NaN (the gradient there is not routed)."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 0] = x[0, 0, 3, 2] = np.nan
    check_parity(lambda t: F.max_pool2d(t, 2), lambda t: torch.nn.functional.max_pool2d(t, 2),
                 [x], grad=False)


@given(case=pool_cases(), seed=seeds)
def test_max_pool2d_fast_path_equals_naive_loops(case, seed):
    shape, kw = case
    assume(_every_window_sees_the_input(shape, kw))
    (x,) = randn(seed, shape)
    xt = tamrin.tensor(x, dtype=np.float64, requires_grad=True)
    out = F.max_pool2d(xt, **kw)
    g = randn(seed + 1, out.shape)[0]
    out.backward(tamrin.tensor(g, dtype=np.float64))
    pads = _pads(shape, kw)
    want, dx = reference.max_pool2d(x, g, kw["kernel_size"], kw["stride"], pads, kw["dilation"])
    np.testing.assert_array_equal(out.numpy(), want)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-12)


@given(case=pool_cases(dilation=False), seed=seeds)
def test_avg_pool2d_fast_path_equals_naive_loops(case, seed):
    shape, kw = case
    (x,) = randn(seed, shape)
    out = F.avg_pool2d(tamrin.tensor(x, dtype=np.float64), **kw, divisor_override=4)
    want = reference.avg_pool2d(x, kw["kernel_size"], kw["stride"], _pads(shape, kw), 4.0,
                                out.shape[2:])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)


def _every_window_sees_the_input(shape, kw):
    """False when a dilated window falls entirely in the padding: its output is −∞ and
    PyTorch then routes its gradient to an arbitrary pixel (tamrin: nowhere)."""
    return bool(np.isfinite(F.max_pool2d(tamrin.zeros(*shape), **kw).numpy()).all())


def _pads(shape, kw):
    """(top, bottom, left, right) padding, the extra ceil_mode rows included."""
    geometry = [pool_geometry("test", shape[2 + a], kw["kernel_size"][a], kw["stride"][a],
                              kw["padding"][a], kw.get("dilation", (1, 1))[a], kw["ceil_mode"])
                for a in (0, 1)]
    (ph, pw), ((_, eh), (_, ew)) = kw["padding"], geometry
    return ph, ph + eh, pw, pw + ew


def test_lenet_style_pool_halves_and_strides_default_to_the_kernel():
    x = tamrin.randn(2, 6, 28, 28)
    assert F.max_pool2d(x, 2).shape == (2, 6, 14, 14)
    assert F.avg_pool2d(x, 2).shape == (2, 6, 14, 14)
    assert F.max_pool2d(x, 2).dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda: F.max_pool2d(tamrin.zeros(1, 1, 4, 4), 2, padding=2), "at most half"),
    (lambda: F.max_pool2d(tamrin.zeros(1, 1, 2, 2), 3), "larger than"),
    (lambda: F.avg_pool2d(tamrin.zeros(4, 4), 2), "4-D input"),
    (lambda: F.adaptive_avg_pool2d(tamrin.zeros(1, 1, 4, 4), 0), "positive"),
])
def test_errors_name_the_op(call, message):
    with pytest.raises(ValueError, match=message):
        call()
