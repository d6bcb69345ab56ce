"""tamrin.models: ready-made models, classical and neural."""

from tamrin.models import classical
from tamrin.models.classical import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    Perceptron,
    Ridge,
    SoftmaxRegression,
)
