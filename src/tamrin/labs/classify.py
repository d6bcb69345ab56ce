"""The digits classification set-up that several labs train on (dropout, batch norm,
pruning, Grad-CAM): scikit-learn's 8×8 digits split at random and standardised with the
training part's statistics (``tamrin.data``), and training by ``tamrin.train.fit`` with the
accuracy and loss of both sets, in eval mode, recorded after every epoch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tamrin import nn, optim
from tamrin.data import DataLoader, TensorDataset, load_digits, train_test_split
from tamrin.data.transforms import Standardize
from tamrin.train import EvaluateOn, History, evaluate, fit


@dataclass
class Split:
    """Training and validation arrays (features float32, labels int64)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray

    def loader(self, part: str, batch_size: int = 512, shuffle: bool = False,
               drop_last: bool = False) -> DataLoader:
        """A DataLoader over the "train" or "val" part."""
        x, y = (self.x_train, self.y_train) if part == "train" else (self.x_val, self.y_val)
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle,
                          drop_last=drop_last)


def digits_split(n_train: int, rng: np.random.Generator) -> Split:
    """``n_train`` random digits for training, the rest for validation, standardised with
    the training part's mean and standard deviation only."""
    data = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        data.data, data.target, train_size=n_train, random_state=rng)
    scale = Standardize().fit(x_train)
    return Split(scale(x_train).astype(np.float32), y_train, scale(x_val).astype(np.float32),
                 y_val)


def train(model: nn.Module, opt: optim.Optimizer, data: Split, epochs: int,
          batch_size: int) -> History:
    """``tamrin.train.fit`` on the cross-entropy: mini-batches reshuffled every epoch by
    tamrin's generator (the last, smaller batch dropped so batch statistics always see
    ``batch_size`` examples); after each epoch both sets are evaluated in eval mode —
    ``train_accuracy``/``train_loss`` and ``val_accuracy``/``val_loss`` in the history."""
    return fit(model, nn.functional.cross_entropy, opt,
               data.loader("train", batch_size, shuffle=True, drop_last=True),
               data.loader("val"), epochs, metrics=["accuracy"], progress=False,
               callbacks=[EvaluateOn("train", data.loader("train"))])


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """The model's accuracy on (x, y), in eval mode (the model's mode is restored)."""
    loader = DataLoader(TensorDataset(x, y), batch_size=512)
    return evaluate(model, loader, ["accuracy"])["accuracy"]


def first_epoch_reaching(history: History, accuracy: float) -> int | None:
    """The first epoch (1-based) whose validation accuracy is at least ``accuracy``."""
    hits = [e for e, a in enumerate(history["val_accuracy"], start=1) if a >= accuracy]
    return hits[0] if hits else None
