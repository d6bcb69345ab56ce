"""The whole-sequence recurrent ops against the per-step cells they replace in the layers:
outputs, final states and every gradient (float64), with and without padding, in both
directions; then whole layers (2 layers, bidirectional, ``lengths``) run once with the
sequence ops and once with a loop of cells. PyTorch parity of the layers is in
test_recurrent_parity.py."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tamrin.ops.recurrent import gru_step, lstm_step, rnn_step, unbind
from tamrin.ops.recurrent_sequence import gru_sequence, lstm_sequence, rnn_sequence
from tamrin.ops.shape import stack

T, B, H = 5, 3, 4
MASKS = (np.arange(T)[:, None] < np.array([5, 2, 4])[None, :]).astype(np.float64)[:, :, None]
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3, "gru_nobias": 3}


def _cell_loop(kind: str, xw, state, w_hh, b_hh, masks, reverse, nonlinearity="tanh"):
    """The reference: one cell op per time step, outputs stacked (the layers' former path)."""
    xs, steps = unbind(xw), xw.shape[0]
    outputs = [None] * steps
    for t in (reversed(range(steps)) if reverse else range(steps)):
        mask = None if masks is None else masks[t]
        if kind == "lstm":
            state = lstm_step(xs[t], state[0], state[1], w_hh, b_hh, mask)
        elif kind == "gru":
            state = (gru_step(xs[t], state[0], w_hh, b_hh, mask),)
        else:
            state = (rnn_step(xs[t], state[0], w_hh, b_hh, nonlinearity, mask),)
        outputs[t] = state[0]
    return (stack(outputs), *state)


def _inputs(case: str, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    g = GATES[case]

    def leaf(*shape):
        return tamrin.tensor(rng.standard_normal(shape) * 0.7, dtype=np.float64,
                             requires_grad=True)

    inputs = {"xw": leaf(T, B, g * H), "h0": leaf(B, H)}
    if case == "lstm":
        inputs["c0"] = leaf(B, H)
    inputs["w_hh"] = leaf(g * H, H)
    if case == "gru":
        inputs["b_hh"] = leaf(g * H)
    return inputs


def _run(case: str, inputs: dict, masks, reverse: bool, stepwise: bool) -> tuple:
    xw, h0, w_hh = inputs["xw"], inputs["h0"], inputs["w_hh"]
    if case.startswith("rnn"):
        nonlinearity = case.split("_")[1]
        if stepwise:
            return _cell_loop("rnn", xw, (h0,), w_hh, None, masks, reverse, nonlinearity)
        return rnn_sequence(xw, h0, w_hh, nonlinearity, masks, reverse)
    if case == "lstm":
        c0 = inputs["c0"]
        if stepwise:
            return _cell_loop("lstm", xw, (h0, c0), w_hh, None, masks, reverse)
        return lstm_sequence(xw, h0, c0, w_hh, masks, reverse)
    b_hh = inputs.get("b_hh")
    if stepwise:
        return _cell_loop("gru", xw, (h0,), w_hh, b_hh, masks, reverse)
    return gru_sequence(xw, h0, w_hh, b_hh, masks, reverse)


def _values_and_grads(case, masks, reverse, stepwise):
    inputs = _inputs(case, seed=sum(map(ord, case)))
    outs = _run(case, inputs, masks, reverse, stepwise)
    rng = np.random.default_rng(11)
    loss = sum((o * tamrin.tensor(rng.standard_normal(o.shape))).sum() for o in outs)
    loss.backward()
    return [o.numpy() for o in outs], {k: v.grad.numpy() for k, v in inputs.items()}


@pytest.mark.parametrize("case", list(GATES))
@pytest.mark.parametrize("masks", [None, MASKS], ids=["full", "padded"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_sequence_op_matches_cell_loop(case, masks, reverse):
    values, grads = _values_and_grads(case, masks, reverse, stepwise=False)
    ref_values, ref_grads = _values_and_grads(case, masks, reverse, stepwise=True)
    for k, (v, r) in enumerate(zip(values, ref_values, strict=True)):
        np.testing.assert_allclose(v, r, rtol=1e-12, atol=1e-12, err_msg=f"output {k}")
    assert grads.keys() == ref_grads.keys()
    for name in grads:
        np.testing.assert_allclose(grads[name], ref_grads[name], rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of {name}")


@pytest.mark.parametrize("case", list(GATES))
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_sequence_op_gradcheck(case, reverse):
    inputs = _inputs(case, seed=3)
    names = list(inputs)

    def fn(*tensors):
        return _run(case, dict(zip(names, tensors)), MASKS, reverse, stepwise=False)

    tamrin.gradcheck(fn, list(inputs.values()))


def test_padded_rows_keep_their_state_and_final_state_is_step_L():
    inputs = _inputs("lstm", seed=4)
    out, h_t, c_t = _run("lstm", inputs, MASKS, False, stepwise=False)
    np.testing.assert_array_equal(out.numpy()[2:, 1], np.broadcast_to(out.numpy()[1, 1],
                                                                      (T - 2, H)))
    np.testing.assert_array_equal(h_t.numpy()[1], out.numpy()[1, 1])
    assert not np.shares_memory(h_t.numpy(), out.numpy())


def test_unknown_nonlinearity_is_rejected():
    inputs = _inputs("rnn_tanh", seed=5)
    with pytest.raises(ValueError, match="nonlinearity 'sigmoid'"):
        rnn_sequence(inputs["xw"], inputs["h0"], inputs["w_hh"], "sigmoid")


def _stepwise_sequence(self, xw, state, w_hh, b_hh, masks, reverse):
    kind = type(self).__name__.lower()
    return _cell_loop(kind, xw, state, w_hh, b_hh, masks, reverse,
                      getattr(self, "nonlinearity", "tanh"))


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("lengths", [None, [5, 2, 4]], ids=["full", "lengths"])
def test_layer_matches_cell_loop(mode, lengths, monkeypatch):
    """A 2-layer bidirectional layer: outputs, h_n (c_n) and the gradients of the input, the
    initial states and every parameter, sequence ops against a loop of cells."""
    cls = getattr(nn, mode.split("_")[0])
    extra = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    tamrin.manual_seed(0)
    layer = cls(3, H, num_layers=2, bidirectional=True, **extra).double()
    rng = np.random.default_rng(8)
    x0 = rng.standard_normal((T, B, 3))
    states0 = [rng.standard_normal((4, B, H)) for _ in range(2 if mode == "LSTM" else 1)]

    def run():
        layer.zero_grad()
        x = tamrin.tensor(x0, requires_grad=True)
        states = [tamrin.tensor(s, requires_grad=True) for s in states0]
        out, state = layer(x, tuple(states) if mode == "LSTM" else states[0],
                           lengths=None if lengths is None else np.array(lengths))
        flat = [out, *state] if mode == "LSTM" else [out, state]
        weights = np.random.default_rng(9)
        sum((o * tamrin.tensor(weights.standard_normal(o.shape))).sum() for o in flat).backward()
        grads = [x.grad.numpy(), *(s.grad.numpy() for s in states),
                 *(p.grad.numpy().copy() for p in layer.parameters())]
        return [o.numpy() for o in flat], grads

    values, grads = run()
    monkeypatch.setattr(cls, "_sequence", _stepwise_sequence)
    ref_values, ref_grads = run()
    names = ["input", *(f"hx{k}" for k in range(len(states0))), *dict(layer.named_parameters())]
    for k, (v, r) in enumerate(zip(values, ref_values, strict=True)):
        np.testing.assert_allclose(v, r, rtol=1e-12, atol=1e-12, err_msg=f"output {k}")
    for name, g, r in zip(names, grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12, err_msg=f"gradient of {name}")
