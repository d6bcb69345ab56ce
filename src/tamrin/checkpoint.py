"""Training checkpoints in safetensors, without pickle: model, optimizer and scheduler
state, epoch, RNG state, and any further training state (history, callbacks).

A safetensors file holds named arrays plus a header of strings. So every state is split in
two: its arrays are stored under a prefix (``model.0.weight``, ``optimizer.state.3.exp_avg``,
``state.callbacks.0.best_weights.0.weight``) and the rest — numbers, strings, lists and
dicts, with each array replaced by a reference to its key — is JSON in the header.
Written atomically by ``tamrin.save``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tamrin.io import load, save
from tamrin.nn.module import Module
from tamrin.random import get_rng_state, set_rng_state
from tamrin.tensor import Tensor

FORMAT = "tamrin-checkpoint-1"
_PARTS = ("optimizer", "scheduler", "state")


def flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able copy of ``obj`` whose arrays are moved into ``arrays`` under
    ``prefix.path`` and replaced by ``{"__array__": key}``."""
    if isinstance(obj, (Tensor, np.ndarray)):
        arrays[prefix] = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        return {"__array__": prefix}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {"__items__": [[flatten(k, f"{prefix}.{k}", arrays),
                               flatten(v, f"{prefix}.{k}", arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [flatten(v, f"{prefix}.{i}", arrays) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"checkpoint: cannot store {prefix!r} of type {type(obj).__name__} "
                    "(only arrays, numbers, strings, lists, tuples and dicts)")


def unflatten(obj: Any, arrays: dict[str, Tensor]) -> Any:
    """Invert ``flatten``: arrays come back as ndarrays (copies, writeable)."""
    if isinstance(obj, list):
        return [unflatten(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            return np.array(arrays[obj["__array__"]].data)
        if "__tuple__" in obj:
            return tuple(unflatten(v, arrays) for v in obj["__tuple__"])
        return {unflatten(k, arrays): unflatten(v, arrays) for k, v in obj["__items__"]}
    return obj


def save_checkpoint(path: str | os.PathLike, model: Module, optimizer: Any = None,
                    scheduler: Any = None, *, epoch: int = 0, state: Any = None,
                    metadata: dict[str, str] | None = None) -> None:
    """Write everything needed to resume: the model's state dict, ``optimizer`` and
    ``scheduler`` state dicts, ``epoch``, tamrin's RNG state and ``state`` (any nested
    training state). ``metadata`` adds plain strings to the header (e.g. the model config)."""
    arrays = {f"model.{k}": v.data for k, v in model.state_dict().items()}
    parts = {"optimizer": optimizer.state_dict() if optimizer is not None else None,
             "scheduler": scheduler.state_dict() if scheduler is not None else None,
             "state": state}
    header = {name: json.dumps(flatten(value, name, arrays)) for name, value in parts.items()}
    header.update(format=FORMAT, epoch=str(epoch), rng=json.dumps(get_rng_state()))
    save(arrays, path, metadata={**(metadata or {}), **header})


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` read: the model's tensors and the rest, decoded."""

    model_state: dict[str, Tensor]
    epoch: int
    optimizer: Any = None
    scheduler: Any = None
    state: Any = None
    rng_state: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The header strings of a safetensors file (without reading its arrays)."""
    from safetensors import safe_open

    with safe_open(os.fspath(path), framework="numpy") as f:
        return dict(f.metadata() or {})


def load_checkpoint(path: str | os.PathLike, model: Module | None = None,
                    optimizer: Any = None, scheduler: Any = None,
                    restore_rng: bool = False) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``, loading it into the given
    model/optimizer/scheduler (and tamrin's generator if ``restore_rng``)."""
    metadata = read_metadata(path)
    if metadata.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} is not a tamrin training checkpoint "
                         f"(format {metadata.get('format')!r}, expected {FORMAT!r}); a bare "
                         "state dict is read with tamrin.load")
    arrays = load(path)
    decoded = {name: unflatten(json.loads(metadata[name]), arrays) for name in _PARTS}
    ckpt = Checkpoint({k[len("model."):]: v for k, v in arrays.items()
                       if k.startswith("model.")},
                      int(metadata["epoch"]), rng_state=json.loads(metadata["rng"]),
                      metadata={k: v for k, v in metadata.items()
                                if k not in (*_PARTS, "format", "epoch", "rng")},
                      **decoded)
    if model is not None:
        model.load_state_dict(ckpt.model_state)
    for obj, name in ((optimizer, "optimizer"), (scheduler, "scheduler")):
        if obj is not None:
            if getattr(ckpt, name) is None:
                raise ValueError(f"load_checkpoint: {path} holds no {name} state")
            obj.load_state_dict(getattr(ckpt, name))
    if restore_rng:
        set_rng_state(ckpt.rng_state)
    return ckpt
