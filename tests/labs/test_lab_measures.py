"""The measuring helpers behind several labs, on inputs whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.labs.catalog.batch_size_noise import rises, step_noise
from tamrin.labs.catalog.logistic_vs_perceptron import best_line_accuracy, true_posterior
from tamrin.labs.catalog.screening_recall import counts, screening_threshold
from tamrin.labs.measure import cpu_seconds, loglog_slope
from tamrin.labs.rawnet import leaf
from tamrin.labs.training import assign, flat


def test_loglog_slope_recovers_a_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert loglog_slope(x, 3 * x**-0.5) == pytest.approx(-0.5)
    assert loglog_slope(x, x**2) == pytest.approx(2.0)


def test_cpu_seconds_is_a_small_nonnegative_time():
    assert 0.0 <= cpu_seconds(sum, range(1000), repeats=2) < 1.0


def test_step_noise_ignores_a_trend_and_measures_white_noise():
    rng = np.random.default_rng(0)
    trend = np.linspace(5, 1, 10000)
    assert step_noise(trend) < 1e-12
    assert step_noise(trend + 0.3 * rng.standard_normal(10000)) == pytest.approx(0.3, rel=0.05)
    assert rises(trend) == 0.0 and rises(trend[::-1]) == 1.0


def test_best_line_accuracy_on_separable_and_xor_points():
    separable = np.array([[-2.0, 0.0], [-1.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    assert best_line_accuracy(separable, np.array([0, 0, 1, 1])) == 1.0
    square = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    assert best_line_accuracy(square, np.array([0, 0, 1, 1])) == 0.75  # 3 of 4, never 4


def test_true_posterior_is_one_half_on_the_bisector():
    midpoint = (np.array([-1.0, 0.0]) + np.array([1.0, 0.5])) / 2
    assert true_posterior(midpoint[None])[0] == pytest.approx(0.5)


def test_screening_threshold_reaches_the_target_recall():
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 0, 1, 0, 1])
    tau = screening_threshold(scores, y, 0.75)  # 3 of the 4 positives: down to 0.3
    assert tau == 0.3
    assert counts(y, scores >= tau) == {"TP": 3, "FP": 1, "FN": 1}


def test_flat_and_assign_round_trip():
    params = [leaf(np.zeros((2, 3))), leaf(np.zeros(4))]
    assign(params, np.arange(10.0))
    assert flat(params).tolist() == list(range(10))
    assert params[0].numpy()[1, 2] == 5.0
