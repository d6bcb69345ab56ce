"""tamrin: a deep-learning library written from scratch on NumPy, for learning by running.

``import tamrin`` gives the Tensor with reverse-mode autograd, the differentiable ops, and
the subpackages ``tamrin.nn``, ``tamrin.optim`` … with PyTorch's names and semantics, so
that PyTorch code runs with ``import tamrin as torch`` (see docs/pytorch_compat.md).
"""

from tamrin import _malloc, accelerator, autograd, backends, cuda, data, metrics, ops, utils
from tamrin.creation import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from tamrin.device import device, get_default_device, set_default_device
from tamrin.dtypes import (
    bool,
    bool_,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from tamrin.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tamrin.gradcheck import GradcheckError, gradcheck
from tamrin.io import load, save
from tamrin.ops import *  # noqa: F403 - the op functions: tamrin.exp, tamrin.matmul …
from tamrin.random import Generator, get_rng_state, manual_seed, seed, set_rng_state
from tamrin.tensor import Tensor, is_tensor

__version__ = "0.1.0"


from tamrin import (
    nn,  # noqa: E402 - after the core it builds on
    optim,  # noqa: E402
)

_malloc.keep_freed_memory()  # reuse each step's large arrays, don't re-fault them
