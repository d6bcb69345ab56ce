"""One run of the playground: data, model, optimiser and the training step, built from a
``Config`` with everything random drawn from its seed.

``step()`` is one mini-batch update. ``record()`` measures the run for the loss, accuracy and
gradient charts (the gradients are the last update's: none before the first). ``views()``
computes the rest of what the page draws, and ``scene()`` the points of the boundary view,
which do not change during a run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from tamrin import nn
from tamrin.creation import from_numpy
from tamrin.playground import limits, views
from tamrin.playground.config import Config
from tamrin.playground.datasets import make_data, output_units
from tamrin.playground.network import PlaygroundNet, initialise_
from tamrin.playground.optimizer import build_optimizer, l1_loss_term, proximal_l1_
from tamrin.random import manual_seed
from tamrin.tensor import Tensor


class TrainingStopped(RuntimeError):
    """Training cannot go on (the loss or a gradient is not finite): reset to continue."""


def batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays of one batch each, forever: a fresh permutation every epoch; with
    batch_size < n the incomplete last batch is dropped, so every batch has the same size
    (and batch norm never sees a single sample)."""
    size = min(batch_size, n)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - size + 1, size):
            yield order[start:start + size]


class Trainer:
    """The model of one session and its training state."""

    def __init__(self, config: Config) -> None:
        manual_seed(config.seed)            # initial weights and dropout masks
        self.config = config
        self.data = make_data(config.dataset, config.samples, config.noise, config.validation,
                              config.seed)
        self.model = PlaygroundNet(self.data.x_train.shape[1],
                                   [config.width] * config.hidden_layers,
                                   output_units(self.data.classes), config.activation,
                                   config.batch_norm, config.dropout, config.residual,
                                   config.output_activation)
        initialise_(self.model, config.init)
        self.optimizer = build_optimizer(config, self.model)
        self.loss_fn = nn.BCEWithLogitsLoss() if self.data.classes == 2 \
            else nn.CrossEntropyLoss()
        n_train = len(self.data.x_train)
        self.batch_size = min(config.batch_size, n_train)
        self.steps_per_epoch = n_train // self.batch_size
        self._batches = batches(n_train, config.batch_size, np.random.default_rng(config.seed))
        self.steps = 0
        self._batch_losses: list[float] = []
        self._started = time.monotonic()

    # ---- training ----------------------------------------------------------------------
    def _targets(self, y: np.ndarray) -> Tensor:
        if self.data.classes == 2:
            return from_numpy(y.astype(np.float32)[:, None])
        return from_numpy(y)

    def _loss(self, x: np.ndarray, y: np.ndarray) -> Tensor:
        loss = self.loss_fn(self.model(from_numpy(x)), self._targets(y))
        penalty = l1_loss_term(self.config, self.model)
        return loss if penalty is None else loss + penalty

    def step(self) -> float:
        """One update on the next mini-batch; returns its loss (training mode)."""
        idx = next(self._batches)
        loss = self._loss(self.data.x_train[idx], self.data.y_train[idx])
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingStopped(f"the loss became {value} at step {self.steps + 1}: the "
                                  "weights diverged (a learning rate too large for this model)")
        self.optimizer.zero_grad()
        loss.backward()
        try:
            self.optimizer.step()
        except ValueError as err:       # a NaN or infinite gradient (nan_policy="raise")
            raise TrainingStopped(f"step {self.steps + 1}: {err}") from err
        proximal_l1_(self.config, self.model)
        self.steps += 1
        self._batch_losses.append(value)
        return value

    # ---- measuring ---------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        """Passes over the training set so far."""
        return self.steps / self.steps_per_epoch

    def _evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float | None, float]:
        """(loss, accuracy) on a whole set, in evaluation mode."""
        logits = views.predict_logits(self.model, x)
        loss = self.loss_fn(from_numpy(logits), self._targets(y)).item()
        predicted = views.probabilities(logits, self.data.classes).argmax(axis=1)
        return views.finite(loss), float(np.mean(predicted == y))

    def record(self) -> dict[str, Any]:
        """One point of the history: losses, accuracies, gradient norms at this step."""
        train_loss, train_acc = self._evaluate(self.data.x_train, self.data.y_train)
        val_loss, val_acc = self._evaluate(self.data.x_val, self.data.y_val)
        batch_loss = views.finite(np.mean(self._batch_losses)) if self._batch_losses \
            else None
        self._batch_losses.clear()
        return {"step": self.steps, "epoch": round(self.epoch, 3),
                "seconds": round(time.monotonic() - self._started, 3),
                "batch_loss": batch_loss, "train_loss": train_loss, "train_acc": train_acc,
                "val_loss": val_loss, "val_acc": val_acc,
                "grad_norms": views.gradient_norms(self.model)}

    def views(self) -> dict[str, Any]:
        """The decision boundary, activation and weight histograms, at this step."""
        probe = self.data.x_train[:limits.PROBE_SAMPLES]
        return {"boundary": views.boundary(self.model, self.data.plane, self.data.classes),
                "activations": views.activation_views(self.model, probe,
                                                      self.config.activation),
                "weights": views.weight_views(self.model)}

    def scene(self) -> dict[str, Any]:
        """The points of the boundary view (plane coordinates) and the plane's extent."""
        plane = self.data.plane

        def points(x: np.ndarray, y: np.ndarray) -> dict[str, list]:
            z = np.round(plane.project(x), 4)
            return {"x": z[:, 0].tolist(), "y": z[:, 1].tolist(), "label": y.tolist()}

        return {"train": points(self.data.x_train, self.data.y_train),
                "val": points(self.data.x_val, self.data.y_val),
                "extent": plane.extent, "classes": self.data.classes,
                "projected": self.data.x_train.shape[1] > 2,
                "hidden_layers": len(self.model.hidden), "batch_size": self.batch_size}
