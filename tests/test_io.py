"""Checkpoints: safetensors round trips tamrin → file → tamrin, tamrin → file → torch and
torch → file → tamrin; atomic writes (a failure mid-save leaves the old file intact)."""

import os

import numpy as np
import pytest

import tamrin
from tamrin import nn


def _model(m):
    return m.Sequential(m.Linear(5, 4), m.BatchNorm1d(4), m.ReLU(), m.Linear(4, 3),
                        m.LayerNorm(3), m.Embedding(6, 3))


def _array(value):
    """The values of a tamrin or torch tensor as an ndarray."""
    return value.numpy() if isinstance(value, tamrin.Tensor) else value.detach().numpy()


def _same_state(a, b):
    assert sorted(a) == sorted(b)
    for key in a:
        x, y = _array(a[key]), _array(b[key])
        assert x.dtype == y.dtype and x.shape == y.shape, key
        np.testing.assert_array_equal(x, y, err_msg=key)


def test_round_trip_tamrin_file_tamrin(tmp_path):
    tamrin.manual_seed(0)
    model = _model(nn)
    model[1](tamrin.randn(8, 4))  # move the running statistics and num_batches_tracked
    path = tmp_path / "model.safetensors"
    tamrin.save(model.state_dict(), path)
    loaded = tamrin.load(path)
    assert all(isinstance(v, tamrin.Tensor) for v in loaded.values())
    _same_state(model.state_dict(), loaded)
    tamrin.manual_seed(1)
    other = _model(nn)
    other.load_state_dict(loaded)
    _same_state(model.state_dict(), other.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    assert loaded["1.num_batches_tracked"].shape == ()


def test_tamrin_checkpoint_loads_into_torch(tmp_path):
    from safetensors.torch import load_file

    from tests.oracle import torch

    tamrin.manual_seed(0)
    model = _model(nn)
    model[1](tamrin.randn(8, 4))
    path = tmp_path / "from_tamrin.safetensors"
    tamrin.save(model.state_dict(), path)
    theirs = _model(torch.nn)
    result = theirs.load_state_dict(load_file(str(path)))  # strict
    assert not result.missing_keys and not result.unexpected_keys
    _same_state(model.state_dict(), theirs.state_dict())


def test_torch_checkpoint_loads_into_tamrin(tmp_path):
    from safetensors.torch import save_file

    from tests.oracle import torch

    torch.manual_seed(0)
    theirs = _model(torch.nn)
    theirs[1](torch.randn(8, 4))
    path = tmp_path / "from_torch.safetensors"
    save_file(theirs.state_dict(), str(path))
    ours = _model(nn)
    ours.load_state_dict(tamrin.load(path))
    _same_state(ours.state_dict(), theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    ours.eval(), theirs.eval()
    ours, theirs = ours[:5], theirs[:5]  # the embedding takes indices, not features
    np.testing.assert_allclose(ours(tamrin.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_failed_save_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    tamrin.save({"w": tamrin.ones(3)}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "fsync", crash)  # fails after part of the bytes are written
    with pytest.raises(OSError, match="simulated"):
        tamrin.save({"w": tamrin.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temporary file left behind
    np.testing.assert_array_equal(tamrin.load(path)["w"].numpy(), np.ones(3, np.float32))


def test_save_rejects_non_tensors_and_loads_nothing_executable(tmp_path):
    with pytest.raises(TypeError, match="save: value 'epoch' is a int"):
        tamrin.save({"epoch": 3}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="save: value 'names' has dtype object"):
        tamrin.save({"names": np.array(["a", 1], dtype=object)}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
    (tmp_path / "bad.safetensors").write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ValueError, match=r"load: '.*bad\.safetensors' is a pickle file"):
        tamrin.load(tmp_path / "bad.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"\x04\x00not a safetensors file")
    with pytest.raises(ValueError, match=r"load: '.*bad\.safetensors' is not a valid "
                                         "safetensors checkpoint"):
        tamrin.load(tmp_path / "bad.safetensors")


def test_non_contiguous_values_are_saved(tmp_path):
    t = tamrin.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3)).T
    tamrin.save({"t": t, "a": np.arange(4)}, tmp_path / "c.safetensors")
    loaded = tamrin.load(tmp_path / "c.safetensors")
    np.testing.assert_array_equal(loaded["t"].numpy(), t.numpy())
    assert loaded["a"].dtype == np.int64


def test_pytorch_style_calls_save_and_load_state_dicts(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "model_weights.pth"  # the name does not matter: the file is safetensors
    tamrin.save(model.state_dict(), path)
    clone = nn.Linear(3, 2)
    clone.load_state_dict(tamrin.load(path, weights_only=True, map_location="cpu"))
    _same_state(model.state_dict(), clone.state_dict())
    with pytest.raises(RuntimeError, match="tamrin runs on the CPU only"):
        tamrin.load(path, map_location="cuda:0")


@pytest.mark.parametrize("obj", [nn.Linear(2, 2), tamrin.ones(3), [tamrin.ones(1)]])
def test_what_only_pickle_can_hold_is_refused_with_what_to_save_instead(tmp_path, obj):
    with pytest.raises(TypeError, match=r"tamrin saves state dicts .* in safetensors format.* "
                                        r"Save model.state_dict\(\) rather than a model"):
        tamrin.save(obj, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_a_pytorch_pickle_file_is_refused_naming_safetensors(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch writes the pickle file")
    path = tmp_path / "model.pth"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)  # a zip archive of pickles
    with pytest.raises(ValueError, match="is a pickle file .* tamrin reads only safetensors"):
        tamrin.load(path)
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="is a pickle file"):
        tamrin.load(legacy)
