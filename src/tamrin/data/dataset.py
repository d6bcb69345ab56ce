"""Datasets: anything indexable that returns one sample, as ``torch.utils.data``.

A ``Dataset`` maps an index to a sample (usually ``(input, target)``); ``TensorDataset``
wraps arrays that share their first dimension; ``Subset`` views a dataset through a list of
indices (what a train/validation split or a cross-validation fold hands to a loader), and
``random_split`` cuts a dataset into random, non-overlapping Subsets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tamrin.creation import from_numpy
from tamrin.random import default_generator
from tamrin.tensor import Tensor, as_array


class Dataset:
    """Base class: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Sample ``i`` is ``(tensors[0][i], tensors[1][i], …)``.

    ``transform`` (applied to the first tensor's sample, e.g. augmentation) and
    ``target_transform`` (applied to the last one) run on the fly, each time a sample is
    read, so every epoch sees fresh random augmentations.
    """

    def __init__(self, *tensors: Any, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor or array")
        arrays = [t._array if isinstance(t, Tensor) else as_array(t) for t in tensors]
        sizes = {a.shape[0] if a.ndim else None for a in arrays}
        if len(sizes) != 1 or None in sizes:
            raise ValueError(
                "TensorDataset: all tensors must have the same size in their first "
                f"dimension, got shapes {[a.shape for a in arrays]}"
            )
        self.tensors = tuple(from_numpy(a) for a in arrays)
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        n = len(self)
        if isinstance(index, (int, np.integer)) and not -n <= index < n:
            raise IndexError(f"TensorDataset: index {index} is out of range for a dataset of "
                             f"{n} samples")
        sample = [t.numpy()[index] for t in self.tensors]
        if self.transform is not None:
            sample[0] = self.transform(sample[0])
        if self.target_transform is not None:
            sample[-1] = self.target_transform(sample[-1])
        return tuple(s if isinstance(s, Tensor) else from_numpy(np.asarray(s)) for s in sample)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in np.asarray(indices).ravel()]

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, (int, np.integer)) and not -len(self) <= index < len(self):
            raise IndexError(f"Subset: index {index} is out of range for a subset of "
                             f"{len(self)} samples")
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Integer lengths from counts or from fractions summing to 1 (PyTorch's rule: each
    fraction floored, the samples left over given one each to the first subsets)."""
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in lengths):
        counts = [int(x) for x in lengths]
    elif math.isclose(sum(lengths), 1.0) and all(0 <= x <= 1 for x in lengths):
        counts = [math.floor(n * x) for x in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        raise ValueError(f"random_split: lengths must be counts or fractions that sum up to "
                         f"1, got {list(lengths)}")
    if sum(counts) != n or min(counts, default=0) < 0:
        raise ValueError(f"random_split: sum of input lengths {counts} does not equal the "
                         f"length of the input dataset ({n})")
    return counts


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Cut ``dataset`` into non-overlapping random Subsets of the given lengths (counts, or
    fractions that sum to 1), drawn from ``generator`` or the library generator."""
    counts = _lengths(lengths, len(dataset))
    order = (generator or default_generator()).permutation(len(dataset))
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]
