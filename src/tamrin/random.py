"""One random generator for every draw in the library (init, dropout, shuffling, augmentation).

``tamrin.manual_seed(s)`` reseeds it, so a whole run is reproducible from one number;
``get_rng_state``/``set_rng_state`` save and restore it (checkpoints use them to resume).
``tamrin.Generator`` is PyTorch's ``torch.Generator``: a separate NumPy generator with
``manual_seed``, accepted wherever a function takes ``generator=``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.device import check as check_device

_GENERATOR = np.random.Generator(np.random.PCG64())


class Generator(np.random.Generator):
    """A generator of its own (``torch.Generator``): ``Generator().manual_seed(42)``. It is a
    NumPy ``Generator``, so every ``generator=`` argument of the library takes it."""

    def __init__(self, device: str = "cpu") -> None:
        check_device(device, "Generator")
        super().__init__(np.random.PCG64())
        self._seed = 0
        self.manual_seed(0)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator itself (for ``Generator().manual_seed(s)``)."""
        self._seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def initial_seed(self) -> int:
        return self._seed


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


RandomState = int | np.random.Generator | None


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """``random_state`` as scikit-learn takes it: None → the library generator (so
    ``tamrin.manual_seed`` controls it), an int → a new generator seeded with it, a
    Generator → itself. Anything else is a ValueError (as scikit-learn)."""
    if random_state is None:
        return _GENERATOR
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got "
                     f"{random_state!r}")
