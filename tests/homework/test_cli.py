"""``tamrin homework list | new | solve | check | grade`` end to end."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import pytest

from tamrin.cli import main
from tamrin.homework import PROBLEMS, load_assignment
from tamrin.homework.answers import tomllib

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_list_names_every_problem_and_mistake(capsys):
    assert main(["homework", "list"]) == 0
    out = capsys.readouterr().out
    for pid, problem in PROBLEMS.items():
        assert pid in out
        assert all(m.id in out for m in problem.mistakes)


def test_new_writes_the_four_files(tmp_path, capsys):
    out = tmp_path / "hw"
    assert main(["homework", "new", "--problems", "backprop-222,cnn-table", "--seed", "7",
                 "--out", str(out)]) == 0
    problem = json.loads((out / "problem.json").read_text())
    assert problem["seed"] == 7 and list(problem["problems"]) == ["backprop-222", "cnn-table"]
    assert set(problem["problems"]["cnn-table"]) == {"parameters"}
    answers = tomllib.loads((out / "answers.toml").read_text())
    assert set(answers) == {"backprop-222", "cnn-table"}
    assert all(v == "" for table in answers.values() for v in table.values())
    assert list(answers["backprop-222"])[:5] == ["h1", "h2", "o1", "o2", "E"]
    md, page = (out / "problems.md").read_text(), (out / "problems.html").read_text()
    assert "`dE_dw1`" in md and "$\\eta" in md
    assert "katex/katex.min.js" in page and "http" not in page.replace("http-equiv", "")
    for asset in ("katex.min.js", "katex.min.css", "LICENSE", "fonts/KaTeX_Main-Regular.woff2"):
        assert (out / "katex" / asset).is_file()
    # the same seed gives the same numbers; an existing answers file is protected
    assert main(["homework", "new", "--problems", "backprop-222", "--seed", "7", "--out",
                 str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_new_course_uses_the_worked_examples(course_dir):
    assignment = load_assignment(course_dir / "problem.json")
    assert assignment.seed == "course" and list(assignment.problems) == list(PROBLEMS)
    e1 = assignment.problems["backprop-222"]
    assert (e1["eta"], e1["update_biases"], e1["w8"]) == (0.3, True, 0.55)
    assert assignment.problems["cnn-table"]["input"] == "1x128x128"
    assert assignment.problems["precision-recall"] == {"tp": 3, "fp": 2, "fn": 1, "tn": 4}


def exit_code(argv: list[str]) -> int:
    """``main``'s exit status, also when argparse exits on a usage error."""
    try:
        return main(argv)
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("args", [["--seed", "1", "--problems", "nope"], ["--seed", "-1"],
                                  ["--seed", "x"], ["--course", "--seed", "1"], []])
