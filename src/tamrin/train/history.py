"""History: what a training run recorded, step by step and epoch by epoch."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from tamrin.atomic import atomic_write_bytes


@dataclass
class History:
    """``steps``: one dict per optimisation step (epoch, step, loss, batch metrics, lr,
    time in seconds; ``skipped`` where a non-finite loss was skipped). ``epochs``: one dict
    per epoch (loss and metrics on the training set, ``val_``-prefixed ones on the
    validation set, lr, time). ``history["val_loss"]`` lists one key over the epochs."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[Any]:
        if not self.epochs or key not in self.epochs[-1]:
            known = sorted(self.epochs[-1]) if self.epochs else []
            raise KeyError(f"History: no per-epoch value {key!r}; recorded: {known}")
        return [e.get(key) for e in self.epochs]

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [dict(s) for s in self.steps], "epochs": [dict(e) for e in self.epochs]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        return cls([dict(s) for s in data["steps"]], [dict(e) for e in data["epochs"]])

    def save_json(self, path: str | os.PathLike) -> None:
        """Write the history as JSON (non-finite numbers as NaN/Infinity)."""
        atomic_write_bytes(path, json.dumps(self.to_dict(), indent=1).encode("utf-8"))

    @classmethod
    def load_json(cls, path: str | os.PathLike) -> History:
        with open(path) as f:
            return cls.from_dict(json.load(f))
