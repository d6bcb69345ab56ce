"""A 3×3, stride-1 convolution and its backward by Winograd's minimal filtering F(2×2, 3×3).

Winograd (Lavin & Gray, 2016) computes a 2×2 block of a 3×3 correlation from a 4×4 tile d of
the (padded) input with 16 multiplications instead of 36:

    Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A,   with, in one dimension (y₀ = d₀g₀ + d₁g₁ + d₂g₂,
                                                              y₁ = d₁g₀ + d₂g₁ + d₃g₂):

    Bᵀ = ⎡1  0 −1  0⎤   G = ⎡ 1   0   0 ⎤   Aᵀ = ⎡1 1  1  0⎤
         ⎢0  1  1  0⎥       ⎢ ½   ½   ½ ⎥        ⎣0 1 −1 −1⎦
         ⎢0 −1  1  0⎥       ⎢ ½  −½   ½ ⎥
         ⎣0  1  0 −1⎦       ⎣ 0   0   1 ⎦

Over channels, with U = G g Gᵀ (per filter f and channel c) and V = Bᵀ d B (per channel c and
tile t), the 16 entries ξ of the 4×4 "Winograd domain" are 16 independent matrix products:
M_ξ = U_ξ · V_ξ, (F × C)·(C × tiles), and Y = Aᵀ M A per tile (``conv3x3_forward``). The
backward (``conv3x3_backward``) follows by differentiating these three linear steps (the
course's chain rule, applied to matrices):

    ∂M = A ∂Y Aᵀ                       (a 2×2 block of ∂O becomes a 4×4 tile)
    ∂U_ξ = ∂M_ξ · V_ξᵀ,   ∂g = Gᵀ ∂U G  (summed over every tile: the weight gradient)
    ∂V_ξ = U_ξᵀ · ∂M_ξ,   ∂d = B ∂V Bᵀ  (added back where each overlapping tile was read)

The products take 16·F·C multiply-adds per tile of 4 output pixels, against 9·F·C per pixel
for im2col: 2.25× fewer. The transforms are additions and subtractions only, but about 100
of them per chunk of images, so their layout decides their speed: NumPy runs an element-wise
op on one long contiguous run about 8× faster per element than on runs of a tile row (16
floats: 0.83 against 0.10 ns per float32, measured). So the padded input is first split
into its four "quarter planes" Q[p, q] — the pixels at even or odd rows p and columns q, a
(TH + 1) × W_q plane per image and channel, W_q = TW + 1 — where entry (i, j) of tile
(t_h, t_w) is Q[i mod 2, j mod 2] at flat position t_h·W_q + t_w + (i div 2)·W_q + (j div 2):
for every tile at once, entry (i, j) is ONE contiguous run of the flattened planes, at
offset (i div 2)·W_q + (j div 2). The padding is never materialised: the input is copied
into zeroed quarter planes at its place. The tiles are numbered t_h·W_q + t_w as in
``tamrin.ops.conv``'s wide rows: the column t_w = TW of each tile row is a spare tile, whose
output is never copied out and whose ∂Y is zero (so it adds nothing to ∂U and its ∂V is
zero). An odd OH or OW gets TH = ⌈OH/2⌉ tiles, the missing row or column of ∂Y being zero.
The sign of A's last row is flipped in the backward (A' = diag(1, 1, 1, −1)·A, so that ∂M'
needs no negation) and undone on the small U and ∂U. Rounding: in float32 the results differ
from im2col's by a few units in the last place.
"""

from __future__ import annotations

import numpy as np

from tamrin.ops.im2col import batch_chunks, images_per_chunk

# G of F(2, 3): U = G g Gᵀ is the 4×4 transformed filter.
G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
# s_a·s_b for the Winograd entry (a, b), s = (1, 1, 1, −1): the flipped last row of A.
SIGNS = np.outer([1.0, 1.0, 1.0, -1.0], [1.0, 1.0, 1.0, -1.0])
# One chunk's M or ∂M' (16·F·plane floats per image). Measured on the wide 3×3 conv
# (64×32×32×32, 32→64, 1 thread, 1.2 MB per image; forward / backward, medians of two runs):
# 1 image per chunk 33.5 / 40.7 ms, 2: 29.9 / 40.2, 3: 29.6 / 39.1, 4: 29.2 / 43.4 (the chunk's
# arrays no longer stay in the cache between the steps).
CHUNK_BYTES = 3 * 2**20


