"""``init-variance``: the variances and bounds of the usual initialisers for a layer with
fan_in inputs and fan_out outputs::

    LeCun                     Var = 1/fan_in
    Glorot (Xavier)           Var = 2/(fan_in + fan_out),   uniform bound √(6/(fan_in + fan_out))
    He (Kaiming)              Var = 2/fan_in,               uniform bound √(6/fan_in)
    PyTorch's Linear default  U(±1/√fan_in), Var = 1/(3·fan_in)

In ``tamrin.nn.init`` each is a gain g and a fan: Var = g²/fan for He, LeCun and the
default (g² = 2 for ReLU, 1 for linear, 2/(1 + 5) for leaky ReLU with a = √5), and
g²·2/(fan_in + fan_out) for Glorot; U(−b, b) has Var = b²/3. The solver takes the fans of
a (fan_out, fan_in) weight and the gains from ``tamrin.nn.init`` and asserts that the
closed forms above agree.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

import tamrin
from tamrin.homework.document import Block, Paragraph
from tamrin.homework.problem import Mistake, Param, Params, Problem, Quantity, Solution, Step
from tamrin.homework.problems._common import agree
from tamrin.nn import init

VARIANCES = ("var_lecun", "var_glorot", "var_he", "var_pytorch_linear_default")
FANS = (16, 20, 32, 50, 64, 100, 128, 200, 256, 300, 400, 500, 512, 784, 1000, 1024)


def by_hand(p: Params, *, glorot: str = "2/(in+out)", std: bool = False) -> dict[str, float]:
    """The six numbers by the closed forms — or mistaken: ``glorot="1/(in+out)"`` (factor 2
    lost), ``glorot="1/in"`` (LeCun's variance called Xavier), ``std`` (standard deviations
    given where variances are asked)."""
    fan_in, fan_out = p["fan_in"], p["fan_out"]
    var_glorot = {"2/(in+out)": 2 / (fan_in + fan_out), "1/(in+out)": 1 / (fan_in + fan_out),
                  "1/in": 1 / fan_in}[glorot]
    values = {"var_lecun": 1 / fan_in, "var_glorot": var_glorot, "var_he": 2 / fan_in,
              "bound_glorot_uniform": math.sqrt(3 * var_glorot),
              "bound_he_uniform": math.sqrt(6 / fan_in),
              "var_pytorch_linear_default": 1 / (3 * fan_in)}
    if std:
        values |= {k: math.sqrt(values[k]) for k in VARIANCES}
    return values


class InitVariance(Problem):
    id = "init-variance"
    title = "Initialisation variances"
    summary = "LeCun, Glorot, He and PyTorch-default variances and uniform bounds of a layer"
    parameters = {"fan_in": Param("integer", 1, 10**9), "fan_out": Param("integer", 1, 10**9)}
    mistakes = (
        Mistake("glorot_missing_factor_2",
                "Glorot's variance is 2/(fan_in + fan_out), not 1/(fan_in + fan_out) (and its "
                "uniform bound √(6/(fan_in + fan_out)))",
                partial(by_hand, glorot="1/(in+out)")),
        Mistake("glorot_is_lecun",
                "1/fan_in is LeCun's variance; Glorot (Xavier) averages both fans: "
                "2/(fan_in + fan_out)",
                partial(by_hand, glorot="1/in")),
        Mistake("std_given_as_variance",
                "a standard deviation was given as the variance: He's N(0, √(2/n)) means "
                "std √(2/n), variance 2/n",
                partial(by_hand, std=True)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        fan_in, fan_out = (int(n) for n in rng.choice(FANS, size=2, replace=False))
        return {"fan_in": fan_in, "fan_out": fan_out}

    def course(self) -> Params:
        """The first layer of an MNIST MLP: 784 inputs, 256 units."""
        return {"fan_in": 784, "fan_out": 256}

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("var_lecun", "variance of LeCun initialisation"),
                Quantity("var_glorot", "variance of Glorot (Xavier) initialisation"),
                Quantity("var_he", "variance of He (Kaiming) initialisation, for ReLU"),
                Quantity("bound_glorot_uniform", "bound $b$ of Glorot uniform, $U(-b, b)$"),
                Quantity("bound_he_uniform", "bound $b$ of He uniform, $U(-b, b)$"),
                Quantity("var_pytorch_linear_default",
                         r"variance of PyTorch's default for `Linear`, "
                         r"$U(\pm 1/\sqrt{\mathrm{fan\_in}})$")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(f"A fully connected layer has fan_in = {params['fan_in']} inputs and "
                          f"fan_out = {params['fan_out']} outputs. Give the variance of its "
                          "weights under each initialiser, and the bounds of the uniform "
                          "versions.")]

    def compute(self, params: Params) -> Solution:
        weight = tamrin.from_numpy(np.broadcast_to(np.float32(0),
                                                   (params["fan_out"], params["fan_in"])))
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(weight)
        relu, linear = init.calculate_gain("relu"), init.calculate_gain("linear")
        default = init.calculate_gain("leaky_relu", math.sqrt(5))
        values = {"var_lecun": linear**2 / fan_in,
                  "var_glorot": linear**2 * 2 / (fan_in + fan_out),
                  "var_he": relu**2 / fan_in}
        values |= {"bound_glorot_uniform": math.sqrt(3 * values["var_glorot"]),
                   "bound_he_uniform": math.sqrt(3 * values["var_he"]),
                   "var_pytorch_linear_default": default**2 / fan_in}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("LeCun", r"\mathrm{Var} = 1/\mathrm{fan_{in}}",
                 {"var_lecun": values["var_lecun"]}),
            Step("Glorot (Xavier)", r"\mathrm{Var} = \frac{2}{\mathrm{fan_{in}} + "
                 r"\mathrm{fan_{out}}},\quad b = \sqrt{3\,\mathrm{Var}} = "
                 r"\sqrt{\frac{6}{\mathrm{fan_{in}} + \mathrm{fan_{out}}}}",
                 {k: values[k] for k in ("var_glorot", "bound_glorot_uniform")}),
            Step("He (Kaiming)", r"\mathrm{Var} = \frac{2}{\mathrm{fan_{in}}},\quad b = "
                 r"\sqrt{3\,\mathrm{Var}} = \sqrt{\frac{6}{\mathrm{fan_{in}}}}",
                 {k: values[k] for k in ("var_he", "bound_he_uniform")}),
            Step("PyTorch's Linear default", r"U\!\left(\pm\frac{1}{\sqrt{\mathrm{fan_{in}}}}"
                 r"\right):\; \mathrm{Var} = \frac{b^2}{3} = \frac{1}{3\,\mathrm{fan_{in}}}",
                 {"var_pytorch_linear_default": values["var_pytorch_linear_default"]}),
        ])
