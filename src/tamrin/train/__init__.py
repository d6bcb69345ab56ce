"""tamrin.train: the fit loop, its history, callbacks and checkpoints."""

from tamrin.train.callbacks import (
    Callback,
    EarlyStopping,
    EpochLogger,
    EvaluateOn,
    ModelCheckpoint,
)
from tamrin.train.history import History
from tamrin.train.loop import Run, evaluate, fit, predict
from tamrin.train.metrics import metric_from_name, predicted_labels, resolve_metrics
