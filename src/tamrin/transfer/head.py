"""Replacing a classifier's head for a new number of classes."""

from __future__ import annotations

from tamrin.nn.linear import Linear
from tamrin.nn.module import Module


def replace_head(model: Module, num_classes: int, name: str | None = None) -> Linear:
    """Put a freshly initialised ``Linear(in_features, num_classes)`` in place of the head:
    the Linear at dotted path ``name``, or by default the model's last Linear. The new
    layer takes the old one's position, bias setting and dtype; returns it."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes must be a positive integer, got "
                         f"{num_classes!r}")
    if name is None:
        linears = [n for n, m in model.named_modules() if isinstance(m, Linear) and n]
        if not linears:
            raise ValueError(f"replace_head: {type(model).__name__} has no Linear layer; "
                             "give the head's name")
        name = linears[-1]
    old = model.get_submodule(name)
    if not isinstance(old, Linear):
        raise TypeError(f"replace_head: {name!r} is a {type(old).__name__}, not a Linear")
    parent_name, _, attr = name.rpartition(".")
    new = Linear(old.in_features, num_classes, bias=old.bias is not None,
                 dtype=old.weight.dtype)
    setattr(model.get_submodule(parent_name), attr, new)
    return new
