"""A recurrent layer over a whole sequence as ONE op: Elman RNN, LSTM and GRU.

``tamrin.ops.recurrent`` writes each cell as the course does, one graph node per time step;
the layers (``tamrin.nn.RNN`` …) run these sequence ops instead, which compute the same
equations with all T steps inside one node. For one layer in one direction:

- the input projection xw = x·W_ihᵀ + b_ih of the whole sequence, (T, B, G·H), is computed
  before (one GEMM, ``tamrin.ops.linear``) and is this op's first input;
- forward loops over the steps and writes every step's gates and states into arrays made
  once for the sequence (NumPy's ``out=``), which it saves for backward;
- backward is backpropagation through time in one loop, t = T−1 … 0 (or 0 … T−1 for the
  reverse direction). In the RNN and the GRU the factors of δₜ that do not depend on the
  incoming gradient (f′, σ′, the other gate) are computed for all T steps at once before the
  loop, so the loop keeps only what is sequential: δₜ from ∂hₜ, then ∂hₜ₋₁ = δₜ·W_hh. The
  LSTM's factors span four gate blocks; it computes them inside the loop, on (B, 4H) slices
  that are still in cache (measured faster than whole-sequence passes);
- ∂W_hh = Σₜ δₜᵀ·hₜ₋₁ = Dᵀ·H_prev is one GEMM after the loop, and ∂xw = D (or, in a GRU,
  D with its n block unscaled by the reset gate) flows to the projection's backward (two
  more GEMMs: ∂x = D·W_ih and ∂W_ih = Dᵀ·X).

States are kept in one array S of shape (T + 1, B, H): for the forward direction S[0] = h₀
and S[t + 1] = hₜ; for the reverse direction S[T] = h₀ and S[t] = hₜ (the state after
reading steps T−1 … t). The output sequence is a view of S, and H_prev (the state each step
read) is the other view. The per-step cells of ``tamrin.ops.recurrent`` are the reference
these ops are tested against (values and every gradient, in float64).

Variable lengths: an optional ``masks`` (T, B, 1) of ones (a real step) and zeros (padding)
keeps the state of a finished sequence: h_out = h + m ⊙ (h′ − h); in backward m ⊙ ∂h_out
enters the cell and (1 − m) ⊙ ∂h_out goes straight to h (and likewise for an LSTM's c).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops.recurrent import gate_blocks, lstm_scale_shift, sigmoid_inplace
from tamrin.tensor import Tensor


def _steps(n: int, reverse: bool) -> range:
    return range(n - 1, -1, -1) if reverse else range(n)


def _views(states: np.ndarray, reverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """(H_out, H_prev) of the state array S: H_out[t] = hₜ, H_prev[t] = the state step t
    read (both (T, B, H) views)."""
    return (states[:-1], states[1:]) if reverse else (states[1:], states[:-1])


def _initial(first: np.ndarray, shape: tuple[int, ...], dtype: np.dtype,
             reverse: bool) -> np.ndarray:
    """The state array S (T + 1, B, H) with h₀ at the place the first step reads."""
    states = np.empty(shape, dtype)
    states[-1 if reverse else 0] = first
    return states


def _keep_finished_inplace(new: np.ndarray, old: np.ndarray, mask: np.ndarray | None) -> None:
    """new ← old + m ⊙ (new − old), in place: padded steps leave the state unchanged."""
    if mask is not None:
        new -= old
        new *= mask
        new += old


def _split_carry(g: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
    """Split ∂h_out into the cell's share m ⊙ g (left in g) and the share (1 − m) ⊙ g that
    goes straight to the previous state (returned; None without a mask)."""
    if mask is None:
        return None
    carry = g * (1.0 - mask)
    g *= mask
    return carry


def _recurrent_weight_grads(ctx: Context, d: np.ndarray, h_prev: np.ndarray,
                            w_index: int) -> tuple[Any, Any]:
    """∂W_hh = Dᵀ·H_prev (one GEMM over all T·B rows) and, for a GRU, ∂b_hh = Σ D."""
    needs = ctx.needs_input_grad
    flat = d.reshape(-1, d.shape[-1])
    dw = flat.T @ h_prev.reshape(-1, h_prev.shape[-1]) if needs[w_index] else None
    db = flat.sum(axis=0) if len(needs) > w_index + 1 and needs[w_index + 1] else None
    return dw, db


class RNNSequence(ArrayFunction):
    """Elman layer over a sequence: hₜ = f(xwₜ + hₜ₋₁·W_hhᵀ), f = tanh or ReLU (b_hh is
    folded into xw). Outputs (H (T, B, H), h_T).

    Backward: δₜ = (∂Hₜ + ∂hₜ) ⊙ f′ (tanh: 1 − hₜ², ReLU: [hₜ > 0]), ∂hₜ₋₁ = δₜ·W_hh;
    ∂xw = D, ∂W_hh = Dᵀ·H_prev, ∂h₀ = the last ∂hₜ₋₁.
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h0: np.ndarray, w_hh: np.ndarray,
                nonlinearity: str, masks: np.ndarray | None, reverse: bool) -> tuple:
        steps, batch, hidden = xw.shape[0], xw.shape[1], h0.shape[-1]
        states = _initial(h0, (steps + 1, batch, hidden), xw.dtype, reverse)
        out, prev = _views(states, reverse)
        w_t = np.ascontiguousarray(w_hh.T)  # BLAS is faster on a contiguous W_hhᵀ
        activation = np.tanh if nonlinearity == "tanh" else _relu
        for t in _steps(steps, reverse):
            h = out[t]
            np.matmul(prev[t], w_t, out=h)
            h += xw[t]
            activation(h, out=h)
            _keep_finished_inplace(h, prev[t], None if masks is None else masks[t])
        ctx.save_for_backward(states, w_hh)
        ctx.nonlinearity, ctx.masks, ctx.reverse = nonlinearity, masks, reverse
        return out, out[steps - 1 if not reverse else 0].copy()

    @staticmethod
    def backward(ctx: Context, g_out: np.ndarray, g_last: np.ndarray) -> tuple:
        states, w_hh = ctx.saved_arrays
        masks, reverse = ctx.masks, ctx.reverse
        out, prev = _views(states, reverse)
        if ctx.nonlinearity == "tanh":  # f′ for every step at once, then δₜ in its place
            d = out * out
            np.subtract(1.0, d, out=d)
        else:
            d = (out > 0).astype(out.dtype)
        dh_next = g_last.copy()
        dh = np.empty_like(dh_next)
        for t in _steps(out.shape[0], not reverse):
            np.add(g_out[t], dh_next, out=dh)
            carry = _split_carry(dh, None if masks is None else masks[t])
            d[t] *= dh
            np.matmul(d[t], w_hh, out=dh_next)
            if carry is not None:
                dh_next += carry
        dw, _ = _recurrent_weight_grads(ctx, d, prev, 2)
        return d, dh_next, dw


