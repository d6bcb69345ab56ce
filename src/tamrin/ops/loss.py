"""Losses as fused ops: each computes the per-element (or per-sample) loss and its gradient
in one step, then ``reduction`` ('mean' | 'sum' | 'none') combines them as PyTorch does.

The two classification losses are fused with their link function, as in the course:
softmax + cross-entropy gives ∂L/∂z = ŷ − y, sigmoid + binary cross-entropy gives
∂L/∂z = σ(z) − y — no division by a tiny probability, no exp of a large number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops.activation import stable_sigmoid
from tamrin.ops.elementwise import to_dtype
from tamrin.ops.reduction import mean
from tamrin.ops.reduction import sum as total
from tamrin.ops.shape import squeeze, unsqueeze
from tamrin.ops.softmax import stable_log_softmax
from tamrin.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


# ---- regression losses: a function of the difference d = x − y ---------------------------

class DifferenceLoss(ArrayFunction):
    """ℓ = f(x − y) element-wise.   Backward: ∂ℓ/∂x = f′(d), ∂ℓ/∂y = −f′(d).

    Subclasses give ``value(d, **params)`` = f(d) and ``slope(d, **params)`` = f′(d).
    """

    @classmethod
    def forward(cls, ctx: Context, x: np.ndarray, y: np.ndarray, **params: Any) -> np.ndarray:
        d = x - y
        ctx.save_for_backward(d)
        ctx.params = params
        return cls.value(d, **params)

    @classmethod
    def backward(cls, ctx: Context, g: np.ndarray) -> tuple:
        (d,) = ctx.saved_arrays
        gd = g * cls.slope(d, **ctx.params)
        need_x, need_y = ctx.needs_input_grad
        return (gd if need_x else None), (-gd if need_y else None)


class SquaredError(DifferenceLoss):
    """ℓ = (x − y)².   ∂ℓ/∂x = 2(x − y)."""

    @staticmethod
    def value(d: np.ndarray) -> np.ndarray:
        return d * d

    @staticmethod
    def slope(d: np.ndarray) -> np.ndarray:
        return 2 * d


class AbsoluteError(DifferenceLoss):
    """ℓ = |x − y|.   ∂ℓ/∂x = sign(x − y) (0 at 0): every error pulls equally — robust to
    outliers."""

    @staticmethod
    def value(d: np.ndarray) -> np.ndarray:
        return np.abs(d)

    @staticmethod
    def slope(d: np.ndarray) -> np.ndarray:
        return np.sign(d)


class HuberError(DifferenceLoss):
    """ℓ = ½d² if |d| < δ else δ(|d| − ½δ): quadratic near 0, linear (slope ±δ) beyond.

    ∂ℓ/∂x = clip(d, −δ, δ).
    """

    @staticmethod
    def value(d: np.ndarray, delta: float) -> np.ndarray:
        a = np.abs(d)
        return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    @staticmethod
    def slope(d: np.ndarray, delta: float) -> np.ndarray:
        return np.clip(d, -delta, delta)


class SmoothL1Error(DifferenceLoss):
    """ℓ = ½d²/β if |d| < β else |d| − ½β  (Huber with δ = β, divided by β).

    ∂ℓ/∂x = clip(d/β, −1, 1).
    """

    @staticmethod
    def value(d: np.ndarray, beta: float) -> np.ndarray:
        a = np.abs(d)
        return np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)

    @staticmethod
    def slope(d: np.ndarray, beta: float) -> np.ndarray:
        return np.clip(d / beta, -1.0, 1.0)


# ---- binary classification ------------------------------------------------------------

LOG_FLOOR = -100.0  # PyTorch clamps ln p at −100 so that p = 0 gives a finite loss


class BinaryCrossEntropy(ArrayFunction):
    """ℓ = −w·[y·ln p + (1 − y)·ln(1 − p)] for probabilities p (logs floored at −100).

    ∂ℓ/∂p = w·(p − y)/(p(1 − p)) — huge where a sigmoid saturated (use the logits version);
    ∂ℓ/∂y = w·(ln(1 − p) − ln p).
    """

    @staticmethod
    def forward(ctx: Context, p: np.ndarray, y: np.ndarray, weight: np.ndarray | None,
                ) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
        loss = -(y * log_p + (1 - y) * log_q)
        ctx.save_for_backward(p, y, log_p, log_q, weight)
        return loss if weight is None else loss * weight

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        p, y, log_p, log_q, weight = ctx.saved_arrays
        need_p, need_y, _ = ctx.needs_input_grad
        if weight is not None:
            g = g * weight
        gp = g * (p - y) / np.maximum(p * (1 - p), 1e-12) if need_p else None
        gy = g * (log_q - log_p) if need_y else None
        return gp, gy, None


class BinaryCrossEntropyWithLogits(ArrayFunction):
    """BCE of p = σ(z), from the logit z (stable):  with l = 1 + (pos_weight − 1)·y,

    ℓ = w·[(1 − y)·z + l·softplus(−z)],  softplus(−z) = ln(1 + e^(−|z|)) + max(−z, 0).
    ∂ℓ/∂z = w·[(1 − y) − l·σ(−z)]  (= w·(σ(z) − y) without pos_weight);
    ∂ℓ/∂y = w·[−z + (pos_weight − 1)·softplus(−z)].
    """

    @staticmethod
    def forward(ctx: Context, z: np.ndarray, y: np.ndarray, weight: np.ndarray | None,
                pos_weight: np.ndarray | None) -> np.ndarray:
        softplus_neg = np.log1p(np.exp(-np.abs(z))) + np.maximum(-z, 0)
        lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        loss = (1 - y) * z + lw * softplus_neg
        ctx.save_for_backward(z, y, softplus_neg, weight, pos_weight)
        return loss if weight is None else loss * weight

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        z, y, softplus_neg, weight, pos_weight = ctx.saved_arrays
        need_z, need_y, _, _ = ctx.needs_input_grad
        if weight is not None:
            g = g * weight
        gz = gy = None
        if need_z:
            lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
            gz = g * ((1 - y) - lw * stable_sigmoid(-z))
        if need_y:
            extra = 0 if pos_weight is None else (pos_weight - 1) * softplus_neg
            gy = g * (extra - z)
        return gz, gy, None, None


# ---- multi-class classification ---------------------------------------------------------

def _classes_last(x: np.ndarray) -> np.ndarray:
    """(N, C, d₁, …) → a (N, d₁, …, C) view: the class axis last."""
    return np.moveaxis(x, 1, -1) if x.ndim > 2 else x


def _classes_back(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1) if x.ndim > 2 else x


def _index_distribution(target: np.ndarray, n_classes: int, weight: np.ndarray | None,
                        ignore_index: int, smoothing: float,
                        dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """The weighted target distribution q of class-index targets, and Σₙ w_{yₙ}.

    qₙ = w ⊙ ((1 − ε)·onehot(yₙ) + ε/C), and qₙ = 0 where yₙ = ignore_index.
    """
    valid = target != ignore_index
    t = np.where(valid, target, 0)
    w_t = (np.ones(t.shape, dtype) if weight is None else weight[t]) * valid
    q = np.zeros(t.shape + (n_classes,), dtype)
    q.reshape(-1, n_classes)[np.arange(t.size), t.ravel()] = ((1 - smoothing) * w_t).ravel()
    if smoothing:
        q += (smoothing / n_classes) * (1 if weight is None else weight) * valid[..., None]
    return q, np.asarray(w_t.sum(), dtype)


def _reduce(per: np.ndarray, reduction: str, denominator: np.ndarray) -> np.ndarray:
    if reduction == "none":
        return per
    summed = np.asarray(per.sum(), per.dtype)
    if reduction == "sum":
        return summed
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as PyTorch
        return np.asarray(summed / denominator, per.dtype)


def _unreduce(g: np.ndarray, reduction: str, denominator: np.ndarray) -> np.ndarray:
    """∂L/∂(per-sample loss), with a trailing axis to broadcast over the classes."""
    scale = g / denominator if reduction == "mean" else g
    return np.asarray(scale)[..., None]


class CrossEntropy(ArrayFunction):
    """Softmax cross-entropy from logits z, fused with a stable log-softmax:

    ℓₙ = −Σ_c q_{n,c}·ln ŷ_{n,c},   ln ŷ = z − max z − ln Σ e^(z − max z),
    q the (weighted, smoothed) target distribution.  Backward: ∂ℓₙ/∂z = ŷ·Σ_c q_c − q,
    which is ŷ − y for a one-hot y. For probability targets also ∂ℓₙ/∂t = −(1 − ε)·w·ln ŷ.
    'mean' divides by Σₙ w_{yₙ} (class indices) or by the number of samples (probabilities).
    """

    @staticmethod
    def forward(ctx: Context, z: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                ignore_index: int, label_smoothing: float, reduction: str,
                probabilities: bool) -> np.ndarray:
        log_p = stable_log_softmax(_classes_last(z), -1)
        n_classes = z.shape[1]
        if probabilities:
            t = _classes_last(target)
            q = t * (1 - label_smoothing) + label_smoothing / n_classes
            if weight is not None:
                q = q * weight
            denominator = np.asarray(q.size // n_classes, z.dtype)
        else:
            q, denominator = _index_distribution(target, n_classes, weight, ignore_index,
                                                 label_smoothing, z.dtype)
        per = -np.einsum("...c,...c->...", q, log_p)
        ctx.save_for_backward(log_p, q, weight)
        ctx.reduction, ctx.denominator, ctx.smoothing = reduction, denominator, label_smoothing
        return _reduce(per, reduction, denominator)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        log_p, q, weight = ctx.saved_arrays
        s = _unreduce(g, ctx.reduction, ctx.denominator)
        need_z, need_t, _ = ctx.needs_input_grad
        gz = gt = None
        if need_z:
            p = np.exp(log_p)
            p *= q.sum(axis=-1, keepdims=True)
            p -= q
            p *= s
            gz = _classes_back(p)
        if need_t:
            dt = -(1 - ctx.smoothing) * log_p * s
            gt = _classes_back(dt if weight is None else dt * weight)
        return gz, gt, None


class NLL(ArrayFunction):
    """Negative log-likelihood of log-probabilities x:  ℓₙ = −w_{yₙ}·x_{n,yₙ}.

    Backward: ∂ℓₙ/∂x_{n,c} = −w_{yₙ} if c = yₙ else 0. 'mean' divides by Σₙ w_{yₙ}.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
                ignore_index: int, reduction: str) -> np.ndarray:
        xl = _classes_last(x)
        q, denominator = _index_distribution(target, x.shape[1], weight, ignore_index, 0.0,
                                             x.dtype)
        per = -np.einsum("...c,...c->...", q, xl)
        ctx.save_for_backward(q)
        ctx.reduction, ctx.denominator = reduction, denominator
        return _reduce(per, reduction, denominator)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        (q,) = ctx.saved_arrays
        return _classes_back(-q * _unreduce(g, ctx.reduction, ctx.denominator)), None, None