class Tiles:
    """The tile grid of an OH × OW output: TH × TW tiles of 2×2 pixels, tile (t_h, t_w) at
    t_h·W_q + t_w of a quarter plane (TH + 1) × W_q, W_q = TW + 1; L tiles per image."""

    def __init__(self, out_h: int, out_w: int) -> None:
        self.rows, self.cols = (out_h + 1) // 2, (out_w + 1) // 2
        self.width = self.cols + 1
        self.plane = (self.rows + 1) * self.width
        self.length = (self.rows - 1) * self.width + self.cols

    def entry(self, planes: np.ndarray, i: int, j: int, step: int) -> np.ndarray:
        """Entry (i, j) of every tile and channel of the quarter planes ``planes``
        (2, 2, …), one pixel every ``step`` floats (1 in planes (m, C, plane), C in planes
        (m, plane, C)): one contiguous run, from pixel (i div 2)·W_q + (j div 2) of quarter
        plane (i mod 2, j mod 2), over all but the last W_q + 1 pixels (so that the
        furthest entry, (1, 1), stays inside)."""
        flat = planes.reshape(2, 2, -1)
        start = ((i // 2) * self.width + j // 2) * step
        return flat[i % 2, j % 2, start:start + flat.shape[-1] - (self.width + 1) * step]


# ---- the 1-D combinations (B, A' and their adjoints) on whole arrays -----------------------

def _input_1d(d: list[np.ndarray], out: list[np.ndarray]) -> None:
    """Bᵀ on the four entries d₀ … d₃ of a tile: t₀ = d₀ − d₂, t₁ = d₁ + d₂, t₂ = d₂ − d₁,
    t₃ = d₁ − d₃."""
    np.subtract(d[0], d[2], out=out[0])
    np.add(d[1], d[2], out=out[1])
    np.subtract(d[2], d[1], out=out[2])
    np.subtract(d[1], d[3], out=out[3])


def _input_adjoint_1d(dt: list[np.ndarray]) -> list[np.ndarray]:
    """B (the adjoint of ``_input_1d``) but for the sign of the last: [∂d₀, ∂d₁, ∂d₂, −∂d₃]
    = [∂t₀, ∂t₁ − ∂t₂ + ∂t₃, ∂t₁ + ∂t₂ − ∂t₀, ∂t₃]."""
    d1 = np.subtract(dt[1], dt[2])
    d1 += dt[3]
    d2 = np.add(dt[1], dt[2])
    d2 -= dt[0]
    return [dt[0], d1, d2, dt[3]]


def _add_input_adjoint_1d(dt: list[np.ndarray], out: list[np.ndarray], sign: int) -> None:
    """out_i += sign·∂d_i for B's ∂d of ``dt`` (as ``_input_adjoint_1d``), without
    temporaries: each ∂t is added to or subtracted from the outputs it reaches. Used for the
    last pass, which adds into the planes: computing ∂d and then adding it took 160 against
    129 µs per chunk of the wide 3×3 conv's backward."""
    add, sub = (np.add, np.subtract) if sign > 0 else (np.subtract, np.add)
    add(out[0], dt[0], out=out[0])
    add(out[1], dt[1], out=out[1])
    sub(out[1], dt[2], out=out[1])
    add(out[1], dt[3], out=out[1])
    add(out[2], dt[1], out=out[2])
    add(out[2], dt[2], out=out[2])
    sub(out[2], dt[0], out=out[2])
    sub(out[3], dt[3], out=out[3])


def _output_1d(m: list[np.ndarray], out: list[np.ndarray]) -> None:
    """Aᵀ on the four entries m₀ … m₃: y₀ = m₀ + m₁ + m₂, y₁ = m₁ − m₂ − m₃."""
    np.add(m[0], m[1], out=out[0])
    out[0] += m[2]
    np.subtract(m[1], m[2], out=out[1])
    out[1] -= m[3]


def _gradient_1d(y0: np.ndarray, y1: np.ndarray, out: list[np.ndarray]) -> None:
    """A' on a pair (y₀, y₁) of ∂Y: [y₀, y₀ + y₁, y₀ − y₁, y₁] (A's −y₁ with its sign
    flipped, see SIGNS)."""
    np.copyto(out[0], y0)
    np.add(y0, y1, out=out[1])
    np.subtract(y0, y1, out=out[2])
    np.copyto(out[3], y1)


# ---- the 2-D transforms of a chunk of images, on flat runs ---------------------------------

def _entries(buffer: np.ndarray, tiles: Tiles, step: int) -> list[list[np.ndarray]]:
    """The flat run of each entry (a, b) of a Winograd-domain buffer (16, …), as [a][b],
    as long as ``Tiles.entry``'s runs with the same ``step``."""
    flat = buffer.reshape(16, -1)
    flat = flat[:, :flat.shape[1] - (tiles.width + 1) * step]
    return [[flat[4 * a + b] for b in range(4)] for a in range(4)]


def _grid(planes: np.ndarray, tiles: Tiles, p: int, q: int, last: bool = False) -> np.ndarray:
    """Quarter plane (p, q) of ``planes`` — (2, 2, m, C, plane), or (2, 2, m, plane, C) if
    ``last`` — as an NCHW view (m, C, TH + 1, W_q)."""
    if not last:
        return planes[p, q].reshape(*planes.shape[2:4], -1, tiles.width)
    grid = planes[p, q].reshape(planes.shape[2], -1, tiles.width, planes.shape[-1])
    return grid.transpose(0, 3, 1, 2)


def _parity_blocks(a: np.ndarray, grid: np.ndarray, p: int, q: int,
                   offset: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The pixels of ``a`` (m, C, h, w) that lie in quarter plane (p, q) when ``a`` sits at
    ``offset`` (top, left) in the padded image, and where they lie in its ``grid``:
    a[…, i, j] is padded pixel (i + top, j + left) = plane (p, q) at ((i + top − p)/2, …)."""
    top, left = offset
    i, j = (p - top) % 2, (q - left) % 2  # a's first row and column of this parity
    block = a[:, :, i::2, j::2]
    r, c = (i + top - p) // 2, (j + left - q) // 2
    return block, grid[:, :, r:r + block.shape[2], c:c + block.shape[3]]


def _quarter_planes(a: np.ndarray, tiles: Tiles, planes: np.ndarray,
                    offset: tuple[int, int] = (0, 0)) -> None:
    """Copy ``a`` (m, C, h, w), placed at ``offset`` (top, left) of the padded image, into
    its quarter planes ``planes`` (2, 2, m, C, plane): quarter plane (p, q) at (r, s) holds
    padded pixel (2r + p, 2s + q). The positions ``a`` does not reach — the padding — are
    left as they are (zero in a zeroed buffer)."""
    for p in range(2):
        for q in range(2):
            block, target = _parity_blocks(a, _grid(planes, tiles, p, q), p, q, offset)
            target[...] = block


def _from_quarter_planes(planes: np.ndarray, tiles: Tiles, out: np.ndarray,
                         offset: tuple[int, int] = (0, 0), last: bool = False) -> None:
    """The inverse of ``_quarter_planes`` (from channels last if ``last``: this transposing
    copy, unlike the other way, runs as fast as two plain ones): every pixel of ``out``,
    placed at ``offset`` in the padded image, from its quarter plane."""
    for p in range(2):
        for q in range(2):
            block, source = _parity_blocks(out, _grid(planes, tiles, p, q, last), p, q,
                                           offset)
            block[...] = source


def _transform_input(planes: np.ndarray, tiles: Tiles, v: np.ndarray, step: int) -> None:
    """V = Bᵀ d B of every tile, from the input's quarter planes into ``v`` (16, m, plane,
    C) if ``step`` is C (channels last), (16, m, C, plane) if it is 1: Bᵀ over the tile rows
    i (for each column j), then over the columns."""
    runs = [[tiles.entry(planes, i, j, step) for j in range(4)] for i in range(4)]
    rows = np.empty((4, 4, runs[0][0].size), planes.dtype)  # [a, j]
    for j in range(4):
        _input_1d([runs[i][j] for i in range(4)], list(rows[:, j]))
    for row, entries in zip(rows, _entries(v, tiles, step)):
        _input_1d(list(row), entries)


def _transform_output(m: np.ndarray, tiles: Tiles, planes: np.ndarray) -> None:
    """Y = Aᵀ M A of every tile, from ``m`` (16, m, plane, F) into the output's quarter planes
    ``planes`` (2, 2, m, plane, F), channels last: Aᵀ over the entries' rows a (for each
    column b), then over the columns. (The spare tiles get values never copied out.)"""
    step = m.shape[-1]
    entries = _entries(m, tiles, step)
    rows = np.empty((2, 4, entries[0][0].size), m.dtype)  # [p, b]
    for b in range(4):
        _output_1d([entries[a][b] for a in range(4)], list(rows[:, b]))
    for p, row in enumerate(rows):
        _output_1d(list(row), [tiles.entry(planes, p, q, step) for q in range(2)])


def _transform_gradient(planes: np.ndarray, tiles: Tiles, dm: np.ndarray) -> None:
    """∂M' = A' ∂Y A'ᵀ of every 2×2 block, from ∂Y's quarter planes into ``dm``
    (16, m, F, plane). A' over the rows writes its results straight into the entries (a, 0)
    and (a, 3) — which A' over the columns would copy unchanged — then fills (a, 1), (a, 2)."""
    y = [[tiles.entry(planes, p, q, 1) for q in range(2)] for p in range(2)]
    entries = _entries(dm, tiles, 1)
    for q, b in ((0, 0), (1, 3)):
        _gradient_1d(y[0][q], y[1][q], [entries[a][b] for a in range(4)])
    for row in entries:
        np.add(row[0], row[3], out=row[1])
        np.subtract(row[0], row[3], out=row[2])


def _input_gradient(dv: np.ndarray, tiles: Tiles, planes: np.ndarray) -> None:
    """∂d = B ∂V Bᵀ of every tile added into the zeroed quarter planes ``planes`` where the
    tile was read (neighbouring tiles overlap): the adjoint of ``_transform_input``, B over
    the columns j (the last one's sign left for later), then over the rows i, added in."""
    columns = [_input_adjoint_1d(entries) for entries in _entries(dv, tiles, 1)]  # [a][j]
    for j in range(4):
        _add_input_adjoint_1d([columns[a][j] for a in range(4)],
                              [tiles.entry(planes, i, j, 1) for i in range(4)],
                              -1 if j == 3 else 1)


# ---- forward and backward ------------------------------------------------------------------

def _filters(w: np.ndarray, signs: bool) -> np.ndarray:
    """U = G g Gᵀ of every filter and channel — times SIGNS for the backward's ∂V if
    ``signs`` — as the (16, F, C) GEMM operand: U_ab = Σ_kl G_ak G_bl g_kl is one product
    (G ⊗ G)·g over all F·C filters' 9 taps."""
    kron = np.kron(G, G) * (SIGNS.reshape(16, 1) if signs else 1.0)
    return (kron.astype(w.dtype) @ w.reshape(-1, 9).T).reshape(16, *w.shape[:2])


def _filter_gradient(du: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """∂g = Gᵀ (SIGNS ⊙ ∂U') G, (F, C, 3, 3) from ∂U' (16, F, C): (G ⊗ G)ᵀ·(SIGNS ⊙ ∂U')."""
    kron = np.kron(G, G) * SIGNS.reshape(16, 1)
    return (kron.T.astype(du.dtype) @ du.reshape(16, -1)).T.reshape(shape)


def _chunk_images(channels: int, tiles: Tiles, itemsize: int) -> int:
    """Images per chunk: as many as keep one chunk's ∂M' (16·F·L each) in CHUNK_BYTES."""
    return images_per_chunk(16 * channels * tiles.length * itemsize, CHUNK_BYTES)


def _input_planes(x: np.ndarray, tiles: Tiles, offset: tuple[int, int], first: np.ndarray,
                  last: np.ndarray) -> None:
    """The quarter planes of the input chunk ``x`` with channels last, in ``last``
    (2, 2, m, plane, C): made channels first in the zeroed ``first`` (the padding stays
    zero), then transposed — one transposing copy straight from NCHW, with its power-of-two
    plane strides, took 135 against 35 + 28 µs per chunk of the wide 3×3 conv (the other
    way, ``_from_quarter_planes``, has no such penalty: 94 against 165 µs)."""
    _quarter_planes(x, tiles, first, offset)
    np.copyto(last, first.swapaxes(-1, -2))


def conv3x3_forward(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                    pads: tuple[int, int, int, int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(O, V): O = conv(x, w) (+ bias) (N, F, OH, OW), a 3×3 kernel at stride 1 on ``x``
    (N, C, H, W) zero-padded by ``pads`` (top, bottom, left, right), and the transformed
    input V that the backward's ∂U needs, one (16, m, plane, C) array per chunk of m images
    (arrays of a few MB are reused from the heap; one of the batch's size, above glibc's
    mmap threshold, would be page-faulted in again every step). Per chunk of images:
    V = Bᵀ d B, M_ξ = V_ξ·U_ξᵀ (16 NN GEMMs per image, channels last), O = Aᵀ M A. The bias
    goes into M's entry (1, 1), which Aᵀ M A adds to all four pixels of its tile (A's
    column 1 is all ones)."""
    n, c, h, wd = x.shape
    f = w.shape[0]
    top, bottom, left, right = pads
    tiles = Tiles(h + top + bottom - 2, wd + left + right - 2)
    size = _chunk_images(f, tiles, x.itemsize)
    dtype = x.dtype
    x_first = np.zeros((2, 2, size, c, tiles.plane), dtype)
    x_last = np.empty((2, 2, size, tiles.plane, c), dtype)
    v = []
    m_all = np.empty((16, size, tiles.plane, f), dtype)
    o_last = np.empty((2, 2, size, tiles.plane, f), dtype)
    u_t = np.ascontiguousarray(_filters(w, signs=False).transpose(0, 2, 1))[:, None]
    out = np.empty((n, f, h + top + bottom - 2, wd + left + right - 2), dtype)
    for s in batch_chunks(n, size):
        m = s.stop - s.start
        _input_planes(x[s], tiles, (top, left), x_first[:, :, :m], x_last[:, :, :m])
        v.append(np.empty((16, m, tiles.plane, c), dtype))
        _transform_input(x_last[:, :, :m], tiles, v[-1], step=c)
        v[-1][:, -1, -tiles.width - 1:] = 0  # past the runs: multiplied by ∂M' = 0
        np.matmul(v[-1], u_t, out=m_all[:, :m])
        if bias is not None:
            m_all[5, :m] += bias
        _transform_output(m_all[:, :m], tiles, o_last[:, :, :m])
        _from_quarter_planes(o_last[:, :, :m], tiles, out[s], last=True)
    return out, v


def conv3x3_backward(g: np.ndarray, v: list[np.ndarray], w: np.ndarray,
                     x_shape: tuple[int, ...], pads: tuple[int, int, int, int], need_x: bool,
                     need_w: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(∂x, ∂w) of O = conv(x, w), a 3×3 kernel at stride 1 on ``x`` of ``x_shape`` padded by
    ``pads``, from ∂O ``g`` (N, F, OH, OW) and the forward's V chunks; ``None`` for a gradient not
    asked for. ∂Y, ∂M', ∂V and ∂d are channels first, V channels last: both products are NN
    GEMMs per image, ∂U_ξ += ∂M_ξ·V_ξ (F × K)·(K × C) and ∂V_ξ = U'_ξᵀ·∂M_ξ (C × F)·(F × K),
    K = the plane's pixels (as an NT GEMM, with V channels first, ∂U took 1.6× longer)."""
    n, f, oh, ow = g.shape
    c = x_shape[1]
    tiles = Tiles(oh, ow)
    size = _chunk_images(f, tiles, g.itemsize)
    dtype = g.dtype
    # zeroed once: the spare tiles and the pixels past each run stay zero
    g_planes = np.zeros((2, 2, size, f, tiles.plane), dtype)
    dm = np.zeros((16, size, f, tiles.plane), dtype)
    du = np.zeros((16, f, c), dtype) if need_w else None
    u_t = np.ascontiguousarray(_filters(w, signs=True).transpose(0, 2, 1))[:, None] \
        if need_x else None
    dv = np.empty((16, size, c, tiles.plane), dtype) if need_x else None
    dx_planes = np.empty((2, 2, size, c, tiles.plane), dtype) if need_x else None
    dx = np.empty(x_shape, dtype) if need_x else None
    for s, v_s in zip(batch_chunks(n, size), v):
        m = s.stop - s.start
        _quarter_planes(g[s], tiles, g_planes[:, :, :m])
        _transform_gradient(g_planes[:, :, :m], tiles, dm[:, :m])
        if need_w:
            du += np.matmul(dm[:, :m], v_s).sum(1)
        if need_x:
            np.matmul(u_t, dm[:, :m], out=dv[:, :m])
            planes = dx_planes[:, :, :m]
            planes[...] = 0
            _input_gradient(dv[:, :m], tiles, planes)
            _from_quarter_planes(planes, tiles, dx[s], (pads[0], pads[2]))
    dw = _filter_gradient(du, w.shape) if need_w else None
    return dx, dw
