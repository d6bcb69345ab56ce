"""PyTorch's custom ``autograd.Function`` (forward/backward on Tensors) and the graph's
PyTorch-facing attributes (``grad_fn.next_functions``, ``grad_fn.name()``)."""

import numpy as np
import pytest

import tamrin
from tamrin.autograd import AccumulateGrad, ArrayFunction

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")


def legendre(lib):
    """P₃(x) = ½(5x³ − 3x), with P₃′(x) = 1.5(5x² − 1): the tutorial's custom Function."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def relu(lib):
    class MyReLU(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def scaled(lib):
    class Scale(lib.autograd.Function):  # PyTorch 2's style, a non-tensor argument
        @staticmethod
        def forward(x, w, factor):
            return x * w * factor

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, w, factor = inputs
            ctx.save_for_backward(x, w)
            ctx.factor = factor

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * w * ctx.factor if ctx.needs_input_grad[0] else None
            gw = (g * x * ctx.factor).sum(0) if ctx.needs_input_grad[1] else None
            return gx, gw, None

    return Scale


@pytest.mark.parametrize("make", [legendre, relu])
def test_tutorial_functions_match_pytorch(make):
    x = np.linspace(-1.5, 1.5, 7)
    results = []
    for lib in (tamrin, torch):
        t = lib.tensor(x, requires_grad=True)
        y = make(lib).apply(t * 2)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_a_custom_function_passes_gradcheck():
    x = tamrin.tensor(np.linspace(-1, 1, 5), dtype=tamrin.float64, requires_grad=True)
    assert tamrin.gradcheck(legendre(tamrin).apply, [x])


def test_setup_context_style_and_needs_input_grad():
    x, w = np.ones((3, 2)), np.array([2.0, 3.0])
    results = []
    for lib in (tamrin, torch):
        tx, tw = lib.tensor(x), lib.tensor(w, requires_grad=True)
        y = scaled(lib).apply(tx, tw, 0.5)
        y.sum().backward()
        results.append((y.detach().numpy(), tw.grad.numpy(), tx.grad))
    np.testing.assert_allclose(results[0][0], results[1][0])
    np.testing.assert_allclose(results[0][1], results[1][1])
    assert results[0][2] is None and results[1][2] is None


def test_the_node_is_named_after_the_function():
    x = tamrin.ones(2, requires_grad=True)
    y = legendre(tamrin).apply(x)
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    assert not y.is_leaf and y.requires_grad


def test_changing_a_saved_tensor_is_caught():
    for lib in (tamrin, torch):
        x = lib.ones(2, requires_grad=True)
        h = x * 1
        y = legendre(lib).apply(h)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_a_wrong_number_of_gradients_is_a_clear_error():
    class Wrong(tamrin.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a, b = tamrin.ones(2, requires_grad=True), tamrin.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)"):
        Wrong.apply(a, b).sum().backward()


def test_next_functions_have_pytorchs_structure():
    def structure(lib):
        w = lib.ones(2, requires_grad=True)
        loss = (w * 2 + lib.ones(2)).sum()
        node = loss.grad_fn
        shape = []
        while node is not None and node.next_functions:
            shape.append(len(node.next_functions))
            node = node.next_functions[0][0]
        return shape, node.name().split("::")[-1], node.variable is w

    assert structure(tamrin) == structure(torch)
    leaf_node = (tamrin.ones(1, requires_grad=True) * 1).grad_fn.next_functions[0][0]
    assert isinstance(leaf_node, AccumulateGrad) and leaf_node.next_functions == ()


def test_array_functions_remain_the_fast_contract():
    class Double(ArrayFunction):
        @staticmethod
        def forward(ctx, a):
            assert isinstance(a, np.ndarray)
            return 2 * a

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    x = tamrin.ones(2, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
