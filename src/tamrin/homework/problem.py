"""What a problem type is: parameters drawn from a seed, the quantities a student computes,
a solver that computes them with tamrin (shown step by step), and mistake generators.

Each module of ``tamrin.homework.problems`` subclasses ``Problem``. Problem ids, quantity
names and mistake ids are an interface: answer files are written against them.

Drawing is *well-conditioned* by construction: ``draw`` keeps sampling until the problem's
own conditions hold (no saturated sigmoid, answers not all zero …) and until every mistake
is told apart — each mistake changes at least one quantity by more than 0.5 %, any two
mistakes differ by more than 0.5 % on a quantity the other one changes, and no mistaken
value sits in the ambiguous band between "the same" (within 0.02 %) and "told apart"
(0.5 %) around the correct one. With the checker's tolerance (1e-3, or 4 significant
digits) a student's answer then matches at most one mistake.
"""

from __future__ import annotations

import math
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from tamrin.homework.document import Block
from tamrin.homework.values import Value, differs, near_tie
from tamrin.random import get_rng_state, set_rng_state

Params = dict[str, Any]

SEPARATION = 5e-3  # drawn mistakes differ from the answer and from each other by > 0.5 %
SAME = 2e-4  # … or (a quantity a mistake does not change) by less than 0.02 %
MAX_DRAWS = 2000


@dataclass(frozen=True)
class Quantity:
    """One thing the student computes: its name in the answer file, what it is (text with
    ``$…$`` TeX), and its kind (``number``, ``array`` or ``shape``)."""

    name: str
    text: str
    kind: str = "number"


@dataclass(frozen=True)
class Step:
    """One step of the worked solution: what it computes, the formula used, the quantities
    it yields (by answer-file name) and intermediate values (by TeX label)."""

    title: str
    formula: str
    results: dict[str, Value] = field(default_factory=dict)
    intermediates: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Solution:
    """Every quantity's value, and the steps that computed them, in order."""

    values: dict[str, Value]
    steps: list[Step]

    def first_step(self, names: set[str] | list[str]) -> Step | None:
        """The first step that yields one of ``names``."""
        return next((s for s in self.steps if set(s.results) & set(names)), None)


@dataclass(frozen=True)
class Mistake:
    """A known wrong way to solve the problem: ``answer(params)`` is what a student making
    it would answer (quantities it leaves out are answered correctly). ``step`` is the title
    of the solution step where it is made, when that step yields no quantity of its own
    (an intermediate such as the δ of backprop); otherwise the first step whose quantities
    it changes is the first wrong step."""

    id: str
    explanation: str
    answer: Callable[[Params], dict[str, Value]]
    step: str | None = None


@dataclass(frozen=True)
class Param:
    """The type of one parameter in problem.json, checked when the file is read.

    ``kind``: number, integer, bool, array (``ndim`` axes of numbers, each axis at most
    ``max_len`` long), integers (a list of integers) or text (one of ``choices``, or any
    string of at most 200 characters when ``choices`` is empty)."""

    kind: str
    low: float = -1e6
    high: float = 1e6
    ndim: int = 1
    max_len: int = 16
    choices: tuple[str, ...] = ()


