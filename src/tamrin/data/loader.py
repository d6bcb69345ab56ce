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

    PyTorch's worker options (``num_workers``, ``pin_memory``, ``persistent_workers``,
    ``prefetch_factor``, ``worker_init_fn``, ``timeout``, ``multiprocessing_context``) are
    checked as PyTorch checks them and accepted, but the samples are always loaded in the
    main process: the batches and their order are the same as with worker processes.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator: np.random.Generator | None = None, *, num_workers: int = 0,
                 pin_memory: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False) -> None:
        _check_worker_options(num_workers, prefetch_factor, persistent_workers, timeout)
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


def _check_worker_options(num_workers: int, prefetch_factor: int | None,
                          persistent_workers: bool, timeout: float) -> None:
    """PyTorch's checks of the worker options (which tamrin then does not need)."""
    validation.integer(num_workers, "num_workers", "DataLoader", low=0)
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing. let num_workers > 0 to enable multiprocessing, "
                         "otherwise set prefetch_factor to None.")
    if num_workers == 0 and persistent_workers:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
    if timeout < 0:
        raise ValueError("DataLoader: timeout option should be non-negative")
