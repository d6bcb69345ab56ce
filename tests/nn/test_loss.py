"""Losses: gradcheck in float64 and PyTorch parity (forward, gradients of the input and of a
float target; float64 and float32) for every loss, option and reduction on hypothesis
shapes; the fused gradients (ŷ − y, σ(z) − y); numerical stability; clear errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tamrin
import tamrin.nn.functional as F
from tamrin import nn
from tests.core.helpers import check_op

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - the parity half skips itself through check_op
    torch = TF = None

seeds = st.integers(0, 2**32 - 1)
reductions = st.sampled_from(["mean", "sum", "none"])
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)


def _rng(seed):
    return np.random.default_rng(seed)


REGRESSION = {
    "mse": ("mse_loss", {}),
    "l1": ("l1_loss", {}),
    "huber": ("huber_loss", {"delta": 0.7}),
    "smooth_l1": ("smooth_l1_loss", {"beta": 0.6}),
    "smooth_l1_beta0": ("smooth_l1_loss", {"beta": 0.0}),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
@given(shape=shapes, reduction=reductions, seed=seeds)
def test_regression_losses(name, shape, reduction, seed):
    fn, kw = REGRESSION[name]
    x, y = _rng(seed).standard_normal((2, *shape))
    check_op(lambda a, b: getattr(F, fn)(a, b, reduction=reduction, **kw),
             lambda a, b: getattr(TF, fn)(a, b, reduction=reduction, **kw), [x, y])


@given(shape=shapes, reduction=reductions, weighted=st.booleans(), seed=seeds)
def test_binary_cross_entropy(shape, reduction, weighted, seed):
    rng = _rng(seed)
    p, y = rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape[-1:]) if weighted else None

    def ours(a, b):
        return F.binary_cross_entropy(a, b, None if w is None else tamrin.tensor(w), reduction)

    def theirs(a, b):
        return TF.binary_cross_entropy(a, b, None if w is None else torch.from_numpy(w).to(a),
                                       reduction=reduction)

    check_op(ours, theirs, [p, y])


@given(shape=shapes, reduction=reductions, weighted=st.booleans(), pos=st.booleans(),
       seed=seeds)
def test_binary_cross_entropy_with_logits(shape, reduction, weighted, pos, seed):
    rng = _rng(seed)
    z, y = rng.standard_normal(shape) * 3, rng.uniform(0, 1, shape)
    w = rng.uniform(0.5, 2, shape) if weighted else None
    pw = rng.uniform(0.5, 3, shape[-1:]) if pos else None

    def ours(a, b):
        return F.binary_cross_entropy_with_logits(
            a, b, None if w is None else tamrin.tensor(w), reduction,
            None if pw is None else tamrin.tensor(pw))

    def theirs(a, b):
        def t(v):
            return None if v is None else torch.from_numpy(v).to(a)
        return TF.binary_cross_entropy_with_logits(a, b, t(w), reduction=reduction,
                                                   pos_weight=t(pw))

    check_op(ours, theirs, [z, y])


@st.composite
def class_problems(draw):
    """Logits (N, C, *), class-index targets (some ignored), options."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    seed = draw(seeds)
    rng = _rng(seed)
    target = rng.integers(0, c, (n, *extra))
    ignore = draw(st.sampled_from([-100, 1]))
    if draw(st.booleans()):
        target.reshape(-1)[0] = ignore  # at least one ignored position
    if (target == ignore).all():
        target.reshape(-1)[0] = 0
    weight = rng.uniform(0.2, 2, c) if draw(st.booleans()) else None
    return (rng.standard_normal((n, c, *extra)) * 2, target, weight, ignore,
            draw(reductions), draw(st.sampled_from([0.0, 0.2])))


def _t(v, like=None):
    return None if v is None else (torch.from_numpy(v) if like is None
                                   else torch.from_numpy(v).to(like))


