"""``tamrin.cuda``: there is no CUDA backend, and these answers say so (as ``torch.cuda``
does on a machine without a GPU)."""

from __future__ import annotations


def is_available() -> bool:
    """False: tamrin computes on the CPU only."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def manual_seed(seed: int) -> None:
    """Seeding a GPU that is not there does nothing, as in PyTorch without CUDA."""


manual_seed_all = manual_seed
