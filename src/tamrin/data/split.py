"""Hold-out splits and cross-validation folds, with scikit-learn's names and fold sizes.

Every splitter yields ``(train_indices, test_indices)``; across the ``n_splits`` folds of a
K-fold splitter each sample is in exactly one test fold (the leftover ``n % k`` samples go
one each to the first folds, they are never dropped).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.random import RandomState, check_random_state
from tamrin.tensor import Tensor


def _to_array(x: Any) -> np.ndarray:
    return np.asarray(x._array if isinstance(x, Tensor) else x)


def _take(x: Any, indices: np.ndarray) -> Any:
    """``x[indices]`` for arrays, Tensors and lists (returning the same kind)."""
    if isinstance(x, Tensor):
        return as_tensor(x._array[indices], dtype=x.dtype)
    if isinstance(x, np.ndarray):
        return x[indices]
    return [x[i] for i in indices]


def _split_sizes(n: int, test_size: float | int | None,
                 train_size: float | int | None) -> tuple[int, int]:
    """scikit-learn's rule: a float test fraction is rounded up, a float train one down."""
    if test_size is None and train_size is None:
        test_size = 0.25
    n_test = _as_count(test_size, n, math.ceil, "test_size")
    n_train = _as_count(train_size, n, math.floor, "train_size")
    n_test = n - n_train if n_test is None else n_test
    n_train = n - n_test if n_train is None else n_train
    if n_train + n_test > n or n_train <= 0 or n_test <= 0:
        raise ValueError(f"train_test_split: with n_samples={n}, test_size={test_size} and "
                         f"train_size={train_size} one of the sets would be empty or the "
                         "two would overlap")
    return n_train, n_test


def _as_count(size: float | int | None, n: int, rounding: Any, name: str) -> int | None:
    if size is None:
        return None
    if isinstance(size, float):
        if not 0.0 < size < 1.0:
            raise ValueError(f"train_test_split: a float {name} must be in (0, 1), got {size}")
        return int(rounding(size * n))
    return int(size)


