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
    idx_train, idx_val = train_test_split(np.arange(len(raw_train.y)),
                                          test_size=args.val_fraction, stratify=raw_train.y,
                                          random_state=args.seed)
    preprocess = fit_preprocess(raw_train.X[idx_train])  # the training part only: no leakage
    flatten = args.model == "mlp"
    full = dataset(raw_train, preprocess, flatten)
    train_set, val_set = Subset(full, idx_train), Subset(full, idx_val)
    try:
        config = model_config(args.model, raw_train.X.shape[1:], len(class_names), args.hidden,
                              args.dropout)
    except ValueError as e:
        raise SystemExit(f"tamrin train: {e}") from None
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


def _check_fits(config: dict, image_shape: tuple[int, ...], n_classes: int, data: str,
                trained_on: str) -> None:
    """Stop with a clear message when the checkpoint's model cannot take ``data``."""
    kwargs = config["kwargs"]
    if config["name"] == "mlp":
        fits = (kwargs["in_features"] == int(np.prod(image_shape))
                and kwargs["out_features"] == n_classes)
    else:
        fits = (kwargs["in_channels"] == image_shape[0] and kwargs["num_classes"] == n_classes
                and (config["name"] != "lenet" or tuple(image_shape[1:]) == (28, 28)))
    if not fits:
        raise SystemExit(f"tamrin evaluate: the checkpoint's {config['name']} was trained on "
                         f"{trained_on} and does not fit {data} (images "
                         f"{'×'.join(map(str, image_shape))}, {n_classes} classes)")


def evaluate_checkpoint(args: argparse.Namespace) -> int:
    """Test metrics of a checkpoint written by ``tamrin train``."""
    if not Path(args.checkpoint).is_file():
        raise SystemExit(f"tamrin evaluate: {args.checkpoint} does not exist")
    metadata = read_metadata(args.checkpoint)
    if "model" not in metadata:
        raise SystemExit(f"tamrin evaluate: {args.checkpoint} has no model configuration; "
                         "it was not written by `tamrin train`")
    config = json.loads(metadata["model"])
    model = build_model(config)
    load_checkpoint(args.checkpoint, model)
    data = args.data or metadata["data"]
    raw_test, class_names = load_raw(data, train=False)
    _check_fits(config, raw_test.X.shape[1:], len(class_names), data, metadata["data"])
    test_set = dataset(raw_test, json.loads(metadata["preprocess"]), config["name"] == "mlp")
    _report_test(model, test_set, class_names, None)
    return 0
