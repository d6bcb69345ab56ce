"""Group e's labs — transfer-learning, pruning, screening-recall, rnn-sentiment: each judge on
the real quick replicates and on altered numbers that must fail (one per part of the
criterion), and the helpers of the labs on inputs whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
from tamrin import prune
from tamrin.labs import DOES_NOT_HOLD, HOLDS
from tamrin.labs.catalog import (
    bias_pruning,
    pruning,
    rnn_sentiment,
    screening_recall,
    transfer_learning,
)
from tamrin.models import MLP
from tamrin.transfer import layerwise_lr_groups

from .conftest import altered, verdict


def _with(replicates: list[dict], key: str, value) -> list[dict]:
    """``altered`` for measurement names with characters a keyword cannot hold."""
    return altered(replicates, **{key.replace(" ", "__"): value})


# ---------------------------------------------------------------- screening-recall

SCREEN = "screening-recall"


def test_screening_real_replicates_hold(quick_run):
    result = quick_run(SCREEN)
    assert result.verdict == HOLDS, result.reasons
    assert verdict(SCREEN, result.replicates) == HOLDS


@pytest.mark.parametrize("key, value", [
    ("recall gained by the screening threshold", 0.0),  # the lower threshold caught nothing
    ("recall gained by the screening threshold", lambda v: -v),
    ("precision given up by the screening threshold", lambda v: -v),  # no price paid
    ("recall at the screening threshold", 0.95),  # the threshold does not carry over
])
def test_screening_judge_fails_on_altered_numbers(quick_run, key, value):
    assert verdict(SCREEN, _with(quick_run(SCREEN).replicates, key, value)) == DOES_NOT_HOLD


def test_screening_threshold_reaches_the_target_recall():
    scores = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 0, 1, 0, 1])
    tau = screening_recall.screening_threshold(scores, y, 0.75)  # 3 of the 4 positives
    assert tau == 0.3
    assert screening_recall.counts(y, scores >= tau) == {"TP": 3, "FP": 1, "FN": 1}


def test_screening_split_standardises_with_the_training_part_and_keeps_the_classes():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (60, 3)), rng.normal(2, 1, (40, 3))]) * 100 + 7
    y = np.array([0] * 60 + [1] * 40)
    y_test, p, tau = screening_recall.one_split(x, y, rng)
    assert len(y_test) == 30 and y_test.sum() == 12  # stratified 70/30
    assert np.all((p >= 0) & (p <= 1)) and 0 <= tau <= 1


def test_sweep_rows_count_every_patient():
    y = np.array([1, 1, 0, 0, 1])
    p = np.array([0.95, 0.4, 0.6, 0.01, 0.03])
    for row in screening_recall.sweep_rows(y, p):
        threshold, _, recall, tp, fp, fn = row
        assert tp + fn == 3 and recall == tp / 3
        assert tp + fp == int(np.sum(p >= threshold))


# ---------------------------------------------------------------- pruning

PRUNING, BIASES = "pruning", "bias-pruning"


def test_pruning_curves_and_fine_tuning_hold_on_the_real_replicates(quick_run):
    assert quick_run(PRUNING).verdict == HOLDS


@pytest.mark.parametrize("key, value", [
    *((f"accuracy drop at 95%, {m} (pruned)", 0.05) for m in pruning.METHODS),
    *((f"share of lost accuracy won back by fine-tuning, {m}", 0.3) for m in pruning.METHODS),
    ("share of lost accuracy won back by fine-tuning, magnitude", float("nan")),
])
def test_pruning_judge_fails_on_altered_numbers(quick_run, key, value):
    assert verdict(PRUNING, _with(quick_run(PRUNING).replicates, key, value)) == DOES_NOT_HOLD


def test_bias_pruning_is_judged_as_the_course_words_it(quick_run):
    """Whatever the measurement says, the judge follows the whole-network difference: a
    clearly positive one holds, zero or a negative one does not."""
    real = quick_run(BIASES).replicates
    assert verdict(BIASES, _with(real, "bias − weight loss rise (whole network)", 1e-3)) \
        == HOLDS
    for value in (0.0, -1e-4):
        assert verdict(BIASES, _with(real, "bias − weight loss rise (whole network)",
                                      value)) == DOES_NOT_HOLD


@pytest.mark.parametrize("only, count", [("bias", 7), ("weight", 7), (None, 40)])
def test_pruned_copy_prunes_the_copy_only(only, count):
    model = MLP(6, [5], 3)
    twin = pruning.pruned_copy(model, count, only=only)
    assert not prune.is_pruned(model)
    rows = {r.name: r for r in prune.sparsity_report(twin).rows}
    biases = sum(r.zeros for name, r in rows.items() if name.endswith("bias"))
    weights = sum(r.zeros for name, r in rows.items() if name.endswith("weight"))
    assert (biases, weights) == {"bias": (count, 0), "weight": (0, count),
                                 None: (0, count)}[only]


def test_recovered_share_uses_only_the_fine_tuned_sparsities_that_lost_enough():
    dense = 0.9
    before = [0.89, 0.6, 0.4]  # lost 0.01 (too little), 0.3, 0.5
    after = [0.9, 0.75, float("nan")]  # the last one was not fine-tuned
    assert pruning.recovered_share(before, after, dense) == pytest.approx(0.5)
    assert np.isnan(pruning.recovered_share([0.89], [0.9], dense))


def test_parameter_costs_zero_each_entry_and_mean_cost_pools_them():
    tamrin.manual_seed(0)
    rng = np.random.default_rng(0)
    model = MLP(4, [3], 2)
    x = rng.standard_normal((20, 4)).astype(np.float32)
    data = pruning.Split(x, np.arange(20) % 2, x, np.arange(20) % 2)
    before = [p.numpy().copy() for p in model.parameters()]
    costs = bias_pruning.parameter_costs(model, data)
    assert {k: {kind: v.shape for kind, v in c.items()} for k, c in costs.items()} == {
        "0": {"weight": (12,), "bias": (3,)}, "2": {"weight": (6,), "bias": (2,)}}
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, model.parameters()))
    fake = {"0": {"bias": np.array([1.0, 3.0]), "weight": np.zeros(6)},
            "2": {"bias": np.array([5.0]), "weight": np.ones(2)}}
    assert bias_pruning.mean_cost(fake, "bias", ["0", "2"]) == pytest.approx(3.0)
    assert bias_pruning.mean_cost(fake, "weight", ["0", "2"]) == pytest.approx(0.25)


# ---------------------------------------------------------------- rnn-sentiment

RNN = "rnn-sentiment"


def test_rnn_real_replicates_hold(quick_run):
    result = quick_run(RNN)
    assert result.verdict == HOLDS, result.reasons
    assert verdict(RNN, result.replicates) == HOLDS


@pytest.mark.parametrize("key, value", [
    ("final readout − majority baseline", -0.01),
    ("mean readout − majority baseline", 0.0),
    ("log₁₀(LSTM share / RNN share) at the longest T", 1.5),  # only 30× apart
    ("log₁₀(GRU share / RNN share) at the longest T", 1.5),
    ("per-step factor: LSTM − RNN", -0.01),
    ("per-step factor: GRU − RNN", 0.0),
])
def test_rnn_judge_fails_on_altered_numbers(quick_run, key, value):
    assert verdict(RNN, _with(quick_run(RNN).replicates, key, value)) == DOES_NOT_HOLD


def test_per_step_factor_of_a_geometric_decay():
    lengths = np.array([5, 10, 20, 40])
    assert rnn_sentiment.per_step_factor(lengths, 3.0 * 0.6 ** lengths) == pytest.approx(0.6)


def test_gradient_fades_faster_through_a_tanh_rnn_than_a_gru():
    seeds = [1, 2, 3]
    rnn = rnn_sentiment.typical_ratio(tamrin.nn.RNN, 30, seeds)
    gru = rnn_sentiment.typical_ratio(tamrin.nn.GRU, 30, seeds)
    assert 0 < rnn < gru


def test_the_loader_pads_each_batch_and_the_wrapper_passes_the_lengths():
    ids = [[3, 4, 5], [6], [7, 8]]
    (tokens, lengths), labels = next(iter(rnn_sentiment.loader(ids, np.array([0, 4, 2]),
                                                               shuffle=False)))
    assert tokens.numpy().tolist() == [[3, 4, 5], [6, 0, 0], [7, 8, 0]]
    assert lengths.numpy().tolist() == [3, 1, 2] and labels.numpy().tolist() == [0, 4, 2]
    tamrin.manual_seed(0)
    classifier = rnn_sentiment.RNNClassifier(10, 4, 4, cell="gru")
    wrapped = rnn_sentiment._Padded(classifier)
    np.testing.assert_array_equal(wrapped((tokens, lengths)).numpy(),
                                  classifier(tokens, lengths).numpy())


# ---------------------------------------------------------------- transfer-learning

TRANSFER = "transfer-learning"
GAP = f"transfer − scratch at k = {transfer_learning.JUDGED_K}"


def test_transfer_real_replicates_hold(quick_run):
    result = quick_run(TRANSFER)
    assert result.verdict == HOLDS, result.reasons
    assert verdict(TRANSFER, result.replicates) == HOLDS


@pytest.mark.parametrize("key, value", [
    (GAP, -0.01),  # scratch as good as transfer
    ("max |Δw| of the lr-0 backbone", 1e-12),  # one bit moved
    ("max |Δw| of the head behind the lr-0 backbone", 0.0),  # nothing trained at all
    ("smallest max |Δw| of a layer in the modes without lr 0", 0.0),
    ("max |weights after freeze() − weights after lr 0|", 1e-9),
    ("backbone's relative change: layer-wise ÷ one lr", 1.0),
])
def test_transfer_judge_fails_on_altered_numbers(quick_run, key, value):
    replicates = quick_run(TRANSFER).replicates
    numbers = [dict(r, **{key: value}) if i == 0 or key == GAP else dict(r)
               for i, r in enumerate(replicates)]  # one replicate suffices for "every"
    assert verdict(TRANSFER, numbers) == DOES_NOT_HOLD


def test_prepare_gives_float_images_in_unit_range():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    x = transfer_learning.prepare(images)
    assert x.shape == (1, 1, 2, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x[0, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)


def test_checkpoint_round_trip_gives_the_backbone_and_a_reproducible_head(tmp_path):
    lab = transfer_learning
    tamrin.manual_seed(0)
    source = lab.small_cnn(5, (4, 8))
    path = tmp_path / "pretrained.safetensors"
    tamrin.save(source.state_dict(), path)
    a = lab.pretrained_with_new_head(path, (4, 8), head_seed=7)
    b = lab.pretrained_with_new_head(path, (4, 8), head_seed=7)
    for name, p in source.named_parameters():
        if not name.startswith(lab.HEAD + "."):
            np.testing.assert_array_equal(dict(a.named_parameters())[name].numpy(), p.numpy())
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
    assert not np.array_equal(a.get_submodule(lab.HEAD).weight.numpy(),
                              source.get_submodule(lab.HEAD).weight.numpy())


@pytest.mark.parametrize("mode", list(transfer_learning.LR_MAPS))
def test_only_lr_zero_layers_keep_every_bit(mode):
    lab = transfer_learning
    tamrin.manual_seed(1)
    rng = np.random.default_rng(1)
    model = lab.small_cnn(5, (4, 8))
    x, y = rng.random((10, 1, 28, 28), dtype=np.float32), np.arange(10) % 5
    before = lab.snapshot(model)
    lab.fine_tune(model, layerwise_lr_groups(model, lab.LR, lr_map=lab.LR_MAPS[mode]), x, y,
                  5)
    moved = {layer: c.max_abs > 0 for layer, c in lab.layer_changes(before, model).items()}
    frozen = mode == lab.FROZEN
    assert moved == {"conv 1": not frozen, "conv 2": not frozen, "head": True}
