"""Transfer learning end to end: pretrain, save, load, freeze, new head, few labels.

The experiment behind the course's claim "with few labels, a frozen pretrained backbone and
a new head beat training from scratch", on scikit-learn's 8×8 digits (offline, seconds):

1. pretrain a small CNN on the source task, digits 0–4 (all their images but a test set);
2. save its state dict with ``tamrin.save`` and load it into a fresh network;
3. replace the head by a new 5-class one for the target task, digits 5–9, and freeze the
   backbone (``freeze``; the optimizer gets lr 0 for it through ``layerwise_lr_groups``);
4. train the head on ``shots`` labelled images per target class;
5. train the same network from scratch on the same few images, with the same optimizer and
   number of steps, and compare both on the rest of the target images.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tamrin import nn
from tamrin.data import DataLoader, TensorDataset, load_digits
from tamrin.io import load, save
from tamrin.optim import Adam
from tamrin.random import manual_seed
from tamrin.train import evaluate, fit
from tamrin.transfer.freezing import freeze
from tamrin.transfer.head import replace_head
from tamrin.transfer.param_groups import layerwise_lr_groups


def small_cnn(num_classes: int) -> nn.Sequential:
    """conv 3×3 (16) → ReLU → pool 2 → conv 3×3 (32) → ReLU → pool 2 → Linear, on 1×8×8."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 2 * 2, num_classes))


@dataclass
class TransferResult:
    """Accuracies on the target task's held-out images (and the source task's)."""

    source_accuracy: float
    transfer_accuracy: float
    scratch_accuracy: float
    shots: int
    n_target_test: int


def _digits_task(digits: range) -> tuple[np.ndarray, np.ndarray]:
    bunch = load_digits()
    keep = np.isin(bunch.target, list(digits))
    x = (bunch.data[keep] / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)
    return x, (bunch.target[keep] - digits.start).astype(np.int64)


def _few_shot_split(y: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask choosing ``shots`` random examples of every class."""
    chosen = np.zeros(len(y), bool)
    for c in np.unique(y):
        chosen[rng.choice(np.flatnonzero(y == c), shots, replace=False)] = True
    return chosen


def _train(model: nn.Module, groups: list, x: np.ndarray, y: np.ndarray, epochs: int,
           batch_size: int) -> None:
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    fit(model, nn.CrossEntropyLoss(), Adam(groups), loader, epochs=epochs, progress=False)


def _accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    loader = DataLoader(TensorDataset(x, y), batch_size=512)
    return evaluate(model, loader, ["accuracy"])["accuracy"]


def few_shot_transfer(shots: int = 10, pretrain_epochs: int = 8, finetune_epochs: int = 60,
                      lr: float = 1e-2, seed: int = 0,
                      checkpoint: str | Path | None = None) -> TransferResult:
    """Run the experiment of the module docstring; the pretrained weights go through
    ``checkpoint`` (a temporary file by default)."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    xs, ys = _digits_task(range(0, 5))
    xt, yt = _digits_task(range(5, 10))
    source_test = _few_shot_split(ys, 30, rng)
    few = _few_shot_split(yt, shots, rng)

    pretrained = small_cnn(5)
    _train(pretrained, [{"params": pretrained.parameters(), "lr": lr}],
           xs[~source_test], ys[~source_test], pretrain_epochs, 64)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(checkpoint or Path(tmp) / "pretrained.safetensors")
        save(pretrained.state_dict(), path)
        model = small_cnn(5)
        model.load_state_dict(load(path))

    head = replace_head(model, 5)
    freeze(model)
    head.requires_grad_(True)
    _train(model, layerwise_lr_groups(model, lr, lr_map={"": 0.0, "7": lr}),
           xt[few], yt[few], finetune_epochs, len(yt[few]))

    scratch = small_cnn(5)
    _train(scratch, [{"params": scratch.parameters(), "lr": lr}], xt[few], yt[few],
           finetune_epochs, len(yt[few]))
    return TransferResult(_accuracy(pretrained, xs[source_test], ys[source_test]),
                          _accuracy(model, xt[~few], yt[~few]),
                          _accuracy(scratch, xt[~few], yt[~few]), shots, int((~few).sum()))
