"""Recurrent cells: one time step of an Elman RNN, an LSTM or a GRU as one fused op each.

Every step takes the *input projection* xw = x·W_ihᵀ + b_ih already computed — for a
whole sequence that is one GEMM outside the time loop — plus the previous state and the
recurrent weights, and returns the next state. Its backward is the hand derivation of the
course (δ = g ⊙ f′(a), ∂h = δ·W_hh, ∂W_hh = δᵀ·h); backpropagation through time is the
graph walk running these backwards from the last step to the first.

Variable-length batches: an optional ``mask`` (shape (batch, 1), 1 = this step is real,
0 = padding) keeps the old state where a sequence has ended,
    h_out = m ⊙ h′ + (1 − m) ⊙ h,
so the final state of a sequence of length L is its state after step L (as PyTorch's
packed sequences). Backward then sends m ⊙ g through the cell and (1 − m) ⊙ g straight to h.

``unbind`` splits a (T, …) tensor into its time steps as views (one node, one ``np.stack``
in backward) — the initial states of a multi-layer layer, one per layer and direction.

The layers run a whole sequence as one op (``tamrin.ops.recurrent_sequence``), which is
tested against these steps; the cells (``nn.RNNCell`` …) run them directly.
"""

from __future__ import annotations

import functools

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


def sigmoid_inplace(a: np.ndarray) -> np.ndarray:
    """σ(a) = ½(1 + tanh(a/2)) written into ``a``: stable for any a, one tanh call."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


def _recurrent_term(h: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray | None) -> np.ndarray:
    """h·W_hhᵀ + b_hh."""
    out = h @ w_hh.T
    if b_hh is not None:
        out += b_hh
    return out


def _keep_finished(mask: np.ndarray | None, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """m ⊙ new + (1 − m) ⊙ old: padded steps leave the state unchanged."""
    return new if mask is None else old + mask * (new - old)


def _split_by_mask(mask: np.ndarray | None, g: np.ndarray) -> tuple[np.ndarray, np.ndarray | int]:
    """(m ⊙ g, (1 − m) ⊙ g): the gradient into the cell and the one carried straight to h."""
    if mask is None:
        return g, 0
    inside = g * mask
    return inside, g - inside


def _weight_grads(ctx: Context, d: np.ndarray, h: np.ndarray) -> tuple:
    """∂W_hh = δᵀ·h and ∂b_hh = Σ_batch δ, computed only where asked for."""
    need_w, need_b = ctx.needs_input_grad[-2:]
    return (d.T @ h if need_w else None), (d.sum(axis=0) if need_b else None)


class RNNStep(ArrayFunction):
    """Elman step h′ = f(xw + h·W_hhᵀ + b_hh), f = tanh or ReLU.

    Backward with δ = g ⊙ f′ (tanh: 1 − h′², ReLU: [h′ > 0]):
    ∂xw = δ,  ∂h = δ·W_hh,  ∂W_hh = δᵀ·h,  ∂b_hh = Σ_batch δ.
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h: np.ndarray, w_hh: np.ndarray,
                b_hh: np.ndarray | None, nonlinearity: str = "tanh",
                mask: np.ndarray | None = None) -> np.ndarray:
        a = _recurrent_term(h, w_hh, b_hh)
        a += xw
        new = np.tanh(a, out=a) if nonlinearity == "tanh" else np.maximum(a, 0, out=a)
        ctx.save_for_backward(h, w_hh, new)
        ctx.nonlinearity, ctx.mask = nonlinearity, mask
        return _keep_finished(mask, new, h)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        h, w_hh, new = ctx.saved_arrays
        g, carry = _split_by_mask(ctx.mask, g)
        d = g * (1.0 - new * new) if ctx.nonlinearity == "tanh" else g * (new > 0)
        dw, db = _weight_grads(ctx, d, h)
        dh = d @ w_hh + carry if ctx.needs_input_grad[1] else None
        return d, dh, dw, db


