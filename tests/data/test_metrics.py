"""tamrin.metrics against scikit-learn on random inputs and edge cases."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamrin import metrics as M

skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn is the metrics oracle")

labels_st = st.lists(st.integers(0, 3), min_size=1, max_size=40)


def _pair(draw_true, draw_pred):
    n = min(len(draw_true), len(draw_pred))
    return np.array(draw_true[:n]), np.array(draw_pred[:n])


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@given(labels_st, labels_st, st.sampled_from(["micro", "macro", "weighted", None]),
       st.sampled_from(["warn", 0.0, 1.0, np.nan]))
def test_prf_equal_sklearn_multiclass(a, b, average, zero_division):
    y, p = _pair(a, b)
    for name in ("precision_score", "recall_score", "f1_score"):
        ours = _quiet(getattr(M, name), y, p, average=average, zero_division=zero_division)
        ref = _quiet(getattr(skm, name), y, p, average=average, zero_division=zero_division)
        np.testing.assert_allclose(ours, ref, err_msg=f"{name} average={average}")


@given(st.lists(st.integers(0, 1), min_size=1, max_size=30),
       st.lists(st.integers(0, 1), min_size=1, max_size=30), st.sampled_from([0, 1]))
def test_prf_equal_sklearn_binary(a, b, pos_label):
    y, p = _pair(a, b)
    for name in ("precision_score", "recall_score", "f1_score"):
        ours = _quiet(getattr(M, name), y, p, pos_label=pos_label)
        ref = _quiet(getattr(skm, name), y, p, pos_label=pos_label)
        assert ours == pytest.approx(ref)


def test_precision_and_recall_denominators_are_not_swapped():
    y = np.array([1, 1, 1, 1, 0, 0])
    p = np.array([1, 0, 0, 0, 0, 0])      # TP=1, FP=0, FN=3
    assert M.precision_score(y, p) == 1.0  # TP/(TP+FP)
    assert M.recall_score(y, p) == 0.25    # TP/(TP+FN)


def test_never_predicted_class_warns_and_follows_zero_division():
    y, p = np.array([0, 1, 2, 2]), np.array([0, 1, 1, 1])
    with pytest.warns(M.UndefinedMetricWarning):
        per_class = M.precision_score(y, p, average=None)
    np.testing.assert_allclose(per_class, skm.precision_score(y, p, average=None,
                                                              zero_division=0.0))
    assert M.precision_score(y, p, average="macro", zero_division=1.0) == pytest.approx(
        skm.precision_score(y, p, average="macro", zero_division=1.0))
    assert np.isnan(M.precision_score(y, p, labels=[2], average="macro",
                                      zero_division=np.nan))


def test_binary_average_rejects_multiclass_and_bad_pos_label():
    with pytest.raises(ValueError, match="multiclass"):
        M.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="pos_label"):
        M.f1_score([2, 3], [2, 3])


@given(labels_st, labels_st)
def test_accuracy_and_confusion_matrix(a, b):
    y, p = _pair(a, b)
    assert M.accuracy_score(y, p) == pytest.approx(skm.accuracy_score(y, p))
    np.testing.assert_array_equal(M.confusion_matrix(y, p), skm.confusion_matrix(y, p))
    for norm in ("true", "pred", "all"):
        np.testing.assert_allclose(_quiet(M.confusion_matrix, y, p, normalize=norm),
                                   _quiet(skm.confusion_matrix, y, p, normalize=norm))
    if np.isin([3, 0, 7], y).any():
        np.testing.assert_array_equal(M.confusion_matrix(y, p, labels=[3, 0, 7]),
                                      skm.confusion_matrix(y, p, labels=[3, 0, 7]))
    else:  # as scikit-learn: no given label occurs in y_true
        with pytest.raises(ValueError, match="labels"):
            M.confusion_matrix(y, p, labels=[3, 0, 7])


def test_string_labels():
    y = np.array(["cat", "dog", "dog", "pig"])
    p = np.array(["cat", "cat", "dog", "dog"])
    np.testing.assert_array_equal(M.confusion_matrix(y, p), skm.confusion_matrix(y, p))
    assert _quiet(M.f1_score, y, p, average="weighted") == pytest.approx(
        _quiet(skm.f1_score, y, p, average="weighted"))


@pytest.mark.parametrize("labels,names", [(None, None), ([0, 2], None),
                                          (None, ["a", "bb", "ccc", "weighted avgXX"])])
def test_classification_report_matches_sklearn(labels, names):
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    kw = dict(labels=labels, target_names=names, zero_division=0.0)
    assert M.classification_report(y, p, **kw) == skm.classification_report(y, p, **kw)
    ours = M.classification_report(y, p, output_dict=True, **kw)
    ref = skm.classification_report(y, p, output_dict=True, **kw)
    assert ours.keys() == ref.keys()
    for key, value in ref.items():
        assert ours[key] == pytest.approx(value)


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=2, max_size=40))
def test_curves_equal_sklearn(pairs):
    y = np.array([a for a, _ in pairs])
    s = np.array([b for _, b in pairs]) / 6.0   # many ties
    for drop in (True, False):
        for ours, ref in zip(_quiet(M.roc_curve, y, s, drop_intermediate=drop),
                             _quiet(skm.roc_curve, y, s, drop_intermediate=drop)):
            np.testing.assert_allclose(ours, ref)
        for ours, ref in zip(_quiet(M.precision_recall_curve, y, s, drop_intermediate=drop),
                             _quiet(skm.precision_recall_curve, y, s,
                                    drop_intermediate=drop)):
            np.testing.assert_allclose(ours, ref)
    if len(set(y.tolist())) == 2:
        assert M.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s))


def test_roc_auc_multiclass_ovr_and_one_class():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 60)
    proba = rng.dirichlet(np.ones(3), 60)
    for average in ("macro", "weighted"):
        assert M.roc_auc_score(y, proba, multi_class="ovr", average=average) == pytest.approx(
            skm.roc_auc_score(y, proba, multi_class="ovr", average=average))
    with pytest.warns(M.UndefinedMetricWarning):
        assert np.isnan(M.roc_auc_score([1, 1, 1], [0.2, 0.5, 0.9]))
    labels = np.array([3, 7, 7, 3])  # the greater label is the positive one
    assert M.roc_auc_score(labels, [0.1, 0.8, 0.6, 0.7]) == skm.roc_auc_score(
        labels, [0.1, 0.8, 0.6, 0.7])


@given(st.integers(2, 30), st.integers(1, 3), st.sampled_from(["raw_values",
                                                                "uniform_average"]))
def test_regression_metrics_equal_sklearn(n, k, multioutput):
    rng = np.random.default_rng(n * 10 + k)
    y, p = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        np.testing.assert_allclose(getattr(M, name)(y, p, multioutput=multioutput),
                                   getattr(skm, name)(y, p, multioutput=multioutput))
    assert M.r2_score(y, p, multioutput="variance_weighted") == pytest.approx(
        skm.r2_score(y, p, multioutput="variance_weighted"))


def test_r2_constant_target():
    assert M.r2_score([2.0, 2.0, 2.0], [2.0, 2.0, 2.0]) == skm.r2_score([2, 2, 2], [2, 2, 2])
    assert M.r2_score([2.0, 2.0, 2.0], [1.0, 2.0, 2.0]) == skm.r2_score([2, 2, 2], [1, 2, 2])


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="different numbers of samples"):
        M.accuracy_score([0, 1], [0, 1, 1])


def test_nan_empty_and_continuous_inputs_are_errors_as_in_sklearn():
    y, s = np.array([0, 1, 1, 0]), np.array([0.1, np.nan, 0.8, 0.3])
    for fn in (M.roc_auc_score, M.roc_curve, M.precision_recall_curve):
        with pytest.raises(ValueError, match="y_score contains NaN"):
            fn(y, s)
        with pytest.raises(ValueError):   # the oracle refuses it too
            skm.roc_auc_score(y, s)
    with pytest.raises(ValueError, match="y_score contains NaN"):
        M.roc_auc_score(np.arange(3), np.full((3, 3), np.nan), multi_class="ovr")
    for name in ("mean_squared_error", "mean_absolute_error", "r2_score"):
        with pytest.raises(ValueError, match="y_pred contains NaN"):
            getattr(M, name)([1.0, 2.0], [1.0, np.inf])
        with pytest.raises(ValueError, match="empty"):
            getattr(M, name)([], [])
    for fn in (M.accuracy_score, M.f1_score, M.confusion_matrix):
        with pytest.raises(ValueError, match="empty"):
            fn([], [])
        with pytest.raises(ValueError, match="continuous"):
            fn([0, 1, 1], [0.2, 0.9, 0.7])
        with pytest.raises(ValueError):
            getattr(skm, fn.__name__)([0, 1, 1], [0.2, 0.9, 0.7])
    assert M.accuracy_score([0.0, 1.0], [0, 1]) == 1.0   # whole-number floats are labels
