"""Group c's labs (claims 17–20, 22–24): each judge holds on the real replicates and says
"does not hold" when any part of its criterion is contradicted; and the labs' helpers on
inputs whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tamrin.labs import get
from tamrin.labs.catalog import (
    adam_bias_correction,
    backprop_by_hand,
    batch_norm,
    batch_size_noise,
    conv_backward,
    dropout_gap,
    word2vec_gradients,
)
from tamrin.labs.catalog.batch_size_noise import rises, step_noise
from tamrin.labs.catalog.conv_backward import (
    CORRECT,
    DROPPED,
    TAPS,
    autograd,
    dw_by_loops,
    dx_by_loops,
)
from tamrin.labs.rawnet import leaf
from tamrin.labs.training import assign, flat

from .conftest import holds_and_fails

# ---- dropout-gap (claim 17) ----------------------------------------------------------------

def test_dropout_gap_judge(quick_run):
    plain = dropout_gap.PLAIN
    holds_and_fails(
        "dropout-gap", quick_run,
        # the plain network does not over-fit: it fits few of the wrong labels
        {f"wrong labels fitted: {plain}": 0.3},
        # nor does its training accuracy exceed its validation accuracy
        {f"accuracy gap: {plain}": -0.01},
        # dropout memorises as much as the plain network
        {"fewer wrong labels fitted (no dropout − dropout)": lambda v: -v},
        # the gap with dropout is wider
        {"gap narrowing (no dropout − dropout)": lambda v: -v},
        # the gap narrows because validation accuracy falls
        {"validation gain (dropout − no dropout)": -0.02},
    )


def test_noisy_split_marks_exactly_the_changed_labels():
    clean = dropout_gap.digits_split(dropout_gap.N_TRAIN, np.random.default_rng(3)).y_train
    data, wrong = dropout_gap.noisy_split(np.random.default_rng(3))
    assert np.array_equal(data.y_train != clean, wrong)
    # about LABEL_NOISE·9/10 of the labels end up wrong (a redraw can hit the true class)
    assert 0.08 < wrong.mean() < 0.28


# ---- batch-norm (claim 18) -----------------------------------------------------------------

def test_batch_norm_judge(quick_run):
    ratio = f"difference ratio B = {batch_norm.TINY} / B = {batch_norm.LARGE}"
    holds_and_fails(
        "batch-norm", quick_run,
        # batch norm needs as many epochs as the plain network, or more
        {"epochs saved by batch norm": 0},
        {"epochs saved by batch norm": lambda v: -abs(v) - 1},
        # the batch mean's std follows the mistaken σ/B (ratio 1/√B to σ/√B)
        {"batch-mean std / (σ/√B), B = 16": 0.25},
        {"batch-mean std / (σ/√B), B = 2": 1 / math.sqrt(2)},
        # or is off the other way
        {"batch-mean std / (σ/√B), B = 256": 1.3},
        # train and eval mode differ by a small fraction of the output with B = 2
        {f"train/eval output difference, B = {batch_norm.TINY}": 0.3},
        # tiny batches do not make train and eval mode diverge more than large ones
        {ratio: 1.0},
        {ratio: 1.5},
    )


def test_batch_mean_spread_follows_sigma_over_root_b():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 8)) * np.arange(1, 9)
    for row in batch_norm.batch_mean_spread(x, 400, rng).values():
        assert row["ratio"] == pytest.approx(1, abs=0.1)


def test_train_eval_difference_is_zero_without_batch_norm():
    """A network without batch statistics computes the same in both modes."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((512, 64)).astype(np.float32)
    y = rng.integers(0, 10, 512)
    for row in batch_norm.train_eval_difference(batch_norm.net(False), x, y).values():
        assert row["difference"] < 1e-5  # float32 rounding of differently sized batches
        assert row["train-mode accuracy"] == row["eval accuracy"]
    with_bn = batch_norm.train_eval_difference(batch_norm.net(True), x, y)
    assert with_bn[2]["difference"] > with_bn[32]["difference"] > 0


# ---- adam-bias-correction (claim 19) -------------------------------------------------------

