"""nn.Conv2d, nn.ConvTranspose2d and the pooling / upsampling layers: PyTorch's state-dict
keys, default initialisation, repr, and forward/backward equal to torch.nn's with the same
weights; gradcheck of the layers."""

import math

import numpy as np
import pytest

import tamrin
from tamrin import nn
from tests.nn.helpers import check_layer, gradcheck_layer

pytestmark = pytest.mark.usefixtures("conv_layout")

torch_nn = pytest.importorskip("torch.nn", reason="PyTorch is the parity oracle")

LAYERS = {
    "conv": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
    "conv-groups-same": (lambda m: m.Conv2d(4, 6, (2, 3), padding="same", groups=2,
                                            bias=False), (2, 4, 5, 5)),
    "conv-dilated": (lambda m: m.Conv2d(2, 3, 3, dilation=2, padding=(1, 0)), (1, 2, 7, 8)),
    "conv-transpose": (lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                   output_padding=1), (2, 3, 4, 3)),
    "conv-transpose-groups": (lambda m: m.ConvTranspose2d(4, 6, 2, groups=2, dilation=2),
                              (1, 4, 3, 3)),
    "maxpool": (lambda m: m.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 7, 6)),
    "avgpool": (lambda m: m.AvgPool2d(2, count_include_pad=False, padding=1), (2, 3, 5, 6)),
    "adaptive": (lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 7)),
    "upsample-bilinear": (lambda m: m.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name):
    make, shape = LAYERS[name]
    x = np.random.default_rng(0).standard_normal(shape)
    check_layer(make(nn), make(torch_nn), x)


@pytest.mark.parametrize("name", ["conv", "conv-groups-same", "conv-transpose-groups"])
def test_layer_gradcheck(name):
    make, shape = LAYERS[name]
    gradcheck_layer(make(nn), np.random.default_rng(1).standard_normal(shape))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_repr_and_state_dict_keys_match_torch(name):
    make, _ = LAYERS[name]
    ours, theirs = make(nn), make(torch_nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape)


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(6, 16, 5), 6 * 25), (lambda: nn.Conv2d(8, 4, 3, groups=4), 2 * 9),
    (lambda: nn.ConvTranspose2d(4, 6, 3), 6 * 9),
])
def test_default_init_is_uniform_one_over_sqrt_fan_in_and_seeded(make, fan_in):
    tamrin.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p.numpy()).max() <= bound
    std = layer.weight.numpy().std()  # U(−b, b) has standard deviation b/√3
    assert abs(std - bound / math.sqrt(3)) < 0.25 * bound / math.sqrt(3)
    tamrin.manual_seed(0)
    np.testing.assert_array_equal(make().weight.numpy(), layer.weight.numpy())


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "groups"),
    (lambda: nn.Conv2d(3, 4, 3, padding_mode="reflect"), "padding_mode"),
    (lambda: nn.Conv2d(3, 4, 3, stride=2, padding="same"), "strided"),
    (lambda: nn.Conv2d(3, 4, 0), "kernel_size"),
])
def test_bad_arguments_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()
