"""Per-layer learning rates as optimizer parameter groups.

Fine-tuning a pretrained network, early layers (generic edges and textures) should move
little and the new head a lot. ``layerwise_lr_groups`` returns the ``param_groups`` list an
optimizer takes (``optim.SGD(layerwise_lr_groups(model, 0.1, decay=0.5))``), either

- with ``decay`` d: the model's L top-level children with parameters, last to first, get
  lr = base_lr · d^(L−1−i) for child i (discriminative fine-tuning), or
- with ``lr_map`` {name prefix: lr}: each parameter takes the lr of the longest prefix
  (``"features"``, ``"features.0"``) that matches its dotted name, else ``base_lr``.

An lr of 0 freezes a group: the optimizer multiplies its every update by 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tamrin.nn.module import Module


def _matches(name: str, prefix: str) -> bool:
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def _by_prefix(model: Module, base_lr: float,
               lr_map: Mapping[str, float]) -> list[dict[str, Any]]:
    names = dict(model.named_parameters())
    for prefix in lr_map:
        if not any(_matches(name, prefix) for name in names):
            raise ValueError(f"layerwise_lr_groups: no parameter of {type(model).__name__} "
                             f"is under {prefix!r}; parameters: {list(names)}")
    groups: dict[str, list] = {}
    for name, p in names.items():
        keys = [k for k in lr_map if _matches(name, k)]
        groups.setdefault(max(keys, key=len) if keys else None, []).append((name, p))
    return [{"params": params, "lr": base_lr if key is None else float(lr_map[key])}
            for key, params in groups.items()]


def _by_depth(model: Module, base_lr: float, decay: float) -> list[dict[str, Any]]:
    children = [(name, list(child.named_parameters(prefix=name)))
                for name, child in model.named_children()]
    children = [(name, params) for name, params in children if params]
    own = list(model.named_parameters(recurse=False))
    if own:
        raise ValueError(f"layerwise_lr_groups: {type(model).__name__} has parameters of its "
                         f"own ({[n for n, _ in own]}); use lr_map to place them")
    last = len(children) - 1
    return [{"params": params, "lr": base_lr * decay ** (last - i)}
            for i, (_, params) in enumerate(children)]


def layerwise_lr_groups(model: Module, base_lr: float, decay: float | None = None,
                        lr_map: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """Optimizer param groups with per-layer learning rates (see the module docstring);
    parameters are given as (name, Parameter) so optimizer errors name them."""
    if decay is not None and lr_map is not None:
        raise ValueError("layerwise_lr_groups: give decay or lr_map, not both")
    if decay is not None:
        if decay < 0:
            raise ValueError(f"layerwise_lr_groups: decay must be >= 0, got {decay}")
        return _by_depth(model, base_lr, decay)
    return _by_prefix(model, base_lr, lr_map or {})
