"""Weight decay on weights, not biases; L1/L2 penalties and their link to the optimisers;
proximal L1 gives exact zeros where the L1 subgradient only oscillates (claim 14)."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin.nn import Module, Parameter
from tamrin.optim import SGD, l1_penalty, l2_penalty, param_groups, soft_threshold_


def _param(rng, *shape):
    return Parameter(tamrin.tensor(rng.standard_normal(shape), dtype=np.float64))


class Affine(Module):
    """y = x Wᵀ + b (the shape convention of Linear)."""

    def __init__(self, n_in, n_out, rng):
        super().__init__()
        self.weight = _param(rng, n_out, n_in)
        self.bias = _param(rng, n_out)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Norm(Module):
    """A normalisation layer's scale and shift: both 1-D."""

    def __init__(self, n, rng):
        super().__init__()
        self.weight = _param(rng, n)
        self.bias = _param(rng, n)


class Net(Module):
    def __init__(self, rng):
        super().__init__()
        self.emb = _param(rng, 5, 3)
        self.fc = Affine(3, 4, rng)
        self.norm = Norm(4, rng)
        self.head = Module()
        self.head.weight = _param(rng, 2, 4)
        self.head.bias = _param(rng, 1, 2)  # 2-D, excluded by its name


def _names(group):
    return [name for name, _ in group["params"]]


def test_param_groups_exclude_biases_and_1d_parameters():
    net = Net(np.random.default_rng(0))
    decay, rest = param_groups(net, weight_decay=0.1, lr=0.5)
    assert _names(decay) == ["emb", "fc.weight", "head.weight"]
    assert _names(rest) == ["fc.bias", "norm.weight", "norm.bias", "head.bias"]  # head.bias: 2-D
    assert (decay["weight_decay"], rest["weight_decay"]) == (0.1, 0.0)
    assert decay["lr"] == rest["lr"] == 0.5


def test_param_groups_patterns_and_switches():
    net = Net(np.random.default_rng(0))
    decay, rest = param_groups(net, 0.1, no_decay=("*bias", "emb"))
    assert _names(decay) == ["fc.weight", "head.weight"] and "emb" in _names(rest)
    (everything,) = param_groups(net, 0.1, no_decay=(), exclude_1d=False)
    assert len(everything["params"]) == len(list(net.parameters()))
    net.emb.requires_grad_(False)
    assert "emb" not in _names(param_groups(net, 0.1)[0])


def test_param_groups_feed_an_optimizer_that_decays_only_weights():
    net = Net(np.random.default_rng(0))
    opt = SGD(param_groups(net, weight_decay=0.5), lr=0.1)
    before = {n: p.numpy().copy() for n, p in net.named_parameters()}
    for p in net.parameters():
        p.grad = tamrin.zeros_like(p)
    opt.step()  # zero gradient: only decay moves anything
    np.testing.assert_allclose(net.fc.weight.numpy(), before["fc.weight"] * 0.95)
    np.testing.assert_array_equal(net.fc.bias.numpy(), before["fc.bias"])
    np.testing.assert_array_equal(net.norm.weight.numpy(), before["norm.weight"])


def test_penalty_values_and_gradients():
    net = Net(np.random.default_rng(0))
    weights = [net.emb, net.fc.weight, net.head.weight]
    l2 = l2_penalty(net, lam=0.3)
    assert l2.item() == pytest.approx(0.15 * sum((w.numpy()**2).sum() for w in weights))
    l1 = l1_penalty(net, lam=0.3)
    assert l1.item() == pytest.approx(0.3 * sum(np.abs(w.numpy()).sum() for w in weights))
    (l1 + l2).backward()
    for w in weights:
        np.testing.assert_allclose(w.grad.numpy(), 0.3 * np.sign(w.numpy()) + 0.3 * w.numpy())
    assert net.fc.bias.grad is None and net.norm.weight.grad is None


def test_penalty_over_explicit_parameters_includes_biases():
    net = Net(np.random.default_rng(0))
    total = l1_penalty([net.fc.bias], lam=2.0)
    assert total.item() == pytest.approx(2.0 * np.abs(net.fc.bias.numpy()).sum())
    assert l2_penalty([]).item() == 0.0


