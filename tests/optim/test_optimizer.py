"""The Optimizer contract: groups, freezing, skipping, state dicts, bad input, NaN policy,
and Adam's bias_correction switch against a hand-written reference (no PyTorch needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tamrin
from tamrin.nn import Parameter
from tamrin.optim import SGD, Adagrad, Adam, AdamW, RMSprop

from ._problem import run_tamrin, tamrin_params, two_groups

ALL = [(SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
       (SGD, {"l1": 0.01, "momentum": 0.5}),
       (Adam, {"amsgrad": True}), (Adam, {"bias_correction": False}),
       (AdamW, {}), (RMSprop, {"centered": True, "momentum": 0.5}),
       (Adagrad, {"lr_decay": 0.01})]
IDS = [f"{cls.__name__}-{opts}" for cls, opts in ALL]


@pytest.mark.parametrize(("cls", "options"), ALL, ids=IDS)
def test_state_dict_resume_gives_identical_trajectory(cls, options):
    params = tamrin_params()
    straight = run_tamrin(cls(two_groups(params, 0.05), lr=0.05, **options), params, 100)

    params = tamrin_params()
    opt = cls(two_groups(params, 0.05), lr=0.05, **options)
    first = run_tamrin(opt, params, 50)
    saved = opt.state_dict()
    run_tamrin(opt, params, 3)  # the saved dict is a copy: later steps must not change it
    for p, w in zip(params, np.split(first[-1], [12])):
        p.numpy()[...] = w.reshape(p.shape)
    resumed = cls(two_groups(params, 0.05), lr=0.05, **options)
    resumed.load_state_dict(saved)
    second = run_tamrin(resumed, params, 50)
    np.testing.assert_array_equal(np.array(first + second), np.array(straight))


@pytest.mark.parametrize(("cls", "options"), ALL, ids=IDS)
def test_state_dict_is_plain_arrays_and_numbers(cls, options):
    params = tamrin_params()
    opt = cls(two_groups(params, 0.05), lr=0.05, **options)
    run_tamrin(opt, params, 2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.025
    for state in sd["state"].values():
        for value in state.values():
            assert isinstance(value, (np.ndarray, int, float))


@pytest.mark.parametrize(("cls", "options"), ALL, ids=IDS)
def test_updates_in_place_and_keeps_float32(cls, options):
    params = tamrin_params(np.float32)
    arrays = [p.numpy() for p in params]
    opt = cls(params, lr=0.05, **options)
    run_tamrin(opt, params, 3)
    assert all(p.numpy() is a for p, a in zip(params, arrays))
    assert all(p.dtype == np.float32 for p in params)
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values()
               if isinstance(v, np.ndarray))


@pytest.mark.parametrize(("cls", "options"), ALL, ids=IDS)
def test_zero_lr_group_is_frozen(cls, options):
    params = tamrin_params()
    frozen = params[1].numpy().copy()
    opt = cls([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.0}], lr=0.05,
              **options)
    start = params[0].numpy().copy()
    run_tamrin(opt, params, 20)
    np.testing.assert_array_equal(params[1].numpy(), frozen)
    assert not np.allclose(params[0].numpy(), start)


def test_parameter_without_grad_is_skipped():
    a, b = tamrin_params()
    before = b.numpy().copy()
    opt = Adam([a, b], lr=0.1)
    a.grad = tamrin.ones_like(a).double()
    opt.step()
    np.testing.assert_array_equal(b.numpy(), before)
    assert b not in opt.state and len(opt.state[a]) == 3


def test_zero_grad_sets_to_none_or_zero():
    a, b = tamrin_params()
    opt = SGD([a, b], lr=0.1)
    a.grad, b.grad = tamrin.ones_like(a), tamrin.ones_like(b)
    grad_array = b.grad.numpy()
    opt.zero_grad(set_to_none=False)
    assert b.grad.numpy() is grad_array and not grad_array.any()
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_closure_is_called_and_its_loss_returned():
    (w,) = tamrin_params()[:1]

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt = SGD([w], lr=0.1)
    before = w.numpy().copy()
    loss = opt.step(closure)
    assert loss.item() == pytest.approx((before**2).sum())
    np.testing.assert_allclose(w.numpy(), 0.8 * before)


def test_add_param_group_and_named_parameters():
    a, b = tamrin_params()
    opt = SGD([("w", a)], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [("b", b)], "lr": 0.5})
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    assert [g["param_names"] for g in opt.state_dict()["param_groups"]] == [["w"], ["b"]]


def test_parameter_in_two_groups_raises():
    a, b = tamrin_params()
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)
    opt = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="twice"):
        SGD([a, a], lr=0.1)


@pytest.mark.parametrize(("make", "argument"), [
    (lambda p: SGD(p, lr=-0.1), "lr"),
    (lambda p: SGD([{"params": p, "lr": -1.0}], lr=0.1), "lr"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1e-4), "weight_decay"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
    (lambda p: SGD(p, lr=0.1, l1=-1.0), "l1"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\]"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    (lambda p: Adam(p, eps=0.0), "eps"),
    (lambda p: AdamW(p, eps=-1e-8), "eps"),
    (lambda p: RMSprop(p, alpha=1.5), "alpha"),
    (lambda p: Adagrad(p, lr_decay=-1.0), "lr_decay"),
    (lambda p: Adam(p, nan_policy="ignore"), "nan_policy"),
])
def test_bad_hyper_parameters_raise_naming_the_argument(make, argument):
    with pytest.raises(ValueError, match=argument):
        make(tamrin_params())


def test_bad_params_raise():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(tamrin_params()[0], lr=0.1)
    with pytest.raises(TypeError, match="ordered"):
        SGD({*tamrin_params()}, lr=0.1)


def _nan_step(opt, params):
    params[0].grad = tamrin.zeros_like(params[0])
    bad = np.ones(params[1].shape)
    bad[2] = np.nan
    params[1].grad = tamrin.tensor(bad, dtype=np.float64)
    return opt.step()


@pytest.mark.parametrize(("cls", "options"), ALL, ids=IDS)
def test_nan_gradient_raises_and_changes_nothing(cls, options):
    params = tamrin_params()
    opt = cls([("fc.weight", params[0]), ("fc.bias", params[1])], lr=0.1, **options)
    before = [p.numpy().copy() for p in params]
    with pytest.raises(FloatingPointError, match=r"'fc.bias' \(index 1, group 0, shape \(4,\)"
                       r"\) contains NaN at step\(\) call 1"):
        _nan_step(opt, params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)
    assert not opt.state


def test_nan_gradient_skip_policy_skips_the_step():
    params = tamrin_params()
    opt = Adam(params, lr=0.1, nan_policy="skip")
    run_tamrin(opt, params, 2)
    before = [p.numpy().copy() for p in params]
    with pytest.warns(RuntimeWarning, match="skipped"):
        _nan_step(opt, params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)
    assert opt.skipped_steps == 1 and opt.state[params[0]]["step"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_tamrin(opt, params, 1)
    assert np.isfinite(params[1].numpy()).all() and opt.state[params[0]]["step"] == 3


def test_inf_gradient_is_reported_too():
    (w,) = tamrin_params()[:1]
    w.grad = tamrin.full_like(w, np.inf)
    with pytest.raises(FloatingPointError, match="Inf"):
        SGD([w], lr=0.1).step()


def test_load_state_dict_rejects_a_mismatch():
    params = tamrin_params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    run_tamrin(opt, params, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        SGD(two_groups(tamrin_params(), 0.1), lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="shape"):
        SGD(tamrin_params()[::-1], lr=0.1).load_state_dict(sd)


def _adam_reference(grads, lr, beta1, beta2, eps, bias_correction):
    """Adam written out from the course's formulas, one scalar step at a time."""
    theta, m, s, out = 0.0, 0.0, 0.0, []
    for t, g in enumerate(grads, 1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        if bias_correction:
            m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)
        else:
            m_hat, s_hat = m, s
        theta -= lr * m_hat / (np.sqrt(s_hat) + eps)
        out.append(theta)
    return np.array(out)


