"""Every lab in quick mode: implemented ones must hold, the others must say why not."""

from __future__ import annotations

import re

import pytest

from tamrin import cli
from tamrin.labs import (
    HOLDS,
    NOT_AVAILABLE,
    Lab,
    Result,
    all_labs,
    get,
    load_results,
    run_lab,
    run_labs,
)

RUNNABLE = [lab.name for lab in all_labs() if not lab.unavailable_reason()]


def _describe(result: Result) -> str:
    return f"{result.criterion}\n{result.measurements}\n{result.reason}"


@pytest.mark.parametrize("name", RUNNABLE)
def test_lab_holds_in_quick_mode(name, tmp_path):
    result = run_lab(get(name), quick=True, seed=0, out_dir=tmp_path)
    assert result.verdict == HOLDS, _describe(result)
    assert result.criterion and result.explanation and result.measurements
    assert result.figures, "every lab draws at least one figure"
    for figure in result.figures:
        assert (tmp_path / figure.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_lab_can_run_now():
    assert {lab.name: lab.unavailable_reason() for lab in all_labs()
            if lab.unavailable_reason()} == {}


@pytest.mark.parametrize("requires, run, reason", [
    (("tamrin.no_such_module:thing",), None, "needs tamrin.no_such_module:thing"),
    (("tamrin.nn:Linear",), None, "the experiment is not written yet"),
])
def test_a_lab_that_cannot_run_says_why(requires, run, reason, tmp_path):
    lab = Lab("waiting", "A lab still waiting", "A claim.", (1,), requires, run)
    result = run_lab(lab, quick=True, seed=0, out_dir=tmp_path)
    assert result.verdict == NOT_AVAILABLE
    assert result.reason.startswith(reason)


@pytest.mark.parametrize("name", ["noise-is-ridge", "dying-relu", "conv-backward",
                                  "l1-l2-sparsity", "robust-l1", "autoencoders"])
def test_same_seed_same_numbers(name, tmp_path):
    lab = get(name)
    first = run_lab(lab, quick=True, seed=3, out_dir=tmp_path / "a")
    second = run_lab(lab, quick=True, seed=3, out_dir=tmp_path / "b")
    assert first.measurements == second.measurements
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]


def test_a_different_seed_changes_the_numbers(tmp_path):
    lab = get("noise-is-ridge")
    a = run_lab(lab, quick=True, seed=1, out_dir=tmp_path)
    b = run_lab(lab, quick=True, seed=2, out_dir=tmp_path)
    assert a.measurements != b.measurements


def test_labs_list_covers_claims_1_to_38_once(capsys):
    assert cli.main(["labs", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(all_labs())
    claims = []
    for line in lines:
        match = re.search(r"claims ([\d, ]+)\)$", line)
        assert match, line
        claims += [int(c) for c in match.group(1).split(",")]
    assert sorted(claims) == list(range(1, 39))


def test_results_json_round_trips(tmp_path):
    labs = [get("backprop-by-hand"), get("pruning")]
    results = run_labs(labs, quick=True, seed=0, out_dir=tmp_path, progress=lambda *a: None)
    assert [r.to_dict() for r in load_results(tmp_path)] == [r.to_dict() for r in results]


def test_cli_run_writes_the_report(tmp_path, capsys):
    code = cli.main(["labs", "run", "word2vec-gradients", "--quick", "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "index.html").exists() and (tmp_path / "results.json").exists()
    assert str((tmp_path / "index.html").resolve()) in capsys.readouterr().out
    assert cli.main(["report", "--out", str(tmp_path)]) == 0  # re-renders the saved results


def test_cli_rejects_unknown_lab_and_empty_selection(tmp_path, capsys):
    assert cli.main(["labs", "run", "no-such-lab", "--out", str(tmp_path)]) == 2
    assert cli.main(["labs", "run", "--out", str(tmp_path)]) == 2
    assert "no lab named 'no-such-lab'" in capsys.readouterr().err


def test_parallel_run_matches_serial(tmp_path):
    labs = [get("backprop-by-hand"), get("word2vec-gradients")]
    quiet = lambda *a: None  # noqa: E731
    serial = run_labs(labs, quick=True, seed=0, out_dir=tmp_path / "s", progress=quiet)
    parallel = run_labs(labs, quick=True, seed=0, out_dir=tmp_path / "p", jobs=2,
                        progress=quiet)
    assert [r.measurements for r in serial] == [r.measurements for r in parallel]
