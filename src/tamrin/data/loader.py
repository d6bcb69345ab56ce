"""DataLoader: batches of samples, in order or shuffled by the library generator.

Each pass (``iter(loader)``) draws a fresh permutation when ``shuffle=True``, from
``generator`` or else tamrin's one generator, so ``tamrin.manual_seed(s)`` fixes the order of
every epoch. The samples of a batch are merged by ``collate_fn`` (``default_collate``
stacks them into Tensors).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tamrin import validation
from tamrin.creation import from_numpy
from tamrin.data.dataset import Dataset
from tamrin.random import default_generator
from tamrin.tensor import Tensor


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into one batch, as ``torch.utils.data.default_collate``.

    Tensors and arrays are stacked along a new first dimension; Python ints become an int64
    tensor and floats a float64 tensor; tuples, lists and dicts are collated field by field;
    strings are returned as a list.
    """
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.generic)):
        arrays = [np.asarray(b.numpy() if isinstance(b, Tensor) else b) for b in batch]
        _check_equal_shapes(arrays)
        return from_numpy(np.stack(arrays))
    if isinstance(elem, (bool, int, float)):
        dtype = {bool: np.bool_, int: np.int64, float: np.float64}[type(elem)]
        return from_numpy(np.array(batch, dtype=dtype))
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the "
                               f"same number of fields, got {[len(b) for b in batch]}")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        return fields if isinstance(elem, list) else tuple(fields)
    raise TypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                    "pass collate_fn= to the DataLoader")


def _check_equal_shapes(arrays: list[np.ndarray]) -> None:
    """PyTorch's error for samples that cannot be stacked into one batch."""
    for i, a in enumerate(arrays[1:], start=1):
        if a.shape != arrays[0].shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"but got {list(arrays[0].shape)} at entry 0 and "
                               f"{list(a.shape)} at entry {i}; pad the samples to one size "
                               "or pass collate_fn= to the DataLoader")


def default_convert(sample: Any) -> Any:
    """One sample as the loader yields it without batching: arrays become Tensors, the
    containers are converted field by field (``torch.utils.data.default_convert``)."""
    if isinstance(sample, np.ndarray):
        return from_numpy(sample)
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple):
        return tuple(default_convert(v) for v in sample)
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``drop_last=True`` drops the final batch when it is smaller than ``batch_size``.
    ``batch_size=None`` turns batching off, as in PyTorch: the loader yields one sample at a
    time (arrays converted to Tensors, no batch axis).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None) -> None:
        if batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        else:
            batch_size = validation.positive_int(batch_size, "batch_size", "DataLoader")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or (default_collate if batch_size else default_convert)
        self.generator = generator

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or default_generator()).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.collate_fn(self.dataset[int(i)])
            return
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