def test_adam_bias_correction_judge(quick_run):
    holds_and_fails(
        "adam-bias-correction", quick_run,
        {"largest |z| of E[mₜ] vs (1 − β₁ᵗ)E[g]": 6.0},
        {"largest |z| of E[sₜ] vs (1 − β₂ᵗ)E[g²]": 6.0},
        {"largest |z| of E[m̂ₜ] vs E[g]": 6.0},
        # the mistaken (1 − β₂)E[g²] cannot be told from the measurement
        {"smallest |z| of E[sₜ] vs the mistaken (1 − β₂)E[g²], t ≥ 2": 2.0},
        # the first uncorrected step is not scaled by (1 − β₁)/√(1 − β₂)
        {"relative error of that ratio against (1 − β₁)/√(1 − β₂)": 0.01},
        {"spread grows as β₁ falls": False},
        {"peak falls as β₁ falls": False},
    )


def test_run_adam_moments_follow_the_recursion():
    g = np.random.default_rng(2).normal(0.5, 1.0, (5, 3))
    m, s, steps = adam_bias_correction.run_adam(g, 0.9)
    mm, ss = np.zeros(3), np.zeros(3)
    for t, gt in enumerate(g, start=1):
        mm = 0.9 * mm + 0.1 * gt
        ss = 0.999 * ss + 0.001 * gt * gt
        np.testing.assert_allclose(m[t - 1], mm, rtol=1e-12)
        np.testing.assert_allclose(s[t - 1], ss, rtol=1e-12)
        corrected = (mm / (1 - 0.9 ** t)) / np.sqrt(ss / (1 - 0.999 ** t))
        np.testing.assert_allclose(-steps[t - 1] / adam_bias_correction.LR, corrected,
                                   rtol=1e-8)


def test_z_scores_measure_standard_errors():
    samples = np.array([[1.0, 3.0], [0.0, 2.0]])  # means 2 and 1, SE 1 each
    np.testing.assert_allclose(adam_bias_correction.z_scores(samples, np.array([2.0, 3.0])),
                               [0.0, 2.0])


# ---- batch-size-noise (claim 20) -----------------------------------------------------------

def test_batch_size_noise_judge(quick_run):
    holds_and_fails(
        "batch-size-noise", quick_run,
        # the mistaken 1/B
        {"slope of loss noise vs B": -1.0},
        {"slope of gradient noise vs B": -1.0},
        # no dependence on B
        {"slope of loss noise vs B": 0.0},
        # full batch as noisy as a mini-batch
        {"full-batch noise / SGD noise": 0.05},
        # full-batch loss rising at some steps
        {"fraction of steps where the loss rose: full batch": 0.1},
        # full-batch descent leaving the poor minimum (it cannot: no noise)
        {"full-batch descent ends in the better minimum": True},
        # small batches never escaping
        {"share of SGD runs ending in the better minimum": 0.0},
    )


def test_sgd_escapes_the_poor_minimum_and_full_batch_stays():
    ends = batch_size_noise.escapes(True, np.random.default_rng(3))
    assert ends["full-batch descent ends in the better minimum"] is False
    assert abs(ends["full-batch descent's final w"] - 0.96) < 0.01  # L'(w) = 0 near 0.96
    assert 0 < ends["share of SGD runs ending in the better minimum"] <= 1


def test_step_noise_ignores_a_trend_and_measures_white_noise():
    rng = np.random.default_rng(0)
    trend = np.linspace(5, 1, 10000)
    assert step_noise(trend) < 1e-12
    assert step_noise(trend + 0.3 * rng.standard_normal(10000)) == pytest.approx(0.3, rel=0.05)
    assert rises(trend) == 0.0 and rises(trend[::-1]) == 1.0


def test_gradient_noise_is_zero_for_the_whole_set_and_shrinks_with_b():
    rng = np.random.default_rng(0)
    x, y = batch_size_noise.standardized_diabetes()
    w = np.zeros(x.shape[1] + 1)
    assert batch_size_noise.gradient_noise(x, y, w, len(x), 3, rng) < 1e-12
    small, large = (batch_size_noise.gradient_noise(x, y, w, b, 400, rng) for b in (4, 64))
    assert small / large == pytest.approx(4 * np.sqrt((len(x) - 4) / (len(x) - 64)), rel=0.15)


