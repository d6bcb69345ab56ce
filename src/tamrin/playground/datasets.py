"""The playground's data: five 2-D toy sets and scikit-learn's 8×8 digits, split into
training and validation parts, with the plane the decision-boundary view draws on.

For a 2-D set the plane is the input plane itself. The digits have 64 inputs, so the view
shows the slice of input space through the training mean along the first two principal
components of the (standardised) training inputs: a plane point z is the input
mean + z·components.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tamrin.data.split import train_test_split
from tamrin.data.synthetic import make_blobs, make_circles, make_moons, make_spirals, make_xor

Maker = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]

BLOB_CENTERS = ((-1.0, -0.6), (1.0, -0.6), (0.0, 1.0))   # three classes, apart but close
BLOB_STD = 0.35


@dataclass(frozen=True)
class DataSpec:
    """A data set: its label, input and class counts, how to draw it, what it needs."""

    label: str
    features: int
    classes: int
    make: Maker
    needs: str | None = None      # a package that must be installed


def _digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from tamrin.data.datasets import load_digits

    bunch = load_digits()
    return bunch.data, bunch.target


DATASETS: dict[str, DataSpec] = {
    "circles": DataSpec("circles", 2, 2,
                        lambda n, rng: make_circles(n, factor=0.5, random_state=rng)),
    "moons": DataSpec("moons", 2, 2, lambda n, rng: make_moons(n, random_state=rng)),
    "xor": DataSpec("XOR", 2, 2, lambda n, rng: make_xor(n, random_state=rng)),
    "spirals": DataSpec("spirals", 2, 2, lambda n, rng: make_spirals(n, random_state=rng)),
    "blobs": DataSpec("Gaussian blobs", 2, 3,
                      lambda n, rng: make_blobs(n, centers=BLOB_CENTERS, cluster_std=BLOB_STD,
                                                random_state=rng)),
    "digits": DataSpec("digits (8×8, 10 classes)", 64, 10, _digits, needs="sklearn"),
}


def output_units(classes: int) -> int:
    """One logit for two classes (sigmoid + BCE), else one per class (softmax + CE)."""
    return 1 if classes == 2 else classes


@dataclass
class Plane:
    """A 2-D plane in input space: input = origin + z @ basis, with the view's extent."""

    origin: np.ndarray            # (features,)
    basis: np.ndarray             # (2, features), orthonormal rows
    extent: tuple[float, float, float, float]   # x_min, x_max, y_min, y_max

    def project(self, x: np.ndarray) -> np.ndarray:
        """Plane coordinates of inputs (for 2-D data: the inputs themselves)."""
        return (x - self.origin) @ self.basis.T

    def grid(self, size: int) -> np.ndarray:
        """Inputs at size × size plane points, row by row from the top (y_max) down."""
        x0, x1, y0, y1 = self.extent
        xs, ys = np.linspace(x0, x1, size), np.linspace(y1, y0, size)
        z = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        return (self.origin + z @ self.basis).astype(np.float32)


def _plane_for(x_train: np.ndarray) -> Plane:
    """The identity plane of 2-D inputs, or the first two principal components."""
    if x_train.shape[1] == 2:
        origin, basis = np.zeros(2), np.eye(2)
    else:
        origin = x_train.mean(axis=0)
        basis = np.linalg.svd(x_train - origin, full_matrices=False)[2][:2]
    z = (x_train - origin) @ basis.T
    lo, hi = z.min(axis=0), z.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-6
    return Plane(origin, basis, (float(lo[0] - pad[0]), float(hi[0] + pad[0]),
                                 float(lo[1] - pad[1]), float(hi[1] + pad[1])))


@dataclass
class PlaygroundData:
    """Training and validation inputs (float32) and labels (int64), and the view's plane."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    classes: int
    plane: Plane


def _standardised(x_train: np.ndarray, x_val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from tamrin.data.transforms import Standardize

    scaler = Standardize().fit(x_train)
    return scaler(x_train), scaler(x_val)


def make_data(name: str, samples: int, noise: float, validation: float,
              seed: int) -> PlaygroundData:
    """Draw data set ``name`` from ``seed``, split it (stratified), standardise the digits
    with the training statistics, and add N(0, noise²) to every input."""
    spec = DATASETS[name]
    rng = np.random.default_rng(seed)
    x, y = spec.make(samples, rng)
    x_tr, x_va, y_tr, y_va = train_test_split(np.asarray(x, np.float64), np.asarray(y),
                                              test_size=validation, random_state=rng,
                                              stratify=y)
    if spec.features > 2:
        x_tr, x_va = _standardised(x_tr, x_va)
    x_tr, x_va = (x + rng.normal(0.0, noise, x.shape) if noise else x for x in (x_tr, x_va))
    return PlaygroundData(x_tr.astype(np.float32), y_tr.astype(np.int64),
                          x_va.astype(np.float32), y_va.astype(np.int64), spec.classes,
                          _plane_for(x_tr))
