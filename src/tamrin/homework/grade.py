"""Grading a class: every answers file in a folder (each beside, or naming, its
problem.json) is checked; ``grades.csv`` gets one row per student and ``summary.html`` the
score histogram, the success rate of each problem and quantity, and the most common
mistakes. An unreadable file is a row with its error, not the end of the grading."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tamrin.atomic import atomic_write_bytes
from tamrin.homework.answers import ANSWERS_FILE, SOLUTION_FILE, load_answer_file
from tamrin.homework.check import Report, check_answers
from tamrin.homework.errors import HomeworkFileError
from tamrin.homework.problems import PROBLEMS
from tamrin.homework.values import RTOL

GRADES_FILE, SUMMARY_FILE = "grades.csv", "summary.html"
BINS = 10  # histogram bins of the score in percent


@dataclass(frozen=True)
class Graded:
    """One student's file: its report, or the error that made it unreadable."""

    student: str
    path: Path
    report: Report | None = None
    error: str | None = None


def answer_files(folder: Path) -> list[Path]:
    """Every ``*.toml`` under ``folder`` except solution files and hidden folders."""
    return sorted(p for p in Path(folder).rglob("*.toml")
                  if p.name != SOLUTION_FILE and not any(part.startswith(".")
                                                         for part in p.relative_to(folder).parts))


def _name(folder: Path, path: Path) -> str:
    relative = path.relative_to(folder)
    if path.name == ANSWERS_FILE and len(relative.parts) > 1:
        return str(relative.parent)
    return str(relative.with_suffix(""))


def grade_folder(folder: Path, rtol: float = RTOL) -> list[Graded]:
    """Check every answers file under ``folder``."""
    graded = []
    for path in answer_files(folder):
        name = _name(folder, path)
        try:
            answer_file, assignment = load_answer_file(path)
        except HomeworkFileError as e:
            graded.append(Graded(name, path, error=str(e)))
            continue
        report = check_answers(assignment, answer_file.answers, str(path), rtol)
        graded.append(Graded(answer_file.student or name, path, report))
    return graded


def _problem_ids(graded: list[Graded]) -> list[str]:
    seen = {pid for g in graded if g.report for pid in g.report.problems}
    return [pid for pid in PROBLEMS if pid in seen]


def grades_csv(graded: list[Graded]) -> str:
    """student, file, score, max, percent, one score column per problem, the mistakes
    named (``problem:mistake``, separated by ``;``) and the error of an unreadable file."""
    ids = _problem_ids(graded)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "file", "score", "max", "percent", *ids, "mistakes", "error"])
    for g in graded:
        if g.report is None:
            writer.writerow([g.student, str(g.path), "", "", "", *[""] * len(ids), "", g.error])
            continue
        r = g.report
        per_problem = [r.problems[pid].score if pid in r.problems else "" for pid in ids]
        mistakes = ";".join(f"{pid}:{m.id}" for pid, p in r.problems.items() for m in p.mistakes)
        writer.writerow([g.student, str(g.path), r.score, r.max,
                         f"{100 * r.score / r.max:.1f}" if r.max else "", *per_problem,
                         mistakes, ""])
    return out.getvalue()


