"""``conv-output-size``: one conv layer's output size, parameters and multiplications::

    H' = ⌊(H + 2P − K)/S⌋ + 1
    weights = K·K·C_in·C_out,   biases = C_out
    multiplications = H'·H'·K·K·C_in·C_out     (every weight once per output position)

The stride divides the work by about S² and leaves the parameters alone. The solver runs
a ``tamrin.nn.Conv2d`` on a zero input (output size) and counts its parameters; it asserts
the formulas agree.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

import tamrin
from tamrin import nn
from tamrin.homework.document import Block, Paragraph
from tamrin.homework.problem import (
    Mistake,
    Param,
    ParameterProblem,
    Params,
    Problem,
    Quantity,
    Solution,
    Step,
)
from tamrin.homework.problems._common import agree

NAMES = ("size", "kernel", "stride", "padding", "in_channels", "out_channels")


def by_hand(p: Params, *, rounding: str = "floor", padding_sides: int = 2,
            input_channels: bool = True) -> dict[str, int]:
    """The formulas of the module docstring — or mistaken: ``rounding="ceil"`` (no floor),
    ``padding_sides=1`` (H + P − K), ``input_channels=False`` (K·K·C_out weights)."""
    size, k, s, pad, c_in, c_out = (p[n] for n in NAMES)
    span = (size + padding_sides * pad - k) / s
    out = (math.floor(span) if rounding == "floor" else math.ceil(span)) + 1
    weights = k * k * c_out * (c_in if input_channels else 1)
    return {"output_size": out, "weights": weights, "biases": c_out,
            "multiplications": out * out * weights}


class ConvOutputSize(Problem):
    id = "conv-output-size"
    title = "A convolution's output size and cost"
    summary = "output size ⌊(H + 2P − K)/S⌋ + 1, parameters and multiplications of one conv"
    parameters = {"size": Param("integer", 1, 512), "kernel": Param("integer", 1, 15),
                  "stride": Param("integer", 1, 8), "padding": Param("integer", 0, 8),
                  "in_channels": Param("integer", 1, 512),
                  "out_channels": Param("integer", 1, 512)}
    mistakes = (
        Mistake("output_size_without_floor",
                "the output size was rounded up; a window that does not fit is dropped: "
                "⌊(H + 2P − K)/S⌋ + 1",
                partial(by_hand, rounding="ceil")),
        Mistake("padding_counted_once",
                "the padding was added on one side only; it pads both sides: H + 2P",
                partial(by_hand, padding_sides=1)),
        Mistake("conv_weights_without_input_channels",
                "the weights were counted without the input channels: each of the C_out "
                "filters is K×K×C_in",
                partial(by_hand, input_channels=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        return {"size": int(rng.integers(7, 65)), "kernel": int(rng.choice([2, 3, 5, 7])),
                "stride": int(rng.choice([2, 3])), "padding": int(rng.integers(1, 3)),
                "in_channels": int(rng.choice([3, 8, 16, 32])),
                "out_channels": int(rng.choice([8, 16, 32, 64]))}

    def course(self) -> Params:
        """Claim 28's formula on the course's 128×128 input: a 9×9 conv at stride 2."""
        return {"size": 128, "kernel": 9, "stride": 2, "padding": 1, "in_channels": 1,
                "out_channels": 32}

    def check_consistency(self, params: Params) -> None:
        if params["size"] + 2 * params["padding"] < params["kernel"]:
            raise ParameterProblem("kernel", "the kernel is larger than the padded input")

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("output_size", "the output's height (= width) $H'$"),
                Quantity("weights", "the number of weights"),
                Quantity("biases", "the number of biases"),
                Quantity("multiplications", "multiplications for one input image")]

    def statement(self, params: Params) -> list[Block]:
        p = params
        return [Paragraph(f"A conv layer with {p['out_channels']} filters of "
                          f"{p['kernel']}×{p['kernel']}, stride {p['stride']} and zero "
                          f"padding {p['padding']} on every side reads "
                          f"{p['in_channels']}×{p['size']}×{p['size']} inputs. Give the "
                          "output's height, the numbers of weights and biases, and how many "
                          "multiplications one image costs.")]

    def compute(self, params: Params) -> Solution:
        size, k, s, pad, c_in, c_out = (params[n] for n in NAMES)
        probe = nn.Conv2d(1, 1, k, stride=s, padding=pad)
        with tamrin.no_grad():
            out = probe(tamrin.zeros(1, 1, size, size)).shape[-1]
        layer = nn.Conv2d(c_in, c_out, k, stride=s, padding=pad)
        weights, biases = layer.weight.numel(), layer.bias.numel()
        values = {"output_size": out, "weights": weights, "biases": biases,
                  "multiplications": out * out * weights}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Output size", rf"H' = \left\lfloor\frac{{{size} + 2\cdot{pad} - {k}}}{{{s}}}"
                 r"\right\rfloor + 1", {"output_size": out}),
            Step("Parameters", rf"\text{{weights}} = {k}\cdot{k}\cdot{c_in}\cdot{c_out},\quad"
                 rf"\text{{biases}} = {c_out}", {"weights": weights, "biases": biases}),
            Step("Multiplications", r"H'^2 \cdot \text{weights}",
                 {"multiplications": values["multiplications"]}),
        ])
