"""Lab runs shared by the lab tests: each (lab, seed) runs once per session in quick mode,
and every test that needs it — the verdict at several seeds, the judge fed altered
numbers — reads the same result."""

from __future__ import annotations

import pytest

from tamrin.labs import Result, get, run_lab

_RUNS: dict[tuple[str, int], Result] = {}
SEEDS = (0, 20261206)  # two unrelated seeds: every lab must hold at both (and at any other)


@pytest.fixture(scope="session")
def lab_out(tmp_path_factory):
    return tmp_path_factory.mktemp("labs")


@pytest.fixture(scope="session")
def quick_run(lab_out):
    """``quick_run(name, seed=SEEDS[0])``: the Result of that lab at that seed (cached)."""

    def run(name: str, seed: int = SEEDS[0]) -> Result:
        key = (name, seed)
        if key not in _RUNS:
            _RUNS[key] = run_lab(get(name), quick=True, seed=seed, out_dir=lab_out / str(seed))
        return _RUNS[key]

    return run


def altered(replicates: list[dict], **changes) -> list[dict]:
    """A copy of the replicates' numbers with ``changes`` applied to every replicate; a value
    may be a function of the old value (e.g. ``drop=lambda v: v / 10``)."""
    out = []
    for rep in replicates:
        rep = dict(rep)
        for key, change in changes.items():
            key = key.replace("__", " ")
            if key not in rep:
                raise KeyError(f"no measurement {key!r}; there are {sorted(rep)}")
            rep[key] = change(rep[key]) if callable(change) else change
        out.append(rep)
    return out


def verdict(name: str, replicates: list[dict]) -> str:
    """The lab's judge on these numbers."""
    return get(name).judge(replicates).verdict


def holds_and_fails(name: str, quick_run, *changes: dict) -> None:
    """The real replicates hold; each alteration (a dict of measurement changes) does not."""
    from tamrin.labs import DOES_NOT_HOLD, HOLDS

    real = quick_run(name).replicates
    assert verdict(name, real) == HOLDS
    for change in changes:
        assert verdict(name, altered(real, **change)) == DOES_NOT_HOLD, change
