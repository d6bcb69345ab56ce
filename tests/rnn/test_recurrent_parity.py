"""RNN/LSTM/GRU layers and cells against PyTorch with copied weights: forward outputs,
final states and the gradients of the input, the initial states and every parameter."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tests.oracle import to_torch, tol, torch

T, B, I, H = 5, 3, 4, 6
MODES = {"RNN_TANH": ("RNN", {}), "RNN_RELU": ("RNN", {"nonlinearity": "relu"}),
         "LSTM": ("LSTM", {}), "GRU": ("GRU", {})}
CONFIGS = [  # num_layers, bidirectional, batch_first, bias, give hx
    dict(num_layers=1, bidirectional=False, batch_first=False, bias=True, hx=False),
    dict(num_layers=2, bidirectional=True, batch_first=True, bias=True, hx=True),
    dict(num_layers=2, bidirectional=False, batch_first=False, bias=False, hx=True),
    dict(num_layers=3, bidirectional=True, batch_first=False, bias=True, hx=False),
]


def _pair(mode: str, dtype, **kw):
    """A tamrin layer and a torch layer with the same weights (copied from tamrin's)."""
    cls, extra = MODES[mode]
    layer = getattr(nn, cls)(I, H, **extra, **kw).to(dtype)
    ref = getattr(torch.nn, cls)(I, H, **extra, **kw).to(getattr(torch, np.dtype(dtype).name))
    assert list(layer.state_dict()) == list(ref.state_dict())
    ref.load_state_dict({k: to_torch(v) for k, v in layer.state_dict().items()})
    return layer, ref


def _states(mode, layer, rng, dtype, batch=B):
    shape = (layer.num_layers * layer.num_directions, batch, H)
    arrays = [rng.standard_normal(shape).astype(dtype) for _ in range(2 if mode == "LSTM" else 1)]
    ours = [tamrin.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(a, requires_grad=True) for a in arrays]
    return ours, theirs


def _flat(out):
    """(output, h_n) or (output, (h_n, c_n)) as a flat list."""
    output, state = out
    return [output, *state] if isinstance(state, tuple) else [output, state]


def _compare(ours_out, ref_out, ours_leaves, ref_leaves, dtype, names):
    rtol, atol = tol(dtype)
    ours_out, ref_out = _flat(ours_out), _flat(ref_out)
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(o.shape).astype(dtype) for o in ours_out]
    for k, (o, r) in enumerate(zip(ours_out, ref_out)):
        assert o.shape == tuple(r.shape) and o.dtype == dtype
        np.testing.assert_allclose(o.numpy(), r.detach().numpy(), rtol, atol, err_msg=f"output {k}")
    sum((o * tamrin.tensor(w)).sum() for o, w in zip(ours_out, weights)).backward()
    sum((r * torch.from_numpy(w)).sum() for r, w in zip(ref_out, weights)).backward()
    for name, a, b in zip(names, ours_leaves, ref_leaves):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol, atol,
                                   err_msg=f"gradient of {name}")


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}{int(v)}"
                                                                    for k, v in c.items()))
def test_layer_matches_torch(mode, config):
    dtype = np.float64
    config = dict(config)
    give_hx = config.pop("hx")
    layer, ref = _pair(mode, dtype, **config)
    rng = np.random.default_rng(0)
    shape = (B, T, I) if config["batch_first"] else (T, B, I)
    x = rng.standard_normal(shape)
    xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    hs, ht = _states(mode, layer, rng, dtype) if give_hx else ([], [])
    out = layer(xs, (tuple(hs) if mode == "LSTM" else hs[0]) if give_hx else None)
    ref_out = ref(xt, (tuple(ht) if mode == "LSTM" else ht[0]) if give_hx else None)
    names = ["input", *(f"hx{k}" for k in range(len(hs))), *dict(layer.named_parameters())]
    _compare(out, ref_out, [xs, *hs, *layer.parameters()], [xt, *ht, *ref.parameters()],
             dtype, names)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM"])
def test_float32_layer_matches_torch(mode):
    layer, ref = _pair(mode, np.float32, num_layers=2, bidirectional=True)
    x = np.random.default_rng(3).standard_normal((T, B, I)).astype(np.float32)
    xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    names = ["input", *dict(layer.named_parameters())]
    _compare(layer(xs), ref(xt), [xs, *layer.parameters()], [xt, *ref.parameters()],
             np.float32, names)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_lengths_match_packed_sequences(mode, batch_first):
    """Padded steps change neither h_n nor the gradients; outputs beyond L are zero."""
    dtype = np.float64
    layer, ref = _pair(mode, dtype, num_layers=2, bidirectional=True, batch_first=batch_first)
    rng = np.random.default_rng(2)
    lengths = np.array([3, 5, 1, 4])
    shape = (4, T, I) if batch_first else (T, 4, I)
    x = rng.standard_normal(shape)
    xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    hs, ht = _states(mode, layer, rng, dtype, batch=4)
    hx_s = tuple(hs) if mode == "LSTM" else hs[0]
    hx_t = tuple(ht) if mode == "LSTM" else ht[0]
    out = layer(xs, hx_s, lengths=lengths)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        xt, torch.from_numpy(lengths), batch_first=batch_first, enforce_sorted=False)
    packed_out, ref_state = ref(packed, hx_t)
    ref_output, _ = torch.nn.utils.rnn.pad_packed_sequence(
        packed_out, batch_first=batch_first, total_length=T)
    names = ["input", *(f"hx{k}" for k in range(len(hs))), *dict(layer.named_parameters())]
    _compare(out, (ref_output, ref_state), [xs, *hs, *layer.parameters()],
             [xt, *ht, *ref.parameters()], dtype, names)
    output = out[0].numpy() if batch_first else out[0].numpy().swapaxes(0, 1)
    for seq, n in zip(output, lengths):
        assert np.all(seq[n:] == 0) and np.any(seq[n - 1] != 0)


