"""Corrupt and hostile files: checkpoints, state dicts, IDX files, results.json, network
specs. Each is one clear error naming the file (or the token), fast and without a memory
bomb; nothing here may surface as a bare library error (JSONDecodeError, KeyError,
RecursionError, SafetensorError…)."""

from __future__ import annotations

import gzip
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tamrin
from tamrin import nn, optim
from tamrin.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tamrin.data.idx import IDXError, read_idx
from tamrin.labs import load_results
from tamrin.nn import SpecError, from_spec, summarize_spec, summary

from .conftest import rejected

FAST = settings(max_examples=60, deadline=None)


@pytest.fixture
def checkpoint(tmp_path):
    """A real training checkpoint, its model and optimizer, and its header."""
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, opt, epoch=4, state={"history": [1.0, 2.0]})
    from tamrin.checkpoint import read_metadata

    return path, model, opt, read_metadata(path)


def _rewrite(path, header: dict) -> None:
    """The same arrays with another header (what a hostile or damaged file looks like)."""
    tamrin.save(tamrin.load(path), path, metadata=header)


@pytest.mark.parametrize("content", [b"", b"\x00" * 7, b"garbage" * 10,
                                     pickle.dumps({"model": 1}), b"\xff" * 16,
                                     (10**9).to_bytes(8, "little") + b"{}"])
def test_corrupt_files_are_one_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    rejected(lambda: load_checkpoint(path, nn.Linear(3, 2)), CheckpointError, str(path))
    rejected(lambda: tamrin.load(path), ValueError, str(path))


def test_truncated_checkpoint(checkpoint):
    path = checkpoint[0]
    path.write_bytes(path.read_bytes()[:-10])
    rejected(lambda: load_checkpoint(path, nn.Linear(3, 2)), (CheckpointError, ValueError),
             str(path))


HOSTILE = {
    "epoch": ("three", "'epoch' must be a non-negative integer"),
    "optimizer": ("{not json", "'optimizer' is not valid JSON"),
    "state": ("[" * 5000 + "]" * 5000, "'state'"),
    "rng": ('"a string"', "'rng' must be a generator state"),
}


@pytest.mark.parametrize("key", HOSTILE)
def test_hostile_header_entries(checkpoint, key):
    path, model, opt, header = checkpoint
    value, shown = HOSTILE[key]
    _rewrite(path, {**header, key: value})
    rejected(lambda: load_checkpoint(path, model, opt, restore_rng=True), CheckpointError,
             str(path), shown)


@pytest.mark.parametrize("key", ["epoch", "rng", "optimizer", "state", "scheduler"])
def test_missing_header_entries(checkpoint, key):
    path, model, opt, header = checkpoint
    _rewrite(path, {k: v for k, v in header.items() if k != key})
    rejected(lambda: load_checkpoint(path, model, opt, restore_rng=True), CheckpointError,
             str(path))


def test_a_nesting_bomb_is_refused_without_recursion(checkpoint):
    path, model, opt, header = checkpoint
    deep = {"__items__": []}
    for _ in range(100):  # valid JSON, within Python's recursion limit, but absurdly deep
        deep = {"__items__": [["k", deep]]}
    _rewrite(path, {**header, "state": json.dumps(deep)})
    rejected(lambda: load_checkpoint(path, model), CheckpointError, "nests deeper than")


def test_references_to_missing_arrays(checkpoint):
    path, model, opt, header = checkpoint
    _rewrite(path, {**header, "state": json.dumps({"__array__": "state.nowhere"})})
    rejected(lambda: load_checkpoint(path, model), CheckpointError, "'state' is malformed")


def test_an_invalid_learning_rate_in_a_checkpoint(checkpoint):
    path, model, opt, header = checkpoint
    saved = json.loads(header["optimizer"])
    text = json.dumps(saved).replace('"lr", 0.01', '"lr", -5.0')
    assert text != json.dumps(saved)
    _rewrite(path, {**header, "optimizer": text})
    rejected(lambda: load_checkpoint(path, model, opt), ValueError, "lr=-5.0")


def test_a_bare_state_dict_is_not_a_training_checkpoint(tmp_path):
    path = tmp_path / "weights.safetensors"
    tamrin.save(nn.Linear(3, 2).state_dict(), path)
    rejected(lambda: load_checkpoint(path), CheckpointError, "not a tamrin training checkpoint",
             "tamrin.load")


# ---- IDX files ------------------------------------------------------------------------------