@pytest.mark.parametrize("bias_correction", [True, False])
def test_adam_bias_correction_switch_matches_reference(bias_correction):
    grads = np.random.default_rng(3).standard_normal(100) + 0.5
    w = Parameter(tamrin.zeros(1, dtype=np.float64))
    opt = Adam([w], lr=0.01, betas=(0.8, 0.95), eps=1e-3, bias_correction=bias_correction)
    got = []
    for g in grads:
        w.grad = tamrin.tensor([g], dtype=np.float64)
        opt.step()
        got.append(w.numpy()[0])
    want = _adam_reference(grads, 0.01, 0.8, 0.95, 1e-3, bias_correction)
    # the hand formula divides m̂ by √ŝ + ε; PyTorch's form puts ε beside √s/√(1−β₂ᵗ)
    # and scales by 1/(1−β₁ᵗ) outside: identical algebra, rounding apart
    np.testing.assert_allclose(got, want, rtol=1e-10)
    other = _adam_reference(grads, 0.01, 0.8, 0.95, 1e-3, not bias_correction)
    assert not np.allclose(got, other, rtol=1e-3)  # the switch really changes the path


def test_adam_without_bias_correction_takes_small_first_steps():
    """Claim 19: with m₀ = 0 the uncorrected first step is (1 − β₁)/√(1 − β₂) ≈ 3.2 times
    smaller than the corrected one (≈ η)."""
    steps = {}
    for bc in (True, False):
        w = Parameter(tamrin.zeros(1, dtype=np.float64))
        w.grad = tamrin.tensor([1.0], dtype=np.float64)
        Adam([w], lr=0.1, bias_correction=bc).step()
        steps[bc] = -w.numpy()[0]
    assert steps[True] == pytest.approx(0.1, rel=1e-6)
    assert steps[False] == pytest.approx(0.1 * 0.1 / np.sqrt(0.001), rel=1e-4)


def test_repr_lists_groups():
    text = repr(SGD(two_groups(tamrin_params(), 0.1), lr=0.1))
    assert "Parameter Group 1" in text and "lr: 0.05" in text
