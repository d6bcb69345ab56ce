"""Sliding windows as strided views: the shared machinery of convolution and pooling.

A 2-D window op (convolution, pooling) reads, for every output position (i, j) and kernel
offset (k, l), the input pixel at (S·i + D·k − P, S·j + D·l − P). Instead of looping over
positions, ``windows`` builds a *view* of the padded input with two more axes::

    win[..., i, j, k, l, ...] = padded[..., S·i + D·k, S·j + D·l, ...]

(no copy: only the strides change). Then

- im2col is one copy of that view (every window laid out as a row), ready for one GEMM;
- pooling reduces the K·K views ``win[..., k, l]`` element-wise (no copy at all);
- col2im (the adjoint: scatter-add windows back to pixels) adds each kernel offset's
  slice of the columns into the same view of a zeroed gradient buffer — K·K vectorised
  additions, never a loop over pixels or batch items.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.lib.stride_tricks import as_strided

Pair = tuple[int, int]
Pads = tuple[int, int, int, int]  # (top, bottom, left, right)


def out_size(op: str, size: int, kernel: int, stride: int, pad_before: int,
             pad_after: int, dilation: int = 1) -> int:
    """⌊(H + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1, or a clear error when ≤ 0."""
    extent = dilation * (kernel - 1) + 1
    padded = size + pad_before + pad_after
    if padded < extent:
        spans = f" (dilation {dilation}: it spans {extent})" if dilation > 1 else ""
        inside = f" + padding {pad_before}+{pad_after} = {padded}" if padded > size else ""
        raise ValueError(f"{op}: the kernel size {kernel}{spans} is larger than the input "
                         f"size {size}{inside}")
    return (padded - extent) // stride + 1


def pad2d(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of an NCHW array with ``value`` (``x`` itself, no copy,
    when there is no padding)."""
    if not any(pads):
        return x
    top, bottom, left, right = pads
    n, c, h, w = x.shape
    shape = (n, c, h + top + bottom, w + left + right)
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def windows(a: np.ndarray, axis: int, kernel: Pair, stride: Pair, dilation: Pair,
            out_hw: Pair) -> np.ndarray:
    """A strided view of ``a`` whose spatial axes ``axis, axis+1`` (H, W) become the
    output grid and kernel offsets ``(OH, OW, KH, KW)``:
    ``win[…, i, j, k, l, …] = a[…, S·i + D·k, S·j + D·l, …]``.

    The view aliases ``a``: writing ``win[…, k, l, …] += v`` for one (k, l) at a time adds
    into ``a`` correctly (for a fixed offset no two windows share a pixel).
    """
    st = a.strides
    shape = a.shape[:axis] + out_hw + kernel + a.shape[axis + 2:]
    strides = (st[:axis] + (stride[0] * st[axis], stride[1] * st[axis + 1],
                            dilation[0] * st[axis], dilation[1] * st[axis + 1])
               + st[axis + 2:])
    return as_strided(a, shape, strides, writeable=a.flags.writeable)


def offsets(kernel: Pair) -> Iterator[Pair]:
    """The kernel offsets (k, l) in row-major order (PyTorch's scan order for ties)."""
    for k in range(kernel[0]):
        for l in range(kernel[1]):
            yield k, l


def col2im(cols: np.ndarray, out: np.ndarray, axis: int, kernel: Pair, stride: Pair,
           dilation: Pair) -> None:
    """The adjoint of ``windows``: add every window of ``cols`` (shaped like the ``windows``
    view of ``out``) back into ``out`` (the padded array), where it was read.

    dX(p, q) += Σ over the (i, j, k, l) with S·i + D·k = p and S·j + D·l = q of
    cols(i, j, k, l) — done as K·K strided additions, one per kernel offset.
    """
    win = windows(out, axis, kernel, stride, dilation, cols.shape[axis:axis + 2])
    index = (slice(None),) * axis
    for k, l in offsets(kernel):
        win[(*index, slice(None), slice(None), k, l)] += cols[
            (*index, slice(None), slice(None), k, l)]


def images_per_chunk(bytes_per_image: int, budget: int) -> int:
    """How many whole images of ``bytes_per_image`` fit in ``budget`` bytes (at least one)."""
    return max(1, budget // max(bytes_per_image, 1))


def batch_chunks(n: int, size: int) -> Iterator[slice]:
    """The batch axis 0…n as slices of ``size`` images (the last one may be shorter): the
    cache blocking of the conv layouts."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def crop(a: np.ndarray, pads: Pads, size: Pair, axis: int) -> np.ndarray:
    """The un-padded region ``a[…, top:top+H, left:left+W, …]`` (a view)."""
    top, _, left, _ = pads
    index = (slice(None),) * axis + (slice(top, top + size[0]), slice(left, left + size[1]))
    return a[index]
