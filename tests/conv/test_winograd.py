"""A 3×3, stride-1 conv by Winograd's F(2×2, 3×3) (``tamrin.ops.winograd``), forward and
backward: PyTorch parity and gradcheck on hypothesis shapes (odd and even sizes, padding
0–2, one or many chunks of images), the loops of the course's formulas in float64, float32
against im2col, and which layout the conv chooses."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
import tamrin.nn.functional as F
import tamrin.ops.conv as conv
import tamrin.ops.winograd as winograd
from tests.core.helpers import check_op, randn, seeds, torch

from . import reference


@pytest.fixture(autouse=True)
def winograd_layout(monkeypatch):
    """Every eligible conv runs by Winograd, and a chunk holds one image
    (the tests' batches of 1–5 then run as several chunks, the last one shorter)."""
    def choose(out_hw, stride, w_shape, dilation, groups) -> str:
        assert conv.winograd_applies(w_shape, stride, dilation, groups)
        return "winograd"

    monkeypatch.setattr(conv, "_layout", choose)
    monkeypatch.setattr(winograd, "CHUNK_BYTES", 1)


cases = st.fixed_dictionaries({
    "n": st.integers(1, 5), "c": st.integers(1, 4), "f": st.integers(1, 4),
    "h": st.integers(1, 9), "w": st.integers(1, 9), "pad": st.integers(0, 2),
    "bias": st.booleans(), "seed": seeds,
})


def _arrays(case):
    n, c, f, pad = case["n"], case["c"], case["f"], case["pad"]
    h, w = max(case["h"], 3 - 2 * pad), max(case["w"], 3 - 2 * pad)  # a non-empty output
    shapes = [(n, c, h, w), (f, c, 3, 3)] + ([(f,)] if case["bias"] else [])
    return randn(case["seed"], *shapes)


@given(case=cases)
def test_matches_torch_and_finite_differences(case):
    pad = case["pad"]
    check_op(lambda *a: F.conv2d(*a, padding=pad),
             lambda *a: torch.nn.functional.conv2d(*a, padding=pad), _arrays(case))


@given(case=cases)
def test_gradients_are_the_course_formulas(case):
    """dW and dX against the loops of reference.py, in float64 (Winograd is exact algebra:
    only rounding differs)."""
    x, w, *_ = _arrays(case)
    pad = case["pad"]
    xt = tamrin.tensor(x, dtype=np.float64, requires_grad=True)
    wt = tamrin.tensor(w, dtype=np.float64, requires_grad=True)
    out = F.conv2d(xt, wt, padding=pad)
    g = randn(case["seed"] + 1, out.shape)[0]
    out.backward(tamrin.tensor(g, dtype=np.float64))
    pads = (pad,) * 4
    np.testing.assert_allclose(wt.grad.numpy(), reference.conv2d_weight_grad(
        x, g, w.shape, 1, pads), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), reference.conv2d_input_grad(
        w, g, x.shape, 1, pads), rtol=1e-10, atol=1e-12)


def test_weight_gradient_alone():
    """A network's input needs no dX: the backward then computes dW only."""
    x, w = randn(3, (3, 2, 7, 6), (4, 2, 3, 3))
    wt = tamrin.tensor(w, dtype=np.float64, requires_grad=True)
    out = F.conv2d(tamrin.tensor(x, dtype=np.float64), wt, padding=1)
    g = randn(4, out.shape)[0]
    out.backward(tamrin.tensor(g, dtype=np.float64))
    np.testing.assert_allclose(wt.grad.numpy(), reference.conv2d_weight_grad(
        x, g, w.shape, 1, (1,) * 4), rtol=1e-10, atol=1e-12)


