"""tamrin.nn: modules, layers, losses and initialisers with PyTorch's names.

Each layer family lives in its own file; this package re-exports them.
"""

from tamrin.nn import functional, init, utils
from tamrin.nn.activation import (
    ELU,
    SELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from tamrin.nn.container import ModuleDict, ModuleList, Sequential
from tamrin.nn.conv import Conv2d, ConvTranspose2d
from tamrin.nn.dropout import Dropout, Dropout2d
from tamrin.nn.embedding import Embedding
from tamrin.nn.flatten import Flatten, Unflatten
from tamrin.nn.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyConv2d,
    LazyLinear,
    LazyModuleMixin,
)
from tamrin.nn.linear import Identity, Linear
from tamrin.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from tamrin.nn.module import Module, RemovableHandle
from tamrin.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from tamrin.nn.parameter import Parameter, UninitializedBuffer, UninitializedParameter
from tamrin.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from tamrin.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from tamrin.nn.spec import PlannedLayer, SpecError, from_spec, plan
from tamrin.nn.summary import LayerSummary, ModelSummary, summarize_spec, summary
from tamrin.nn.upsample import Upsample
