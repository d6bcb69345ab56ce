"""Real datasets as arrays plus metadata (``Bunch``): scikit-learn's bundled tables, and
(Fashion-)MNIST from their original IDX files.

Fashion-MNIST and MNIST are looked for, in order, in ``data_dir()/<name>/`` (``$TAMRIN_DATA``),
in the folder where a system package put them (Debian's ``dataset-fashion-mnist`` installs
``/usr/share/datasets/fashion-mnist/``), and otherwise downloaded from the official source
into ``data_dir()/<name>/`` (md5-checked, written atomically). With no network, the error
says what to install.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tamrin.data.cache import data_dir
from tamrin.data.idx import IDXError, read_idx


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

@dataclass(frozen=True)
class IDXSource:
    """Where the four IDX files of an MNIST-like set live, and what they must hash to."""

    name: str
    classes: tuple[str, ...]
    mirrors: tuple[str, ...]
    md5: dict[str, str]
    system_dirs: tuple[str, ...] = ()
    install_hint: str = ""


FASHION_MNIST = IDXSource(
    "fashion-mnist",
    ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
     "Bag", "Ankle boot"),
    ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    {"train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
     "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
     "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
     "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310"},
    ("/usr/share/datasets/fashion-mnist",),
    "install Debian's package (as root): apt-get update && apt-get install -y "
    "dataset-fashion-mnist",
)

MNIST = IDXSource(
    "mnist",
    tuple(str(d) for d in range(10)),
    ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    {"train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
     "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
     "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
     "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"},
)


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, dest: Path, md5: str | None = None) -> Path:
    """Fetch ``url`` into ``dest`` atomically (temp file + rename), checking its md5."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
        if md5 is not None and _md5(Path(tmp)) != md5:
            raise OSError(f"{url}: md5 mismatch (corrupt or tampered download)")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def find_idx_file(source: IDXSource, filename: str, download_missing: bool = True) -> Path:
    """The path of one of the set's files (gzipped or not), downloading it if needed."""
    local = data_dir() / source.name
    for folder in (local, *map(Path, source.system_dirs)):
        for candidate in (folder / filename, folder / filename.removesuffix(".gz")):
            if candidate.is_file():
                return candidate
    errors = []
    if download_missing:
        for mirror in source.mirrors:
            try:
                return download(mirror + filename, local / filename, source.md5.get(filename))
            except OSError as err:  # URLError and HTTPError are OSErrors
                errors.append(f"{mirror}: {err}")
    where = ", ".join(str(p) for p in (local, *source.system_dirs))
    tried = ("; download failed: " + "; ".join(errors)) if errors else ""
    hint = f" To get it, {source.install_hint}, or" if source.install_hint else " Either"
    raise FileNotFoundError(
        f"{source.name}: {filename} is not in {where}{tried}.{hint} put the original IDX "
        f"files in {local} (or set TAMRIN_DATA to a folder holding {source.name}/)")


def load_idx_set(source: IDXSource, train: bool = True, download: bool = True) -> Bunch:
    """The train (or test) split of an MNIST-like set: uint8 images N×28×28, int64 labels."""
    prefix = "train" if train else "t10k"
    images = read_idx(find_idx_file(source, f"{prefix}-images-idx3-ubyte.gz", download))
    labels = read_idx(find_idx_file(source, f"{prefix}-labels-idx1-ubyte.gz", download))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IDXError(f"{source.name}: images of shape {images.shape} do not match labels "
                       f"of shape {labels.shape} (expected N×H×W and N)")
    if labels.size and labels.max() >= len(source.classes):
        raise IDXError(f"{source.name}: label {labels.max()} is out of range for "
                       f"{len(source.classes)} classes")
    return Bunch(images, labels.astype(np.int64), list(source.classes), None,
                 f"{source.name}-{'train' if train else 'test'}")


def load_fashion_mnist(train: bool = True, download: bool = True) -> Bunch:
    """Fashion-MNIST (Zalando): 60,000 train / 10,000 test 28×28 grey images, 10 classes."""
    return load_idx_set(FASHION_MNIST, train, download)


def load_mnist(train: bool = True, download: bool = True) -> Bunch:
    """MNIST handwritten digits: 60,000 train / 10,000 test 28×28 grey images."""
    return load_idx_set(MNIST, train, download)
