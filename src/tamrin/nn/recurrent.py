"""Recurrent layers: RNN (tanh/ReLU), LSTM, GRU and their single-step cells.

A layer runs, for each of its ``num_layers`` layers and each direction, the input
projection of the whole sequence in one GEMM (xw = x·W_ihᵀ + b_ih), then the recurrence over
all T steps as one op (``tamrin.ops.recurrent_sequence``: one loop forward, one loop of
backpropagation through time backward, W_hh's gradient one GEMM for the sequence). The cells
(``RNNCell`` …) run one step each, as one fused op (``tamrin.ops.recurrent``) whose backward
is the course's hand derivation; the layers' sequence ops are tested against them. Parameter
names, shapes, gate order, initialisation U(−1/√hidden, 1/√hidden), input/output layouts and
the returned (output, h_n[, c_n]) are PyTorch's, so state dicts move between the two
libraries unchanged.

Variable-length batches: ``forward(input, hx, lengths=…)`` takes the true length of each
padded sequence and follows PyTorch's packed sequences — h_n is the state after step L of
a sequence of length L (for the reverse direction, the state after reading steps L−1…0),
and outputs beyond L are zero, as ``pad_packed_sequence`` gives.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tamrin.nn import init
from tamrin.nn.module import Module
from tamrin.nn.parameter import Parameter, empty_parameter
from tamrin.ops.dropout import dropout
from tamrin.ops.linear import linear
from tamrin.ops.recurrent import gru_step, lstm_step, rnn_step, unbind
from tamrin.ops.recurrent_sequence import gru_sequence, lstm_sequence, rnn_sequence
from tamrin.ops.shape import cat, stack
from tamrin.tensor import Tensor

State = tuple[Tensor, ...]


def _reset_uniform(module: Module, hidden_size: int) -> None:
    """PyTorch's recurrent initialisation, in place: every weight and bias of ``module``
    ~ U(−1/√hidden_size, 1/√hidden_size)."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def _empty_parameter(*shape: int) -> Parameter:
    return empty_parameter(shape, np.float32, "recurrent layer")


