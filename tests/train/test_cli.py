"""`tamrin train` and `tamrin evaluate` on the digits (offline, a few seconds)."""

import json

import pytest

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


def test_resume_without_a_checkpoint_or_with_another_model_is_an_error(tmp_path):
    base = ["train", "--data", "digits", "--epochs", "1", "--out", str(tmp_path),
            "--no-progress"]
    with pytest.raises(SystemExit, match="does not exist"):
        main([*base, "--resume"])
    assert main([*base, "--hidden", "8"]) == 0
    with pytest.raises(SystemExit, match="another model"):
        main([*base, "--hidden", "16", "--resume"])
