"""gradcheck itself: it passes correct backwards and FAILS wrong ones, naming the worst
element — a gradient checker that cannot fail would make every op test worthless."""

import numpy as np
import pytest

import tamrin
from tamrin.autograd import ArrayFunction


class WrongSquare(ArrayFunction):
    """z = a², with the backward wrong by a factor: 3a instead of 2a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_arrays
        return g * 3 * a


class OneWrongElement(ArrayFunction):
    """z = 2a, whose backward is right except at one element (index 1 of the last axis)."""

    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, g):
        out = 2 * g
        out[..., 1] += 0.5
        return out


class NaNBackward(ArrayFunction):
    """z = a, whose backward returns NaN."""

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g * np.nan


class WrongSecondInput(ArrayFunction):
    """z = a·b with ∂z/∂b wrongly taken as b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_arrays
        return g * b, g * b


def x64(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape) + 3.0
    return tamrin.tensor(data, dtype=tamrin.float64, requires_grad=True)


def test_gradcheck_passes_a_correct_backward():
    assert tamrin.gradcheck(lambda a, b: (a * b).exp() / b, [x64(3, 2), x64(2, seed=1)])


def test_gradcheck_fails_a_wrong_backward():
    with pytest.raises(tamrin.GradcheckError, match="gradients disagree"):
        tamrin.gradcheck(WrongSquare.apply, [x64(3)])
    assert tamrin.gradcheck(WrongSquare.apply, [x64(3)], raise_exception=False) is False


def test_gradcheck_reports_the_worst_element_and_its_two_values():
    with pytest.raises(tamrin.GradcheckError,
                       match=r"input 0 \(shape \(2, 3\)\) element \(\d, 1\): analytical"):
        tamrin.gradcheck(OneWrongElement.apply, [x64(2, 3)])


def test_gradcheck_names_the_wrong_input():
    with pytest.raises(tamrin.GradcheckError, match=r"worst is input 1 "):
        tamrin.gradcheck(WrongSecondInput.apply, [x64(2), x64(2, seed=1)])


def test_gradcheck_fails_on_nan():
    with pytest.raises(tamrin.GradcheckError, match="analytical nan"):
        tamrin.gradcheck(NaNBackward.apply, [x64(2)])


def test_gradcheck_checks_only_inputs_that_require_grad():
    a, b = x64(2), tamrin.tensor([1.0, 2.0], dtype=tamrin.float64)
    assert tamrin.gradcheck(WrongSecondInput.apply, [a, b])  # b's wrong gradient is unused


def test_gradcheck_leaves_the_callers_tensors_alone():
    a = x64(3, 2)
    transposed = tamrin.tensor(a.numpy().T, dtype=tamrin.float64)  # a non-contiguous view
    before = transposed.numpy().copy()
    assert tamrin.gradcheck(lambda t: t.exp(), [transposed])
    np.testing.assert_array_equal(transposed.numpy(), before)
    assert transposed.grad is None


def test_gradcheck_of_a_function_with_several_outputs_and_integer_outputs():
    assert tamrin.gradcheck(lambda t: t.max(1), [x64(3, 4)])
    assert tamrin.gradcheck(lambda t: t.split(1), [x64(3, 2)])


def test_gradcheck_rejects_a_function_without_differentiable_outputs():
    with pytest.raises(tamrin.GradcheckError, match="no output of fn requires grad"):
        tamrin.gradcheck(lambda t: t.detach(), [x64(2)])


# ---- the shared op-test helper must be able to fail too ----------------------------------

def test_parity_check_fails_on_a_wrong_forward_dtype_or_gradient():
    from .helpers import check_op, check_parity, torch

    x = [np.array([1.0, 2.0])]
    with pytest.raises(AssertionError, match="forward output 0"):
        check_parity(lambda t: t * 2, lambda t: t * 3, x, grad=False)
    with pytest.raises(AssertionError, match="dtype"):
        check_parity(lambda t: t.double(), lambda t: t, x, dtype=np.float32, grad=False)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_parity(WrongSquare.apply, lambda t: t * t, x)
    with pytest.raises(tamrin.GradcheckError):
        check_op(WrongSquare.apply, lambda t: torch.square(t), x)
