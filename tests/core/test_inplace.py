"""In-place operations, views and version counters, against PyTorch.

Each scenario is written once as a function of the library (``lib`` is ``tamrin`` or
``torch``) and run on both: the values, the gradients and the errors must agree.
"""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin

from .helpers import seeds, shapes

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")

LIBS = (tamrin, torch)
VERSIONS = re.compile(r"is at version \d+; expected version \d+ instead")
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)
W = RNG.standard_normal((4, 2)).astype(np.float32)
B = RNG.standard_normal(2).astype(np.float32)


def on_both(scenario):
    """``scenario(lib)`` for tamrin and torch, as NumPy values (or the error raised)."""
    results = []
    for lib in LIBS:
        try:
            out = scenario(lib)
        except RuntimeError as e:
            out = RuntimeError(str(e))
        results.append(out)
    return results


def assert_same(scenario):
    ours, theirs = on_both(scenario)
    if isinstance(theirs, Exception):
        assert isinstance(ours, RuntimeError), f"torch raised {theirs}, tamrin gave {ours}"
        return ours, theirs
    assert not isinstance(ours, Exception), f"tamrin raised {ours}"
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                   rtol=1e-5, atol=1e-6)
    return ours, theirs


def grads(*tensors):
    return [t.grad.numpy().copy() for t in tensors]


# ---- the silent wrong result of issue 16 --------------------------------------------------

def test_no_grad_update_of_parameters_changes_them_in_place():
    def scenario(lib):
        w = lib.ones(3, requires_grad=True)
        (w * w * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        before = w
        with lib.no_grad():
            for p in [w]:
                p -= 0.1 * p.grad
        assert before is w and w.requires_grad and w.is_leaf
        return w.detach().numpy().copy(), [w._version]

    assert_same(scenario)


def test_a_model_trained_with_manual_updates_learns():
    tamrin.manual_seed(0)
    model = tamrin.nn.Linear(3, 1)
    x, y = tamrin.randn(32, 3), tamrin.randn(32, 1)
    losses = []
    for _ in range(20):
        loss = ((model(x) - y) ** 2).mean()
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with tamrin.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert losses[-1] < 0.8 * losses[0]


# ---- PyTorch's three errors ---------------------------------------------------------------

@pytest.mark.parametrize("change", [
    lambda w: w.add_(1), lambda w: w.mul_(2), lambda w: w.zero_(), lambda w: w.normal_(),
    lambda w: w.__iadd__(1), lambda w: w.copy_(w.detach() * 2)])
def test_a_leaf_that_requires_grad_cannot_be_changed_in_place(change):
    for lib in LIBS:
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            change(w)
        with lib.no_grad():
            change(w)  # allowed outside the graph


@pytest.mark.parametrize("change", [lambda w: w[0].add_(1), lambda w: w[1:].zero_(),
                                    lambda w: w.__setitem__(0, 5.0),
                                    lambda w: w.view(3, 1).mul_(2)])
def test_a_view_of_such_a_leaf_cannot_be_changed_either(change):
    for lib in LIBS:
        w = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            change(w)


@pytest.mark.parametrize("name, scenario", [
    ("output saved by exp", lambda lib, x: lib.exp(x).add_(1)),
    ("output saved by sigmoid", lambda lib, x: x.sigmoid().mul_(2)),
    ("output saved by tanh, changed by __setitem__",
     lambda lib, x: _set(x.tanh(), (0, 0), 5.0)),
    ("output of relu_ changed again", lambda lib, x: (x * 1).relu_().mul_(2)),
])
def test_changing_a_saved_output_is_an_error_at_backward(name, scenario):
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        y = scenario(lib, x)
        y.sum().backward()
        return grads(x)

    ours, theirs = assert_same(run)
    assert isinstance(theirs, RuntimeError), name
    message = str(ours)
    assert "one of the variables needed for gradient computation has been modified by an " \
           "inplace operation: [torch.FloatTensor [3, 4]], which is output 0 of" in message
    assert VERSIONS.search(message).group() == VERSIONS.search(str(theirs)).group()


def _set(t, index, value):
    t[index] = value
    return t


@pytest.mark.parametrize("where", ["constant input", "leaf changed under no_grad",
                                   "through .detach()"])
def test_changing_a_saved_input_is_an_error_at_backward(where):
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = lib.tensor([4.0, 5.0, 6.0])
        c = a * b if where == "constant input" else a * a
        if where == "constant input":
            b.add_(1)
        elif where == "leaf changed under no_grad":
            with lib.no_grad():
                a.add_(1)
        else:
            a.detach().mul_(2)
        c.sum().backward()
        return grads(a)

    ours, theirs = assert_same(run)
    assert isinstance(theirs, RuntimeError)
    assert "[torch.FloatTensor [3]] is at version 1; expected version 0 instead" in str(ours)


def test_changes_through_data_or_of_unsaved_inputs_are_allowed():
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = (a + 1) * 2  # add saves nothing; mul saves the constant 2 only
        with lib.no_grad():
            a.add_(1)
        d = a * a
        a.data.mul_(3)  # .data has its own version counter: autograd does not see this
        (c.sum() + d.sum()).backward()
        return grads(a)

    assert_same(run)


# ---- autograd through in-place changes of non-leaf tensors --------------------------------

def test_in_place_ops_on_a_non_leaf_keep_the_gradient():
    def run(lib):
        x, w, b = (lib.tensor(v, requires_grad=True) for v in (X, W, B))
        out = x @ w
        out += b
        out.relu_()
        out = out * 1
        out *= 2
        out.sub_(lib.tensor([0.5, -0.5]), alpha=2)
        out.clamp_(-3, 3)
        (out * out).sum().backward()
        return grads(x, w, b) + [out.detach().numpy().copy()]

    ours, _ = assert_same(run)
    assert not isinstance(ours, Exception)


def test_earlier_consumers_still_reach_the_old_value():
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x * 2
        a = h.sum()  # recorded before h changes
        c = h[[0, 2]]  # a copy (advanced indexing) recorded before h changes
        h.add_(1)
        h.exp_()
        (a + (h * h).sum() + c.sum()).backward()
        return grads(x)

    assert_same(run)


def test_a_view_made_before_an_in_place_change_with_autograd_is_refused():
    x = tamrin.tensor(X, requires_grad=True)
    h = x * 2
    v = h.reshape(-1)  # PyTorch would rewrite v's history when h changes; tamrin refuses
    h.add_(1)
    with pytest.raises(RuntimeError, match="does not rewrite a view's history"):
        v.sum().backward()


def test_setitem_on_a_tensor_in_the_graph():
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x * 3
        h[h < 0] = 0  # the mask of the tensor itself
        h[0, 1:3] = lib.tensor([7.0, 8.0])
        h[:, 0] = x[:, 1] * 2
        (h * h).sum().backward()
        return grads(x) + [h.detach().numpy().copy()]

    assert_same(run)


def test_setitem_with_values_that_require_grad_puts_a_plain_tensor_in_the_graph():
    def run(lib):  # d2l's corr2d: Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
        k = lib.tensor([[1.0, -1.0]], requires_grad=True)
        img = lib.tensor(X)
        out = lib.zeros(3, 3)
        for i in range(3):
            for j in range(3):
                out[i, j] = (img[i:i + 1, j:j + 2] * k).sum()
        assert not out.is_leaf and out.requires_grad
        (out ** 2).sum().backward()
        return grads(k) + [out.detach().numpy().copy()]

    assert_same(run)


def test_division_in_a_loop_as_d2l_fixed_hidden_mlp():
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x * 5
        while h.abs().sum() > 1:
            h /= 2
        h.sum().backward()
        return grads(x)

    assert_same(run)


def test_residual_add_in_place_as_resnet():
    def run(lib):
        lib.manual_seed(0)
        x = lib.tensor(X.reshape(1, 3, 2, 2), requires_grad=True)
        conv = lib.nn.Conv2d(3, 3, 1)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(np.eye(3, dtype=np.float32).reshape(3, 3, 1, 1)))
            conv.bias.fill_(0.5)
        y = lib.relu(conv(x))
        y += x
        lib.relu(y).sum().backward()
        return grads(x, conv.weight)

    assert_same(run)


