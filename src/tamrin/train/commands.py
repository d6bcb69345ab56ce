"""Handlers of ``tamrin train`` and ``tamrin evaluate`` (argument parsing is in cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
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
    config = model_config(args.model, raw_train.X.shape[1:], len(class_names), args.hidden,
                          args.dropout)
    model = build_model(config)
    optimizer = _optimizer(args.optimizer, model, args.lr)
    metadata = {"model": json.dumps(config), "data": args.data,
                "preprocess": json.dumps(preprocess)}
    resume = out / "last.safetensors" if args.resume else None
    if resume is not None:
        _check_resumable(resume, config)
    try:
        history = fit(model, nn.CrossEntropyLoss(), optimizer,
                      DataLoader(train_set, batch_size=args.batch_size, shuffle=True),
                      DataLoader(val_set, batch_size=512), epochs=args.epochs,
                      metrics=["accuracy"], progress=False if args.no_progress else None,
                      callbacks=[ModelCheckpoint(out, monitor="val_accuracy",
                                                 metadata=metadata), EpochLogger()],
                      resume_from=resume)
    except KeyboardInterrupt:
        print(f"tamrin train: interrupted; the last finished epoch is saved in {out}: resume "
              "with the same command and --resume", file=sys.stderr)
        return 130
    history.save_json(out / "history.json")
    test_set = dataset(load_raw(args.data, train=False)[0], preprocess, flatten)
    _report_test(model, test_set, class_names, out)
    return 0


def _check_resumable(resume: Path, config: dict) -> None:
    """--resume needs OUT/last.safetensors, written by `tamrin train` for this model."""
    if not resume.is_file():
        raise FileNotFoundError(f"--resume, but {resume} does not exist (train without "
                                "--resume first)")
    metadata = read_metadata(resume)
    if "model" not in metadata:
        raise ValueError(f"{resume} was not written by `tamrin train` (it has no model "
                         "configuration); it cannot be resumed")
    if _json_entry(metadata, "model", resume) != config:
        raise ValueError(f"{resume} was written for another model configuration; use the "
                         "same --model/--hidden/--dropout")


def _json_entry(metadata: dict[str, str], key: str, path: str | Path) -> object:
    try:
        return json.loads(metadata[key])
    except (KeyError, ValueError, RecursionError):
        raise ValueError(f"{path}: header entry {key!r} is missing or not valid JSON; the "
                         "file was not written by `tamrin train`") from None


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
        raise ValueError(f"the checkpoint's {config['name']} was trained on {trained_on} and "
                         f"does not fit {data} (images {'×'.join(map(str, image_shape))}, "
                         f"{n_classes} classes)")


MAX_WIDTH = 1_000_000  # a layer size a checkpoint header may ask for (the CLI's MLP: ≤ 4096)
_CONFIG_KEYS = {"mlp": {"in_features", "hidden_sizes", "out_features", "dropout"},
                "lenet": {"num_classes", "in_channels"}, "resnet": {"num_classes", "in_channels"}}


def build_config_model(config: object, path: str | Path) -> nn.Module:
    """The model a checkpoint's configuration describes — checked first (known model, the
    expected keys, sizes in [1, MAX_WIDTH], dropout in [0, 1)) so a hostile header can
    neither crash the constructor nor make it allocate; a ValueError names the file."""
    def bad(why: str) -> ValueError:
        return ValueError(f"{path}: the model configuration in its header is malformed "
                          f"({why})")

    if not isinstance(config, dict) or config.get("name") not in _CONFIG_KEYS:
        raise bad("expected {'name': mlp|lenet|resnet, 'kwargs': {...}}")
    kwargs = config.get("kwargs")
    if not isinstance(kwargs, dict) or set(kwargs) != _CONFIG_KEYS[config["name"]]:
        raise bad(f"kwargs must be exactly {sorted(_CONFIG_KEYS[config['name']])}")
    sizes = [v for k, v in kwargs.items() if k not in ("hidden_sizes", "dropout")]
    sizes += kwargs.get("hidden_sizes", []) if isinstance(kwargs.get("hidden_sizes"), list) \
        else [None]
    if len(sizes) > 64 or not all(type(n) is int and 1 <= n <= MAX_WIDTH for n in sizes):
        raise bad(f"every size must be an integer from 1 to {MAX_WIDTH}")
    dropout = kwargs.get("dropout", 0.0)
    if type(dropout) not in (int, float) or not 0 <= dropout < 1:
        raise bad("dropout must be a number in [0, 1)")
    return build_model(config)


def evaluate_checkpoint(args: argparse.Namespace) -> int:
    """Test metrics of a checkpoint written by ``tamrin train``."""
    if not Path(args.checkpoint).is_file():
        raise FileNotFoundError(f"{args.checkpoint} does not exist")
    metadata = read_metadata(args.checkpoint)
    if "model" not in metadata or "data" not in metadata:
        raise ValueError(f"{args.checkpoint} has no model configuration; it was not written "
                         "by `tamrin train`")
    config = _json_entry(metadata, "model", args.checkpoint)
    model = build_config_model(config, args.checkpoint)
    load_checkpoint(args.checkpoint, model)
    data = args.data or metadata["data"]
    raw_test, class_names = load_raw(data, train=False)
    _check_fits(config, raw_test.X.shape[1:], len(class_names), data, metadata["data"])
    preprocess = _json_entry(metadata, "preprocess", args.checkpoint)
    test_set = dataset(raw_test, preprocess, config["name"] == "mlp")
    _report_test(model, test_set, class_names, None)
    return 0
