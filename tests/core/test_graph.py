"""The graph walk: accumulation, retain_graph, freed graphs, no_grad, detach, shared
tensors, the 100,000-op chain, hooks, retain_grad, anomaly detection, seeding."""

import numpy as np
import pytest

import tamrin
from tamrin.autograd import ArrayFunction, detect_anomaly


def leaf(*values):
    return tamrin.tensor(list(values), dtype=tamrin.float64, requires_grad=True)


def test_gradients_accumulate_across_backward_calls():
    x = leaf(1.0, 2.0)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_retain_graph_allows_a_second_backward():
    x = leaf(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_backward_twice_through_a_freed_graph_is_a_clear_error():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"second time .*retain_graph=True"):
        y.backward()


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = leaf(1.0, 2.0)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(2,\)"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\)"):
        y.backward(tamrin.ones(3))
    y.backward(tamrin.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_backward_on_a_tensor_without_grad_is_a_clear_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tamrin.ones(2).sum().backward()


def test_backward_on_a_leaf():
    x = tamrin.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_no_grad_as_context_manager_and_decorator():
    x = leaf(1.0)
    with tamrin.no_grad():
        y = x * 2
        assert not tamrin.is_grad_enabled()
        with tamrin.enable_grad():
            assert (x * 2).requires_grad
    assert tamrin.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @tamrin.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert tamrin.is_grad_enabled()


def test_set_grad_enabled_as_call_context_and_decorator():
    x = leaf(1.0)
    with tamrin.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    tamrin.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        tamrin.set_grad_enabled(True)

    @tamrin.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert tamrin.is_grad_enabled()  # decorating does not flip the switch
    assert not f(x).requires_grad


def test_no_grad_restores_the_switch_after_an_exception():
    with pytest.raises(ValueError), tamrin.no_grad():
        raise ValueError("inside no_grad")
    assert tamrin.is_grad_enabled()


def test_detach_shares_data_and_cuts_the_graph():
    x = leaf(1.0, 2.0)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    z = x * 2
    d = z.detach()
    d.numpy()[0] = 100.0
    assert z.numpy()[0] == 100.0  # same memory, as torch
    (x * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


@pytest.mark.parametrize("fn, expected", [
    (lambda x: x * x, lambda v: 2 * v),
    (lambda x: x + x + x, lambda v: 3 + 0 * v),
    (lambda x: (x * 2) * (x.exp()), lambda v: 2 * np.exp(v) + 2 * v * np.exp(v)),
    (lambda x: x / x.sum(), None),
])
def test_a_tensor_used_many_times_in_one_graph(fn, expected):
    v = np.array([0.5, -1.0, 2.0])
    x = tamrin.tensor(v, dtype=tamrin.float64, requires_grad=True)
    fn(x).sum().backward()
    if expected is not None:
        np.testing.assert_allclose(x.grad.numpy(), expected(v))
    tamrin.gradcheck(fn, [tamrin.tensor(v, dtype=tamrin.float64, requires_grad=True)])


def test_diamond_graph():
    x = leaf(0.3, -0.7)
    a = x.sin()
    b, c = a * 2, a.exp()
    (b * c).sum().backward()
    v = np.array([0.3, -0.7])
    s = np.sin(v)
    expected = (2 * np.exp(s) + 2 * s * np.exp(s)) * np.cos(v)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_a_chain_of_100000_ops_needs_no_recursion():
    x = tamrin.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0
    assert y.item() == 100_001.0


def test_two_leaves_never_share_a_grad_array():
    a, b = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (a + b).sum().backward()
    a.grad.numpy()[0] = 99.0
    assert b.grad.numpy()[0] == 1.0
    c, d = leaf(1.0, 2.0), leaf(3.0, 4.0)
    y = c + d
    y.retain_grad()
    y.backward(tamrin.tensor([1.0, 1.0], dtype=tamrin.float64))
    c.grad.zero_()
    assert y.grad.numpy().tolist() == [1.0, 1.0] and d.grad.numpy().tolist() == [1.0, 1.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf(1.0, 2.0)
    y = x * 3
    y.retain_grad()
    z = y * y
    assert z.grad is None
    z.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * y.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 3 * 2 * y.numpy())


class ScaleTwice(ArrayFunction):
    """(2a, 3a): an op with two outputs.   Backward: 2·g₁ + 3·g₂."""

    @staticmethod
    def forward(ctx, a):
        return a * 2, a * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return 2 * g1 + 3 * g2


def test_an_op_with_two_outputs_when_one_is_unused():
    x = leaf(1.0, 2.0)
    p, q = ScaleTwice.apply(x)
    assert p.grad_fn is q.grad_fn
    (q * q).sum().backward()  # p takes no part: its gradient is zero
    np.testing.assert_allclose(x.grad.numpy(), 3 * 2 * q.numpy())


def test_retain_grad_and_hooks_on_several_outputs_of_one_op():
    x = leaf(1.0, 2.0)
    p, q = ScaleTwice.apply(x)
    p.retain_grad()
    q.retain_grad()
    seen = []
    q.register_hook(lambda g: seen.append(g.numpy().copy()))
    (p * 5 + q * 7).sum().backward()
    assert p.grad.numpy().tolist() == [5.0, 5.0]
    assert q.grad.numpy().tolist() == [7.0, 7.0]
    assert seen[0].tolist() == [7.0, 7.0]
    assert x.grad.numpy().tolist() == [2 * 5 + 3 * 7] * 2


def test_hooks_see_and_may_replace_the_gradient():
    x = leaf(1.0, 2.0)
    seen = []
    remove = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    x.register_hook(lambda g: g * 10)
    y = x * 2
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [4.0, 4.0])  # (1 + 1) · 2
    np.testing.assert_allclose(x.grad.numpy(), [40.0, 40.0])
    remove()
    x.grad = None
    (x * 1).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tamrin.ones(1).register_hook(print)


def test_detect_anomaly_names_the_forward_op_that_made_nan():
    x = leaf(-1.0, 4.0)
    with detect_anomaly(), pytest.raises(RuntimeError, match=r"forward of Log produced NaN"):
        (x * 2).log()
    assert (x * 2).log() is not None  # off again outside the block


def test_detect_anomaly_names_the_backward_op_that_made_inf():
    x = leaf(0.0, 4.0)
    with detect_anomaly():
        y = (x.sqrt() * 3).sum()  # sqrt(0) = 0 is fine, its derivative is not
        with pytest.raises(RuntimeError, match=r"backward of SqrtBackward returned NaN/Inf"):
            y.backward()


def test_manual_seed_makes_every_draw_reproducible():
    def draws():
        return [tamrin.randn(3).numpy(), tamrin.rand(2, 2).numpy(), tamrin.randperm(5).numpy(),
                tamrin.randint(0, 10, (4,)).numpy()]

    tamrin.manual_seed(123)
    first = draws()
    tamrin.manual_seed(123)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tamrin.manual_seed(124)
    assert not np.array_equal(tamrin.randn(3).numpy(), first[0])
    state = tamrin.get_rng_state()
    after = tamrin.randn(3).numpy()
    tamrin.set_rng_state(state)
    np.testing.assert_array_equal(tamrin.randn(3).numpy(), after)


def test_grad_fn_and_repr_of_graph_nodes():
    x = leaf(1.0)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward" and not y.is_leaf and x.is_leaf
    assert "grad_fn=<MulBackward>" in repr(y)
    with pytest.raises(RuntimeError, match="only change requires_grad of leaf"):
        y.requires_grad_(False)


@pytest.mark.parametrize("hook", [lambda g: g.clamp(max=2.5), lambda g: g * g,
                                  lambda g: None])
def test_a_leaf_hook_runs_once_on_the_gradient_summed_over_all_uses(hook):
    """x feeds two consumers (x·2 and x·3): PyTorch calls the hook once with 5, not with 3
    and then 2 — a nonlinear hook (clamp, square) tells the two apart."""
    from tests.oracle import torch

    results = []
    for lib in (tamrin, torch):
        x = lib.tensor([1.0, -0.5], dtype=lib.float64, requires_grad=True)
        seen = []
        x.register_hook(lambda g, seen=seen: (seen.append(g.detach().numpy().copy()),
                                              hook(g))[1])
        (x * 2 + x * 3).sum().backward()
        results.append((seen, x.grad.detach().numpy()))
    (t_seen, t_grad), (p_seen, p_grad) = results
    assert len(t_seen) == len(p_seen) == 1
    np.testing.assert_allclose(t_seen[0], p_seen[0])
    np.testing.assert_allclose(t_grad, p_grad)


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/", "@"])
def test_operators_record_the_same_node_as_the_general_apply(symbol):
    """``a ⊕ b`` on two Tensors goes through ``ArrayFunction.apply_pair``: the same node,
    versions, gradients and no-grad behaviour as the general ``apply``."""
    from tamrin.ops.elementwise import Add, Div, Mul, Sub
    from tamrin.ops.matmul import MatMul

    op = {"+": Add, "-": Sub, "*": Mul, "/": Div, "@": MatMul}[symbol]
    apply_operator = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
                      "*": lambda x, y: x * y, "/": lambda x, y: x / y,
                      "@": lambda x, y: x @ y}[symbol]
    results = []
    for make in (apply_operator, op.apply):
        a = tamrin.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        b = tamrin.tensor([[0.5, -1.0], [2.0, 1.5]])
        out = make(a, b)
        assert out.grad_fn.name() == f"{op.__name__}Backward"
        assert [type(n).__name__ for n, _ in out.grad_fn.next_functions] == \
            ["AccumulateGrad", "NoneType"]
        out.sum().backward()
        results.append((out.numpy(), a.grad.numpy()))
        with tamrin.no_grad():
            assert make(a, b).grad_fn is None and not make(a, b).requires_grad
        stale = make(a, b)
        b.add_(1.0)  # a saved input changed in place: its backward must refuse
        if symbol in "*/@":
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                stale.sum().backward()
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
