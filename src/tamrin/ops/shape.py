"""Shape and indexing ops: reshape, permute, expand, indexing, index_put, gather, scatter,
cat, stack, pad.

None of these changes a value, only where it sits, so each backward moves the gradient
back to where the value came from: reshape back, permute by the inverse permutation, sum
over expanded axes, scatter-add into the indexed positions, split for cat, slice for pad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops._operands import normalize_dims
from tamrin.tensor import Tensor


class Reshape(ArrayFunction):
    """Same elements, new shape.   Backward: reshape the gradient to the old shape."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, shape: tuple) -> np.ndarray:
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot view a tensor of shape {a.shape} ({a.size} elements) "
                f"as shape {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.reshape(ctx.shape)


class Permute(ArrayFunction):
    """Reorder the axes.   Backward: permute the gradient by the inverse permutation."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.transpose(np.argsort(ctx.dims))


class Expand(ArrayFunction):
    """Broadcast size-1 axes to a larger size (a view).   Backward: sum over them."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, shape: tuple) -> np.ndarray:
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(
                f"expand: cannot expand shape {a.shape} to {shape} (only size-1 "
                "dimensions can grow)"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g  # the engine sums g back to the input's shape


def _is_basic_index(index: Any) -> bool:
    """True when ``index`` has only ints, slices, None and Ellipsis (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


class GetItem(ArrayFunction):
    """z = a[index].   Backward: scatter g into zeros at the indexed positions, *adding*
    where an integer-array index picks the same element twice."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, index: Any) -> np.ndarray:
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        try:
            out = a[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor shape {a.shape})") from None
        if type(out) is not np.ndarray:  # a[i, j] of every axis: a 0-d view, not a scalar
            out = a[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.index):
            grad[ctx.index] = g
        else:
            np.add.at(grad, ctx.index, g)
        return grad


class IndexPut(ArrayFunction):
    """z = a with z[index] = v (what ``a[index] = v`` leaves in a).

    Backward: ∂z/∂a = 1 outside the indexed positions and 0 inside (they were
    overwritten); ∂z/∂v = g[index], summed back over v's broadcasting by the engine.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, v: np.ndarray, index: Any) -> np.ndarray:
        ctx.index = index
        out = a.copy()
        try:
            out[index] = v
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor shape {a.shape})") from None
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        need_a, need_v = ctx.needs_input_grad
        ga = gv = None
        if need_a:
            ga = g.copy()
            ga[ctx.index] = 0
        if need_v:
            gv = g[ctx.index]
        return ga, gv


def _along(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The NumPy index that picks, for each position p of ``index``, the element whose
    coordinate along ``axis`` is index[p] and whose other coordinates are p's."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


class Gather(ArrayFunction):
    """z[p] = a[p with its coordinate along dim replaced by index[p]].

    Backward: ∂L/∂a = g scatter-*added* to the gathered positions (an element gathered
    twice gets both gradients).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
        ctx.shape, ctx.where = a.shape, _along(index, axis)
        return a[ctx.where]

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(grad, ctx.where, g)
        return grad, None


class Scatter(ArrayFunction):
    """z = a, then z[p with its coordinate along dim replaced by index[p]] = src[p].

    Backward: ∂z/∂a = 1 except at the written positions (0); ∂z/∂src = g at the written
    positions (src's elements beyond index's shape are unused: 0).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, index: np.ndarray, src: np.ndarray,
                axis: int) -> np.ndarray:
        ctx.where = _along(index, axis)
        ctx.src_shape, ctx.used = np.shape(src), tuple(slice(0, n) for n in index.shape)
        out = a.copy()
        out[ctx.where] = src[ctx.used] if np.ndim(src) else src
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        _, _, need_src = ctx.needs_input_grad
        ga = g.copy()
        ga[ctx.where] = 0
        gsrc = None
        if need_src:
            gsrc = np.zeros(ctx.src_shape, dtype=g.dtype)
            gsrc[ctx.used] = g[ctx.where]
        return ga, None, gsrc


class Cat(ArrayFunction):
    """Join tensors along an existing axis.   Backward: split g back into the pieces."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = axis
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays[:-1]])
        try:
            return np.concatenate(arrays, axis=axis)
        except ValueError:
            raise ValueError(
                f"cat: all shapes must match except along dim {axis}; got "
                f"{[a.shape for a in arrays]}"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        return tuple(np.split(g, ctx.bounds, axis=ctx.axis))


class Stack(ArrayFunction):
    """Join tensors along a new axis.   Backward: take each slice of g along that axis."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = axis
        try:
            return np.stack(arrays, axis=axis)
        except ValueError:
            raise ValueError(
                f"stack: all tensors must have the same shape; got {[a.shape for a in arrays]}"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        return tuple(np.moveaxis(g, ctx.axis, 0))


class Pad(ArrayFunction):
    """Constant padding, PyTorch's ``pad`` order (last dim first: left, right, top, …).

    Backward: the gradient of the kept region, i.e. g with the padding sliced off.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, widths: tuple, value: float) -> np.ndarray:
        ctx.keep = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g[ctx.keep]


# ---- the functions users call ---------------------------------------------------------

