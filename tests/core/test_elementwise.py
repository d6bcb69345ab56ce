"""Element-wise ops: arithmetic (tensor and scalar, both sides), maths, clamp, max/min,
where, comparisons and dtype casts — gradcheck and PyTorch parity on hypothesis shapes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import broadcastable_shapes, check_op, check_parity, randn, seeds, shapes, torch

BINARY = {
    "add": (lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, True),  # True: the second operand must stay away from 0
    "pow": (lambda a, b: a ** b, True),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcastable_shapes(), seed=seeds)
def test_binary_tensor_tensor_broadcasting(name, pair, seed):
    op, positive = BINARY[name]
    a, b = randn(seed, *pair, positive=positive)
    check_op(op, op, [a, b])


SCALAR_OPS = {
    "x + s": lambda x: x + 2.5,
    "s + x": lambda x: 2.5 + x,
    "x - s": lambda x: x - 2.5,
    "s - x": lambda x: 2.5 - x,
    "x * s": lambda x: x * -1.5,
    "s * x": lambda x: -1.5 * x,
    "x / s": lambda x: x / 4.0,
    "s / x": lambda x: 3.0 / x,
    "x ** 2": lambda x: x ** 2,
    "x ** 2.5": lambda x: x ** 2.5,
    "x ** -1": lambda x: x ** -1,
    "x ** 0": lambda x: x ** 0,
    "s ** x": lambda x: 1.7 ** x,
    "x + int": lambda x: x + 3,
    "int * x": lambda x: 3 * x,
}


@pytest.mark.parametrize("name", sorted(SCALAR_OPS))
@given(shape=shapes(), seed=seeds)
def test_scalar_operand_on_either_side(name, shape, seed):
    op = SCALAR_OPS[name]
    (x,) = randn(seed, shape, positive=True)  # positive: x ** 2.5 and 3 / x are defined
    check_op(op, op, [x])


UNARY = {
    "neg": (lambda x: -x, lambda x: -x, False),
    "exp": (tamrin.exp, lambda x: x.exp(), False),
    "log": (tamrin.log, lambda x: x.log(), True),
    "sqrt": (tamrin.sqrt, lambda x: x.sqrt(), True),
    "abs": (tamrin.abs, lambda x: x.abs(), False),
    "abs-operator": (lambda x: abs(x), lambda x: abs(x), False),
    "sin": (tamrin.sin, lambda x: x.sin(), False),
    "cos": (lambda x: x.cos(), lambda x: x.cos(), False),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), False),
    "clamp-min": (lambda x: tamrin.clamp(x, min=0.1), lambda x: x.clamp(min=0.1), False),
    "clamp-max": (lambda x: tamrin.clamp(x, max=-0.2), lambda x: x.clamp(max=-0.2), False),
    "clone": (tamrin.clone, lambda x: x.clone(), False),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes(), seed=seeds)
def test_unary(name, shape, seed):
    fn, torch_fn, positive = UNARY[name]
    (x,) = randn(seed, shape, positive=positive)
    check_op(fn, torch_fn, [x])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(pair=broadcastable_shapes(), seed=seeds)
def test_maximum_minimum(name, pair, seed):
    a, b = randn(seed, *pair)
    check_op(getattr(tamrin, name), lambda x, y: getattr(torch, name)(x, y), [a, b])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_split_the_gradient_of_a_tie(name):
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, 5.0])  # a tie at element 0: each side gets half, as torch
    check_op(getattr(tamrin, name), lambda x, y: getattr(torch, name)(x, y), [a, b],
             gradcheck=False)


@given(shapes3=broadcastable_shapes(num_shapes=3), seed=seeds)
def test_where_broadcasting(shapes3, seed):
    c, a, b = randn(seed, *shapes3)
    cond = np.asarray(c > 0)
    check_op(lambda x, y: tamrin.where(tamrin.tensor(cond), x, y),
             lambda x, y: torch.where(torch.from_numpy(cond), x, y), [a, b])


def test_where_with_a_scalar_branch_and_a_bad_condition():
    x = tamrin.tensor([-1.0, 2.0], requires_grad=True)
    y = tamrin.where(x > 0, x, 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])
    assert y.dtype == tamrin.float32
    with pytest.raises(TypeError, match="where: condition must be a bool tensor"):
        tamrin.where(x, x, x)


COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]


@pytest.mark.parametrize("name", COMPARISONS)
@given(pair=broadcastable_shapes(), seed=seeds)
def test_comparisons_are_boolean_and_carry_no_gradient(name, pair, seed):
    a, b = randn(seed, *pair)
    b = np.where(randn(seed + 1, b.shape)[0] > 0.5, 0.0, b)  # some ties for eq/le/ge
    a = np.where(randn(seed + 2, a.shape)[0] > 0.5, 0.0, a)
    check_parity(getattr(tamrin, name), lambda x, y: getattr(torch, name)(x, y), [a, b],
                 grad=False)
    x = tamrin.tensor(a, requires_grad=True)
    out = getattr(tamrin, name)(x, tamrin.tensor(b))
    assert out.dtype == np.bool_ and not out.requires_grad


def test_comparison_operators_with_scalars():
    x = tamrin.tensor([1.0, 2.0, 3.0])
    assert (x == 2).tolist() == [False, True, False]
    assert (x != 2).tolist() == [True, False, True]
    assert (x < 2).tolist() == [True, False, False]
    assert (x <= 2).tolist() == [True, True, False]
    assert (x > 2).tolist() == [False, False, True]
    assert (x >= 2).tolist() == [False, True, True]
    assert (x > 2).tolist() == [False, False, True]


CASTS = {
    "double": (lambda x: x.double(), lambda x: x.double()),
    "float": (lambda x: x.float(), lambda x: x.float()),
    "to-float64": (lambda x: x.to(tamrin.float64), lambda x: x.to(torch.float64)),
    "to-float32": (lambda x: x.to(tamrin.float32), lambda x: x.to(torch.float32)),
}


@pytest.mark.parametrize("name", sorted(CASTS))
@given(shape=shapes(), seed=seeds)
def test_float_casts_are_differentiable(name, shape, seed):
    fn, torch_fn = CASTS[name]
    (x,) = randn(seed, shape)
    lossless = name in ("double", "to-float64")  # finite differences through float32 are not
    check_op(lambda t: fn(t) * 2.0, lambda t: torch_fn(t) * 2.0, [x], gradcheck=lossless)


def test_integer_casts_cut_the_graph():
    x = tamrin.tensor([1.7, -2.2], requires_grad=True)
    for cast, dtype in [(x.long, np.int64), (x.int, np.int32), (x.bool, np.bool_)]:
        y = cast()
        assert y.dtype == dtype and not y.requires_grad
    assert x.long().tolist() == [1, -2]
    assert x.to(tamrin.float32) is x  # no-op cast returns the tensor itself, as torch


def test_integer_tensors_true_division_and_float_scalars():
    i = tamrin.tensor([1, 2, 3])
    assert i.dtype == np.int64
    assert (i / 2).dtype == tamrin.float32
    np.testing.assert_allclose((i / 2).numpy(), [0.5, 1.0, 1.5])
    assert (i * 2.5).dtype == tamrin.float32
    assert (i + 1).dtype == np.int64


@given(shape=shapes(min_dims=1), seed=seeds, dtypes=st.permutations(["float32", "float64"]))
def test_mixed_dtypes_promote_to_the_wider(shape, seed, dtypes):
    # (torch treats a 0-d tensor like a Python scalar here; tamrin's rule is simply "wider")
    a, b = randn(seed, shape, shape[-1:])
    check_parity(lambda x, y: x.to(dtypes[0]) * y.to(dtypes[1]),
                 lambda x, y: x.to(getattr(torch, dtypes[0])) * y.to(getattr(torch, dtypes[1])),
                 [a, b], dtype=np.float32)


@pytest.mark.parametrize("name, symbol", [("add", "+"), ("sub", "-"), ("mul", "*"),
                                          ("div", "/"), ("maximum", None)])
def test_broadcast_error_names_the_op_and_both_shapes(name, symbol):
    a, b = tamrin.ones(2, 3), tamrin.ones(4, 3)
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\) and \(4, 3\) cannot be "
                                         "broadcast"):
        getattr(tamrin, name)(a, b)


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        tamrin.clamp(tamrin.ones(2))
