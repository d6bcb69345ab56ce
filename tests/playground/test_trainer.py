"""One run, in-process: the network, the optimiser wiring, the training step and the views."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from tamrin import nn
from tamrin.playground import limits, views
from tamrin.playground.config import FIELD_BY_NAME, parse_config
from tamrin.playground.datasets import DATASETS, make_data
from tamrin.playground.network import PlaygroundNet, parameter_count
from tamrin.playground.trainer import Trainer, TrainingStopped, batches


def trained(steps: int = 20, **controls) -> Trainer:
    trainer = Trainer(parse_config(controls))
    for _ in range(steps):
        trainer.step()
    return trainer


def test_a_seed_reproduces_a_run_and_another_seed_does_not():
    controls = {"dropout": 0.3, "batch_norm": True, "seed": 7}
    a, b = trained(**controls), trained(**controls)
    np.testing.assert_array_equal(a.model.head.weight.numpy(), b.model.head.weight.numpy())
    assert a.record()["train_loss"] == b.record()["train_loss"]
    c = trained(**{**controls, "seed": 8})
    assert not np.array_equal(a.model.head.weight.numpy(), c.model.head.weight.numpy())


@pytest.mark.parametrize("name", DATASETS)
def test_every_data_set_trains_and_draws(name):
    if DATASETS[name].needs:
        pytest.importorskip(DATASETS[name].needs)
    trainer = trained(dataset=name, samples=100)
    point, shown = trainer.record(), trainer.views()
    json.dumps([point, shown, trainer.scene()], allow_nan=False)
    classes = DATASETS[name].classes
    assert trainer.model.head.out_features == (1 if classes == 2 else classes)
    grid = base64.b64decode(shown["boundary"]["classes"])
    assert len(grid) == limits.GRID_SIZE ** 2 and max(grid) < classes
    assert len(shown["activations"]) == 2 and len(shown["weights"]) == 3


def test_digits_are_standardised_and_drawn_on_their_principal_plane():
    pytest.importorskip("sklearn")
    data = make_data("digits", 0, 0.0, 0.2, seed=0)
    assert data.x_train.shape[1] == 64 and len(data.x_train) + len(data.x_val) == 1797
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-5)
    basis = data.plane.basis
    np.testing.assert_allclose(basis @ basis.T, np.eye(2), atol=1e-6)
    assert data.plane.grid(5).shape == (25, 64)


def test_noise_and_split_follow_the_controls():
    clean = make_data("moons", 200, 0.0, 0.25, seed=1)
    noisy = make_data("moons", 200, 0.3, 0.25, seed=1)
    assert len(clean.x_val) == 50 and np.bincount(clean.y_train).tolist() == [75, 75]
    radius = np.abs(np.linalg.norm(clean.x_train - [0.5, 0.25], axis=1))
    assert radius.max() < 2 and not np.allclose(clean.x_train, noisy.x_train)


@pytest.mark.parametrize("activation", FIELD_BY_NAME["activation"].choices)
@pytest.mark.parametrize("init", FIELD_BY_NAME["init"].choices)
def test_every_activation_and_initialiser(activation, init):
    trainer = trained(steps=3, activation=activation, init=init, hidden_layers=2, width=4)
    first = trainer.model.linears()[0]
    assert first.weight.shape == (4, 2)
    if init != "default":
        assert np.all(np.abs(first.bias.numpy()) < 1.0)


def test_initialisers_fill_as_named():
    def first_weight(init, width=128):
        return Trainer(parse_config({"init": init, "width": width})).model.linears()[1]

    assert np.all(first_weight("zeros").weight.numpy() == 0)
    assert np.all(first_weight("constant").weight.numpy() == 0.1)
    assert first_weight("normal").weight.numpy().std() == pytest.approx(1.0, rel=0.05)
    assert first_weight("he").weight.numpy().std() == pytest.approx(math.sqrt(2 / 128), rel=0.05)
    assert first_weight("glorot").weight.numpy().std() == pytest.approx(math.sqrt(1 / 128),
                                                                        rel=0.05)
    assert first_weight("lecun").weight.numpy().std() == pytest.approx(math.sqrt(1 / 128),
                                                                       rel=0.05)
    default = first_weight("default")
    assert np.abs(default.weight.numpy()).max() <= 1 / math.sqrt(128)
    assert np.any(default.bias.numpy() != 0)


@pytest.mark.parametrize("optimizer", FIELD_BY_NAME["optimizer"].choices)
@pytest.mark.parametrize("bias_correction", [True, False])
def test_every_optimiser_lowers_the_loss(optimizer, bias_correction):
    lr = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1}.get(optimizer, 0.01)
    trainer = Trainer(parse_config({"optimizer": optimizer, "lr": lr, "seed": 3,
                                    "bias_correction": bias_correction}))
    before = trainer.record()["train_loss"]
    for _ in range(150):
        trainer.step()
    assert trainer.record()["train_loss"] < 0.8 * before


def test_optimiser_options_reach_the_library():
    opt = Trainer(parse_config({"optimizer": "nesterov", "l2": 0.01})).optimizer
    decayed = [g for g in opt.param_groups if g["weight_decay"] == 0.01]
    assert all(g["nesterov"] and g["momentum"] == 0.9 for g in opt.param_groups)
    assert all(p.ndim == 2 for g in decayed for p in g["params"])     # weights only
    every = Trainer(parse_config({"optimizer": "adamw", "l2": 0.01, "regularize_bias": True,
                                  "bias_correction": False})).optimizer
    assert [g["weight_decay"] for g in every.param_groups] == [0.01]
    assert every.param_groups[0]["bias_correction"] is False


def test_proximal_l1_gives_exact_zeros_and_the_subgradient_does_not():
    controls = {"dataset": "circles", "width": 32, "optimizer": "sgd", "lr": 0.1, "l1": 0.003}
    proximal = trained(steps=300, **controls, l1_mode="proximal")
    subgradient = trained(steps=300, **controls, l1_mode="subgradient")
    zeros = [sum(w["zeros"] for w in t.views()["weights"]) for t in (proximal, subgradient)]
    assert zeros[0] > 100 and zeros[1] == 0
    assert np.all(proximal.model.linears()[1].bias.numpy() != 0)       # biases are not shrunk


def test_residual_skips_only_where_the_widths_match():
    net = PlaygroundNet(2, [8, 8, 8], 1, residual=True)
    assert [layer.residual for layer in net.hidden] == [False, True, True]


@pytest.mark.parametrize("batch_norm", [False, True])
def test_the_parameter_count_is_that_of_the_network(batch_norm):
    net = PlaygroundNet(64, [32, 16, 16], 10, batch_norm=batch_norm)
    assert parameter_count(64, [32, 16, 16], 10, batch_norm) == \
        sum(p.numel() for p in net.parameters())


def test_the_output_activation_is_applied_to_the_logit():
    net = PlaygroundNet(2, [4], 1, activation="relu", output_activation=True)
    assert isinstance(net.output_activation, nn.ReLU)
    assert PlaygroundNet(2, [], 1).linears()[0].in_features == 2      # no hidden layer


def test_batches_have_one_size_and_cover_an_epoch():
    rng = np.random.default_rng(0)
    first_epoch = [next(b) for b in [batches(10, 3, rng)] for _ in range(3)]
    assert [len(i) for i in first_epoch] == [3, 3, 3]
    assert len(set(np.concatenate(first_epoch))) == 9
    full = batches(10, 50, rng)
    assert sorted(next(full)) == list(range(10))


def test_a_batch_larger_than_the_training_set_is_the_full_batch():
    trainer = Trainer(parse_config({"batch_size": 2000, "samples": 100}))
    assert trainer.batch_size == 80 and trainer.steps_per_epoch == 1
    trainer.step()
    assert trainer.epoch == 1


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # the overflow is the point
def test_divergence_stops_training_with_a_message():
    trainer = Trainer(parse_config({"optimizer": "sgd", "lr": 100.0, "init": "normal",
                                    "width": 128, "hidden_layers": 5}))
    with pytest.raises(TrainingStopped, match="learning rate"):
        for _ in range(100):
            trainer.step()
    json.dumps([trainer.record(), trainer.views()], allow_nan=False)


def test_the_record_has_the_last_updates_gradients():
    trainer = Trainer(parse_config({"hidden_layers": 3}))
    assert trainer.record()["grad_norms"] == [None] * 4
    trainer.step()
    point = trainer.record()
    assert all(g > 0 for g in point["grad_norms"]) and point["batch_loss"] > 0
    assert trainer.record()["batch_loss"] is None           # no step since the last record


def test_histograms_and_unit_counts():
    assert views.histogram(np.array([np.nan, np.inf])) == {"lo": 0.0, "hi": 1.0,
                                                           "counts": [0] * limits.HISTOGRAM_BINS}
    flat = views.histogram(np.full(10, 3.0))
    assert flat["lo"] < 3 < flat["hi"] and sum(flat["counts"]) == 10
    close = views.histogram(np.array([0.5, np.nextafter(np.float32(0.5), 1)], np.float32))
    assert sum(close["counts"]) == 2        # float32 values one ulp apart: still a histogram
    sig = np.array([[0.001, 0.5], [0.999, 0.5]])
    assert views.unit_stats("sigmoid", sig) == {"saturated": 0.5}
    assert views.unit_stats("tanh", np.array([[0.99, 0.0]])) == {"saturated": 0.5}
    relu = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert views.unit_stats("relu", relu) == {"dead": 1, "units": 3}
    assert views.unit_stats("elu", relu) == {}


def test_probabilities_are_a_sigmoid_or_a_softmax():
    p = views.probabilities(np.array([[0.0], [1000.0]]), 2)
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.0, 1.0]])
    q = views.probabilities(np.array([[1.0, 1.0, 1.0]]), 3)
    np.testing.assert_allclose(q, [[1 / 3] * 3])
