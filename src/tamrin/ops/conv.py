"""2-D convolution and transposed convolution (NCHW), as im2col + one GEMM per group.

Convolution (cross-correlation, as in every DL library), stride S, dilation D, input
padded by P::

    O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l w(f,c,k,l) · x(b,c,S·i+D·k, S·j+D·l)

im2col copies every window into a column of ``cols_b`` (rows = (c, k, l), columns = output
pixels (i, j) of image b), so the forward is the matrix product O_b = W · cols_b. Its
backward is two more GEMMs, the course's hand derivation:

    dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l) · dO(b,f,i,j)       →  dW = Σ_b dO_b · cols_bᵀ
    dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j) · dO(b,f,i,j)       →  dcols_b = Wᵀ · dO_b,
                  (w taken as zero outside the kernel)                    then col2im

col2im adds each window's gradient back onto the pixels it was read from (K·K strided
additions, see ``tamrin.ops.im2col``). Note the w(f,c,p−S·i, …): with a stride, the kernel
tap that touched pixel p from output i is p − S·i, not p − i.

A transposed convolution is the adjoint of a convolution: its forward is exactly the conv's
dX computation (GEMM + col2im) and its backward is the conv's forward (im2col + GEMM) and
dW — the same three helpers, with the roles of the arrays swapped.

Layout and cache blocking (measured on the 3×3 32→64 conv of 64×32×32×32, 1 thread): the
columns are kept per image, ``cols[b, (c,k,l), (i,j)]``, so the GEMM of image b,
W (F × C·K·K) · cols_b (C·K·K × OH·OW), writes image b's NCHW output in place — no
transposing copy of the output (or of dO in backward) — and OpenBLAS runs these
(64 × 288) · (288 × 1024) products faster than one (64 × 288) · (288 × 65536) product.
The batch is processed in chunks of images whose columns fit in ``CHUNK_BYTES`` (a few MiB,
the last-level cache): im2col copies a chunk, the GEMM reads it while it is still in cache;
in backward, Wᵀ·dO and col2im run per chunk in reused buffers, so the 75 MB dcols array is
never written out. (Forward −20%, dX −50% against one whole-batch GEMM.) A chunk loop is
cache blocking, not a loop over batch items: a chunk is ≥ 1 whole image and each step is
vectorised over it. The weight is the GEMM operand as it is, (F, C·K·K); groups split the
channels: group g's filters see only group g's input channels (a batched GEMM over groups).

Small images (at most ``BATCH_LAST_MAX_PIXELS`` output pixels, LeNet's second conv) use a
second layout, the batch as the last axis: ``cols[c, k, l, i, j, b]``. There the per-image
GEMMs above are tiny ((16 × 150)·(150 × 100) for LeNet's conv2) and the per-image im2col
copies runs of only OW floats, while with the batch last the copy reads runs of OW·N floats
(stride 1) and the forward is one GEMM W · cols over all N·OH·OW pixels; the output (and dX)
are NCHW views of the batch-last results, with no transposing copy. Measured on LeNet's conv2
(64×6×14×14, 6→16, 5×5; ``bench.run``, 1 thread): forward 832 → 565 µs, backward (dX, dW)
3.19 → 1.46 ms; on LeNet's conv1 (784 output pixels) and the wide 3×3 conv (1,024) the
per-image layout stays faster.

Larger images at stride 1 use "wide rows": the output is computed at the padded width Wp
(columns j ≥ OW are discarded), so that for each (c, k, l) an image's row of columns is one
contiguous run of the flattened padded input, ``cols[b, c, k, l, p] = x_flat(b, c,
D·k·Wp + D·l + p)`` for p < L = (OH − 1)·Wp + OW. im2col then copies runs of L floats instead
of OW, col2im adds them back the same way, for (Wp − OW)/Wp more GEMM work. The columns go
through one reused chunk-sized buffer and are not kept (writing the whole batch's 75 MB out of
cache cost as much as the GEMM): the backward copies them again from the saved padded input.
Measured on the wide 3×3 conv (1 thread): forward 42.9 → 33.1 ms (PyTorch 39.3 ms), backward
78 → 72 ms, and the saved arrays 75 MB of columns → 9.5 MB of padded input.

A 3×3 conv at stride 1 with many channels (C·F ≥ ``WINOGRAD_MIN_CHANNELS``) runs forward
and backward by Winograd's F(2×2, 3×3) (``tamrin.ops.winograd``): 2.25× fewer
multiplications in the GEMMs, which on the wide 3×3 conv already ran at the CPU's peak with
im2col. Measured there (``bench.run``, 1 thread): forward 34 → 31.5 ms, backward 70 → 42 ms
(PyTorch 44 and 53 ms); it keeps the transformed input V for dW (4× the input's size:
38 MB there, against the wide rows' 9.5 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops.im2col import (
    Pads,
    batch_chunks,
    col2im,
    crop,
    images_per_chunk,
    offsets,
    out_size,
    pad2d,
    windows,
)
from tamrin.ops.winograd import conv3x3_backward, conv3x3_forward
from tamrin.tensor import Tensor

Pair = tuple[int, int]
CHUNK_BYTES = 4 * 2**20  # columns of one chunk of images: about the size of the L3 share
# Up to this many output pixels per image, the batch-last layout is used. Measured (1 thread,
# batch 64, batch-last time / per-image time, forward and forward+backward): 100 pixels
# (LeNet conv2, 5×5) 0.63× and 0.46×; 144 (16→32, 3×3) 1.1× and 0.83×; 256 1.2× and 1.05×;
# 784 (LeNet conv1) 1.8× and 1.2× — the transposing copies then cost more than the small
# GEMMs save.
BATCH_LAST_MAX_PIXELS = 144
# Wide rows from this many column rows (C·KH·KW) on. Measured (1 thread, forward and
# forward+backward, wide time / per-image time): 25 rows (LeNet conv1, 28×28) 0.99× and 0.83×,
# but its dW-only backward (the network's input needs no dX) 1.9× — per image the forward's
# columns are kept, wide rows copy them again; 27 rows (3→16, 3×3, 32×32) 1.17× and 0.92×;
# 54 rows 1.07× and 0.91×; 144 rows 0.78× and 0.81×; 200 rows 0.63× and 0.77×.
WIDE_MIN_ROWS = 32
# Winograd (3×3, stride 1) from this many C·F. Measured (1 thread, batch 64, 32×32 unless
# said; Winograd time / wide rows time: forward | backward (dX, dW) | backward dW only |
# forward + backward): C·F = 128 (8→16) 1.50× | 0.73× | 0.99× | 0.97×; 256 (16→16) 1.35× |
# 0.63× | 0.69× | 0.84×; 512 (16→32) 1.19× | 0.60× | 0.67× | 0.78×; 2,048 (32→64) 0.97× |
# 0.50× | 0.55× | 0.65×; 4,096 (64→64, 16×16) 0.81× | 0.54× | 0.54× | 0.63×; 8,192 (64→128,
# 16×16) 0.70× | 0.57× | 0.57× | 0.62×; 4,096 at 56×56 (batch 16) 0.86× | 0.75× | 0.61× |
# 0.79×. The threshold is where a training step (forward + backward) gains clearly; a
# forward alone (no_grad) is slower from 512 to 2,048 (1.19× at 512). The layout must not
# depend on whether a backward will run, or frozen and trained layers would round
# differently (the transfer-learning lab compares them bit for bit).
WINOGRAD_MIN_CHANNELS = 512


# ---- the three building blocks ------------------------------------------------------------

def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """(N, C, …, H, W) as (N, G, rest/G, H·W): the per-image, per-group GEMM operand (a view
    of a contiguous array). For columns (N, C, KH, KW, OH, OW) the rows are (c, k, l)."""
    return a.reshape(a.shape[0], groups, -1, a.shape[-2] * a.shape[-1])


def _weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """The weight (F, Cg, KH, KW) as the GEMM operand (G, F/G, Cg·KH·KW) (a view)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _conv_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, kernel: Pair,
                  stride: Pair, pads: Pads, dilation: Pair, groups: int,
                  out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """O_b = W · cols_b (+ bias) for every image b, chunk by chunk; returns (O as NCHW, cols).

    cols[b, c, k, l, i, j] = x_padded(b, c, S·i + D·k, S·j + D·l): the copy of a strided view
    (im2col), kept for the weight gradient."""
    n, c = x.shape[:2]
    win = windows(pad2d(x, pads), 2, kernel, stride, dilation, out_hw)  # (N,C,OH,OW,KH,KW)
    cols = np.empty((n, c, *kernel, *out_hw), dtype=x.dtype)
    out = np.empty((n, w.shape[0], *out_hw), dtype=x.dtype)
    wm = _weight_matrix(w, groups)
    for s in batch_chunks(n, images_per_chunk(cols[0].nbytes, CHUNK_BYTES)):
        np.copyto(cols[s], win[s].transpose(0, 1, 4, 5, 2, 3))
        np.matmul(wm, _grouped(cols[s], groups), out=_grouped(out[s], groups))
        if bias is not None:
            out[s] += bias[:, None, None]
    return out, cols


