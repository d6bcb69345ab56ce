"""Max and average pooling over 2-D windows (NCHW), from strided views of the input.

For every kernel offset (k, l), ``windows(x)[..., k, l]`` is the (N, C, OH, OW) view of the
pixels at (S·i + D·k, S·j + D·l): pooling reduces these K·K views element-wise — no copy of
the windows, no loop over pixels. The backward adds each offset's share of the gradient back
into the same view of a zero buffer (col2im).

Output size: OH = ⌊(H + 2P − D·(K − 1) − 1)/S⌋ + 1, or with ``ceil_mode`` ⌈…⌉ + 1 (a last,
partial window is kept only if it starts inside the input or the left padding — PyTorch's
rule); the extra bottom/right rows it needs are padding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops.conv import pair
from tamrin.ops.im2col import Pads, crop, offsets, out_size, pad2d, windows
from tamrin.ops.interpolate import Resample2d, adaptive_average_matrix
from tamrin.tensor import Tensor

Pair = tuple[int, int]


def pool_geometry(op: str, size: int, kernel: int, stride: int, padding: int, dilation: int,
                  ceil_mode: bool) -> tuple[int, int]:
    """(output size, extra padding after the input) along one axis, PyTorch's rule."""
    if padding > kernel // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel}")
    n = out_size(op, size, kernel, stride, padding, padding, dilation)
    partial = (size + 2 * padding - dilation * (kernel - 1) - 1) % stride
    if ceil_mode and partial and n * stride < size + padding:  # it starts inside the input
        n += 1
    extra = max(0, (n - 1) * stride + dilation * (kernel - 1) + 1 - size - 2 * padding)
    return n, extra


def _pads_and_out(op: str, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair,
                  dilation: Pair, ceil_mode: bool) -> tuple[Pads, Pair]:
    op = f"{op} (input shape {tuple(shape)})"
    (oh, eh), (ow, ew) = (pool_geometry(op, shape[2 + a], kernel[a], stride[a], padding[a],
                                        dilation[a], ceil_mode) for a in (0, 1))
    ph, pw = padding
    return (ph, ph + eh, pw, pw + ew), (oh, ow)


def _window_grad(parts: Callable[[int, int], np.ndarray], x_shape: tuple[int, ...],
                 pads: Pads, kernel: Pair, stride: Pair, dilation: Pair, out_hw: Pair,
                 dtype: np.dtype) -> np.ndarray:
    """col2im for pooling: put ``parts(k, l)`` (an (N, C, OH, OW) gradient share) into the
    (k, l) view of a zero buffer of the padded input, then crop the padding. Windows that
    do not overlap (stride ≥ window extent) own their pixels: the share is assigned, not
    added."""
    n, c, h, w = x_shape
    top, bottom, left, right = pads
    dxp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=dtype)
    win = windows(dxp, 2, kernel, stride, dilation, out_hw)
    overlap = any(s < d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
    for k, l in offsets(kernel):
        if overlap:
            win[..., k, l] += parts(k, l)
        else:
            win[..., k, l] = parts(k, l)
    return crop(dxp, pads, (h, w), 2) if any(pads) else dxp


class MaxPool2d(ArrayFunction):
    """O(b,c,i,j) = max_{k,l} x(b,c,S·i+D·k−P, S·j+D·l−P)   (padding is −∞; NaN wins).

    Backward: the gradient goes to the argmax of each window only,
    dX(b,c,p,q) = Σ_{i,j: argmax(i,j) = (p,q)} dO(b,c,i,j); on ties the first maximum in
    row-major window order wins, as PyTorch. The argmax is found in backward, as the first
    offset whose value equals the output (so a window holding NaN passes no gradient).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair,
                dilation: Pair, ceil_mode: bool) -> np.ndarray:
        pads, out_hw = _pads_and_out("max_pool2d", x.shape, kernel, stride, padding, dilation,
                                     ceil_mode)
        xp = pad2d(x, pads, -np.inf)
        win = windows(xp, 2, kernel, stride, dilation, out_hw)
        out = win[..., 0, 0].copy()
        for k, l in offsets(kernel):
            np.maximum(out, win[..., k, l], out=out)
        ctx.save_for_backward(xp, out)
        ctx.x_shape, ctx.params = x.shape, (pads, kernel, stride, dilation)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        xp, out = ctx.saved_arrays
        pads, kernel, stride, dilation = ctx.params
        win = windows(xp, 2, kernel, stride, dilation, out.shape[2:])
        taken = np.zeros(out.shape, dtype=bool)  # windows whose argmax was already found

        def share(k: int, l: int) -> np.ndarray:
            first = win[..., k, l] == out
            np.greater(first, taken, out=first)  # first ∧ ¬taken
            taken[...] |= first
            return g * first

        return _window_grad(share, ctx.x_shape, pads, kernel, stride, dilation,
                            out.shape[2:], g.dtype)


class AvgPool2d(ArrayFunction):
    """O(b,c,i,j) = (1/n(i,j)) Σ_{k,l} x(b,c,S·i+k−P, S·j+l−P)   (padding is 0).

    n(i,j) is the window's size clipped to the padded input (count_include_pad, the
    default), or its number of real input pixels, or ``divisor_override``.
    Backward: every pixel of window (i,j) receives dO(b,c,i,j)/n(i,j).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair,
                ceil_mode: bool, count_include_pad: bool,
                divisor_override: int | None) -> np.ndarray:
        one = (1, 1)
        pads, out_hw = _pads_and_out("avg_pool2d", x.shape, kernel, stride, padding, one,
                                     ceil_mode)
        win = windows(pad2d(x, pads, 0.0), 2, kernel, stride, one, out_hw)
        out = win[..., 0, 0].copy()
        for k, l in offsets(kernel):
            if k or l:
                out += win[..., k, l]
        divisor = (np.asarray(divisor_override, dtype=x.dtype) if divisor_override
                   else _divisor(x.shape[2:], out_hw, kernel, stride, padding,
                                 count_include_pad).astype(x.dtype))
        out /= divisor
        ctx.divisor = divisor
        ctx.x_shape, ctx.params = x.shape, (pads, kernel, stride)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        pads, kernel, stride = ctx.params
        share = g / ctx.divisor
        return _window_grad(lambda k, l: share, ctx.x_shape, pads, kernel, stride, (1, 1),
                            g.shape[2:], g.dtype)


