"""MLP: the course's workhorse, a stack of fully connected layers.

Each hidden layer is Linear → [BatchNorm1d] → activation → [Dropout]; the last layer is a
plain Linear producing ``out_features`` scores (logits: pair it with CrossEntropyLoss or
BCEWithLogitsLoss). As a ``Sequential``, its state-dict keys are ``0.weight``, ``0.bias`` …
in layer order, the same as the equivalent ``torch.nn.Sequential``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tamrin import nn
from tamrin.tensor import Tensor

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "selu": nn.SELU,
    "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity,
}

INITS: dict[str, Callable[[Tensor], Tensor]] = {
    "xavier_uniform": nn.init.xavier_uniform_, "xavier_normal": nn.init.xavier_normal_,
    "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "lecun_uniform": nn.init.lecun_uniform_, "lecun_normal": nn.init.lecun_normal_,
    "normal": nn.init.normal_, "zeros": nn.init.zeros_,
}


def _choose(table: dict, value: str, what: str) -> Callable:
    if value not in table:
        raise ValueError(f"MLP: unknown {what} {value!r}; choose one of {sorted(table)} or "
                         "pass a callable")
    return table[value]


class MLP(nn.Sequential):
    """Fully connected network ``in_features → hidden_sizes… → out_features``.

    ``activation``: a name (relu, leaky_relu, elu, selu, tanh, sigmoid, identity) or a
    Module class. ``init``: None keeps PyTorch's default Linear init; a name (xavier_uniform,
    xavier_normal, kaiming_uniform, kaiming_normal, lecun_uniform, lecun_normal, normal,
    zeros) or a function applied in place to every Linear weight (biases are then zeroed).
    """

    def __init__(self, in_features: int, hidden_sizes: Sequence[int], out_features: int,
                 activation: str | Callable[[], nn.Module] = "relu", dropout: float = 0.0,
                 batch_norm: bool = False,
                 init: str | Callable[[Tensor], Tensor] | None = None) -> None:
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        make_act = _choose(ACTIVATIONS, activation, "activation") \
            if isinstance(activation, str) else activation
        layers: list[nn.Module] = []
        sizes = [in_features, *hidden_sizes]
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers.append(nn.Linear(fan_in, fan_out))
            if batch_norm:
                layers.append(nn.BatchNorm1d(fan_out))
            layers.append(make_act())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-1], out_features))
        super().__init__(*layers)
        if init is not None:
            self._initialise(_choose(INITS, init, "init") if isinstance(init, str) else init)

    def _initialise(self, init_fn: Callable[[Tensor], Tensor]) -> None:
        for layer in self:
            if isinstance(layer, nn.Linear):
                init_fn(layer.weight)
                nn.init.zeros_(layer.bias)
