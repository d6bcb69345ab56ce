"""Mistake identification: for every mistake generator, over 100 variants, ``check`` names
that mistake and no other; a correct (or 4-digit rounded) answer scores full marks; one
quantity perturbed by 1 % is marked wrong on that quantity only."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.homework import PROBLEMS
from tamrin.homework.check import check_problem
from tamrin.homework.values import plain
from tests.homework.mistakes import confusion, rounded
from tests.homework.variants import N_MISTAKES, variant, variants

MISTAKES = [(pid, m.id) for pid, p in PROBLEMS.items() for m in p.mistakes]


def test_every_problem_has_a_mistake():
    assert all(p.mistakes for p in PROBLEMS.values())


@pytest.mark.parametrize("problem_id", list(PROBLEMS))
def test_each_mistake_is_named_alone(problem_id):
    for mistake_id, outcomes in confusion(problem_id, N_MISTAKES).items():
        assert outcomes == {mistake_id: N_MISTAKES}, (problem_id, mistake_id, outcomes)


@pytest.mark.parametrize("problem_id", list(PROBLEMS))
def test_correct_and_rounded_answers_score_full_marks(problem_id):
    problem = PROBLEMS[problem_id]
    for params, solution in variants(problem_id, 20):
        for given in (solution.values, {k: rounded(v) for k, v in solution.values.items()}):
            result = check_problem(problem, params, solution, given)
            assert result.score == result.n_quantities and not result.mistakes


def _perturbed(value, rng):
    """The value with one non-zero number moved by 1 % (None if it has none)."""
    if isinstance(value, str):
        return None
    array = np.array(value, dtype=float)
    nonzero = np.flatnonzero(array)
    if not nonzero.size:
        return None
    array.flat[rng.choice(nonzero)] *= 1.01
    return plain(array)


@pytest.mark.parametrize("problem_id", list(PROBLEMS))
def test_one_perturbed_quantity_is_the_only_wrong_one(problem_id):
    problem, rng = PROBLEMS[problem_id], np.random.default_rng(0)
    for params, solution in variants(problem_id, 10):
        for name, value in solution.values.items():
            changed = _perturbed(value, rng)
            if changed is None:
                continue
            result = check_problem(problem, params, solution,
                                   {**solution.values, name: changed})
            assert result.wrong == [name]
            assert result.score == result.n_quantities - 1


def test_partial_answers_name_the_mistake():
    """A student who answers only some quantities is still matched on those."""
    params, solution = variant("backprop-222", 0)
    problem = PROBLEMS["backprop-222"]
    answer = problem.mistake("dE_do_is_one").answer(params)
    result = check_problem(problem, params, solution,
                           {"h1": solution.values["h1"], "dE_dw5": answer["dE_dw5"]})
    assert [m.id for m in result.mistakes] == ["dE_do_is_one"]
    assert result.first_wrong_step == "Output deltas"  # where ∂E/∂o enters, not asked for
    answer = problem.mistake("bias_gradient_not_summed").answer(params)
    result = check_problem(problem, params, solution, {"dE_db1": answer["dE_db1"]})
    assert result.first_wrong_step == "Gradients of the hidden weights and of b1"


def test_wrong_answer_without_a_known_mistake():
    params, solution = variant("precision-recall", 0)
    given = {k: -1.0 for k in solution.values}
    result = check_problem(PROBLEMS["precision-recall"], params, solution, given)
    assert result.score == 0 and not result.mistakes and result.first_wrong_step == "Precision"
