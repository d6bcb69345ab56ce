"""Element-wise arithmetic and maths: + − × ÷ **, exp, log, sqrt, abs, sin, cos, sinh, cosh,
clamp …

Each backward is the derivative of the scalar formula, multiplied element-wise by the
incoming gradient; broadcasting is undone by the engine (``tensor.sum_to_shape``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops._aligned import elementwise
from tamrin.ops._operands import binary_operands, broadcasting
from tamrin.tensor import DEFAULT_FLOAT, Tensor


class Add(ArrayFunction):
    """z = a + b.   Backward: ∂z/∂a = 1, ∂z/∂b = 1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return broadcasting("add", np.add, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        return g, g


class Sub(ArrayFunction):
    """z = a − b.   Backward: ∂z/∂a = 1, ∂z/∂b = −1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return broadcasting("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(ArrayFunction):
    """z = a · b.   Backward: ∂z/∂a = b, ∂z/∂b = a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)  # as PyTorch
        return broadcasting("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        return ((elementwise(np.multiply, g, b) if need_a else None),
                (elementwise(np.multiply, g, a) if need_b else None))


class Div(ArrayFunction):
    """z = a / b.   Backward: ∂z/∂a = 1/b, ∂z/∂b = −a/b² = −z/b."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype.kind != "f":  # true division of integers (both sides are integers here)
            a, b = a.astype(DEFAULT_FLOAT), b.astype(DEFAULT_FLOAT)
        out = broadcasting("div", np.divide, a, b)
        ctx.save_for_backward(b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        b, out = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * out / b if need_b else None
        return ga, gb


class PowScalar(ArrayFunction):
    """z = aᵖ for a constant exponent p.   Backward: ∂z/∂a = p·aᵖ⁻¹."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, p: float) -> np.ndarray:
        ctx.save_for_backward(a)
        ctx.p = p
        return np.power(a, np.asarray(p, dtype=a.dtype)) if a.dtype.kind == "f" else a ** p

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        p = ctx.p
        if p == 0:
            return np.zeros_like(g)
        return g * p * np.power(a, np.asarray(p - 1, dtype=a.dtype))