def _col2im_gemm(g: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                 in_shape: tuple[int, ...], kernel: Pair, stride: Pair, pads: Pads,
                 dilation: Pair, groups: int) -> np.ndarray:
    """dX = col2im(Wᵀ · dO) (+ bias): the conv's input gradient, NCHW of ``in_shape``.

    Per chunk of images: dcols = Wᵀ·dO into a reused buffer, col2im into a reused zeroed
    padded buffer, and its un-padded region copied out."""
    n, c, h, wd = in_shape
    out_hw = g.shape[2:]
    top, bottom, left, right = pads
    wt = _weight_matrix(w, groups).transpose(0, 2, 1)  # (G, Cg·K·K, F/G)
    dx = np.empty(in_shape, dtype=g.dtype)
    size = images_per_chunk(c * kernel[0] * kernel[1] * g[0, 0].nbytes, CHUNK_BYTES)
    dcols = np.empty((size, c, *kernel, *out_hw), dtype=g.dtype)
    dxp = np.empty((size, c, h + top + bottom, wd + left + right), dtype=g.dtype)
    for s in batch_chunks(n, size):
        m = s.stop - s.start
        np.matmul(wt, _grouped(g[s], groups), out=_grouped(dcols[:m], groups))
        dxp[:m] = 0
        col2im(dcols[:m].transpose(0, 1, 4, 5, 2, 3), dxp[:m], 2, kernel, stride, dilation)
        region = dxp[:m, :, top:top + h, left:left + wd]
        if bias is None:
            dx[s] = region
        else:
            np.add(region, bias[:, None, None], out=dx[s])
    return dx