def test_changing_a_view_of_a_graph_tensor_is_refused_with_a_clear_error():
    x = tamrin.ones(3, requires_grad=True)
    h = x * 2
    with pytest.raises(RuntimeError, match="does not support in-place changes through a view"):
        h[0:2].add_(1)


# ---- outside the graph: storage, views, versions ------------------------------------------

def test_views_share_storage_and_version_counter():
    def run(lib):
        x = lib.zeros(3)
        versions = [x._version]
        x.add_(1)
        versions.append(x._version)
        x[0] = 2
        versions.append(x._version)
        x.detach().mul_(2)
        versions.append(x._version)
        x.data.add_(1)  # a fresh version counter
        versions.append(x._version)
        y = x[1:]
        y.fill_(3)
        versions += [x._version, y._version]
        z = x.reshape(3, 1)
        z.zero_()
        x += 1
        versions.append(x._version)
        return x.numpy().copy(), versions

    assert_same(run)


def test_numpy_and_from_numpy_share_memory_both_ways():
    def run(lib):
        t = lib.ones(5)
        n = t.numpy()
        t.add_(1)
        np.add(n, 1, out=n)
        a = np.zeros(3, np.float32)
        s = lib.from_numpy(a)
        s[1] = 4
        return t.numpy().copy(), a.copy()

    assert_same(run)


