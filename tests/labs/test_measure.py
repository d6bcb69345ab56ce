"""The measuring helpers shared by several labs (:mod:`tamrin.labs.measure`), on inputs whose
answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.labs.measure import cpu_seconds, loglog_slope


def test_loglog_slope_recovers_a_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert loglog_slope(x, 3 * x**-0.5) == pytest.approx(-0.5)
    assert loglog_slope(x, x**2) == pytest.approx(2.0)


def test_cpu_seconds_is_a_small_nonnegative_time():
    assert 0.0 <= cpu_seconds(sum, range(1000), repeats=2) < 1.0
