"""Handlers of ``tamrin train`` and ``tamrin evaluate`` (argument parsing is in cli.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.checkpoint import load_checkpoint, read_metadata
from tamrin.data import DataLoader, Subset, TensorDataset, train_test_split
from tamrin.metrics import classification_report
from tamrin.train.callbacks import EpochLogger, ModelCheckpoint
from tamrin.train.loop import evaluate, fit, predict
from tamrin.train.recipes import build_model, dataset, fit_preprocess, load_raw, model_config

TEST_METRICS = ["accuracy", "f1_macro"]


def _optimizer(name: str, model: nn.Module, lr: float) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    return optim.Adam(model.parameters(), lr=lr)


def _validation_split(train: TensorDataset, y: np.ndarray, fraction: float,
                      seed: int) -> tuple[Subset, Subset]:
    idx_train, idx_val = train_test_split(np.arange(len(y)), test_size=fraction, stratify=y,
                                          random_state=seed)
    return Subset(train, idx_train), Subset(train, idx_val)


def _report_test(model: nn.Module, test: TensorDataset, class_names: list[str],
                 out: Path | None) -> dict[str, float]:
    loader = DataLoader(test, batch_size=512)
    results = evaluate(model, loader, TEST_METRICS)
    y_pred = predict(model, loader).argmax(axis=1)
    print(classification_report(test.tensors[1].numpy(), y_pred, target_names=class_names,
                                digits=4, zero_division=0.0))
    print("test " + "  ".join(f"{k} {v:.4f}" for k, v in results.items()))
    if out is not None:
        (out / "test_metrics.json").write_text(json.dumps(results, indent=1))
    return results


def train(args: argparse.Namespace) -> int:
    """Train a model on a dataset with checkpoints and a JSON history; print test metrics."""
    tamrin.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    raw_train, class_names = load_raw(args.data, train=True)
    preprocess = fit_preprocess(raw_train.X)
    flatten = args.model == "mlp"
    full = dataset(raw_train, preprocess, flatten)
    train_set, val_set = _validation_split(full, raw_train.y, args.val_fraction, args.seed)
    config = model_config(args.model, raw_train.X.shape[1:], len(class_names), args.hidden,
                          args.dropout)
    model = build_model(config)
    optimizer = _optimizer(args.optimizer, model, args.lr)
    metadata = {"model": json.dumps(config), "data": args.data,
                "preprocess": json.dumps(preprocess)}
    resume = out / "last.safetensors" if args.resume else None
    if resume is not None:
        if not resume.is_file():
            raise SystemExit(f"tamrin train: --resume but {resume} does not exist")
        if json.loads(read_metadata(resume)["model"]) != config:
            raise SystemExit(f"tamrin train: {resume} was written for another model "
                             "configuration; use the same --model/--hidden/--dropout")
    history = fit(model, nn.CrossEntropyLoss(), optimizer,
                  DataLoader(train_set, batch_size=args.batch_size, shuffle=True),
                  DataLoader(val_set, batch_size=512), epochs=args.epochs,
                  metrics=["accuracy"], progress=False if args.no_progress else None,
                  callbacks=[ModelCheckpoint(out, monitor="val_accuracy", metadata=metadata),
                             EpochLogger()], resume_from=resume)
    history.save_json(out / "history.json")
    test_set = dataset(load_raw(args.data, train=False)[0], preprocess, flatten)
    _report_test(model, test_set, class_names, out)
    return 0


def evaluate_checkpoint(args: argparse.Namespace) -> int:
    """Test metrics of a checkpoint written by ``tamrin train``."""
    metadata = read_metadata(args.checkpoint)
    if "model" not in metadata:
        raise SystemExit(f"tamrin evaluate: {args.checkpoint} has no model configuration; "
                         "it was not written by `tamrin train`")
    config = json.loads(metadata["model"])
    model = build_model(config)
    load_checkpoint(args.checkpoint, model)
    data = args.data or metadata["data"]
    raw_test, class_names = load_raw(data, train=False)
    test_set = dataset(raw_test, json.loads(metadata["preprocess"]), config["name"] == "mlp")
    _report_test(model, test_set, class_names, None)
    return 0
