"""Each scenario is a valid set of controls, links to a real lab and a real claim, and shows
what it says it shows (measured on a short run of its configuration)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from tamrin import from_numpy
from tamrin.playground.config import parse_config
from tamrin.playground.scenarios import SCENARIO_BY_NAME, SCENARIOS
from tamrin.playground.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "src" / "tamrin" / "labs" / "catalog"


def run(name: str, steps: int) -> Trainer:
    trainer = Trainer(parse_config(SCENARIO_BY_NAME[name].controls))
    for _ in range(steps):
        trainer.step()
    return trainer


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_a_scenario_is_valid_and_links_to_its_lab_and_claim(scenario):
    parse_config(scenario.controls)
    course = (ROOT / "docs" / "course.md").read_text(encoding="utf-8")
    assert f"#### Claim {scenario.claim}\n" in course
    # by name only: the playground never imports the labs
    sources = "".join(p.read_text(encoding="utf-8") for p in CATALOG.glob("*.py"))
    assert re.search(rf"[\"']{re.escape(scenario.lab)}[\"']", sources), scenario.lab
    try:
        from tamrin.labs import get
        lab = get(scenario.lab)
    except (ImportError, KeyError):      # a lab not yet converted to the registry
        return
    assert scenario.claim in lab.claims


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_a_scenario_trains_and_draws(scenario):
    trainer = run(scenario.name, 30)
    json.dumps([trainer.record(), trainer.views(), trainer.scene()], allow_nan=False)


def test_scenario_names_are_unique():
    assert len(SCENARIO_BY_NAME) == len(SCENARIOS)


def test_deep_sigmoid_first_layer_gradient_is_below_a_thousandth_of_the_last():
    norms = run("deep-sigmoid", 50).record()["grad_norms"]
    assert norms[0] < 1e-3 * norms[-1]


def test_relu_he_and_skips_keep_the_first_layer_gradient_alive():
    for name in ("deep-relu-he", "deep-sigmoid-residual"):
        norms = run(name, 50).record()["grad_norms"]
        assert norms[0] > 1e-2 * norms[-1], name


def test_zero_init_keeps_the_hidden_units_identical():
    first, second, head = (lin.weight.numpy() for lin in run("zero-init", 200).model.linears())
    assert np.all(first == first[0])            # every unit has the same incoming weights
    assert np.all(second == second[0, 0]) and np.all(head == head[0, 0])
    assert head[0, 0] != 0                      # while the output layer did learn


def test_large_init_saturates_the_deeper_sigmoid_layers():
    shown = run("large-init-sigmoid", 20).views()["activations"]
    assert shown[-1]["saturated"] > 0.2


def test_relu_before_the_output_sigmoid_never_predicts_class_0_with_confidence():
    trainer = run("relu-then-sigmoid", 300)
    assert trainer.record()["train_loss"] >= 0.99 * math.log(2) / 2
    logits = trainer.model(from_numpy(trainer.data.x_train)).numpy()
    assert np.all(logits >= 0)                      # p = σ(ReLU(z)) ≥ ½ everywhere


def test_huge_learning_rate_kills_relu_units():
    shown = run("dying-relu", 300).views()["activations"]
    assert sum(a["dead"] for a in shown) > 0


def test_learning_rate_past_the_edge_makes_the_full_batch_loss_rise():
    trainer = Trainer(parse_config(SCENARIO_BY_NAME["lr-too-large"].controls))
    losses = [trainer.step() for _ in range(30)]
    assert sum(b > a for a, b in zip(losses, losses[1:])) >= 3
    gentle = Trainer(parse_config({**SCENARIO_BY_NAME["lr-too-large"].controls, "lr": 1.0}))
    calm = [gentle.step() for _ in range(30)]
    assert all(b <= a for a, b in zip(calm, calm[1:]))


def test_proximal_l1_scenario_zeroes_weights():
    shown = run("l1-proximal", 300).views()["weights"]
    assert sum(w["zeros"] for w in shown) > 100


def test_linear_stack_cannot_learn_xor():
    assert run("linear-stack", 300).record()["train_acc"] < 0.7


def test_dropout_scenario_learns_the_training_set_by_heart_without_dropout():
    controls = {**SCENARIO_BY_NAME["dropout-gap"].controls, "dropout": 0.0}
    trainer = Trainer(parse_config(controls))
    for _ in range(400):
        trainer.step()
    point = trainer.record()
    assert point["train_acc"] == 1.0 and point["val_acc"] < 1.0
