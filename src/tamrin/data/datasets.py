"""Real datasets as arrays plus metadata (``Bunch``): scikit-learn's bundled tables, and
(Fashion-)MNIST from their original IDX files.

Where the IDX files are looked for and fetched from is the data set's chain of places and
sources (``tamrin.data.fetch``, ``tamrin.data.registry``); every file is checked against
its checksum as it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tamrin.data.fetch import FileDataSet, check_file
from tamrin.data.idx import IDXError, read_idx
from tamrin.data.registry import FASHION_MNIST, MNIST


@dataclass
class Bunch:
    """A dataset: ``data`` (samples first), ``target``, and what the values mean."""

    data: np.ndarray
    target: np.ndarray
    target_names: list[str] | None = None
    feature_names: list[str] | None = None
    name: str = ""


# ---- scikit-learn's bundled sets (offline, inside its wheel) -----------------------------

def _sklearn_set(name: str) -> Bunch:
    try:
        from sklearn import datasets
    except ImportError as err:
        raise ImportError(f"load_{name} reads the copy bundled with scikit-learn: "
                          "pip install 'tamrin[labs]' (or scikit-learn)") from err
    raw: Any = getattr(datasets, f"load_{name}")()
    names = getattr(raw, "target_names", None)
    return Bunch(raw.data, raw.target,
                 None if names is None else [str(n) for n in names],
                 [str(f) for f in raw.feature_names], name)


def load_digits() -> Bunch:
    """8×8 handwritten digits: 1797 × 64 features with values 0..16, classes 0–9
    (``data.reshape(-1, 8, 8)`` gives the images)."""
    bunch = _sklearn_set("digits")
    bunch.target_names = [str(d) for d in range(10)]
    return bunch


def load_breast_cancer() -> Bunch:
    """Wisconsin diagnostic breast cancer: 569 × 30, binary (0 malignant, 1 benign)."""
    return _sklearn_set("breast_cancer")


def load_diabetes() -> Bunch:
    """Diabetes progression: 442 × 10 (standardised), a regression target."""
    return _sklearn_set("diabetes")


def load_iris() -> Bunch:
    """Iris flowers: 150 × 4, three classes."""
    return _sklearn_set("iris")


def load_wine() -> Bunch:
    """Wine cultivars: 178 × 13, three classes."""
    return _sklearn_set("wine")


# ---- (Fashion-)MNIST from IDX files ------------------------------------------------------

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
DIGIT_CLASSES = tuple(str(d) for d in range(10))
PIXEL_RANGE = (0, 255)


def read_set_file(dataset: FileDataSet, filename: str, download: bool = True) -> np.ndarray:
    """One IDX file of ``dataset``, found (or fetched) and checked against its checksum."""
    path = dataset.path(filename, fetch=download)
    spec = dataset.spec(filename)
    if spec.sha256 is None:
        check_file(path, spec)  # the official MD5 of an original .gz (raises if corrupt)
    return read_idx(path, sha256=spec.sha256)


def load_idx_set(dataset: FileDataSet, classes: tuple[str, ...], train: bool = True,
                 download: bool = True) -> Bunch:
    """The train (or test) split of an MNIST-like set: uint8 images N×28×28, int64 labels."""
    prefix = "train" if train else "t10k"
    images = read_set_file(dataset, f"{prefix}-images-idx3-ubyte.gz", download)
    labels = read_set_file(dataset, f"{prefix}-labels-idx1-ubyte.gz", download)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IDXError(f"{dataset.name}: images of shape {images.shape} do not match labels "
                       f"of shape {labels.shape} (expected N×H×W and N)")
    if images.dtype != np.uint8:
        raise IDXError(f"{dataset.name}: images are {images.dtype}, expected uint8 pixels in "
                       f"{PIXEL_RANGE[0]}..{PIXEL_RANGE[1]}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(classes)):
        raise IDXError(f"{dataset.name}: labels range over {labels.min()}..{labels.max()}, "
                       f"expected 0..{len(classes) - 1} ({len(classes)} classes)")
    return Bunch(images, labels.astype(np.int64), list(classes), None,
                 f"{dataset.name}-{'train' if train else 'test'}")


def load_fashion_mnist(train: bool = True, download: bool = True) -> Bunch:
    """Fashion-MNIST (Zalando): 60,000 train / 10,000 test 28×28 grey images, 10 classes.
    Fetched on first use (``tamrin data fetch fashion-mnist``) unless ``download=False``."""
    return load_idx_set(FASHION_MNIST, FASHION_CLASSES, train, download)


def load_mnist(train: bool = True, download: bool = True) -> Bunch:
    """MNIST handwritten digits: 60,000 train / 10,000 test 28×28 grey images."""
    return load_idx_set(MNIST, DIGIT_CLASSES, train, download)
