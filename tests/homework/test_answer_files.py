"""Answer files and problem.json are untrusted input: every way they can be wrong gives
exit 2 and one line on stderr naming the file, the problem and the key — never a
traceback."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamrin.cli import main
from tamrin.homework import PROBLEMS, Assignment, template
from tamrin.homework.values import KINDS, ValueProblem, parse_answer

GOOD = "[precision-recall]\nprecision = 0.6\nrecall = \"\"\nf1 = \"\"\naccuracy = \"\"\n"


@pytest.fixture()
def folder(course_dir, tmp_path):
    """A problem.json with only precision-recall (E4) and conv-backward, and its answers."""
    problems = json.loads((course_dir / "problem.json").read_text())
    keep = {k: problems["problems"][k] for k in ("precision-recall", "conv-backward")}
    (tmp_path / "problem.json").write_text(json.dumps({"seed": "course", "problems": keep}))
    return tmp_path


def run_check(folder, content, capsys, name="answers.toml"):
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    code = main(["homework", "check", str(path)])
    out = capsys.readouterr()
    return code, out.err


def answers(precision='""', extra="", conv="[conv-backward]\n"):
    return (f"{extra}[precision-recall]\nprecision = {precision}\nrecall = \"\"\n"
            f"f1 = \"\"\naccuracy = \"\"\n{conv}")


CASES = [  # (answers file content, words the one-line error must contain)
    (b"\xff\xfe[precision-recall]\n", ["answers.toml", "UTF-8"]),
    ("[precision-recall\nprecision = 1", ["answers.toml", "TOML"]),
    ("[precision-recall]\nprecision = 0.6\n", ["answers.toml", "[conv-backward]", "missing"]),
    (answers(extra="[backprop-222]\nh1 = 1\n"), ["answers.toml", "backprop-222", "unknown"]),
    (answers(conv="[conv-backward]\ndz = 1\n"), ["[conv-backward]", "dz", "unknown quantity"]),
    (answers(extra="teacher = 1\n"), ["teacher", "unknown key"]),
    (answers(extra="student = 3\n"), ["student", "string"]),
    (answers('"0.6"'), ["[precision-recall]", "precision", "without quotes"]),
    (answers("true"), ["[precision-recall]", "precision", "number"]),
    (answers("[0.6]"), ["[precision-recall]", "precision", "number"]),
    (answers("{a = 1}"), ["[precision-recall]", "precision", "number"]),
    (answers("nan"), ["[precision-recall]", "precision", "nan"]),
    (answers("-inf"), ["[precision-recall]", "precision", "finite"]),
    (answers("1e300"), ["[precision-recall]", "precision", "too large"]),
    (answers("9" * 400), ["[precision-recall]", "precision", "too large"]),
    (answers(conv="[conv-backward]\ndx = [[1, 2], [3]]\n"), ["[conv-backward]", "dx", "rows"]),
    (answers(conv="[conv-backward]\ndx = [1, [2]]\n"), ["[conv-backward]", "dx", "mixes"]),
    (answers(conv="[conv-backward]\ndx = []\n"), ["[conv-backward]", "dx", "empty"]),
    (answers(conv="[conv-backward]\ndx = [1, nan]\n"), ["[conv-backward]", "dx", "nan"]),
    (answers(conv="[conv-backward]\ndx = [1, \"a\"]\n"), ["[conv-backward]", "dx", "number"]),
    (answers(conv="[conv-backward]\ndw = " + "[" * 12 + "1" + "]" * 12 + "\n"),
     ["[conv-backward]", "dw", "nested"]),
    (answers(conv="[conv-backward]\ndx = [" + ", ".join(["1"] * 20_000) + "]\n"),
     ["[conv-backward]", "dx", "elements"]),
    ("[precision-recall]\nprecision = \"" + "x" * (2 * 2**20) + "\"\n", ["too large"]),
    ("[" * 100_000, ["answers.toml", "TOML"]),
    (answers(extra="problem = \"nowhere.json\"\n"), ["nowhere.json", "cannot be read"]),
    (answers(extra="problem = 7\n"), ["problem", "path"]),
    ("precision-recall = 1\n[conv-backward]\n", ["[precision-recall]", "expected a table"]),
]


@pytest.mark.parametrize("content, words", CASES, ids=range(len(CASES)))
def test_bad_answer_file_is_one_clear_line(folder, capsys, content, words):
    code, err = run_check(folder, content, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word.lower() in err.lower(), (word, err)


def test_unanswered_and_missing_keys_are_not_errors(folder, capsys):
    code, _ = run_check(folder, answers(), capsys)
    assert code == 0
    code, _ = run_check(folder, b"\xef\xbb\xbf" + answers().encode(), capsys)  # a BOM
    assert code == 0
    code, _ = run_check(folder, GOOD + "[conv-backward]\n", capsys)
    assert code == 0


PROBLEM_CASES = [  # (problem.json content, words the error must contain)
    ("{", ["problem.json", "JSON"]),
    (b"\xff", ["problem.json", "UTF-8"]),
    ('{"seed": 1}', ["problems"]),
    ('{"seed": [], "problems": {}}', ["seed"]),
    ('{"seed": 1, "problems": {"nope": {"parameters": {}}}}', ["unknown problem id"]),
    ('{"seed": 1, "problems": {"precision-recall": {"parameters": {"tp": 1}}}}',
     ["[precision-recall]", "fp", "missing"]),
    ('{"seed": 1, "problems": {"precision-recall": {"parameters": {"tp": 1, "fp": 1, '
     '"fn": 1, "tn": 1, "xx": 1}}}}', ["[precision-recall]", "xx", "unknown parameter"]),
    ('{"seed": 1, "problems": {"precision-recall": {"parameters": {"tp": "3", "fp": 1, '
     '"fn": 1, "tn": 1}}}}', ["[precision-recall]", "tp", "integer"]),
    ('{"seed": 1, "problems": {"precision-recall": {"parameters": {"tp": 0, "fp": 1, '
     '"fn": 1, "tn": 1}}}}', ["[precision-recall]", "tp", "positive"]),
    ('{"seed": 1, "problems": {"conv-backward": {"parameters": {"x": [[[NaN]]], "w": 1, '
     '"stride": 1, "dy": 1}}}}', ["[conv-backward]", "x", "finite"]),
    ('{"seed": 1, "problems": {"conv-backward": {"parameters": {"x": [[[1, 2], [3, 4]]], '
     '"w": [[[[1]]]], "stride": 1, "dy": [[[1]]]}}}}', ["[conv-backward]", "dy", "shape"]),
    ('{"seed": 1, "problems": {"cnn-table": {"parameters": {"spec": "CONV-3-8, FC-100000", '
     '"input": "3x256x256"}}}}', ["[cnn-table]", "spec", "parameters"]),
    ('{"seed": 1, "problems": {"cnn-table": {"parameters": {"spec": "CONV-3-8, GAP", '
     '"input": "1x8x8"}}}}', ["[cnn-table]", "spec", "GAP"]),
    ("[" * 100_000, ["problem.json", "JSON"]),
]


@pytest.mark.parametrize("content, words", PROBLEM_CASES, ids=range(len(PROBLEM_CASES)))
def test_bad_problem_json_is_one_clear_line(folder, capsys, content, words):
    (folder / "problem.json").write_bytes(content.encode() if isinstance(content, str)
                                          else content)
    code, err = run_check(folder, GOOD, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word.lower() in err.lower(), (word, err)


def test_every_problem_survives_hand_edited_parameters(tmp_path, capsys):
    """Each parameter of each problem replaced by junk: a clear error, never a traceback."""
    for pid, problem in PROBLEMS.items():
        assignment = Assignment("course", {pid: problem.course()})
        (tmp_path / "answers.toml").write_text(template(assignment))
        for key in problem.parameters:
            for junk in (None, "x", -1, 1e9, 10**400, [[1]], {"a": 1}, True, [math.nan],
                         [10**400]):
                edited = {**problem.course(), key: junk}
                (tmp_path / "problem.json").write_text(
                    json.dumps({"seed": "course", "problems": {pid: {"parameters": edited}}}))
                code = main(["homework", "check", str(tmp_path / "answers.toml")])
                err = capsys.readouterr().err
                assert code in (0, 2), (pid, key, junk)
                assert "Traceback" not in err and err.count("\n") <= 1, (pid, key, junk, err)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=20)


@given(raw=JSONISH, kind=st.sampled_from(KINDS))
def test_any_value_is_read_or_refused_cleanly(raw, kind):
    try:
        parse_answer(raw, kind)
    except ValueProblem as e:
        assert str(e)
