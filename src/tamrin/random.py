"""One random generator for every draw in the library (init, dropout, shuffling, augmentation).

``tamrin.manual_seed(s)`` reseeds it, so a whole run is reproducible from one number;
``get_rng_state``/``set_rng_state`` save and restore it (checkpoints use them to resume).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_GENERATOR = np.random.Generator(np.random.PCG64())


def default_generator() -> np.random.Generator:
    """The library-wide NumPy generator (reseeded in place by ``manual_seed``)."""
    return _GENERATOR


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator: every later random draw follows from ``seed``."""
    _GENERATOR.bit_generator.state = np.random.PCG64(int(seed)).state
    return _GENERATOR


def seed() -> int:
    """Reseed from the operating system's entropy; returns the seed used."""
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def get_rng_state() -> dict[str, Any]:
    """The generator's full state (a JSON-able dict)."""
    return _GENERATOR.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by ``get_rng_state``."""
    _GENERATOR.bit_generator.state = state
