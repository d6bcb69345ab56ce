"""The training loop: ``fit``, ``evaluate`` and ``predict``.

One epoch of ``fit`` is, for every batch (x, y) of the training loader::

    out = model(x); loss = loss_fn(out, y)          # forward
    stop (or skip the batch) if loss is NaN or ±Inf — before any weight changes
    optimizer.zero_grad(); loss.backward()          # backward
    clip_grad_norm_(…) if asked; optimizer.step()   # update

then the validation pass, the scheduler step, the epoch's record in the ``History``, and
the callbacks. Everything random (shuffling, dropout, augmentation) draws from tamrin's
generator, whose state a checkpoint saves: ``fit(..., resume_from=checkpoint)`` therefore
continues a run exactly as if it had never stopped.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tamrin.checkpoint import load_checkpoint
from tamrin.creation import from_numpy
from tamrin.grad_mode import no_grad
from tamrin.nn.module import Module
from tamrin.nn.utils import clip_grad_norm_
from tamrin.tensor import Tensor
from tamrin.train.callbacks import Callback
from tamrin.train.history import History
from tamrin.train.metrics import MetricFn, resolve_metrics

MetricSpec = Sequence[str] | Mapping[str, MetricFn] | None


@dataclass
class Run:
    """The state of one ``fit`` call, as callbacks see it."""

    model: Module
    loss_fn: Callable[[Tensor, Tensor], Tensor]
    optimizer: Any
    scheduler: Any = None
    callbacks: list[Callback] = field(default_factory=list)
    metrics: dict[str, MetricFn] = field(default_factory=dict)
    epochs: int = 1
    epoch: int = 0                     # epochs completed
    stop_training: bool = False
    history: History = field(default_factory=History)

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint needs beyond model, optimizer, scheduler and RNG."""
        return {"history": self.history.to_dict(), "stop_training": self.stop_training,
                "callbacks": [cb.state_dict() for cb in self.callbacks]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = History.from_dict(state["history"])
        self.stop_training = state["stop_training"]
        if len(state["callbacks"]) != len(self.callbacks):
            raise ValueError(f"resume: the checkpoint has {len(state['callbacks'])} callback "
                             f"states but fit was given {len(self.callbacks)} callbacks")
        for cb, saved in zip(self.callbacks, state["callbacks"]):
            cb.load_state_dict(saved)


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError("fit/evaluate: each batch must be a pair (inputs, targets), got "
                         f"{type(batch).__name__}" + (f" of length {len(batch)}"
                                                      if isinstance(batch, (tuple, list))
                                                      else ""))
    return batch[0], batch[1]


def _compute(metrics: dict[str, MetricFn], targets: np.ndarray,
             outputs: np.ndarray) -> dict[str, float]:
    return {name: fn(targets, outputs) for name, fn in metrics.items()}


def _lr(optimizer: Any) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _progress_bar(total: int, desc: str, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", disable=not show, leave=True,
                dynamic_ncols=True)


class _Accumulator:
    """Batch outputs, targets and the summed loss of one pass over a loader."""

    def __init__(self) -> None:
        self.outputs: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []
        self.loss_sum = 0.0
        self.count = 0

    def add(self, out: Tensor, y: Any, loss: float | None) -> None:
        y_arr = np.asarray(y._array if isinstance(y, Tensor) else y)
        self.outputs.append(np.array(out._array))
        self.targets.append(y_arr)
        if loss is not None:
            self.loss_sum += loss * len(y_arr)
            self.count += len(y_arr)

    def logs(self, metrics: dict[str, MetricFn], with_loss: bool) -> dict[str, float]:
        logs = {"loss": self.loss_sum / self.count if self.count else math.nan} \
            if with_loss else {}
        if metrics and self.outputs:
            logs.update(_compute(metrics, np.concatenate(self.targets),
                                 np.concatenate(self.outputs)))
        return logs


def _train_step(run: Run, x: Any, y: Any, where: str, clip_grad_norm: float | None,
                nan_policy: str) -> tuple[Tensor, float | None]:
    """One optimisation step; returns the outputs and the loss (None if skipped)."""
    out = run.model(x)
    loss = run.loss_fn(out, y)
    value = float(loss.item())
    if not math.isfinite(value):
        if nan_policy == "raise":
            raise FloatingPointError(
                f"fit: the loss is {value} at {where}; training stopped before this batch "
                "changed any weight. Lower the learning rate, clip gradients "
                "(clip_grad_norm=…), check the inputs for NaN, or pass nan_policy='skip'")
        return out, None
    run.optimizer.zero_grad()
    loss.backward()
    if clip_grad_norm is not None:
        clip_grad_norm_(run.model.parameters(), clip_grad_norm)
    run.optimizer.step()
    return out, value


def _train_epoch(run: Run, loader: Iterable, clip_grad_norm: float | None, nan_policy: str,
                 scheduler_per_step: bool, show: bool) -> dict[str, float]:
    run.model.train()
    acc = _Accumulator()
    epoch = run.epoch + 1
    bar = _progress_bar(len(loader), f"epoch {epoch}/{run.epochs}", show)
    for i, batch in enumerate(loader):
        start = time.perf_counter()
        x, y = _split_batch(batch)
        where = f"epoch {epoch}, step {i + 1} (global step {len(run.history.steps) + 1})"
        out, loss = _train_step(run, x, y, where, clip_grad_norm, nan_policy)
        record = {"epoch": epoch, "step": len(run.history.steps) + 1,
                  "loss": math.nan if loss is None else loss, "lr": _lr(run.optimizer)}
        if loss is None:  # a skipped batch counts in neither the loss nor the metrics
            record["skipped"] = True
        else:
            acc.add(out, y, loss)
            record.update(_compute(run.metrics, acc.targets[-1], acc.outputs[-1]))
        if scheduler_per_step and run.scheduler is not None and loss is not None:
            run.scheduler.step()
        record["time"] = time.perf_counter() - start
        run.history.steps.append(record)
        bar.update(1)
        bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()
                         if k not in ("epoch", "step", "time", "skipped")}, refresh=False)
    bar.close()
    return acc.logs(run.metrics, with_loss=True)


