"""Dataset, TensorDataset, Subset and DataLoader."""

import numpy as np
import pytest

import tamrin
from tamrin.data import DataLoader, Subset, TensorDataset, default_collate


def _epoch_order(loader):
    return np.concatenate([batch[-1].numpy() for batch in loader])


def test_batches_cover_every_sample_once():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=3, shuffle=True)
    assert len(loader) == 4
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [3, 3, 3, 1]
    assert sorted(_epoch_order(loader)) == list(range(10))
    xb, yb = batches[0]
    np.testing.assert_array_equal(xb.numpy(), X[yb.numpy()])
    assert xb.dtype == tamrin.float32 and yb.dtype == tamrin.int64


def test_drop_last_and_no_shuffle():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_follows_the_library_seed_and_changes_each_epoch():
    loader = DataLoader(TensorDataset(np.arange(50)), batch_size=8, shuffle=True)
    tamrin.manual_seed(3)
    first, second = _epoch_order(loader), _epoch_order(loader)
    tamrin.manual_seed(3)
    np.testing.assert_array_equal(_epoch_order(loader), first)
    assert not np.array_equal(first, second)


def test_transform_runs_on_the_fly():
    calls = []

    def transform(x):
        calls.append(1)
        return x * 2

    ds = TensorDataset(np.ones((4, 3)), np.zeros(4), transform=transform)
    for _ in range(2):
        for xb, _ in DataLoader(ds, batch_size=2):
            np.testing.assert_array_equal(xb.numpy(), 2 * np.ones((2, 3)))
    assert len(calls) == 8


def test_custom_collate_and_default_collate_structures():
    loader = DataLoader(TensorDataset(np.arange(6)), batch_size=4,
                        collate_fn=lambda samples: [int(s[0].item()) for s in samples])
    assert list(loader) == [[0, 1, 2, 3], [4, 5]]
    batch = default_collate([{"x": np.ones(2), "n": 1, "w": 0.5, "s": "a"},
                             {"x": np.zeros(2), "n": 2, "w": 1.5, "s": "b"}])
    assert batch["x"].shape == (2, 2) and batch["n"].dtype == tamrin.int64
    assert batch["w"].dtype == tamrin.float64 and batch["s"] == ["a", "b"]
    with pytest.raises(TypeError, match="collate_fn"):
        default_collate([object()])


def test_subset_and_errors():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][0].item() == 70
    with pytest.raises(ValueError, match="same size"):
        TensorDataset(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