def _weight_grad(g: np.ndarray, cols: np.ndarray, w_shape: tuple[int, ...],
                 groups: int) -> np.ndarray:
    """dW = Σ_b dO_b · cols_bᵀ per group, computed as Σ_b (cols_b · dO_bᵀ), then transposed:
    the orientation OpenBLAS runs fastest for these long, thin products."""
    dw_t = np.matmul(_grouped(cols, groups), _grouped(g, groups).transpose(0, 1, 3, 2))
    dw_t = dw_t.sum(axis=0)  # (G, Cg·K·K, F/G)
    return np.ascontiguousarray(dw_t.transpose(0, 2, 1)).reshape(w_shape)


def _channel_sum(g: np.ndarray) -> np.ndarray:
    """dbias(f) = Σ_b Σ_i Σ_j dO(b,f,i,j)."""
    return g.sum(axis=(0, 2, 3))


# ---- the batch-last layout, for small images ----------------------------------------------

def _padded_batch_last(x: np.ndarray, pads: Pads) -> np.ndarray:
    """x (N, C, H, W) as (C, H + P, W + P, N), zero-padded: one copy does both."""
    n, c, h, w = x.shape
    top, bottom, left, right = pads
    out = np.zeros((c, h + top + bottom, w + left + right, n), x.dtype) if any(pads) \
        else np.empty((c, h, w, n), x.dtype)
    out[:, top:top + h, left:left + w] = x.transpose(1, 2, 3, 0)
    return out


def _as_one_image(a: np.ndarray) -> np.ndarray:
    """A batch-last array (rows…, OH, OW, N) as one image (1, rows, OH·OW, N), whose
    ``_grouped`` form is the (1, G, rows/G, OH·OW·N) GEMM operand over the whole batch."""
    return a.reshape(1, -1, a.shape[-3] * a.shape[-2], a.shape[-1])


