"""Answer files (TOML): one table per problem id, one key per quantity::

    problem = "../alice/problem.json"    # optional: where the problem.json is (else beside)
    student = "Alice"                    # optional: a name for `grade`

    [backprop-222]
    h1 = 0.5933                          # a number
    E = ""                               # "" (or a missing key): unanswered

    [cnn-table]
    output_1 = "32x120x120"              # a shape is a string; matrices are nested arrays

``template`` writes the empty file ``new`` hands out, ``filled`` the one ``solve`` writes,
and ``read_answers`` reads a student's file as untrusted input: every way it can be wrong
(not UTF-8, not TOML, too large, a table missing, a key unknown, a value of the wrong type,
NaN, a huge number) is a ``HomeworkFileError`` naming the file, the problem and the key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tamrin.homework import tex
from tamrin.homework.assignment import (
    PROBLEM_FILE,
    Assignment,
    decode,
    load_assignment,
    read_limited,
)
from tamrin.homework.errors import HomeworkFileError
from tamrin.homework.problem import Solution
from tamrin.homework.problems import PROBLEMS
from tamrin.homework.values import Value, ValueProblem, parse_answer, plain

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ANSWERS_FILE = "answers.toml"
SOLUTION_FILE = "solution.toml"
MAX_BYTES = 2**20  # an answers file is a few kB; refuse anything past 1 MiB
TOP_KEYS = ("problem", "student")

Answers = dict[str, dict[str, Value]]  # problem id → quantity → value (answered ones only)


@dataclass(frozen=True)
class AnswerFile:
    """A read answers file: where it is, its problem.json, the student's name (if given)
    and the answers."""

    path: Path
    problem_path: Path
    student: str | None
    answers: Answers


# ---- writing -------------------------------------------------------------------------------

def _toml_value(value: Value) -> str:
    value = plain(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _document(assignment: Assignment, values: dict[str, dict[str, Value]] | None,
              header: str) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for pid, params in assignment.problems.items():
        lines += ["", f"[{pid}]"]
        for q in PROBLEMS[pid].quantities(params):
            value = '""' if values is None else _toml_value(values[pid][q.name])
            lines.append(f"{q.name} = {value}  # {tex.plain(q.text)}")
    return "\n".join(lines) + "\n"


def template(assignment: Assignment) -> str:
    """The empty answers file: every quantity ``= ""``, with what it is as a comment."""
    return _document(assignment, None, (
        f"tamrin homework answers (seed {assignment.seed}).\n"
        "Replace each \"\" by your answer: a number (0.5933), nested arrays for matrices\n"
        "([[1, 2], [3, 4]]), a string for shapes (\"32x120x120\"). Leave \"\" to skip one.\n"
        "Check it with:  tamrin homework check answers.toml"))


def filled(assignment: Assignment, solutions: dict[str, Solution]) -> str:
    """The answers file with every quantity answered correctly (full precision)."""
    return _document(assignment, {pid: s.values for pid, s in solutions.items()}, (
        f"tamrin homework: the correct answers (seed {assignment.seed}), computed by tamrin."))


# ---- reading -------------------------------------------------------------------------------

def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in ``path`` (untrusted), or ``HomeworkFileError``."""
    text = decode(path, read_limited(path, MAX_BYTES)).removeprefix("\ufeff")  # editors' BOM
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise HomeworkFileError(path, f"not valid TOML: {e}") from None
    except RecursionError:
        raise HomeworkFileError(path, "not valid TOML: nested too deeply") from None


def problem_path(path: Path, document: dict[str, Any], override: Path | None = None) -> Path:
    """The problem.json of an answers file: ``override``, else the file's ``problem`` key
    (relative to the answers file), else ``problem.json`` beside it."""
    if override is not None:
        return Path(override)
    named = document.get("problem")
    if named is None:
        return path.parent / PROBLEM_FILE
    if not isinstance(named, str) or not named.strip():
        raise HomeworkFileError(path, "expected the path of a problem.json (a string)",
                                key="problem")
    return path.parent / named


def read_answers(path: Path, document: dict[str, Any], assignment: Assignment) -> Answers:
    """The answered quantities of ``document`` (read from ``path``), checked against the
    problems of ``assignment``."""
    for key, value in document.items():
        if key in TOP_KEYS:
            if not isinstance(value, str):
                raise HomeworkFileError(path, "expected a string", key=key)
        elif key not in assignment.problems:
            known = ", ".join(f"[{pid}]" for pid in assignment.problems)
            what = "table" if isinstance(value, dict) else "key"
            raise HomeworkFileError(path, f"unknown {what} {key!r}: the problem.json has "
                                          f"{known}", key=key)
    answers: Answers = {}
    for pid, params in assignment.problems.items():
        table = document.get(pid)
        if pid in document and not isinstance(table, dict):
            raise HomeworkFileError(path, f"expected a table [{pid}], got a value", pid)
        if table is None:
            raise HomeworkFileError(path, f"missing table [{pid}] (keep every problem's "
                                          "table; leave a quantity \"\" to skip it)", pid)
        answers[pid] = _read_table(path, pid, table, params)
    return answers


def _read_table(path: Path, pid: str, table: dict[str, Any], params: dict) -> dict[str, Value]:
    kinds = {q.name: q.kind for q in PROBLEMS[pid].quantities(params)}
    for key in table:
        if key not in kinds:
            raise HomeworkFileError(path, f"unknown quantity (expected one of "
                                          f"{', '.join(kinds)})", pid, key)
    given = {}
    for name, kind in kinds.items():
        if name not in table:
            continue
        try:
            value = parse_answer(table[name], kind)
        except ValueProblem as e:
            raise HomeworkFileError(path, str(e), pid, name) from None
        if value is not None:
            given[name] = value
    return given


def load_answer_file(path: Path, problem: Path | None = None) -> tuple[AnswerFile, Assignment]:
    """Read an answers file and its problem.json (``problem``, the file's ``problem`` key,
    or the problem.json beside it)."""
    path = Path(path)
    document = read_toml(path)
    where = problem_path(path, document, problem)
    assignment = load_assignment(where)
    student = document.get("student") if isinstance(document.get("student"), str) else None
    answers = read_answers(path, document, assignment)
    return AnswerFile(path, where, student, answers), assignment
