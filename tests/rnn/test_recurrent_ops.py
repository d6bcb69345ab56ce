"""The fused time-step ops against finite differences (float64), with and without masks."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin.ops.recurrent import gru_step, lstm_step, rnn_step, unbind

B, I, H = 3, 5, 4


def _arrays(seed: int, *shapes: tuple[int, ...]) -> list[tamrin.Tensor]:
    rng = np.random.default_rng(seed)
    return [tamrin.tensor(rng.standard_normal(s), dtype=np.float64, requires_grad=True)
            for s in shapes]


MASK = np.array([[1.0], [0.0], [1.0]])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mask", [None, MASK])
def test_rnn_step_gradcheck(nonlinearity, bias, mask):
    xw, h, w, b = _arrays(0, (B, H), (B, H), (H, H), (H,))
    inputs = [xw, h, w] + ([b] if bias else [])

    def fn(xw, h, w, b=None):
        return rnn_step(xw, h, w, b, nonlinearity, mask)

    tamrin.gradcheck(fn, inputs)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mask", [None, MASK])
def test_lstm_step_gradcheck(bias, mask):
    xw, h, c, w, b = _arrays(1, (B, 4 * H), (B, H), (B, H), (4 * H, H), (4 * H,))
    inputs = [xw, h, c, w] + ([b] if bias else [])

    def fn(xw, h, c, w, b=None):
        return lstm_step(xw, h, c, w, b, mask)

    tamrin.gradcheck(fn, inputs)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mask", [None, MASK])
def test_gru_step_gradcheck(bias, mask):
    xw, h, w, b = _arrays(2, (B, 3 * H), (B, H), (3 * H, H), (3 * H,))
    inputs = [xw, h, w] + ([b] if bias else [])

    def fn(xw, h, w, b=None):
        return gru_step(xw, h, w, b, mask)

    tamrin.gradcheck(fn, inputs)


def test_masked_rows_keep_their_state():
    xw, h, c, w, b = _arrays(4, (B, 4 * H), (B, H), (B, H), (4 * H, H), (4 * H,))
    h2, c2 = lstm_step(xw, h, c, w, b, MASK)
    np.testing.assert_array_equal(h2.numpy()[1], h.numpy()[1])
    np.testing.assert_array_equal(c2.numpy()[1], c.numpy()[1])
    assert not np.allclose(h2.numpy()[0], h.numpy()[0])


def test_unbind_gradcheck_and_views():
    (x,) = _arrays(5, (4, 2, 3))
    parts = unbind(x)
    assert len(parts) == 4 and np.shares_memory(parts[2].numpy(), x.numpy())
    tamrin.gradcheck(lambda x: unbind(x)[::2], [x])


def test_unknown_nonlinearity_is_rejected():
    xw, h, w = _arrays(6, (B, H), (B, H), (H, H))
    with pytest.raises(ValueError, match="nonlinearity 'sigmoid'"):
        rnn_step(xw, h, w, None, "sigmoid")


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_layer_gradcheck_through_time(mode):
    """BPTT through a 2-layer bidirectional layer with padded sequences: inputs, initial
    state and every parameter against finite differences."""
    tamrin.manual_seed(0)
    layer = getattr(tamrin.nn, mode)(3, 2, num_layers=2, bidirectional=True).double()
    names = list(dict(layer.named_parameters()))
    rng = np.random.default_rng(7)
    x = tamrin.tensor(rng.standard_normal((4, 2, 3)), dtype=np.float64)
    h0 = tamrin.tensor(rng.standard_normal((4, 2, 2)), dtype=np.float64)
    lengths = np.array([4, 2])

    def fn(x, h0, *params):
        for name, p in zip(names, params):
            layer._parameters[name] = p
        hx = (h0, h0 * 0.5) if mode == "LSTM" else h0
        out, state = layer(x, hx, lengths=lengths)
        return (out, *state) if mode == "LSTM" else (out, state)

    params = [p.detach() for p in layer.parameters()]
    tamrin.gradcheck(fn, [x, h0, *params])
