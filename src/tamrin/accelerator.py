"""``tamrin.accelerator``: PyTorch's device-agnostic accelerator queries; there is none."""

from __future__ import annotations

from tamrin.device import device


def is_available() -> bool:
    """False: tamrin computes on the CPU only."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """None: no accelerator (PyTorch code then falls back to ``"cpu"``)."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0
