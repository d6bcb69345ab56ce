"""Shape and indexing ops: reshape/view, transpose, permute, .T, flatten, squeeze/unsqueeze,
expand, indexing (basic, integer arrays with repeats, boolean masks), cat, stack, pad,
split/chunk."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import check_op, randn, seeds, shapes, torch


def _reverse_dims(t):
    return t.permute(*reversed(range(t.ndim)))


@given(shape=shapes(), seed=seeds, data=st.data())
def test_reshape_and_view(shape, seed, data):
    (x,) = randn(seed, shape)
    size = int(np.prod(shape))
    new = data.draw(st.sampled_from([(size,), (-1,), (1, size), (size, 1, 1), (1, -1)]))
    check_op(lambda t: t.reshape(new), lambda t: t.reshape(new), [x])
    check_op(lambda t: t.view(*new) * 2, lambda t: t.view(*new) * 2, [x])


@given(shape=shapes(min_dims=1, max_dims=4), seed=seeds, data=st.data())
def test_transpose_permute_and_T(shape, seed, data):
    (x,) = randn(seed, shape)
    n = len(shape)
    d0, d1 = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    perm = data.draw(st.permutations(range(n)))
    check_op(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [x])
    check_op(lambda t: t.permute(*perm), lambda t: t.permute(*perm), [x])
    check_op(lambda t: t.T, _reverse_dims, [x])


def test_matrix_T_and_mT():
    x = np.arange(6.0).reshape(2, 3)
    check_op(lambda t: t.T, lambda t: t.T, [x])
    check_op(lambda t: t.mT, lambda t: t.mT, [x])


@given(shape=shapes(max_dims=4), seed=seeds, data=st.data())
def test_flatten(shape, seed, data):
    (x,) = randn(seed, shape)
    n = max(len(shape), 1)
    start = data.draw(st.integers(-n, n - 1))
    end = data.draw(st.integers(start % n, n - 1))
    check_op(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), [x])
    check_op(tamrin.flatten, torch.flatten, [x])


@given(shape=shapes(max_dims=4, max_side=2), seed=seeds, data=st.data())
def test_squeeze_unsqueeze(shape, seed, data):
    (x,) = randn(seed, shape)
    n = len(shape)
    new_axis = data.draw(st.integers(-n - 1, n))
    check_op(lambda t: t.squeeze(), lambda t: t.squeeze(), [x])
    check_op(lambda t: t.unsqueeze(new_axis), lambda t: t.unsqueeze(new_axis), [x])
    if n:
        d = data.draw(st.integers(-n, n - 1))
        check_op(lambda t: t.squeeze(d), lambda t: t.squeeze(d), [x])


@given(shape=shapes(max_dims=3, max_side=3), seed=seeds, data=st.data())
def test_expand(shape, seed, data):
    (x,) = randn(seed, shape)
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = (*lead, *(data.draw(st.integers(1, 3)) if n == 1 else -1 for n in shape))
    check_op(lambda t: t.expand(sizes), lambda t: t.expand(sizes), [x])
    check_op(lambda t: t.expand_as(tamrin.zeros(*t.expand(sizes).shape)),
             lambda t: t.expand(sizes), [x])


BASIC_INDICES = [
    1, -1, slice(None), slice(1, None), slice(None, None, -1), slice(0, 3, 2),
    (Ellipsis, 0), (slice(None), None, 1), (0, slice(1, 3)), (None,), (-2, Ellipsis, 1),
]


@pytest.mark.parametrize("index", BASIC_INDICES, ids=repr)
def test_basic_indexing(index):
    (x,) = randn(1, (4, 3, 2))
    torch_index = index
    if isinstance(index, slice) and (index.step or 1) < 0:  # torch has no negative steps
        check_op(lambda t: t[index], lambda t: t.flip(0), [x])
        return
    check_op(lambda t: t[torch_index], lambda t: t[torch_index], [x])


@given(shape=shapes(min_dims=1, max_dims=3), seed=seeds, data=st.data())
def test_integer_array_indexing_with_repeats_scatter_adds(shape, seed, data):
    (x,) = randn(seed, shape)
    n = shape[0]
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6)))
    check_op(lambda t: t[idx], lambda t: t[torch.from_numpy(idx)], [x])
    check_op(lambda t: t[tamrin.tensor(idx)], lambda t: t[torch.from_numpy(idx)], [x])


def test_integer_array_index_repeated_element_gets_summed_gradient():
    x = tamrin.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    (m,) = randn(2, (3, 4))
    rows, cols = np.array([0, 2, 0]), np.array([1, 1, 1])
    check_op(lambda t: t[rows, cols], lambda t: t[rows, cols], [m])
    check_op(lambda t: t[:, [3, 3, 0]], lambda t: t[:, [3, 3, 0]], [m])


@given(shape=shapes(min_dims=1), seed=seeds)
def test_boolean_mask_indexing(shape, seed):
    x, m = randn(seed, shape, shape)
    mask = m > 0
    check_op(lambda t: t[tamrin.tensor(mask)], lambda t: t[torch.from_numpy(mask)], [x])
    row_mask = mask.reshape(-1)[: shape[0]].copy()
    check_op(lambda t: t[row_mask], lambda t: t[torch.from_numpy(row_mask)], [x])


def test_index_error_names_the_shape():
    with pytest.raises(IndexError, match=r"tensor shape \(2, 3\)"):
        tamrin.ones(2, 3)[5]


@given(shape=shapes(min_dims=1), seed=seeds, data=st.data(), n=st.integers(1, 3))
def test_cat_along_any_dim(shape, seed, data, n):
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    parts = [tuple(s if i == d % len(shape) else m for i, m in enumerate(shape)) for s in sizes]
    arrays = randn(seed, *parts)
    check_op(lambda *ts: tamrin.cat(ts, d), lambda *ts: torch.cat(ts, d), arrays)


@given(shape=shapes(), seed=seeds, data=st.data(), n=st.integers(1, 3))
def test_stack_along_any_dim(shape, seed, data, n):
    d = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = randn(seed, *[shape] * n)
    check_op(lambda *ts: tamrin.stack(ts, d), lambda *ts: torch.stack(ts, d), arrays)


def test_cat_and_stack_shape_errors():
    with pytest.raises(ValueError, match=r"cat: all shapes must match except along dim 0"):
        tamrin.cat([tamrin.ones(2, 3), tamrin.ones(2, 4)])
    with pytest.raises(ValueError, match=r"stack: all tensors must have the same shape"):
        tamrin.stack([tamrin.ones(2), tamrin.ones(3)])


@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_pad(shape, seed, data):
    (x,) = randn(seed, shape)
    n_pairs = data.draw(st.integers(1, len(shape)))
    widths = data.draw(st.lists(st.integers(0, 2), min_size=2 * n_pairs, max_size=2 * n_pairs))
    value = data.draw(st.sampled_from([0.0, -1.5]))
    check_op(lambda t: tamrin.pad(t, widths, value=value),
             lambda t: torch.nn.functional.pad(t, widths, value=value), [x])


@given(shape=shapes(min_dims=1), seed=seeds, data=st.data())
def test_split_and_chunk(shape, seed, data):
    (x,) = randn(seed, shape)
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[d]
    size = data.draw(st.integers(1, n))
    check_op(lambda t: t.split(size, d), lambda t: t.split(size, d), [x])
    check_op(lambda t: t.chunk(size, d), lambda t: t.chunk(size, d), [x])
    sections = data.draw(st.lists(st.integers(0, n), min_size=1, max_size=3))
    sizes = [*sections, n - sum(sections)] if sum(sections) <= n else [n]
    check_op(lambda t: tamrin.split(t, sizes, d), lambda t: torch.split(t, sizes, d), [x])


def test_reshape_and_matmul_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot view a tensor of shape \(2, 3\)"):
        tamrin.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"expand: cannot expand shape \(2,\) to \(3,\)"):
        tamrin.ones(2).expand(3)
