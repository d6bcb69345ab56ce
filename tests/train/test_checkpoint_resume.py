"""Checkpoints (no pickle), callbacks, and resuming a run with identical results."""

import json

import numpy as np
import pytest

import tamrin
from tamrin import nn, optim
from tamrin.checkpoint import flatten, load_checkpoint, save_checkpoint, unflatten
from tamrin.data.transforms import GaussianNoise
from tamrin.models import MLP
from tamrin.train import Callback, EarlyStopping, ModelCheckpoint, fit

from .helpers import blobs_loader


def test_flatten_round_trip_keeps_types_and_moves_arrays_out():
    state = {"state": {0: {"step": 3, "exp_avg": np.arange(3.0)}},
             "groups": [{"betas": (0.9, 0.999), "lr": float("inf"), "name": None}]}
    arrays = {}
    skeleton = flatten(state, "optimizer", arrays)
    json.dumps(skeleton)                                        # plain JSON
    assert list(arrays) == ["optimizer.state.0.exp_avg"]
    back = unflatten(skeleton, {k: tamrin.from_numpy(v) for k, v in arrays.items()})
    assert back["state"][0]["step"] == 3 and back["groups"][0]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], np.arange(3.0))
    with pytest.raises(TypeError, match="cannot store"):
        flatten({"f": object()}, "x", {})


def test_checkpoint_restores_model_optimizer_scheduler_and_rng(tmp_path):
    tamrin.manual_seed(0)
    model = MLP(4, [6], 3)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, nn.CrossEntropyLoss(), opt, blobs_loader(), epochs=2, scheduler=sched,
        progress=False)
    save_checkpoint(tmp_path / "c.safetensors", model, opt, sched, epoch=2,
                    state={"note": "x"}, metadata={"model": "mlp"})
    expected_draw = tamrin.rand(3).numpy()
    model2 = MLP(4, [6], 3)
    opt2 = optim.Adam(model2.parameters(), lr=0.5)
    sched2 = optim.lr_scheduler.StepLR(opt2, step_size=1, gamma=0.5)
    ckpt = load_checkpoint(tmp_path / "c.safetensors", model2, opt2, sched2, restore_rng=True)
    np.testing.assert_array_equal(tamrin.rand(3).numpy(), expected_draw)
    assert ckpt.epoch == 2 and ckpt.state == {"note": "x"} and ckpt.metadata == {"model": "mlp"}
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.0025
    assert sched2.last_epoch == 2
    for p, q in zip(opt.state.values(), opt2.state.values()):
        np.testing.assert_array_equal(p["exp_avg"], q["exp_avg"])
    tamrin.save(model.state_dict(), tmp_path / "bare.safetensors")
    with pytest.raises(ValueError, match="not a tamrin training checkpoint"):
        load_checkpoint(tmp_path / "bare.safetensors", model2)


def _setup(seed=0):
    tamrin.manual_seed(seed)
    model = MLP(4, [16], 3, dropout=0.3, batch_norm=True)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loader = blobs_loader(transform=GaussianNoise(sigma=0.1, clip=False))
    return model, opt, sched, loader


def _run(model, opt, sched, loader, tmp, epochs, resume=False):
    callbacks = [EarlyStopping(patience=10, restore_best_weights=True),
                 ModelCheckpoint(tmp, monitor="val_accuracy")]
    return fit(model, nn.CrossEntropyLoss(), opt, loader, blobs_loader(seed=5), epochs,
               metrics=["accuracy"], scheduler=sched, callbacks=callbacks, progress=False,
               resume_from=tmp if resume else None)


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path):
    """Shuffling, dropout, noise augmentation, batch-norm statistics, Adam moments, the LR
    schedule and the callbacks' state must all continue exactly."""
    model, opt, sched, loader = _setup()
    full = _run(model, opt, sched, loader, tmp_path / "full", epochs=5)

    _run(*_setup(), tmp_path / "cut", epochs=2)                 # interrupted after 2 epochs
    model2, opt2, sched2, loader2 = _setup(seed=123)            # a fresh process, other seed
    resumed = _run(model2, opt2, sched2, loader2, tmp_path / "cut", epochs=5, resume=True)

    assert [s["loss"] for s in resumed.steps] == [s["loss"] for s in full.steps]
    assert resumed["val_loss"] == full["val_loss"] and resumed["lr"] == full["lr"]
    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    best = load_checkpoint(tmp_path / "cut" / "best.safetensors")
    assert best.epoch == int(np.argmax(full["val_accuracy"])) + 1


class _Scores(Callback):
    """Feed a fixed sequence of 'score' values to the callbacks after it."""

    def __init__(self, scores):
        self.scores = scores

    def on_epoch_end(self, run, logs):
        logs["score"] = self.scores[run.epoch - 1]


def test_early_stopping_waits_patience_epochs_and_restores_the_best_weights():
    tamrin.manual_seed(0)
    model = MLP(4, [6], 3)
    weights = []

    class Keep(Callback):
        def on_epoch_end(self, run, logs):
            weights.append({k: np.array(v.numpy()) for k, v in run.model.state_dict().items()})

    stop = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  blobs_loader(), epochs=10, progress=False,
                  callbacks=[_Scores([3.0, 1.0, 2.0, 1.5, 0.5]), Keep(), stop])
    assert len(history.epochs) == 4 and stop.stopped_epoch == 4
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), weights[1][k])  # epoch 2 had the best
    with pytest.raises(KeyError, match="val_loader"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            blobs_loader(), progress=False, callbacks=[EarlyStopping()])


def test_model_checkpoint_writes_best_and_last(tmp_path):
    tamrin.manual_seed(0)
    model = MLP(4, [6], 3)
    ckpt = ModelCheckpoint(tmp_path, monitor="score", mode="max", metadata={"k": "v"})
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), blobs_loader(),
        epochs=3, progress=False, callbacks=[_Scores([1.0, 3.0, 2.0]), ckpt])
    best, last = load_checkpoint(ckpt.best_path), load_checkpoint(ckpt.last_path)
    assert (best.epoch, last.epoch) == (2, 3) and last.metadata == {"k": "v"}
    assert len(last.state["history"]["epochs"]) == 3
    assert last.optimizer["param_groups"][0]["lr"] == 0.1
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
