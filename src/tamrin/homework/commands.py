"""What ``tamrin homework list | new | solve | check | grade`` do.

Exit codes: 0 done (``check``: every answered quantity correct), 1 (``check``) some answer
is wrong, 2 a file cannot be read or the command is misused — one line on stderr naming
the file, the problem and the key, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tamrin.atomic import atomic_write_bytes
from tamrin.homework.answers import ANSWERS_FILE, SOLUTION_FILE, filled, load_answer_file, template
from tamrin.homework.assignment import (
    PROBLEM_FILE,
    load_assignment,
    new_assignment,
    save_assignment,
)
from tamrin.homework.check import check_answers
from tamrin.homework.errors import HomeworkFileError
from tamrin.homework.grade import grade_folder, write_grades
from tamrin.homework.problems import PROBLEMS
from tamrin.homework.sheets import problems_document, solution_document, write_document


def _fail(command: str, message: str) -> int:
    print(f"tamrin homework {command}: {message}", file=sys.stderr)
    return 2


def list_problems(args: argparse.Namespace) -> int:
    """One line per problem type: id, what is computed, the mistakes it names."""
    width = max(len(pid) for pid in PROBLEMS)
    for pid, problem in PROBLEMS.items():
        print(f"{pid:<{width}}  {problem.summary}")
        print(f"{'':<{width}}  mistakes: {', '.join(m.id for m in problem.mistakes)}")
    return 0


def _selected(args: argparse.Namespace) -> list[str]:
    if args.all or not args.problems:
        return list(PROBLEMS)
    return list(dict.fromkeys(p.strip() for p in args.problems.split(",") if p.strip()))


def new(args: argparse.Namespace) -> int:
    """problems.md, problems.html (+ katex/), problem.json and answers.toml in ``--out``."""
    out = Path(args.out)
    if (out / ANSWERS_FILE).exists() and not args.force:
        return _fail("new", f"{out / ANSWERS_FILE} exists (a student's answers?); use "
                            "--force to overwrite it")
    try:
        assignment = new_assignment(_selected(args), None if args.course else args.seed)
    except KeyError as e:
        return _fail("new", e.args[0])
    try:
        out.mkdir(parents=True, exist_ok=True)
        save_assignment(assignment, out / PROBLEM_FILE)
        atomic_write_bytes(out / ANSWERS_FILE, template(assignment).encode("utf-8"))
        written = write_document(problems_document(assignment), out, "problems",
                                 "Homework problems")
    except OSError as e:
        return _fail("new", f"cannot write to {out}: {e.strerror or e}")
    for path in [out / PROBLEM_FILE, out / ANSWERS_FILE, *written]:
        print(path)
    return 0


def solve(args: argparse.Namespace) -> int:
    """The worked solution (solution.md or solution.html) and a correct answers file
    (solution.toml) beside the problem.json."""
    target = Path(args.dir)
    problem_file = target if target.is_file() else target / PROBLEM_FILE
    try:
        assignment = load_assignment(problem_file)
    except HomeworkFileError as e:
        return _fail("solve", str(e))
    solutions = assignment.solutions()
    out = problem_file.parent
    try:
        written = write_document(solution_document(assignment, solutions), out, "solution",
                                 "Worked solutions", (args.format,))
        written.append(atomic_write_bytes(out / SOLUTION_FILE,
                                          filled(assignment, solutions).encode("utf-8")))
    except OSError as e:
        return _fail("solve", f"cannot write to {out}: {e.strerror or e}")
    for path in written:
        print(path)
    return 0


def check(args: argparse.Namespace) -> int:
    """Mark an answers file; 0 all answered quantities correct, 1 some wrong, 2 unreadable."""
    try:
        answer_file, assignment = load_answer_file(Path(args.answers),
                                                   Path(args.problem) if args.problem else None)
    except HomeworkFileError as e:
        return _fail("check", str(e))
    report = check_answers(assignment, answer_file.answers, args.answers, args.rtol)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print(report.to_text())
    return 0 if report.all_correct else 1


def grade(args: argparse.Namespace) -> int:
    """grades.csv and summary.html for a folder of answers files."""
    folder = Path(args.folder)
    if not folder.is_dir():
        return _fail("grade", f"{folder} is not a folder")
    graded = grade_folder(folder, args.rtol)
    if not graded:
        return _fail("grade", f"no answers files (*.toml) under {folder}")
    for g in graded:
        if g.error:
            print(f"tamrin homework grade: {g.error}", file=sys.stderr)
    try:
        written = write_grades(graded, Path(args.out))
    except OSError as e:
        return _fail("grade", f"cannot write to {args.out}: {e.strerror or e}")
    for path in written:
        print(path)
    return 0
