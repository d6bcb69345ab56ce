"""Splits and cross-validation: partitions, sizes and scikit-learn's fold assignments."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tamrin
from tamrin.data import GroupKFold, KFold, StratifiedKFold, train_test_split

ms = pytest.importorskip("sklearn.model_selection", reason="scikit-learn is the split oracle")


def _assert_partition(folds, n):
    """Every sample is in exactly one test fold, and train = the complement of test."""
    seen = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    for train, test in folds:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))


@given(st.integers(5, 60), st.integers(2, 5))
def test_kfold_partitions_and_matches_sklearn(n, k):
    ours = list(KFold(k).split(np.zeros(n)))
    _assert_partition(ours, n)
    for (tr, te), (rtr, rte) in zip(ours, ms.KFold(k).split(np.zeros(n))):
        np.testing.assert_array_equal(te, rte)
        np.testing.assert_array_equal(tr, rtr)
    shuffled = list(KFold(k, shuffle=True, random_state=0).split(np.zeros(n)))
    _assert_partition(shuffled, n)
    assert sorted(len(te) for _, te in shuffled) == sorted(len(te) for _, te in ours)


def test_kfold_keeps_the_leftover_samples():
    folds = list(KFold(3).split(np.zeros(10)))
    assert [len(te) for _, te in folds] == [4, 3, 3]


@given(st.lists(st.integers(0, 3), min_size=12, max_size=60), st.integers(2, 4))
def test_stratified_kfold_matches_sklearn(y, k):
    y = np.array(y)
    if np.bincount(y).max() < k:
        with pytest.raises(ValueError):
            list(StratifiedKFold(k).split(y, y))
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = list(StratifiedKFold(k).split(y, y))
        ref = list(ms.StratifiedKFold(k).split(y, y))
        shuffled = list(StratifiedKFold(k, shuffle=True, random_state=1).split(y, y))
    _assert_partition(ours, len(y))
    _assert_partition(shuffled, len(y))
    for (_, te), (_, rte) in zip(ours, ref):
        np.testing.assert_array_equal(te, rte)
    for (_, te), (_, rte) in zip(shuffled, ref):  # same class counts per fold
        np.testing.assert_array_equal(np.bincount(y[te], minlength=4),
                                      np.bincount(y[rte], minlength=4))


@given(st.lists(st.integers(0, 9), min_size=10, max_size=60), st.integers(2, 4))
def test_group_kfold_matches_sklearn_and_never_splits_a_group(groups, k):
    groups = np.array(groups)
    if len(np.unique(groups)) < k:
        with pytest.raises(ValueError, match="groups"):
            list(GroupKFold(k).split(groups, groups=groups))
        return
    ours = list(GroupKFold(k).split(groups, groups=groups))
    _assert_partition(ours, len(groups))
    for (tr, te), (_, rte) in zip(ours, ms.GroupKFold(k).split(groups, groups=groups)):
        np.testing.assert_array_equal(te, rte)
        assert not set(groups[tr]) & set(groups[te])


def test_train_test_split_sizes_match_sklearn_and_partition():
    X, y = np.arange(103).reshape(103, 1), np.arange(103)
    for kw in ({}, {"test_size": 0.2}, {"test_size": 17}, {"train_size": 0.5},
               {"test_size": 0.3, "train_size": 0.6}):
        ours = train_test_split(X, y, random_state=0, **kw)
        ref = ms.train_test_split(X, y, random_state=0, **kw)
        assert [len(a) for a in ours] == [len(a) for a in ref], kw
        assert not set(ours[2]) & set(ours[3])
        np.testing.assert_array_equal(ours[0].ravel(), ours[2])
    tr, te = train_test_split(list(range(10)), shuffle=False, test_size=0.2)
    assert tr == list(range(8)) and te == [8, 9]


def test_train_test_split_follows_the_library_seed():
    tamrin.manual_seed(5)
    a = train_test_split(np.arange(30))
    tamrin.manual_seed(5)
    np.testing.assert_array_equal(train_test_split(np.arange(30))[1], a[1])


def test_stratified_split_keeps_proportions_like_sklearn():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    for test_size in (0.2, 33):  # no tie between remainders: the counts are determined
        _, te = train_test_split(y, stratify=y, test_size=test_size, random_state=0)
        _, rte = ms.train_test_split(y, stratify=y, test_size=test_size, random_state=0)
        np.testing.assert_array_equal(np.bincount(te), np.bincount(rte))
    for seed in range(5):  # 12.5 / 7.5 / 5: a tie, broken at random
        tr, te = train_test_split(y, stratify=y, test_size=0.25, random_state=seed)
        assert len(te) == 25 and np.all(np.abs(np.bincount(te) - [12.5, 7.5, 5]) <= 0.5)
        np.testing.assert_array_equal(np.bincount(tr) + np.bincount(te), [50, 30, 20])
    with pytest.raises(ValueError, match="1 member"):
        train_test_split(np.arange(5), stratify=[0, 0, 1, 1, 2])
