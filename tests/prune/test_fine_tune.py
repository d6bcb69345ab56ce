"""Prune, then fine-tune with the fit loop: the masks hold and the accuracy comes back."""

import copy

import numpy as np

import tamrin
from tamrin import nn, optim, prune
from tamrin.data import DataLoader, TensorDataset, load_digits
from tamrin.models import MLP
from tamrin.train import evaluate, fit


def test_prune_and_fine_tune_keeps_sparsity_and_recovers_accuracy():
    tamrin.manual_seed(6)
    bunch = load_digits()
    X, y = (bunch.data / 16.0).astype(np.float32), bunch.target
    train = DataLoader(TensorDataset(X[:1200], y[:1200]), batch_size=64, shuffle=True)
    test = DataLoader(TensorDataset(X[1200:], y[1200:]), batch_size=600)
    model = MLP(64, [32], 10)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    fit(model, loss_fn, opt, train, epochs=5, progress=False)
    trained = evaluate(model, test, ["accuracy"])["accuracy"]

    just_pruned = copy.deepcopy(model)
    prune.prune_model(just_pruned, 0.9)
    pruned = evaluate(just_pruned, test, ["accuracy"])["accuracy"]
    prune.prune_and_fine_tune(model, 0.9, opt, loss_fn, train, epochs=3, progress=False)
    tuned = evaluate(model, test, ["accuracy"])["accuracy"]
    report = prune.sparsity_report(model, include_bias=False)
    assert report.zeros == round(0.9 * report.numel)
    for a, b in zip(model.buffers(), just_pruned.buffers()):  # the same masks, kept
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert trained > 0.85 and pruned < trained - 0.1 and tuned > pruned + 0.1
