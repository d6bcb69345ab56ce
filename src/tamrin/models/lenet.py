"""LeNet-5 (LeCun et al., 1998) in its modern form: ReLU and max pooling.

    1×28×28 → CONV 6@5×5 pad 2 → ReLU → POOL-2 → CONV 16@5×5 → ReLU → POOL-2
            → FC 120 → ReLU → FC 84 → ReLU → FC num_classes

Shapes: 6×28×28 → 6×14×14 → 16×10×10 → 16×5×5 → 400 → 120 → 84 → 10; 61,706 parameters.
As a ``Sequential`` its state-dict keys (``0.weight``, ``3.weight`` …) are those of the same
``torch.nn.Sequential``.
"""

from __future__ import annotations

from tamrin import nn


class LeNet5(nn.Sequential):
    """LeNet-5 for ``in_channels``×28×28 images (MNIST), ``num_classes`` logits."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )
