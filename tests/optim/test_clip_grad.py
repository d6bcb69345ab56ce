"""tamrin.nn.utils.clip_grad_norm_ / clip_grad_value_ against torch.nn.utils."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin.nn.utils import clip_grad_norm_, clip_grad_value_
from tests.oracle import torch


def _params(dtype, scale, seed=0):
    rng = np.random.default_rng(seed)
    grads = [scale * rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    ours = [tamrin.nn.Parameter(tamrin.zeros(*g.shape, dtype=dtype)) for g in grads]
    theirs = [torch.nn.Parameter(torch.zeros(g.shape, dtype=getattr(torch, str(np.dtype(dtype)))))
              for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad = tamrin.tensor(g, dtype=dtype)
        t.grad = torch.from_numpy(g.astype(dtype))
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above max_norm
def test_clip_grad_norm_matches_torch(dtype, norm_type, scale):
    ours, theirs = _params(dtype, scale)
    arrays = [p.grad.numpy() for p in ours]
    total = clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    rtol, atol = (1e-6, 1e-7) if dtype == np.float32 else (1e-12, 0)
    assert isinstance(total, tamrin.Tensor) and total.dtype == dtype
    np.testing.assert_allclose(total.item(), want.item(), rtol=rtol)
    for p, t, a in zip(ours, theirs, arrays):
        assert p.grad.numpy() is a  # clipped in place
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
    clipped = np.linalg.norm(np.concatenate([p.grad.numpy().ravel() for p in ours]), norm_type)
    assert clipped <= 1.5 * (1 + 1e-5)


def test_clip_grad_norm_edge_cases():
    assert clip_grad_norm_([tamrin.nn.Parameter(tamrin.zeros(2))], 1.0).item() == 0.0
    p = tamrin.nn.Parameter(tamrin.zeros(2, dtype=np.float64))
    p.grad = tamrin.tensor([np.nan, 1.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_value_matches_torch(dtype):
    ours, theirs = _params(dtype, 2.0, seed=1)
    assert clip_grad_value_(ours, 0.7) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    assert max(np.abs(p.grad.numpy()).max() for p in ours) == pytest.approx(0.7)
