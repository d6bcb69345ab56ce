"""``from_spec``: build the network that the course's notation describes.

The course writes networks as comma-separated layers, e.g. on a 1×128×128 input::

    CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, FC-3

Grammar (case-insensitive; options follow the layer, separated by ``-``, in any order)::

    spec     := layer ("," layer)*
    layer    := CONV-k-n [-sS] [-pP | -same] [-bn] [-ACT]    k×k conv, n filters
              | POOL-k [-sS] [-pP]                           k×k max pool (MAXPOOL-k too)
              | AVGPOOL-k [-sS] [-pP]                        k×k average pool
              | GAP                                          global average pool → C×1×1
              | FC-n [-ACT]                                  (flatten if needed) + linear → n
              | DROPOUT-p                                    dropout with probability p
    ACT      := relu | tanh | sigmoid | leakyrelu | elu | selu | none

Defaults, as in the course: a CONV is *valid* (padding 0), stride 1, followed by ReLU; ``-bn``
puts a BatchNorm2d between the conv and its activation. A POOL's stride is its size. An FC
is followed by ReLU, except the last layer of the spec (the output scores: no activation).

Each layer's output shape and parameter counts are computed while parsing (``plan``),
without building anything, so a spec that cannot work (unknown layer, kernel larger than its
input, a CONV after the maps were flattened, a zero stride) raises a ``SpecError`` naming the
offending token and the shape at that point, and a huge network can be summarised without
the memory to build it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tamrin.nn.activation import ELU, SELU, LeakyReLU, ReLU, Sigmoid, Tanh
from tamrin.nn.container import Sequential
from tamrin.nn.conv import Conv2d
from tamrin.nn.dropout import Dropout
from tamrin.nn.flatten import Flatten
from tamrin.nn.linear import Linear
from tamrin.nn.module import Module
from tamrin.nn.normalization import BatchNorm2d
from tamrin.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from tamrin.ops.im2col import out_size
from tamrin.ops.pooling import pool_geometry

Shape = tuple[int, ...]

ACTIVATIONS: dict[str, Callable[[], Module] | None] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leakyrelu": LeakyReLU, "elu": ELU,
    "selu": SELU, "none": None,
}
LAYERS = "CONV-k-n, POOL-k, MAXPOOL-k, AVGPOOL-k, GAP, FC-n, DROPOUT-p"
MAX_DIGITS = 9  # sizes up to 999,999,999: larger is a typo, not a network
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")  # ASCII only: no '³' or other digits
_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?|\.[0-9]{1,12}")
MAX_BUILD_PARAMS = 500_000_000  # 2 GiB of float32 weights: beyond that, summarise instead


class SpecError(ValueError):
    """A network spec that cannot be parsed or built."""


def format_shape(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


@dataclass(frozen=True)
class PlannedLayer:
    """One module of the network, known before it exists: its type, its output shape (no
    batch axis), its weight and bias counts, and how to make it."""

    type: str
    output_shape: Shape
    weights: int
    biases: int
    make: Callable[[], Module]


def _planned(make: Callable[[], Module], name: str, shape: Shape, weights: int = 0,
             biases: int = 0) -> PlannedLayer:
    return PlannedLayer(name, shape, weights, biases, make)


class _Token:
    """One layer of the spec: its name, numbers, options, and where it is."""

    def __init__(self, text: str, index: int, last: bool) -> None:
        self.text, self.index, self.last = text, index, last
        parts = text.strip().lower().split("-")
        self.kind = parts[0]
        self.numbers = [p for p in parts[1:] if _is_number(p)]
        self.options = [p for p in parts[1:] if not _is_number(p)]

    def error(self, message: str, shape: Shape) -> SpecError:
        return SpecError(f"from_spec: layer {self.index + 1} {self.text.strip()[:40]!r}: "
                         f"{message} (input shape at that point: {format_shape(shape)})")

    def ints(self, count: int, usage: str, shape: Shape) -> list[int]:
        if len(self.numbers) != count or not all(_DIGITS.fullmatch(n) and int(n) > 0
                                                 for n in self.numbers):
            raise self.error(f"expected {usage} with positive integers of at most "
                             f"{MAX_DIGITS} digits", shape)
        return [int(n) for n in self.numbers]

    def option(self, prefix: str, default: int, shape: Shape, least: int = 0) -> int:
        """The value of an option such as ``s2`` (prefix ``s``), or ``default``."""
        values = [o[len(prefix):] for o in self.options if o.startswith(prefix)
                  and _DIGITS.fullmatch(o[len(prefix):])]
        if len(values) > 1:
            raise self.error(f"option {prefix}… given twice", shape)
        value = int(values[0]) if values else default
        if value < least:
            raise self.error(f"option {prefix}{value} must be at least {least}", shape)
        return value

    def check_options(self, allowed: Sequence[str], shape: Shape) -> None:
        """Every option must be known: a prefix+number (``s2``, ``p1``) or a word."""
        for o in self.options:
            known = o in allowed or any(o.startswith(a) and _DIGITS.fullmatch(o[len(a):])
                                        for a in allowed if a in ("s", "p"))
            if not known:
                raise self.error(f"unknown option {o[:20]!r} (allowed: {', '.join(allowed)}; "
                                 f"numbers are ASCII digits, at most {MAX_DIGITS})", shape)

    def activation(self, default: str, shape: Shape) -> list[PlannedLayer]:
        names = [o for o in self.options if o in ACTIVATIONS]
        if len(names) > 1:
            raise self.error(f"several activations {names}", shape)
        make = ACTIVATIONS[names[0] if names else default]
        return [] if make is None else [_planned(make, make.__name__, shape)]


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text))


def _maps(token: _Token, shape: Shape) -> Shape:
    if len(shape) != 3:
        raise token.error("needs C×H×W feature maps, but the input was already flattened",
                          shape)
    return shape


def _conv(token: _Token, shape: Shape) -> list[PlannedLayer]:
    c, h, w = _maps(token, shape)
    k, n = token.ints(2, "CONV-k-n", shape)
    token.check_options(["s", "p", "same", "bn", *ACTIVATIONS], shape)
    stride = token.option("s", 1, shape, least=1)
    padding = "same" if "same" in token.options else token.option("p", 0, shape)
    if padding == "same" and stride != 1:
        raise token.error("padding 'same' needs stride 1", shape)
    try:
        out = (h, w) if padding == "same" else tuple(
            out_size("CONV", s, k, stride, padding, padding) for s in (h, w))
    except ValueError as e:
        raise token.error(str(e).removeprefix("CONV: "), shape) from None
    maps = (n, *out)
    layers = [_planned(lambda: Conv2d(c, n, k, stride=stride, padding=padding), "Conv2d",
                       maps, k * k * c * n, n)]
    if "bn" in token.options:
        layers.append(_planned(lambda: BatchNorm2d(n), "BatchNorm2d", maps, n, n))
    return layers + token.activation("relu", maps)


def _pool(token: _Token, shape: Shape) -> list[PlannedLayer]:
    c, h, w = _maps(token, shape)
    (k,) = token.ints(1, f"{token.kind.upper()}-k", shape)
    token.check_options(["s", "p"], shape)
    stride, pad = token.option("s", k, shape, least=1), token.option("p", 0, shape)
    try:
        out = tuple(pool_geometry("POOL", s, k, stride, pad, 1, False)[0] for s in (h, w))
    except ValueError as e:
        raise token.error(str(e).removeprefix("POOL: "), shape) from None
    layer = AvgPool2d if token.kind == "avgpool" else MaxPool2d
    return [_planned(lambda: layer(k, stride, pad), layer.__name__, (c, *out))]


def _gap(token: _Token, shape: Shape) -> list[PlannedLayer]:
    c, _, _ = _maps(token, shape)
    token.ints(0, "GAP", shape)
    token.check_options([], shape)
    return [_planned(lambda: AdaptiveAvgPool2d(1), "AdaptiveAvgPool2d", (c, 1, 1))]


def _fc(token: _Token, shape: Shape) -> list[PlannedLayer]:
    (n,) = token.ints(1, "FC-n", shape)
    token.check_options(list(ACTIVATIONS), shape)
    features = math.prod(shape)
    layers = [_planned(Flatten, "Flatten", (features,))] if len(shape) > 1 else []
    layers.append(_planned(lambda: Linear(features, n), "Linear", (n,), features * n, n))
    return layers + token.activation("none" if token.last else "relu", (n,))


def _dropout(token: _Token, shape: Shape) -> list[PlannedLayer]:
    if len(token.numbers) != 1 or token.options or not 0 <= float(token.numbers[0]) < 1:
        raise token.error("expected DROPOUT-p with 0 ≤ p < 1", shape)
    p = float(token.numbers[0])
    return [_planned(lambda: Dropout(p), "Dropout", shape)]


BUILDERS = {"conv": _conv, "pool": _pool, "maxpool": _pool, "avgpool": _pool, "gap": _gap,
            "fc": _fc, "dropout": _dropout}


def plan(spec: str, input_shape: Sequence[int]) -> list[PlannedLayer]:
    """Every module of the network a course-notation ``spec`` describes on inputs of
    ``input_shape`` (C×H×W, no batch axis), with shapes and counts — computed, not built,
    so a 10¹²-parameter network is planned (and summarised) instantly."""
    if not isinstance(spec, str):
        raise SpecError(f"from_spec: spec must be a string, got {type(spec).__name__}")
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
        raise SpecError(f"from_spec: input_shape must be a sequence such as (1, 28, 28), got "
                        f"{input_shape!r}")
    if not input_shape or not all(type(n) is int or isinstance(n, np.integer)
                                  for n in input_shape) or min(input_shape) < 1:
        raise SpecError(f"from_spec: input_shape must be positive integer sizes, got "
                        f"{tuple(input_shape)!r}")
    shape = tuple(int(n) for n in input_shape)
    texts = spec.split(",")
    if not spec.strip() or any(not t.strip() for t in texts):
        raise SpecError(f"from_spec: empty layer in spec {spec[:60]!r} (layers are separated "
                        "by commas)")
    layers: list[PlannedLayer] = []
    for i, text in enumerate(texts):
        token = _Token(text, i, last=i == len(texts) - 1)
        if token.kind not in BUILDERS:
            raise token.error(f"unknown layer {token.kind.upper()[:20]!r}; expected one of "
                              f"{LAYERS}", shape)
        new = BUILDERS[token.kind](token, shape)
        layers += new
        shape = new[-1].output_shape
    return layers


def from_spec(spec: str, input_shape: Sequence[int]) -> Sequential:
    """The ``Sequential`` network of a course-notation ``spec`` on inputs of ``input_shape``
    (C×H×W, no batch axis). See the module docstring for the grammar."""
    layers = plan(spec, input_shape)
    total = sum(p.weights + p.biases for p in layers)
    if total > MAX_BUILD_PARAMS:
        raise SpecError(f"from_spec: this network has {total:,} parameters "
                        f"({4 * total / 2**30:,.1f} GiB in float32), more than the "
                        f"{MAX_BUILD_PARAMS:,} tamrin builds; `tamrin summary` and "
                        "nn.summarize_spec describe it without building it")
    return Sequential(*(p.make() for p in layers))
