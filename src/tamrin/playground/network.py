"""The playground's network: an MLP built from ``tamrin.nn`` modules, with optional batch
norm, dropout, residual skips and (the classic mistake) an activation on the output.

Each hidden layer is Linear → [BatchNorm1d] → activation → [Dropout]; with ``residual`` a
layer whose input and output widths match computes y = x + F(x). The head is one Linear
layer giving one logit (two classes, read through a sigmoid) or one per class (softmax).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from tamrin import nn
from tamrin.models.mlp import ACTIVATIONS, INITS
from tamrin.tensor import Tensor

CONSTANT_INIT = 0.1   # the "constant" scheme: every weight equal (small, so nothing saturates)

ACTIVATION_MODULES: dict[str, Callable[[], nn.Module]] = {
    **{name: ACTIVATIONS[name] for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu",
                                            "selu")},
    "linear": ACTIVATIONS["identity"],
}

# Weight initialisers by the playground's names; None keeps PyTorch's default layer init.
INITIALISERS: dict[str, Callable[[Tensor], Tensor] | None] = {
    "zeros": INITS["zeros"], "constant": partial(nn.init.constant_, val=CONSTANT_INIT),
    "normal": INITS["normal"], "lecun": INITS["lecun_normal"], "glorot": INITS["xavier_normal"],
    "he": INITS["kaiming_normal"], "default": None,
}


def parameter_count(n_in: int, hidden: Sequence[int], n_out: int, batch_norm: bool) -> int:
    """Weights and biases of the network (plus batch norm's scale and shift per unit)."""
    sizes = [n_in, *hidden, n_out]
    dense = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return dense + (2 * sum(hidden) if batch_norm else 0)


class HiddenLayer(nn.Module):
    """Linear → [BatchNorm1d] → activation → [Dropout], plus the input if ``residual``."""

    def __init__(self, fan_in: int, fan_out: int, activation: str, batch_norm: bool,
                 dropout: float, residual: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(fan_in, fan_out)
        self.norm = nn.BatchNorm1d(fan_out) if batch_norm else None
        self.activation = ACTIVATION_MODULES[activation]()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else None
        self.residual = residual and fan_in == fan_out

    def forward(self, x: Tensor) -> Tensor:
        h = self.linear(x)
        if self.norm is not None:
            h = self.norm(h)
        h = self.activation(h)
        if self.dropout is not None:
            h = self.dropout(h)
        return x + h if self.residual else h


class PlaygroundNet(nn.Module):
    """``n_in`` → ``hidden`` widths → ``n_out`` logits (see the module docstring)."""

    def __init__(self, n_in: int, hidden: Sequence[int], n_out: int, activation: str = "relu",
                 batch_norm: bool = False, dropout: float = 0.0, residual: bool = False,
                 output_activation: bool = False) -> None:
        super().__init__()
        sizes = [n_in, *hidden]
        self.hidden = nn.ModuleList([
            HiddenLayer(a, b, activation, batch_norm, dropout, residual)
            for a, b in zip(sizes[:-1], sizes[1:])])
        self.head = nn.Linear(sizes[-1], n_out)
        self.output_activation = ACTIVATION_MODULES[activation]() if output_activation \
            else None

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.hidden:
            x = layer(x)
        x = self.head(x)
        return x if self.output_activation is None else self.output_activation(x)

    def linears(self) -> list[nn.Linear]:
        """The Linear layers, input to output: layer 1 … the head."""
        return [layer.linear for layer in self.hidden] + [self.head]

    def activations(self) -> list[nn.Module]:
        """The activation module of each hidden layer, input to output."""
        return [layer.activation for layer in self.hidden]


def initialise_(net: PlaygroundNet, scheme: str) -> None:
    """Fill every Linear weight by ``scheme`` and zero its bias (``default``: leave both)."""
    fill = INITIALISERS[scheme]
    if fill is None:
        return
    for linear in net.linears():
        fill(linear.weight)
        nn.init.zeros_(linear.bias)