def _histogram_svg(percents: list[float]) -> str:
    counts = [0] * BINS
    for p in percents:
        counts[min(int(p // (100 / BINS)), BINS - 1)] += 1
    top, bar, height = max(counts + [1]), 40, 160
    bars = []
    for i, c in enumerate(counts):
        h = height * c / top
        x = 40 + i * (bar + 6)
        bars.append(f"<rect x='{x}' y='{20 + height - h:.1f}' width='{bar}' height='{h:.1f}' "
                    f"fill='#4a7fb5'/><text x='{x + bar / 2}' y='{15 + height - h:.1f}' "
                    f"text-anchor='middle' font-size='12'>{c}</text><text x='{x + bar / 2}' "
                    f"y='{height + 36}' text-anchor='middle' font-size='11'>"
                    f"{i * 100 // BINS}–{(i + 1) * 100 // BINS}</text>")
    width = 40 + BINS * (bar + 6)
    return (f"<svg width='{width}' height='{height + 50}' role='img' aria-label='score "
            f"histogram'>{''.join(bars)}<text x='{width / 2}' y='{height + 50}' "
            f"text-anchor='middle' font-size='12'>score (%)</text></svg>")


def _rate(correct: int, total: int) -> str:
    return f"{100 * correct / total:.0f} % ({correct}/{total})" if total else "–"


def _success_rows(reports: list[Report]) -> list[str]:
    rows = []
    for pid in _problem_ids([Graded("", Path(), r) for r in reports]):
        checks = [r.problems[pid] for r in reports if pid in r.problems]
        correct = sum(p.score for p in checks)
        total = sum(p.n_quantities for p in checks)
        rows.append(f"<tr class='problem'><td>{html.escape(pid)}</td><td></td>"
                    f"<td>{_rate(correct, total)}</td></tr>")
        per_quantity: Counter[str] = Counter()
        names = dict.fromkeys(q.name for p in checks for q in p.quantities)
        for p in checks:
            per_quantity.update(q.name for q in p.quantities if q.correct)
        for name in names:
            rows.append(f"<tr><td></td><td>{html.escape(name)}</td>"
                        f"<td>{_rate(per_quantity[name], len(checks))}</td></tr>")
    return rows


def summary_html(graded: list[Graded]) -> str:
    """The class summary page (no scripts, no external files)."""
    reports = [g.report for g in graded if g.report is not None]
    percents = [100 * r.score / r.max for r in reports if r.max]
    mistakes = Counter((pid, m.id) for r in reports for pid, p in r.problems.items()
                       for m in p.mistakes)
    explanations = {(pid, m.id): m.explanation for r in reports
                    for pid, p in r.problems.items() for m in p.mistakes}
    mean = f"{sum(percents) / len(percents):.1f} %" if percents else "–"
    mistake_rows = "".join(
        f"<tr><td>{html.escape(pid)}</td><td>{html.escape(mid)}</td><td>{count}</td>"
        f"<td>{html.escape(explanations[(pid, mid)])}</td></tr>"
        for (pid, mid), count in mistakes.most_common())
    errors = "".join(f"<li>{html.escape(g.error or '')}</li>" for g in graded if g.error)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Homework grades"
        "</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ccc;"
        "padding:.2rem .5rem;text-align:left}tr.problem td{font-weight:600;background:#f4f4f4}"
        "</style></head><body>"
        f"<h1>Homework grades</h1><p>{len(graded)} answer files, {len(reports)} readable; "
        f"mean score {mean}.</p><h2>Scores</h2>{_histogram_svg(percents)}"
        "<h2>Success rate per problem and quantity</h2><table><thead><tr><th>problem</th>"
        "<th>quantity</th><th>correct</th></tr></thead><tbody>"
        f"{''.join(_success_rows(reports))}</tbody></table>"
        "<h2>Most common mistakes</h2>"
        + (f"<table><thead><tr><th>problem</th><th>mistake</th><th>students</th><th>what "
           f"went wrong</th></tr></thead><tbody>{mistake_rows}</tbody></table>"
           if mistake_rows else "<p>None named.</p>")
        + (f"<h2>Unreadable files</h2><ul>{errors}</ul>" if errors else "")
        + "</body></html>\n")


def write_grades(graded: list[Graded], out_dir: Path) -> list[Path]:
    """``out_dir/grades.csv`` and ``out_dir/summary.html``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [atomic_write_bytes(out_dir / GRADES_FILE, grades_csv(graded).encode("utf-8")),
            atomic_write_bytes(out_dir / SUMMARY_FILE, summary_html(graded).encode("utf-8"))]
