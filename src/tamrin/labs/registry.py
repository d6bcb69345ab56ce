"""The lab registry: each catalog module declares its lab with :func:`register`.

Every module of :mod:`tamrin.labs.catalog` is imported on first use, so adding a lab is
adding one file there — nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil

from tamrin.labs.lab import Lab

_LABS: dict[str, Lab] = {}
_DISCOVERED = False


def register(lab: Lab) -> Lab:
    """Declare ``lab`` (a catalog module ends with ``LAB = register(Lab(...))``); its name
    must be new."""
    if lab.name in _LABS:
        raise ValueError(f"labs: a lab named {lab.name!r} is already registered")
    if not lab.claims:
        raise ValueError(f"labs: lab {lab.name!r} covers no claim of docs/course.md")
    _LABS[lab.name] = lab
    return lab


def discover() -> None:
    """Import every lab module of :mod:`tamrin.labs.catalog` (once)."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    from tamrin.labs import catalog

    for info in pkgutil.iter_modules(catalog.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{catalog.__name__}.{info.name}")
    _DISCOVERED = True


def all_labs() -> list[Lab]:
    """Every registered lab, in the order of the first course claim each covers."""
    discover()
    return sorted(_LABS.values(), key=lambda lab: (min(lab.claims), lab.name))


def get(name: str) -> Lab:
    """The lab called ``name``; a KeyError lists the known names otherwise."""
    discover()
    if name not in _LABS:
        raise KeyError(f"labs: no lab named {name!r}; known labs: {', '.join(sorted(_LABS))}")
    return _LABS[name]
