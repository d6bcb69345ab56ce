"""Upsample: resize feature maps by nearest or bilinear interpolation (no parameters)."""

from __future__ import annotations

from typing import Any

from tamrin.nn.module import Module
from tamrin.ops.interpolate import interpolate
from tamrin.tensor import Tensor


class Upsample(Module):
    """Resize (N, C, H, W) to ``size`` or by ``scale_factor``: 'nearest' repeats pixels,
    'bilinear' blends the 2×2 nearest ones (``align_corners`` as PyTorch)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if scale_factor is not None:
            scale_factor = (tuple(float(f) for f in scale_factor)
                            if isinstance(scale_factor, (tuple, list)) else float(scale_factor))
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"size={self.size}" if self.size is not None
                else f"scale_factor={self.scale_factor!r}")
        return f"{info}, mode={self.mode!r}"
