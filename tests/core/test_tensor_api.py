"""The Tensor API: construction, creation functions, the dtype policy, attributes and
conversions, in-place helpers, printing."""

import numpy as np
import pytest

import tamrin


def test_tensor_from_python_and_numpy_data_uses_float32_by_default():
    assert tamrin.tensor(1.5).dtype == tamrin.float32
    assert tamrin.tensor([1.0, 2.0]).dtype == tamrin.float32
    assert tamrin.tensor(np.zeros(3)).dtype == tamrin.float32  # float64 array → float32
    assert tamrin.tensor(np.zeros(3), dtype=tamrin.float64).dtype == tamrin.float64
    assert tamrin.tensor([1, 2]).dtype == tamrin.int64
    assert tamrin.tensor([True, False]).dtype == tamrin.bool_
    assert tamrin.tensor(np.zeros(2, np.float16)).dtype == tamrin.float16
    assert tamrin.Tensor([1.0]).dtype == tamrin.float32


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    a = np.zeros(3, np.float32)
    t = tamrin.tensor(a)
    a[0] = 1.0
    assert t.numpy()[0] == 0.0
    s = tamrin.from_numpy(a)
    a[1] = 2.0
    assert s.numpy()[1] == 2.0 and s.dtype == np.float32


def test_data_that_is_not_an_array_of_numbers_is_a_clear_error():
    with pytest.raises(ValueError, match="tensor: cannot make a tensor from this data: .*"
                                         "inhomogeneous"):
        tamrin.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="tensor: cannot make a tensor from this data"):
        tamrin.tensor(["1.5", "x"], dtype=tamrin.float32)
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from data of dtype <U1"):
        tamrin.tensor(["a"])


def test_tensor_of_a_tensor_keeps_its_dtype():
    t64 = tamrin.tensor([1.0], dtype=tamrin.float64)
    assert tamrin.tensor(t64).dtype == tamrin.float64


def test_requires_grad_only_for_floating_tensors():
    x = tamrin.tensor([1.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None
    with pytest.raises(RuntimeError, match="only floating-point tensors can require grad"):
        tamrin.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="cannot make a tensor from data of dtype"):
        tamrin.tensor(["a"])


@pytest.mark.parametrize("make, shape, dtype", [
    (lambda: tamrin.zeros(2, 3), (2, 3), np.float32),
    (lambda: tamrin.zeros((2, 3), dtype=tamrin.float64), (2, 3), np.float64),
    (lambda: tamrin.ones(4), (4,), np.float32),
    (lambda: tamrin.ones([]), (), np.float32),
    (lambda: tamrin.full((2,), 7.0), (2,), np.float32),
    (lambda: tamrin.full((2,), 7), (2,), np.int64),
    (lambda: tamrin.arange(5), (5,), np.int64),
    (lambda: tamrin.arange(0.0, 1.0, 0.25), (4,), np.float32),
    (lambda: tamrin.arange(1, 7, 2, dtype=tamrin.float64), (3,), np.float64),
    (lambda: tamrin.randn(3, 2), (3, 2), np.float32),
    (lambda: tamrin.rand((2, 2)), (2, 2), np.float32),
    (lambda: tamrin.randn(2, dtype=tamrin.float64), (2,), np.float64),
    (lambda: tamrin.zeros_like(tamrin.ones(2, dtype=tamrin.float64)), (2,), np.float64),
    (lambda: tamrin.ones_like(tamrin.zeros(3, 1)), (3, 1), np.float32),
    (lambda: tamrin.eye(3), (3, 3), np.float32),
    (lambda: tamrin.linspace(0, 1, 5), (5,), np.float32),
], ids=lambda v: v if isinstance(v, str) else None)
def test_creation_functions(make, shape, dtype):
    t = make()
    assert t.shape == shape and t.dtype == dtype and not t.requires_grad


def test_creation_values_and_requires_grad():
    assert tamrin.zeros(2).tolist() == [0.0, 0.0]
    assert tamrin.ones(2, requires_grad=True).requires_grad
    assert tamrin.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert tamrin.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tamrin.ones_like(tamrin.zeros(2)).tolist() == [1.0, 1.0]
    r = tamrin.rand(1000)
    assert r.numpy().min() >= 0 and r.numpy().max() < 1
    n = tamrin.randn(2000).numpy()
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1


def test_attributes_and_conversions():
    x = tamrin.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(-1) == 3 and len(x) == 2
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.numpy()
    assert x[1, 2].item() == 6.0 and isinstance(x[1, 2].item(), float)
    assert float(x[0, 0]) == 1.0 and int(x[1, 0]) == 4
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert [row.tolist() for row in x] == x.tolist()
    assert np.asarray(x).dtype == np.float32
    with pytest.raises(ValueError, match=r"only a tensor with one element .* shape \(2, 3\)"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)


def test_detach_requires_grad_and_zero():
    x = tamrin.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad_()
    d = x.detach()
    assert not d.requires_grad and d.numpy() is x.numpy()
    y = tamrin.tensor([3.0, 4.0])
    assert y.zero_() is y and y.tolist() == [0.0, 0.0]


def test_python_scalars_keep_float32():
    x = tamrin.ones(2)
    for y in (x * 2.5, 2.5 * x, x + 1, x - 0.1, x / 3.0, 1.0 / x, x ** 2.0, 2.0 ** x,
              -x, x.exp() * 1e-3):
        assert y.dtype == tamrin.float32
    assert (tamrin.ones(2, dtype=tamrin.float64) * 2.5).dtype == tamrin.float64


def test_dtype_promotion_rule():
    f32, f64 = tamrin.ones(2), tamrin.ones(2, dtype=tamrin.float64)
    i64 = tamrin.tensor([1, 2])
    assert (f32 + f64).dtype == tamrin.float64
    assert (f64 * f32).dtype == tamrin.float64
    assert (i64 + f32).dtype == tamrin.float32  # int ⊕ float → the float dtype, as torch
    assert (f64 - i64).dtype == tamrin.float64
    assert (i64 * 2).dtype == tamrin.int64
    x = tamrin.ones(2, requires_grad=True)
    (x * f64).sum().backward()
    assert x.grad.dtype == tamrin.float32  # a gradient has its tensor's dtype


def test_repr():
    assert repr(tamrin.tensor([1.0, 2.5])) == "tensor([1. , 2.5])"
    assert repr(tamrin.tensor([1, 2])) == "tensor([1, 2])"
    assert "dtype=tamrin.float64" in repr(tamrin.tensor([1.0], dtype=tamrin.float64))
    assert "requires_grad=True" in repr(tamrin.tensor(1.0, requires_grad=True))
    assert "grad_fn=<AddBackward>" in repr(tamrin.tensor(1.0, requires_grad=True) + 1)


def test_ndarray_on_the_left_of_an_operator_gives_a_tensor():
    x = tamrin.ones(2, requires_grad=True)
    y = np.array([2.0, 3.0]) * x
    assert isinstance(y, tamrin.Tensor) and y.requires_grad