def _divisor(size: Pair, out_hw: Pair, kernel: Pair, stride: Pair, padding: Pair,
             count_include_pad: bool) -> np.ndarray:
    """n(i,j) = n_h(i)·n_w(j): per axis, the window [S·i − P, S·i − P + K) clipped to the
    padded input [−P, H + P), or to the input [0, H) without count_include_pad."""
    counts = []
    for n, h, k, s, p in zip(out_hw, size, kernel, stride, padding):
        start = np.arange(n) * s - p
        end = np.minimum(start + k, h + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, h)
        counts.append(end - start)
    return np.outer(*counts)


# ---- the functions users call -------------------------------------------------------------

def _check_4d(op: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """2-D max pooling; ``stride`` defaults to ``kernel_size``."""
    op = "max_pool2d"
    _check_4d(op, input)
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices=True is not supported")
    kernel = pair(kernel_size, "kernel_size", op, 1)
    return MaxPool2d.apply(input, kernel=kernel,
                           stride=kernel if stride is None else pair(stride, "stride", op, 1),
                           padding=pair(padding, "padding", op),
                           dilation=pair(dilation, "dilation", op, 1), ceil_mode=ceil_mode)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling; ``stride`` defaults to ``kernel_size``."""
    op = "avg_pool2d"
    _check_4d(op, input)
    kernel = pair(kernel_size, "kernel_size", op, 1)
    if divisor_override is not None and divisor_override <= 0:
        raise ValueError(f"{op}: divisor_override must be positive, got {divisor_override}")
    return AvgPool2d.apply(input, kernel=kernel,
                           stride=kernel if stride is None else pair(stride, "stride", op, 1),
                           padding=pair(padding, "padding", op), ceil_mode=ceil_mode,
                           count_include_pad=count_include_pad,
                           divisor_override=divisor_override)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed (OH, OW) whatever the input size (PyTorch's bins:
    output i averages rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1). ``None`` keeps that input size.

    Computed as the separable linear map O = A_H · x · A_Wᵀ with averaging matrices.
    """
    op = "adaptive_avg_pool2d"
    _check_4d(op, input)
    size = (output_size, output_size) if output_size is None or isinstance(
        output_size, (int, np.integer)) else tuple(output_size)
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    h, w = input.shape[2:]
    size = tuple(int(s) if s is not None else n for s, n in zip(size, (h, w)))
    if min(size) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    dtype = input.dtype
    return Resample2d.apply(input, adaptive_average_matrix(h, size[0], dtype),
                            adaptive_average_matrix(w, size[1], dtype))
