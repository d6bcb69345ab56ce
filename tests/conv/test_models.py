"""LeNet5, BasicBlock and ResNet against the same networks written with torch.nn (state
dicts loaded across, train mode so BatchNorm2d uses batch statistics): outputs, every
gradient and the running statistics agree; the residual shortcut y = F(x) + x."""

import numpy as np
import pytest

import tamrin
from tamrin.models import BasicBlock, LeNet5, ResNet
from tests.nn.helpers import check_layer

pytestmark = pytest.mark.usefixtures("conv_layout")

torch = pytest.importorskip("torch", reason="PyTorch is the parity oracle")
tnn = torch.nn


class TorchBasicBlock(tnn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = tnn.Sequential(tnn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                             tnn.BatchNorm2d(planes))

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + shortcut)


class TorchResNet(tnn.Module):
    def __init__(self, layers, widths, num_classes, in_channels):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(widths[0])
        self.relu = tnn.ReLU()
        in_planes = widths[0]
        for s, (blocks, planes) in enumerate(zip(layers, widths)):
            stage = [TorchBasicBlock(in_planes, planes, 1 if s == 0 else 2)]
            stage += [TorchBasicBlock(planes, planes) for _ in range(blocks - 1)]
            self.add_module(f"layer{s + 1}", tnn.Sequential(*stage))
            in_planes = planes
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.flatten = tnn.Flatten()
        self.fc = tnn.Linear(in_planes, num_classes)

    def forward(self, x):
        for module in self.children():
            x = module(x)
        return x


def torch_lenet():
    return tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))


def test_lenet5_matches_torch_and_has_61706_parameters():
    model = LeNet5()
    assert sum(p.numel() for p in model.parameters()) == 61706
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28))
    check_layer(model, torch_lenet(), x, input_grad=False)


@pytest.mark.parametrize("in_planes, planes, stride", [(4, 4, 1), (4, 6, 2), (3, 5, 1)])
@pytest.mark.parametrize("train", [True, False])
def test_basic_block_matches_torch(in_planes, planes, stride, train):
    x = np.random.default_rng(stride).standard_normal((2, in_planes, 6, 5))
    block = BasicBlock(in_planes, planes, stride)
    assert (block.downsample is None) == (stride == 1 and in_planes == planes)
    check_layer(block, TorchBasicBlock(in_planes, planes, stride), x, train=train)


def test_small_resnet_matches_torch_in_training_mode():
    x = np.random.default_rng(3).standard_normal((4, 3, 8, 8))
    check_layer(ResNet((1, 2), (4, 8), num_classes=5, in_channels=3),
                TorchResNet((1, 2), (4, 8), 5, 3), x)


def test_identity_shortcut_passes_the_gradient_through_unchanged():
    """y = F(x) + x: with F's last BN scaled to zero, F(x) = β = 0 and y = ReLU(x), so
    dL/dx = dL/dy wherever x > 0 (the '+1' of ∂y/∂x = ∂F/∂x + 1)."""
    block = BasicBlock(3, 3)
    block.bn2.weight.numpy()[...] = 0
    x = tamrin.tensor(np.abs(np.random.default_rng(0).standard_normal((2, 3, 4, 4))) + 0.1,
                      requires_grad=True)
    y = block(x)
    np.testing.assert_allclose(y.numpy(), x.numpy(), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.0, rtol=1e-6)


def test_resnet_rejects_mismatched_layers_and_widths():
    with pytest.raises(ValueError, match="same length"):
        ResNet((2, 2), (16,))
