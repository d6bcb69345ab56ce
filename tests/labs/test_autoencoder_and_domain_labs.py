"""The measuring helpers of the autoencoders and augmentation-and-domain-shift labs, on
inputs whose answer is known. (Both labs' quick runs are in test_labs.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.labs.catalog.augmentation_and_domain_shift import Scanner, scan_all, standardised
from tamrin.labs.catalog.autoencoders import code_sensitivity, pca_error, relative_error
from tamrin.models import Autoencoder


def test_relative_error_is_the_missed_fraction_of_variance():
    x = np.random.default_rng(0).standard_normal((500, 4))
    assert relative_error(x, x) == 0.0
    assert relative_error(np.broadcast_to(x.mean(axis=0), x.shape), x) == pytest.approx(1.0)


def test_pca_error_is_zero_for_exactly_low_rank_data():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 3)) @ rng.standard_normal((3, 20))
    error, spectrum = pca_error(x[:200], x[200:], 3)
    assert error < 1e-20 and spectrum[3:].max() < 1e-20 * spectrum[0]


def test_code_sensitivity_does_not_reward_a_shrunken_code():
    rng = np.random.default_rng(2)
    x = rng.random((200, 64)).astype(np.float32)
    model = Autoencoder(64, [], 8, output_activation="linear")
    before = code_sensitivity(model, x, 0.05, np.random.default_rng(3))
    model.encoder[0].weight.data[...] *= 0.1
    model.encoder[0].bias.data[...] *= 0.1
    assert code_sensitivity(model, x, 0.05, np.random.default_rng(3)) == pytest.approx(before,
                                                                                       rel=1e-4)


def test_per_scanner_standardisation_undoes_contrast_and_brightness():
    rng = np.random.default_rng(4)
    images = rng.random((400, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 10, 400)
    plain = scan_all(images, labels, [Scanner("A", 1.0, 0.0, 0.0)] * 2, np.random.default_rng(5))
    shifted = scan_all(images, labels, [Scanner("A", 1.0, 0.0, 0.0), Scanner("B", 0.3, 0.6, 0.0)],
                       np.random.default_rng(5))
    assert np.allclose(standardised(plain, True, np.array([])),
                       standardised(shifted, True, np.array([])), atol=1e-4)
    train_a = shifted.part([0], True)
    assert not np.allclose(standardised(plain, False, train_a),
                           standardised(shifted, False, train_a), atol=1e-2)
