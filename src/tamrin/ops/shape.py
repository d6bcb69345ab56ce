"""Shape and indexing ops: reshape, permute, expand, indexing, cat, stack, pad.

None of these changes a value, only where it sits, so each backward moves the gradient
back to where the value came from: reshape back, permute by the inverse permutation, sum
over expanded axes, scatter-add into the indexed positions, split for cat, slice for pad.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin.autograd import Context, Function
from tamrin.ops._operands import normalize_dims
from tamrin.tensor import Tensor


class Reshape(Function):
    """Same elements, new shape.   Backward: reshape the gradient to the old shape."""

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


class Permute(Function):
    """Reorder the axes.   Backward: permute the gradient by the inverse permutation."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, dims: tuple) -> np.ndarray:
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g.transpose(np.argsort(ctx.dims))


class Expand(Function):
    """Broadcast size-1 axes to a larger size (a view).   Backward: sum over them."""

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


class GetItem(Function):
    """z = a[index].   Backward: scatter g into zeros at the indexed positions, *adding*
    where an integer-array index picks the same element twice."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, index: Any) -> np.ndarray:
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        try:
            return a[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor shape {a.shape})") from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        if _is_basic_index(ctx.index):
            grad[ctx.index] = g
        else:
            np.add.at(grad, ctx.index, g)
        return grad


class Cat(Function):
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


class Stack(Function):
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


class Pad(Function):
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


def _index_arrays(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(a: Tensor, index: Any) -> Tensor:
    """``a[index]``: basic slicing, integer arrays and boolean masks."""
    return GetItem.apply(a, index=_index_arrays(index))


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
