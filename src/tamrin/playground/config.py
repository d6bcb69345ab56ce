"""The controls of the playground: their values, ranges and defaults, and their validation.

``FIELDS`` describes every control once; the page builds its form from it (``/api/options``)
and ``parse_config`` checks a request against it. Anything out of range, of the wrong type,
or unknown raises ``ConfigError`` naming the control, which the API turns into HTTP 422.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from importlib.util import find_spec
from typing import Any

from tamrin.playground import limits
from tamrin.playground.datasets import DATASETS, output_units
from tamrin.playground.network import parameter_count


class ConfigError(ValueError):
    """A control has a bad value; ``field`` names it (None: the request as a whole)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Config:
    """One run's settings: data, network, training. The defaults train a small ReLU net."""

    dataset: str = "moons"
    noise: float = 0.1
    samples: int = 400
    validation: float = 0.2
    hidden_layers: int = 2
    width: int = 16
    activation: str = "relu"
    init: str = "default"
    batch_norm: bool = False
    residual: bool = False
    dropout: float = 0.0
    output_activation: bool = False
    optimizer: str = "adam"
    lr: float = 0.01
    bias_correction: bool = True
    batch_size: int = 32
    l1: float = 0.0
    l1_mode: str = "proximal"
    l2: float = 0.0
    regularize_bias: bool = False
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = Config()


@dataclass(frozen=True)
class Field:
    """How one control is shown and checked: a choice, an int, a float or a bool."""

    name: str
    label: str
    kind: str
    group: str
    choices: dict[str, str] | None = None   # value -> label shown
    low: float | None = None
    high: float | None = None
    low_open: bool = False                   # the lower bound itself is not allowed
    help: str = ""

    def describe(self) -> dict[str, Any]:
        """The JSON the page builds this control from."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        return {**out, "default": getattr(DEFAULT, self.name)}


ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU",
                     "leaky_relu": "Leaky ReLU", "elu": "ELU", "selu": "SELU",
                     "linear": "linear (none)"}
INIT_LABELS = {"zeros": "zeros", "constant": "constant", "normal": "N(0, 1)",
               "lecun": "LeCun", "glorot": "Glorot (Xavier)", "he": "He (Kaiming)",
               "default": "PyTorch default"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "nesterov": "Nesterov",
                    "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}

FIELDS: tuple[Field, ...] = (
    Field("dataset", "data set", "choice", "data",
          {name: spec.label for name, spec in DATASETS.items()}),
    Field("noise", "noise", "float", "data", low=0.0, high=limits.MAX_NOISE,
          help="std of Gaussian noise added to the inputs"),
    Field("samples", "points", "int", "data", low=limits.MIN_SAMPLES, high=limits.MAX_SAMPLES,
          help="size of a 2-D toy set (digits always has 1,797)"),
    Field("validation", "validation fraction", "float", "data", low=limits.MIN_VALIDATION,
          high=limits.MAX_VALIDATION),
    Field("hidden_layers", "hidden layers", "int", "network", low=0,
          high=limits.MAX_HIDDEN_LAYERS),
    Field("width", "units per layer", "int", "network", low=1, high=limits.MAX_WIDTH),
    Field("activation", "activation", "choice", "network", ACTIVATION_LABELS),
    Field("init", "initialisation", "choice", "network", INIT_LABELS,
          help="biases start at 0, except with the PyTorch default"),
    Field("batch_norm", "batch norm", "bool", "network"),
    Field("residual", "residual skips", "bool", "network",
          help="y = x + F(x) around every hidden layer after the first"),
    Field("dropout", "dropout", "float", "network", low=0.0, high=limits.MAX_DROPOUT),
    Field("output_activation", "activation on the output too", "bool", "network",
          help="a common mistake: e.g. a ReLU before the output sigmoid"),
    Field("optimizer", "optimiser", "choice", "training", OPTIMIZER_LABELS),
    Field("lr", "learning rate", "float", "training", low=0.0, high=limits.MAX_LEARNING_RATE,
          low_open=True),
    Field("bias_correction", "Adam bias correction", "bool", "training"),
    Field("batch_size", "batch size", "int", "training", low=1, high=limits.MAX_BATCH_SIZE,
          help="larger than the training set means full batch"),
    Field("l1", "L1", "float", "training", low=0.0, high=limits.MAX_PENALTY),
    Field("l1_mode", "L1 step", "choice", "training",
          {"proximal": "proximal (soft-threshold)", "subgradient": "subgradient (in the loss)"}),
    Field("l2", "L2", "float", "training", low=0.0, high=limits.MAX_PENALTY),
    Field("regularize_bias", "penalise biases too", "bool", "training"),
    Field("seed", "seed", "int", "training", low=0, high=limits.MAX_SEED),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_range(field: Field, value: float) -> None:
    too_low = value <= field.low if field.low_open else value < field.low
    if too_low or value > field.high:
        sign = ">" if field.low_open else "≥"
        raise ConfigError(field.name, f"{field.label} must be {sign} {field.low:g} and "
                          f"≤ {field.high:g}, got {_shown(value)}")


def _parse_value(field: Field, value: Any) -> Any:
    """``value`` converted to the field's type, or ConfigError saying what is wrong."""
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(field.name, f"{field.label} must be true or false, got "
                              f"{_shown(value)}")
        return value
    if field.kind == "choice":
        if value not in field.choices:
            raise ConfigError(field.name, f"unknown {field.label} {_shown(value)}; choose one "
                              f"of {', '.join(field.choices)}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(field.name, f"{field.label} must be a number, got {_shown(value)}")
    if not math.isfinite(value):
        raise ConfigError(field.name, f"{field.label} must be a finite number, got {value}")
    if field.kind == "int":
        if value != int(value):
            raise ConfigError(field.name, f"{field.label} must be a whole number, got {value}")
        value = int(value)
    _check_range(field, value)
    return float(value) if field.kind == "float" else value


def _check_whole(config: Config) -> None:
    """Checks that involve several controls: the network's size and the data's source."""
    spec = DATASETS[config.dataset]
    n_params = parameter_count(spec.features, [config.width] * config.hidden_layers,
                               output_units(spec.classes), config.batch_norm)
    if n_params > limits.MAX_PARAMETERS:
        raise ConfigError("width", f"this network would have {n_params:,} parameters; the "
                          f"limit is {limits.MAX_PARAMETERS:,} (use fewer or narrower layers)")
    if spec.needs and find_spec(spec.needs) is None:
        raise ConfigError("dataset", f"the {spec.label} data set needs the {spec.needs} "
                          "package: pip install 'tamrin[labs]'")


def parse_config(raw: Any, base: Config = DEFAULT) -> Config:
    """A checked ``Config``: the controls in ``raw`` (a JSON object) over those of ``base``."""
    if not isinstance(raw, dict):
        raise ConfigError(None, "the configuration must be a JSON object of controls, got "
                          f"{type(raw).__name__}")
    unknown = sorted(set(raw) - set(FIELD_BY_NAME))
    if unknown:
        raise ConfigError(unknown[0], f"unknown control {_shown(unknown[0])}; the controls "
                          f"are {', '.join(FIELD_BY_NAME)}")
    values = {name: _parse_value(FIELD_BY_NAME[name], value) for name, value in raw.items()}
    config = replace(base, **values)
    _check_whole(config)
    return config
