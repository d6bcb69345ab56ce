"""``tamrin.nn.functional`` (import as F): the stateless form of every layer and loss.

A flat list of re-exports from ``tamrin.ops``; each function's docstring gives its formula.
"""

from tamrin.ops.activation import elu, leaky_relu, relu, selu, sigmoid, softplus, tanh
from tamrin.ops.conv import conv2d, conv_transpose2d
from tamrin.ops.dropout import dropout, dropout2d
from tamrin.ops.embedding import embedding, one_hot
from tamrin.ops.interpolate import interpolate
from tamrin.ops.linear import linear
from tamrin.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from tamrin.ops.normalization import batch_norm, layer_norm
from tamrin.ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from tamrin.ops.shape import pad
from tamrin.ops.softmax import log_softmax, softmax

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "dropout2d",
    "elu",
    "embedding",
    "huber_loss",
    "interpolate",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "selu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]
