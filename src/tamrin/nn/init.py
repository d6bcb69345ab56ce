"""Initialisers (``tamrin.nn.init``): fill a tensor in place, as ``torch.nn.init``.

Any tensor may be filled — a Parameter, a ``.data``, a plain tensor: the write happens under
``no_grad()`` (as PyTorch's), so a leaf that requires grad is allowed, and its version
counter is bumped like any in-place change.

Every random draw comes from the library generator (``tamrin.manual_seed``). For a weight
of shape (out, in, *kernel), fan_in = in·Πkernel and fan_out = out·Πkernel (the receptive
field counts: a 3×3 conv kernel with 16 input channels has fan_in 144). The variance of each
scheme is stated in its docstring; U(−b, b) has variance b²/3.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from tamrin.grad_mode import no_grad
from tamrin.ops import inplace
from tamrin.random import default_generator
from tamrin.tensor import Tensor

_LINEAR = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
           "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain g that keeps activations' variance steady through the nonlinearity:
    1 (linear, conv, sigmoid), 5/3 (tanh), √2 (relu), √(2/(1 + a²)) (leaky_relu with slope
    a, default 0.01), 3/4 (selu)."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (in·receptive field, out·receptive field) of an (out, in, *k) weight."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out cannot be computed for a tensor with fewer "
                         f"than 2 dimensions (got shape {tuple(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:], dtype=np.int64))
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, op: str = "init") -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _empty(tensor: Tensor, op: str) -> bool:
    """True (with PyTorch's warning) for a tensor with no elements, which init leaves alone."""
    if tensor.numel() == 0:
        warnings.warn(f"{op}: initializing zero-element tensors is a no-op", UserWarning,
                      stacklevel=3)
        return True
    return False


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        return inplace.copy_(tensor, values)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """U(a, b): mean (a + b)/2, variance (b − a)²/12."""
    with no_grad():
        return inplace.uniform_(tensor, a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """N(mean, std²)."""
    with no_grad():
        return inplace.normal_(tensor, mean, std)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Every element = val (variance 0: units that start equal stay equal — no symmetry
    breaking)."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Every element = 0."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Every element = 1."""
    return _fill(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (a 2-D tensor only)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(−b, b), b = gain·√(6/(fan_in + fan_out));
    Var = gain²·2/(fan_in + fan_out)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, σ²), σ² = gain²·2/(fan_in + fan_out)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(−b, b), b = gain·√(3/fan); Var = gain²/fan (= 2/fan_in for ReLU).
    ``a`` is the leaky-ReLU slope used by the gain; ``mode`` picks fan_in or fan_out.
    A tensor with no elements is left as it is (as PyTorch, with the same warning)."""
    if _empty(tensor, "kaiming_uniform_"):
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode,
                                                                   "kaiming_uniform_"))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, σ²), σ² = gain²/fan (= 2/fan_in for ReLU)."""
    if _empty(tensor, "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode, "kaiming_normal_"))
    return normal_(tensor, 0.0, std)


def layer_default_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: weight by kaiming_uniform_(a=√5), i.e.
    U(±1/√fan_in) (Var = 1/(3·fan_in)), and bias U(±1/√fan_in), fan_in from the weight
    (in_features, or C_in/groups·KH·KW for a conv kernel)."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = _calculate_fan_in_and_fan_out(weight)[0]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def lecun_uniform_(tensor: Tensor) -> Tensor:
    """LeCun uniform: U(−b, b), b = √(3/fan_in); Var = 1/fan_in (for SELU, tanh-like units)."""
    bound = math.sqrt(3.0 / _fan(tensor, "fan_in"))
    return uniform_(tensor, -bound, bound)


def lecun_normal_(tensor: Tensor) -> Tensor:
    """LeCun normal: N(0, σ²), σ² = 1/fan_in."""
    return normal_(tensor, 0.0, 1.0 / math.sqrt(_fan(tensor, "fan_in")))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``: the rows (or columns, whichever are fewer)
    of the (out, in·Πk) reshape are orthonormal, from the QR decomposition of a Gaussian
    matrix with the signs of R's diagonal fixed (Haar-distributed). Mean square of the
    elements: gain²/max(rows, cols)."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows if rows else 0
    flat = default_generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))