@given(problem=class_problems())
def test_cross_entropy_class_indices(problem):
    z, target, weight, ignore, reduction, smoothing = problem

    def ours(a):
        return F.cross_entropy(a, tamrin.tensor(target), None if weight is None
                               else tamrin.tensor(weight), ignore, reduction, smoothing)

    def theirs(a):
        return TF.cross_entropy(a, _t(target), _t(weight, a), ignore_index=ignore,
                                reduction=reduction, label_smoothing=smoothing)

    check_op(ours, theirs, [z])


@given(problem=class_problems())
def test_nll_loss(problem):
    z, target, weight, ignore, reduction, _ = problem
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def ours(a):
        return F.nll_loss(a, tamrin.tensor(target), None if weight is None
                          else tamrin.tensor(weight), ignore, reduction)

    def theirs(a):
        return TF.nll_loss(a, _t(target), _t(weight, a), ignore_index=ignore,
                           reduction=reduction)

    check_op(ours, theirs, [logp])


@given(n=st.integers(1, 4), c=st.integers(2, 5), extra=st.lists(st.integers(1, 3), max_size=1),
       weighted=st.booleans(), reduction=reductions, smoothing=st.sampled_from([0.0, 0.3]),
       seed=seeds)
def test_cross_entropy_probability_targets(n, c, extra, weighted, reduction, smoothing, seed):
    rng = _rng(seed)
    z = rng.standard_normal((n, c, *extra))
    t = rng.uniform(0, 1, z.shape)
    t /= t.sum(axis=1, keepdims=True)
    w = rng.uniform(0.2, 2, c) if weighted else None
    check_op(lambda a, b: F.cross_entropy(a, b, None if w is None else tamrin.tensor(w),
                                          reduction=reduction, label_smoothing=smoothing),
             lambda a, b: TF.cross_entropy(a, b, _t(w, a), reduction=reduction,
                                           label_smoothing=smoothing), [z, t])


def test_cross_entropy_unbatched_input():
    z = _rng(0).standard_normal(4)
    for reduction in ("mean", "none"):
        check_op(lambda a, r=reduction: F.cross_entropy(a, tamrin.tensor(2), reduction=r),
                 lambda a, r=reduction: TF.cross_entropy(a, torch.tensor(2), reduction=r), [z])
    q = np.array([0.1, 0.2, 0.3, 0.4])  # a probability target of the input's shape (C,)
    check_op(lambda a, b: F.cross_entropy(a, b), lambda a, b: TF.cross_entropy(a, b), [z, q])


def test_softmax_cross_entropy_gradient_is_prediction_minus_label():
    z = tamrin.tensor(_rng(1).standard_normal((5, 3)), dtype=np.float64, requires_grad=True)
    y = np.array([0, 2, 1, 1, 0])
    F.cross_entropy(z, tamrin.tensor(y)).backward()
    p = np.exp(z.numpy()) / np.exp(z.numpy()).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad.numpy(), (p - np.eye(3)[y]) / 5, rtol=1e-12)


def test_sigmoid_bce_gradient_is_prediction_minus_label():
    z = tamrin.tensor([-2.0, 0.5, 3.0], dtype=np.float64, requires_grad=True)
    y = tamrin.tensor([0.0, 1.0, 1.0], dtype=np.float64)
    F.binary_cross_entropy_with_logits(z, y, reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), 1 / (1 + np.exp(-z.numpy())) - y.numpy(), rtol=1e-12)


