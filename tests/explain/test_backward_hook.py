"""Module.register_full_backward_hook: the same grad_input / grad_output as PyTorch's, the
replacement of grad_input, and the cases of no input needing a gradient and of several
outputs."""

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tests.oracle import to_torch, torch


def _build(m):
    """f(x, y, scale) = (tanh(Wx + b) · y · scale, Wx + b) in either library."""

    class TwoInTwoOut(m.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.Linear(3, 2)

        def forward(self, x, y, scale):
            z = self.fc(x)
            return z.tanh() * y * scale, z

    return TwoInTwoOut()


def _pair(seed=0):
    ours, theirs = _build(nn).double(), _build(torch.nn).double()
    rng = np.random.default_rng(seed)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        p.numpy()[...] = rng.normal(size=p.shape)
        q.data.copy_(torch.from_numpy(p.numpy()))
    return ours, theirs


def _run(module, lib, x, y, x_grad, y_grad, replace=None):
    """Backward through ``module`` with a recording hook; returns (calls, x.grad, y.grad)."""
    calls = []

    def hook(mod, grad_input, grad_output):
        calls.append(([None if g is None else np.array(g.detach().numpy() if lib is torch
                                                     else g.numpy()) for g in grad_input],
                      [np.array(g.detach().numpy() if lib is torch else g.numpy())
                       for g in grad_output]))
        if replace is not None:
            return tuple(None if g is None else g * replace for g in grad_input)
        return None

    handle = module.register_full_backward_hook(hook)
    make = to_torch if lib is torch else tamrin.from_numpy
    xt, yt = make(x).requires_grad_(x_grad), make(y).requires_grad_(y_grad)
    out, z = module(xt, yt, 0.5)
    ((out * out).sum() + (z * 3).sum()).backward()
    handle.remove()
    return calls, (xt.grad.numpy() if x_grad else None), (yt.grad.numpy() if y_grad else None)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("x_grad,y_grad", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("replace", [None, 2.0])
def test_full_backward_hook_matches_torch(x_grad, y_grad, replace):
    ours, theirs = _pair()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    if replace is not None and not (x_grad or y_grad):
        replace = None  # with no input needing grad the hook must return None
    got = _run(ours, nn, x, y, x_grad, y_grad, replace)
    want = _run(theirs, torch, x, y, x_grad, y_grad, replace)
    (g_in, g_out), (w_in, w_out) = got[0][0], want[0][0]
    assert len(got[0]) == len(want[0]) == 1
    assert [g is None for g in g_in] == [w is None for w in w_in]
    for g, w in zip(g_in + g_out, w_in + w_out):
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12)
    for g, w in zip(got[1:], want[1:]):
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12)
    if replace is not None and x_grad:  # the replacement really reached x
        plain = _run(_pair()[0], nn, x, y, x_grad, y_grad)
        np.testing.assert_allclose(got[1], 2.0 * plain[1], rtol=1e-12)


def test_hook_returning_gradients_without_inputs_needing_them_raises():
    module = nn.Linear(3, 2)
    module.register_full_backward_hook(lambda m, gi, go: (tamrin.ones(4, 3),))
    with pytest.raises(RuntimeError, match="must return None"):
        module(tamrin.randn(4, 3)).sum().backward()


def test_wrong_number_of_gradients_raises():
    module = nn.Linear(3, 2)
    module.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        module(tamrin.randn(4, 3, requires_grad=True)).sum().backward()


def test_no_wrapping_without_hooks_or_without_grad():
    module = nn.Linear(3, 2)
    x = tamrin.randn(4, 3, requires_grad=True)
    assert module(x).grad_fn.name() != "BackwardHookIdentityBackward"
    handle = module.register_full_backward_hook(lambda m, gi, go: None)
    assert module(x).grad_fn.name() == "BackwardHookIdentityBackward"
    with tamrin.no_grad():
        assert module(x).grad_fn is None
    handle.remove()
    assert module(x).grad_fn.name() != "BackwardHookIdentityBackward"
