"""The figures of the homework's closing note: per problem, the largest error of tamrin's
solutions against the independent reference over 200 variants, and the confusion matrix of
mistake identification over 100 variants per mistake (answers rounded to 4 significant
digits). Run from the repository root::

    python -m tests.homework.figures
"""

from __future__ import annotations

import time

from tamrin.homework import PROBLEMS
from tamrin.homework.check import check_problem
from tamrin.homework.problem import ParameterProblem
from tests.homework.mistakes import confusion, rounded
from tests.homework.references import ORACLE, REFERENCES, error
from tests.homework.variants import N_MISTAKES, N_REFERENCE, variants


def reference_table() -> None:
    print(f"{'problem':<22}{'variants':>9}{'quantities':>11}{'max error':>12}  reference")
    for pid in PROBLEMS:
        worst, count = 0.0, 0
        for params, solution in variants(pid, N_REFERENCE):
            reference = REFERENCES[pid](params)
            for name, value in solution.values.items():
                worst, count = max(worst, error(value, reference[name])), count + 1
        print(f"{pid:<22}{N_REFERENCE:>9}{count:>11}{worst:>12.1e}  "
              f"{ORACLE[pid]}")


def confusion_table() -> None:
    print(f"\n{'problem':<22}{'mistake (generated)':<38}named by check ({N_MISTAKES} variants)")
    for pid in PROBLEMS:
        for mistake_id, outcomes in confusion(pid, N_MISTAKES).items():
            named = ", ".join(f"{k}: {v}" for k, v in outcomes.most_common())
            print(f"{pid:<22}{mistake_id:<38}{named}")


def rejection_table(n: int = 300) -> None:
    """How many consistent raw samples ``draw`` throws away (ill-conditioned, or mistakes
    that the checker could not tell apart), and what ``check`` would name on the raw
    samples — the reason for the filter."""
    print(f"\n{'problem':<22}{'rejected':>9}  mistakes on unfiltered samples: named alone / "
          "other or none")
    for pid, problem in PROBLEMS.items():
        rng, rejected, total, alone, other = problem.rng(10**6), 0, 0, 0, 0
        while total < n:
            params = problem.sample(rng)
            try:
                problem.check_consistency(params)
            except ParameterProblem:
                continue
            total += 1
            solution = problem.solve(params)
            rejected += not problem.separable(params, solution)
            for mistake in problem.mistakes:
                answer = {**solution.values, **mistake.answer(params)}
                given = {k: rounded(v) for k, v in answer.items()}
                ids = [m.id for m in check_problem(problem, params, solution, given).mistakes]
                alone, other = alone + (ids == [mistake.id]), other + (ids != [mistake.id])
        print(f"{pid:<22}{rejected / total:>8.0%}  {alone} / {other}")


if __name__ == "__main__":
    start = time.process_time()
    reference_table()
    confusion_table()
    rejection_table()
    print(f"\nCPU time {time.process_time() - start:.1f} s")
