"""fit, evaluate, predict: accuracy, history, NaN handling, clipping, schedulers."""

import math

import numpy as np
import pytest

import tamrin
from tamrin import nn, optim
from tamrin.models import MLP
from tamrin.train import History, evaluate, fit, predict, predicted_labels, resolve_metrics

from .helpers import blobs_loader, digits_loaders


@pytest.mark.parametrize("seed", [0, 1])
def test_mlp_on_digits_reaches_97_percent_test_accuracy(seed):
    """The acceptance run (docs/benchmarks.md): 97.8–98.1 % over seeds 0–3."""
    tamrin.manual_seed(seed)
    train, test = digits_loaders()
    model = MLP(64, [512], 10, dropout=0.3)
    opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=30, progress=False,
        scheduler=optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.3))
    assert evaluate(model, test, ["accuracy"])["accuracy"] >= 0.97


def test_history_records_steps_epochs_metrics_and_lr():
    tamrin.manual_seed(1)
    model = MLP(4, [8], 3)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = blobs_loader()
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, blobs_loader(seed=1), epochs=3,
                  metrics=["accuracy", "f1_macro"], progress=False,
                  scheduler=optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    assert len(history.steps) == 3 * len(loader)
    assert {"loss", "accuracy", "f1_macro", "lr", "time"} <= history.steps[0].keys()
    assert history["lr"] == [0.1, 0.05, 0.025]
    assert history.steps[-1]["lr"] == 0.025
    assert len(history["val_accuracy"]) == 3 and 0 <= history["val_f1_macro"][-1] <= 1
    assert history["loss"][-1] < history["loss"][0]
    with pytest.raises(KeyError, match="recorded"):
        history["nope"]
    again = History.from_dict(history.to_dict())
    assert again == history


def test_epoch_metrics_are_over_the_whole_pass_not_a_mean_of_batches():
    model = MLP(4, [], 3)
    loader = blobs_loader(n=10, batch_size=4, shuffle=False)  # batches of 4, 4, 2
    outputs = predict(model, loader)
    targets = np.concatenate([b[1].numpy() for b in loader])
    expected = np.mean(outputs.argmax(1) == targets)
    assert evaluate(model, loader, ["accuracy"])["accuracy"] == pytest.approx(expected)


def test_nan_loss_stops_with_epoch_and_step_and_leaves_weights_untouched():
    tamrin.manual_seed(2)
    X = np.random.default_rng(0).normal(size=(12, 4)).astype(np.float32)
    X[9] = np.nan                              # batch 3 of 4 (batch size 4)
    loader = tamrin.data.DataLoader(tamrin.data.TensorDataset(X, np.zeros(12, np.int64)), 4)
    model = MLP(4, [5], 2)
    before = {}

    class Spy(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, x):
            before.update({k: np.array(v.numpy()) for k, v in model.state_dict().items()})
            return self.inner(x)

    spy = Spy()
    with pytest.raises(FloatingPointError, match=r"epoch 1, step 3"):
        fit(spy, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
            epochs=1, progress=False)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])

    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  loader, epochs=2, nan_policy="skip", progress=False,
                  metrics={"samples": lambda y, out: float(len(y))})
    assert history["samples"] == [8.0, 8.0]  # the skipped batch counts in no metric
    assert [s.get("skipped", False) for s in history.steps] == [False, False, True] * 2
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())
    assert math.isfinite(history["loss"][-1])


def test_clip_grad_norm_bounds_the_update():
    tamrin.manual_seed(3)
    model = MLP(4, [8], 3)
    before = np.concatenate([p.numpy().ravel().copy() for p in model.parameters()])
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0),
        blobs_loader(n=16, batch_size=16), epochs=1, clip_grad_norm=1e-3, progress=False)
    after = np.concatenate([p.numpy().ravel() for p in model.parameters()])
    assert 0 < np.linalg.norm(after - before) <= 1e-3 * (1 + 1e-5)


def test_reduce_on_plateau_gets_the_validation_loss():
    model = MLP(4, [], 3)
    opt = optim.SGD(model.parameters(), lr=0.0)  # nothing improves
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    opt.param_groups[0]["lr"] = 0.0
    history = fit(model, nn.CrossEntropyLoss(), opt, blobs_loader(), blobs_loader(seed=1),
                  epochs=3, scheduler=sched, progress=False)
    assert len(history.epochs) == 3 and sched.best == pytest.approx(history["val_loss"][0])


def test_evaluate_and_predict_use_eval_mode_and_restore_it():
    model = MLP(4, [16], 3, dropout=0.5)
    model.train()
    X = np.ones((5, 4), np.float32)
    a, b = predict(model, X, batch_size=2), predict(model, tamrin.tensor(X))
    np.testing.assert_allclose(a, b, rtol=1e-5)   # dropout off: deterministic
    assert a.shape == (5, 3) and model.training
    logs = evaluate(model, blobs_loader(), ["accuracy"], loss_fn=nn.CrossEntropyLoss())
    assert set(logs) == {"loss", "accuracy"} and model.training


def test_metric_names_and_callables():
    assert predicted_labels(np.array([[0.1, 0.9], [2.0, 1.0]])).tolist() == [1, 0]
    assert predicted_labels(np.array([[-0.3], [0.2]])).tolist() == [0, 1]
    fns = resolve_metrics(["accuracy", "recall_macro", "r2"])
    y, out = np.array([0, 1, 1]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert fns["accuracy"](y, out) == pytest.approx(2 / 3)
    assert fns["recall_macro"](y, out) == pytest.approx(0.75)
    assert resolve_metrics({"mine": len}) == {"mine": len}
    with pytest.raises(ValueError, match="unknown metric"):
        resolve_metrics(["accurasy"])


def test_bad_batches_and_options_are_errors():
    model = MLP(4, [], 3)
    loader = tamrin.data.DataLoader(tamrin.data.TensorDataset(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="pair"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
            progress=False)
    with pytest.raises(ValueError, match="nan_policy"):
        fit(model, nn.CrossEntropyLoss(), None, loader, nan_policy="ignore")


def test_progress_bar_shows_on_request(capsys):
    model = MLP(4, [], 3)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), blobs_loader(),
        epochs=1, progress=True, metrics=["accuracy"])
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "accuracy" in err


def test_progress_bar_is_off_by_default_when_stderr_is_not_a_terminal(capsys):
    model = MLP(4, [], 3)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), blobs_loader(),
        epochs=1, metrics=["accuracy"])
    assert "epoch 1/1" not in capsys.readouterr().err
