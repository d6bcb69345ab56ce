"""``tamrin.backends``: the backends PyTorch code asks about (``torch.backends.mps``,
``torch.backends.cudnn``); none is present, and their switches change nothing."""

from __future__ import annotations


class _AbsentBackend:
    """A backend that is neither built nor available; its flags may be set (PyTorch code
    sets ``cudnn.deterministic = True``) and have no effect."""

    def __init__(self) -> None:
        self.deterministic = False
        self.benchmark = False
        self.enabled = False

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def is_built() -> bool:
        return False


mps = _AbsentBackend()
cudnn = _AbsentBackend()
