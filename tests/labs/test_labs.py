"""Every lab in quick mode: it holds at several seeds, its judge is a function of the
numbers alone, a seed gives the same numbers, and the four outcomes are reported as
themselves (a crash is an error, a missing data set is "not available")."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tamrin import cli
from tamrin.labs import (
    DOES_NOT_HOLD,
    ERROR,
    HOLDS,
    NOT_AVAILABLE,
    Judgement,
    Lab,
    Presentation,
    Replicates,
    all_labs,
    get,
    load_results,
    replicate_seeds,
    run_lab,
    run_labs,
    stats,
    write_report,
)
from tamrin.labs.report import outcome_summary

from .conftest import SEEDS

NAMES = [lab.name for lab in all_labs()]
# Claims the measurement refutes as the course words them (the lab says so, with its numbers,
# at every seed tried); every other lab must hold. A refuted claim that starts to hold, or a
# lab that stops holding, fails the test and gets a look.
REFUTED = {
    "bias-pruning": "per parameter over the whole network a pruned bias costs no more than a "
                    "pruned weight (about half the (bias, weight) pairs either way)",
    "edge-kernels": "sandals are shoes in side view, grouped 'horizontal' before measuring, "
                    "but only 87-90% of them excite the horizontal kernel more (their straps "
                    "run up and down), short of the nine in ten that 'dominated' was fixed at",
}


def _describe(result) -> str:
    return f"{result.verdict}\n" + "\n".join(result.reasons) + f"\n{result.reason}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", NAMES)
def test_lab_holds_in_quick_mode(name, seed, quick_run, lab_out):
    result = quick_run(name, seed)
    assert result.verdict == (DOES_NOT_HOLD if name in REFUTED else HOLDS), _describe(result)
    lab = get(name)
    assert len(result.seeds) == lab.replicates.quick == len(result.replicates)
    assert result.statistics and result.reasons and result.explanation
    assert result.figures, "every lab draws at least one figure"
    for figure in result.figures:
        assert (lab_out / str(seed) / figure.path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", NAMES)
def test_judge_reads_only_the_numbers(name, quick_run):
    result = quick_run(name)
    again = get(name).judge(result.replicates)
    assert again.verdict == result.verdict
    assert [s.estimate for s in again.statistics] == [s.estimate for s in result.statistics]


def test_every_lab_declares_replicates_and_a_criterion():
    for lab in all_labs():
        assert lab.criterion and lab.claim, lab.name
        assert lab.replicates.quick >= 3 or lab.replicates == Replicates(1, 1), lab.name
        assert lab.replicates.full >= 10 or lab.replicates == Replicates(1, 1), lab.name


@pytest.mark.parametrize("name", ["variance-propagation"])
def test_same_seed_same_numbers_and_another_seed_others(name, quick_run, tmp_path):
    first = quick_run(name)
    second = run_lab(get(name), quick=True, seed=SEEDS[0], out_dir=tmp_path)
    assert first.replicates == second.replicates
    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]
    assert quick_run(name, SEEDS[1]).replicates != first.replicates


def test_replicate_seeds_are_distinct_and_reproducible():
    seeds = replicate_seeds(7, 10)
    assert len(set(seeds)) == 10 and seeds == replicate_seeds(7, 10)
    assert replicate_seeds(8, 10)[0] not in seeds
    for bad in (-1, 2**63, 1.5, "3", True):
        with pytest.raises(ValueError, match="seed must be an integer"):
            replicate_seeds(bad, 3)


# ---- the four outcomes, with labs made up for the purpose -----------------------------------

def _toy(name: str, measure, requires=(), datasets=(), replicates=None) -> Lab:
    def judge(reps):
        return Judgement.of(stats.mean_above("x", stats.column(reps, "x"), 0.0))

    def present(ev):
        from tamrin.labs import figures

        fig, (ax,) = figures.subplots()
        ax.plot(ev.values("x"))
        return Presentation(f"x was {np.mean(ev.values('x')):.3g}",
                            figures=[figures.save(fig, ev.out_dir, "x", "x per replicate")])

    return Lab(name, "A toy lab", "x is positive.", (1,), "the interval of mean x is above 0",
               measure, judge, present, replicates or Replicates(3, 10), requires, datasets)


def _positive(quick, seed):
    return {"x": 1.0 + np.random.default_rng(seed).random(), "curve": np.arange(3)}


def _negative(quick, seed):
    return {"x": -1.0 - np.random.default_rng(seed).random()}


def _crash(quick, seed):
    raise ZeroDivisionError("the toy lab divides by zero")


def test_holds_and_does_not_hold(tmp_path):
    good = run_lab(_toy("toy-good", _positive), out_dir=tmp_path)
    assert good.verdict == HOLDS and len(good.replicates) == 3
    assert "curve" not in good.replicates[0] and good.statistics[0].passed
    bad = run_lab(_toy("toy-bad", _negative), out_dir=tmp_path)
    assert bad.verdict == DOES_NOT_HOLD and not bad.statistics[0].passed
    assert "fails" in bad.reasons[0]


def test_a_crash_is_an_error_with_its_traceback_in_the_report(tmp_path):
    lab = _toy("toy-crash", _crash)
    result = run_lab(lab, out_dir=tmp_path)
    assert result.verdict == ERROR
    assert "ZeroDivisionError: the toy lab divides by zero" in result.reason
    assert "Traceback" in result.reason
    page = write_report([(lab, result)], tmp_path).read_text(encoding="utf-8")
    assert "<pre class='trace'>" in page and "ZeroDivisionError" in page
    assert "1 error" in outcome_summary([result])


def test_a_missing_data_set_is_not_available_and_names_the_fix(tmp_path, monkeypatch):
    from tamrin.data import registry

    monkeypatch.setattr(registry.FASHION_MNIST.__class__, "is_present", lambda self: False)
    result = run_lab(_toy("toy-data", _positive, datasets=("fashion-mnist",)), out_dir=tmp_path)
    assert result.verdict == NOT_AVAILABLE
    assert "tamrin data fetch fashion-mnist" in result.reason
    assert not result.replicates  # nothing ran


def test_a_missing_library_part_is_not_available(tmp_path):
    lab = _toy("toy-part", _positive, requires=("tamrin.no_such_module:thing",))
    result = run_lab(lab, out_dir=tmp_path)
    assert result.verdict == NOT_AVAILABLE and "tamrin.no_such_module:thing" in result.reason


def test_cli_exit_status_and_last_line(tmp_path, capsys, monkeypatch):
    from tamrin.labs import registry

    toys = {"toy-good": _toy("toy-good", _positive), "toy-crash": _toy("toy-crash", _crash),
            "toy-data": _toy("toy-data", _positive, datasets=("no-such-set",))}
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda n: toys.get(n) or real_get(n))
    monkeypatch.setattr("tamrin.data.registry.get_dataset", _absent_dataset)
    assert cli.main(["labs", "run", "toy-good", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == \
        "1 labs: 1 hold, 0 do not hold, 0 not available, 0 errors"
    monkeypatch.setitem(toys, "toy-bad", _toy("toy-bad", _negative))
    assert cli.main(["labs", "run", "toy-good", "toy-bad", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == \
        "2 labs: 1 hold, 1 do not hold, 0 not available, 0 errors"
    assert cli.main(["labs", "run", "toy-good", "toy-crash", "toy-data", "--out",
                     str(tmp_path)]) == 3
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == \
        "3 labs: 1 hold, 0 do not hold, 1 not available, 1 error"
    assert "toy-data: not available" in captured.err and "toy-crash: error" in captured.err


class _Absent:
    def is_present(self):
        return False


def _absent_dataset(name):
    return _Absent()


# ---- the command line and the saved results ------------------------------------------------

def test_labs_list_covers_claims_1_to_38(capsys):
    assert cli.main(["labs", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(all_labs())
    claims = []
    for line in lines:
        match = re.search(r"claims ([\d, ]+)\)$", line)
        assert match, line
        claims += [int(c) for c in match.group(1).split(",")]
    assert sorted(set(claims)) == list(range(1, 39))


def test_results_json_round_trips(tmp_path):
    labs = [get(NAMES[0]), get(NAMES[-1])]
    results = run_labs(labs, quick=True, seed=0, out_dir=tmp_path, progress=lambda *a: None)
    assert [r.to_dict() for r in load_results(tmp_path)] == [r.to_dict() for r in results]


def test_cli_run_writes_the_report_and_links_the_course(tmp_path, capsys):
    name = "variance-propagation"
    assert cli.main(["labs", "run", name, "--quick", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "href='course.html#claim-9'" in page
    assert "id='claim-9'" in (tmp_path / "course.html").read_text(encoding="utf-8")
    assert str((tmp_path / "index.html").resolve()) in capsys.readouterr().out
    assert cli.main(["report", "--out", str(tmp_path)]) == 0  # re-renders the saved results


def test_cli_rejects_unknown_lab_and_empty_selection(tmp_path, capsys):
    assert cli.main(["labs", "run", "no-such-lab", "--out", str(tmp_path)]) == 2
    assert cli.main(["labs", "run", "--out", str(tmp_path)]) == 2
    assert "no lab named 'no-such-lab'" in capsys.readouterr().err


def test_parallel_run_matches_serial(tmp_path):
    labs = [get("variance-propagation")]
    quiet = lambda *a: None  # noqa: E731
    serial = run_labs(labs, quick=True, seed=0, out_dir=tmp_path / "s", progress=quiet)
    parallel = run_labs(labs, quick=True, seed=0, out_dir=tmp_path / "p", jobs=2,
                        progress=quiet)
    assert [r.replicates for r in serial] == [r.replicates for r in parallel]
