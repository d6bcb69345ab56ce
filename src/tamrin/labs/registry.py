"""The lab registry: labs declare themselves with :func:`register` (or :func:`pending`).

Every module of :mod:`tamrin.labs.catalog` is imported on first use, so adding a lab is
adding one file there — nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from tamrin.labs.lab import Lab, RunFn

_LABS: dict[str, Lab] = {}
_DISCOVERED = False


def add(lab: Lab) -> Lab:
    """Put ``lab`` in the registry (its name must be new)."""
    if lab.name in _LABS:
        raise ValueError(f"labs: a lab named {lab.name!r} is already registered")
    if not lab.claims:
        raise ValueError(f"labs: lab {lab.name!r} covers no COURSE.md claim")
    _LABS[lab.name] = lab
    return lab


def register(name: str, title: str, claim: str, claims: tuple[int, ...],
             requires: tuple[str, ...] = ()) -> Callable[[RunFn], RunFn]:
    """Decorator: declare the decorated ``run(quick, seed, out_dir)`` as a lab."""

    def decorate(run: RunFn) -> RunFn:
        add(Lab(name, title, claim, tuple(claims), tuple(requires), run))
        return run

    return decorate


def pending(name: str, title: str, claim: str, claims: tuple[int, ...],
            requires: tuple[str, ...]) -> Lab:
    """Declare a lab whose experiment is not written yet (it reports "not available")."""
    return add(Lab(name, title, claim, tuple(claims), tuple(requires), None))


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
    """Every registered lab, in the order of the first COURSE.md claim each covers."""
    discover()
    return sorted(_LABS.values(), key=lambda lab: (min(lab.claims), lab.name))


def get(name: str) -> Lab:
    """The lab called ``name``; a KeyError lists the known names otherwise."""
    discover()
    if name not in _LABS:
        raise KeyError(f"labs: no lab named {name!r}; known labs: {', '.join(sorted(_LABS))}")
    return _LABS[name]
