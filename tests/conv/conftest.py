"""The ``conv_layout`` fixture: a conv test module that uses it (``pytestmark``) runs with both
column layouts of ``tamrin.ops.conv`` — per image, and the batch-last layout of small images
(chosen by output size, so the tests' small shapes would otherwise only ever see the
second)."""

import pytest

import tamrin.ops.conv as conv


@pytest.fixture(params=["per-image", "batch-last"], scope="module")
def conv_layout(request):
    saved = conv.BATCH_LAST_MAX_PIXELS
    conv.BATCH_LAST_MAX_PIXELS = 0 if request.param == "per-image" else 2**62
    yield request.param
    conv.BATCH_LAST_MAX_PIXELS = saved
