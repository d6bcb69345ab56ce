"""Reductions with ``dim`` (int or tuple, negative allowed) and ``keepdim``: sum, mean, var,
std, amax/amin, max/min (values and indices), logsumexp."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import check_op, randn, seeds, shape_and_dims, shapes, torch

REDUCTIONS = {  # name -> (tamrin fn(x, dim, keepdim), torch fn(x, dim, keepdim))
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, d, k: x.sum(d, keepdim=k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, d, k: x.mean(d, keepdim=k)),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda x, d, k: x.var(d, keepdim=k)),
    "var-biased": (lambda x, d, k: x.var(d, unbiased=False, keepdim=k),
                   lambda x, d, k: x.var(d, unbiased=False, keepdim=k)),
    "std": (lambda x, d, k: x.std(d, keepdim=k), lambda x, d, k: x.std(d, keepdim=k)),
    "std-correction0": (lambda x, d, k: tamrin.std(x, d, keepdim=k, correction=0),
                        lambda x, d, k: torch.std(x, d, keepdim=k, correction=0)),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), lambda x, d, k: x.amax(d, keepdim=k)),
    "amin": (lambda x, d, k: tamrin.amin(x, d, keepdim=k),
             lambda x, d, k: torch.amin(x, d, keepdim=k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k),
                  lambda x, d, k: x.logsumexp(d, keepdim=k)),
}
NEEDS_TWO = {"var", "std"}  # the unbiased estimate needs at least two elements


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(shape_dims=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_reduction_over_dims(name, shape_dims, keepdim, seed):
    shape, dim = shape_dims
    fn, torch_fn = REDUCTIONS[name]
    dims = (dim,) if isinstance(dim, int) else dim
    if name in NEEDS_TWO and np.prod([shape[d] for d in dims]) < 2:
        shape = tuple(n + 1 if i in {d % len(shape) for d in dims} else n
                      for i, n in enumerate(shape))
    (x,) = randn(seed, shape)
    check_op(lambda t: fn(t, dim, keepdim), lambda t: torch_fn(t, dim, keepdim), [x])


FULL = {
    "sum": (lambda x: x.sum(), lambda x: x.sum()),
    "mean": (lambda x: x.mean(), lambda x: x.mean()),
    "var": (lambda x: x.var(), lambda x: x.var()),
    "std": (lambda x: x.std(), lambda x: x.std()),
    "max": (lambda x: x.max(), lambda x: x.max()),
    "min": (lambda x: tamrin.min(x), lambda x: torch.min(x)),
    "amax": (lambda x: x.amax(), lambda x: x.amax()),
}


@pytest.mark.parametrize("name", sorted(FULL))
@given(shape=shapes(), seed=seeds)
def test_reduction_over_everything(name, shape, seed):
    fn, torch_fn = FULL[name]
    if name in NEEDS_TWO:
        shape = (*shape, 2)
    (x,) = randn(seed, shape)
    check_op(fn, torch_fn, [x])


@pytest.mark.parametrize("name", ["max", "min"])
@given(shape_dim=shape_and_dims(single=True), keepdim=st.booleans(), seed=seeds)
def test_max_min_along_a_dim_return_values_and_indices(name, shape_dim, keepdim, seed):
    shape, dim = shape_dim
    (x,) = randn(seed, shape)
    check_op(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(t, name)(dim, keepdim),
             [x])
    values, indices = getattr(tamrin.tensor(x), name)(dim=dim, keepdim=keepdim)
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert values.shape == indices.shape


def test_max_ties_give_all_the_gradient_to_one_element_along_a_dim_but_share_it_overall():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check_op(lambda t: t.max(1).values, lambda t: t.max(1).values, [x], gradcheck=False)
    check_op(lambda t: t.max(), lambda t: t.max(), [x], gradcheck=False)  # shared: ½, ½
    check_op(lambda t: t.amax(1), lambda t: t.amax(1), [x], gradcheck=False)


def test_reduction_of_a_0d_tensor_with_dim():
    x = np.array(1.5)
    check_op(lambda t: t.sum(0), lambda t: t.sum(0), [x])
    check_op(lambda t: t.max(0), lambda t: t.max(0), [x])
    check_op(lambda t: t.logsumexp(-1), lambda t: t.logsumexp(-1), [x])


def test_logsumexp_is_stable_for_huge_and_infinite_inputs():
    x = np.array([[1e4, 1e4 - 1.0, -1e4], [-np.inf, 0.0, -np.inf]])
    check_op(lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x], gradcheck=False)
    out = tamrin.tensor(x).logsumexp(1)
    assert np.isfinite(out.numpy()).all()


def test_argmax_argmin():
    x = tamrin.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.argmax().item() == 3
    assert x.argmax(1).tolist() == [1, 0]
    assert x.argmin(0, keepdim=True).tolist() == [[0, 1, 0]]
    assert x.argmax(1).dtype == np.int64


def test_bad_dim_names_the_op_and_the_valid_range():
    x = tamrin.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum: dimension 2 is out of range .* \[-2, 1\]"):
        x.sum(2)
    with pytest.raises(RuntimeError, match=r"max: cannot reduce an empty tensor"):
        tamrin.zeros(0).max()
