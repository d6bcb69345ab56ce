"""``cnn-table``: the shape and parameter table of a CNN written in the course's notation.

Layer k is the spec's k-th token (``CONV-9-32`` is layer 1, the ``POOL-2`` after it layer
2); the ReLU after a conv and the flattening before an FC are not layers here::

    CONV-K-n  (stride S, padding P):  H' = ⌊(H + 2P − K)/S⌋ + 1,
              weights K·K·C·n (C input channels), biases n
    POOL-K    (stride K):             H' = ⌊(H − K)/K⌋ + 1, channels kept, no parameters
    FC-n      on N inputs:            weights N·n, biases n

The solver builds the network with ``tamrin.nn.from_spec`` and reads the table from
``tamrin.nn.summary`` (one forward pass); it asserts that the formulas above agree.
"""

from __future__ import annotations

import math
import re
from functools import partial

import numpy as np

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
from tamrin.homework.values import format_shape, shape_tuple
from tamrin.nn import SpecError, from_spec, summary

_TOKEN = re.compile(r"^(?:(?P<conv>CONV)-(?P<k>\d+)-(?P<n>\d+)(?:-S(?P<s>\d+))?(?:-P(?P<p>\d+))?"
                    r"|(?P<pool>(?:MAX|AVG)?POOL)-(?P<pk>\d+)|(?P<fc>FC)-(?P<fn>\d+))$")
_LAYER_TYPES = ("Conv2d", "MaxPool2d", "AvgPool2d", "Linear")
MAX_PARAMS = 10_000_000  # a problem.json asking for a bigger network is refused


def _tokens(spec: str) -> list[re.Match]:
    """The spec's layers (a subset of from_spec's grammar: CONV-k-n[-sS][-pP], POOL-k,
    MAXPOOL-k, AVGPOOL-k, FC-n), or ValueError naming the token it cannot read."""
    tokens = []
    for text in spec.split(","):
        match = _TOKEN.match(text.strip().upper())
        if not match:
            raise ValueError(f"layer {text.strip()!r} is not CONV-k-n[-sS][-pP], POOL-k or FC-n")
        tokens.append(match)
    return tokens


def table(p: Params, *, floor: bool = True, conv_input_channels: bool = True,
          pool_parameters: bool = False) -> dict[str, int | str]:
    """The table by the formulas of the module docstring — or by a mistaken variant:
    ``floor=False`` (sizes rounded up), ``conv_input_channels=False`` (K·K·n conv weights),
    ``pool_parameters=True`` (a K×K pool given K·K·C weights and C biases)."""
    rounding = math.floor if floor else math.ceil
    shape, values, total = shape_tuple(p["input"]), {}, 0
    for k, t in enumerate(_tokens(p["spec"]), start=1):
        if t["conv"]:
            size, n = int(t["k"]), int(t["n"])
            stride, pad = int(t["s"] or 1), int(t["p"] or 0)
            out = [rounding((h + 2 * pad - size) / stride) + 1 for h in shape[1:]]
            weights = size * size * n * (shape[0] if conv_input_channels else 1)
            shape, biases = (n, *out), n
        elif t["pool"]:
            size = int(t["pk"])
            weights, biases = (size * size * shape[0], shape[0]) if pool_parameters else (0, 0)
            shape = (shape[0], *(rounding((h - size) / size) + 1 for h in shape[1:]))
        else:
            n = int(t["fn"])
            weights, biases, shape = math.prod(shape) * n, n, (n,)
        values |= {f"weights_{k}": weights, f"biases_{k}": biases,
                   f"output_{k}": format_shape(shape)}
        total += weights + biases
    return values | {"total_params": total}