# ---- backprop-by-hand (claim 22) -----------------------------------------------------------

def test_backprop_by_hand_judge(quick_run):
    holds_and_fails(
        "backprop-by-hand", quick_run,
        {"forward E": 0.2984},
        {"max |hand − autograd| after one step": 1e-9},
        {"E after one step": 0.3},
        {"E after the steps (autograd)": 0.1},
        {"E after the steps (∂E/∂o = 1)": 0.1},
    )


def test_backprop_by_hand_is_deterministic():
    assert get("backprop-by-hand").replicates.count(True) == 1
    assert backprop_by_hand.forward({"W1": backprop_by_hand.W1, "b1": backprop_by_hand.B1,
                                     "W2": backprop_by_hand.W2,
                                     "b2": backprop_by_hand.B2})[2] == pytest.approx(
        backprop_by_hand.COURSE_E, abs=backprop_by_hand.COURSE_ROUNDING)


# ---- word2vec-gradients (claim 23) ---------------------------------------------------------

def test_word2vec_gradients_judge(quick_run):
    holds_and_fails(
        "word2vec-gradients", quick_run,
        {"max |formula − autograd|": 1e-6},
        {"smallest ‖∂L/∂W‖": 0.0},
        {"smallest ‖∂L/∂W′‖": 1e-5},
    )


def test_word2vec_formulas_on_a_known_case():
    """With W′ = 0 every softmax output is 1/V: ∂L/∂W′ = h(ŷ − y)ᵀ is non-zero while
    ∂L/∂W = x(W′(ŷ − y))ᵀ is exactly zero."""
    vocab = 4
    W = np.arange(8.0).reshape(vocab, 2)
    x, y = np.eye(vocab)[1], np.eye(vocab)[2]
    dW, dW2 = word2vec_gradients.formula_gradients(W, np.zeros((2, vocab)), x, y)
    assert not dW.any()
    np.testing.assert_allclose(dW2, np.outer(W[1], np.full(vocab, 0.25) - y))


# ---- conv-backward (claim 24) --------------------------------------------------------------

def test_conv_backward_judge(quick_run):
    holds_and_fails(
        "conv-backward", quick_run,
        {"largest error of the right gradients": 1e-3},
        {"largest error of the stride-dropped dX, stride 1": 0.5},
        {"smallest error of the stride-dropped dX, stride > 1": 1e-11},
        {"smallest error of the pixel-as-kernel-index dX": 0.01},
    )
    assert conv_backward.TOLERANCE < conv_backward.MISTAKE_FLOOR


@pytest.mark.parametrize("stride", [1, 3])
def test_loop_formulas_equal_autograd(stride):
    rng = np.random.default_rng(stride)
    x, w = rng.standard_normal((1, 2, 8, 8)), rng.standard_normal((2, 2, 2, 2))
    out = (8 - 2) // stride + 1
    d_out = rng.standard_normal((1, 2, out, out))
    auto_w, auto_x = autograd(x, w, d_out, stride)
    np.testing.assert_allclose(dw_by_loops(x, d_out, 2, stride), auto_w, atol=1e-12)
    np.testing.assert_allclose(dx_by_loops(w, d_out, x.shape, stride, TAPS[CORRECT]), auto_x,
                               atol=1e-12)
    stride_dropped = dx_by_loops(w, d_out, x.shape, stride, TAPS[DROPPED])
    assert np.allclose(stride_dropped, auto_x) == (stride == 1)


# ---- training.py helpers -------------------------------------------------------------------

def test_flat_and_assign_round_trip():
    params = [leaf(np.zeros((2, 3))), leaf(np.zeros(4))]
    assign(params, np.arange(10.0))
    assert flat(params).tolist() == list(range(10))
    assert params[0].numpy()[1, 2] == 5.0