def _step_epoch_scheduler(run: Run, logs: dict[str, float]) -> None:
    from tamrin.optim.lr_scheduler import ReduceLROnPlateau

    if isinstance(run.scheduler, ReduceLROnPlateau):
        run.scheduler.step(logs.get("val_loss", logs["loss"]))
    else:
        run.scheduler.step()


def _resume(run: Run, path: str | os.PathLike) -> None:
    path = Path(path)
    if path.is_dir():
        path = path / "last.safetensors"
    if not path.is_file():
        raise FileNotFoundError(f"fit: resume_from={path} does not exist")
    ckpt = load_checkpoint(path, run.model, run.optimizer, run.scheduler, restore_rng=True)
    run.load_state_dict(ckpt.state)
    run.epoch = ckpt.epoch


def fit(model: Module, loss_fn: Callable[[Tensor, Tensor], Tensor], optimizer: Any,
        train_loader: Iterable, val_loader: Iterable | None = None, epochs: int = 1, *,
        metrics: MetricSpec = None, scheduler: Any = None, scheduler_interval: str = "epoch",
        clip_grad_norm: float | None = None, callbacks: Sequence[Callback] = (),
        nan_policy: str = "raise", progress: bool | None = None,
        resume_from: str | os.PathLike | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs and return the ``History``.

    ``metrics``: names (``["accuracy", "f1_macro"]``) or ``{name: fn(y_true, outputs)}``,
    computed per step on the batch and per epoch on the whole pass (``val_``-prefixed on
    ``val_loader``). ``scheduler`` steps once per epoch (``ReduceLROnPlateau`` with
    val_loss, or loss without validation), or per step with ``scheduler_interval='step'``.
    ``clip_grad_norm``: the max global gradient norm. ``nan_policy``: 'raise' (a NaN/Inf
    loss is an error naming the epoch and step) or 'skip' (the batch is skipped and marked
    in the history). ``progress``: a tqdm bar per epoch (default: only on a terminal).
    ``resume_from``: a checkpoint (or the folder of ``last.safetensors``) written by
    ``ModelCheckpoint``; the run continues to ``epochs`` as if it had never stopped.
    """
    if nan_policy not in ("raise", "skip"):
        raise ValueError(f"fit: nan_policy must be 'raise' or 'skip', got {nan_policy!r}")
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got "
                         f"{scheduler_interval!r}")
    run = Run(model, loss_fn, optimizer, scheduler, list(callbacks),
              resolve_metrics(metrics), epochs)
    if resume_from is not None:
        _resume(run, resume_from)
    show = _show_progress(progress)
    for cb in run.callbacks:
        cb.on_train_begin(run)
    while run.epoch < epochs and not run.stop_training:
        start = time.perf_counter()
        logs = _train_epoch(run, train_loader, clip_grad_norm, nan_policy,
                            scheduler_interval == "step", show)
        if val_loader is not None:
            val = evaluate(model, val_loader, run.metrics, loss_fn=loss_fn)
            logs.update({f"val_{k}": v for k, v in val.items()})
        logs["lr"] = _lr(optimizer)
        if scheduler is not None and scheduler_interval == "epoch":
            _step_epoch_scheduler(run, logs)
        run.epoch += 1
        logs = {"epoch": run.epoch, **logs, "time": time.perf_counter() - start}
        run.history.epochs.append(logs)
        for cb in run.callbacks:
            cb.on_epoch_end(run, logs)
        for cb in run.callbacks:
            cb.on_epoch_complete(run)
    for cb in run.callbacks:
        cb.on_train_end(run)
    return run.history


def _batches(data: Any, batch_size: int) -> Iterable[Any]:
    """Input batches from a loader (first item of each batch) or an array/Tensor."""
    if isinstance(data, (np.ndarray, Tensor)):
        arr = data._array if isinstance(data, Tensor) else np.asarray(data)
        for start in range(0, len(arr), batch_size):
            yield from_numpy(arr[start:start + batch_size])
        return
    for batch in data:
        yield batch[0] if isinstance(batch, (tuple, list)) else batch


class _EvalMode:
    """``model.eval()`` and ``no_grad`` inside, the previous training mode restored after."""

    def __init__(self, model: Module) -> None:
        self.model, self.was_training = model, model.training
        self.no_grad = no_grad()

    def __enter__(self) -> None:
        self.model.eval()
        self.no_grad.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.no_grad.__exit__(*exc)
        self.model.train(self.was_training)


def evaluate(model: Module, loader: Iterable, metrics: MetricSpec = None, *,
             loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None) -> dict[str, float]:
    """Metrics (and the mean loss, if ``loss_fn`` is given) of ``model`` over ``loader``,
    in eval mode without gradients."""
    fns = resolve_metrics(metrics)
    acc = _Accumulator()
    with _EvalMode(model):
        for batch in loader:
            x, y = _split_batch(batch)
            out = model(x)
            acc.add(out, y, float(loss_fn(out, y).item()) if loss_fn is not None else None)
    return acc.logs(fns, with_loss=loss_fn is not None)


def predict(model: Module, data: Any, batch_size: int = 256) -> np.ndarray:
    """The model's outputs for every sample of ``data`` (a loader, or an array/Tensor
    split into batches of ``batch_size``), in eval mode, concatenated."""
    with _EvalMode(model):
        outputs = [np.array(model(x)._array) for x in _batches(data, batch_size)]
    return np.concatenate(outputs)
