"""Small synthetic sets for labs and tests: XOR, two spirals, two moons, two circles, blobs,
and linear data with noise and outliers. Each returns float64 ``X`` and int (or float) ``y``;
draws come from ``random_state`` (default: tamrin's generator, so ``tamrin.manual_seed`` fixes
them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.random import RandomState, check_random_state


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator,
              shuffle: bool) -> tuple[np.ndarray, np.ndarray]:
    if not shuffle:
        return X, y
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_xor(n_samples: int = 200, *, noise: float = 0.0,
             random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [−1, 1]², label 1 where exactly one coordinate is positive
    (not linearly separable); ``noise`` adds N(0, noise²) to the points after labelling."""
    rng = check_random_state(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0.0, noise, size=X.shape) if noise else X, y


def make_spirals(n_samples: int = 200, *, noise: float = 0.0, turns: float = 1.5,
                 random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals: r = t, angle = 2π·turns·t + πk for class k, t ~ U(0, 1)."""
    rng = check_random_state(random_state)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, 1.0, size=n_samples)
    angle = 2 * np.pi * turns * t + np.pi * y
    X = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return X + rng.normal(0.0, noise, size=X.shape) if noise else X, y.astype(np.int64)


def make_moons(n_samples: int | tuple[int, int] = 100, *, shuffle: bool = True,
               noise: float | None = None,
               random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``): the outer one
    (cos θ, sin θ), the inner (1 − cos θ, ½ − sin θ), θ ∈ [0, π]."""
    n_out, n_in = (n_samples // 2, n_samples - n_samples // 2) \
        if isinstance(n_samples, int) else n_samples
    rng = check_random_state(random_state)
    outer, inner = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.stack([np.cos(outer), np.sin(outer)], 1),
                   np.stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5], 1)])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X, y = _shuffled(X, y, rng, shuffle)
    return X + rng.normal(0.0, noise, size=X.shape) if noise else X, y


def make_circles(n_samples: int | tuple[int, int] = 100, *, shuffle: bool = True,
                 noise: float | None = None, random_state: RandomState = None,
                 factor: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """A large circle (class 0, radius 1) around a small one (class 1, radius ``factor``),
    as scikit-learn's ``make_circles``: n points evenly spaced in angle on each circle."""
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor must be in [0, 1), got {factor!r}")
    n_out, n_in = (n_samples // 2, n_samples - n_samples // 2) \
        if isinstance(n_samples, int) else n_samples
    rng = check_random_state(random_state)
    outer = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.stack([np.cos(outer), np.sin(outer)], 1),
                   factor * np.stack([np.cos(inner), np.sin(inner)], 1)])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n_in])
    X, y = _shuffled(X, y, rng, shuffle)
    return X + rng.normal(0.0, noise, size=X.shape) if noise else X, y


def make_blobs(n_samples: int = 100, n_features: int = 2, *, centers: Any = None,
               cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
               shuffle: bool = True,
               random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters: ``centers`` (a count, default 3, drawn uniformly in
    ``center_box``, or an array of centres); the first ``n % k`` clusters get one extra."""
    rng = check_random_state(random_state)
    if centers is None or isinstance(centers, int):
        centers = rng.uniform(*center_box, size=(centers or 3, n_features))
    centers = np.asarray(centers, dtype=np.float64)
    k = len(centers)
    sizes = np.full(k, n_samples // k)
    sizes[: n_samples % k] += 1
    y = np.repeat(np.arange(k, dtype=np.int64), sizes)
    X = centers[y] + rng.normal(0.0, cluster_std, size=(n_samples, centers.shape[1]))
    return _shuffled(X, y, rng, shuffle)


def make_linear(n_samples: int = 100, n_features: int = 1, *, weight: Any = None,
                bias: float = 0.0, noise: float = 0.1, n_outliers: int = 0,
                outlier_scale: float = 10.0,
                random_state: RandomState = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y = X·w + b + ε, ε ~ N(0, noise²), X ~ N(0, 1); returns ``(X, y, w)``.

    ``weight`` defaults to a draw from U(−2, 2). ``n_outliers`` targets (at random rows)
    are pushed by ±``outlier_scale``·std(y): the case where L1 and Huber beat MSE.
    """
    rng = check_random_state(random_state)
    w = rng.uniform(-2.0, 2.0, n_features) if weight is None else \
        np.asarray(weight, dtype=np.float64).reshape(n_features)
    X = rng.normal(size=(n_samples, n_features))
    y = X @ w + bias + rng.normal(0.0, noise, n_samples)
    if n_outliers:
        rows = rng.choice(n_samples, n_outliers, replace=False)
        y[rows] += rng.choice([-1.0, 1.0], n_outliers) * outlier_scale * y.std()
    return X, y, w
