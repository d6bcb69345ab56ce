"""Scalers (fitted on training data only) and seeded image augmentation."""

import numpy as np
import pytest

import tamrin
from tamrin.data import transforms as T

ndimage = pytest.importorskip("scipy.ndimage", reason="scipy (with scikit-learn) is the oracle")


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, test = rng.normal(3, 2, (200, 4)), rng.normal(10, 5, (50, 4))
    scaler = T.Standardize().fit(train)
    z = scaler(train)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-6)
    np.testing.assert_allclose(scaler(test), (test - train.mean(0)) / train.std(0), rtol=1e-6)
    sk = pytest.importorskip("sklearn.preprocessing")
    np.testing.assert_allclose(scaler(test), sk.StandardScaler().fit(train).transform(test))


def test_scalers_must_be_fitted_and_handle_constant_features():
    with pytest.raises(RuntimeError, match="fit"):
        T.Standardize()(np.ones((3, 2)))
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    np.testing.assert_allclose(T.Standardize().fit_transform(X), [[-1, 0], [1, 0]])
    np.testing.assert_allclose(T.MinMaxScale((-1, 1)).fit_transform(X), [[-1, -1], [1, -1]])


def test_minmax_matches_sklearn_and_per_channel_stats():
    sk = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(1)
    train, test = rng.uniform(0, 9, (30, 3)), rng.uniform(-2, 12, (5, 3))
    ours = T.MinMaxScale((0, 2)).fit(train)(test)
    np.testing.assert_allclose(ours, sk.MinMaxScaler((0, 2)).fit(train).transform(test))
    images = rng.normal(size=(8, 3, 5, 5)) * np.array([1, 2, 3])[:, None, None]
    scaler = T.Standardize(dim=(0, 2, 3)).fit(images)
    assert scaler.mean.shape == (3, 1, 1)
    one = scaler(tamrin.tensor(images[0], dtype=tamrin.float64))
    assert isinstance(one, tamrin.Tensor) and one.shape == (3, 5, 5)
    np.testing.assert_allclose(scaler(images).std(axis=(0, 2, 3)), 1, rtol=1e-6)


def test_to_tensor():
    img = np.full((4, 5), 255, dtype=np.uint8)
    t = T.ToTensor()(img)
    assert t.shape == (1, 4, 5) and t.dtype == tamrin.float32 and t.numpy().max() == 1.0
    assert T.ToTensor()(np.zeros((4, 5, 3), np.float32)).shape == (3, 4, 5)


def test_flips():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), x[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(x), x[::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)
    batch = np.stack([x[None]] * 400)
    tamrin.manual_seed(0)
    out = T.RandomHorizontalFlip()(batch)
    flipped = np.mean([np.array_equal(o[0], x[:, ::-1]) for o in out])
    assert 0.4 < flipped < 0.6


def test_rotation_by_90_degrees_is_rot90_and_matches_scipy():
    x = np.random.default_rng(2).normal(size=(2, 7, 7))
    np.testing.assert_allclose(T.RandomRotation((90, 90))(x), np.rot90(x, 1, axes=(1, 2)),
                               atol=1e-12)
    tamrin.manual_seed(4)
    angle = np.random.Generator(np.random.PCG64(4)).uniform(-30, 30)
    ours = T.RandomRotation(30)(x[0])
    ref = ndimage.rotate(x[0], angle, reshape=False, order=1, mode="grid-constant", cval=0.0)
    np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_random_crop_with_padding():
    x = np.arange(16).reshape(1, 1, 4, 4).repeat(50, axis=0)
    out = T.RandomCrop(4, padding=2)(x)
    assert out.shape == (50, 1, 4, 4)
    padded = np.pad(x[0, 0], 2)
    windows = {padded[i:i + 4, j:j + 4].tobytes() for i in range(5) for j in range(5)}
    assert all(o[0].tobytes() in windows for o in out)
    assert len({o.tobytes() for o in out}) > 5
    with pytest.raises(ValueError, match="larger"):
        T.RandomCrop(5)(x)
    assert T.RandomCrop(6, pad_if_needed=True)(x[0]).shape == (1, 6, 6)


def test_resized_crop_and_scale():
    x = np.random.default_rng(3).uniform(size=(5, 2, 10, 12))
    out = T.RandomResizedCrop(6)(x)
    assert out.shape == (5, 2, 6, 6) and out.min() >= x.min() and out.max() <= x.max()
    full = T.RandomResizedCrop((10, 12), scale=(1.0, 1.0), ratio=(1.2, 1.2))(x)
    np.testing.assert_allclose(full, x, atol=1e-12)   # the whole image at its own size
    np.testing.assert_allclose(T.RandomScale((1.0, 1.0))(x), x, atol=1e-12)
    zoomed = T.RandomScale((2.0, 2.0))(np.ones((9, 9)))
    np.testing.assert_allclose(zoomed, 1.0)
    shrunk = T.RandomScale((0.5, 0.5))(np.ones((9, 9)))
    assert shrunk[0, 0] == 0 and shrunk[4, 4] == 1


def test_gaussian_noise_and_integer_images():
    tamrin.manual_seed(0)
    out = T.GaussianNoise(sigma=0.1, clip=False)(np.full((100, 100), 0.5, np.float32))
    assert out.dtype == np.float32 and abs(out.std() - 0.1) < 0.01
    assert T.GaussianNoise(sigma=5.0)(np.zeros((3, 3))).min() >= 0.0
    assert T.GaussianNoise(clip=False)(np.zeros(7)).shape == (7,)  # features too
    with pytest.raises(TypeError, match="float"):
        T.GaussianNoise()(np.zeros((3, 3), np.uint8))
    rotated = T.RandomRotation(20)(np.full((5, 5), 200, np.uint8))
    assert rotated.dtype == np.uint8 and rotated[2, 2] == 200


def test_augmentations_are_reproducible_from_the_seed_and_keep_tensors():
    pipeline = T.Compose([T.RandomHorizontalFlip(), T.RandomRotation(15),
                          T.RandomCrop(8, padding=1), T.GaussianNoise(sigma=0.05)])
    x = tamrin.rand(4, 1, 8, 8)
    tamrin.manual_seed(9)
    a = pipeline(x)
    tamrin.manual_seed(9)
    b = pipeline(x)
    assert isinstance(a, tamrin.Tensor) and a.shape == (4, 1, 8, 8)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), pipeline(x).numpy())


def test_resized_crop_resize_equals_torch_bilinear_interpolate():
    torch = pytest.importorskip("torch", reason="PyTorch is the resize oracle")
    x = np.random.default_rng(5).uniform(size=(3, 2, 10, 12))
    for size in ((6, 7), (17, 23)):   # shrinking and enlarging the whole image
        ours = T.RandomResizedCrop(size, scale=(1.0, 1.0), ratio=(1.2, 1.2))(x)
        ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode="bilinear",
                                              align_corners=False).numpy()
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_augmentation_arguments_are_checked():
    with pytest.raises(ValueError, match="probability"):
        T.RandomHorizontalFlip(p=1.5)
    with pytest.raises(ValueError, match="probability"):
        T.RandomVerticalFlip(p=-0.1)
    with pytest.raises(ValueError, match="scale"):
        T.RandomResizedCrop(4, scale=(0.5, 0.2))
    with pytest.raises(ValueError, match="ratio"):
        T.RandomResizedCrop(4, ratio=(0.0, 1.0))
    with pytest.raises(ValueError, match="H×W"):
        T.RandomRotation(10)(np.zeros(5))