def test_new_refuses_bad_arguments(tmp_path, capsys, args):
    assert exit_code(["homework", "new", *args, "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("rtol", ["0", "1", "nan", "-1e-3"])
def test_check_and_grade_refuse_a_bad_tolerance(course_dir, tmp_path, capsys, rtol):
    assert exit_code(["homework", "check", str(course_dir / "answers.toml"), "--rtol", rtol]) == 2
    assert exit_code(["homework", "grade", str(course_dir), "--out", str(tmp_path),
                      "--rtol", rtol]) == 2
    assert capsys.readouterr().err.count("\n") == 2


def test_solve_writes_the_solution_and_a_full_marks_answers_file(course_dir, capsys):
    text = (course_dir / "solution.md").read_text()
    for title in ("Output deltas", "Gradient-descent step", "Layer 3: `CONV-5-64`",
                  "Cross-correlation"):
        assert title in text
    assert main(["homework", "check", str(course_dir / "solution.toml"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["score"] == report["max"] == sum(
        len(p.quantities(params)) for p, params in
        ((PROBLEMS[k], v) for k, v in load_assignment(course_dir / "problem.json")
         .problems.items()))
    assert main(["homework", "solve", str(course_dir), "--format", "html"]) == 0
    assert (course_dir / "solution.html").is_file()


def test_check_json_names_the_mistake(course_dir, tmp_path, capsys):
    shutil.copy(course_dir / "problem.json", tmp_path)
    text = (course_dir / "answers.toml").read_text()
    text = text.replace('precision = ""', "precision = 0.75").replace('recall = ""',
                                                                       "recall = 0.6")
    text = text.replace('accuracy = ""', "accuracy = 0.7")
    (tmp_path / "answers.toml").write_text(text)
    assert main(["homework", "check", str(tmp_path / "answers.toml"), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    pr = report["problems"]["precision-recall"]
    assert pr["quantities"]["precision"] == {"given": 0.75, "expected": 0.6, "correct": False}
    assert pr["quantities"]["accuracy"]["correct"] is True
    assert [m["id"] for m in pr["mistakes"]] == ["swapped"]
    assert pr["mistakes"][0]["quantities"] == ["precision", "recall"]
    assert pr["mistakes"][0]["explanation"]
    assert report["score"] == 1 and report["max"] > 80
    assert main(["homework", "check", str(tmp_path / "answers.toml")]) == 1
    out = capsys.readouterr().out
    assert "mistake swapped" in out and "first wrong step: Precision" in out


def test_check_with_problem_option(course_dir, tmp_path, capsys):
    shutil.copy(course_dir / "answers.toml", tmp_path / "mine.toml")
    assert main(["homework", "check", str(tmp_path / "mine.toml")]) == 2
    assert "problem.json" in capsys.readouterr().err
    assert main(["homework", "check", str(tmp_path / "mine.toml"), "--problem",
                 str(course_dir / "problem.json")]) == 0


def test_grade_a_class(course_dir, tmp_path, capsys):
    klass = tmp_path / "class"
    for name, source in (("ali", "solution.toml"), ("bita", "answers.toml")):
        (klass / name).mkdir(parents=True)
        shutil.copy(course_dir / "problem.json", klass / name)
        shutil.copy(course_dir / source, klass / name / "answers.toml")
    wrong = (course_dir / "answers.toml").read_text().replace(
        'precision = ""', "precision = 0.75").replace('recall = ""', "recall = 0.6")
    (klass / "cyrus.toml").write_text(f'problem = "ali/problem.json"\nstudent = "Cyrus"\n'
                                      f"{wrong}")
    (klass / "dara.toml").write_bytes(b"\xff\xfe")
    assert main(["homework", "grade", str(klass), "--out", str(tmp_path / "grades")]) == 0
    assert "dara.toml" in capsys.readouterr().err
    with open(tmp_path / "grades" / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"ali", "bita", "Cyrus", "dara"}
    assert rows["ali"]["score"] == rows["ali"]["max"] and rows["ali"]["percent"] == "100.0"
    assert rows["bita"]["score"] == "0"
    assert rows["Cyrus"]["mistakes"] == "precision-recall:swapped"
    assert rows["dara"]["score"] == "" and "UTF-8" in rows["dara"]["error"]
    page = (tmp_path / "grades" / "summary.html").read_text()
    assert "<svg" in page and "swapped" in page and "precision-recall" in page
    assert re.search(r"precision</td><td>33 % \(1/3\)", page)


def test_grade_without_answer_files(tmp_path, capsys):
    assert main(["homework", "grade", str(tmp_path), "--out", str(tmp_path / "g")]) == 2
    assert main(["homework", "grade", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium to render the page")
def test_formulas_render_offline_in_a_browser(course_dir):
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--dump-dom", (course_dir / "problems.md").with_suffix(".html")
                          .as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="katex"') > 100
    assert "katex-error" not in dom


def test_guide_lists_every_problem_and_mistake():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "homework.md").read_text()
    for pid, problem in PROBLEMS.items():
        assert f"| `{pid}` |" in guide
        assert all(f"`{m.id}`" in guide for m in problem.mistakes), pid


def test_homework_imports_neither_labs_nor_playground():
    """The top floors are peers: homework uses the library, never tamrin.labs/playground."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "src" / "tamrin" / "homework"
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith(("tamrin.labs", "tamrin.playground")) for n in names), \
                path
