"""Every problem type, 200 drawn variants: tamrin's solution matches an independent
reference (PyTorch, scikit-learn or the plain formula) to 1e-9 in float64; the course's
own numbers give the course's answers."""

from __future__ import annotations

import pytest

from tamrin.homework import PROBLEMS, new_assignment
from tests.homework.variants import N_REFERENCE, variants

pytest.importorskip("torch", reason="PyTorch (torch==2.13.0, the `dev` extra) is the oracle")
pytest.importorskip("sklearn", reason="scikit-learn is the metrics oracle")

from tests.homework.references import REFERENCES, error  # noqa: E402

TOLERANCE = 1e-9


def test_every_problem_has_a_reference_and_four_extras():
    assert set(REFERENCES) == set(PROBLEMS)
    assert len(PROBLEMS) >= 14


@pytest.mark.parametrize("problem_id", list(PROBLEMS))
def test_solutions_match_the_reference(problem_id):
    worst = 0.0
    for seed, (params, solution) in enumerate(variants(problem_id, N_REFERENCE)):
        reference = REFERENCES[problem_id](params)
        assert set(solution.values) == set(reference), problem_id
        for name, value in solution.values.items():
            err = error(value, reference[name])
            assert err <= TOLERANCE, f"{problem_id} seed {seed} {name}: {value} vs " \
                                     f"{reference[name]}"
            worst = max(worst, err)
    assert worst <= TOLERANCE


@pytest.mark.parametrize("problem_id", list(PROBLEMS))
def test_course_numbers_match_the_reference(problem_id):
    params = PROBLEMS[problem_id].course()
    solution = PROBLEMS[problem_id].solve(params)
    reference = REFERENCES[problem_id](params)
    assert all(error(solution.values[k], reference[k]) <= TOLERANCE for k in reference)


def test_course_worked_examples():
    solutions = new_assignment(["backprop-222", "cnn-table", "edge-kernel",
                                "precision-recall"]).solutions()
    e1 = solutions["backprop-222"].values
    assert round(e1["E"], 6) == 0.298371 and e1["E_after"] < e1["E"]
    e3 = solutions["cnn-table"].values
    assert e3["total_params"] == 184_003
    assert [e3[f"weights_{k}"] for k in (1, 3, 5, 7)] == [2592, 51200, 102400, 27648]
    assert [e3[f"output_{k}"] for k in range(1, 8)] == [
        "32x120x120", "32x60x60", "64x56x56", "64x28x28", "64x24x24", "64x12x12", "3"]
    assert solutions["edge-kernel"].values["output"] == [[0, 30, 30, 0]] * 4
    e4 = solutions["precision-recall"].values
    assert (e4["precision"], e4["recall"]) == (3 / 5, 3 / 4)


def test_drawn_numbers_depend_on_seed_and_problem_only():
    one = new_assignment(["edge-kernel", "noise-l2"], seed=5)
    other = new_assignment(["noise-l2"], seed=5)
    assert one.problems["noise-l2"] == other.problems["noise-l2"]
    assert new_assignment(["noise-l2"], seed=6).problems != other.problems


def test_solving_leaves_the_library_generator_alone():
    import tamrin

    tamrin.manual_seed(0)
    expected = tamrin.randn(3).numpy().copy()
    tamrin.manual_seed(0)
    new_assignment(list(PROBLEMS), seed=1).solutions()
    assert (tamrin.randn(3).numpy() == expected).all()
