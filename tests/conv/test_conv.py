"""conv2d and conv_transpose2d: PyTorch parity (forward and every gradient) on hypothesis
shapes — batch, channels, groups, kernel, stride 1–3, padding, dilation, odd sizes —
gradcheck on small cases (claim 24 at stride 1 and 2), the fast path against the naive
loops of ``reference.py``, the course's edge-kernel example, and the error messages."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tamrin
import tamrin.nn.functional as F
from tests.core.helpers import check_gradcheck, check_op, check_parity, randn, seeds, torch

from . import reference

pytestmark = pytest.mark.usefixtures("conv_layout")

sides = st.integers(1, 4)


@st.composite
def conv_cases(draw, transposed: bool = False):
    """A conv configuration whose output is not empty: (x shape, w shape, bias?, kwargs)."""
    n, groups = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    cg, fg = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(sides), draw(sides))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    if transposed:
        hw = tuple(draw(st.integers(1, 5)) for _ in range(2))
        out_pad = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        assume(all((h - 1) * s - 2 * p + d * (k - 1) + o + 1 > 0 for h, s, p, d, k, o in
                   zip(hw, stride, padding, dilation, kernel, out_pad)))
        w_shape = (cg * groups, fg, *kernel)
        kwargs = dict(stride=stride, padding=padding, output_padding=out_pad, groups=groups,
                      dilation=dilation)
        x_shape, bias = (n, cg * groups, *hw), fg * groups
    else:
        hw = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 5))
                   for d, k, p in zip(dilation, kernel, padding))
        w_shape = (fg * groups, cg, *kernel)
        kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        x_shape, bias = (n, cg * groups, *hw), fg * groups
    return x_shape, w_shape, (bias,) if draw(st.booleans()) else None, kwargs


def _args(seed, x_shape, w_shape, b_shape):
    return randn(seed, x_shape, w_shape, *([b_shape] if b_shape else []))


@given(case=conv_cases(), seed=seeds)
def test_conv2d_matches_torch(case, seed):
    x_shape, w_shape, b_shape, kw = case
    check_op(lambda *a: F.conv2d(*a, **kw), lambda *a: torch.nn.functional.conv2d(*a, **kw),
             _args(seed, x_shape, w_shape, b_shape), gradcheck=False)


@given(case=conv_cases(transposed=True), seed=seeds)
def test_conv_transpose2d_matches_torch(case, seed):
    x_shape, w_shape, b_shape, kw = case
    check_op(lambda *a: F.conv_transpose2d(*a, **kw),
             lambda *a: torch.nn.functional.conv_transpose2d(*a, **kw),
             _args(seed, x_shape, w_shape, b_shape), gradcheck=False)


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kw", [dict(), dict(padding=1), dict(dilation=2),
                                dict(groups=2, padding=(0, 1))])
def test_conv2d_gradcheck(stride, kw):
    """Claim 24: the hand-derived dW and dX agree with finite differences (stride 1 and 2)."""
    x, w, b = randn(stride, (2, 2, 6, 5), (4, 2 // kw.get("groups", 1), 3, 2), (4,))
    check_gradcheck(lambda *a: F.conv2d(*a, stride=stride, **kw), [x, w, b])


@pytest.mark.parametrize("kw", [dict(stride=2), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2, dilation=2)])
def test_conv_transpose2d_gradcheck(kw):
    groups = kw.get("groups", 1)
    x, w, b = randn(3, (2, 2, 3, 4), (2, 3, 3, 2), (3 * groups,))
    check_gradcheck(lambda *a: F.conv_transpose2d(*a, **kw), [x, w, b])


@given(case=conv_cases(), seed=seeds)
def test_conv2d_fast_path_equals_naive_loops(case, seed):
    x_shape, w_shape, b_shape, kw = case
    x, w, *b = _args(seed, x_shape, w_shape, b_shape)
    got = F.conv2d(tamrin.tensor(x, dtype=np.float64), tamrin.tensor(w, dtype=np.float64),
                   tamrin.tensor(b[0], dtype=np.float64) if b else None, **kw)
    (ph, pw) = kw["padding"]
    want = reference.conv2d(x, w, b[0] if b else None, kw["stride"], (ph, ph, pw, pw),
                            kw["dilation"], kw["groups"])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


@given(n=st.integers(1, 2), c=st.integers(1, 3), f=st.integers(1, 3), k=st.integers(1, 3),
       stride=st.integers(1, 3), pad=st.integers(0, 1), extra=st.integers(0, 3), seed=seeds)
def test_conv2d_backward_is_the_course_formula(n, c, f, k, stride, pad, extra, seed):
    """dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l)·dO(b,f,i,j) and
    dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j)·dO(b,f,i,j), written as loops."""
    size = max(1, k - 2 * pad) + extra
    x, w = randn(seed, (n, c, size, size + 1), (f, c, k, k))
    xt = tamrin.tensor(x, dtype=np.float64, requires_grad=True)
    wt = tamrin.tensor(w, dtype=np.float64, requires_grad=True)
    out = F.conv2d(xt, wt, stride=stride, padding=pad)
    g = randn(seed + 1, out.shape)[0]
    out.backward(tamrin.tensor(g, dtype=np.float64))
    pads = (pad, pad, pad, pad)
    dw = reference.conv2d_weight_grad(x, g, w.shape, stride, pads)
    dx = reference.conv2d_input_grad(w, g, x.shape, stride, pads)
    np.testing.assert_allclose(wt.grad.numpy(), dw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-10, atol=1e-12)


@given(case=conv_cases(transposed=True), seed=seeds)
def test_conv_transpose2d_fast_path_equals_naive_loops(case, seed):
    x_shape, w_shape, b_shape, kw = case
    x, w, *b = _args(seed, x_shape, w_shape, b_shape)
    got = F.conv_transpose2d(tamrin.tensor(x, dtype=np.float64), tamrin.tensor(w, dtype=np.float64),
                             tamrin.tensor(b[0], dtype=np.float64) if b else None, **kw)
    want = reference.conv_transpose2d(x, w, b[0] if b else None, kw["stride"], kw["padding"],
                                      kw["output_padding"], kw["dilation"], kw["groups"])
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kernel", [(3, 3), (4, 2), (2, 5)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv2d_same_and_valid_padding(kernel, dilation):
    x, w, b = randn(5, (2, 3, 9, 10), (4, 3, *kernel), (4,))
    for padding in ("same", "valid"):
        check_parity(lambda *a, p=padding: F.conv2d(*a, padding=p, dilation=dilation),
                     lambda *a, p=padding: torch.nn.functional.conv2d(*a, padding=p,
                                                                      dilation=dilation),
                     [x, w, b])
    assert F.conv2d(tamrin.tensor(x), tamrin.tensor(w), padding="same",
                    dilation=dilation).shape == (2, 4, 9, 10)


def test_float32_stays_float32_and_input_grad_is_skipped_for_constant_input():
    x = tamrin.randn(2, 3, 5, 5)
    conv_w = tamrin.randn(4, 3, 3, 3, requires_grad=True)
    out = F.conv2d(x, conv_w, padding=1)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad is None and conv_w.grad.dtype == np.float32


def test_vertical_edge_kernel_on_half_bright_image():
    """Claim 26: [[1,0,−1]]×3 on a 6×6 image, left half 10, right half 0 → rows [0,30,30,0]."""
    image = np.zeros((1, 1, 6, 6))
    image[..., :3] = 10
    kernel = np.array([[1.0, 0, -1]] * 3)[None, None]
    out = F.conv2d(tamrin.tensor(image), tamrin.tensor(kernel))
    assert out.shape == (1, 1, 4, 4)
    np.testing.assert_array_equal(out.numpy()[0, 0], [[0, 30, 30, 0]] * 4)
    mirrored = F.conv2d(tamrin.tensor(image[..., ::-1].copy()), tamrin.tensor(kernel))
    np.testing.assert_array_equal(mirrored.numpy()[0, 0], [[0, -30, -30, 0]] * 4)
    horizontal = F.conv2d(tamrin.tensor(image), tamrin.tensor(kernel.transpose(0, 1, 3, 2)))
    np.testing.assert_array_equal(horizontal.numpy(), 0)  # no horizontal edge in this image


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(tamrin.zeros(1, 3, 5, 5), tamrin.zeros(2, 4, 3, 3)), "3 channels"),
    (lambda: F.conv2d(tamrin.zeros(1, 3, 2, 5), tamrin.zeros(2, 3, 3, 3)), "larger than"),
    (lambda: F.conv2d(tamrin.zeros(3, 5, 5), tamrin.zeros(2, 3, 3, 3)), "4-D input"),
    (lambda: F.conv2d(tamrin.zeros(1, 4, 5, 5), tamrin.zeros(3, 2, 3, 3), groups=2), "groups"),
    (lambda: F.conv2d(tamrin.zeros(1, 3, 5, 5), tamrin.zeros(2, 3, 3, 3), tamrin.zeros(3)),
     r"bias must have shape \(2,\)"),
    (lambda: F.conv2d(tamrin.zeros(1, 3, 5, 5), tamrin.zeros(2, 3, 3, 3), stride=2,
                      padding="same"), "strided"),
    (lambda: F.conv2d(tamrin.zeros(1, 3, 5, 5), tamrin.zeros(2, 3, 3, 3), padding="full"),
     "'valid' or 'same'"),
    (lambda: F.conv_transpose2d(tamrin.zeros(1, 2, 3, 3), tamrin.zeros(2, 1, 3, 3),
                                output_padding=1), "output_padding"),
])
def test_errors_name_the_op_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("op", [lambda x: F.conv2d(x, tamrin.zeros(1, 1, 3, 3)),
                                lambda x: F.max_pool2d(x, 3), lambda x: F.avg_pool2d(x, 3)])
def test_kernel_larger_than_input_names_the_op_and_input_shape(op):
    with pytest.raises(ValueError, match=r"\(input shape \(1, 1, 2, 2\)\).*kernel size 3 "
                                         r"is larger than the input size 2"):
        op(tamrin.zeros(1, 1, 2, 2))
