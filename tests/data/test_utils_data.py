"""``tamrin.utils.data`` (PyTorch's ``torch.utils.data`` names), ``random_split`` and the
DataLoader's worker options."""

import numpy as np
import pytest

import tamrin
from tamrin.utils.data import DataLoader, Dataset, Subset, TensorDataset, random_split

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")


def test_the_names_of_torch_utils_data():
    import torch.utils.data as theirs

    for name in ("DataLoader", "Dataset", "Subset", "TensorDataset", "random_split",
                 "default_collate", "default_convert"):
        assert hasattr(tamrin.utils.data, name) and hasattr(theirs, name)


@pytest.mark.parametrize("lengths", [[7, 3], [0.8, 0.2], [0.34, 0.33, 0.33], [10, 0]])
def test_random_split_lengths_as_pytorch(lengths):
    ours = random_split(TensorDataset(np.arange(10)), lengths,
                        generator=tamrin.Generator().manual_seed(1))
    theirs = torch.utils.data.random_split(torch.utils.data.TensorDataset(torch.arange(10)),
                                           lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    taken = sorted(int(s[i][0]) for s in ours for i in range(len(s)))
    assert taken == list(range(10))  # disjoint and complete
    assert all(isinstance(s, Subset) for s in ours)


def test_random_split_is_reproducible_from_a_generator_or_the_seed():
    data = TensorDataset(np.arange(20))

    def order(**kw):
        return [s.indices for s in random_split(data, [0.5, 0.5], **kw)]

    assert order(generator=tamrin.Generator().manual_seed(3)) == \
        order(generator=tamrin.Generator().manual_seed(3))
    tamrin.manual_seed(5)
    first = order()
    tamrin.manual_seed(5)
    assert order() == first


def test_random_split_checks_the_lengths():
    with pytest.raises(ValueError, match="does not equal the length of the input dataset"):
        random_split(TensorDataset(np.arange(5)), [2, 2])
    with pytest.raises(ValueError, match="fractions that sum up to 1"):
        random_split(TensorDataset(np.arange(5)), [0.5, 0.2])


class Squares(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return tamrin.tensor([float(i)]), i * i


def test_worker_options_give_the_same_batches_in_the_same_order():
    plain = [(x.tolist(), y.tolist()) for x, y in DataLoader(Squares(), batch_size=4)]
    workers = DataLoader(Squares(), batch_size=4, num_workers=4, pin_memory=True,
                         persistent_workers=True, prefetch_factor=2, timeout=10)
    assert [(x.tolist(), y.tolist()) for x, y in workers] == plain
    theirs = torch.utils.data.DataLoader(Squares(), batch_size=4)
    assert len(theirs) == len(workers)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"num_workers": -1}, ValueError, "num_workers must be an integer ≥ 0"),
    ({"prefetch_factor": 2}, ValueError, "prefetch_factor option could only be specified in "
                                         "multiprocessing"),
    ({"persistent_workers": True}, ValueError, "persistent_workers option needs "
                                               "num_workers > 0"),
    ({"timeout": -1}, ValueError, "timeout option should be non-negative"),
])
def test_worker_options_are_checked_as_pytorch_checks_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Squares(), **kwargs)
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(Squares(), **kwargs)


def test_tensor_datasets_can_be_sliced():
    x, y = tamrin.arange(10.0).reshape(5, 2), tamrin.arange(5)
    xb, yb = TensorDataset(x, y)[1:3]
    assert xb.tolist() == [[2.0, 3.0], [4.0, 5.0]] and yb.tolist() == [1, 2]
