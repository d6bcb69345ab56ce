"""Transfer learning end to end: pretrain, save, load, freeze, new head, few labels.

The experiment behind the course's claim "with few labels, a frozen pretrained backbone and
a new head beat training from scratch". The source task is classes 0–4 of a dataset, the
target task classes 5–9 (relabelled 0–4):

1. pretrain a small CNN on the source task (all its images but a test set);
2. save its state dict with ``tamrin.save`` and load it into a fresh network;
3. replace the head by a new 5-class one, freeze the backbone (``freeze``; the optimizer
   also gets lr 0 for it through ``layerwise_lr_groups``);
4. train the head on ``shots`` labelled images per target class;
5. train the same network from scratch on the same few images, with the same optimizer and
   number of steps, and compare both on the other target images.

On scikit-learn's 8×8 digits (seconds) scratch is already strong — a few digits per class
are nearly enough — while on Fashion-MNIST (28×28, ``max_per_task`` keeps it to minutes)
the pretrained features win.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tamrin import nn
from tamrin.data import DataLoader, TensorDataset, load_digits, load_fashion_mnist
from tamrin.io import load, save
from tamrin.optim import Adam
from tamrin.random import manual_seed
from tamrin.train import evaluate, fit
from tamrin.transfer.freezing import freeze
from tamrin.transfer.head import replace_head
from tamrin.transfer.param_groups import layerwise_lr_groups

DATASETS = ("digits", "fashion-mnist")


def small_cnn(num_classes: int, image_size: int = 8) -> nn.Sequential:
    """conv 3×3 (16) → ReLU → pool 2 → conv 3×3 (32) → ReLU → pool 2 → Linear (the head,
    named ``"7"``), on 1×S×S images."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * (image_size // 4) ** 2, num_classes))


@dataclass
class TransferResult:
    """Accuracies on the target task's held-out images (and on the source task's), and the
    two trained target models."""

    source_accuracy: float
    transfer_accuracy: float
    scratch_accuracy: float
    shots: int
    n_target_test: int
    transfer_model: nn.Module = field(repr=False)
    scratch_model: nn.Module = field(repr=False)


def _images(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Images N×1×S×S in [0, 1] and labels."""
    if dataset == "digits":
        bunch = load_digits()
        return (bunch.data / 16.0).reshape(-1, 1, 8, 8).astype(np.float32), bunch.target
    if dataset == "fashion-mnist":
        bunch = load_fashion_mnist(train=True)
        return (bunch.data[:, None] / 255.0).astype(np.float32), bunch.target
    raise ValueError(f"few_shot_transfer: unknown dataset {dataset!r}; choose one of {DATASETS}")


def class_subset(x: np.ndarray, y: np.ndarray, classes: range, limit: int | None,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The images of ``classes`` (at most ``limit``, at random), labels from 0."""
    keep = np.flatnonzero(np.isin(y, list(classes)))
    if limit is not None and limit < len(keep):
        keep = np.sort(rng.choice(keep, limit, replace=False))
    return x[keep], (y[keep] - classes.start).astype(np.int64)


def few_shot_mask(y: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
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


def few_shot_transfer(dataset: str = "digits", shots: int = 10, *, pretrain_epochs: int = 8,
                      finetune_epochs: int = 60, pretrain_lr: float = 3e-3, lr: float = 1e-2,
                      max_per_task: int | None = None, seed: int = 0,
                      checkpoint: str | Path | None = None) -> TransferResult:
    """Run the experiment of the module docstring (``max_per_task`` images at most per
    task); the pretrained weights go through ``checkpoint`` (a temporary file by default)."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = _images(dataset)
    xs, ys = class_subset(x, y, range(0, 5), max_per_task, rng)
    xt, yt = class_subset(x, y, range(5, 10), max_per_task, rng)
    source_test, few = few_shot_mask(ys, 30, rng), few_shot_mask(yt, shots, rng)
    size = x.shape[-1]

    pretrained = small_cnn(5, size)
    _train(pretrained, [{"params": pretrained.parameters(), "lr": pretrain_lr}],
           xs[~source_test], ys[~source_test], pretrain_epochs, 64)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(checkpoint or Path(tmp) / "pretrained.safetensors")
        save(pretrained.state_dict(), path)
        model = small_cnn(5, size)
        model.load_state_dict(load(path))

    head = replace_head(model, 5)
    freeze(model)
    head.requires_grad_(True)
    _train(model, layerwise_lr_groups(model, lr, lr_map={"": 0.0, "7": lr}),
           xt[few], yt[few], finetune_epochs, len(yt[few]))

    scratch = small_cnn(5, size)
    _train(scratch, [{"params": scratch.parameters(), "lr": lr}], xt[few], yt[few],
           finetune_epochs, len(yt[few]))
    return TransferResult(_accuracy(pretrained, xs[source_test], ys[source_test]),
                          _accuracy(model, xt[~few], yt[~few]),
                          _accuracy(scratch, xt[~few], yt[~few]), shots, int((~few).sum()),
                          model, scratch)