def _relu(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0, out=out)


class LSTMSequence(ArrayFunction):
    """LSTM layer over a sequence (PyTorch's gate order i, f, g, o; b_hh folded into xw):

        [i, f, g, o] = [σ, σ, tanh, σ](xwₜ + hₜ₋₁·W_hhᵀ)
        cₜ = f ⊙ cₜ₋₁ + i ⊙ g,   hₜ = o ⊙ tanh(cₜ)

    Outputs (H (T, B, H), h_T, c_T). Backward, with τ = tanh(cₜ), from ∂hₜ (output + next
    step) and ∂cₜ (next step): u = ∂cₜ + ∂hₜ ⊙ o ⊙ (1 − τ²), and
    δₜ = [u ⊙ g ⊙ i(1−i), u ⊙ cₜ₋₁ ⊙ f(1−f), u ⊙ i ⊙ (1−g²), ∂hₜ ⊙ τ ⊙ o(1−o)];
    ∂hₜ₋₁ = δₜ·W_hh, ∂cₜ₋₁ = u ⊙ f; ∂xw = D, ∂W_hh = Dᵀ·H_prev.
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h0: np.ndarray, c0: np.ndarray,
                w_hh: np.ndarray, masks: np.ndarray | None, reverse: bool) -> tuple:
        steps, batch, hidden = xw.shape[0], xw.shape[1], h0.shape[-1]
        shape = (steps + 1, batch, hidden)
        states = _initial(h0, shape, xw.dtype, reverse)
        cells = _initial(c0, shape, xw.dtype, reverse)
        out, prev = _views(states, reverse)
        c_out, c_prev = _views(cells, reverse)
        # σ(a) = ½·tanh(½a) + ½: with s = ½ on the i, f, o columns and 1 on g, the gates are
        # s·tanh(s·a) + shift; s·a = s·xw + h·(s·W_hhᵀ), so s goes into the operands once.
        scale, shift = lstm_scale_shift(hidden, xw.dtype)
        xs = xw * scale
        # W_hhᵀ·s made C-contiguous: BLAS runs hₜ₋₁·W_hhᵀ 25 % faster on it (54.6 vs 73.0 µs
        # per step for B 32, H 128), and w_hh.T * scale alone would keep w_hh.T's F order.
        w_t = np.multiply(w_hh.T, scale, order="C")
        gates = np.empty_like(xs)
        tanh_c = np.empty((steps, batch, hidden), xw.dtype)
        ig = np.empty((batch, hidden), xw.dtype)
        for t in _steps(steps, reverse):
            a = gates[t]
            np.matmul(prev[t], w_t, out=a)
            a += xs[t]
            np.tanh(a, out=a)
            a *= scale
            a += shift
            i, f, g, o = gate_blocks(a, hidden)
            c = c_out[t]
            np.multiply(f, c_prev[t], out=c)
            np.multiply(i, g, out=ig)
            c += ig
            np.tanh(c, out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=out[t])
            if masks is not None:
                _keep_finished_inplace(c, c_prev[t], masks[t])
                _keep_finished_inplace(out[t], prev[t], masks[t])
        ctx.save_for_backward(states, cells, gates, tanh_c, w_hh)
        ctx.masks, ctx.reverse = masks, reverse
        last = 0 if reverse else steps - 1
        return out, out[last].copy(), c_out[last].copy()

    @staticmethod
    def backward(ctx: Context, g_out: np.ndarray, g_h: np.ndarray, g_c: np.ndarray) -> tuple:
        states, cells, gates, tanh_c, w_hh = ctx.saved_arrays
        masks, reverse = ctx.masks, ctx.reverse
        hidden = states.shape[-1]
        prev = _views(states, reverse)[1]
        c_prev = _views(cells, reverse)[1]
        d = np.empty_like(gates)  # δₜ for every step: D
        dh, dc = g_h.copy(), g_c.copy()
        u = np.empty_like(dh)
        # Step by step, so that every array touched is a (B, 4H) slice still in cache
        # (whole-sequence passes over (T, B, 4H) arrays ran at memory speed, about 2× slower).
        for t in _steps(d.shape[0], not reverse):
            a, delta, tau = gates[t], d[t], tanh_c[t]
            i, f, g, o = gate_blocks(a, hidden)
            d_i, d_f, d_g, d_o = gate_blocks(delta, hidden)
            np.subtract(1.0, a, out=delta)
            delta *= a  # σ′ = σ(1 − σ) on the i, f, o blocks
            np.multiply(g, g, out=d_g)
            np.subtract(1.0, d_g, out=d_g)  # tanh′ = 1 − g² on the g block
            dh += g_out[t]
            mask = None if masks is None else masks[t]
            carry_h, carry_c = _split_carry(dh, mask), _split_carry(dc, mask)
            np.multiply(tau, tau, out=u)  # u = ∂cₜ + ∂hₜ ⊙ o ⊙ (1 − τ²)
            np.subtract(1.0, u, out=u)
            u *= o
            u *= dh
            u += dc
            d_i *= g
            d_f *= c_prev[t]
            d_g *= i
            delta.reshape(-1, 4, hidden)[:, :3] *= u[:, None, :]  # the i, f, g blocks
            d_o *= tau
            d_o *= dh
            np.matmul(delta, w_hh, out=dh)
            np.multiply(u, f, out=dc)
            if masks is not None:
                dh += carry_h
                dc += carry_c
        dw, _ = _recurrent_weight_grads(ctx, d, prev, 3)
        return d, dh, dc, dw


class GRUSequence(ArrayFunction):
    """GRU layer over a sequence (PyTorch's gate order r, z, n; b_hn stays inside r):

        [x_r, x_z, x_n] = xwₜ,   [h_r, h_z, h_n] = hₜ₋₁·W_hhᵀ + b_hh
        r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r ⊙ h_n)
        hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁

    Outputs (H (T, B, H), h_T). Backward from ∂hₜ (output + next step):
    ∂a_n = ∂hₜ⊙(1−z)⊙(1−n²), ∂a_z = ∂hₜ⊙(hₜ₋₁−n)⊙z(1−z), ∂a_r = ∂a_n⊙h_n⊙r(1−r);
    ∂xwₜ = [∂a_r, ∂a_z, ∂a_n],  δₜ = [∂a_r, ∂a_z, ∂a_n ⊙ r],  ∂hₜ₋₁ = ∂hₜ ⊙ z + δₜ·W_hh;
    ∂W_hh = Δᵀ·H_prev, ∂b_hh = Σ Δ (Δ: the δₜ stacked).
    """

    @staticmethod
    def forward(ctx: Context, xw: np.ndarray, h0: np.ndarray, w_hh: np.ndarray,
                b_hh: np.ndarray | None, masks: np.ndarray | None, reverse: bool) -> tuple:
        steps, batch, hidden = xw.shape[0], xw.shape[1], h0.shape[-1]
        states = _initial(h0, (steps + 1, batch, hidden), xw.dtype, reverse)
        out, prev = _views(states, reverse)
        w_t = np.ascontiguousarray(w_hh.T)
        hw = np.empty_like(xw)  # hₜ₋₁·W_hhᵀ + b_hh per step; its n block is saved
        rz = np.empty((steps, batch, 2 * hidden), xw.dtype)
        cand = np.empty((steps, batch, hidden), xw.dtype)
        for t in _steps(steps, reverse):
            np.matmul(prev[t], w_t, out=hw[t])
            if b_hh is not None:
                hw[t] += b_hh
            np.add(xw[t, :, :2 * hidden], hw[t, :, :2 * hidden], out=rz[t])
            sigmoid_inplace(rz[t])
            n = cand[t]
            np.multiply(rz[t, :, :hidden], hw[t, :, 2 * hidden:], out=n)
            n += xw[t, :, 2 * hidden:]
            np.tanh(n, out=n)
            h = out[t]
            np.subtract(prev[t], n, out=h)
            h *= rz[t, :, hidden:]
            h += n
            _keep_finished_inplace(h, prev[t], None if masks is None else masks[t])
        ctx.save_for_backward(states, rz, cand, hw[..., 2 * hidden:], w_hh)
        ctx.masks, ctx.reverse = masks, reverse
        return out, out[0 if reverse else steps - 1].copy()

    @staticmethod
    def backward(ctx: Context, g_out: np.ndarray, g_last: np.ndarray) -> tuple:
        states, rz, cand, hn, w_hh = ctx.saved_arrays
        masks, reverse = ctx.masks, ctx.reverse
        hidden = states.shape[-1]
        prev = _views(states, reverse)[1]
        r, z = rz[..., :hidden], rz[..., hidden:]
        # the factors of ∂a_n, ∂a_z, ∂a_r that do not depend on ∂h, for all T steps at once
        dxw = np.empty(cand.shape[:2] + (3 * hidden,), cand.dtype)
        d_r, d_z, d_n = gate_blocks(dxw, hidden)
        np.multiply(cand, cand, out=d_n)
        np.subtract(1.0, d_n, out=d_n)
        d_n *= 1.0 - z
        np.subtract(1.0, z, out=d_z)
        d_z *= z
        d_z *= prev - cand
        np.subtract(1.0, r, out=d_r)
        d_r *= r
        d_r *= hn
        delta = np.empty_like(dxw)  # δₜ = ∂xwₜ with its n block times r
        dh, dz = g_last.copy(), np.empty_like(g_last)
        for t in _steps(dxw.shape[0], not reverse):
            dh += g_out[t]
            carry = _split_carry(dh, None if masks is None else masks[t])
            d_n[t] *= dh
            d_z[t] *= dh
            d_r[t] *= d_n[t]
            delta[t, :, :2 * hidden] = dxw[t, :, :2 * hidden]
            np.multiply(d_n[t], r[t], out=delta[t, :, 2 * hidden:])
            np.multiply(dh, z[t], out=dz)
            np.matmul(delta[t], w_hh, out=dh)
            dh += dz
            if carry is not None:
                dh += carry
        dw, db = _recurrent_weight_grads(ctx, delta, prev, 2)
        return dxw, dh, dw, db


# ---- the functions layers call -----------------------------------------------------------

def rnn_sequence(xw: Tensor, h0: Tensor, w_hh: Tensor, nonlinearity: str = "tanh",
                 masks: np.ndarray | None = None,
                 reverse: bool = False) -> tuple[Tensor, Tensor]:
    """(H, h_T) of an Elman layer run over the projected sequence ``xw`` (see RNNSequence)."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"rnn_sequence: unknown nonlinearity {nonlinearity!r} "
                         "(expected 'tanh' or 'relu')")
    return RNNSequence.apply(xw, h0, w_hh, nonlinearity=nonlinearity, masks=masks,
                             reverse=reverse)


def lstm_sequence(xw: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor,
                  masks: np.ndarray | None = None,
                  reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """(H, h_T, c_T) of an LSTM layer run over ``xw`` (see LSTMSequence)."""
    return LSTMSequence.apply(xw, h0, c0, w_hh, masks=masks, reverse=reverse)


def gru_sequence(xw: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None,
                 masks: np.ndarray | None = None,
                 reverse: bool = False) -> tuple[Tensor, Tensor]:
    """(H, h_T) of a GRU layer run over ``xw`` (see GRUSequence)."""
    return GRUSequence.apply(xw, h0, w_hh, b_hh, masks=masks, reverse=reverse)
