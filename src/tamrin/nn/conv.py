"""Convolution layers: Conv2d and ConvTranspose2d (NCHW), PyTorch's arguments and init."""

from __future__ import annotations

from typing import Any

from tamrin import validation
from tamrin.nn import init
from tamrin.nn.module import Module
from tamrin.nn.parameter import empty_parameter
from tamrin.ops.conv import conv2d, conv_transpose2d, pair
from tamrin.tensor import Tensor


def _per_group(channels: Any, groups: Any) -> Any:
    """Channels per group for the weight's shape (the base class checks both values)."""
    both_ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (channels, groups))
    return channels // groups if both_ints and groups >= 1 else channels


class _ConvBase(Module):
    """What both convolutions share: arguments, parameters, PyTorch's default init, repr.

    Default init (PyTorch's): weight by kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), and bias
    U(±1/√fan_in), where fan_in = weight.shape[1]·KH·KW (C_in/groups·K² for Conv2d).
    """

    def __init__(self, name: str, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any, padding: Any, dilation: Any, groups: int, bias: bool,
                 padding_mode: str, weight_shape: tuple[int, int], dtype: Any) -> None:
        super().__init__()
        validation.size((out_channels, in_channels), name)
        groups = validation.integer(groups, "groups", name, low=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", name, 1)
        self.stride = pair(stride, "stride", name, 1)
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", name)
        self.dilation = pair(dilation, "dilation", name, 1)
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = empty_parameter(weight_shape + self.kernel_size, dtype, name)
        if bias:
            self.bias = empty_parameter((out_channels,), dtype, name)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.layer_default_(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvBase):
    """O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l weight(f,c,k,l)·x(b,c,S·i+D·k,S·j+D·l), x padded.

    weight: (out_channels, in_channels/groups, KH, KW); bias: (out_channels,).
    ``padding``: int, pair, 'valid' or 'same'. Output size ⌊(H + 2P − D·(K−1) − 1)/S⌋ + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        if isinstance(padding, str) and padding not in ("valid", "same"):
            raise ValueError(f"Conv2d: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, padding_mode,
                         (out_channels, _per_group(in_channels, groups)), dtype)
        if padding == "same" and self.stride != (1, 1):
            raise ValueError(f"Conv2d: padding='same' is not supported for strided "
                             f"convolutions (stride {self.stride})")

    def forward(self, input: Tensor) -> Tensor:
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class ConvTranspose2d(_ConvBase):
    """The adjoint of Conv2d (a learnable upsampling, e.g. in a convolutional decoder):
    O(b,c,p,q) = bias(c) + Σ_f Σ_i Σ_j weight(f,c,p−S·i,q−S·j)·x(b,f,i,j), cropped by P.

    weight: (in_channels, out_channels/groups, KH, KW). Output size
    (H − 1)·S − 2P + D·(K − 1) + output_padding + 1.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", dtype: Any = None) -> None:
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got "
                             f"{padding!r}")
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride,
                         padding, dilation, groups, bias, padding_mode,
                         (in_channels, _per_group(out_channels, groups)), dtype)
        self.output_padding = pair(output_padding, "output_padding", "ConvTranspose2d")

    def forward(self, input: Tensor) -> Tensor:
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding, self.groups, self.dilation)
