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

Each layer's output shape is computed while parsing, so a spec that cannot work (unknown
layer, kernel larger than its input, a CONV after the maps were flattened) raises a
``SpecError`` naming the offending token and the shape at that point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

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


class SpecError(ValueError):
    """A network spec that cannot be parsed or built."""


def format_shape(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


class _Token:
    """One layer of the spec: its name, numbers, options, and where it is."""

    def __init__(self, text: str, index: int, last: bool) -> None:
        self.text, self.index, self.last = text, index, last
        parts = text.strip().lower().split("-")
        self.kind = parts[0]
        self.numbers = [p for p in parts[1:] if _is_number(p)]
        self.options = [p for p in parts[1:] if not _is_number(p)]

    def error(self, message: str, shape: Shape) -> SpecError:
        return SpecError(f"from_spec: layer {self.index + 1} {self.text.strip()!r}: {message} "
                         f"(input shape at that point: {format_shape(shape)})")

    def ints(self, count: int, usage: str, shape: Shape) -> list[int]:
        if len(self.numbers) != count or not all(n.isdigit() and int(n) > 0
                                                 for n in self.numbers):
            raise self.error(f"expected {usage} with positive integers", shape)
        return [int(n) for n in self.numbers]

    def option(self, prefix: str, default: int, shape: Shape) -> int:
        """The value of an option such as ``s2`` (prefix ``s``), or ``default``."""
        values = [o[len(prefix):] for o in self.options if o.startswith(prefix)
                  and o[len(prefix):].isdigit()]
        if len(values) > 1:
            raise self.error(f"option {prefix}… given twice", shape)
        return int(values[0]) if values else default

    def check_options(self, allowed: Sequence[str], shape: Shape) -> None:
        """Every option must be known: a prefix+number (``s2``, ``p1``) or a word."""
        for o in self.options:
            known = o in allowed or any(o.startswith(a) and o[len(a):].isdigit()
                                        for a in allowed if a in ("s", "p"))
            if not known:
                raise self.error(f"unknown option {o!r} (allowed: {', '.join(allowed)})", shape)

    def activation(self, default: str, shape: Shape) -> list[Module]:
        names = [o for o in self.options if o in ACTIVATIONS]
        if len(names) > 1:
            raise self.error(f"several activations {names}", shape)
        make = ACTIVATIONS[names[0] if names else default]
        return [] if make is None else [make()]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _maps(token: _Token, shape: Shape) -> Shape:
    if len(shape) != 3:
        raise token.error("needs C×H×W feature maps, but the input was already flattened",
                          shape)
    return shape


def _conv(token: _Token, shape: Shape) -> tuple[list[Module], Shape]:
    c, h, w = _maps(token, shape)
    k, n = token.ints(2, "CONV-k-n", shape)
    token.check_options(["s", "p", "same", "bn", *ACTIVATIONS], shape)
    stride = token.option("s", 1, shape)
    padding = "same" if "same" in token.options else token.option("p", 0, shape)
    if padding == "same" and stride != 1:
        raise token.error("padding 'same' needs stride 1", shape)
    try:
        out = (h, w) if padding == "same" else tuple(
            out_size("CONV", s, k, stride, padding, padding) for s in (h, w))
    except ValueError as e:
        raise token.error(str(e).removeprefix("CONV: "), shape) from None
    layers: list[Module] = [Conv2d(c, n, k, stride=stride, padding=padding)]
    if "bn" in token.options:
        layers.append(BatchNorm2d(n))
    return layers + token.activation("relu", shape), (n, *out)


def _pool(token: _Token, shape: Shape) -> tuple[list[Module], Shape]:
    c, h, w = _maps(token, shape)
    (k,) = token.ints(1, f"{token.kind.upper()}-k", shape)
    token.check_options(["s", "p"], shape)
    stride, pad = token.option("s", k, shape), token.option("p", 0, shape)
    try:
        out = tuple(pool_geometry("POOL", s, k, stride, pad, 1, False)[0] for s in (h, w))
    except ValueError as e:
        raise token.error(str(e).removeprefix("POOL: "), shape) from None
    layer = AvgPool2d if token.kind == "avgpool" else MaxPool2d
    return [layer(k, stride, pad)], (c, *out)


def _gap(token: _Token, shape: Shape) -> tuple[list[Module], Shape]:
    c, _, _ = _maps(token, shape)
    token.ints(0, "GAP", shape)
    token.check_options([], shape)
    return [AdaptiveAvgPool2d(1)], (c, 1, 1)


def _fc(token: _Token, shape: Shape) -> tuple[list[Module], Shape]:
    (n,) = token.ints(1, "FC-n", shape)
    token.check_options(list(ACTIVATIONS), shape)
    layers: list[Module] = [Flatten()] if len(shape) > 1 else []
    layers.append(Linear(math.prod(shape), n))
    return layers + token.activation("none" if token.last else "relu", shape), (n,)


def _dropout(token: _Token, shape: Shape) -> tuple[list[Module], Shape]:
    if len(token.numbers) != 1 or token.options or not 0 <= float(token.numbers[0]) < 1:
        raise token.error("expected DROPOUT-p with 0 ≤ p < 1", shape)
    return [Dropout(float(token.numbers[0]))], shape


BUILDERS = {"conv": _conv, "pool": _pool, "maxpool": _pool, "avgpool": _pool, "gap": _gap,
            "fc": _fc, "dropout": _dropout}


def from_spec(spec: str, input_shape: Sequence[int]) -> Sequential:
    """The ``Sequential`` network of a course-notation ``spec`` on inputs of ``input_shape``
    (C×H×W, no batch axis). See the module docstring for the grammar."""
    shape = tuple(int(n) for n in input_shape)
    if not shape or min(shape) < 1:
        raise SpecError(f"from_spec: input_shape must be positive sizes, got {input_shape!r}")
    texts = spec.split(",")
    if not spec.strip() or any(not t.strip() for t in texts):
        raise SpecError(f"from_spec: empty layer in spec {spec!r} (layers are separated by "
                        "commas)")
    layers: list[Module] = []
    for i, text in enumerate(texts):
        token = _Token(text, i, last=i == len(texts) - 1)
        if token.kind not in BUILDERS:
            raise token.error(f"unknown layer {token.kind.upper()!r}; expected one of {LAYERS}",
                              shape)
        new, shape = BUILDERS[token.kind](token, shape)
        layers += new
    return Sequential(*layers)
