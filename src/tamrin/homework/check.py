"""Checking answers: each answered quantity against tamrin's solution, each wrong one
against the problem's mistake generators, and a score (one point per correct quantity).

A mistake is named when its generator reproduces the given values: every answered quantity
the mistake changes is given (within tolerance) the mistake's value, and at least one of
them is wrong. The first wrong step is the first step of the worked solution that yields a
wrong quantity — or, earlier, the step where a named mistake is made (such as the output
deltas of backprop, which are not asked for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tamrin.homework.answers import Answers
from tamrin.homework.assignment import Assignment
from tamrin.homework.problem import Params, Problem, Solution
from tamrin.homework.problems import PROBLEMS
from tamrin.homework.values import RTOL, Value, close, format_value, plain


@dataclass(frozen=True)
class QuantityCheck:
    name: str
    given: Value
    expected: Value
    correct: bool


@dataclass(frozen=True)
class MistakeMatch:
    id: str
    explanation: str
    quantities: list[str]
    first_step: str | None


@dataclass
class ProblemCheck:
    """One problem's verdict: its answered quantities, the mistakes named, the first wrong
    step of the solution, and how many quantities it has in all."""

    id: str
    n_quantities: int
    quantities: list[QuantityCheck] = field(default_factory=list)
    mistakes: list[MistakeMatch] = field(default_factory=list)
    first_wrong_step: str | None = None

    @property
    def score(self) -> int:
        return sum(q.correct for q in self.quantities)

    @property
    def wrong(self) -> list[str]:
        return [q.name for q in self.quantities if not q.correct]


@dataclass
class Report:
    """The check of one answers file."""

    path: str
    seed: int | str
    problems: dict[str, ProblemCheck]

    @property
    def score(self) -> int:
        return sum(p.score for p in self.problems.values())

    @property
    def max(self) -> int:
        return sum(p.n_quantities for p in self.problems.values())

    @property
    def all_correct(self) -> bool:
        return not any(p.wrong for p in self.problems.values())

    def to_json(self) -> dict[str, Any]:
        """``{"score", "max", "problems": {ID: {"quantities": {NAME: {"given", "expected",
        "correct"}}, "mistakes": [{"id", "explanation", "quantities"}],
        "first_wrong_step"}}}``."""
        return {"score": self.score, "max": self.max, "problems": {
            pid: {"quantities": {q.name: {"given": plain(q.given), "expected": plain(q.expected),
                                          "correct": q.correct} for q in p.quantities},
                  "mistakes": [{"id": m.id, "explanation": m.explanation,
                                "quantities": m.quantities} for m in p.mistakes],
                  "first_wrong_step": p.first_wrong_step}
            for pid, p in self.problems.items()}}

    def to_text(self) -> str:
        lines = [f"{self.path} (seed {self.seed}): score {self.score}/{self.max}"]
        for pid, p in self.problems.items():
            unanswered = p.n_quantities - len(p.quantities)
            skipped = f", {unanswered} unanswered" if unanswered else ""
            lines.append(f"{pid}: {p.score}/{p.n_quantities}{skipped}")
            for q in p.quantities:
                if not q.correct:
                    lines.append(f"  wrong  {q.name}: given {_short(q.given)}, expected "
                                 f"{_short(q.expected)}")
            for m in p.mistakes:
                lines.append(f"  mistake {m.id}: {m.explanation} "
                             f"[{', '.join(m.quantities)}]")
            if p.first_wrong_step:
                lines.append(f"  first wrong step: {p.first_wrong_step}")
        return "\n".join(lines)


def _short(value: Value, limit: int = 90) -> str:
    text = format_value(plain(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def identify_mistakes(problem: Problem, params: Params, solution: Solution,
                      given: dict[str, Value], rtol: float = RTOL) -> list[MistakeMatch]:
    """The mistakes whose generators reproduce the given values (module docstring)."""
    correct = solution.values
    found = []
    for mistake in problem.mistakes:
        answer = {**correct, **mistake.answer(params)}
        changed = [q for q in given if not close(answer[q], correct[q], rtol)]
        if not changed or not all(close(given[q], answer[q], rtol) for q in changed):
            continue
        wrong = [q for q in changed if not close(given[q], correct[q], rtol)]
        if wrong:
            step = solution.first_step(wrong)
            found.append(MistakeMatch(mistake.id, mistake.explanation, wrong,
                                      mistake.step or (step.title if step else None)))
    return found


def _earliest(solution: Solution, titles: list[str | None]) -> str | None:
    """The title among ``titles`` that comes first in the solution."""
    order = [s.title for s in solution.steps]
    known = [t for t in titles if t in order]
    return min(known, key=order.index) if known else None


def check_problem(problem: Problem, params: Params, solution: Solution,
                  given: dict[str, Value], rtol: float = RTOL) -> ProblemCheck:
    """One problem's answered quantities against ``solution``."""
    names = problem.quantity_names(params)
    result = ProblemCheck(problem.id, len(names))
    for name in names:
        if name in given:
            expected = solution.values[name]
            result.quantities.append(QuantityCheck(name, given[name], expected,
                                                   close(given[name], expected, rtol)))
    if result.wrong:
        result.mistakes = identify_mistakes(problem, params, solution, given, rtol)
        step = solution.first_step(result.wrong)
        result.first_wrong_step = _earliest(solution, [step.title if step else None,
                                                       *(m.first_step for m in result.mistakes)])
    return result


def check_answers(assignment: Assignment, answers: Answers, path: str = "answers",
                  rtol: float = RTOL,
                  solutions: dict[str, Solution] | None = None) -> Report:
    """Check every problem of ``assignment`` (``solutions`` if already solved)."""
    solutions = solutions or assignment.solutions()
    return Report(path, assignment.seed, {
        pid: check_problem(PROBLEMS[pid], params, solutions[pid], answers.get(pid, {}), rtol)
        for pid, params in assignment.problems.items()})
