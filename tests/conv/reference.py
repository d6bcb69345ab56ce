"""Naive reference implementations (plain loops over every index), used only by the tests.

Each function is the course's formula written as literally as possible, so that the fast
paths of ``tamrin.ops`` can be checked against it (and the formula against PyTorch).
"""

from __future__ import annotations

import numpy as np


def pad(x: np.ndarray, pads: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    top, bottom, left, right = pads
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def conv2d(x, w, b, stride, pads, dilation, groups):
    """O(b,f,i,j) = bias(f) + Σ_c Σ_k Σ_l w(f,c,k,l)·x_p(b, g·Cg + c, S·i+D·k, S·j+D·l)."""
    xp = pad(x, pads)
    n, _, hp, wp = xp.shape
    f_out, cg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, f_out, oh, ow))
    fg = f_out // groups
    for bi in range(n):
        for f in range(f_out):
            c0 = (f // fg) * cg
            for i in range(oh):
                for j in range(ow):
                    for c in range(cg):
                        for k in range(kh):
                            for l in range(kw):
                                p, q = sh * i + dh * k, sw * j + dw * l
                                out[bi, f, i, j] += w[f, c, k, l] * xp[bi, c0 + c, p, q]
            if b is not None:
                out[bi, f] += b[f]
    return out


def conv2d_weight_grad(x, g, w_shape, stride, pads):
    """dW(f,c,k,l) = Σ_b Σ_i Σ_j x(b,c,S·i+k,S·j+l)·dO(b,f,i,j)   (groups 1, dilation 1)."""
    xp = pad(x, pads)
    dw = np.zeros(w_shape)
    f_out, c_in, kh, kw = w_shape
    n, _, oh, ow = g.shape
    for f in range(f_out):
        for c in range(c_in):
            for k in range(kh):
                for l in range(kw):
                    for bi in range(n):
                        for i in range(oh):
                            for j in range(ow):
                                dw[f, c, k, l] += (xp[bi, c, stride * i + k, stride * j + l]
                                                   * g[bi, f, i, j])
    return dw


def conv2d_input_grad(w, g, x_shape, stride, pads):
    """dX(b,c,p,q) = Σ_f Σ_i Σ_j w(f,c,p−S·i,q−S·j)·dO(b,f,i,j), w = 0 outside the kernel
    (p, q index the padded input; the padding is cropped at the end)."""
    top, bottom, left, right = pads
    n, c_in, h, wd = x_shape
    f_out, _, kh, kw = w.shape
    _, _, oh, ow = g.shape
    dxp = np.zeros((n, c_in, h + top + bottom, wd + left + right))
    for bi in range(n):
        for c in range(c_in):
            for p in range(dxp.shape[2]):
                for q in range(dxp.shape[3]):
                    for f in range(f_out):
                        for i in range(oh):
                            for j in range(ow):
                                k, l = p - stride * i, q - stride * j
                                if 0 <= k < kh and 0 <= l < kw:
                                    dxp[bi, c, p, q] += w[f, c, k, l] * g[bi, f, i, j]
    return dxp[:, :, top:top + h, left:left + wd]


def conv_transpose2d(x, w, b, stride, padding, output_padding, dilation, groups):
    """Scatter: O_p(b, g·Cg + c, S·i+D·k, S·j+D·l) += w(f,c,k,l)·x(b,f,i,j); crop P."""
    n, c_in, h, wd = x.shape
    _, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    hp = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    wp = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    out = np.zeros((n, cg * groups, hp, wp))
    fg = c_in // groups
    for bi in range(n):
        for f in range(c_in):
            c0 = (f // fg) * cg
            for i in range(h):
                for j in range(wd):
                    for c in range(cg):
                        for k in range(kh):
                            for l in range(kw):
                                out[bi, c0 + c, sh * i + dh * k, sw * j + dw * l] += (
                                    w[f, c, k, l] * x[bi, f, i, j])
    out = out[:, :, ph:hp - ph, pw:wp - pw]
    return out if b is None else out + b[None, :, None, None]


def max_pool2d(x, g, kernel, stride, pads, dilation):
    """O(b,c,i,j) = max of window (i,j) (padding −∞), and dX for dO = g: each window's
    g(b,c,i,j) goes to its first maximum (row-major), as PyTorch."""
    top, _, left, _ = pads
    xp = pad(x, pads, -np.inf)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    out = np.zeros(g.shape)
    dx = np.zeros(x.shape)
    for bi in range(g.shape[0]):
        for c in range(g.shape[1]):
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    best = None
                    for k in range(kh):
                        for l in range(kw):
                            p, q = sh * i + dh * k, sw * j + dw * l
                            if p < xp.shape[2] and q < xp.shape[3] and (
                                    best is None or xp[bi, c, p, q] > xp[bi, c, best[0], best[1]]):
                                best = (p, q)
                    out[bi, c, i, j] = xp[bi, c, best[0], best[1]]
                    dx[bi, c, best[0] - top, best[1] - left] += g[bi, c, i, j]
    return out, dx


def avg_pool2d(x, kernel, stride, pads, divisor, out_hw):
    """O(b,c,i,j) = (Σ of window (i,j), padding 0) / divisor(i,j)."""
    xp = pad(x, pads)
    (kh, kw), (sh, sw) = kernel, stride
    out = np.zeros(x.shape[:2] + tuple(out_hw))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            out[:, :, i, j] = xp[:, :, sh * i:sh * i + kh, sw * j:sw * j + kw].sum(axis=(2, 3))
    return out / divisor
