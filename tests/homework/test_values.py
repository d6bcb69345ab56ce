"""Answer values: tolerance, 4-significant-digit rounding, shapes, TOML round trip."""

from __future__ import annotations

import pytest

from tamrin.homework.answers import _toml_value, tomllib
from tamrin.homework.values import ValueProblem, close, parse_answer, round_significant


@pytest.mark.parametrize("given, expected, ok", [
    (0.5933, 0.593269992, True),        # rounded to 4 significant digits
    (0.59327, 0.593269992, True),
    (0.5925, 0.593269992, False),       # 1.3e-3 off
    (0.0004386, 0.000438568, True),
    (0.000439, 0.000438568, True),      # within 1e-3
    (184000, 184003, True),             # 4 significant digits of an integer
    (184300, 184003, False),
    (0, 0.0, True), (1e-13, 0.0, True), (1e-6, 0.0, False),
    ([[1, 2, 3]], [1, 2, 3], True),      # length-1 axes do not matter
    ([[1, 2], [3, 4]], [[1, 3], [2, 4]], False),
    ([[1, 2, 3], [4, 5, 6]], [[1, 4], [2, 5], [3, 6]], False),  # transposed: wrong, no error
    ("32x120x120", "32x120x120", True), ("32 × 120 × 120", "32x120x120", True),
    ("3", "3", True), ("3x1x1", "3", False), (3, "3", False),
])
def test_close(given, expected, ok):
    assert close(given, expected) is ok


def test_round_significant():
    assert round_significant(0.000438568).item() == 0.0004386
    assert round_significant(-12345.6).item() == -12350
    assert round_significant(0.0).item() == 0


@pytest.mark.parametrize("raw, kind, value", [
    ("", "number", None), ("  ", "array", None), (2, "number", 2), (0.5, "array", 0.5),
    ([[1, 2]], "array", [[1, 2]]), ("32X60x60", "shape", "32x60x60"), (3, "shape", "3"),
])
def test_parse_answer(raw, kind, value):
    assert parse_answer(raw, kind) == value


@pytest.mark.parametrize("raw, kind", [
    ("0.5", "number"), (True, "number"), (float("nan"), "array"), ([[1], [2, 3]], "array"),
    ("32x?", "shape"), (2.5, "shape"), (-3, "shape"), ({}, "array"),
])
def test_parse_answer_refuses(raw, kind):
    with pytest.raises(ValueProblem):
        parse_answer(raw, kind)


@pytest.mark.parametrize("value", [0.1, 1e-05, -2.5e-17, 184003, "32x120x120",
                                   [[0.1, -2.0], [3.0, 1e300]]])
def test_toml_values_round_trip(value):
    assert tomllib.loads(f"x = {_toml_value(value)}")["x"] == value
