"""Small data and models for the training tests."""

import numpy as np

from tamrin.data import DataLoader, TensorDataset, load_digits, train_test_split
from tamrin.data.transforms import Standardize


def blobs_loader(n=96, batch_size=16, shuffle=True, seed=0, transform=None):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = (rng.normal(size=(n, 4)) + y[:, None]).astype(np.float32)
    return DataLoader(TensorDataset(X, y, transform=transform), batch_size=batch_size,
                      shuffle=shuffle)


def digits_loaders(batch_size=32):
    bunch = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(bunch.data, bunch.target, test_size=0.2,
                                          stratify=bunch.target, random_state=0)
    scaler = Standardize(dim=(0, 1)).fit(Xtr)  # one mean and std for all pixels
    train = TensorDataset(scaler(Xtr).astype(np.float32), ytr)
    test = TensorDataset(scaler(Xte).astype(np.float32), yte)
    return DataLoader(train, batch_size=batch_size, shuffle=True), DataLoader(test, 512)
