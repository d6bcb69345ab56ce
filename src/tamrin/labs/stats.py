"""The statistics a verdict is stated in: each function turns per-replicate values into one
:class:`~tamrin.labs.lab.Statistic` — an estimate, its interval, the test and whether it
passed. A lab's ``judge`` is a handful of these, combined with ``Judgement.of``.

Intervals are two-sided at ``LEVEL``: Student's t for a mean (exact for normal replicates,
and the honest width for a handful of them), Wilson's score interval for a share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy import stats as _scipy

from tamrin.labs.lab import Statistic

LEVEL = 0.95  # the usual two-sided confidence level; every interval in the report uses it
_T_NAME = f"{LEVEL:.0%} t-interval of the mean"


def _values(values: Sequence[float], name: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError(f"labs.stats: no replicate values for {name!r}")
    return v


def t_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, low, high): the Student-t confidence interval of the mean. With one value,
    or values that do not vary, the interval is the value itself."""
    v = _values(values, "t_interval")
    mean = float(v.mean())
    if v.size == 1 or np.all(v == v[0]):
        return mean, mean, mean
    half = _scipy.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return mean, float(mean - half), float(mean + half)


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float, float]:
    """(share, low, high): Wilson's score interval for a proportion ``successes / n``."""
    if n <= 0:
        raise ValueError(f"labs.stats: wilson_interval needs n ≥ 1, got {n}")
    p = successes / n
    z = _scipy.norm.ppf(0.5 + level / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _mean_statistic(name: str, values: Sequence[float], test: str,
                    passes: Callable[[float, float], bool]) -> Statistic:
    v = _values(values, name)
    mean, low, high = t_interval(v)
    ok = bool(np.all(np.isfinite(v))) and passes(low, high)
    return Statistic(name, v.tolist(), mean, low, high, _T_NAME, test, ok)


def mean_above(name: str, values: Sequence[float], bound: float) -> Statistic:
    """Passes when the whole interval of the mean lies above ``bound``."""
    return _mean_statistic(name, values, f"the interval lies above {bound:g}",
                           lambda low, high: low > bound)


def mean_below(name: str, values: Sequence[float], bound: float) -> Statistic:
    """Passes when the whole interval of the mean lies below ``bound``."""
    return _mean_statistic(name, values, f"the interval lies below {bound:g}",
                           lambda low, high: high < bound)


def mean_within(name: str, values: Sequence[float], low_bound: float,
                high_bound: float) -> Statistic:
    """Passes when the whole interval of the mean lies inside (``low_bound``, ``high_bound``)."""
    return _mean_statistic(name, values,
                           f"the interval lies inside ({low_bound:g}, {high_bound:g})",
                           lambda low, high: low > low_bound and high < high_bound)


def log_mean_within(name: str, values: Sequence[float], low_bound: float,
                    high_bound: float) -> Statistic:
    """For positive quantities that vary over orders of magnitude (variances, norms): the
    t-interval of the mean of log₁₀(value), mapped back — an interval of the geometric mean
    — must lie inside (``low_bound``, ``high_bound``)."""
    v = _values(values, name)
    if np.any(v <= 0) or not np.all(np.isfinite(v)):
        return Statistic(name, v.tolist(), math.nan, math.nan, math.nan,
                         f"{LEVEL:.0%} interval of the geometric mean",
                         f"all values positive and finite, geometric mean inside "
                         f"({low_bound:g}, {high_bound:g})", False)
    mean, low, high = (10.0 ** x for x in t_interval(np.log10(v)))
    ok = low > low_bound and high < high_bound
    return Statistic(name, v.tolist(), mean, low, high,
                     f"{LEVEL:.0%} interval of the geometric mean",
                     f"the interval lies inside ({low_bound:g}, {high_bound:g})", ok)


def share_at_least(name: str, flags: Sequence[bool], share: float) -> Statistic:
    """Passes when at least ``share`` of the replicates have the property (the interval is
    Wilson's, shown for the reader; the test is on the observed share)."""
    f = np.asarray(flags, dtype=bool).ravel()
    p, low, high = wilson_interval(int(f.sum()), f.size)
    return Statistic(name, f.astype(float).tolist(), p, low, high,
                     f"{LEVEL:.0%} Wilson interval of the share",
                     f"it holds in at least {share:.0%} of the replicates", p >= share)


def every(name: str, values: Sequence[float], test: str,
          condition: Callable[[float], bool]) -> Statistic:
    """Passes when ``condition`` holds for every replicate's value (for properties that
    must never fail, such as an exact zero or an identity to rounding)."""
    v = _values(values, name)
    ok = [bool(condition(float(x))) for x in v]
    return Statistic(name, v.tolist(), float(v.mean()), float(v.min()), float(v.max()),
                     "range over the replicates", f"{test} in every replicate", all(ok))


def exact(name: str, value: float, expected: float, tolerance: float = 0.0) -> Statistic:
    """A deterministic check: ``|value − expected| ≤ tolerance``."""
    v = float(value)
    ok = math.isfinite(v) and abs(v - expected) <= tolerance
    test = f"= {expected:g}" + (f" within {tolerance:g}" if tolerance else " exactly")
    return Statistic(name, [v], v, v, v, "a single exact computation", test, ok)


def column(replicates: Sequence[Mapping[str, float]], name: str) -> list[float]:
    """The measurement ``name`` of every replicate, in order (a KeyError names it)."""
    try:
        return [float(r[name]) for r in replicates]
    except KeyError:
        raise KeyError(f"labs.stats: a replicate has no measurement {name!r}; it has "
                       f"{', '.join(replicates[0]) if replicates else 'nothing'}") from None


class Columns:
    """The replicates' measurements by name, for a judge: ``cols("x")`` is
    ``column(replicates, "x")``, and ``cols.mean_above("x", bound)`` is
    ``mean_above("x", column(replicates, "x"), bound)`` — each statistic named once."""

    def __init__(self, replicates: Sequence[Mapping[str, float]]) -> None:
        self.replicates = replicates

    def __call__(self, name: str) -> list[float]:
        return column(self.replicates, name)

    def mean_above(self, name: str, bound: float) -> Statistic:
        return mean_above(name, self(name), bound)

    def mean_below(self, name: str, bound: float) -> Statistic:
        return mean_below(name, self(name), bound)

    def mean_within(self, name: str, low_bound: float, high_bound: float) -> Statistic:
        return mean_within(name, self(name), low_bound, high_bound)

    def log_mean_within(self, name: str, low_bound: float, high_bound: float) -> Statistic:
        return log_mean_within(name, self(name), low_bound, high_bound)

    def every(self, name: str, test: str, condition: Callable[[float], bool]) -> Statistic:
        return every(name, self(name), test, condition)
