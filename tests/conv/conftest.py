"""The ``conv_layout`` fixture: a conv test module that uses it (``pytestmark``) runs with each
column layout of ``tamrin.ops.conv`` forced in turn — per image, batch-last (small images),
wide rows (stride 1) and Winograd (3×3, stride 1, no dilation, one group) — since
the choice by size would give the tests' small shapes only one. A layout that does not apply
(wide rows at stride > 1, Winograd on another kernel) falls back to per image."""

import pytest

import tamrin.ops.conv as conv


def _forced(layout: str):
    def choose(out_hw, stride, w_shape, dilation, groups) -> str:
        if layout == "wide" and stride != (1, 1):
            return "per-image"
        if layout == "winograd" and not conv.winograd_applies(w_shape, stride, dilation, groups):
            return "per-image"
        return layout

    return choose


@pytest.fixture(params=["per-image", "batch-last", "wide", "winograd"], scope="module")
def conv_layout(request):
    chosen = conv._layout
    conv._layout = _forced(request.param)
    yield request.param
    conv._layout = chosen
