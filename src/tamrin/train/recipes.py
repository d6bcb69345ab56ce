"""Ready-made data and model set-ups for the ``tamrin train`` / ``tamrin evaluate``
commands: each dataset's fixed test split and preprocessing, and the models by name.

Preprocessing is fitted on the training split only (a pixel mean and standard deviation)
and saved with the checkpoint, so ``evaluate`` applies exactly the same transform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tamrin import models
from tamrin.data import TensorDataset, train_test_split
from tamrin.data.datasets import load_digits, load_fashion_mnist, load_mnist
from tamrin.data.transforms import Standardize
from tamrin.nn.module import Module

DATASETS = ("digits", "fashion-mnist", "mnist")
MODELS = ("mlp", "lenet", "resnet")
DIGITS_TEST_SEED = 0  # the digits test split never changes with the training seed


@dataclass
class RawSplit:
    """Images N×1×H×W in [0, 1] and labels."""

    X: np.ndarray
    y: np.ndarray


def load_raw(name: str, train: bool) -> tuple[RawSplit, list[str]]:
    """The train (or test) split of a dataset as float32 images in [0, 1], and the class
    names. Digits (no official split) keeps a fixed stratified 20% as its test set."""
    if name == "digits":
        bunch = load_digits()
        parts = train_test_split(bunch.data, bunch.target, test_size=0.2,
                                 stratify=bunch.target, random_state=DIGITS_TEST_SEED)
        X, y = (parts[0], parts[2]) if train else (parts[1], parts[3])
        return RawSplit((X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32), y), \
            bunch.target_names
    loaders = {"fashion-mnist": load_fashion_mnist, "mnist": load_mnist}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; choose one of {DATASETS}")
    bunch = loaders[name](train=train)
    return RawSplit(bunch.data[:, None].astype(np.float32) / 255.0, bunch.target), \
        bunch.target_names


def fit_preprocess(X_train: np.ndarray) -> dict[str, float]:
    """The pixel mean and standard deviation of the training images."""
    scaler = Standardize(dim=(0, 1, 2, 3)).fit(X_train)
    return {"mean": float(scaler.mean.item()), "std": float(scaler.std.item())}


def dataset(split: RawSplit, preprocess: dict[str, float], flatten: bool) -> TensorDataset:
    """Standardised (and, for an MLP, flattened) tensors of a split."""
    X = Standardize(preprocess["mean"], preprocess["std"])(split.X).astype(np.float32)
    return TensorDataset(X.reshape(len(X), -1) if flatten else X, split.y)


def model_config(name: str, image_shape: tuple[int, ...], n_classes: int,
                 hidden: list[int], dropout: float) -> dict[str, Any]:
    """A JSON-able description from which ``build_model`` makes the model."""
    if name == "mlp":
        return {"name": "mlp", "kwargs": {"in_features": int(np.prod(image_shape)),
                                          "hidden_sizes": hidden, "out_features": n_classes,
                                          "dropout": dropout}}
    if name == "lenet" and tuple(image_shape[1:]) != (28, 28):
        raise ValueError(f"LeNet5 takes 28×28 images, this dataset's are "
                         f"{image_shape[1]}×{image_shape[2]}: use --data fashion-mnist or mnist")
    if name in ("lenet", "resnet"):
        return {"name": name, "kwargs": {"num_classes": n_classes,
                                         "in_channels": int(image_shape[0])}}
    raise ValueError(f"unknown model {name!r}; choose one of {MODELS}")


def build_model(config: dict[str, Any]) -> Module:
    """The model a ``model_config`` describes."""
    classes = {"mlp": "MLP", "lenet": "LeNet5", "resnet": "ResNet"}
    return getattr(models, classes[config["name"]])(**config["kwargs"])
