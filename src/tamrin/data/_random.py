"""``random_state`` as scikit-learn takes it, drawn from tamrin's generator by default."""

from __future__ import annotations

import numpy as np

from tamrin.random import default_generator

RandomState = int | np.random.Generator | None


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """None → the library generator (``tamrin.manual_seed`` controls it); an int → a new
    generator seeded with it; a Generator → itself."""
    if random_state is None:
        return default_generator()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise TypeError(f"random_state must be None, an int or a numpy Generator, got "
                    f"{type(random_state).__name__}")
