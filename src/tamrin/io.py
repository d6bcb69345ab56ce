"""Checkpoints: ``tamrin.save(state_dict, path)`` and ``tamrin.load(path)``.

The format is safetensors (a JSON header of names, dtypes and shapes, then raw bytes): no
pickle, nothing executable, and PyTorch reads it with ``safetensors.torch.load_file`` — so a
state dict moves between the two libraries. Writes are atomic (``tamrin.atomic``): a crash
mid-write leaves the previous checkpoint intact, never a truncated one.

PyTorch code such as ``torch.save(model.state_dict(), "model.pth")`` and
``model.load_state_dict(torch.load("model.pth", weights_only=True))`` runs unchanged (the
file is safetensors whatever its name). What pickle alone can hold — a whole model, a bare
tensor, a list — is refused with an error that says what to save instead, and a PyTorch
pickle file is refused on loading with an error naming safetensors.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
from safetensors.numpy import load as _decode
from safetensors.numpy import save as _encode

from tamrin.atomic import atomic_write_bytes
from tamrin.device import check as check_device
from tamrin.tensor import Tensor

PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")  # a pickle stream; torch.save's zip archive


def _as_array(key: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value._array
    if not isinstance(value, np.ndarray):
        raise TypeError(f"save: value {key!r} is a {type(value).__name__}; a checkpoint holds "
                        "only tensors (a state dict of Tensors or ndarrays)")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"save: value {key!r} has dtype {value.dtype}; a checkpoint holds only "
                        "numeric tensors (bool, int, uint or float)")
    return value if value.flags.c_contiguous else value.copy(order="C")  # keeps 0-d 0-d


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"save: state dict keys must be strings, got {key!r} "
                        f"({type(key).__name__})")
    return key


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    if not metadata:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f"save: metadata must be a dict of strings, got "
                        f"{type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"save: metadata must map strings to strings; {key!r} maps to "
                            f"{value!r} ({type(value).__name__}); convert it with str() or "
                            "json.dumps()")
    return dict(metadata)


def save(state_dict: Mapping[str, Any], path: str | os.PathLike,
         metadata: Mapping[str, str] | None = None) -> None:
    """Write ``state_dict`` (name → Tensor or ndarray) to ``path`` in safetensors format,
    atomically. ``metadata`` is an optional dict of strings stored in the header."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"save: tamrin saves state dicts (a mapping of names to tensors, such as "
            f"model.state_dict()) in safetensors format, which cannot run code when loaded; "
            f"got a {type(state_dict).__name__}. Save model.state_dict() rather than a "
            "model, and {'x': x} rather than a bare tensor or a list.")
    arrays = {_key(key): _as_array(key, value) for key, value in state_dict.items()}
    payload = _encode(arrays, metadata=_metadata(metadata))
    atomic_write_bytes(path, payload)


def load(path: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None,
         mmap: bool | None = None) -> OrderedDict[str, Tensor]:
    """Read a safetensors checkpoint: a dict name → Tensor (ready for ``load_state_dict``;
    the keys come in the file's order, which safetensors sorts, not in the saved order).
    ``map_location`` may name the CPU; ``weights_only`` is always true of safetensors."""
    if map_location is not None and not callable(map_location) and \
            not isinstance(map_location, Mapping):
        check_device(map_location, "load")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        arrays = _decode(raw)
    except Exception as e:  # safetensors' own error type: a truncated or foreign file
        if raw.startswith(PICKLE_MAGIC):
            raise ValueError(
                f"load: {os.fspath(path)!r} is a pickle file (PyTorch's torch.save format); "
                "tamrin reads only safetensors checkpoints, which cannot run code when "
                "loaded. Convert it with PyTorch: safetensors.torch.save_file("
                "torch.load(path), 'model.safetensors').") from None
        raise ValueError(f"load: {os.fspath(path)!r} is not a valid safetensors checkpoint "
                         f"({e})") from e
    return OrderedDict((key, Tensor._make(value)) for key, value in arrays.items())
