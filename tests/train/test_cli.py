"""`tamrin train` and `tamrin evaluate` on the digits (offline, a few seconds)."""

import json

import numpy as np

from tamrin.cli import main


def test_train_resume_and_evaluate_on_digits(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "mlp", "--data", "digits", "--lr", "0.003", "--batch-size",
            "32", "--hidden", "64", "--out", str(out), "--no-progress"]
    assert main([*args, "--epochs", "2"]) == 0
    assert main([*args, "--epochs", "3", "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "epoch 3/3" in printed and "epoch 1/3" not in printed.split("epoch 2/2")[-1]
    history = json.loads((out / "history.json").read_text())
    assert [e["epoch"] for e in history["epochs"]] == [1, 2, 3]
    test = json.loads((out / "test_metrics.json").read_text())
    assert test["accuracy"] > 0.85
    assert {p.name for p in out.iterdir()} >= {"best.safetensors", "last.safetensors"}

    assert main(["evaluate", str(out / "last.safetensors")]) == 0
    evaluated = capsys.readouterr().out
    assert f"accuracy {test['accuracy']:.4f}" in evaluated and "macro avg" in evaluated


def _error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_resume_without_a_checkpoint_or_with_another_model_is_an_error(tmp_path, capsys):
    base = ["train", "--data", "digits", "--epochs", "1", "--out", str(tmp_path),
            "--no-progress"]
    assert main([*base, "--resume"]) == 2
    assert "does not exist" in _error_line(capsys)
    assert main([*base, "--hidden", "8"]) == 0
    capsys.readouterr()
    assert main([*base, "--hidden", "16", "--resume"]) == 2
    assert "another model" in _error_line(capsys)


def test_cli_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.safetensors")]) == 2
    assert "does not exist" in _error_line(capsys)
    assert main(["train", "--model", "lenet", "--data", "digits", "--epochs", "1", "--out",
                 str(tmp_path), "--no-progress"]) == 2
    assert "LeNet5 takes 28×28" in _error_line(capsys)


def test_evaluate_on_a_dataset_the_model_cannot_take_is_an_error(tmp_path, monkeypatch,
                                                                    capsys):
    from tamrin.train import commands
    from tamrin.train.recipes import RawSplit

    assert main(["train", "--data", "digits", "--epochs", "1", "--hidden", "8", "--out",
                 str(tmp_path), "--no-progress"]) == 0
    fake = RawSplit(np.zeros((4, 1, 28, 28), np.float32), np.zeros(4, np.int64))
    monkeypatch.setattr(commands, "load_raw", lambda name, train: (fake, list("0123456789")))
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "best.safetensors"), "--data", "mnist"]) == 2
    assert "trained on digits and does not fit mnist" in _error_line(capsys)