def test_data_is_a_tensor_on_the_same_storage_without_history():
    for lib in LIBS:
        w = lib.ones(3, requires_grad=True)
        d = w.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        d[0] = 5
        d.zero_()
        assert w.tolist() == [0.0, 0.0, 0.0]
        w.data = lib.tensor([1.0, 2.0], dtype=lib.float64)  # new storage, shape and dtype
        assert w.tolist() == [1.0, 2.0] and w.dtype == lib.float64 and w.requires_grad
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            w.data = np.zeros(2)


def test_result_type_must_fit_the_tensor():
    def run(lib, change):
        t = lib.zeros(3, dtype=lib.long)
        change(lib, t)
        return t.tolist()

    for change in (lambda lib, t: t.add_(1.5), lambda lib, t: t.__iadd__(lib.ones(3)),
                   lambda lib, t: lib.zeros(2, dtype=lib.bool).add_(1)):
        ours, theirs = on_both(lambda lib, c=change: run(lib, c))
        assert isinstance(theirs, RuntimeError) and isinstance(ours, RuntimeError)
        assert str(theirs).split(":")[-1].strip() in str(ours)
    for change in (lambda lib, t: t.mul_(3), lambda lib, t: t.__setitem__(0, 1.7),
                   lambda lib, t: t.copy_(lib.tensor([1.5, 2.5, 3.5])),
                   lambda lib, t: t.fill_(2)):
        assert_same(lambda lib, c=change: run(lib, c))


def test_an_in_place_result_of_another_shape_is_an_error():
    ours, theirs = on_both(lambda lib: lib.zeros(3).add_(lib.ones(2, 3)))
    assert "output with shape [3] doesn't match the broadcast shape [2, 3]" in str(theirs)
    assert "output with shape [3] doesn't match the broadcast shape [2, 3]" in str(ours)


def test_grad_zero_after_the_first_backward():
    def run(lib):  # "What is torch.nn really?": weights.grad.zero_() after each step
        w = lib.ones(3, requires_grad=True)
        (w * w).sum().backward()
        g = w.grad
        with lib.no_grad():
            w -= w.grad * 0.1
            w.grad.zero_()
        (w * w).sum().backward()
        assert g is w.grad
        return grads(w)

    assert_same(run)


# ---- every in-place op: same values as PyTorch, in and out of the graph -------------------

IN_PLACE = {
    "add_": lambda lib, t, o: t.add_(o, alpha=0.5),
    "sub_": lambda lib, t, o: t.sub_(o),
    "mul_": lambda lib, t, o: t.mul_(o),
    "div_": lambda lib, t, o: t.div_(lib.abs(o) + 1),
    "pow_": lambda lib, t, o: t.abs().pow_(1.5),
    "clamp_": lambda lib, t, o: t.clamp_(min=-0.5, max=0.7),
    "clip_": lambda lib, t, o: t.clip_(-0.2),
    "neg_": lambda lib, t, o: t.neg_(),
    "exp_": lambda lib, t, o: t.exp_(),
    "log_": lambda lib, t, o: t.abs().add_(0.5).log_(),
    "sqrt_": lambda lib, t, o: t.abs().add_(0.5).sqrt_(),
    "abs_": lambda lib, t, o: t.abs_(),
    "relu_": lambda lib, t, o: t.relu_(),
    "sigmoid_": lambda lib, t, o: t.sigmoid_(),
    "tanh_": lambda lib, t, o: t.tanh_(),
    "masked_fill_": lambda lib, t, o: t.masked_fill_(o > 0, -1.0),
    "copy_": lambda lib, t, o: t.copy_(o),
    "fill_": lambda lib, t, o: t.fill_(0.25),
    "zero_": lambda lib, t, o: t.zero_(),
    "iadd": lambda lib, t, o: t.__iadd__(o),
    "isub": lambda lib, t, o: t.__isub__(o),
    "imul": lambda lib, t, o: t.__imul__(o),
    "itruediv": lambda lib, t, o: t.__itruediv__(lib.abs(o) + 1),
    "setitem": lambda lib, t, o: _set(t, (..., 0), o[..., -1]),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
@given(shape=shapes(min_dims=1), seed=seeds, graph=st.booleans())
def test_in_place_ops_match_pytorch(name, shape, seed, graph):
    change = IN_PLACE[name]
    rng = np.random.default_rng(seed)
    a, o = rng.standard_normal((2, *shape))

    def run(lib):
        x = lib.tensor(a, requires_grad=graph)
        other = lib.tensor(o, requires_grad=graph)
        t = x * 1.5  # a non-leaf in the graph (or a plain tensor)
        change(lib, t, other)
        if not graph:
            return [t.numpy().copy()]
        (t * lib.tensor(o)).sum().backward()
        return [t.detach().numpy().copy()] + [
            np.zeros(shape) if v.grad is None else v.grad.numpy() for v in (x, other)]

    assert_same(run)
