"""Element-wise arithmetic on mid-size arrays writes into 64-byte aligned outputs
(tamrin/ops/_aligned.py) on Intel CPUs: same values, dtypes and gradients as before, and as
PyTorch. The tests switch the alignment on (``aligned`` fixture) whatever the CPU, and check
the CPU test itself on cpuinfo texts."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tamrin
import tamrin.ops._aligned as aligned_module
from tamrin.ops._aligned import ALIGN_FROM_BYTES, ALIGNMENT, cpu_is_intel, elementwise

from .helpers import check_parity

BIG = (256, 256)  # 256 KiB of float32, above ALIGN_FROM_BYTES


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def aligned(monkeypatch):
    monkeypatch.setattr(aligned_module, "ALIGN_OUTPUTS", True)


@pytest.mark.parametrize("vendor, intel", [("GenuineIntel", True), ("AuthenticAMD", False)])
def test_outputs_are_aligned_on_intel_cpus_only(tmp_path, vendor, intel):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: 6\n")
    assert cpu_is_intel(str(cpuinfo)) is intel
    assert cpu_is_intel(str(tmp_path / "missing")) is False


def test_switched_off_is_numpy_as_is(monkeypatch):
    monkeypatch.setattr(aligned_module, "ALIGN_OUTPUTS", False)
    a = np.ones(BIG, np.float32)
    out = elementwise(np.add, a, a)
    np.testing.assert_array_equal(out, a + a)


@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.divide])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_big_float_arithmetic_is_aligned_and_exact(ufunc, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(BIG).astype(dtype) for _ in range(2))
    for _ in range(8):  # several allocations: malloc's offsets vary
        out = elementwise(ufunc, a, b)
        assert _address(out) % ALIGNMENT == 0
        assert out.dtype == dtype and out.shape == BIG and out.flags.c_contiguous
        assert out.flags.writeable
        np.testing.assert_array_equal(out, ufunc(a, b))


@pytest.mark.parametrize("a, b, ufunc", [
    (np.ones((4, 4), np.float32), np.ones((4, 4), np.float32), np.add),  # small
    (np.ones(BIG, np.int64), np.ones(BIG, np.int64), np.add),  # integers
    (np.ones(BIG, np.float32), np.ones(256, np.float32), np.add),  # broadcast
    (np.ones(BIG, np.float32), np.ones(BIG, np.float64), np.add),  # mixed dtypes
    (np.ones(BIG, np.float32), np.ones(BIG, np.float32), np.greater),  # bool result
])
def test_other_cases_are_numpy_as_is(a, b, ufunc):
    out = elementwise(ufunc, a, b)
    expected = ufunc(a, b)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


def test_threshold_is_bytes_of_one_operand():
    n = ALIGN_FROM_BYTES // 4
    a = np.ones(n, np.float32)
    assert _address(elementwise(np.add, a, a)) % ALIGNMENT == 0


@pytest.mark.parametrize("op", [operator.add, operator.sub, operator.mul, operator.truediv])
def test_big_tensor_ops_match_pytorch_with_gradients(op):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(BIG)
    b = rng.uniform(0.5, 2.0, BIG)  # away from 0 for the division
    check_parity(op, op, [a, b], dtype=np.float32)


def test_big_product_backward_is_aligned():
    a = tamrin.randn(*BIG, requires_grad=True)
    b = tamrin.randn(*BIG, requires_grad=True)
    (a * b).sum().backward()
    assert _address(a.grad.numpy()) % ALIGNMENT == 0
    np.testing.assert_array_equal(a.grad.numpy(), b.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), a.numpy())