class LSTMStep(ArrayFunction):
    """LSTM step (PyTorch's gate order i, f, g, o):

        [a_i, a_f, a_g, a_o] = xw + h·W_hhᵀ + b_hh
        i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
        c′ = f ⊙ c + i ⊙ g,   h′ = o ⊙ tanh(c′)

    Backward from (∂h′, ∂c′): with t = tanh(c′), the total ∂c′ ← ∂c′ + ∂h′ ⊙ o ⊙ (1 − t²);
    ∂a_i = ∂c′⊙g⊙i(1−i), ∂a_f = ∂c′⊙c⊙f(1−f), ∂a_g = ∂c′⊙i⊙(1−g²), ∂a_o = ∂h′⊙t⊙o(1−o);
    δ = [∂a_i, ∂a_f, ∂a_g, ∂a_o]: ∂xw = δ, ∂h = δ·W_hh, ∂c = ∂c′ ⊙ f, ∂W_hh = δᵀ·h.
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h: np.ndarray, c: np.ndarray, w_hh: np.ndarray,
                b_hh: np.ndarray | None, mask: np.ndarray | None = None) -> tuple:
        gates = _recurrent_term(h, w_hh, b_hh)
        gates += xw
        n = h.shape[-1]
        _lstm_activations_inplace(gates, n)
        i, f, g, o = gate_blocks(gates, n)
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        h_new = o * tc
        ctx.save_for_backward(h, c, w_hh, gates, tc)
        ctx.mask = mask
        return _keep_finished(mask, h_new, h), _keep_finished(mask, c_new, c)

    @staticmethod
    def backward(ctx: Context, gh: np.ndarray, gc: np.ndarray) -> tuple:
        h, c, w_hh, gates, tc = ctx.saved_arrays
        n = h.shape[-1]
        i, f, g, o = gate_blocks(gates, n)
        gh, carry_h = _split_by_mask(ctx.mask, gh)
        gc, carry_c = _split_by_mask(ctx.mask, gc)
        dc = 1.0 - tc * tc
        dc *= gh
        dc *= o
        dc += gc
        d = gates * (1.0 - gates)  # σ′ = σ(1 − σ) on the i, f, o blocks
        np.subtract(1.0, g * g, out=gate_blocks(d, n)[2])  # tanh′ = 1 − g² on the g block
        d *= np.concatenate((dc * g, dc * c, dc * i, gh * tc), axis=1)  # ∂L/∂[i, f, g, o]
        dw, db = _weight_grads(ctx, d, h)
        dh = d @ w_hh + carry_h if ctx.needs_input_grad[1] else None
        return d, dh, dc * f + carry_c, dw, db


class GRUStep(ArrayFunction):
    """GRU step (PyTorch's gate order r, z, n; b_hn stays inside the reset gate):

        [x_r, x_z, x_n] = xw,   [h_r, h_z, h_n] = h·W_hhᵀ + b_hh
        r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r ⊙ h_n)
        h′ = (1 − z) ⊙ n + z ⊙ h

    Backward: ∂a_n = g⊙(1−z)⊙(1−n²), ∂a_z = g⊙(h−n)⊙z(1−z), ∂a_r = ∂a_n⊙h_n⊙r(1−r);
    ∂xw = [∂a_r, ∂a_z, ∂a_n],  δ_h = [∂a_r, ∂a_z, ∂a_n ⊙ r],
    ∂h = g ⊙ z + δ_h·W_hh,  ∂W_hh = δ_hᵀ·h,  ∂b_hh = Σ_batch δ_h.
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h: np.ndarray, w_hh: np.ndarray,
                b_hh: np.ndarray | None, mask: np.ndarray | None = None) -> np.ndarray:
        n = h.shape[-1]
        hw = _recurrent_term(h, w_hh, b_hh)
        rz = sigmoid_inplace(xw[:, :2 * n] + hw[:, :2 * n])
        r, z = rz[:, :n], rz[:, n:]
        cand = np.tanh(xw[:, 2 * n:] + r * hw[:, 2 * n:])
        h_new = cand + z * (h - cand)
        ctx.save_for_backward(h, w_hh, rz, cand, hw[:, 2 * n:])
        ctx.mask = mask
        return _keep_finished(mask, h_new, h)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        h, w_hh, rz, cand, hn = ctx.saved_arrays
        n = h.shape[-1]
        r, z = rz[:, :n], rz[:, n:]
        g, carry = _split_by_mask(ctx.mask, g)
        dxw = np.empty(g.shape[:1] + (3 * n,), dtype=g.dtype)
        da_n = dxw[:, 2 * n:]
        np.multiply(g * (1.0 - z), 1.0 - cand * cand, out=da_n)
        dxw[:, :n] = da_n * hn * r * (1.0 - r)
        dxw[:, n:2 * n] = g * (h - cand) * z * (1.0 - z)
        dhw = dxw.copy()
        dhw[:, 2 * n:] *= r
        dw, db = _weight_grads(ctx, dhw, h)
        dh = g * z + dhw @ w_hh + carry if ctx.needs_input_grad[1] else None
        return dxw, dh, dw, db


@functools.cache
def lstm_scale_shift(n: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Per-column s and b with s·tanh(s·a) + b = σ(a) on the i, f, o blocks, tanh(a) on g."""
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype), n)
    shift = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype), n)
    scale.flags.writeable = shift.flags.writeable = False
    return scale, shift


def _lstm_activations_inplace(gates: np.ndarray, n: int) -> None:
    """[σ, σ, tanh, σ] of the four gate blocks, as four whole-array passes (strided
    per-block passes are several times slower in NumPy)."""
    scale, shift = lstm_scale_shift(n, gates.dtype)
    gates *= scale
    np.tanh(gates, out=gates)
    gates *= scale
    gates += shift


def gate_blocks(gates: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """The gate blocks [..., 0:n], [..., n:2n], … of a (…, k·n) array, as views."""
    return tuple(gates[..., j:j + n] for j in range(0, gates.shape[-1], n))


class Unbind(ArrayFunction):
    """Split a (T, …) tensor into its T slices (views).   Backward: stack the T gradients."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> tuple:
        return tuple(x)

    @staticmethod
    def backward(ctx: Context, *grads: np.ndarray) -> np.ndarray:
        return np.stack(grads)


# ---- the functions layers call -----------------------------------------------------------

def rnn_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
             nonlinearity: str = "tanh", mask: np.ndarray | None = None) -> Tensor:
    """One Elman step from the input projection ``xw`` (see ``RNNStep``)."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_step: unknown nonlinearity {nonlinearity!r} "
                         "(expected 'tanh' or 'relu')")
    return RNNStep.apply(xw, h, w_hh, b_hh, nonlinearity=nonlinearity, mask=mask)


def lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh: Tensor | None,
              mask: np.ndarray | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step from the input projection ``xw``; returns (h′, c′) (see ``LSTMStep``)."""
    return LSTMStep.apply(xw, h, c, w_hh, b_hh, mask=mask)


def gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
             mask: np.ndarray | None = None) -> Tensor:
    """One GRU step from the input projection ``xw`` (see ``GRUStep``)."""
    return GRUStep.apply(xw, h, w_hh, b_hh, mask=mask)


def unbind(x: Tensor) -> tuple[Tensor, ...]:
    """The slices x[0], x[1], … along the first axis, as one graph node."""
    return Unbind.apply(x)