class CnnTable(Problem):
    id = "cnn-table"
    title = "A CNN's shapes and parameter counts"
    summary = "per-layer output shape, weight and bias counts of a network in course notation"
    parameters = {"spec": Param("text"), "input": Param("text")}
    mistakes = (
        Mistake("conv_weights_without_input_channels",
                "a conv layer's weights were counted without its input channels: a K×K conv "
                "from C to n channels has K·K·C·n weights, not K·K·n",
                partial(table, conv_input_channels=False)),
        Mistake("pool_has_parameters",
                "a pooling layer was given weights and biases; max pooling has no parameters "
                "(it only takes the maximum of each window)",
                partial(table, pool_parameters=True)),
        Mistake("output_size_without_floor",
                "an output size was rounded up; a window that does not fit is dropped: "
                "H' = ⌊(H + 2P − K)/S⌋ + 1",
                partial(table, floor=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        channels, size = int(rng.choice([1, 3])), int(rng.integers(24, 73))
        layers, n = [], int(rng.choice([4, 8, 16]))
        for _ in range(int(rng.integers(2, 4))):
            conv = f"CONV-{rng.choice([3, 5, 7])}-{n}"
            if rng.random() < 0.2:
                pad = int(rng.integers(0, 3))
                conv += "-s2" + (f"-p{pad}" if pad else "")
            layers += [conv, f"POOL-{rng.choice([2, 2, 3])}"]
            n = min(2 * n, 32)
        layers.append(f"FC-{rng.integers(2, 11)}")
        return {"spec": ", ".join(layers), "input": f"{channels}x{size}x{size}"}

    def course(self) -> Params:
        """E3 of docs/course.md."""
        return {"spec": "CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3",
                "input": "1x128x128"}

    def check_consistency(self, params: Params) -> None:
        try:
            shape = shape_tuple(params["input"])
        except ValueError:
            raise ParameterProblem("input", "expected C×H×W, e.g. \"1x128x128\"") from None
        if len(shape) != 3 or min(shape) < 1 or math.prod(shape) > 3 * 256 * 256:
            raise ParameterProblem("input", "expected C×H×W with at most 3·256·256 values")
        try:
            counts = table(params)
        except ValueError as e:
            raise ParameterProblem("spec", str(e)) from None
        outputs = [shape_tuple(v) for k, v in counts.items() if k.startswith("output_")]
        if min(min(s) for s in outputs) < 1 or counts["total_params"] > MAX_PARAMS:
            raise ParameterProblem("spec", "the layers do not fit the input, or the network "
                                           f"has more than {MAX_PARAMS:,} parameters")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        outputs = [shape_tuple(v) for k, v in solution.values.items() if k.startswith("output")]
        return min(min(s) for s in outputs) >= 2 or len(outputs[-1]) == 1

    def quantities(self, params: Params) -> list[Quantity]:
        out = []
        for k, t in enumerate(_tokens(params["spec"]), start=1):
            name = t.group(0)
            out += [Quantity(f"weights_{k}", f"weights of layer {k} (`{name}`)"),
                    Quantity(f"biases_{k}", f"biases of layer {k} (`{name}`)"),
                    Quantity(f"output_{k}", f"output shape of layer {k} (`{name}`), "
                             "as \"CxHxW\" or \"N\"", "shape")]
        return out + [Quantity("total_params", "the total number of parameters")]

    def statement(self, params: Params) -> list[Block]:
        c, h, w = shape_tuple(params["input"])
        return [
            Paragraph(f"The network `{params['spec']}` reads inputs of ${c}\\times {h}"
                      f"\\times {w}$ (channels × height × width)."),
            Paragraph("Notation: `CONV-K-n` is a K×K convolution with n filters, stride 1 and "
                      "no padding unless `-sS` (stride S) or `-pP` (padding P) follow, then a "
                      "ReLU; `POOL-K` is K×K max pooling with stride K; `FC-n` is a fully "
                      "connected layer with n outputs (the maps are flattened before it). "
                      "Layer k is the k-th name in the list; ReLUs and the flattening are not "
                      "layers."),
            Paragraph("For each layer give its number of weights, of biases, and its output "
                      "shape; then the total number of parameters."),
        ]

    def compute(self, params: Params) -> Solution:
        shape = shape_tuple(params["input"])
        try:
            model = from_spec(params["spec"], shape)
        except SpecError as e:
            raise ParameterProblem("spec", str(e)) from None
        rows = [r for r in summary(model, shape).layers if r.type in _LAYER_TYPES]
        values: dict = {}
        for k, row in enumerate(rows, start=1):
            values |= {f"weights_{k}": row.weights, f"biases_{k}": row.biases,
                       f"output_{k}": format_shape(row.output_shape)}
        values["total_params"] = sum(r.params for r in rows)
        hand = table(params)
        if values.keys() != hand.keys():
            raise ParameterProblem("spec", "from_spec built other layers than the spec names")
        agree(self.id, values, hand)
        return Solution(values, self._steps(params, values, shape))

    def _steps(self, params: Params, values: dict, shape: tuple) -> list[Step]:
        steps = []
        for k, t in enumerate(_tokens(params["spec"]), start=1):
            results = {q: values[q] for q in (f"weights_{k}", f"biases_{k}", f"output_{k}")}
            if t["conv"]:
                size, n = t["k"], t["n"]
                s, pad = t["s"] or 1, t["p"] or 0
                formula = (rf"H' = \lfloor (H + 2\cdot{pad} - {size})/{s} \rfloor + 1,\quad "
                           rf"\text{{weights}} = {size}\cdot{size}\cdot C_{{in}}\cdot{n} = "
                           rf"{size}\cdot{size}\cdot{shape[0]}\cdot{n},\quad \text{{biases}} "
                           rf"= {n}")
            elif t["pool"]:
                size = t["pk"]
                formula = (rf"H' = \lfloor (H - {size})/{size} \rfloor + 1,\quad "
                           r"\text{no parameters}")
            else:
                formula = (rf"\text{{weights}} = {math.prod(shape)}\cdot{t['fn']},\quad "
                           rf"\text{{biases}} = {t['fn']}")
            steps.append(Step(f"Layer {k}: `{t.group(0)}` on "
                              f"{format_shape(shape).replace('x', '×')}", formula, results))
            shape = shape_tuple(values[f"output_{k}"])
        steps.append(Step("Total", r"\sum_k (\text{weights}_k + \text{biases}_k)",
                          {"total_params": values["total_params"]}))
        return steps
