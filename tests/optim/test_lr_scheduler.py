"""Learning-rate schedules: the lr (and momentum) sequence equals PyTorch's for the same
settings, and a scheduler resumed from its state dict continues the same sequence."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tamrin
from tamrin.optim import lr_scheduler
from tests.oracle import torch

# the traces step schedulers without training: PyTorch warns about the order
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step")

EPOCHS = 40
METRICS = [1.0, 0.9, 0.85, 0.86, 0.86, 0.84, 0.87, 0.9, 0.83, 0.83, 0.83, 0.83, 0.84, 0.5,
           0.5, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.6, 0.6, 0.6, 0.6, 0.6]


def _optimizers(kind="SGD"):
    """The same two-group optimiser in both libraries (lr 0.1 and 0.02)."""
    def make(lib, param):
        groups = [{"params": [param(np.ones(2))]}, {"params": [param(np.ones(3))], "lr": 0.02}]
        if kind == "SGD":
            return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
        return lib.optim.Adam(groups, lr=0.1)

    ours = make(tamrin, lambda a: tamrin.nn.Parameter(tamrin.tensor(a)))
    theirs = make(torch, lambda a: torch.nn.Parameter(torch.from_numpy(a)))
    return ours, theirs


def _lambda(epoch):
    return 0.95**epoch if epoch % 7 else 0.5


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[9, 2, 5, 5], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
    "LambdaLR": lambda m, o: m.LambdaLR(o, _lambda),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [_lambda, lambda e: 1 / (1 + e)]),
    "LinearLR": lambda m, o: m.LinearLR(o),
    "LinearLR-warmup": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9,
                                               total_iters=4),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=EPOCHS),
    "OneCycleLR-3phase-linear": lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, epochs=4, steps_per_epoch=10, pct_start=0.25,
        anneal_strategy="linear", three_phase=True, div_factor=10.0),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
        milestones=[5]),
    "SequentialLR-3": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.8), m.StepLR(o, 4), m.ExponentialLR(o, 0.95)],
        milestones=[6, 15]),
}


def _trace(sched, opt, steps, metrics=None):
    """lr and momentum of every group, after construction and after each step."""
    def snapshot():
        return [[g["lr"], g.get("momentum", g.get("betas", (0,))[0])]
                for g in opt.param_groups] + [list(sched.get_last_lr())]

    out = [snapshot()]
    for i in range(steps):
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append(snapshot())
    return np.array(out, dtype=object)


def _compare(got, want):
    np.testing.assert_allclose(np.array(got.tolist(), dtype=float),
                               np.array(want.tolist(), dtype=float), rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_lr_sequence_matches_torch(name, kind):
    ours, theirs = _optimizers(kind)
    got = _trace(SCHEDULES[name](lr_scheduler, ours), ours, EPOCHS)
    want = _trace(SCHEDULES[name](torch.optim.lr_scheduler, theirs), theirs, EPOCHS)
    _compare(got, want)
    assert len({round(float(lr), 12) for lr in got[:, 0, 0]}) > 2  # the lr really changes


PLATEAU = [dict(), dict(mode="max", factor=0.5, patience=1), dict(patience=2, cooldown=2),
           dict(threshold=0.05, threshold_mode="abs", patience=0, min_lr=[0.05, 1e-3]),
           dict(mode="max", threshold_mode="abs", patience=1, factor=0.2, eps=0.05)]


@pytest.mark.parametrize("options", PLATEAU, ids=[str(o) for o in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(options):
    ours, theirs = _optimizers()
    metrics = METRICS * 2
    got = _trace(lr_scheduler.ReduceLROnPlateau(ours, **options), ours, len(metrics), metrics)
    want = _trace(torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **options), theirs,
                  len(metrics), metrics)
    _compare(got, want)
    assert got[-1, 0, 0] < got[0, 0, 0]


def test_two_chained_schedulers_compose_as_in_torch():
    ours, theirs = _optimizers()
    traces = []
    for m, opt in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs)):
        a, b = m.ExponentialLR(opt, gamma=0.9), m.MultiStepLR(opt, milestones=[3, 6])
        lrs = []
        for _ in range(10):
            a.step()
            b.step()
            lrs.append([g["lr"] for g in opt.param_groups])
        traces.append(lrs)
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-12)


RESUMABLE = sorted(SCHEDULES)  # every schedule, each option set


@pytest.mark.parametrize("name", RESUMABLE)
def test_state_dict_resumes_the_same_sequence(name):
    opt, _ = _optimizers()
    straight = _trace(SCHEDULES[name](lr_scheduler, opt), opt, 30)

    opt, _ = _optimizers()
    sched = SCHEDULES[name](lr_scheduler, opt)
    _trace(sched, opt, 12)
    saved = json.loads(json.dumps({"opt": opt.state_dict()["param_groups"],
                                   "sched": sched.state_dict()}))  # plain values only
    opt2, _ = _optimizers()
    sched2 = SCHEDULES[name](lr_scheduler, opt2)
    for group, saved_group in zip(opt2.param_groups, saved["opt"]):
        group.update({k: v for k, v in saved_group.items() if k != "params"})
    sched2.load_state_dict(saved["sched"])
    _compare(_trace(sched2, opt2, 18)[1:, :2], straight[13:, :2])


def test_plateau_state_dict_resumes():
    opt, _ = _optimizers()
    straight = _trace(lr_scheduler.ReduceLROnPlateau(opt, patience=1), opt, 20, METRICS)
    opt, _ = _optimizers()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    _trace(sched, opt, 8, METRICS)
    saved = json.loads(json.dumps(sched.state_dict()))
    lrs = [g["lr"] for g in opt.param_groups]
    opt2, _ = _optimizers()
    for g, lr in zip(opt2.param_groups, lrs):
        g["lr"] = lr
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2, patience=1)
    sched2.load_state_dict(saved)
    _compare(_trace(sched2, opt2, 12, METRICS[8:])[1:], straight[9:])


@pytest.mark.parametrize(("make", "message"), [
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), "start_factor"),
    (lambda o: lr_scheduler.StepLR(o, step_size=0), "StepLR: step_size must be positive, got 0"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0),
     "CosineAnnealingLR: T_max must be positive, got 0"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1), "total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.1], total_steps=5), "max_lr"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), "factor"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), "mode"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], [3]), "milestones"),
])
def test_bad_settings_raise(make, message):
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match=message):
        make(opt)


def test_one_cycle_refuses_to_step_past_total_steps():
    opt, _ = _optimizers()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()
