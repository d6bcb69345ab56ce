"""Devices: tamrin computes on the CPU only, and says so.

PyTorch code names a device wherever it makes or moves a tensor: ``torch.device("cpu")``,
``x.to(device)``, ``model.cuda()``, ``torch.zeros(3, device=device)``. tamrin accepts every
one of these for the CPU, and raises one clear error for any other device (instead of
quietly computing on the CPU while the code believes it uses a GPU). The usual idiom
``device = "cuda" if torch.cuda.is_available() else "cpu"`` therefore picks the CPU.

A ``device`` compares equal to another device of the same type and index — and, as in
PyTorch, not to a string: ``x.device == "cpu"`` is False, ``x.device.type == "cpu"`` True.
"""

from __future__ import annotations

from typing import Any

KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia")


class device:  # noqa: N801 - PyTorch's name
    """A device descriptor: ``device("cpu")``, ``device("cuda", 0)``, ``device("cuda:1")``.

    Making one is always allowed (as in PyTorch); putting a tensor on a device other than
    the CPU is the error (see ``check``).
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device | int, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):  # torch.device(0): cuda:0
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string, a device or an index, got "
                            f"{type!r} ({type.__class__.__name__})")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES or (number and not number.isdigit()):
            raise RuntimeError(f"Expected one of {', '.join(KNOWN_TYPES)} device type at "
                               f"start of device string: {type}")
        self.type = name
        self.index = int(number) if number else index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def check(dev: Any, where: str = "tensor") -> device:
    """The CPU device for ``dev`` (None, ``"cpu"``, a cpu ``device``); a RuntimeError
    naming what is missing for any other device."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(
            f"{where}: tamrin runs on the CPU only: no {d.type.upper()} backend, so a tensor "
            f"cannot be put on device {str(d)!r}. Use device='cpu' (or pick the device with "
            "torch.cuda.is_available(), which is False here, as PyTorch code usually does)")
    return CPU


def set_default_device(dev: Any) -> None:
    """PyTorch's ``set_default_device``: the CPU (or None) is accepted; it is the only one."""
    check(dev, "set_default_device")


def get_default_device() -> device:
    """The device new tensors are made on: always the CPU."""
    return CPU
