"""Dense, convolutional and denoising autoencoders: PyTorch parity of the architectures,
encode/decode, per-sample reconstruction error, corruption, and training that works."""

import numpy as np
import pytest

import tamrin
from tamrin import nn, optim
from tamrin.data import DataLoader, TensorDataset, load_digits
from tamrin.models import Autoencoder, ConvAutoencoder, DenoisingAutoencoder, corrupt
from tamrin.train import fit
from tests.oracle import to_torch, torch


def _copy_into_torch(ours, theirs):
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})
    return theirs.double()


def test_dense_autoencoder_matches_the_torch_stack():
    tamrin.manual_seed(0)
    ae = Autoencoder(10, [8, 6], code_size=3, activation="tanh").double()
    t = torch.nn
    theirs = t.Module()
    theirs.encoder = t.Sequential(t.Linear(10, 8), t.Tanh(), t.Linear(8, 6), t.Tanh(),
                                  t.Linear(6, 3))
    theirs.decoder = t.Sequential(t.Linear(3, 6), t.Tanh(), t.Linear(6, 8), t.Tanh(),
                                  t.Linear(8, 10), t.Sigmoid())
    theirs = _copy_into_torch(ae, theirs)
    x = np.random.default_rng(0).normal(size=(5, 10))
    z = ae.encode(tamrin.from_numpy(x))
    assert z.shape == (5, 3)
    np.testing.assert_allclose(z.numpy(), theirs.encoder(to_torch(x)).detach().numpy(),
                               rtol=1e-12)
    out = ae(tamrin.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, ae.decode(z).numpy(), rtol=1e-12)
    np.testing.assert_allclose(out, theirs.decoder(theirs.encoder(to_torch(x))).detach(),
                               rtol=1e-12)
    assert ((out > 0) & (out < 1)).all()
    linear = Autoencoder(10, [], 3, output_activation="linear")
    assert [type(m).__name__ for m in linear.decoder] == ["Linear"]


def test_reconstruction_error_is_per_sample_mse_in_eval_mode():
    tamrin.manual_seed(1)
    dae = DenoisingAutoencoder(Autoencoder(6, [4], 2), "gaussian", 0.5)
    x = np.random.default_rng(1).random((7, 6)).astype(np.float32)
    err = dae.reconstruction_error(x)
    dae.eval()
    want = ((dae(tamrin.from_numpy(x)).numpy() - x) ** 2).mean(axis=1)
    dae.train()
    np.testing.assert_allclose(err, want, rtol=1e-6)
    assert err.shape == (7,) and dae.training


@pytest.mark.parametrize("decoder", ["transpose", "upsample"])
def test_conv_autoencoder_shapes_and_torch_parity(decoder):
    tamrin.manual_seed(2)
    ae = ConvAutoencoder(1, (4, 6), decoder=decoder).double()
    t = torch.nn
    if decoder == "transpose":
        up = [t.ConvTranspose2d(6, 4, 2, stride=2), t.ReLU(), t.ConvTranspose2d(4, 1, 2, 2),
              t.Sigmoid()]
    else:
        up = [t.Upsample(scale_factor=2.0), t.Conv2d(6, 4, 3, padding=1), t.ReLU(),
              t.Upsample(scale_factor=2.0), t.Conv2d(4, 1, 3, padding=1), t.Sigmoid()]
    theirs = t.Module()
    theirs.encoder = t.Sequential(t.Conv2d(1, 4, 3, padding=1), t.ReLU(), t.MaxPool2d(2),
                                  t.Conv2d(4, 6, 3, padding=1), t.ReLU(), t.MaxPool2d(2))
    theirs.decoder = t.Sequential(*up)
    theirs = _copy_into_torch(ae, theirs)
    x = np.random.default_rng(2).random((3, 1, 8, 12))
    assert ae.encode(tamrin.from_numpy(x)).shape == (3, 6, 2, 3)
    out = ae(tamrin.from_numpy(x))
    assert out.shape == x.shape
    want = theirs.decoder(theirs.encoder(to_torch(x))).detach().numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10)
    with pytest.raises(ValueError, match="multiples of 4"):
        ae(tamrin.zeros(1, 1, 6, 8, dtype=tamrin.float64))


def test_corruptions():
    tamrin.manual_seed(3)
    x = tamrin.ones(200, 50)
    masked = corrupt(x, "mask", 0.3).numpy()
    assert set(np.unique(masked)) == {0.0, 1.0} and abs((masked == 0).mean() - 0.3) < 0.02
    noisy = corrupt(x, "gaussian", 0.2).numpy() - 1
    assert abs(noisy.std() - 0.2) < 0.01 and abs(noisy.mean()) < 0.01
    with pytest.raises(ValueError, match="noise must be one of"):
        corrupt(x, "salt")
    dae = DenoisingAutoencoder(Autoencoder(50, [], 5), "mask", 0.5)
    small = x[:4]
    assert not np.allclose(dae(small).numpy(), dae(small).numpy())  # fresh noise each call
    dae.eval()
    np.testing.assert_array_equal(dae(small).numpy(), dae.autoencoder(small).numpy())


def test_training_on_digits_lowers_the_reconstruction_error():
    tamrin.manual_seed(4)
    X = (load_digits().data[:400] / 16.0).astype(np.float32)
    for model in (Autoencoder(64, [32], 8),
                  DenoisingAutoencoder(Autoencoder(64, [32], 8), "gaussian", 0.2)):
        before = model.reconstruction_error(X).mean()
        loader = DataLoader(TensorDataset(X, X), batch_size=32, shuffle=True)
        fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-2), loader, epochs=8,
            progress=False)
        after = model.reconstruction_error(X).mean()
        assert after < 0.5 * before and after < 0.05


def test_bad_autoencoder_options_are_named():
    with pytest.raises(ValueError, match="unknown output activation 'softplus2'"):
        Autoencoder(8, [], 2, output_activation="softplus2")
    with pytest.raises(ValueError, match="unknown activation 'relu6x'"):
        ConvAutoencoder(1, (4,), activation="relu6x")
    with pytest.raises(ValueError, match="decoder must be one of"):
        ConvAutoencoder(1, (4,), decoder="pixelshuffle")
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        ConvAutoencoder(1, (4,), kernel_size=4)
    with pytest.raises(ValueError, match="noise must be one of"):
        DenoisingAutoencoder(Autoencoder(8, [], 2), "salt")
    with pytest.raises(ValueError, match="invalid level 1.5"):
        DenoisingAutoencoder(Autoencoder(8, [], 2), "mask", 1.5)
