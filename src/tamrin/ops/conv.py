"""2-D convolution and transposed convolution (NCHW), as im2col + one GEMM per group.

Convolution (cross-correlation, as in every DL library), stride S, dilation D, input
padded by P::

    O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l w(f,c,k,l) · x(b,c,S·i+D·k, S·j+D·l)

im2col copies every window into a column of ``cols`` (rows = (c, k, l), columns = output
pixels of the whole batch), so the forward is the matrix product O = W · cols. Its backward
is two more GEMMs, the course's hand derivation:

    dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l) · dO(b,f,i,j)            →  dW = dO · colsᵀ
    dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j) · dO(b,f,i,j)            →  dcols = Wᵀ · dO,
                  (w taken as zero outside the kernel)                         then col2im

col2im adds each window's gradient back onto the pixels it was read from (K·K strided
additions, see ``tamrin.ops.im2col``). Note the w(f,c,p−S·i, …): with a stride, the kernel
tap that touched pixel p from output i is p − S·i, not p − i.

A transposed convolution is the adjoint of a convolution: its forward is exactly the conv's
dX computation (GEMM + col2im) and its backward is the conv's forward (im2col + GEMM) and
dW — the same three helpers, with the roles of the arrays swapped.

The columns keep the batch inside each row (b, i, j) and the channels outside, so every
copy (im2col, col2im, NCHW ↔ channels-first) moves contiguous runs of a row of pixels, and
the weight is the GEMM operand as it is, (F, C·K·K). Groups split the channels: group g's
filters see only group g's input channels (a batched GEMM over groups).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.autograd import Context, Function
from tamrin.ops.im2col import Pads, col2im, crop, out_size, pad2d, windows
from tamrin.tensor import Tensor

Pair = tuple[int, int]


# ---- the three building blocks ------------------------------------------------------------

def _im2col(x: np.ndarray, kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
            groups: int, out_hw: Pair) -> np.ndarray:
    """cols[g, (c,k,l), (b,i,j)] = x_padded(b, g·Cg + c, S·i + D·k, S·j + D·l): one column
    per output pixel of the batch, shape (G, Cg·KH·KW, N·OH·OW). One copy of a strided view."""
    n, c = x.shape[:2]
    win = windows(pad2d(x, pads), 2, kernel, stride, dilation, out_hw)  # (N,C,OH,OW,KH,KW)
    cols = np.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3))  # (C, KH, KW, N, OH, OW)
    return cols.reshape(groups, -1, n * out_hw[0] * out_hw[1])


def _weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """The weight (F, Cg, KH, KW) as the GEMM operand (G, F/G, Cg·KH·KW) (a view)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _channels_first(a: np.ndarray, groups: int) -> np.ndarray:
    """An NCHW array as (G, C/G, N·H·W): channels first, each channel's maps contiguous."""
    n, c = a.shape[:2]
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).reshape(groups, c // groups, -1)


def _to_nchw(src: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """Copy a (N, G, C/G, H, W)-shaped view into a new contiguous NCHW array, adding the
    bias (C,) on the way (one pass)."""
    n, g, cg, h, w = src.shape
    out = np.empty(src.shape, dtype=src.dtype)
    if bias is None:
        np.copyto(out, src)
    else:
        np.add(src, bias.reshape(g, cg, 1, 1), out=out)
    return out.reshape(n, g * cg, h, w)


def _conv_gemm(cols: np.ndarray, w: np.ndarray, bias: np.ndarray | None, n: int,
               out_hw: Pair) -> np.ndarray:
    """O = W · cols (+ bias), per group, returned as NCHW (N, F, OH, OW)."""
    groups = cols.shape[0]
    out = np.matmul(_weight_matrix(w, groups), cols)  # (G, F/G, N·OH·OW)
    return _to_nchw(out.reshape(groups, -1, n, *out_hw).transpose(2, 0, 1, 3, 4), bias)


def _col2im_gemm(g_cf: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                 in_shape: tuple[int, ...], out_hw: Pair, kernel: Pair, stride: Pair,
                 pads: Pads, dilation: Pair) -> np.ndarray:
    """dX = col2im(Wᵀ · dO) (+ bias): the conv's input gradient, NCHW of ``in_shape``.

    ``g_cf`` is dO channels first, (G, F/G, N·OH·OW)."""
    groups = g_cf.shape[0]
    n, c, h, wd = in_shape
    dcols = np.matmul(_weight_matrix(w, groups).transpose(0, 2, 1), g_cf)  # (G, Cg·K·K, N·P)
    dcols = dcols.reshape(groups, c // groups, *kernel, n, *out_hw).transpose(
        0, 1, 4, 5, 6, 2, 3)  # (G, Cg, N, OH, OW, KH, KW), as the windows view
    top, bottom, left, right = pads
    padded = (groups, c // groups, n, h + top + bottom, wd + left + right)
    dxp = col2im(dcols, padded, 3, kernel, stride, dilation)  # (G, Cg, N, Hp, Wp)
    return _to_nchw(crop(dxp, pads, (h, wd), 3).transpose(2, 0, 1, 3, 4), bias)


def _weight_grad(g_cf: np.ndarray, cols: np.ndarray, w_shape: tuple[int, ...]) -> np.ndarray:
    """dW = dO · colsᵀ per group (one GEMM summing over batch and positions), computed as
    (cols · dOᵀ)ᵀ: the orientation OpenBLAS runs fastest for this long, thin product."""
    dw_t = np.matmul(cols, g_cf.transpose(0, 2, 1))  # (G, Cg·K·K, F/G)
    return np.ascontiguousarray(dw_t.transpose(0, 2, 1)).reshape(w_shape)


def _channel_sum(g: np.ndarray) -> np.ndarray:
    """dbias(f) = Σ_b Σ_i Σ_j dO(b,f,i,j)."""
    return g.sum(axis=(0, 2, 3))


# ---- the ops ------------------------------------------------------------------------------

class Conv2d(Function):
    """O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l w(f,c,k,l)·x(b,c,S·i+D·k,S·j+D·l)  (x padded).

    Backward (see the module docstring): dW = dO·colsᵀ, dX = col2im(Wᵀ·dO), dbias = Σ dO.
    dX is skipped when the input needs no gradient (the network's input).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                stride: Pair, pads: Pads, dilation: Pair, groups: int) -> np.ndarray:
        kernel = w.shape[2:]
        out_hw = _conv_out_hw("conv2d", x.shape, kernel, stride, pads, dilation)
        cols = _im2col(x, kernel, stride, pads, dilation, groups, out_hw)
        ctx.save_for_backward(cols, w)
        ctx.x_shape, ctx.params = x.shape, (kernel, stride, pads, dilation)
        return _conv_gemm(cols, w, bias, x.shape[0], out_hw)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        cols, w = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        g_cf = _channels_first(g, cols.shape[0])
        dx = dw = db = None
        if need_x:
            dx = _col2im_gemm(g_cf, w, None, ctx.x_shape, g.shape[2:], *ctx.params)
        if need_w:
            dw = _weight_grad(g_cf, cols, w.shape)
        if need_b:
            db = _channel_sum(g)
        return dx, dw, db


class ConvTranspose2d(Function):
    """The adjoint of Conv2d: each input pixel x(b,f,i,j) scatters w(f,c,·,·)·x(b,f,i,j)
    onto the output window at (S·i, S·j):

        O(b,c,p,q) = bias(c) + Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j)·x(b,f,i,j)   (then cropped by P)

    — exactly Conv2d's dX formula, so forward = col2im(Wᵀ·x). Backward swaps the roles:
    dX = conv2d(dO, W) (im2col of dO + GEMM), dW(f,c,k,l) = Σ x(b,f,i,j)·dO(b,c,S·i+k,S·j+l)
    = x·cols(dO)ᵀ, dbias = Σ dO.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                stride: Pair, pads: Pads, output_padding: Pair, dilation: Pair,
                groups: int) -> np.ndarray:
        kernel = w.shape[2:]
        n, _, h, wd = x.shape
        top, bottom, left, right = pads
        out_h = (h - 1) * stride[0] - top - bottom + dilation[0] * (kernel[0] - 1) \
            + output_padding[0] + 1
        out_w = (wd - 1) * stride[1] - left - right + dilation[1] * (kernel[1] - 1) \
            + output_padding[1] + 1
        if out_h <= 0 or out_w <= 0:
            raise ValueError(f"conv_transpose2d: input {x.shape} with kernel {kernel}, stride "
                             f"{stride} and padding {pads} gives an empty output "
                             f"({out_h}×{out_w})")
        out_shape = (n, w.shape[1] * groups, out_h, out_w)
        x_cf = _channels_first(x, groups)
        ctx.save_for_backward(x_cf, w)
        ctx.x_shape, ctx.params = x.shape, (kernel, stride, pads, dilation)
        return _col2im_gemm(x_cf, w, bias, out_shape, (h, wd), kernel, stride, pads, dilation)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        x_cf, w = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        kernel, stride, pads, dilation = ctx.params
        groups = x_cf.shape[0]
        out_hw = ctx.x_shape[2:]
        cols = _im2col(g, kernel, stride, pads, dilation, groups, out_hw)
        dx = _conv_gemm(cols, w, None, g.shape[0], out_hw) if need_x else None
        dw = _weight_grad(x_cf, cols, w.shape) if need_w else None
        db = _channel_sum(g) if need_b else None
        return dx, dw, db


# ---- arguments --------------------------------------------------------------------------

def pair(value: Any, name: str, op: str, minimum: int = 0) -> Pair:
    """An int or a pair of ints as a pair, checked to be ≥ ``minimum``."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {name} must be ≥ {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def conv_padding(padding: Any, kernel: Pair, stride: Pair, dilation: Pair, op: str) -> Pads:
    """``padding`` (int, pair, 'valid' or 'same') as (top, bottom, left, right).

    'same' keeps H×W at stride 1: total D·(K−1) per axis, the odd pixel on the bottom/right
    (as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided "
                             f"convolutions (stride {stride})")
        th, tw = (d * (k - 1) for d, k in zip(dilation, kernel))
        return th // 2, th - th // 2, tw // 2, tw - tw // 2
    ph, pw = pair(padding, "padding", op)
    return ph, ph, pw, pw


def _conv_out_hw(op: str, x_shape: tuple[int, ...], kernel: Pair, stride: Pair, pads: Pads,
                 dilation: Pair) -> Pair:
    return (out_size(op, x_shape[2], kernel[0], stride[0], pads[0], pads[1], dilation[0]),
            out_size(op, x_shape[3], kernel[1], stride[1], pads[2], pads[3], dilation[1]))


def _check_conv_shapes(op: str, x: Tensor, w: Tensor, bias: Tensor | None, groups: int,
                       transposed: bool) -> None:
    """Shapes the user can get wrong, named in the error: (N,C,H,W) input, 4-D weight,
    channels divisible by groups, C matching the weight, bias of the output channels."""
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got shape {w.shape}")
    if transposed:  # weight (C_in, C_out/groups, KH, KW)
        in_channels, out_channels = w.shape[0], w.shape[1] * groups
    else:  # weight (C_out, C_in/groups, KH, KW)
        in_channels, out_channels = w.shape[1] * groups, w.shape[0]
    if groups < 1 or in_channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels "
                         f"({in_channels}) and the output channels ({out_channels}) of "
                         f"weight {w.shape}")
    if x.shape[1] != in_channels:
        raise ValueError(f"{op}: input {x.shape} has {x.shape[1]} channels but weight "
                         f"{w.shape} with groups={groups} expects {in_channels}")
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"{op}: bias must have shape ({out_channels},), got {bias.shape}")
    if x.dtype != w.dtype or (bias is not None and bias.dtype != x.dtype):
        raise TypeError(f"{op}: input, weight and bias must have the same dtype, got "
                        f"{x.dtype}, {w.dtype}" + ("" if bias is None else f", {bias.dtype}"))


