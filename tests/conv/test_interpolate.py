"""interpolate (nearest, bilinear with and without align_corners; size or scale_factor):
PyTorch parity for the output and the gradient on hypothesis sizes, and gradcheck."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
import tamrin.nn.functional as F
from tests.core.helpers import check_gradcheck, check_op, randn, seeds, torch

modes = st.sampled_from([("nearest", None), ("bilinear", False), ("bilinear", True)])


@given(h=st.integers(1, 7), w=st.integers(1, 7), oh=st.integers(1, 12), ow=st.integers(1, 12),
       mode=modes, seed=seeds)
def test_interpolate_to_a_size_matches_torch(h, w, oh, ow, mode, seed):
    kw = dict(size=(oh, ow), mode=mode[0], align_corners=mode[1])
    check_op(lambda x: F.interpolate(x, **kw), lambda x: torch.nn.functional.interpolate(x, **kw),
             randn(seed, (2, 2, h, w)), gradcheck=False)


@given(h=st.integers(1, 7), w=st.integers(1, 7),
       scale=st.sampled_from([0.5, 1.5, 1.7, 2, 2.5, 3, (2, 1.3)]), mode=modes, seed=seeds)
def test_interpolate_by_a_scale_factor_matches_torch(h, w, scale, mode, seed):
    kw = dict(scale_factor=scale, mode=mode[0], align_corners=mode[1])
    if min(int(n * s) for n, s in zip((h, w), np.broadcast_to(scale, 2))) < 1:
        return  # an empty output: covered by the error test
    check_op(lambda x: F.interpolate(x, **kw), lambda x: torch.nn.functional.interpolate(x, **kw),
             randn(seed, (1, 3, h, w)), gradcheck=False)


@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(5, 3), mode="bilinear"),
                                dict(size=4, mode="bilinear", align_corners=True)])
def test_interpolate_gradcheck(kw):
    check_gradcheck(lambda x: F.interpolate(x, **kw), randn(0, (1, 2, 3, 4)))


def test_nearest_doubling_repeats_each_pixel_and_upsample_layer_agrees():
    x = tamrin.arange(4.0).reshape(1, 1, 2, 2)
    want = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    np.testing.assert_array_equal(F.interpolate(x, scale_factor=2).numpy()[0, 0], want)
    np.testing.assert_array_equal(tamrin.nn.Upsample(scale_factor=2)(x).numpy()[0, 0], want)
    assert repr(tamrin.nn.Upsample(scale_factor=2)) == \
        "Upsample(scale_factor=2.0, mode='nearest')"


@pytest.mark.parametrize("kw, message", [
    (dict(), "exactly one"), (dict(size=2, scale_factor=2), "exactly one"),
    (dict(size=2, mode="bicubic"), "mode"), (dict(size=2, align_corners=True), "align_corners"),
    (dict(scale_factor=0.1), "empty"),
])
def test_interpolate_errors(kw, message):
    with pytest.raises(ValueError, match=message):
        F.interpolate(tamrin.zeros(1, 1, 3, 3), **kw)
