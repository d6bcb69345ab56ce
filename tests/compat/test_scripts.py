"""Each learner script runs on PyTorch and, with tamrin standing in for ``torch``, on
tamrin; both print the same numbers (to float32 printing precision)."""

import numpy as np
import pytest

from .harness import SCRIPTS, numbers, run

pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")

SCRIPT_PATHS = sorted(SCRIPTS.glob("*.py"))


@pytest.mark.parametrize("path", SCRIPT_PATHS, ids=[p.stem for p in SCRIPT_PATHS])
def test_script_prints_pytorchs_numbers(path, tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "tamrin").mkdir()
    theirs = run(path, "torch", tmp_path / "torch")
    ours = run(path, "tamrin", tmp_path / "tamrin")
    expected, got = numbers(theirs), numbers(ours)
    assert len(expected) > 10, "the script must print what it computes"
    assert len(got) == len(expected), f"tamrin printed:\n{ours}\nPyTorch printed:\n{theirs}"
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3,
                               err_msg=f"tamrin printed:\n{ours}\nPyTorch printed:\n{theirs}")


def test_the_scripts_run_without_pytorch_when_tamrin_stands_in(tmp_path):
    import sys

    from .harness import torch_is

    with torch_is("tamrin"):
        import torch

        assert torch.__name__ == "tamrin" and sys.modules["torch.nn"].__name__ == "tamrin.nn"
    assert sys.modules["torch"].__name__ == "torch"