# ---- the functions users call -------------------------------------------------------------

def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution of ``input`` (N, C, H, W) with ``weight`` (F, C/groups, KH, KW).

    Output (N, F, OH, OW), OH = ⌊(H + 2P − D·(KH − 1) − 1)/S⌋ + 1. ``padding`` is an int, a
    pair, 'valid' (0) or 'same' (stride 1 only); zeros padding.
    """
    _check_conv_shapes("conv2d", input, weight, bias, groups, transposed=False)
    stride = pair(stride, "stride", "conv2d", 1)
    dilation = pair(dilation, "dilation", "conv2d", 1)
    pads = conv_padding(padding, weight.shape[2:], stride, dilation, "conv2d")
    return Conv2d.apply(input, weight, bias, stride=stride, pads=pads, dilation=dilation,
                        groups=groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution of ``input`` (N, Cin, H, W) with ``weight``
    (Cin, Cout/groups, KH, KW) — the gradient of conv2d with respect to its input.

    Output (N, Cout, OH, OW), OH = (H − 1)·S − 2P + D·(KH − 1) + output_padding + 1.
    """
    op = "conv_transpose2d"
    _check_conv_shapes(op, input, weight, bias, groups, transposed=True)
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    ph, pw = pair(padding, "padding", op)
    out_pad = pair(output_padding, "output_padding", op)
    if out_pad[0] >= max(stride[0], dilation[0]) or out_pad[1] >= max(stride[1], dilation[1]):
        raise ValueError(f"{op}: output_padding {out_pad} must be smaller than either stride "
                         f"{stride} or dilation {dilation}")
    return ConvTranspose2d.apply(input, weight, bias, stride=stride, pads=(ph, ph, pw, pw),
                                 output_padding=out_pad, dilation=dilation, groups=groups)
