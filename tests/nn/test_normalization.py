"""BatchNorm1d/2d and LayerNorm: PyTorch parity in train and eval mode (output, input and
parameter gradients, running statistics over several steps), gradcheck, switches, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
from tamrin import nn

from .helpers import check_layer, gradcheck_layer, torch_state

seeds = st.integers(0, 2**32 - 1)
options = st.fixed_dictionaries({
    "momentum": st.sampled_from([0.1, 0.3, None]),
    "affine": st.booleans(),
    "track_running_stats": st.booleans(),
    "bias": st.booleans(),
})


def _batch(seed, shape):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)


def _perturbed(torch_layer):
    """Random γ, β and running statistics, so eval mode is not the identity."""
    from tests.oracle import torch

    with torch.no_grad():
        for p in torch_layer.parameters():
            p.copy_(torch.randn_like(p))
        if getattr(torch_layer, "running_var", None) is not None:
            torch_layer.running_mean.copy_(torch.randn_like(torch_layer.running_mean))
            torch_layer.running_var.copy_(torch.rand_like(torch_layer.running_var) + 0.5)
    return torch_layer


@pytest.mark.parametrize("kind,extra", [("BatchNorm1d", ()), ("BatchNorm1d", (3,)),
                                        ("BatchNorm2d", (3, 2))])
@given(n=st.integers(2, 5), c=st.integers(1, 4), opts=options, train=st.booleans(), seed=seeds)
def test_batch_norm_matches_torch(kind, extra, n, c, opts, train, seed):
    from tests.oracle import torch

    torch.manual_seed(seed % 2**31)
    theirs = _perturbed(getattr(torch.nn, kind)(c, **opts))
    ours = getattr(nn, kind)(c, **opts)
    check_layer(ours, theirs, _batch(seed, (n, c, *extra)), train=train)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_running_statistics_follow_torch_over_steps(momentum):
    from tests.oracle import torch

    ours, theirs = nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
    ours.double(), theirs.double()
    for step in range(5):
        x = _batch(step, (4, 3, 2, 2))
        ours(tamrin.tensor(x, dtype=np.float64))
        theirs(torch.from_numpy(x))
    for key, value in torch_state(theirs).items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value, rtol=1e-12, err_msg=key)
    assert int(ours.num_batches_tracked.item()) == 5
    # the running variance is the unbiased one: after one step from 1 with momentum 1
    bn = nn.BatchNorm1d(1, momentum=1.0).double()
    bn(tamrin.tensor([[1.0], [3.0]], dtype=np.float64))
    assert bn.running_var.item() == pytest.approx(2.0)  # (1² + 1²)/(2 − 1)
    assert bn.running_mean.item() == pytest.approx(2.0)


@pytest.mark.parametrize("kind,shape", [("BatchNorm1d", (4, 2)), ("BatchNorm1d", (3, 2, 2)),
                                        ("BatchNorm2d", (2, 2, 2, 2))])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_gradcheck(kind, shape, train):
    tamrin.manual_seed(0)
    layer = getattr(nn, kind)(shape[1])
    layer.weight.numpy()[...] = [1.5, -0.7]
    layer.running_mean.numpy()[...] = [0.3, -0.2]
    gradcheck_layer(layer, _batch(1, shape), train=train)


def test_batch_norm_float32_is_kept_and_close_to_torch():
    from tests.oracle import torch

    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    x = _batch(0, (8, 3, 5, 5)).astype(np.float32)
    y = ours(tamrin.tensor(x))
    assert y.dtype == np.float32 and ours.running_var.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input, got shape "
                                         r"\(2, 3, 4, 5\)"):
        nn.BatchNorm1d(3)(tamrin.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"batch_norm: expected input of shape \(N, 3, \*\)"):
        nn.BatchNorm1d(3)(tamrin.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(tamrin.randn(1, 3))
    nn.BatchNorm1d(3).eval()(tamrin.randn(1, 3))  # fine in eval mode


def test_batch_norm_eval_uses_running_statistics():
    bn = nn.BatchNorm1d(2).eval()
    x = tamrin.tensor([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(bn(x).numpy(), x.numpy() / np.sqrt(1 + 1e-5), rtol=1e-6)
    assert bn.num_batches_tracked.item() == 0


@given(lead=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       norm=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       affine=st.booleans(), bias=st.booleans(), seed=seeds)
def test_layer_norm_matches_torch(lead, norm, affine, bias, seed):
    from tests.oracle import torch

    torch.manual_seed(seed % 2**31)
    theirs = _perturbed(torch.nn.LayerNorm(norm, elementwise_affine=affine, bias=bias))
    ours = nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    check_layer(ours, theirs, _batch(seed, (*lead, *norm)))


def test_layer_norm_gradcheck_and_error():
    layer = nn.LayerNorm((2, 3))
    layer.weight.numpy()[...] = np.arange(6).reshape(2, 3) - 2.5
    gradcheck_layer(layer, _batch(0, (2, 2, 3)))
    with pytest.raises(ValueError, match=r"layer_norm: expected input of shape \(\*, 2, 3\)"):
        layer(tamrin.randn(2, 3, 2))
