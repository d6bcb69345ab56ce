"""Version counters: how autograd notices that a tensor it needs was changed in place.

Every tensor has a version counter — a one-element list shared with the tensors that share
its storage as views (``detach()``, basic slicing, reshape, transpose …) — and every
in-place write bumps it. A graph node records, when it is made, the versions of its input
tensors and of its outputs. At ``backward()``, if one of those tensors has a new version
*and* an array the node saved for its backward shares memory with it, the backward would
read changed numbers: that is PyTorch's error "one of the variables needed for gradient
computation has been modified by an inplace operation", raised instead of a wrong
gradient. (While no in-place write at all has happened since a node was made — a global
count of writes tells — the check costs one comparison.)

An in-place op on a tensor that is in the graph (``h += b``, ``h.relu_()``) gives that
tensor a new graph node (``tamrin.ops.inplace``); nodes recorded earlier must still send
their gradients to the old value, whose place in the graph a *snapshot* tensor keeps.
``recorded_inputs`` finds, for each input of a node, the tensor as it was recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.dtypes import type_string

WRITES = [0]  # in-place writes so far, over all tensors: a node stores the count it saw


def bump(t: Any) -> None:
    """Count an in-place write into ``t``'s storage (seen by t and by every view of it)."""
    t._version_box[0] += 1
    WRITES[0] += 1


def remember_snapshot(t: Any, version: int, snapshot: Any) -> None:
    """``t`` is about to get a new graph node at ``version``: nodes that recorded it at
    that version or earlier send their gradients to ``snapshot`` (its old value and node)."""
    history = getattr(t, "_history", None)  # unset until the first such write
    if history is None:
        history = t._history = {}
    history[version] = snapshot


def _as_recorded(t: Any, version: int) -> Any:
    """The tensor that held ``t``'s place in the graph when it was at ``version``."""
    history = getattr(t, "_history", None)
    if not history:
        return t
    later = [v for v in history if v >= version]
    return history[min(later)] if later else t


def recorded_inputs(node: Any) -> tuple:
    """The inputs of ``node`` as they were when it was recorded (the graph's edges are those
    that need a gradient, ``node.needs_input_grad``)."""
    if node.stamp == WRITES[0]:
        return node.inputs
    inputs = tuple(x if v is None or x._version_box[0] == v else _as_recorded(x, v)
                   for x, v in zip(node.inputs, node.versions))
    if node.fn.is_view and node.needs_input_grad[0] and inputs[0] is not node.inputs[0] and \
            node.out_boxes[0] is node.inputs[0]._version_box:
        raise RuntimeError(
            f"backward through {node.name()}: this view shares its storage with a tensor "
            "that was changed in place (with autograd) after the view was made, so its "
            "values are the new ones but its history is the old one. tamrin does not "
            "rewrite a view's history (PyTorch does): make the view after the in-place "
            "change, or change a clone().")
    return inputs


def check_unmodified(node: Any) -> None:
    """Raise PyTorch's error if an array that ``node`` saved for its backward belongs to a
    tensor that was changed in place after the node was recorded."""
    if node.stamp == WRITES[0] or not node.saved_arrays:
        return
    for t, version in zip(node.inputs, node.versions):
        if version is not None and t._version_box[0] != version and \
                _saved_overlaps(node, t._array):
            was = _as_recorded(t, version)
            role = "" if was._ctx is None else \
                f", which is output {was._index} of {was._ctx.name()},"
            raise _modified_error(node, t._array, role, t._version_box[0], version)
    for k, (box, version, array) in enumerate(zip(node.out_boxes, node.out_versions,
                                                   node.out_arrays)):
        if box[0] != version and _saved_overlaps(node, array):
            raise _modified_error(node, array, f", which is output {k} of {node.name()},",
                                  box[0], version)


def _saved_overlaps(node: Any, array: np.ndarray) -> bool:
    return any(isinstance(s, np.ndarray) and np.may_share_memory(s, array)
               for s in node.saved_arrays)


def _modified_error(node: Any, array: np.ndarray, role: str, now: int,
                    expected: int) -> RuntimeError:
    shape = ", ".join(str(n) for n in array.shape)
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{type_string(array.dtype)} [{shape}]]{role} is at version "
        f"{now}; expected version {expected} instead (found by the backward of "
        f"{node.name()}). Hint: compute the change out of place (x = x + y instead of "
        "x += y), or clone() the tensor before changing it.")