@given(content=st.binary(max_size=64))
@FAST
def test_random_bytes_are_never_an_idx_file(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("idx") / "x.idx"
    path.write_bytes(content)
    rejected(lambda: read_idx(path), IDXError, str(path))


@given(dims=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6),
       payload=st.binary(max_size=256))
@FAST
def test_headers_cannot_declare_their_way_to_an_allocation(tmp_path_factory, dims, payload):
    body = bytes([0, 0, 0x0E, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)
    expected = 8 * int(np.prod(np.array(dims, dtype=object)))
    addressable = 8 * int(np.prod(np.array([max(d, 1) for d in dims], dtype=object)))
    path = tmp_path_factory.mktemp("idx") / "x.idx.gz"
    path.write_bytes(gzip.compress(body + payload))
    if expected == len(payload) and addressable <= np.iinfo(np.intp).max:
        assert read_idx(path).shape == tuple(dims)
    else:
        rejected(lambda: read_idx(path), IDXError, str(path))


def test_an_empty_array_whose_other_sizes_overflow_is_a_corrupt_header(tmp_path):
    # found by the test above: sizes (0, 959, 4331471, 277552870) hold no element, yet NumPy
    # cannot make that shape (its non-zero sizes overflow); the reader names the file
    dims = (0, 959, 4331471, 277552870)
    path = tmp_path / "x.idx.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 0x0E, len(dims)])
                                   + b"".join(d.to_bytes(4, "big") for d in dims)))
    rejected(lambda: read_idx(path), IDXError, str(path))


# ---- results.json and specs -----------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "{", "[1, 2]", '[{"lab": "x"}]', "\xff", '{"a": 1}',
                                  '[{"lab": "x", "verdict": "maybe", "criterion": ""}]'])
def test_corrupt_results_json(tmp_path, text):
    (tmp_path / "results.json").write_text(text, encoding="latin-1")
    rejected(lambda: load_results(tmp_path), ValueError, "results.json")


@given(spec=st.text(alphabet=st.sampled_from(list("CONVPOLFGADRUTconv-0123456789,.³ sp")),
                    max_size=40))
@FAST
def test_any_spec_text_is_a_network_or_a_spec_error(spec):
    try:
        layers = summarize_spec(spec, (1, 16, 16))
    except SpecError as err:
        assert "from_spec" in str(err)
        return
    assert layers.total_params >= 0


@pytest.mark.parametrize("spec, shape", [("GAP", (1, 100000, 100000)),
                                         ("FC-100000000", (1, 1000, 1000)),
                                         ("CONV-3-64-p100000", (1, 8, 8)),
                                         ("CONV-9-1000000, FC-999999999", (3, 4096, 4096))])
def test_huge_networks_are_summarised_without_being_built(spec, shape):
    import time

    start = time.perf_counter()
    table = summarize_spec(spec, shape)
    assert time.perf_counter() - start < 0.5 and table.layers
    if table.total_params > 500_000_000:
        rejected(lambda: from_spec(spec, shape), SpecError, "parameters")


@pytest.mark.parametrize("spec", ["CONV-9-32, POOL-2, CONV-5-64, POOL-2, CONV-5-64, POOL-2, "
                                  "FC-3", "CONV-3-8-bn-tanh, AVGPOOL-2-s1, GAP, DROPOUT-0.5, FC-4",
                                  "CONV-3-4-same-s1, MAXPOOL-3-s2-p1, FC-10-sigmoid, FC-2"])
def test_the_plan_matches_the_built_model(spec):
    assert summarize_spec(spec, (1, 64, 64)) == summary(from_spec(spec, (1, 64, 64)),
                                                        (1, 64, 64))


@pytest.mark.parametrize("spec, shown", [("CONV-3-4-s0", "s0 must be at least 1"),
                                         ("CONV-3-4-s³", "'s³'"),
                                         ("CONV-" + "9" * 10000 + "-4", "at most 9 digits"),
                                         ("POOL-2-s0", "s0"), ("FC-0", "positive")])
def test_spec_errors_name_the_token(spec, shown):
    rejected(lambda: from_spec(spec, (1, 8, 8)), SpecError, shown)


@pytest.mark.parametrize("shape", [(1.5, 8, 8), (1, -8, 8), (), "1x8x8", (1, 0, 8)])
def test_input_shapes_must_be_positive_integers(shape):
    rejected(lambda: from_spec("FC-2", shape), SpecError, "input_shape")
