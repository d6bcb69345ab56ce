"""docs/pytorch_compat.md stays true: every PyTorch name it lists under "What works" (and
under "What differs") exists in tamrin, and every one under "What is missing" does not —
and each is a real PyTorch name."""

import functools
import re
from pathlib import Path

import pytest

import tamrin

torch = pytest.importorskip("torch", reason="PyTorch (torch==2.13.0) is the parity oracle")

PAGE = Path(__file__).resolve().parents[1] / "docs" / "pytorch_compat.md"
NAME = re.compile(r"`(torch(?:\.\w+)+)")


def names(section: str) -> set[str]:
    """The ``torch.…`` names written in backticks in one ``## `` section of the page."""
    text = PAGE.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return set(NAME.findall(body))


def resolves(root: object, dotted: str) -> bool:
    try:
        functools.reduce(getattr, dotted.split(".")[1:], root)
    except AttributeError:
        return False
    return True


WORKS, DIFFERS, MISSING = names("What works"), names("What differs"), names("What is missing")


def test_the_page_lists_enough_names():
    assert len(WORKS) > 150 and len(MISSING) > 15


@pytest.mark.parametrize("name", sorted(WORKS | DIFFERS - MISSING))
def test_listed_names_exist_in_tamrin_and_pytorch(name):
    assert resolves(torch, name), f"{name} is not a PyTorch name"
    assert resolves(tamrin, name), f"{name} is listed as working but tamrin has no such name"


@pytest.mark.parametrize("name", sorted(MISSING))
def test_missing_names_are_missing(name):
    assert resolves(torch, name), f"{name} is not a PyTorch name"
    assert not resolves(tamrin, name), f"{name} exists now: move it out of 'What is missing'"