def _conv_forward_batch_last(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                             kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
                             groups: int, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """O = W · cols over all N·OH·OW pixels (+ bias); returns (O as NCHW, cols).

    cols[c, k, l, i, j, b] = x_padded(b, c, S·i + D·k, S·j + D·l)."""
    n, c = x.shape[:2]
    win = windows(_padded_batch_last(x, pads), 1, kernel, stride, dilation, out_hw)
    cols = np.empty((c, *kernel, *out_hw, n), dtype=x.dtype)
    np.copyto(cols, win.transpose(0, 3, 4, 1, 2, 5))  # win: (C, OH, OW, KH, KW, N)
    o = np.matmul(_weight_matrix(w, groups), _grouped(_as_one_image(cols), groups))
    o = o.reshape(w.shape[0], *out_hw, n)  # (F, OH, OW, N)
    if bias is not None:
        o += bias[:, None, None, None]
    return o.transpose(3, 0, 1, 2), cols


def _conv_backward_batch_last(g: np.ndarray, cols: np.ndarray, w: np.ndarray,
                              x_shape: tuple[int, ...], need_x: bool, need_w: bool,
                              kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
                              groups: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dX, dW) from dO: dW = dO · colsᵀ, dX = col2im(Wᵀ · dO), with dO made batch-last."""
    n, c, h, wd = x_shape
    g_last = np.ascontiguousarray(g.transpose(1, 2, 3, 0))  # (F, OH, OW, N)
    dw = _weight_grad(_as_one_image(g_last), _as_one_image(cols), w.shape, groups) \
        if need_w else None
    if not need_x:
        return None, dw
    wt = _weight_matrix(w, groups).transpose(0, 2, 1)  # (G, Cg·K·K, F/G)
    dcols = np.matmul(wt, _grouped(_as_one_image(g_last), groups)).reshape(cols.shape)
    top, bottom, left, right = pads
    dx_padded = np.zeros((c, h + top + bottom, wd + left + right, n), dtype=g.dtype)
    col2im(dcols.transpose(0, 3, 4, 1, 2, 5), dx_padded, 1, kernel, stride, dilation)
    return crop(dx_padded, pads, (h, wd), 1).transpose(3, 0, 1, 2), dw


# ---- wide rows, for larger images at stride 1 ---------------------------------------------

def _wide_windows(xp: np.ndarray, kernel: Pair, dilation: Pair, length: int) -> np.ndarray:
    """The (N, C, KH, KW, L) view ``v[b, c, k, l, p] = xp_flat(b, c, D·k·Wp + D·l + p)`` of a
    C-contiguous padded input (a window row stays inside its channel's plane: the last read
    is (Hp − 1)·Wp + Wp − 1)."""
    n, c = xp.shape[:2]
    sb, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, *kernel, length),
                      (sb, sc, dilation[0] * sh, dilation[1] * sw, sw),
                      writeable=xp.flags.writeable)


def _conv_forward_wide(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, kernel: Pair,
                       stride: Pair, pads: Pads, dilation: Pair, groups: int,
                       out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """O_b = W · cols_b at the padded width, a chunk of images at a time through one reused
    columns buffer (never the whole batch's columns: writing those out of cache cost as much
    as the GEMM); returns (O as an NCHW view of the wide rows, the padded input)."""
    n = x.shape[0]
    xp = np.ascontiguousarray(pad2d(x, pads))
    oh, ow = out_hw
    width = xp.shape[3]
    rows = np.empty((n, w.shape[0], oh * width), dtype=x.dtype)
    wm = _weight_matrix(w, groups)
    for s, cols in _wide_columns(xp, kernel, dilation, oh, ow):
        np.matmul(wm, _grouped(cols, groups),
                  out=rows[s].reshape(-1, groups, wm.shape[1], oh * width)[..., :cols.shape[-1]])
    out = rows.reshape(n, w.shape[0], oh, width)[..., :ow]
    if bias is not None:
        out += bias[:, None, None]
    return out, xp


def _wide_columns(xp: np.ndarray, kernel: Pair, dilation: Pair, oh: int,
                  ow: int) -> Iterator[tuple[slice, np.ndarray]]:
    """(chunk, its columns as (m, C·KH·KW, 1, L)) for each chunk of images, copied into one
    buffer that every chunk reuses."""
    n, c, _, width = xp.shape
    length = (oh - 1) * width + ow
    win = _wide_windows(xp, kernel, dilation, length)
    size = images_per_chunk(c * kernel[0] * kernel[1] * length * xp.itemsize, CHUNK_BYTES)
    buffer = np.empty((size, c, *kernel, length), dtype=xp.dtype)
    for s in batch_chunks(n, size):
        m = s.stop - s.start
        np.copyto(buffer[:m], win[s])
        yield s, buffer[:m].reshape(m, -1, 1, length)


def _conv_backward_wide(g: np.ndarray, xp: np.ndarray, w: np.ndarray,
                        x_shape: tuple[int, ...], need_x: bool, need_w: bool, kernel: Pair,
                        stride: Pair, pads: Pads, dilation: Pair,
                        groups: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dX, dW) from dO laid out as wide rows (zeros in the discarded columns), chunk by
    chunk: dW = Σ_b dO_b · cols_bᵀ (the columns copied again from the saved padded input),
    dX = col2im(Wᵀ · dO) with runs of L floats."""
    n, f, oh, ow = g.shape
    _, c, h, wd = x_shape
    width = xp.shape[3]
    length = (oh - 1) * width + ow
    g_rows = np.zeros((n, f, oh, width), dtype=g.dtype)
    g_rows[..., :ow] = g
    g_rows = g_rows.reshape(n, f, 1, oh * width)[..., :length]  # (N, F, 1, L) view
    dw = None
    if need_w:
        dw = sum(_weight_grad(g_rows[s], cols, w.shape, groups)
                 for s, cols in _wide_columns(xp, kernel, dilation, oh, ow))
    if not need_x:
        return None, dw
    wt = _weight_matrix(w, groups).transpose(0, 2, 1)  # (G, Cg·K·K, F/G)
    dxp = np.zeros(xp.shape, dtype=g.dtype)
    win = _wide_windows(dxp, kernel, dilation, length)
    size = images_per_chunk(c * kernel[0] * kernel[1] * length * g.itemsize, CHUNK_BYTES)
    dcols = np.empty((size, c, *kernel, length), dtype=g.dtype)
    for s in batch_chunks(n, size):
        m = s.stop - s.start
        np.matmul(wt, _grouped(g_rows[s], groups),
                  out=_grouped(dcols[:m].reshape(m, -1, 1, length), groups))
        for k, l in offsets(kernel):  # col2im: add each offset's rows where they were read
            win[s, :, k, l] += dcols[:m, :, k, l]
    return crop(dxp, pads, (h, wd), 2), dw


# ---- choosing the layout ------------------------------------------------------------------

def _layout(out_hw: Pair, stride: Pair, w_shape: tuple[int, ...], dilation: Pair,
            groups: int) -> str:
    """The column layout of a conv with weight ``w_shape`` (F, C/G, KH, KW): "batch-last" for
    small images, else at stride 1 from ``WIDE_MIN_ROWS`` column rows "wide" rows — or
    "winograd" (``tamrin.ops.winograd``) for a 3×3 conv with at least
    ``WINOGRAD_MIN_CHANNELS`` = C·F — else "per-image" (module docstring). The choice
    depends on the shapes only, never on autograd (grad mode, which inputs require grad):
    the same layer gives the same numbers frozen, trained or under no_grad."""
    if out_hw[0] * out_hw[1] <= BATCH_LAST_MAX_PIXELS:
        return "batch-last"
    if stride != (1, 1) or w_shape[1] * w_shape[2] * w_shape[3] < WIDE_MIN_ROWS:
        return "per-image"
    if winograd_applies(w_shape, stride, dilation, groups) \
            and w_shape[0] * w_shape[1] >= WINOGRAD_MIN_CHANNELS:
        return "winograd"
    return "wide"


def winograd_applies(w_shape: tuple[int, ...], stride: Pair, dilation: Pair,
                     groups: int) -> bool:
    """Whether ``tamrin.ops.winograd`` can compute this conv (forward and backward): 3×3,
    stride 1, no dilation, one group."""
    return w_shape[2:] == (3, 3) and stride == (1, 1) and dilation == (1, 1) and groups == 1


def _conv_forward_winograd(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                           kernel: Pair, stride: Pair, pads: Pads, dilation: Pair, groups: int,
                           out_hw: Pair) -> tuple[np.ndarray, list[np.ndarray]]:
    """O by Winograd's F(2×2, 3×3) (``tamrin.ops.winograd``); keeps the transformed input V
    (4× the padded input's size, in chunks) for the weight gradient."""
    return conv3x3_forward(x, w, bias, pads)


def _conv_backward_winograd(g: np.ndarray, v: list[np.ndarray], w: np.ndarray,
                            x_shape: tuple[int, ...], need_x: bool, need_w: bool,
                            kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
                            groups: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dX, dW) by Winograd's F(2×2, 3×3), from the forward's transformed input V."""
    return conv3x3_backward(g, v, w, x_shape, pads, need_x, need_w)


def _conv_backward_per_image(g: np.ndarray, cols: np.ndarray, w: np.ndarray,
                             x_shape: tuple[int, ...], need_x: bool, need_w: bool,
                             kernel: Pair, stride: Pair, pads: Pads, dilation: Pair,
                             groups: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dX, dW) from dO with the per-image columns: dX = col2im(Wᵀ·dO), dW = Σ_b dO_b·cols_bᵀ."""
    g = np.ascontiguousarray(g)
    dx = _col2im_gemm(g, w, None, x_shape, kernel, stride, pads, dilation, groups) \
        if need_x else None
    dw = _weight_grad(g, cols, w.shape, groups) if need_w else None
    return dx, dw


# each layout's forward (returns the output and what its backward needs) and backward
_FORWARD = {"batch-last": _conv_forward_batch_last, "wide": _conv_forward_wide,
            "winograd": _conv_forward_winograd, "per-image": _conv_forward}
_BACKWARD = {"batch-last": _conv_backward_batch_last, "wide": _conv_backward_wide,
             "winograd": _conv_backward_winograd, "per-image": _conv_backward_per_image}

# ---- the ops ------------------------------------------------------------------------------

class Conv2d(ArrayFunction):
    """O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l w(f,c,k,l)·x(b,c,S·i+D·k,S·j+D·l)  (x padded).

    Backward (see the module docstring): dW = dO·colsᵀ, dX = col2im(Wᵀ·dO), dbias = Σ dO.
    dX is skipped when the input needs no gradient (the network's input).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                stride: Pair, pads: Pads, dilation: Pair, groups: int) -> np.ndarray:
        kernel = w.shape[2:]
        out_hw = _conv_out_hw("conv2d", x.shape, kernel, stride, pads, dilation)
        layout = _layout(out_hw, stride, w.shape, dilation, groups)
        out, saved = _FORWARD[layout](x, w, bias, kernel, stride, pads, dilation, groups,
                                      out_hw)
        ctx.save_for_backward(saved, w)  # columns, padded input (wide rows) or V (Winograd)
        ctx.x_shape, ctx.params = x.shape, (kernel, stride, pads, dilation, groups)
        ctx.layout = layout
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        saved, w = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        dx, dw = _BACKWARD[ctx.layout](g, saved, w, ctx.x_shape, need_x, need_w, *ctx.params)
        return dx, dw, _channel_sum(g) if need_b else None


class ConvTranspose2d(ArrayFunction):
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
        x = np.ascontiguousarray(x)
        ctx.save_for_backward(x, w)
        ctx.params = (kernel, stride, pads, dilation, groups)
        return _col2im_gemm(x, w, bias, out_shape, kernel, stride, pads, dilation, groups)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        x, w = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        kernel, stride, pads, dilation, groups = ctx.params
        if not (need_x or need_w):
            return None, None, _channel_sum(g) if need_b else None
        dx, cols = _conv_forward(g, w, None, kernel, stride, pads, dilation, groups,
                                 x.shape[2:])
        dw = _weight_grad(x, cols, w.shape, groups) if need_w else None
        db = _channel_sum(g) if need_b else None
        return (dx if need_x else None), dw, db


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
    op = f"{op} (input shape {tuple(x_shape)})"
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
