"""The ops added for PyTorch code (issue 16): sinh, cosh, prod, cumsum, norm, topk, sort,
gather, scatter, index_put, overwrite (copy_), einsum, meshgrid, bmm/mm/mv/dot, masked_fill, clip,
torch.max(a, b), all/any, the axis=/keepdims= aliases and out= — each through gradcheck in
float64 and PyTorch parity (values and gradients) on shapes that hypothesis draws."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
from tamrin.ops.elementwise import overwrite

from .helpers import (
    broadcastable_shapes,
    check_op,
    check_parity,
    randn,
    seeds,
    shape_and_dims,
    shapes,
    torch,
)

UNARY = {
    "sinh": (tamrin.sinh, lambda x: torch.sinh(x)),
    "cosh": (lambda x: x.cosh(), lambda x: x.cosh()),
    "clip": (lambda x: tamrin.clip(x, -0.5, 0.7), lambda x: torch.clip(x, -0.5, 0.7)),
    "prod": (lambda x: x.prod(), lambda x: x.prod()),
    "norm": (lambda x: x.norm(), lambda x: x.norm()),
    "norm-1": (lambda x: tamrin.norm(x, p=1), lambda x: torch.norm(x, p=1)),
    "norm-3": (lambda x: x.norm(3), lambda x: x.norm(3)),
    "norm-inf": (lambda x: x.norm(float("inf")), lambda x: x.norm(float("inf"))),
    "masked_fill": (lambda x: x.masked_fill(x > 0.3, -2.0),
                    lambda x: x.masked_fill(x > 0.3, -2.0)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes(), seed=seeds)
def test_elementwise_and_full_reductions(name, shape, seed):
    fn, torch_fn = UNARY[name]
    check_op(fn, torch_fn, randn(seed, shape), gradcheck=name != "clip")


BY_DIM = {
    "prod": (lambda x, d, k: x.prod(d, keepdim=k), lambda x, d, k: x.prod(d, keepdim=k)),
    # torch.norm goes to the matrix norms for 2-tuples of dims: vector_norm is the oracle
    "norm": (lambda x, d, k: x.norm(dim=d, keepdim=k),
             lambda x, d, k: torch.linalg.vector_norm(x, 2, d, k)),
    "norm-1": (lambda x, d, k: x.norm(1, d, k),
               lambda x, d, k: torch.linalg.vector_norm(x, 1, d, k)),
    "norm--inf": (lambda x, d, k: x.norm(-float("inf"), d, k),
                  lambda x, d, k: torch.linalg.vector_norm(x, -float("inf"), d, k)),
    "cumsum": (lambda x, d, k: x.cumsum(d), lambda x, d, k: x.cumsum(d)),
    "sum-axis": (lambda x, d, k: x.sum(axis=d, keepdims=k),
                 lambda x, d, k: x.sum(axis=d, keepdims=k)),
    "mean-axis": (lambda x, d, k: tamrin.mean(x, axis=d, keepdims=k),
                  lambda x, d, k: torch.mean(x, axis=d, keepdims=k)),
    "max-axis": (lambda x, d, k: x.max(axis=d, keepdims=k)[0],
                 lambda x, d, k: x.max(axis=d, keepdims=k)[0]),
    "std-axis": (lambda x, d, k: x.std(axis=d, keepdims=k),
                 lambda x, d, k: x.std(axis=d, keepdims=k)),
}
ONE_DIM = {"prod", "cumsum", "max-axis"}


@pytest.mark.parametrize("name", sorted(BY_DIM))
@given(shape_dims=shape_and_dims(), data=st.data(), seed=seeds)
def test_reductions_along_dims(name, shape_dims, data, seed):
    shape, dim = shape_dims
    if name in ONE_DIM:
        dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    if name == "std-axis":
        shape = tuple(n + 1 for n in shape)  # the unbiased estimate needs two elements
    keepdim = data.draw(st.booleans())
    fn, torch_fn = BY_DIM[name]
    check_op(lambda x: fn(x, dim, keepdim), lambda x: torch_fn(x, dim, keepdim),
             randn(seed, shape))


def test_prod_with_zeros_has_the_right_gradient():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    for dim in (None, 0, 1):
        check_op(lambda t, d=dim: t.prod() if d is None else t.prod(d),
                 lambda t, d=dim: t.prod() if d is None else t.prod(d), [x])


@given(shape=shapes(min_dims=1), data=st.data(), seed=seeds)
def test_topk_sort_argsort(shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    largest, descending = data.draw(st.booleans()), data.draw(st.booleans())
    (x,) = randn(seed, shape)
    check_op(lambda t: t.topk(k, dim, largest), lambda t: t.topk(k, dim, largest), [x])
    check_op(lambda t: tamrin.sort(t, dim, descending),
             lambda t: torch.sort(t, dim, descending), [x])
    check_parity(lambda t: t.argsort(dim, descending), lambda t: t.argsort(dim, descending),
                 [x], grad=False)


@given(shape=shapes(min_dims=1), data=st.data(), seed=seeds)
def test_gather_and_scatter(shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index_shape = tuple(data.draw(st.integers(1, n)) for n in shape)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, shape[dim], index_shape)
    unique = np.argsort(rng.random(shape), axis=dim)  # no position written twice
    unique = unique[tuple(slice(0, n) for n in index_shape)]
    x, src = randn(seed, shape, index_shape)
    check_op(lambda t: t.gather(dim, tamrin.tensor(index)),
             lambda t: t.gather(dim, torch.from_numpy(index)), [x])
    check_op(lambda t, s: t.scatter(dim, tamrin.tensor(unique), s),
             lambda t, s: t.scatter(dim, torch.from_numpy(unique), s), [x, src])
    check_op(lambda t: tamrin.scatter(t, dim, tamrin.tensor(unique), value=2.5),
             lambda t: torch.scatter(t, dim, torch.from_numpy(unique), value=2.5), [x])


@given(shapes_=broadcastable_shapes(2), seed=seeds)
def test_overwrite_is_copy_out_of_place(shapes_, seed):
    x_shape, src_shape = shapes_
    if np.broadcast_shapes(x_shape, src_shape) != tuple(x_shape):
        src_shape = ()  # copy_ broadcasts the source to the tensor, never the reverse
    check_op(overwrite, lambda a, s: a.clone().copy_(s), randn(seed, x_shape, src_shape))


@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_index_put(shape, seed, data):
    rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=3,
                              unique=True))
    x, v = randn(seed, shape, (len(rows), *shape[1:]))
    check_op(lambda t, s: tamrin.index_put(t, tamrin.tensor(rows), s),
             lambda t, s: torch.index_put(t, (torch.tensor(rows),), s), [x, v])


@pytest.mark.parametrize("equation, shapes_", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 1)]), ("bij,bjk->bik",
                                                                    [(2, 2, 3), (2, 3, 2)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (2,)]), ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]), ("bi,bi->b", [(3, 4), (3, 4)]), ("ij,j->i", [(2, 3), (3,)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]), ("ik,jk->ij", [(2, 3), (4, 3)]),
    ("ij,kl->", [(2, 2), (3, 1)]), ("ijk,ik->j", [(2, 3, 4), (2, 4)])])
@given(seed=seeds)
def test_einsum(equation, shapes_, seed):
    check_op(lambda *t: tamrin.einsum(equation, *t), lambda *t: torch.einsum(equation, *t),
             randn(seed, *shapes_))


def test_einsum_takes_a_list_and_rejects_diagonals():
    a = tamrin.ones(2, 2)
    assert tamrin.einsum("ij,jk->ik", [a, a]).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with pytest.raises(ValueError, match="repeated within one operand"):
        tamrin.einsum("ii->i", a)
    with pytest.raises(ValueError, match="do not match an operand with 2 dimensions"):
        tamrin.einsum("ijk->i", a)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=seeds)
def test_meshgrid(indexing, sizes, seed):
    check_op(lambda *t: tamrin.meshgrid(*t, indexing=indexing),
             lambda *t: torch.meshgrid(*t, indexing=indexing), randn(seed, *[(n,) for n in sizes]))


MATMULS = {
    "bmm": ((2, 3, 4), (2, 4, 5)), "mm": ((3, 4), (4, 2)), "mv": ((3, 4), (4,)),
    "dot": ((4,), (4,)),
}


@pytest.mark.parametrize("name", sorted(MATMULS))
@given(seed=seeds)
def test_matrix_products(name, seed):
    check_op(getattr(tamrin, name), getattr(torch, name), randn(seed, *MATMULS[name]))


def test_matrix_products_check_their_shapes():
    with pytest.raises(RuntimeError, match="bmm: expected two 3-D tensors"):
        tamrin.bmm(tamrin.ones(2, 2), tamrin.ones(2, 2))
    with pytest.raises(RuntimeError, match="batch sizes differ"):
        tamrin.bmm(tamrin.ones(2, 2, 2), tamrin.ones(3, 2, 2))
    with pytest.raises(RuntimeError, match="dot: expected two 1-D tensors"):
        tamrin.dot(tamrin.ones(2, 2), tamrin.ones(2))


@given(shapes_=broadcastable_shapes(2), seed=seeds)
def test_max_and_min_of_two_tensors_are_elementwise(shapes_, seed):
    check_op(lambda a, b: tamrin.max(a, b), lambda a, b: torch.max(a, b), randn(seed, *shapes_))
    check_op(lambda a, b: a.min(b), lambda a, b: a.min(b), randn(seed, *shapes_))


@given(shape_dims=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_all_and_any(shape_dims, keepdim, seed):
    shape, dim = shape_dims
    (x,) = randn(seed, shape)
    for name in ("all", "any"):
        check_parity(lambda t, n=name: getattr(t > 0, n)(dim, keepdim) if isinstance(dim, int)
                     else getattr(tamrin, n)(t > 0, dim, keepdim),
                     lambda t, n=name: getattr(torch, n)(t > 0, dim, keepdim), [x], grad=False)


def test_aliases_cannot_be_given_twice():
    with pytest.raises(TypeError, match="both dim and its alias axis"):
        tamrin.ones(2, 2).sum(0, axis=1)


def test_out_writes_into_the_given_tensor():
    for lib in (tamrin, torch):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        out = lib.zeros(2, 2)
        assert lib.matmul(a, a.T, out=out) is out and out.tolist() == [[5.0, 11.0], [11.0, 25.0]]
        lib.mul(a, a, out=out)
        assert out.tolist() == [[1.0, 4.0], [9.0, 16.0]]
        small = lib.zeros(1)
        lib.add(a, 1, out=small)  # resized, as PyTorch (which warns)
        assert small.shape == (2, 2)
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="out=... arguments don't support automatic "
                                               "differentiation"):
            lib.mul(w, w, out=lib.zeros(2))
