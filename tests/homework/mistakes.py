"""The mistake-identification experiment, shared by the tests and the figures script: for
every mistake generator and drawn variant, answer every quantity as a student making that
mistake would — rounded to 4 significant digits, as students write — and record which
mistakes ``check`` names."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tamrin.homework import PROBLEMS
from tamrin.homework.check import check_problem
from tamrin.homework.values import plain, round_significant
from tests.homework.variants import variant

NONE = "(none)"


def rounded(value):
    """A value as a student writes it: 4 significant digits (shapes as they are)."""
    if isinstance(value, str):
        return value
    return plain(round_significant(np.asarray(value, dtype=float)))


def named(problem_id: str, mistake_id: str, seed: int) -> list[str]:
    """The mistakes ``check`` names for the answers of mistake ``mistake_id`` (rounded)."""
    problem = PROBLEMS[problem_id]
    params, solution = variant(problem_id, seed)
    answer = {**solution.values, **problem.mistake(mistake_id).answer(params)}
    given = {k: rounded(v) for k, v in answer.items()}
    return [m.id for m in check_problem(problem, params, solution, given).mistakes]


def confusion(problem_id: str, n: int) -> dict[str, Counter]:
    """For each mistake of the problem: how often each set of named mistakes came back."""
    return {m.id: Counter(" + ".join(named(problem_id, m.id, seed)) or NONE
                          for seed in range(n))
            for m in PROBLEMS[problem_id].mistakes}
