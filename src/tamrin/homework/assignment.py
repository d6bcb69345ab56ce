"""An assignment: which problems, with which numbers — ``problem.json``::

    {"seed": 7, "problems": {"backprop-222": {"parameters": {...}}, ...}}

``seed`` is the integer the numbers were drawn from, or ``"course"`` for the course's own
numbers. Each problem's numbers depend only on the seed and the problem id, so a student
given a subset of the problems gets the same numbers for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamrin.atomic import atomic_write_bytes
from tamrin.homework.errors import HomeworkFileError
from tamrin.homework.problem import ParameterProblem, Params, Solution
from tamrin.homework.problems import PROBLEMS

PROBLEM_FILE = "problem.json"
MAX_BYTES = 4 * 2**20  # a problem.json is a few kB; refuse anything past 4 MiB


@dataclass(frozen=True)
class Assignment:
    """The seed (an int, or ``"course"``) and each problem's parameters, in order."""

    seed: int | str
    problems: dict[str, Params]

    def solutions(self) -> dict[str, Solution]:
        """Each problem solved by tamrin."""
        return {pid: PROBLEMS[pid].solve(params) for pid, params in self.problems.items()}

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed,
                "problems": {pid: {"parameters": p} for pid, p in self.problems.items()}}


def unknown_problem(pid: str) -> str:
    return f"unknown problem id {pid!r} (known: {', '.join(PROBLEMS)})"


def new_assignment(problem_ids: list[str], seed: int | None = None) -> Assignment:
    """The problems ``problem_ids`` drawn from ``seed``, or the course's numbers (None)."""
    for pid in problem_ids:
        if pid not in PROBLEMS:
            raise KeyError(unknown_problem(pid))
    if seed is None:
        return Assignment("course", {pid: PROBLEMS[pid].course() for pid in problem_ids})
    return Assignment(seed, {pid: PROBLEMS[pid].draw(seed) for pid in problem_ids})


def save_assignment(assignment: Assignment, path: Path) -> Path:
    text = json.dumps(assignment.to_json(), indent=1, ensure_ascii=False) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"))


def read_json(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON in ``path``, or ``HomeworkFileError`` saying why it cannot be read."""
    raw = read_limited(path, max_bytes)
    try:
        return json.loads(decode(path, raw))
    except json.JSONDecodeError as e:
        raise HomeworkFileError(path, f"not valid JSON: {e}") from None
    except RecursionError:
        raise HomeworkFileError(path, "not valid JSON: nested too deeply") from None


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, refusing files larger than ``max_bytes``."""
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        raise HomeworkFileError(path, f"cannot be read ({e.strerror or e})") from None
    if len(raw) > max_bytes:
        raise HomeworkFileError(path, f"too large (more than {max_bytes:,} bytes)")
    return raw


def decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HomeworkFileError(path, f"not UTF-8 text (byte {e.start}: "
                                      f"{raw[e.start:e.start + 1]!r})") from None


def load_assignment(path: Path) -> Assignment:
    """Read and check an (untrusted) problem.json: known problem ids, parameters of the
    right types and shapes, numbers tamrin can solve. Errors name the file, the problem and
    the key."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("problems"), dict):
        raise HomeworkFileError(path, "expected {\"seed\": …, \"problems\": {ID: "
                                      "{\"parameters\": {…}}}}", key="problems")
    seed = data.get("seed")
    if not (seed == "course" or (isinstance(seed, int) and not isinstance(seed, bool))):
        raise HomeworkFileError(path, "expected an integer or \"course\"", key="seed")
    if not data["problems"]:
        raise HomeworkFileError(path, "no problems", key="problems")
    problems = {}
    for pid, entry in data["problems"].items():
        if pid not in PROBLEMS:
            raise HomeworkFileError(path, unknown_problem(pid), key="problems")
        if not isinstance(entry, dict) or set(entry) != {"parameters"}:
            raise HomeworkFileError(path, "expected {\"parameters\": {…}}", pid, "parameters")
        problems[pid] = _checked_parameters(path, pid, entry["parameters"])
    return Assignment(seed, problems)


def _checked_parameters(path: Path, pid: str, params: Any) -> Params:
    problem = PROBLEMS[pid]
    try:
        clean = problem.validate(params)
        problem.solve(clean)
    except ParameterProblem as e:
        raise HomeworkFileError(path, str(e), pid, e.key) from None
    except (ValueError, ArithmeticError, IndexError, TypeError, AssertionError) as e:
        raise HomeworkFileError(path, f"tamrin cannot solve the problem with these "
                                      f"parameters ({e})", pid, "parameters") from None
    return clean
