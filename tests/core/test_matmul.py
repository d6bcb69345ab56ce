"""Matrix multiplication: 2-D, batched with broadcasting, and PyTorch's 1-D rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import check_op, randn, seeds, torch


@st.composite
def matmul_shapes(draw):
    """Shapes (a, b) that matmul accepts: 1-D or n-D each, batch dims broadcasting."""
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    batch_b = [1 if draw(st.booleans()) else s for s in batch]
    a = (k,) if draw(st.booleans()) else (*batch[draw(st.integers(0, len(batch))):], n, k)
    b = (k,) if draw(st.booleans()) else (*batch_b[draw(st.integers(0, len(batch))):], k, m)
    return a, b


@given(ab=matmul_shapes(), seed=seeds)
def test_matmul_batched_and_1d(ab, seed):
    a, b = randn(seed, *ab)
    check_op(lambda x, y: x @ y, lambda x, y: x @ y, [a, b])


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)),
                                    ((4, 2, 3), (3,)), ((3,), (4, 3, 2)),
                                    ((2, 1, 2, 3), (5, 3, 2))], ids=str)
def test_matmul_edge_shapes(shapes):
    a, b = randn(0, *shapes)
    check_op(tamrin.matmul, torch.matmul, [a, b])


def test_matmul_with_one_side_constant():
    a, b = randn(3, (2, 3), (3, 4))
    check_op(lambda x: x @ tamrin.tensor(b, dtype=x.dtype),
             lambda x: x @ torch.from_numpy(b).to(x.dtype), [a])


def test_matmul_shape_error_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be "
                                         r"multiplied \(inner dimensions 3 and 4"):
        tamrin.ones(2, 3) @ tamrin.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 2, 3\) and \(3, 3, 2\) cannot be "
                                         r"multiplied \(batch dimensions \(2,\) and \(3,\) must "
                                         r"broadcast\)"):
        tamrin.ones(2, 2, 3) @ tamrin.ones(3, 3, 2)
    with pytest.raises(ValueError, match=r"matmul: both arguments need at least 1 dimension"):
        tamrin.ones(()) @ tamrin.ones(3)