def _project(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    """xw = x·W_ihᵀ + b_ih over all leading axes at once (one GEMM for a whole sequence)."""
    lead = x.shape[:-1]
    return linear(x.reshape(-1, x.shape[-1]), w_ih, b_ih).reshape(*lead, w_ih.shape[0])


def _step_masks(lengths: Any, steps: int, batch: int, dtype: np.dtype) -> np.ndarray | None:
    """(T, B, 1) mask of real steps (1) and padding (0); None when nothing is padded."""
    if lengths is None:
        return None
    lengths = np.asarray(lengths._array if isinstance(lengths, Tensor) else lengths)
    if lengths.shape != (batch,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected {batch} integer lengths (one per sequence), "
                         f"got shape {lengths.shape} of dtype {lengths.dtype}")
    if lengths.min() < 1 or lengths.max() > steps:
        raise ValueError(f"lengths: every length must be in 1..{steps} (the padded sequence "
                         f"length), got min {lengths.min()} and max {lengths.max()}")
    if (lengths == steps).all():
        return None
    return (np.arange(steps)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]


class RNNBase(Module):
    """The machinery shared by RNN, LSTM and GRU (subclasses give the step and gate count).

    Input (T, B, input_size), or (B, T, input_size) with ``batch_first``, or (T, input_size)
    unbatched. Output (T, B, D·hidden_size) with D = 2 if bidirectional else 1; h_n (and
    c_n) have shape (D·num_layers, B, hidden_size) whatever ``batch_first`` says.
    """

    gates = 1
    state_count = 1
    # gates = xw + h·W_hhᵀ + b_hh: b_hh may join b_ih in the projection (added once, not once
    # per step). Not so in a GRU, whose b_hn is gated by r.
    additive_recurrence = True

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False) -> None:
        super().__init__()
        if num_layers < 1 or hidden_size < 1 or input_size < 1:
            raise ValueError(f"{type(self).__name__}: input_size, hidden_size and num_layers "
                             f"must be positive, got {input_size}, {hidden_size}, {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                self._add_weights(f"_l{layer}{suffix}", width)
        self.reset_parameters()

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _add_weights(self, tag: str, width: int) -> None:
        rows = self.gates * self.hidden_size
        self.register_parameter("weight_ih" + tag, _empty_parameter(rows, width))
        self.register_parameter("weight_hh" + tag, _empty_parameter(rows, self.hidden_size))
        if self.bias:
            self.register_parameter("bias_ih" + tag, _empty_parameter(rows))
            self.register_parameter("bias_hh" + tag, _empty_parameter(rows))

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size), as PyTorch."""
        _reset_uniform(self, self.hidden_size)

    def _weights(self, layer: int, direction: int) -> tuple:
        tag = f"_l{layer}{self._suffixes()[direction]}"
        get = self._parameters.get
        return get("weight_ih" + tag), get("weight_hh" + tag), get("bias_ih" + tag), \
            get("bias_hh" + tag)

    # ---- the recurrence each subclass defines ----------------------------------------------
    def _sequence(self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
                  masks: np.ndarray | None, reverse: bool) -> tuple[Tensor, ...]:
        """(outputs (T, B, H), *final state) of one layer in one direction over ``xw``."""
        raise NotImplementedError

    # ---- forward ---------------------------------------------------------------------------
    def forward(self, input: Tensor, hx: Any = None, lengths: Any = None) -> tuple:
        """Run the sequence; returns (output, h_n) — (output, (h_n, c_n)) for an LSTM."""
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        steps, batch = x.shape[0], x.shape[1]
        masks = _step_masks(lengths, steps, batch, x.dtype)
        states = self._initial_states(hx, batch, x.dtype, batched)
        finals: list[State] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                out, final = self._run_direction(x, layer, direction, states[index], masks)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)
        if masks is not None:
            x = x * Tensor._make(masks)
        if self.batch_first and batched:
            x = x.transpose(0, 1)
        h_n = tuple(stack([f[k] for f in finals]) for k in range(self.state_count))
        if not batched:
            x, h_n = x.squeeze(1), tuple(h.squeeze(1) for h in h_n)
        return x, (h_n if self.state_count > 1 else h_n[0])

    def _run_direction(self, x: Tensor, layer: int, direction: int, state: State,
                       masks: np.ndarray | None) -> tuple[Tensor, State]:
        """One layer in one direction over all T steps: (outputs (T, B, H), final state)."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
        if self.additive_recurrence and b_hh is not None:
            b_ih, b_hh = b_ih + b_hh, None
        outputs, *final = self._sequence(_project(x, w_ih, b_ih), state, w_hh, b_hh, masks,
                                         reverse=direction == 1)
        return outputs, tuple(final)

    def _check_input(self, input: Tensor) -> bool:
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched) or 3-D input, got shape "
                             f"{input.shape}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input has {input.shape[-1]} features (shape "
                             f"{input.shape}) but input_size={self.input_size}")
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (shape {input.shape})")
        return input.ndim == 3

    def _initial_states(self, hx: Any, batch: int, dtype: np.dtype,
                        batched: bool) -> list[State]:
        """One state tuple per (layer, direction); zeros when ``hx`` is None."""
        count = self.num_layers * self.num_directions
        shape = (count, batch, self.hidden_size)
        if hx is None:
            zero = Tensor._make(np.zeros(shape[1:], dtype))
            return [(zero,) * self.state_count] * count
        given = tuple(hx) if self.state_count > 1 else (hx,)
        if len(given) != self.state_count:
            raise ValueError(f"{type(self).__name__}: hx must be a tuple (h_0, c_0)")
        per_state = []
        for h in given:
            expected = shape if batched else (count, self.hidden_size)
            if tuple(h.shape) != expected:
                raise ValueError(f"{type(self).__name__}: expected an initial state of shape "
                                 f"{expected}, got {tuple(h.shape)}")
            per_state.append(unbind(h if batched else h.unsqueeze(1)))
        return [tuple(s[i] for s in per_state) for i in range(count)]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for key, default in defaults.items():
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class RNN(RNNBase):
    """Elman RNN: hₜ = f(xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh), f = tanh (default) or ReLU."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (expected 'tanh' "
                             "or 'relu')")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)
        self.nonlinearity = nonlinearity

    def _sequence(self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
                  masks: np.ndarray | None, reverse: bool) -> tuple[Tensor, ...]:
        return rnn_sequence(xw, state[0], w_hh, self.nonlinearity, masks, reverse)

    def extra_repr(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity}"
        return super().extra_repr() + extra


class LSTM(RNNBase):
    """LSTM: gates [i, f, g, o] = xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh (σ, σ, tanh, σ),
    cₜ = f ⊙ cₜ₋₁ + i ⊙ g,  hₜ = o ⊙ tanh(cₜ).   hx and the final state are (h, c) pairs."""

    gates = 4
    state_count = 2

    def _sequence(self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
                  masks: np.ndarray | None, reverse: bool) -> tuple[Tensor, ...]:
        return lstm_sequence(xw, state[0], state[1], w_hh, masks, reverse)


class GRU(RNNBase):
    """GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h′ = (1 − z) ⊙ n + z ⊙ h."""

    gates = 3
    additive_recurrence = False  # b_hn is multiplied by the reset gate

    def _sequence(self, xw: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
                  masks: np.ndarray | None, reverse: bool) -> tuple[Tensor, ...]:
        return gru_sequence(xw, state[0], w_hh, b_hh, masks, reverse)


# ---- cells: one time step ----------------------------------------------------------------

class RNNCellBase(Module):
    """One step of a recurrent layer: parameters ``weight_ih``, ``weight_hh``, ``bias_ih``,
    ``bias_hh`` (PyTorch's names), initialised U(−1/√hidden_size, 1/√hidden_size)."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = self.gates * hidden_size
        self.weight_ih = _empty_parameter(rows, input_size)
        self.weight_hh = _empty_parameter(rows, hidden_size)
        self.register_parameter("bias_ih", _empty_parameter(rows) if bias else None)
        self.register_parameter("bias_hh", _empty_parameter(rows) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size), as PyTorch."""
        _reset_uniform(self, self.hidden_size)

    def _prepare(self, input: Tensor, states: tuple) -> tuple[Tensor, tuple, bool]:
        """Input projection and states as (B, ·) tensors; whether the input was batched."""
        name = type(self).__name__
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {input.shape}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        zero = Tensor._make(np.zeros((x.shape[0], self.hidden_size), x.dtype))
        out = []
        for s in states:
            s = zero if s is None else (s if batched else s.unsqueeze(0))
            if tuple(s.shape) != zero.shape:
                raise ValueError(f"{name}: expected a state of shape {zero.shape}, got "
                                 f"{tuple(s.shape)}")
            out.append(s)
        return _project(x, self.weight_ih, self.bias_ih), tuple(out), batched

    @staticmethod
    def _finish(states: tuple, batched: bool) -> tuple:
        return states if batched else tuple(s.squeeze(0) for s in states)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """h′ = f(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), f = tanh (default) or ReLU."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (expected "
                             "'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        xw, (h,), batched = self._prepare(input, (hx,))
        h = rnn_step(xw, h, self.weight_hh, self.bias_hh, self.nonlinearity)
        return self._finish((h,), batched)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: (h′, c′) from x and (h, c) (see ``LSTM`` for the equations)."""

    gates = 4

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple:
        xw, (h, c), batched = self._prepare(input, (None, None) if hx is None else tuple(hx))
        return self._finish(lstm_step(xw, h, c, self.weight_hh, self.bias_hh), batched)


class GRUCell(RNNCellBase):
    """One GRU step: h′ from x and h (see ``GRU`` for the equations)."""

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        xw, (h,), batched = self._prepare(input, (hx,))
        return self._finish((gru_step(xw, h, self.weight_hh, self.bias_hh),), batched)[0]