def test_losses_are_stable_for_extreme_logits():
    z = tamrin.tensor([[1e4, -1e4, 0.0], [-3e4, 2e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(z, tamrin.tensor([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e4, rel=1e-6)
    assert np.isfinite(z.grad.numpy()).all()
    z = tamrin.tensor([1000.0, -1000.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, tamrin.tensor([0.0, 1.0]))
    loss.backward()
    assert loss.item() == pytest.approx(1000.0) and np.isfinite(z.grad.numpy()).all()
    p = tamrin.tensor([0.0, 1.0], requires_grad=True)  # log 0 is floored at -100, as PyTorch
    assert F.binary_cross_entropy(p, tamrin.tensor([1.0, 0.0])).item() == pytest.approx(100.0)


MODULES = [
    (lambda m: m.MSELoss(reduction="sum"), "float"),
    (lambda m: m.L1Loss(), "float"),
    (lambda m: m.HuberLoss(delta=0.5), "float"),
    (lambda m: m.SmoothL1Loss(beta=0.5, reduction="none"), "float"),
    (lambda m: m.BCEWithLogitsLoss(pos_weight=_module_tensor(m, [2.0, 0.5, 1.0])), "prob"),
    (lambda m: m.BCELoss(weight=_module_tensor(m, [2.0, 0.5, 1.0])), "sigmoid"),
    (lambda m: m.CrossEntropyLoss(weight=_module_tensor(m, [2.0, 0.5, 1.0]),
                                  label_smoothing=0.1), "index"),
    (lambda m: m.NLLLoss(ignore_index=0, reduction="sum"), "index"),
]


def _module_tensor(m, values):
    return (tamrin.tensor if m is nn else torch.tensor)(values, dtype=np.float64 if m is nn
                                                        else torch.float64)


@pytest.mark.parametrize("make,kind", MODULES)
def test_loss_modules_match_torch(make, kind):
    rng = _rng(0)
    x = rng.standard_normal((4, 3))
    if kind == "sigmoid":
        x = 1 / (1 + np.exp(-x))
    target = rng.integers(0, 3, 4) if kind == "index" else rng.uniform(0, 1, (4, 3))
    ours, theirs = make(nn), make(torch.nn)
    check_op(lambda a: ours(a, tamrin.tensor(target)),
             lambda a: theirs(a, torch.from_numpy(target)), [x], dtypes=(np.float64,))


def test_bad_targets_get_clear_errors():
    z = tamrin.randn(4, 3)
    with pytest.raises(IndexError, match=r"cross_entropy: target class index 3 is out of range "
                                         r"for 3 classes"):
        F.cross_entropy(z, tamrin.tensor([0, 1, 3, 2]))
    with pytest.raises(IndexError, match="target class index -1 is out of range"):
        F.nll_loss(z, tamrin.tensor([0, 1, -1, 2]))
    with pytest.raises(TypeError, match=r"cross_entropy: got float labels of shape \(4,\) for "
                                        r"input of shape \(4, 3\).*class indices"):
        F.cross_entropy(z, tamrin.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(3,\) does not match "
                                         r"input shape \(4, 3\): expected \(4,\)"):
        F.cross_entropy(z, tamrin.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(4,\) does not match input "
                                         r"shape \(4, 1\)"):
        F.mse_loss(tamrin.randn(4, 1), tamrin.randn(4))
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input should be "
                                         "between 0 and 1"):
        F.binary_cross_entropy(z, tamrin.rand(4, 3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(z, tamrin.tensor([0, 1, 2, 1]), weight=tamrin.ones(4))
    with pytest.raises(TypeError, match=r"nll_loss: got float labels of shape \(4, 4\) for input "
                                        r"of shape \(4, 3\): expected class indices .* of shape "
                                        r"\(4,\)$"):
        F.nll_loss(z, tamrin.rand(4, 4))


def test_bad_targets_of_an_unbatched_input_name_the_users_shapes():
    z = tamrin.randn(4)
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(2,\) does not match "
                                         r"unbatched input shape \(4,\): expected \(\) \(a class "
                                         r"index\) or \(4,\) \(class probabilities\)"):
        F.cross_entropy(z, tamrin.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"nll_loss: target shape \(2,\) does not match "
                                         r"unbatched input shape \(4,\): expected \(\) \(a class "
                                         r"index\)$"):
        F.nll_loss(z, tamrin.tensor([1, 2]))
    with pytest.raises(IndexError, match="cross_entropy: target class index 4 is out of range"):
        F.cross_entropy(z, tamrin.tensor(4))
