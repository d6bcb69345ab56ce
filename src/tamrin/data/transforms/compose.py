"""Compose and ToTensor: chaining transforms, and images into float tensors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.tensor import Tensor


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class ToTensor:
    """An H×W or H×W×C image → a C×H×W float32 Tensor; uint8 values are scaled to [0, 1].

    (As torchvision's ``ToTensor``: the channel axis moves first and 0..255 becomes 0..1.)
    """

    def __call__(self, image: Any) -> Tensor:
        arr = np.asarray(image._array if isinstance(image, Tensor) else image)
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim == 3:
            arr = arr.transpose(2, 0, 1)
        else:
            raise ValueError(f"ToTensor: expected an H×W or H×W×C image, got shape {arr.shape}")
        out = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else \
            arr.astype(np.float32)
        return as_tensor(np.ascontiguousarray(out))

    def __repr__(self) -> str:
        return "ToTensor()"
