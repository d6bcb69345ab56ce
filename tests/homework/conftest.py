"""A homework folder made once per module: ``tamrin homework new --course`` (all problems)."""

from __future__ import annotations

import pytest

from tamrin.cli import main


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    assert main(["homework", "new", "--course", "--out", str(out)]) == 0
    assert main(["homework", "solve", str(out)]) == 0
    return out
