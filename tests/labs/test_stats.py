"""tamrin.labs.stats: the t-interval against scipy's, the tests' pass/fail edges, and
``Columns`` — the judges' way of naming a measurement once — giving exactly what the
functions give on the same column."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tamrin.labs import stats

REPLICATES = [{"gain": g, "ratio": r} for g, r in [(0.30, 2.0), (0.42, 3.1), (0.35, 2.4),
                                                   (0.51, 2.9)]]


def test_t_interval_is_scipys():
    values = [r["gain"] for r in REPLICATES]
    mean, low, high = stats.t_interval(values)
    want = scipy_stats.t.interval(stats.LEVEL, len(values) - 1, loc=np.mean(values),
                                  scale=scipy_stats.sem(values))
    np.testing.assert_allclose([low, high], want, rtol=1e-12)
    assert mean == pytest.approx(np.mean(values))


def test_mean_tests_pass_only_when_the_whole_interval_clears_the_bound():
    values = [r["gain"] for r in REPLICATES]
    _, low, high = stats.t_interval(values)
    assert stats.mean_above("gain", values, low - 1e-9).passed
    assert not stats.mean_above("gain", values, low + 1e-9).passed
    assert stats.mean_below("gain", values, high + 1e-9).passed
    assert not stats.mean_within("gain", values, low + 1e-9, high + 1).passed


@pytest.mark.parametrize("method, args", [
    ("mean_above", (0.2,)), ("mean_below", (0.45,)), ("mean_within", (0.2, 0.6)),
    ("log_mean_within", (1.0, 4.0)), ("every", ("> 0", lambda v: v > 0)),
])
@pytest.mark.parametrize("name", ["gain", "ratio"])
def test_columns_name_each_measurement_once(method, args, name):
    col = stats.Columns(REPLICATES)
    assert col(name) == stats.column(REPLICATES, name)
    assert getattr(col, method)(name, *args) == \
        getattr(stats, method)(name, stats.column(REPLICATES, name), *args)


def test_a_missing_measurement_is_named():
    with pytest.raises(KeyError, match="no measurement 'loss'.*gain, ratio"):
        stats.Columns(REPLICATES).mean_above("loss", 0.0)
