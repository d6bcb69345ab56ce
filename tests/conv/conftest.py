"""The ``conv_layout`` fixture: a conv test module that uses it (``pytestmark``) runs with each
column layout of ``tamrin.ops.conv`` forced in turn — per image, batch-last (small images) and
wide rows (stride 1) — since the choice by size would give the tests' small shapes only
one. A layout that does not apply (wide rows at stride > 1) falls back to per image."""

import pytest

import tamrin.ops.conv as conv


def _forced(layout: str):
    def choose(out_hw, stride, rows) -> str:
        return "per-image" if layout == "wide" and stride != (1, 1) else layout

    return choose


@pytest.fixture(params=["per-image", "batch-last", "wide"], scope="module")
def conv_layout(request):
    chosen = conv._layout
    conv._layout = _forced(request.param)
    yield request.param
    conv._layout = chosen
