"""The controls: every value the page offers is accepted, every bad one is refused with a
message that names the control."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest

from tamrin.playground import limits
from tamrin.playground.config import DEFAULT, FIELDS, Config, ConfigError, parse_config


def test_fields_describe_every_setting_of_a_config():
    assert [f.name for f in FIELDS] == [f.name for f in fields(Config)]
    described = json.loads(json.dumps([f.describe() for f in FIELDS]))
    assert all(d["default"] == getattr(DEFAULT, d["name"]) for d in described)


def test_defaults_parse_to_the_default_config():
    assert parse_config({}) == DEFAULT
    assert parse_config(DEFAULT.to_dict()) == DEFAULT


@pytest.mark.parametrize("field", [f for f in FIELDS if f.kind == "choice"], ids=lambda f: f.name)
def test_every_choice_is_accepted(field):
    for value in field.choices:
        assert getattr(parse_config({field.name: value}), field.name) == value


@pytest.mark.parametrize("field", [f for f in FIELDS if f.kind in ("int", "float")],
                         ids=lambda f: f.name)
def test_numbers_at_their_bounds_are_accepted(field):
    high = field.high
    if field.name in ("hidden_layers", "width"):   # either bound alone stays within the size
        high = 4 if field.name == "hidden_layers" else limits.MAX_WIDTH
    lows = [field.low] if not field.low_open else [field.low + 1e-6]
    for value in [*lows, high]:
        parsed = getattr(parse_config({field.name: value}), field.name)
        assert parsed == pytest.approx(value) and type(parsed) is type(getattr(DEFAULT,
                                                                                field.name))


def test_booleans_are_accepted():
    for field in (f for f in FIELDS if f.kind == "bool"):
        assert getattr(parse_config({field.name: True}), field.name) is True


# (controls, the field named, words of the message)
BAD = [
    ({"hidden_layers": 10_000}, "hidden_layers", "≤ 16"),
    ({"width": 1e9}, "width", "≤ 128"),
    ({"lr": math.nan}, "lr", "finite"),
    ({"lr": math.inf}, "lr", "finite"),
    ({"lr": 0}, "lr", "> 0"),
    ({"lr": -0.1}, "lr", "> 0"),
    ({"batch_size": 0}, "batch_size", "≥ 1"),
    ({"activation": "swish"}, "activation", "unknown activation 'swish'"),
    ({"optimizer": "lbfgs"}, "optimizer", "choose one of"),
    ({"lr": "fast"}, "lr", "must be a number"),
    ({"lr": "0.1"}, "lr", "must be a number"),
    ({"width": None}, "width", "must be a number"),
    ({"width": [8]}, "width", "must be a number"),
    ({"width": True}, "width", "must be a number"),
    ({"width": 2.5}, "width", "whole number"),
    ({"dropout": 1.0}, "dropout", "≤ 0.9"),
    ({"validation": 0.0}, "validation", "≥ 0.1"),
    ({"seed": -1}, "seed", "≥ 0"),
    ({"batch_norm": "yes"}, "batch_norm", "true or false"),
    ({"batch_norm": 1}, "batch_norm", "true or false"),
    ({"depth": 3}, "depth", "unknown control 'depth'"),
    ({"hidden_layers": 16, "width": 128}, "width", "parameters"),
]


@pytest.mark.parametrize("controls, field, words", BAD, ids=[str(b[0]) for b in BAD])
def test_bad_values_name_the_control(controls, field, words):
    with pytest.raises(ConfigError) as info:
        parse_config(controls)
    assert info.value.field == field
    assert words in str(info.value)


@pytest.mark.parametrize("raw", [None, [], "lr=1", 3])
def test_the_configuration_must_be_an_object(raw):
    with pytest.raises(ConfigError, match="JSON object") as info:
        parse_config(raw)
    assert info.value.field is None


def test_the_parameter_limit_counts_the_data_sets_inputs_and_classes():
    # 7 × 128 on moons: 2·128 + 128 + 6·(128² + 128) + 128 + 1 = 99,585 parameters
    seven = {"hidden_layers": 7, "width": 128}
    parse_config(seven)
    with pytest.raises(ConfigError, match="116,097 parameters"):
        parse_config({**seven, "hidden_layers": 8})
    with pytest.raises(ConfigError, match="108,682 parameters"):   # 64 inputs, 10 classes
        parse_config({**seven, "dataset": "digits"})


def test_a_partial_configuration_is_applied_over_a_base():
    base = parse_config({"lr": 0.5, "width": 4})
    assert parse_config({"width": 8}, base) == Config(**{**DEFAULT.to_dict(), "lr": 0.5,
                                                         "width": 8})
