"""Batch norm and layer norm, each one fused op with its hand-derived backward.

Both standardise x over some axes — x̂ = (x − μ)/σ, σ = √(Var[x] + ε), with the biased
variance — then scale and shift: y = γ·x̂ + β. With M elements in each normalised group and
ĝ = γ·∂L/∂y, the backward through the batch statistics is

    ∂L/∂x = (1/M)·(1/σ)·(M·ĝ − Σĝ − x̂·Σ(ĝ·x̂)),   ∂L/∂γ = Σ ∂L/∂y·x̂,   ∂L/∂β = Σ ∂L/∂y

(the Σ terms are the gradient flowing through μ and σ, which depend on every element).
Batch norm groups over every axis but the channel axis 1 (N for BatchNorm1d on (N, C);
N, L on (N, C, L); N, H, W for BatchNorm2d); layer norm over the trailing axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


def standardize(x: np.ndarray, axes: tuple[int, ...],
                eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x̂ = (x − μ)/√(σ² + ε) over ``axes``; returns x̂, 1/σ, μ and the biased σ² (kept dims)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(centered * centered, axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + np.asarray(eps, x.dtype))
    centered *= inv_std
    return centered, inv_std, mean, var


def standardized_backward(g_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray,
                          axes: tuple[int, ...]) -> np.ndarray:
    """∂L/∂x = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over ``axes`` (ĝ = ∂L/∂x̂)."""
    mean_g = g_hat.mean(axis=axes, keepdims=True)
    mean_gx = np.mean(g_hat * x_hat, axis=axes, keepdims=True)
    return (g_hat - mean_g - x_hat * mean_gx) * inv_std


def _affine_grads(ctx: Context, g: np.ndarray, x_hat: np.ndarray,
                  axes: tuple[int, ...]) -> tuple:
    """∂L/∂γ = Σ g·x̂ and ∂L/∂β = Σ g over ``axes`` (the axes γ and β are broadcast along)."""
    need_w, need_b = ctx.needs_input_grad[1:3]
    gw = np.sum(g * x_hat, axis=axes).reshape(ctx.param_shape) if need_w else None
    gb = np.sum(g, axis=axes).reshape(ctx.param_shape) if need_b else None
    return gw, gb


class BatchNorm(ArrayFunction):
    """Batch normalisation over every axis but the channel axis 1.

    Training: μ, σ² are this batch's (per channel), y = γ·(x − μ)/√(σ² + ε) + β, and the
    running estimates move by r ← (1 − m)·r + m·batch, with the *unbiased* variance
    σ²·M/(M − 1) (as PyTorch). Evaluation (``use_batch_stats=False``): μ, σ² are the running
    estimates — constants — so ∂L/∂x = ∂L/∂y·γ/σ only.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray | None,
                bias: np.ndarray | None, running_mean: np.ndarray | None,
                running_var: np.ndarray | None, use_batch_stats: bool, momentum: float,
                eps: float) -> np.ndarray:
        axes = (0, *range(2, x.ndim))
        shape = [1] * x.ndim
        shape[1] = x.shape[1]
        if use_batch_stats:
            x_hat, inv_std, mean, var = standardize(x, axes, eps)
            if running_mean is not None:
                _update_running(running_mean, running_var, mean, var, x.size // x.shape[1],
                                momentum)
        else:
            inv_std = 1.0 / np.sqrt(running_var.reshape(shape) + np.asarray(eps, x.dtype))
            x_hat = (x - running_mean.reshape(shape)) * inv_std
        out = _scale_shift(x_hat, weight, bias, shape)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.param_shape, ctx.batch_stats = axes, (x.shape[1],), use_batch_stats
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        x_hat, inv_std, weight = ctx.saved_arrays
        gx = None
        if ctx.needs_input_grad[0]:
            shape = inv_std.shape
            g_hat = g if weight is None else g * weight.reshape(shape)
            gx = (standardized_backward(g_hat, x_hat, inv_std, ctx.axes) if ctx.batch_stats
                  else g_hat * inv_std)
        return (gx, *_affine_grads(ctx, g, x_hat, ctx.axes), None, None)


def _scale_shift(x_hat: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                 shape: Sequence[int]) -> np.ndarray:
    """γ·x̂ + β with γ, β reshaped to ``shape`` (either may be absent), in one new array."""
    if weight is None:
        return x_hat if bias is None else x_hat + bias.reshape(shape)
    out = x_hat * weight.reshape(shape)
    if bias is not None:
        out += bias.reshape(shape)
    return out


def _update_running(running_mean: np.ndarray, running_var: np.ndarray, mean: np.ndarray,
                    var: np.ndarray, count: int, momentum: float) -> None:
    """r ← (1 − m)·r + m·batch statistic, in place; the variance unbiased by M/(M − 1)."""
    m = np.asarray(momentum, running_mean.dtype)
    running_mean *= 1 - m
    running_mean += m * mean.reshape(running_mean.shape)
    running_var *= 1 - m
    running_var += (m * count / (count - 1)) * var.reshape(running_var.shape)


class LayerNorm(ArrayFunction):
    """Layer normalisation over the trailing axes (one group per sample and position).

    y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² over the last ``len(γ.shape)`` axes; γ, β have the
    normalised shape and get gradients summed over the leading axes.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray | None,
                bias: np.ndarray | None, normalized_ndim: int, eps: float) -> np.ndarray:
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        x_hat, inv_std, _, _ = standardize(x, axes, eps)
        ctx.save_for_backward(x_hat, inv_std, weight)
        ctx.axes, ctx.param_shape = axes, x.shape[x.ndim - normalized_ndim:]
        return _scale_shift(x_hat, weight, bias, ctx.param_shape)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        x_hat, inv_std, weight = ctx.saved_arrays
        gx = None
        if ctx.needs_input_grad[0]:
            g_hat = g if weight is None else g * weight
            gx = standardized_backward(g_hat, x_hat, inv_std, ctx.axes)
        leading = tuple(range(g.ndim - len(ctx.axes)))
        return (gx, *_affine_grads(ctx, g, x_hat, leading))


def _check_channels(name: str, x: Tensor, n: int, what: str) -> None:
    if x.ndim < 2 or x.shape[1] != n:
        raise ValueError(f"{name}: expected input of shape (N, {n}, *) ({what} has {n} "
                         f"channels), got shape {tuple(x.shape)}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation (``torch.nn.functional.batch_norm``): batch statistics (and an
    in-place update of the running ones, if given) when ``training``, else the running ones."""
    channels = (weight if weight is not None else running_mean)
    if channels is not None:
        _check_channels("batch_norm", input, channels.shape[0], "weight/running_mean")
    if training:
        count = input.numel() // max(input.shape[1], 1) if input.ndim >= 2 else 0
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not "
                         "training (they are the statistics evaluation uses)")
    return BatchNorm.apply(
        input, weight, bias, _data(running_mean), _data(running_var),
        use_batch_stats=training, momentum=momentum, eps=eps,
    )


def layer_norm(input: Tensor, normalized_shape: Sequence[int] | int,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Layer normalisation over the trailing ``normalized_shape`` axes."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise ValueError(f"layer_norm: expected input of shape (*, {', '.join(map(str, shape))})"
                         f" (normalized_shape={list(shape)}), got {tuple(input.shape)}")
    return LayerNorm.apply(input, weight, bias, normalized_ndim=len(shape), eps=eps)


def _data(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else t._array