def test_l2_penalty_in_the_loss_equals_sgd_weight_decay():
    """SGD(weight_decay=λ) on the weights ≡ adding l2_penalty(λ) = (λ/2)‖W‖² to the loss."""
    rng = np.random.default_rng(1)
    x = tamrin.tensor(rng.standard_normal((10, 3)), dtype=np.float64)
    y = tamrin.tensor(rng.standard_normal((10, 4)), dtype=np.float64)
    paths = []
    for use_penalty in (False, True):
        model = Affine(3, 4, np.random.default_rng(2))
        opt = SGD(model.parameters(), lr=0.1) if use_penalty else \
            SGD(param_groups(model, weight_decay=0.2), lr=0.1)
        for _ in range(30):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            if use_penalty:
                loss = loss + l2_penalty(model, lam=0.2)
            loss.backward()
            opt.step()
        paths.append(np.concatenate([p.numpy().ravel() for p in model.parameters()]))
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-12)


def test_soft_threshold():
    x = np.array([-2.0, -0.5, 0.0, 0.3, 1.5])
    assert soft_threshold_(x, 0.5) is x
    np.testing.assert_array_equal(x, [-1.5, 0.0, 0.0, 0.0, 1.0])
    t = tamrin.tensor([3.0, -3.0])
    soft_threshold_(t, 1.0)
    np.testing.assert_array_equal(t.numpy(), [2.0, -2.0])
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold_(x, -1.0)


# ---- claim 14: exact zeros ---------------------------------------------------------------
N, D, RELEVANT, LAM, LR = 200, 20, 4, 0.1, 0.1


def _sparse_problem():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((N, D))
    w_true = np.zeros(D)
    w_true[:RELEVANT] = [2.0, -3.0, 1.5, 1.0]
    y = x @ w_true + 0.5 * rng.standard_normal(N)
    return x, y[:, None]


def _train(kind, steps=400):
    """Full-batch gradient descent on (1/2n)‖y − Xw‖² with an L1 or L2 regulariser."""
    x, y = _sparse_problem()
    w = Parameter(tamrin.zeros(1, D, dtype=np.float64))
    xt, yt = tamrin.tensor(x, dtype=np.float64), tamrin.tensor(y, dtype=np.float64)
    opt = SGD([w], lr=LR, l1=LAM if kind == "proximal" else 0.0,
              weight_decay=LAM if kind == "l2" else 0.0)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((xt @ w.T - yt) ** 2).sum() / (2 * N)
        if kind == "subgradient":
            loss = loss + l1_penalty([w], lam=LAM)
        loss.backward()
        opt.step()
        history.append(w.numpy()[0].copy())
    return np.array(history)


def test_proximal_l1_reaches_exact_zeros_and_the_lasso_solution():
    from sklearn.linear_model import Lasso

    path = _train("proximal")
    w = path[-1]
    assert (w[RELEVANT:] == 0).sum() >= D - RELEVANT - 2
    assert (w[:RELEVANT] != 0).all()
    x, y = _sparse_problem()
    lasso = Lasso(alpha=LAM, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(x, y[:, 0])
    np.testing.assert_allclose(w, lasso.coef_, atol=1e-6)


def test_l1_subgradient_oscillates_around_zero_without_reaching_it():
    path = _train("subgradient")
    tail = path[-50:, RELEVANT:]
    assert (tail != 0).all()  # never an exact zero …
    irrelevant_at_zero = _train("proximal")[-1, RELEVANT:] == 0
    flips = (np.diff(np.sign(tail), axis=0) != 0).sum(axis=0)
    assert (flips[irrelevant_at_zero] > 10).all()  # … but flipping sign around it
    assert np.abs(tail[:, irrelevant_at_zero]).max() <= LR * LAM * 2


def test_l2_shrinks_but_leaves_no_zeros():
    path = _train("l2")
    plain = _train("none")
    assert (path[-1] != 0).all()
    assert np.abs(path[-1]).sum() < np.abs(plain[-1]).sum()
