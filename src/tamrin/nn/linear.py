"""Linear (fully connected) and Identity layers."""

from __future__ import annotations

from typing import Any

from tamrin.nn import init
from tamrin.nn.module import Module
from tamrin.nn.parameter import empty_parameter
from tamrin.ops.linear import linear
from tamrin.tensor import Tensor


class Identity(Module):
    """y = x (a placeholder: any constructor arguments are ignored, as PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x·Wᵀ + b with W of shape (out_features, in_features).

    PyTorch's default initialisation: W and b ~ U(−1/√in, 1/√in) (W through
    kaiming_uniform_ with a = √5), i.e. Var = 1/(3·in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter((out_features, in_features), dtype, "Linear")
        if bias:
            self.bias = empty_parameter((out_features,), dtype, "Linear")
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.layer_default_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
