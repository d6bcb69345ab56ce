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
        return from_numpy(np.stack([np.asarray(b.data if isinstance(b, Tensor) else b)
                                    for b in batch]))
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


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``drop_last=True`` drops the final batch when it is smaller than ``batch_size``.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None) -> None:
        if int(batch_size) < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = generator

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or default_generator()).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