# ---- argument checks and the functions users call ---------------------------------------

def check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    return mean(loss) if reduction == "mean" else total(loss) if reduction == "sum" else loss


def _as_operand(x: Any, like: Tensor) -> Tensor | np.ndarray:
    """A target given as a Tensor stays one (it may need a gradient), an integer or bool one
    promoted to the input's dtype (as PyTorch's type promotion); anything else an array."""
    if isinstance(x, Tensor):
        return x if x.dtype.kind == "f" else to_dtype(x, like.dtype)
    return np.asarray(x, dtype=like.dtype)


def _check_pair(name: str, input: Tensor, target: Any, floating: bool = False) -> None:
    """Shapes must be equal; the target must hold numbers — floating point ones where PyTorch
    requires them (``floating``: the binary cross-entropies)."""
    if tuple(np.shape(target)) != tuple(input.shape):
        raise ValueError(
            f"{name}: target shape {tuple(np.shape(target))} does not match input shape "
            f"{tuple(input.shape)}; they must be equal (e.g. reshape an (N,) target for an "
            "(N, 1) output — broadcasting them would silently compare every pair)"
        )
    dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if dtype.kind not in ("f" if floating else "fiub"):
        raise TypeError(f"{name}: target must be floating point (like the input), got dtype "
                        f"{dtype}")


