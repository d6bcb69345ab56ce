"""Bad input to the public API: wrong types, out-of-range values, empty and huge inputs.
Each is rejected with PyTorch's exception type where PyTorch raises, naming the function
and the value — or works as PyTorch does where PyTorch accepts it."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tamrin
from tamrin import nn, optim
from tamrin.data import DataLoader, Subset, TensorDataset

from .conftest import rejected

FAST = settings(max_examples=40, deadline=None)
NOT_INTEGERS = st.one_of(st.floats(allow_nan=True).filter(lambda f: f != int(f) if
                                                          math.isfinite(f) else True),
                         st.text(max_size=5), st.none(), st.booleans())


# ---- tensor creation ------------------------------------------------------------------------

@pytest.mark.parametrize("make", [tamrin.zeros, tamrin.ones, tamrin.randn, tamrin.rand])
@given(bad=st.integers(max_value=-1))
@FAST
def test_negative_sizes_are_pytorchs_runtime_error(make, bad):
    rejected(lambda: make(3, bad), RuntimeError, make.__name__, "negative dimension", str(bad))


@pytest.mark.parametrize("make", [tamrin.zeros, tamrin.ones, tamrin.randn, tamrin.rand])
@given(bad=NOT_INTEGERS)
@FAST
def test_non_integer_sizes_are_type_errors(make, bad):
    rejected(lambda: make(2, bad), TypeError, make.__name__, "sizes must be integers")


def test_huge_sizes_fail_without_allocating():
    rejected(lambda: tamrin.zeros(10**7, 10**7), MemoryError)
    rejected(lambda: tamrin.full((10**6, 10**7), 1.0), MemoryError)


def test_zero_sizes_work_as_in_pytorch():
    assert tamrin.zeros(0, 3).shape == (0, 3) and tamrin.randn(2, 0).numel() == 0


# ---- layers ---------------------------------------------------------------------------------

LAYERS = {
    "Linear": lambda n: nn.Linear(n, 2),
    "Conv2d": lambda n: nn.Conv2d(n, 2, 3),
    "Embedding": lambda n: nn.Embedding(4, n),
}


@pytest.mark.parametrize("name", LAYERS)
@given(bad=st.integers(max_value=-1))
@FAST
def test_negative_layer_sizes(name, bad):
    rejected(lambda: LAYERS[name](bad), RuntimeError, name, "negative dimension")


@pytest.mark.parametrize("layer", [nn.RNN, nn.LSTM, nn.GRU])
@given(bad=st.integers(max_value=0))
@FAST
def test_recurrent_sizes_must_be_positive(layer, bad):
    rejected(lambda: layer(3, bad), ValueError, layer.__name__, "must be positive")


@pytest.mark.parametrize("name", ["Linear", "Conv2d", "Embedding"])
@given(bad=NOT_INTEGERS)
@FAST
def test_non_integer_layer_sizes(name, bad):
    rejected(lambda: LAYERS[name](bad), (TypeError, ValueError), name)


def test_a_zero_sized_linear_layer_works_as_in_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = nn.Linear(0, 2)
    out = layer(tamrin.zeros(5, 0))
    assert out.shape == (5, 2) and np.all(out.numpy() == layer.bias.numpy())


# ---- optimizers -----------------------------------------------------------------------------

OPTIMIZERS = {"SGD": optim.SGD, "Adam": optim.Adam, "AdamW": optim.AdamW,
              "RMSprop": optim.RMSprop, "Adagrad": optim.Adagrad}


def _params():
    return nn.Linear(2, 2).parameters()


@pytest.mark.parametrize("name", OPTIMIZERS)
@given(lr=st.one_of(st.text(max_size=4), st.none(), st.lists(st.floats(), max_size=2)))
@FAST
def test_non_numeric_learning_rates_are_type_errors(name, lr):
    rejected(lambda: OPTIMIZERS[name](_params(), lr=lr), TypeError, name, "lr")


@pytest.mark.parametrize("name", OPTIMIZERS)
@given(lr=st.one_of(st.floats(max_value=-1e-12), st.just(math.nan)))
@FAST
def test_negative_or_nan_learning_rates_are_value_errors(name, lr):
    rejected(lambda: OPTIMIZERS[name](_params(), lr=lr), ValueError, name, "lr")


@pytest.mark.parametrize("betas", [(0.9,), (0.9, 0.99, 0.9), 0.9, (1.0, 0.9), (0.9, -0.1),
                                   ("a", 0.9), (math.nan, 0.9)])
def test_adam_betas_must_be_a_pair_in_0_1(betas):
    rejected(lambda: optim.Adam(_params(), betas=betas), (ValueError, TypeError), "Adam",
             "beta")


@pytest.mark.parametrize("option, value", [("momentum", -1), ("weight_decay", -0.1),
                                           ("dampening", 2), ("momentum", "0.9")])
def test_sgd_options(option, value):
    rejected(lambda: optim.SGD(_params(), lr=0.1, **{option: value}), (ValueError, TypeError),
             "SGD", option)


def test_a_loaded_state_dict_is_checked_like_the_constructor():
    opt = optim.SGD(_params(), lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = -5.0
    rejected(lambda: opt.load_state_dict(saved), ValueError, "lr=-5.0", "loaded state dict")
    assert opt.param_groups[0]["lr"] == 0.1  # nothing changed


# ---- data -----------------------------------------------------------------------------------

DATASET = TensorDataset(np.zeros((5, 2), np.float32), np.arange(5))


@given(batch_size=st.one_of(st.integers(max_value=0), st.floats(allow_nan=True),
                            st.text(max_size=3), st.booleans()))
@FAST
def test_dataloader_batch_sizes(batch_size):
    rejected(lambda: DataLoader(DATASET, batch_size=batch_size), ValueError, "DataLoader",
             "batch_size")


def test_batch_size_none_turns_batching_off_as_in_pytorch():
    samples = list(DataLoader(DATASET, batch_size=None))
    assert len(samples) == 5 and samples[2][0].shape == (2,) and int(samples[2][1]) == 2
    rejected(lambda: DataLoader(DATASET, batch_size=None, drop_last=True), ValueError,
             "mutually exclusive")


@given(index=st.one_of(st.integers(min_value=5), st.integers(max_value=-6)))
@FAST
def test_dataset_indices_out_of_range(index):
    rejected(lambda: DATASET[index], IndexError, "TensorDataset", str(index))
    rejected(lambda: Subset(DATASET, [0, 1])[index], IndexError, "Subset")


def test_ragged_samples_cannot_be_batched():
    ragged = [np.zeros(3), np.zeros(2)]
    rejected(lambda: next(iter(DataLoader(ragged, batch_size=2))), RuntimeError,
             "stack expects each tensor to be equal size", "[3] at entry 0", "[2] at entry 1")


def test_tensor_datasets_of_unequal_lengths():
    rejected(lambda: TensorDataset(np.zeros(3), np.zeros(4)), ValueError, "TensorDataset")
    rejected(lambda: TensorDataset(), ValueError, "TensorDataset")


# ---- reductions and ops ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["max", "min"])
@given(dim=st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.floats(),
                     st.text(max_size=2)))
@FAST
def test_max_and_min_take_one_int_dim(name, dim):
    x = tamrin.randn(2, 3, 4)
    rejected(lambda: getattr(x, name)(dim=dim), TypeError, name, "dim must be an int")


@given(dim=st.integers().filter(lambda d: not -3 <= d < 3))
@FAST
def test_out_of_range_dims(dim):
    x = tamrin.randn(2, 3, 4)
    rejected(lambda: x.sum(dim=dim), IndexError, str(dim))


def test_matmul_shape_mismatch_names_the_shapes():
    rejected(lambda: tamrin.randn(2, 3) @ tamrin.randn(4, 5), (RuntimeError, ValueError),
             "(2, 3)", "(4, 5)")


# ---- saving -----------------------------------------------------------------------------------

@pytest.mark.parametrize("metadata, shown", [({"a": 1}, "'a' maps to 1"), ({1: "x"}, "1"),
                                             ("text", "str"), ({"a": None}, "None")])
def test_save_metadata_must_be_strings(tmp_path, metadata, shown):
    rejected(lambda: tamrin.save({"w": tamrin.zeros(2)}, tmp_path / "a.safetensors",
                                 metadata=metadata), TypeError, "save", shown)


@pytest.mark.parametrize("state, shown", [([1, 2], "list"), ({"w": "text"}, "str"),
                                          ({3: tamrin.zeros(1)}, "keys must be strings"),
                                          ({"w": np.array(["a"])}, "dtype")])
def test_save_state_dicts_of_tensors_only(tmp_path, state, shown):
    rejected(lambda: tamrin.save(state, tmp_path / "a.safetensors"), TypeError, shown)
