"""Scenarios: one click sets the controls to the situation behind a claim of the course.

Each names the claim (its number in docs/course.md, "Claim N") and the lab that measures it
(by its registered name, for ``tamrin labs run NAME``; the playground does not import the
labs), and says what to look at. Controls a scenario does not set take their defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    claim: int
    lab: str
    look: str                              # what the views show, in a sentence or two
    controls: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return asdict(self)


DEEP_SIGMOID = {"dataset": "moons", "hidden_layers": 10, "width": 16, "activation": "sigmoid",
                "init": "glorot", "optimizer": "momentum", "lr": 0.1, "batch_size": 32}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("deep-sigmoid", "10 sigmoid layers, Glorot", 8, "vanishing-gradients",
             "Each sigmoid layer multiplies the gradient by σ′ ≤ ¼: the first layer's "
             "gradient norm sits about a million times below the last layer's, and the "
             "loss hardly moves.", DEEP_SIGMOID),
    Scenario("deep-relu-he", "10 ReLU layers, He", 8, "vanishing-gradients",
             "The same depth with ReLU and He initialisation: the gradient norms of all "
             "layers stay within a few orders of magnitude and the net learns.",
             {**DEEP_SIGMOID, "activation": "relu", "init": "he"}),
    Scenario("deep-sigmoid-residual", "10 sigmoid layers with skips", 25,
             "vanishing-gradients",
             "y = x + F(x) gives the gradient a path around every layer (∂y/∂x = ∂F/∂x + 1): "
             "the first layer's gradient comes back to the last layer's order.",
             {**DEEP_SIGMOID, "residual": True}),
    Scenario("zero-init", "All weights zero", 11, "zero-init-symmetry",
             "Every hidden unit of a layer computes the same thing and gets the same "
             "update: the weight histograms stay single spikes and the boundary stays "
             "simple.", {"dataset": "circles", "hidden_layers": 2, "width": 8,
                         "activation": "sigmoid", "init": "zeros", "optimizer": "sgd",
                         "lr": 1.0}),
    Scenario("large-init-sigmoid", "Sigmoid with N(0, 1) weights", 10, "sigmoid-saturation",
             "From the second layer on (64 inputs per unit) the pre-activations have a standard "
             "deviation near 8: many sigmoid outputs sit at 0 or 1 (saturated, σ′ ≈ 0) and "
             "learning crawls; switch to Glorot to compare.",
             {"dataset": "spirals", "hidden_layers": 3, "width": 64, "activation": "sigmoid",
              "init": "normal", "optimizer": "sgd", "lr": 0.1}),
    Scenario("relu-then-sigmoid", "A ReLU before the output sigmoid", 13, "dying-relu",
             "σ(ReLU(z)) ≥ ½ for every input, so no point is ever given to the negative class "
             "with confidence: the boundary view has no class-0 colour, and the loss of each "
             "negative point stays at ln 2 or above (the mean floors near ½·ln 2 ≈ 0.35).",
             {"dataset": "moons", "activation": "relu", "output_activation": True}),
    Scenario("dying-relu", "ReLU with a huge learning rate", 12, "dying-relu",
             "A few oversized steps push units' biases far negative: they output 0 on every "
             "input, get no gradient and never recover (counted as dead in the activation "
             "histograms). Leaky ReLU has none.",
             {"dataset": "spirals", "hidden_layers": 3, "width": 32, "activation": "relu",
              "init": "he", "optimizer": "sgd", "lr": 3.0}),
    Scenario("lr-too-large", "Learning rate past the edge", 3, "step-size",
             "Above 2/L (L: the loss's largest curvature) gradient descent overshoots. With the "
             "full batch every step is exact, yet the training loss jumps up again and again "
             "instead of falling; at lr 2 it falls at every step.",
             {"dataset": "moons", "hidden_layers": 1, "width": 8, "activation": "tanh",
              "optimizer": "sgd", "lr": 10.0, "batch_size": 2000}),
    Scenario("batch-norm-batch-2", "Batch norm at batch size 2", 18, "batch-norm",
             "The statistics of two samples are noisy (std of the batch mean ≈ 1/√B): the "
             "mini-batch loss (training mode) and the loss in evaluation mode (running "
             "statistics) part ways.",
             {"dataset": "moons", "hidden_layers": 3, "width": 16, "batch_norm": True,
              "batch_size": 2, "optimizer": "sgd", "lr": 0.05}),
    Scenario("adam-no-bias-correction", "Adam without bias correction", 19,
             "adam-bias-correction",
             "With m₀ = s₀ = 0 and no correction, the first step is m/√s = 0.1g/(0.03|g|) ≈ "
             "3× the intended size: the loss zigzags over the first steps; switch the "
             "correction on and it falls smoothly.",
             {"dataset": "spirals", "hidden_layers": 2, "width": 16, "activation": "tanh",
              "optimizer": "adam", "lr": 0.02, "bias_correction": False, "batch_size": 2000}),
    Scenario("dropout-gap", "Dropout on a small noisy set", 17, "dropout-gap",
             "A wide net learns 60 noisy points by heart (training accuracy 100%, validation "
             "behind); dropout 0.5 narrows the gap. Set dropout to 0 to compare.",
             {"dataset": "moons", "samples": 60, "noise": 0.3, "validation": 0.5,
              "hidden_layers": 3, "width": 96, "dropout": 0.5, "optimizer": "adam",
              "lr": 0.01}),
    Scenario("l1-proximal", "L1 by soft-thresholding", 14, "l1-l2-sparsity",
             "The proximal step sets small weights to exactly zero (counted under the weight "
             "histograms); switch to the subgradient step and they only hover around zero.",
             {"dataset": "circles", "hidden_layers": 2, "width": 32, "optimizer": "sgd",
              "lr": 0.1, "l1": 0.001, "l1_mode": "proximal"}),
    Scenario("linear-stack", "Linear layers only, on XOR", 7, "linear-stack-collapse",
             "Without activations four layers multiply out to one matrix: the boundary is a "
             "straight line and XOR stays at chance. Pick any activation to fix it.",
             {"dataset": "xor", "hidden_layers": 4, "width": 16, "activation": "linear"}),
)

SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}
