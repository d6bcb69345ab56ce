"""The hand-written pieces of the CNN labs: the loop formulas of conv-backward and the
paper count of conv-shapes, checked on cases the labs themselves do not run."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.labs.catalog.conv_backward import (
    CORRECT,
    DROPPED,
    TAPS,
    autograd,
    dw_by_loops,
    dx_by_loops,
)
from tamrin.labs.catalog.conv_shapes import INPUT, SPEC, hand_count
from tamrin.labs.catalog.edge_kernels import toy_maps


@pytest.mark.parametrize("stride", [1, 3])
def test_loop_formulas_equal_autograd(stride):
    rng = np.random.default_rng(stride)
    x, w = rng.standard_normal((1, 2, 8, 8)), rng.standard_normal((2, 2, 2, 2))
    out = (8 - 2) // stride + 1
    d_out = rng.standard_normal((1, 2, out, out))
    auto_w, auto_x = autograd(x, w, d_out, stride)
    np.testing.assert_allclose(dw_by_loops(x, d_out, 2, stride), auto_w, atol=1e-12)
    np.testing.assert_allclose(dx_by_loops(w, d_out, x.shape, stride, TAPS[CORRECT]), auto_x,
                               atol=1e-12)
    stride_dropped = dx_by_loops(w, d_out, x.shape, stride, TAPS[DROPPED])
    assert np.allclose(stride_dropped, auto_x) == (stride == 1)


def test_hand_count_of_the_course_network():
    rows = hand_count(SPEC, INPUT)
    assert [r["shape"] for r in rows][::2] == [(32, 120, 120), (64, 56, 56), (64, 24, 24), (3,)]
    assert sum(r["weights"] + r["biases"] for r in rows) == 184_003
    wrong = hand_count(SPEC, INPUT, with_input_channels=False)
    assert wrong[2]["weights"] == 5 * 5 * 64


def test_toy_edge_maps_are_antisymmetric():
    maps = toy_maps()
    np.testing.assert_array_equal(maps["vertical kernel, mirrored"],
                                  -maps["vertical kernel, left half bright"])
    np.testing.assert_array_equal(maps["horizontal kernel, top half bright"],
                                  maps["vertical kernel, left half bright"].T)