def _shape_arg(shape: Sequence) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """Same elements in a new shape (one size may be −1)."""
    return Reshape.apply(a, shape=_shape_arg(shape))


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder the axes: ``x.permute(0, 2, 1)``."""
    dims = normalize_dims(_shape_arg(dims), a.ndim, "permute")
    if sorted(dims) != list(range(a.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {a.ndim} dims of "
                         f"a tensor of shape {a.shape}")
    return Permute.apply(a, dims=dims)


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes."""
    d0, d1 = normalize_dims((dim0, dim1), a.ndim, "transpose") or (0, 0)
    dims = list(range(a.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(a, dims=tuple(dims))


def t(a: Tensor) -> Tensor:
    """Reverse all axes (the transpose of a matrix): ``x.T``."""
    return Permute.apply(a, dims=tuple(reversed(range(a.ndim))))


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes ``start_dim..end_dim`` into one."""
    if a.ndim == 0:
        return reshape(a, 1)
    start, end = normalize_dims((start_dim, end_dim), a.ndim, "flatten")
    s = a.shape
    return reshape(a, *s[:start], int(np.prod(s[start:end + 1], dtype=np.int64)), *s[end + 1:])


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """Remove size-1 axes (all of them, or those in ``dim`` that have size 1)."""
    axes = normalize_dims(dim, a.ndim, "squeeze")
    if axes is None:
        axes = tuple(i for i, n in enumerate(a.shape) if n == 1)
    shape = tuple(n for i, n in enumerate(a.shape) if not (i in axes and n == 1))
    return reshape(a, shape)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """Insert a size-1 axis at ``dim`` (negative counts from the new end)."""
    (axis,) = normalize_dims(dim, a.ndim + 1, "unsqueeze") or (0,)
    return reshape(a, a.shape[:axis] + (1,) + a.shape[axis:])


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """Broadcast size-1 axes to ``sizes`` (−1 keeps a size) without copying."""
    sizes = _shape_arg(sizes)
    lead = len(sizes) - a.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes given for a {a.ndim}-D tensor")
    shape = tuple(a.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    return Expand.apply(a, shape=shape)


def index_arrays(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, tuple):
        return tuple(i._array if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]``: basic slicing, integer arrays and boolean masks."""
    return GetItem.apply(a, index=index_arrays(index))


def index_put(a: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of ``a`` with ``a[index] = value`` (the out-of-place ``a[index] = value``)."""
    return IndexPut.apply(a, _value_like(value, a), index=index_arrays(index))


def _value_like(value: Any, a: Tensor) -> Any:
    """A value to write into ``a``: a Tensor as it is, anything else as an array of a's dtype."""
    return value if isinstance(value, Tensor) else np.asarray(value, dtype=a.dtype)


def _checked_index(name: str, index: Any, a: Tensor, axis: int) -> np.ndarray:
    idx = index._array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim == 0 and a.ndim == 1:  # one position of a vector
        idx = idx.reshape(1)
    if idx.dtype.kind not in "iu" or idx.ndim != a.ndim:
        raise RuntimeError(f"{name}: index must be an int64 tensor with as many dimensions as "
                           f"the input ({a.ndim}), got dtype {idx.dtype} shape {idx.shape}")
    n = a.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{name}: index {int(idx.max())} is out of bounds for dimension "
                         f"{axis} with size {n}")
    return idx


def gather(input: Tensor, dim: int, index: Any) -> Tensor:
    """out[p] = input[p with coordinate ``dim`` replaced by index[p]] (``torch.gather``)."""
    (axis,) = normalize_dims(dim, input.ndim, "gather")
    return Gather.apply(input, _checked_index("gather", index, input, axis), axis=axis)


def scatter(input: Tensor, dim: int, index: Any, src: Any = None, *,
            value: Any = None) -> Tensor:
    """A copy of ``input`` with input[p with coordinate ``dim`` replaced by index[p]] =
    src[p] (or ``value``) — ``torch.scatter``; the inverse of ``gather``."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or number) and value")
    (axis,) = normalize_dims(dim, input.ndim, "scatter")
    idx = _checked_index("scatter", index, input, axis)
    return Scatter.apply(input, idx, _value_like(value if src is None else src, input),
                         axis=axis)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along an existing axis."""
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    (axis,) = normalize_dims(dim, tensors[0].ndim, "cat")
    return Cat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Stack equal-shaped tensors along a new axis."""
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    (axis,) = normalize_dims(dim, tensors[0].ndim + 1, "stack")
    return Stack.apply(*tensors, axis=axis)


def pad(a: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad with a constant; ``pad`` = (left, right) of the last dim, then the one before…"""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise ValueError(f"pad: needs pairs for at most {a.ndim} dims, got {tuple(pad)}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    widths = ((0, 0),) * (a.ndim - len(pairs)) + tuple(reversed(pairs))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: negative padding is not supported, got {tuple(pad)}")
    return Pad.apply(a, widths=widths, value=value)


def split(a: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (or the listed sizes) along ``dim``."""
    (axis,) = normalize_dims(dim, a.ndim, "split")
    n = a.shape[axis]
    sizes = [split_size] * (-(-n // split_size)) if isinstance(split_size, int) else split_size
    out, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, min(start + size, n)),)
        out.append(getitem(a, index))
        start += size
    return tuple(out)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal pieces along ``dim``."""
    (axis,) = normalize_dims(dim, a.ndim, "chunk")
    return split(a, -(-a.shape[axis] // chunks), dim)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: output i holds tensor i's values along its own
    axis, repeated along the others. ``indexing='ij'`` (matrix order, the default) gives
    shape (len₀, len₁, …); ``'xy'`` (Cartesian) swaps the first two axes."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.ndim > 1 for t in tensors):
        raise RuntimeError("meshgrid: expects 0-D or 1-D tensors, got shapes "
                           f"{[tuple(t.shape) for t in tensors]}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(axes) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    return tuple(expand(reshape(t, [-1 if i == axis else 1 for i in range(len(axes))]), shape)
                 for t, axis in zip(tensors, axes))