def test_float32_agrees_with_im2col_to_rounding():
    """On the benchmark's layer shape (fewer images), float32 Winograd against the wide-rows
    im2col forward and backward: relative error a few float32 ulps."""
    x, w, b, g = (a.astype(np.float32) for a in randn(5, (4, 32, 32, 32), (64, 32, 3, 3),
                                                          (64,), (4, 64, 32, 32)))
    args = ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    out, v = conv._conv_forward_winograd(x, w, b, *args, (32, 32))
    out0, xp = conv._conv_forward_wide(x, w, b, *args, (32, 32))
    dx, dw = conv._conv_backward_winograd(g, v, w, x.shape, True, True, *args)
    dx0, dw0 = conv._conv_backward_wide(g, xp, w, x.shape, True, True, *args)
    for got, want in ((out, out0), (dx, dx0), (dw, dw0)):
        assert got.dtype == np.float32
        assert np.abs(got - want).max() <= 1e-5 * np.abs(want).max()


@given(case=cases)
def test_forward_is_the_course_formula(case):
    x, w, *b = _arrays(case)
    pad = case["pad"]
    got = F.conv2d(*(tamrin.tensor(a, dtype=np.float64) for a in (x, w, *b)), padding=pad)
    want = reference.conv2d(x, w, b[0] if b else None, (1, 1), (pad,) * 4, (1, 1), 1)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("w_shape, stride, dilation, groups, layout", [
    ((64, 32, 3, 3), (1, 1), (1, 1), 1, "winograd"),  # the wide 3×3 conv
    ((32, 16, 3, 3), (1, 1), (1, 1), 1, "winograd"),  # C·F = 512
    ((16, 16, 3, 3), (1, 1), (1, 1), 1, "wide"),  # C·F = 256
    ((64, 32, 3, 3), (2, 2), (1, 1), 1, "per-image"),
    ((64, 32, 3, 3), (1, 1), (2, 2), 1, "wide"),
    ((64, 16, 3, 3), (1, 1), (1, 1), 2, "wide"),
    ((64, 32, 5, 5), (1, 1), (1, 1), 1, "wide"),
])
def test_layout_choice(monkeypatch, w_shape, stride, dilation, groups, layout):
    monkeypatch.undo()  # the real chooser
    assert conv._layout((32, 32), stride, w_shape, dilation, groups) == layout


def test_numbers_do_not_depend_on_autograd(monkeypatch):
    """One layer, one input: the same output bit for bit whether the input requires grad,
    the weights are frozen, or grad is off (the layout depends on the shapes only)."""
    monkeypatch.undo()
    x = tamrin.randn(2, 32, 16, 16)  # 256 output pixels: not batch-last; C·F = 512
    layer = tamrin.nn.Conv2d(32, 16, 3, padding=1)
    reference = layer(x.detach().requires_grad_(True)).detach().numpy()
    layer.requires_grad_(False)
    frozen = layer(x).numpy()
    with tamrin.no_grad():
        off = layer(x).numpy()
    assert conv._layout((16, 16), (1, 1), (16, 32, 3, 3), (1, 1), 1) == "winograd"
    assert np.array_equal(frozen, reference) and np.array_equal(off, reference)


def test_no_uninitialised_memory_is_read(monkeypatch):
    """Every buffer np.empty gives is filled with NaN: the results stay exact, so nothing
    past the transforms' runs (nor any spare tile) reaches a result."""
    x, w, b, g = randn(6, (5, 3, 7, 6), (4, 3, 3, 3), (4,), (5, 4, 7, 6))
    pads = (1, 1, 1, 1)
    cols = conv._conv_forward(x, w, b, (3, 3), (1, 1), pads, (1, 1), 1, (7, 6))
    dx0, dw0 = conv._conv_backward_per_image(g, cols[1], w, x.shape, True, True, (3, 3),
                                             (1, 1), pads, (1, 1), 1)
    empty = np.empty
    monkeypatch.setattr(np, "empty", lambda *a, **k: np.full_like(empty(*a, **k), np.nan))
    out, v = winograd.conv3x3_forward(x, w, b, pads)
    dx, dw = winograd.conv3x3_backward(g, v, w, x.shape, pads, True, True)
    for got, want in ((out, cols[0]), (dx, dx0), (dw, dw0)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
