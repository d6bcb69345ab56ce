"""Residual networks: the BasicBlock y = ReLU(F(x) + shortcut(x)) and a small ResNet.

F(x) = BN(conv3×3(ReLU(BN(conv3×3(x))))). The shortcut is the identity when the shapes
match, else a 1×1 convolution with the block's stride followed by batch norm (PyTorch's
``downsample``). Because ∂y/∂x = ∂F/∂x + ∂shortcut/∂x, the identity path hands the
gradient back unchanged (the "+1" of claim 25): deep stacks stay trainable.

Names follow torchvision (``conv1``, ``bn1``, ``layer1.0.conv2``, ``downsample.0``, ``fc``),
so the state-dict keys match the same model written with ``torch.nn``.
"""

from __future__ import annotations

from collections.abc import Sequence

from tamrin import nn
from tamrin.tensor import Tensor


def _conv3x3(in_planes: int, planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """y = ReLU(BN(conv3×3(ReLU(BN(conv3×3(x))))) + shortcut(x)); the first conv carries
    the stride; shortcut = identity, or 1×1 conv (stride) + BN when the shape changes."""

    expansion = 1

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_planes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
        else:
            self.downsample = None

    def forward(self, x: Tensor) -> Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """A small ResNet for small images (CIFAR/MNIST style):

        stem conv3×3(in_channels → widths[0]) + BN + ReLU
        → stage s: ``layers[s]`` BasicBlocks of width ``widths[s]`` (stride 2 from stage 2 on)
        → global average pooling → flatten → Linear(widths[-1] → num_classes)

    ``ResNet((2, 2, 2, 2), (64, 128, 256, 512))`` is ResNet-18's body with a 3×3 stem.
    """

    def __init__(self, layers: Sequence[int] = (2, 2, 2), widths: Sequence[int] = (16, 32, 64),
                 num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        if len(layers) != len(widths) or not layers or min(layers) < 1:
            raise ValueError(f"ResNet: layers {tuple(layers)} and widths {tuple(widths)} must "
                             "be non-empty, of the same length, with at least one block each")
        self.conv1 = _conv3x3(in_channels, widths[0])
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        in_planes = widths[0]
        for s, (blocks, planes) in enumerate(zip(layers, widths)):
            stride = 1 if s == 0 else 2
            stage = [BasicBlock(in_planes, planes, stride)]
            stage += [BasicBlock(planes, planes) for _ in range(blocks - 1)]
            self.add_module(f"layer{s + 1}", nn.Sequential(*stage))
            in_planes = planes
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(in_planes, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        for module in self.children():
            x = module(x)
        return x
