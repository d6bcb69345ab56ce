"""Drawn variants shared by the homework tests (each drawn and solved once per session)."""

from __future__ import annotations

from functools import cache

from tamrin.homework import PROBLEMS
from tamrin.homework.problem import Params, Solution

N_REFERENCE = 200  # variants per problem checked against an independent reference
N_MISTAKES = 100  # variants per mistake checked for identification


@cache
def variant(problem_id: str, seed: int) -> tuple[Params, Solution]:
    """Variant ``seed`` of a problem and tamrin's solution."""
    return PROBLEMS[problem_id].draw_solved(seed)


def variants(problem_id: str, n: int) -> list[tuple[Params, Solution]]:
    return [variant(problem_id, seed) for seed in range(n)]
