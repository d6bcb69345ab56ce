"""``summary(model, input_shape)``: per layer the output shape, weight, bias and parameter
counts, and the totals — as a table (``print(summary(...))``) and as data.

``summarize_spec(spec, input_shape)`` does the same for a network in the course's notation
without building it (shapes and counts are computed from the spec). For any other model,
the shapes come from one forward pass of a zero input with a batch of 1 (in eval mode, under
``no_grad``, so nothing is learnt and batch-norm statistics are not touched); every module
without children is a row (a module called twice appears twice). Counting conv weights needs
the input channels: a 5×5 conv from 32 to 64 channels has 5·5·32·64 = 51,200 weights and
64 biases. Totals count each parameter once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tamrin import validation
from tamrin.creation import from_numpy
from tamrin.grad_mode import no_grad
from tamrin.nn.module import Module
from tamrin.nn.spec import format_shape, plan
from tamrin.tensor import Tensor


@dataclass(frozen=True)
class LayerSummary:
    """One row: the module's dotted name, type, output shape (no batch axis) and counts."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    weights: int
    biases: int
    params: int  # trainable parameters of this module (weights + biases + others)


@dataclass(frozen=True)
class ModelSummary:
    """The rows and the totals; ``str()`` is the table."""

    input_shape: tuple[int, ...]
    layers: list[LayerSummary] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_weights: int = 0
    total_biases: int = 0

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def __str__(self) -> str:
        head = ("Layer", "Type", "Output shape", "Weights", "Biases", "Params")
        rows = [("input", "", format_shape(self.input_shape), "", "", "")]
        rows += [(r.name, r.type, format_shape(r.output_shape), f"{r.weights:,}",
                  f"{r.biases:,}", f"{r.params:,}") for r in self.layers]
        widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
        line = "  ".join(
            f"{{:{'<' if i < 3 else '>'}{w}}}" for i, w in enumerate(widths)).format
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        return "\n".join([line(*head), rule, *(line(*row) for row in rows), rule,
                          f"Total params: {self.total_params:,} (weights "
                          f"{self.total_weights:,}, biases {self.total_biases:,})",
                          f"Trainable params: {self.trainable_params:,}",
                          f"Non-trainable params: {self.non_trainable_params:,}"])

    __repr__ = __str__


def _counts(module: Module, recurse: bool) -> tuple[int, int, int]:
    """(weights, biases, trainable) of a module: parameters named ``bias`` (or ending in
    ``_bias``/``bias_…``) are biases, every other parameter counts as weights."""
    weights = biases = trainable = 0
    for name, p in module.named_parameters(recurse=recurse):
        n = p.numel()
        if name.rsplit(".", 1)[-1].startswith("bias") or name.endswith("_bias"):
            biases += n
        else:
            weights += n
        trainable += n if p.requires_grad else 0
    return weights, biases, trainable


def summarize_spec(spec: str, input_shape: Sequence[int]) -> ModelSummary:
    """The summary of a course-notation ``spec`` (see ``from_spec``) computed from its plan:
    no module is built and no array allocated, so any size is summarised instantly. The
    rows equal ``summary(from_spec(spec, input_shape), input_shape)``'s."""
    layers = plan(spec, input_shape)
    rows = [LayerSummary(str(i), p.type, p.output_shape, p.weights, p.biases,
                         p.weights + p.biases) for i, p in enumerate(layers)]
    weights = sum(p.weights for p in layers)
    biases = sum(p.biases for p in layers)
    return ModelSummary(tuple(int(n) for n in input_shape), rows, weights + biases,
                        weights + biases, weights, biases)


MAX_INPUT_ELEMENTS = 50_000_000  # 200 MB of float32: summary's probe input stays below it


def summary(model: Module, input_shape: Sequence[int]) -> ModelSummary:
    """Run ``model`` on a zero input of ``input_shape`` (no batch axis) and tabulate each
    leaf module's output shape and parameter counts (see the module docstring)."""
    input_shape = validation.size(tuple(input_shape), "summary")
    if math.prod(input_shape) > MAX_INPUT_ELEMENTS:
        raise ValueError(f"summary: an input of shape {format_shape(input_shape)} has "
                         f"{math.prod(input_shape):,} elements, more than the "
                         f"{MAX_INPUT_ELEMENTS:,} summary probes with; for a network in the "
                         "course's notation use summarize_spec, which needs no forward pass")
    rows: list[LayerSummary] = []
    handles = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            handles.append(module.register_forward_hook(_recorder(name, rows)))
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    dtype = next((p.dtype for p in model.parameters()), np.dtype(np.float32))
    try:
        with no_grad():
            model(from_numpy(np.zeros((1, *input_shape), dtype=dtype)))
    except MemoryError:
        raise ValueError(f"summary: the forward pass on a {format_shape(input_shape)} input "
                         "needs more memory than there is") from None
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    weights, biases, trainable = _counts(model, recurse=True)
    return ModelSummary(input_shape, rows, weights + biases, trainable, weights, biases)


def _recorder(name: str, rows: list[LayerSummary]):  # noqa: ANN202 - a forward hook
    def hook(module: Module, args: tuple, output: Tensor) -> None:
        weights, biases, trainable = _counts(module, recurse=False)
        shape = tuple(output.shape[1:]) if isinstance(output, Tensor) else ()
        rows.append(LayerSummary(name or type(module).__name__, type(module).__name__, shape,
                                 weights, biases, trainable))

    return hook
