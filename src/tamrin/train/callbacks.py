"""Callbacks: code that runs at the end of every epoch of ``fit``.

``on_epoch_end(run, logs)`` sees the epoch's logs and may set ``run.stop_training``;
``on_epoch_complete(run)`` runs after every callback's ``on_epoch_end``, when the run's
state for the epoch is final (that is when checkpoints are written). A callback with state
(best value so far, patience counter…) exposes ``state_dict``/``load_state_dict`` so that a
resumed run continues exactly where the checkpoint left it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tamrin.checkpoint import save_checkpoint

if TYPE_CHECKING:
    from tamrin.train.loop import Run

_HIGHER_IS_BETTER = ("acc", "f1", "precision", "recall", "r2", "auc")


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, run: Run) -> None:
        """Before the first epoch (also of a resumed run)."""

    def on_epoch_end(self, run: Run, logs: dict[str, Any]) -> None:
        """After each epoch, with that epoch's logs."""

    def on_epoch_complete(self, run: Run) -> None:
        """After every callback's ``on_epoch_end``."""

    def on_train_end(self, run: Run) -> None:
        """After the last epoch."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


class _Monitor:
    """Tracks the best value of one logged quantity ('min' or 'max'; 'auto' guesses from
    the name: accuracy, F1, precision, recall, R², AUC are maximised, the rest minimised)."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float) -> None:
        if mode == "auto":
            mode = "max" if any(k in monitor for k in _HIGHER_IS_BETTER) else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.owner, self.monitor, self.mode, self.min_delta = owner, monitor, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0

    def update(self, logs: dict[str, Any], epoch: int) -> bool:
        """Record the epoch's value; True if it beats the best by more than min_delta."""
        if self.monitor not in logs:
            raise KeyError(f"{self.owner}: monitor {self.monitor!r} is not among the epoch's "
                           f"logs {sorted(logs)}; pass a val_loader to fit or monitor a "
                           "training quantity such as 'loss'")
        value = float(logs[self.monitor])
        sign = 1.0 if self.mode == "min" else -1.0
        if sign * (self.best - value) > self.min_delta:
            self.best, self.best_epoch = value, epoch
            return True
        return False

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best_weights`` the model ends with the weights of its best epoch.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 3,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        self.tracker = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, run: Run, logs: dict[str, Any]) -> None:
        if self.tracker.update(logs, run.epoch):
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = {k: np.array(v._array)
                                     for k, v in run.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = run.epoch
            run.stop_training = True

    def on_train_end(self, run: Run) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            run.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {"tracker": self.tracker.state_dict(), "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_weights": self.best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tracker.load_state_dict(state["tracker"])
        self.wait, self.stopped_epoch = state["wait"], state["stopped_epoch"]
        self.best_weights = state["best_weights"]


class ModelCheckpoint(Callback):
    """Write ``dirpath/last.safetensors`` after every epoch and ``dirpath/best.safetensors``
    when ``monitor`` improves. Each is a full training checkpoint (model, optimizer and
    scheduler state, epoch, RNG state, history, callback states; see ``tamrin.checkpoint``)
    written atomically, so ``fit(..., resume_from=…)`` can continue from it. ``metadata``
    (strings) is stored in the header, e.g. the model's configuration.
    """

    def __init__(self, dirpath: str | os.PathLike, monitor: str = "val_loss",
                 mode: str = "auto", save_best: bool = True, save_last: bool = True,
                 metadata: dict[str, str] | None = None) -> None:
        self.dirpath = Path(dirpath)
        self.tracker = _Monitor("ModelCheckpoint", monitor, mode, 0.0)
        self.save_best = save_best
        self.save_last = save_last
        self.metadata = metadata
        self._improved = False

    @property
    def best_path(self) -> Path:
        return self.dirpath / "best.safetensors"

    @property
    def last_path(self) -> Path:
        return self.dirpath / "last.safetensors"

    def on_epoch_end(self, run: Run, logs: dict[str, Any]) -> None:
        self._improved = self.save_best and self.tracker.update(logs, run.epoch)

    def on_epoch_complete(self, run: Run) -> None:
        """Write best (if improved) *before* last: a crash between the two leaves last at
        the previous epoch, whose tracker does not yet count the new best, so the resumed
        run redoes the epoch and writes best again — never a last that claims a best
        that was not written."""
        self.dirpath.mkdir(parents=True, exist_ok=True)
        targets = [p for p, due in ((self.best_path, self._improved),
                                    (self.last_path, self.save_last)) if due]
        for path in targets:
            save_checkpoint(path, run.model, run.optimizer, run.scheduler, epoch=run.epoch,
                            state=run.state_dict(), metadata=self.metadata)

    def state_dict(self) -> dict[str, Any]:
        return {"tracker": self.tracker.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.tracker.load_state_dict(state["tracker"])


class EpochLogger(Callback):
    """Print one line per epoch: its number, the logged values and the time."""

    def __init__(self, print_fn: Callable[[str], None] = print) -> None:
        self.print_fn = print_fn

    def on_epoch_end(self, run: Run, logs: dict[str, Any]) -> None:
        values = "  ".join(f"{k} {v:.4g}" for k, v in logs.items()
                           if k not in ("epoch", "time", "lr") and isinstance(v, float))
        self.print_fn(f"epoch {run.epoch}/{run.epochs}  {values}  lr {logs['lr']:.3g}  "
                      f"{logs['time']:.1f}s")


class EvaluateOn(Callback):
    """After each epoch, evaluate on one more loader and log the results as
    ``<name>_<metric>`` (e.g. the training set in eval mode: ``train_accuracy``, beside the
    running ``accuracy`` that fit measures in training mode with dropout on).

    Put it before callbacks that monitor its values (EarlyStopping, ModelCheckpoint).
    """

    def __init__(self, name: str, loader: Any, metrics: Any = ("accuracy",),
                 loss_fn: Callable | None = None) -> None:
        self.name, self.loader, self.metrics, self.loss_fn = name, loader, metrics, loss_fn

    def on_epoch_end(self, run: Run, logs: dict[str, Any]) -> None:
        from tamrin.train.loop import evaluate

        values = evaluate(run.model, self.loader, self.metrics,
                          loss_fn=self.loss_fn if self.loss_fn is not None else run.loss_fn)
        logs.update({f"{self.name}_{key}": value for key, value in values.items()})