def _allocate(counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n_draws`` between classes in proportion to ``counts`` (largest remainder).

    Each class gets ⌊n_draws·pᵢ⌋, and the draws left over go to the largest remainders
    (ties broken at random) — scikit-learn's ``_approximate_mode``.
    """
    exact = n_draws * counts / counts.sum()
    floored = np.floor(exact).astype(int)
    left = n_draws - floored.sum()
    remainder = exact - floored
    order = rng.permutation(len(counts))
    order = order[np.argsort(-remainder[order], kind="stable")]
    floored[order[:left]] += 1
    return floored


def train_test_split(*arrays: Any, test_size: float | int | None = None,
                     train_size: float | int | None = None, random_state: RandomState = None,
                     shuffle: bool = True, stratify: Any = None) -> list[Any]:
    """Split each array into a train and a test part: ``X_tr, X_te, y_tr, y_te = …``.

    ``test_size`` is a fraction or a count (default 0.25). ``shuffle`` draws the order from
    ``random_state`` (default: tamrin's generator). ``stratify`` (labels) keeps each class's
    proportion in both parts.
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"train_test_split: arrays of inconsistent lengths "
                         f"{[len(a) for a in arrays]}")
    n_train, n_test = _split_sizes(n, test_size, train_size)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        train, test = _stratified_indices(_to_array(stratify), n_train, n_test,
                                          check_random_state(random_state))
    elif shuffle:
        order = check_random_state(random_state).permutation(n)
        test, train = order[:n_test], order[n_test:n_test + n_train]
    else:  # the first n_train samples train, the next n_test test
        train, test = np.arange(n_train), np.arange(n_train, n_train + n_test)
    return [part for a in arrays for part in (_take(a, train), _take(a, test))]


def _stratified_indices(y: np.ndarray, n_train: int, n_test: int,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    classes, y_idx, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError("train_test_split: the least populated class in stratify has only "
                         "1 member, too few to be in both the train and the test set")
    n_test_per_class = _allocate(counts, n_test, rng)
    n_train_per_class = _allocate(counts - n_test_per_class, n_train, rng)
    train, test = [], []
    for k in range(len(classes)):
        members = rng.permutation(np.flatnonzero(y_idx == k))
        test.append(members[:n_test_per_class[k]])
        train.append(members[n_test_per_class[k]:n_test_per_class[k] + n_train_per_class[k]])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


class _KFoldBase:
    """Shared K-fold machinery: subclasses assign each sample a test fold number."""

    def __init__(self, n_splits: int = 5) -> None:
        if int(n_splits) < 2:
            raise ValueError(f"{type(self).__name__}: n_splits must be at least 2, got "
                             f"{n_splits}")
        self.n_splits = int(n_splits)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def _test_folds(self, n: int, y: np.ndarray | None,
                    groups: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def split(self, X: Any, y: Any = None,
              groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, test_indices)`` for each of the ``n_splits`` folds."""
        n = len(X)
        if self.n_splits > n:
            raise ValueError(f"{type(self).__name__}: cannot have n_splits={self.n_splits} "
                             f"greater than the number of samples n_samples={n}")
        y = None if y is None else _to_array(y)
        groups = None if groups is None else _to_array(groups)
        for a, name in ((y, "y"), (groups, "groups")):
            if a is not None and len(a) != n:
                raise ValueError(f"{type(self).__name__}: {name} has {len(a)} entries but "
                                 f"X has {n} samples")
        folds = self._test_folds(n, y, groups)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)


class KFold(_KFoldBase):
    """K consecutive folds (shuffled first if asked); the first ``n % k`` get one extra."""

    def __init__(self, n_splits: int = 5, shuffle: bool = False,
                 random_state: RandomState = None) -> None:
        super().__init__(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def _test_folds(self, n: int, y: np.ndarray | None,
                    groups: np.ndarray | None) -> np.ndarray:
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        order = check_random_state(self.random_state).permutation(n) if self.shuffle \
            else np.arange(n)
        folds = np.empty(n, dtype=int)
        folds[order] = np.repeat(np.arange(self.n_splits), sizes)
        return folds


class StratifiedKFold(_KFoldBase):
    """K folds that each keep the class proportions of ``y`` (scikit-learn's algorithm).

    The sorted labels are dealt round-robin to the folds, which fixes how many of each class
    every fold gets; each class's samples (shuffled if asked) then fill those places in order.
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False,
                 random_state: RandomState = None) -> None:
        super().__init__(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def _test_folds(self, n: int, y: np.ndarray | None,
                    groups: np.ndarray | None) -> np.ndarray:
        if y is None:
            raise ValueError("StratifiedKFold.split: the labels y are required")
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        y_enc = np.argsort(np.argsort(first))[inverse]  # classes in order of appearance
        counts = np.bincount(y_enc)
        if counts.max() < self.n_splits:
            raise ValueError(f"StratifiedKFold: n_splits={self.n_splits} cannot be greater "
                             "than the number of members in each class")
        if counts.min() < self.n_splits:
            warnings.warn(f"StratifiedKFold: the least populated class in y has only "
                          f"{counts.min()} members, which is less than n_splits="
                          f"{self.n_splits}", UserWarning, stacklevel=3)
        y_sorted = np.sort(y_enc)
        allocation = np.array([np.bincount(y_sorted[i::self.n_splits], minlength=len(counts))
                               for i in range(self.n_splits)])
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = np.empty(n, dtype=int)
        for k in range(len(counts)):
            fold_of_member = np.repeat(np.arange(self.n_splits), allocation[:, k])
            if rng is not None:
                rng.shuffle(fold_of_member)
            folds[y_enc == k] = fold_of_member
        return folds


class GroupKFold(_KFoldBase):
    """K folds in which no group (e.g. the scanner or site of an image) is split.

    Greedy balancing: groups, largest first, each go to the fold with the fewest samples so
    far. A group's samples therefore test a model that never saw that group.
    """

    def _test_folds(self, n: int, y: np.ndarray | None,
                    groups: np.ndarray | None) -> np.ndarray:
        if groups is None:
            raise ValueError("GroupKFold.split: the groups argument is required")
        _, group_idx = np.unique(groups, return_inverse=True)
        sizes = np.bincount(group_idx)
        if len(sizes) < self.n_splits:
            raise ValueError(f"GroupKFold: cannot have n_splits={self.n_splits} greater than "
                             f"the number of groups ({len(sizes)})")
        samples_per_fold = np.zeros(self.n_splits, dtype=int)
        group_to_fold = np.empty(len(sizes), dtype=int)
        for g in np.argsort(sizes, kind="stable")[::-1]:
            lightest = int(np.argmin(samples_per_fold))
            samples_per_fold[lightest] += sizes[g]
            group_to_fold[g] = lightest
        return group_to_fold[group_idx]
