"""Small classification experiments for labs about training: the digits data split and
standardised, a plain mini-batch training loop that records accuracy, loss and step time,
and evaluation in eval mode."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.datasets import load_digits

import tamrin
from tamrin import nn, optim
from tamrin.nn.functional import cross_entropy


@dataclass
class Split:
    """Training and validation arrays (features float32, labels int64)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def digits_split(n_train: int, rng: np.random.Generator) -> Split:
    """scikit-learn's 8×8 digits: ``n_train`` random training images, the rest for
    validation, standardised with the training set's mean and std only."""
    data = load_digits()
    order = rng.permutation(len(data.target))
    train, val = order[:n_train], order[n_train:]
    mean, std = data.data[train].mean(axis=0), data.data[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    x = ((data.data - mean) / std).astype(np.float32)
    return Split(x[train], data.target[train], x[val], data.target[val])


def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of ``model`` on (x, y) in eval mode (dropout off,
    batch norm with its running statistics); the model is left in train mode."""
    model.eval()
    with tamrin.no_grad():
        out = model(tamrin.tensor(x))
        loss = float(cross_entropy(out, tamrin.tensor(y)).numpy())
    model.train()
    return float(np.mean(out.numpy().argmax(axis=1) == y)), loss


@dataclass
class History:
    """Per epoch: training and validation accuracy and loss (eval mode); seconds per step."""

    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)

    def record(self, train: tuple[float, float], val: tuple[float, float]) -> None:
        """Append one epoch's (accuracy, loss) on the training and the validation set."""
        self.train_acc.append(train[0])
        self.train_loss.append(train[1])
        self.val_acc.append(val[0])
        self.val_loss.append(val[1])

    def first_epoch_reaching(self, accuracy: float) -> int | None:
        """The first epoch (1-based) whose validation accuracy is at least ``accuracy``."""
        hits = [e for e, a in enumerate(self.val_acc, start=1) if a >= accuracy]
        return hits[0] if hits else None


def train(model: nn.Module, opt: optim.Optimizer, data: Split, epochs: int, batch_size: int,
          rng: np.random.Generator) -> History:
    """Mini-batch training on the cross-entropy, reshuffled every epoch (the last, smaller
    batch is dropped so batch statistics always see ``batch_size`` examples); evaluates on
    both sets after each epoch."""
    history = History()
    n = len(data.y_train)
    for _ in range(epochs):
        model.train()
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            begin = time.perf_counter()
            loss = cross_entropy(model(tamrin.tensor(data.x_train[batch])),
                                 tamrin.tensor(data.y_train[batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            history.step_seconds.append(time.perf_counter() - begin)
        history.record(evaluate(model, data.x_train, data.y_train),
                       evaluate(model, data.x_val, data.y_val))
    return history