@pytest.mark.parametrize("mode", list(MODES))
def test_unbatched_input_matches_torch(mode):
    layer, ref = _pair(mode, np.float64, num_layers=2, bidirectional=True)
    x = np.random.default_rng(4).standard_normal((T, I))
    xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    names = ["input", *dict(layer.named_parameters())]
    _compare(layer(xs), ref(xt), [xs, *layer.parameters()], [xt, *ref.parameters()],
             np.float64, names)


@pytest.mark.parametrize("mode", list(MODES))
def test_dropout_between_layers(mode):
    """p = 1 drops everything between layers in training (deterministic, so PyTorch must
    agree); eval mode ignores dropout."""
    for training in (True, False):
        layer, ref = _pair(mode, np.float64, num_layers=2, dropout=1.0)
        layer.train(training), ref.train(training)
        x = np.random.default_rng(5).standard_normal((T, B, I))
        xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
        names = ["input", *dict(layer.named_parameters())]
        leaves = [xs, *layer.parameters()], [xt, *ref.parameters()]
        if training:  # the input gets no gradient: nothing of it reaches the output
            leaves = leaves[0][1:], leaves[1][1:]
            names = names[1:]
        _compare(layer(xs), ref(xt), *leaves, np.float64, names)


CELLS = {"RNNCell_tanh": ("RNNCell", {}), "RNNCell_relu": ("RNNCell", {"nonlinearity": "relu"}),
         "LSTMCell": ("LSTMCell", {}), "GRUCell": ("GRUCell", {})}


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("give_hx", [True, False])
def test_cell_matches_torch(cell, bias, batched, give_hx):
    name, extra = CELLS[cell]
    ours = getattr(nn, name)(I, H, bias=bias, **extra).double()
    ref = getattr(torch.nn, name)(I, H, bias=bias, **extra).double()
    assert list(ours.state_dict()) == list(ref.state_dict())
    ref.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(6)
    lead = (B,) if batched else ()
    x = rng.standard_normal(lead + (I,))
    xs, xt = tamrin.tensor(x, requires_grad=True), to_torch(x, requires_grad=True)
    n_states = 2 if name == "LSTMCell" else 1
    states = [rng.standard_normal(lead + (H,)) for _ in range(n_states)] if give_hx else []
    hs = [tamrin.tensor(s, requires_grad=True) for s in states]
    ht = [to_torch(s, requires_grad=True) for s in states]

    def hx(s):
        return None if not s else (tuple(s) if n_states == 2 else s[0])

    out, ref_out = ours(xs, hx(hs)), ref(xt, hx(ht))
    out = out if isinstance(out, tuple) else (out,)
    ref_out = ref_out if isinstance(ref_out, tuple) else (ref_out,)
    names = ["input", *(f"hx{k}" for k in range(len(hs))), *dict(ours.named_parameters())]
    _compare((out[0], out[1:]), (ref_out[0], ref_out[1:]), [xs, *hs, *ours.parameters()],
             [xt, *ht, *ref.parameters()], np.float64, names)


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_and_default_init(mode):
    layer = getattr(nn, mode)(I, 50, num_layers=2, bidirectional=True)
    ref = getattr(torch.nn, mode)(I, 50, num_layers=2, bidirectional=True)
    ours = {k: v.shape for k, v in layer.state_dict().items()}
    assert ours == {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    assert "weight_hh_l1_reverse" in ours
    bound = 1 / np.sqrt(50)
    values = np.concatenate([p.numpy().ravel() for p in layer.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound
    np.testing.assert_allclose(values.std(), bound / np.sqrt(3), rtol=0.05)  # U(−b, b)


@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_default_init_is_torch_uniform(cell):
    """PyTorch's cells draw every tensor from U(−1/√H, 1/√H), as the layers do."""
    ours = getattr(nn, cell)(I, 50)
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in getattr(torch.nn, cell)(I, 50).state_dict().items()}
    bound = 1 / np.sqrt(50)
    values = np.concatenate([p.numpy().ravel() for p in ours.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound
    np.testing.assert_allclose(values.std(), bound / np.sqrt(3), rtol=0.05)


def test_clear_errors():
    layer = nn.LSTM(I, H, num_layers=2)
    x = tamrin.randn(T, B, I)
    with pytest.raises(ValueError, match="input has 3 features"):
        layer(tamrin.randn(T, B, 3))
    with pytest.raises(ValueError, match=r"lengths: every length must be in 1\.\.5"):
        layer(x, lengths=[5, 6, 1])
    with pytest.raises(ValueError, match="expected 3 integer lengths"):
        layer(x, lengths=[5, 4])
    with pytest.raises(ValueError, match=r"initial state of shape \(2, 3, 6\)"):
        layer(x, (tamrin.zeros(1, B, H), tamrin.zeros(1, B, H)))
    with pytest.raises(ValueError, match="nonlinearity 'gelu'"):
        nn.RNN(I, H, nonlinearity="gelu")
