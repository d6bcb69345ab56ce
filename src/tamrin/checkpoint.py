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
MAX_DEPTH = 64  # JSON nesting allowed in a header; a real training state nests < 10 deep
_PARTS = ("optimizer", "scheduler", "state")


def flatten(obj: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """A JSON-able copy of ``obj`` whose arrays are moved into ``arrays`` under
    ``prefix.path`` and replaced by ``{"__array__": key}``."""
    if isinstance(obj, (Tensor, np.ndarray)):
        arrays[prefix] = np.asarray(obj._array if isinstance(obj, Tensor) else obj)
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
            return np.array(arrays[obj["__array__"]]._array)
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
    arrays = {f"model.{k}": v._array for k, v in model.state_dict().items()}
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


class CheckpointError(ValueError):
    """A file that is not a readable tamrin checkpoint, or whose header is malformed."""


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The header strings of a safetensors file (without reading its arrays)."""
    from safetensors import safe_open

    try:
        with safe_open(os.fspath(path), framework="numpy") as f:
            return dict(f.metadata() or {})
    except FileNotFoundError:
        raise
    except Exception as err:  # safetensors' own error types: truncated, empty, foreign
        raise CheckpointError(f"{os.fspath(path)}: not a valid safetensors file ({err})") \
            from None


def _json(metadata: dict[str, str], key: str, path: str | os.PathLike) -> Any:
    """Header entry ``key`` decoded from JSON, no deeper than MAX_DEPTH."""
    if key not in metadata:
        raise CheckpointError(f"{os.fspath(path)}: the checkpoint header has no {key!r} entry "
                              "(it was not written by tamrin's save_checkpoint, or it is "
                              "damaged)")
    try:
        value = json.loads(metadata[key])
    except (ValueError, RecursionError) as err:
        raise CheckpointError(f"{os.fspath(path)}: header entry {key!r} is not valid JSON "
                              f"({str(err)[:80]})") from None
    _check_depth(value, key, path)
    return value


def _check_depth(value: Any, key: str, path: str | os.PathLike) -> None:
    """Reject nesting deeper than MAX_DEPTH (iteratively: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CheckpointError(f"{os.fspath(path)}: header entry {key!r} nests deeper than "
                                  f"{MAX_DEPTH} levels (a real training state never does)")
        children = item.values() if isinstance(item, dict) else \
            item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)


def _epoch(metadata: dict[str, str], path: str | os.PathLike) -> int:
    text = metadata.get("epoch", "")
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise CheckpointError(f"{os.fspath(path)}: header entry 'epoch' must be a "
                              f"non-negative integer, got {text[:40]!r}")
    return int(text)


def _decode_part(value: Any, arrays: dict[str, Tensor], name: str,
                 path: str | os.PathLike) -> Any:
    try:
        return unflatten(value, arrays)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CheckpointError(f"{os.fspath(path)}: header entry {name!r} is malformed "
                              f"({type(err).__name__}: {str(err)[:80]})") from None


def load_checkpoint(path: str | os.PathLike, model: Module | None = None,
                    optimizer: Any = None, scheduler: Any = None,
                    restore_rng: bool = False) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``, loading it into the given
    model/optimizer/scheduler (and tamrin's generator if ``restore_rng``). Everything in
    the header is checked (types, ranges, nesting depth; the optimizer's hyper-parameters
    as its constructor would) and a bad file is one CheckpointError naming it."""
    metadata = read_metadata(path)
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{os.fspath(path)} is not a tamrin training checkpoint (format "
                              f"{metadata.get('format')!r}, expected {FORMAT!r}); a bare "
                              "state dict is read with tamrin.load")
    arrays = load(path)
    decoded = {name: _decode_part(_json(metadata, name, path), arrays, name, path)
               for name in _PARTS}
    rng = _json(metadata, "rng", path)
    if not isinstance(rng, dict):
        raise CheckpointError(f"{os.fspath(path)}: header entry 'rng' must be a generator "
                              f"state (a JSON object), got {type(rng).__name__}")
    ckpt = Checkpoint({k[len("model."):]: v for k, v in arrays.items()
                       if k.startswith("model.")},
                      _epoch(metadata, path), rng_state=rng,
                      metadata={k: v for k, v in metadata.items()
                                if k not in (*_PARTS, "format", "epoch", "rng")},
                      **decoded)
    _restore_into(ckpt, path, model, optimizer, scheduler, restore_rng)
    return ckpt


def _restore_into(ckpt: Checkpoint, path: str | os.PathLike, model: Module | None,
                  optimizer: Any, scheduler: Any, restore_rng: bool) -> None:
    if model is not None:
        model.load_state_dict(ckpt.model_state)
    for obj, name in ((optimizer, "optimizer"), (scheduler, "scheduler")):
        if obj is not None:
            if getattr(ckpt, name) is None:
                raise CheckpointError(f"load_checkpoint: {path} holds no {name} state")
            try:
                obj.load_state_dict(getattr(ckpt, name))
            except (KeyError, TypeError, AttributeError) as err:
                raise CheckpointError(f"{os.fspath(path)}: the {name} state is malformed "
                                      f"({type(err).__name__}: {str(err)[:80]})") from None
    if restore_rng:
        try:
            set_rng_state(ckpt.rng_state)
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"{os.fspath(path)}: the generator state is malformed "
                                  f"({str(err)[:80]})") from None