class Pow(ArrayFunction):
    """z = aᵇ with both sides tensors.

    Backward: ∂z/∂a = b·aᵇ⁻¹,  ∂z/∂b = aᵇ·ln a (taken as 0 where a = 0 and b ≥ 0, as PyTorch).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = broadcasting("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a, b, out = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                ga = np.where(b == 0, 0.0, g * b * np.power(a, b - 1)).astype(g.dtype)
            if need_b:
                gb = np.where((a == 0) & (b >= 0), 0.0, g * out * np.log(a)).astype(g.dtype)
        return ga, gb


class Neg(ArrayFunction):
    """z = −a.   Backward: ∂z/∂a = −1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return np.negative(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return -g


class Exp(ArrayFunction):
    """z = eᵃ.   Backward: ∂z/∂a = eᵃ = z."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return g * out


class Log(ArrayFunction):
    """z = ln a.   Backward: ∂z/∂a = 1/a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        with np.errstate(divide="ignore"):
            return g / a


class Sqrt(ArrayFunction):
    """z = √a.   Backward: ∂z/∂a = 1/(2√a) = 1/(2z)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        with np.errstate(divide="ignore"):
            return g / (2 * out)


class Abs(ArrayFunction):
    """z = |a|.   Backward: ∂z/∂a = sign(a) (0 at a = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        return g * np.sign(a)


class Sin(ArrayFunction):
    """z = sin a.   Backward: ∂z/∂a = cos a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        return g * np.cos(a)


class Cos(ArrayFunction):
    """z = cos a.   Backward: ∂z/∂a = −sin a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        return -g * np.sin(a)


class Sinh(ArrayFunction):
    """z = sinh a = (eᵃ − e⁻ᵃ)/2.   Backward: ∂z/∂a = cosh a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.sinh(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        return g * np.cosh(a)


class Cosh(ArrayFunction):
    """z = cosh a = (eᵃ + e⁻ᵃ)/2.   Backward: ∂z/∂a = sinh a."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return np.cosh(a)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        return g * np.sinh(a)


class Clamp(ArrayFunction):
    """z = min(max(a, lo), hi).   Backward: 1 where lo ≤ a ≤ hi, else 0 (as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        inside = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= a >= ctx.lo
        if ctx.hi is not None:
            inside &= a <= ctx.hi
        return g * inside


class Maximum(ArrayFunction):
    """z = max(a, b) element-wise.   Backward: the larger side gets g; a tie splits it g/2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return broadcasting("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a, b = ctx.saved_arrays
        return _split_by_winner(g, a > b, a == b, ctx.needs_input_grad)


class Minimum(ArrayFunction):
    """z = min(a, b) element-wise.   Backward: the smaller side gets g; a tie splits it g/2."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return broadcasting("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a, b = ctx.saved_arrays
        return _split_by_winner(g, a < b, a == b, ctx.needs_input_grad)


def _split_by_winner(g: np.ndarray, a_wins: np.ndarray, tie: np.ndarray,
                     needs: tuple) -> tuple:
    share_a = a_wins + 0.5 * tie
    ga = g * share_a if needs[0] else None
    gb = g * (1.0 - share_a) if needs[1] else None
    return ga, gb


class Where(ArrayFunction):
    """z = a where cond else b.   Backward: ∂z/∂a = cond, ∂z/∂b = ¬cond."""

    @staticmethod
    def forward(ctx: Context, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(cond)
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise ValueError(
                f"where: shapes {cond.shape} (condition), {np.shape(a)} and {np.shape(b)} "
                "cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        (cond,) = ctx.saved_arrays
        _, need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(cond, g, zero) if need_a else None
        gb = np.where(cond, zero, g) if need_b else None
        return None, ga, gb


class Cast(ArrayFunction):
    """z = a converted to another dtype.   Backward: the gradient converted back."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g  # the engine casts a gradient to its input's dtype


class Clone(ArrayFunction):
    """z = a copied to new memory.   Backward: ∂z/∂a = 1."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return a.copy()

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return g


class Overwrite(ArrayFunction):
    """z = src, broadcast to a's shape and converted to a's dtype (what ``a.copy_(src)``
    leaves in a).   Backward: ∂z/∂a = 0, ∂z/∂src = 1 (summed back over broadcasting)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, src: np.ndarray) -> np.ndarray:
        out = np.empty_like(a)
        try:
            out[...] = src
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {np.shape(src)} cannot be "
                               f"broadcast to the tensor's shape {a.shape}") from None
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        return None, g


# ---- the functions users call ---------------------------------------------------------

def add(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a + alpha·b (broadcasting)."""
    return Add.apply(*binary_operands(a, b if alpha == 1 else mul(b, alpha)))


def sub(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a − alpha·b (broadcasting)."""
    return Sub.apply(*binary_operands(a, b if alpha == 1 else mul(b, alpha)))


def mul(a: Any, b: Any) -> Tensor:
    """a · b element-wise (broadcasting)."""
    return Mul.apply(*binary_operands(a, b))


def div(a: Any, b: Any) -> Tensor:
    """a / b element-wise, true division (broadcasting)."""
    return Div.apply(*binary_operands(a, b))


def pow(a: Any, b: Any) -> Tensor:
    """aᵇ: tensor ** number, number ** tensor or tensor ** tensor."""
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return PowScalar.apply(a, p=b)
    return Pow.apply(*binary_operands(a, b))


def neg(a: Tensor) -> Tensor:
    """−a."""
    return Neg.apply(a)


def exp(a: Tensor) -> Tensor:
    """eᵃ element-wise."""
    return Exp.apply(a)


def log(a: Tensor) -> Tensor:
    """Natural logarithm element-wise."""
    return Log.apply(a)


def sqrt(a: Tensor) -> Tensor:
    """√a element-wise."""
    return Sqrt.apply(a)


def abs(a: Tensor) -> Tensor:
    """|a| element-wise."""
    return Abs.apply(a)


def sin(a: Tensor) -> Tensor:
    """sin a element-wise."""
    return Sin.apply(a)


def cos(a: Tensor) -> Tensor:
    """cos a element-wise."""
    return Cos.apply(a)


def sinh(a: Tensor) -> Tensor:
    """sinh a element-wise."""
    return Sinh.apply(a)


def cosh(a: Tensor) -> Tensor:
    """cosh a element-wise."""
    return Cosh.apply(a)


def clamp(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit every element to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(a, lo=min, hi=max)


clip = clamp


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum of two tensors (broadcasting)."""
    return Maximum.apply(*binary_operands(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum of two tensors (broadcasting)."""
    return Minimum.apply(*binary_operands(a, b))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Choose ``a`` where ``condition`` is true, else ``b`` (broadcasting)."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = binary_operands(a, b)
    return Where.apply(cond, a, b)


def masked_fill(a: Tensor, mask: Any, value: Any) -> Tensor:
    """``a`` with ``value`` where ``mask`` is true (broadcasting the mask)."""
    return where(mask, value, a)


def overwrite(a: Tensor, src: Any) -> Tensor:
    """``src`` broadcast to ``a``'s shape in ``a``'s dtype: the out-of-place ``copy_``."""
    return Overwrite.apply(a, src)


def to_dtype(a: Tensor, dtype: Any) -> Tensor:
    """``a`` converted to ``dtype`` (differentiable between floating dtypes)."""
    dtype = np.dtype(dtype)
    if a._array.dtype == dtype:
        return a
    if dtype.kind != "f":
        return Tensor._make(a._array.astype(dtype))
    return Cast.apply(a, dtype=dtype)


def clone(a: Tensor) -> Tensor:
    """A copy of ``a`` that stays in the graph."""
    return Clone.apply(a)

