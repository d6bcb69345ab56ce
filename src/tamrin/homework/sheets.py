"""The problem sheet (``problems.md`` / ``problems.html``) and the worked solution
(``solution.md`` / ``solution.html``): every intermediate, in order, with its formula."""

from __future__ import annotations

from pathlib import Path

from tamrin.atomic import atomic_write_bytes
from tamrin.homework import tex
from tamrin.homework.assignment import Assignment
from tamrin.homework.document import (
    Block,
    Formula,
    Heading,
    Paragraph,
    Table,
    copy_katex,
    to_html,
    to_markdown,
)
from tamrin.homework.problem import Solution, Step
from tamrin.homework.problems import PROBLEMS


def _seed_text(assignment: Assignment) -> str:
    return ("the course's own numbers" if assignment.seed == "course"
            else f"variant {assignment.seed}")


def problems_document(assignment: Assignment) -> list[Block]:
    """Each problem's statement with its numbers, and the quantities to give."""
    blocks: list[Block] = [
        Heading(1, f"Homework ({_seed_text(assignment)})"),
        Paragraph("Write your answers in `answers.toml`, under each problem's table, as "
                  "numbers (`0.5933`), nested arrays for matrices (`[[1, 2], [3, 4]]`) or "
                  "strings for shapes (`\"32x120x120\"`); leave `\"\"` where you have no "
                  "answer. `tamrin homework check answers.toml` marks them and names the "
                  "mistake behind a wrong answer. Answers within 0.1 %, or rounded to 4 "
                  "significant digits, are correct.")]
    for number, (pid, params) in enumerate(assignment.problems.items(), start=1):
        problem = PROBLEMS[pid]
        blocks += [Heading(2, f"{number}. {problem.title} (`{pid}`)"),
                   *problem.statement(params),
                   Table(["answer key", "quantity"],
                         [[f"`{q.name}`", q.text] for q in problem.quantities(params)])]
    return blocks


def _step_blocks(step: Step) -> list[Block]:
    rows = [[f"${label}$", f"${tex.value(v)}$"] for label, v in step.intermediates.items()]
    rows += [[f"`{name}`", f"${tex.value(v)}$"] for name, v in step.results.items()]
    blocks: list[Block] = [Heading(3, step.title), Formula(step.formula)]
    return blocks + ([Table(["", "value"], rows)] if rows else [])


def solution_document(assignment: Assignment, solutions: dict[str, Solution]) -> list[Block]:
    """Each problem's statement, then its solution step by step."""
    blocks: list[Block] = [Heading(1, f"Worked solutions ({_seed_text(assignment)})"),
                           Paragraph("Every number below was computed by tamrin (autograd, "
                                     "its layers, optimisers and metrics) and checked "
                                     "against the hand formula shown with it.")]
    for number, (pid, params) in enumerate(assignment.problems.items(), start=1):
        problem = PROBLEMS[pid]
        blocks += [Heading(2, f"{number}. {problem.title} (`{pid}`)"),
                   *problem.statement(params)]
        for step in solutions[pid].steps:
            blocks += _step_blocks(step)
    return blocks


def write_document(blocks: list[Block], out_dir: Path, stem: str, title: str,
                   formats: tuple[str, ...] = ("md", "html")) -> list[Path]:
    """``out_dir/stem.md`` and/or ``stem.html`` (with the KaTeX folder beside it)."""
    written = []
    for fmt in formats:
        text = to_markdown(blocks) if fmt == "md" else to_html(blocks, title)
        written.append(atomic_write_bytes(Path(out_dir) / f"{stem}.{fmt}",
                                          text.encode("utf-8")))
        if fmt == "html":
            copy_katex(Path(out_dir))
    return written