class ParameterProblem(ValueError):
    """A parameter of problem.json that is missing, extra, or of the wrong type or range;
    ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class Problem(ABC):
    """A problem type. Subclasses set ``id``, ``title``, ``summary``, ``parameters`` and
    ``mistakes`` and implement ``sample``, ``course``, ``quantities``, ``statement`` and
    ``solve``."""

    id: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]  # one line for `tamrin homework list`
    parameters: ClassVar[dict[str, Param]]
    mistakes: ClassVar[tuple[Mistake, ...]] = ()

    # ---- what each problem type says ----------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Params:
        """One random draw of the parameters (``draw`` filters the draws)."""

    @abstractmethod
    def course(self) -> Params:
        """The course's own numbers (docs/course.md §3) or, where it has none, fixed ones."""

    @abstractmethod
    def quantities(self, params: Params) -> list[Quantity]:
        """What the student computes, in the order of the solution."""

    @abstractmethod
    def statement(self, params: Params) -> list[Block]:
        """The problem's text with its numbers (the quantities are listed after it)."""

    @abstractmethod
    def compute(self, params: Params) -> Solution:
        """Every quantity computed with tamrin, step by step (``solve`` calls it)."""

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        """Problem-specific conditions a drawn variant must meet (default: none)."""
        return True

    def check_consistency(self, params: Params) -> None:  # noqa: B027 - optional hook
        """Raise ``ParameterProblem`` if well-typed parameters do not fit together
        (default: any well-typed parameters fit)."""

    # ---- shared machinery ---------------------------------------------------------------
    def solve(self, params: Params) -> Solution:
        """``compute``, leaving tamrin's random generator as it was (building a layer draws
        its initial weights, and solving must not change the user's random stream)."""
        state = get_rng_state()
        try:
            return self.compute(params)
        finally:
            set_rng_state(state)

    def rng(self, seed: int) -> np.random.Generator:
        """The generator of variant ``seed``: the same numbers whatever other problems are
        in the set."""
        return np.random.default_rng([seed, zlib.crc32(self.id.encode())])

    def draw(self, seed: int) -> Params:
        """Parameters for variant ``seed``: the first sample that is well-conditioned and
        whose mistakes can be told apart (see the module docstring)."""
        return self.draw_solved(seed)[0]

    def draw_solved(self, seed: int) -> tuple[Params, Solution]:
        """``draw``'s parameters and their solution (computed to judge the draw anyway)."""
        rng = self.rng(seed)
        for _ in range(MAX_DRAWS):
            params = self.sample(rng)
            try:
                self.check_consistency(params)
            except ParameterProblem:
                continue
            solution = self.solve(params)
            if self.separable(params, solution):
                return params, solution
        raise RuntimeError(f"{self.id}: no well-conditioned variant in {MAX_DRAWS} draws")

    def separable(self, params: Params, solution: Solution) -> bool:
        """Well-conditioned, and every mistake told apart from the answer and the others."""
        if not self.well_conditioned(params, solution):
            return False
        correct = solution.values
        answers = [{**correct, **m.answer(params)} for m in self.mistakes]
        changed = [{q for q in correct if differs(a[q], correct[q], SEPARATION)}
                   for a in answers]
        if any(not c for c in changed):
            return False
        if any(near_tie(a[q], correct[q], SAME, SEPARATION) for a in answers for q in correct):
            return False
        for i, a in enumerate(answers):
            for j, b in enumerate(answers):
                if i != j and not any(differs(a[q], b[q], SEPARATION) for q in changed[j]):
                    return False
        return True

    def mistake(self, mistake_id: str) -> Mistake:
        return next(m for m in self.mistakes if m.id == mistake_id)

    def validate(self, params: Any) -> Params:
        """``params`` from an untrusted problem.json, checked against ``parameters``;
        raises ``ParameterProblem`` naming the key."""
        if not isinstance(params, dict):
            raise ParameterProblem("parameters", "expected a JSON object of parameters")
        for key in params:
            if key not in self.parameters:
                raise ParameterProblem(key, f"unknown parameter (expected "
                                            f"{', '.join(self.parameters)})")
        clean = {}
        for key, spec in self.parameters.items():
            if key not in params:
                raise ParameterProblem(key, "missing parameter")
            clean[key] = _checked(key, params[key], spec)
        self.check_consistency(clean)
        return clean

    def quantity_names(self, params: Params) -> list[str]:
        return [q.name for q in self.quantities(params)]


def _checked(key: str, value: Any, spec: Param) -> Any:
    """``value`` if it has the type and range of ``spec``, else ``ParameterProblem``."""
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ParameterProblem(key, f"expected true or false, got {value!r:.40}")
        return value
    if spec.kind == "text":
        if not isinstance(value, str) or len(value) > 200 or (spec.choices
                                                              and value not in spec.choices):
            allowed = f"one of {', '.join(spec.choices)}" if spec.choices else "a short string"
            raise ParameterProblem(key, f"expected {allowed}, got {value!r:.60}")
        return value
    if spec.kind in ("number", "integer"):
        return _scalar(key, value, spec)
    if spec.kind == "integers":
        if not isinstance(value, list) or not 1 <= len(value) <= spec.max_len:
            raise ParameterProblem(key, f"expected a list of 1 to {spec.max_len} integers")
        return [_scalar(key, v, Param("integer", spec.low, spec.high)) for v in value]
    return _array_param(key, value, spec)


def _scalar(key: str, value: Any, spec: Param) -> int | float:
    integer = spec.kind == "integer"
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise ParameterProblem(key, f"expected {'an integer' if integer else 'a number'}, "
                                    f"got {value!r:.40}")
    if not ((isinstance(value, int) or math.isfinite(value)) and spec.low <= value <= spec.high):
        raise ParameterProblem(key, f"{str(value)[:40]} is outside [{spec.low:g}, "
                                    f"{spec.high:g}]")
    return value


def _array_param(key: str, value: Any, spec: Param) -> list:
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterProblem(key, f"expected a {spec.ndim}-d array of numbers") from None
    if (array.ndim != spec.ndim or array.size == 0 or max(array.shape) > spec.max_len
            or not _all_numbers(value)):
        raise ParameterProblem(key, f"expected a {spec.ndim}-d array of numbers, each axis at "
                                    f"most {spec.max_len} long, got shape {array.shape}")
    if not (np.isfinite(array).all() and np.abs(array).max() <= spec.high):
        raise ParameterProblem(key, f"values must be finite and within ±{spec.high:g}")
    return array.tolist()


def _all_numbers(value: Any) -> bool:
    if isinstance(value, list):
        return all(_all_numbers(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)