def _difference_loss(name: str, op: type[DifferenceLoss], input: Tensor, target: Any,
                     reduction: str, **params: float) -> Tensor:
    check_reduction(name, reduction)
    _check_pair(name, input, target)
    return _reduced(op.apply(input, _as_operand(target, input), **params), reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((x − y)²) (the course's 1/(2n) SSE convention is ½ of it)."""
    return _difference_loss("mse_loss", SquaredError, input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|x − y|)."""
    return _difference_loss("l1_loss", AbsoluteError, input, target, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """Huber loss: ½d² for |d| < δ, δ(|d| − ½δ) beyond."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _difference_loss("huber_loss", HuberError, input, target, reduction, delta=delta)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Smooth L1: ½d²/β for |d| < β, |d| − ½β beyond (L1 when β = 0)."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    return _difference_loss("smooth_l1_loss", SmoothL1Error, input, target, reduction, beta=beta)


def _constant(x: Any, like: Tensor) -> np.ndarray | None:
    return None if x is None else np.asarray(getattr(x, "data", x), dtype=like.dtype)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` ∈ [0, 1] against targets ∈ [0, 1]."""
    check_reduction("binary_cross_entropy", reduction)
    _check_pair("binary_cross_entropy", input, target, floating=True)
    if input.numel() and (input._array.min() < 0 or input._array.max() > 1):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and "
                         "1 (they are probabilities; for logits use "
                         "binary_cross_entropy_with_logits)")
    loss = BinaryCrossEntropy.apply(input, _as_operand(target, input), _constant(weight, input))
    return _reduced(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy fused (stable for any logit)."""
    check_reduction("binary_cross_entropy_with_logits", reduction)
    _check_pair("binary_cross_entropy_with_logits", input, target, floating=True)
    loss = BinaryCrossEntropyWithLogits.apply(
        input, _as_operand(target, input), _constant(weight, input),
        _constant(pos_weight, input))
    return _reduced(loss, reduction)


def _class_targets(name: str, input: Tensor, target: Any, weight: Any,
                   ignore_index: int) -> tuple[Any, bool]:
    """Check ``target`` against the (N, C, d₁, …) input; say whether it holds probabilities."""
    t = np.asarray(getattr(target, "data", target))
    n_classes = input.shape[1]
    if weight is not None and tuple(np.shape(weight)) != (n_classes,):
        raise ValueError(f"{name}: weight must have shape ({n_classes},) (one per class), "
                         f"got {tuple(np.shape(weight))}")
    index_shape = (input.shape[0], *input.shape[2:])
    if t.dtype.kind == "f":
        if t.shape != tuple(input.shape):
            raise TypeError(
                f"{name}: got float labels of shape {t.shape} for input of shape "
                f"{tuple(input.shape)}: expected class indices (integer dtype, int64) of shape "
                f"{index_shape}" + (", or class probabilities of the input's shape"
                                    if name == "cross_entropy" else ""))
        return target, True
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected class indices of integer dtype (int64), got {t.dtype}")
    if t.shape != index_shape:
        raise ValueError(f"{name}: target shape {t.shape} does not match input shape "
                         f"{tuple(input.shape)}: expected {index_shape} (input without its "
                         "class axis 1)")
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"{name}: target class index {int(t[bad][0])} is out of range for "
                         f"{n_classes} classes (expected 0 <= target < {n_classes}, or "
                         f"ignore_index={ignore_index})")
    return t, False


def _batched(name: str, input: Tensor, target: Any) -> tuple[Tensor, Any, bool]:
    """An unbatched (C,) input and its target get a batch axis of 1."""
    if input.ndim == 0:
        raise ValueError(f"{name}: expected input of shape (N, C, *) or (C,), got a scalar")
    if input.ndim > 1:
        return input, target, False
    t = target if isinstance(target, Tensor) else np.asarray(target)
    allowed = [(), tuple(input.shape)] if name == "cross_entropy" else [()]
    if tuple(t.shape) not in allowed:
        expected = " (a class index)" + (f" or {tuple(input.shape)} (class probabilities)"
                                          if len(allowed) > 1 else "")
        raise ValueError(f"{name}: target shape {tuple(t.shape)} does not match unbatched "
                         f"input shape {tuple(input.shape)}: expected (){expected}")
    return unsqueeze(input, 0), t[None] if isinstance(t, np.ndarray) else unsqueeze(t, 0), True


def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (N, C, *) against class indices (N, *) or class
    probabilities (N, C, *), with optional class ``weight``, ``ignore_index`` and
    ``label_smoothing`` (PyTorch's semantics)."""
    check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    x, target, unbatched = _batched("cross_entropy", input, target)
    t, probs = _class_targets("cross_entropy", x, target, weight, ignore_index)
    out = CrossEntropy.apply(x, t, _constant(weight, x), ignore_index=ignore_index,
                             label_smoothing=label_smoothing, reduction=reduction,
                             probabilities=probs)
    return squeeze(out, 0) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C, *) and class indices (N, *)."""
    check_reduction("nll_loss", reduction)
    x, target, unbatched = _batched("nll_loss", input, target)
    t, probs = _class_targets("nll_loss", x, target, weight, ignore_index)
    if probs:
        raise TypeError("nll_loss: expected class indices of integer dtype (int64), got float "
                        "labels (probability targets need cross_entropy)")
    out = NLL.apply(x, t, _constant(weight, x), ignore_index=ignore_index, reduction=reduction)
    return squeeze(out, 0) if unbatched and reduction == "none" else out
