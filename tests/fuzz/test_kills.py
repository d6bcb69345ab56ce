"""Kills at every write boundary: a training run killed at any point and resumed ends with
the same best.safetensors and last.safetensors as a run never killed, and a writer killed
mid-write leaves a temporary file that the next write removes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tamrin

TRAIN = textwrap.dedent("""
    import os, sys
    import numpy as np
    import tamrin
    from tamrin import nn, optim
    from tamrin.data import DataLoader, TensorDataset
    from tamrin.train import ModelCheckpoint, fit

    out, kill_at, when = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    real_replace, calls = os.replace, [0]

    def replace(src, dst):  # the rename that makes each checkpoint file visible
        calls[0] += 1
        if calls[0] == kill_at and when == "before":
            os._exit(9)
        real_replace(src, dst)
        if calls[0] == kill_at and when == "after":
            os._exit(9)

    os.replace = replace
    tamrin.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.int64)
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=0.2)
    last = os.path.join(out, "last.safetensors")
    fit(model, nn.CrossEntropyLoss(), opt,
        DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True),
        DataLoader(TensorDataset(x, y), batch_size=64), epochs=EPOCHS,
        callbacks=[ModelCheckpoint(out, monitor="val_loss")], progress=False,
        resume_from=last if os.path.exists(last) else None)
""")
EPOCHS = 3
WRITES = 2 * EPOCHS  # best (val_loss falls every epoch here) then last, each epoch


def _train(script, out, kill_at: int = 0, when: str = "none") -> int:
    return subprocess.run([sys.executable, str(script), str(out), str(kill_at), when],
                          capture_output=True, timeout=120).returncode


def _arrays(path) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in tamrin.load(path).items()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kills")
    script = folder / "train.py"
    script.write_text(TRAIN.replace("EPOCHS", str(EPOCHS)))
    out = folder / "reference"
    assert _train(script, out) == 0
    return script, {name: _arrays(out / f"{name}.safetensors") for name in ("best", "last")}


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("kill_at", range(1, WRITES + 1))
def test_a_run_killed_at_any_write_resumes_to_the_same_files(reference, tmp_path, kill_at,
                                                              when):
    script, expected = reference
    out = tmp_path / "run"
    assert _train(script, out, kill_at, when) == 9  # killed there
    assert _train(script, out) == 0  # resumed to the end
    for name in ("best", "last"):
        got = _arrays(out / f"{name}.safetensors")
        assert got.keys() == expected[name].keys()
        for key in got:
            np.testing.assert_array_equal(got[key], expected[name][key],
                                          err_msg=f"{name}.safetensors differs after a kill "
                                                  f"{when} write {kill_at}")
    assert not list(out.glob(".*.tmp")), "a finished run leaves no temporary file"


WRITE = textwrap.dedent("""
    import os, sys
    import numpy as np
    import tamrin
    os.fsync = lambda fd: os._exit(9)  # killed after the bytes, before the rename
    tamrin.save({"w": np.zeros(1000, np.float32)}, sys.argv[1])
""")


def test_temporaries_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "model.safetensors"
    script = tmp_path / "write.py"
    script.write_text(WRITE)
    for _ in range(4):  # each killed writer's own write removes the orphans before it
        done = subprocess.run([sys.executable, str(script), str(target)], timeout=60)
        assert done.returncode == 9
        assert len(list(tmp_path.glob(".model.safetensors.*.tmp"))) == 1
    assert not target.exists()
    tamrin.save({"w": tamrin.ones(3)}, target)
    assert not list(tmp_path.glob(".model.safetensors.*.tmp"))
    assert tamrin.load(target)["w"].numpy().tolist() == [1.0, 1.0, 1.0]
