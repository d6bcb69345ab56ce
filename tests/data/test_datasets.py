"""IDX reading and validation, (Fashion-)MNIST discovery and download, bundled and
synthetic sets."""

import gzip
import hashlib
import os

import numpy as np
import pytest

import tamrin
from tamrin.data import datasets as D
from tamrin.data import synthetic as S
from tamrin.data.idx import IDXError, read_idx, write_idx

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TAMRIN_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path, dtype, name):
    array = (np.arange(24) - 5).reshape(2, 3, 4).astype(dtype)
    write_idx(tmp_path / name, array)
    out = read_idx(tmp_path / name)
    assert out.dtype == array.dtype and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_idx_rejects_truncated_long_and_foreign_files(tmp_path):
    write_idx(tmp_path / "ok.idx", np.zeros((3, 4, 4), np.uint8))
    raw = (tmp_path / "ok.idx").read_bytes()
    cases = {"short.idx": raw[:-1], "long.idx": raw + b"\0", "magic.idx": b"\1" + raw[1:],
             "type.idx": raw[:2] + b"\x07" + raw[3:], "header.idx": raw[:9]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(IDXError, match=name):
            read_idx(tmp_path / name)
    (tmp_path / "cut.idx.gz").write_bytes(gzip.compress(raw)[:-12])
    with pytest.raises(IDXError, match="truncated or corrupt"):
        read_idx(tmp_path / "cut.idx.gz")


def _write_tiny_set(folder, n=6, label_max=9):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz",
                  np.arange(n, dtype=np.uint8) % (label_max + 1))


def test_mnist_reads_files_from_the_data_directory(data_home):
    _write_tiny_set(data_home / "mnist")
    bunch = D.load_mnist(train=False, download=False)
    assert bunch.data.shape == (6, 28, 28) and bunch.data.dtype == np.uint8
    assert bunch.target.tolist() == [0, 1, 2, 3, 4, 5] and bunch.target_names[3] == "3"


def test_mismatched_image_and_label_files_are_an_error(data_home):
    _write_tiny_set(data_home / "mnist")
    write_idx(data_home / "mnist" / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(IDXError, match="do not match"):
        D.load_mnist(download=False)


def test_missing_files_give_a_clear_error(data_home, monkeypatch):
    monkeypatch.setattr(D, "FASHION_MNIST", D.IDXSource(
        "fashion-mnist", D.FASHION_MNIST.classes, (), {}, (), D.FASHION_MNIST.install_hint))
    with pytest.raises(FileNotFoundError, match="apt-get install -y dataset-fashion-mnist"):
        D.load_fashion_mnist(download=False)


def test_download_from_a_mirror_is_md5_checked_and_atomic(data_home, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    _write_tiny_set(mirror)
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in mirror.iterdir()}
    source = D.IDXSource("mnist", D.MNIST.classes,
                         ("file:///nonexistent/", mirror.as_uri() + "/"), md5)
    monkeypatch.setattr(D, "MNIST", source)
    bunch = D.load_mnist(train=True)
    assert bunch.data.shape == (6, 28, 28)
    assert sorted(os.listdir(data_home / "mnist")) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    bad = D.IDXSource("bad", D.MNIST.classes, (mirror.as_uri() + "/",),
                      {k: "0" * 32 for k in md5})
    with pytest.raises(FileNotFoundError, match="md5 mismatch"):
        D.load_idx_set(bad, train=False)
    assert not list((data_home / "bad").iterdir())  # no partial file is left behind


def require_dataset(folder):
    """Skip with the reason where a dataset is missing — but fail in CI, which installs it
    (``.ci/run`` sets TAMRIN_REQUIRE_DATASETS=1)."""
    if not os.path.isdir(folder):
        reason = f"{folder} is missing (apt-get install -y dataset-fashion-mnist)"
        if os.environ.get("TAMRIN_REQUIRE_DATASETS"):
            pytest.fail(reason)
        pytest.skip(reason)


def test_fashion_mnist_from_the_debian_package(data_home):
    require_dataset(FASHION_DIR)
    test = D.load_fashion_mnist(train=False, download=False)
    assert test.data.shape == (10000, 28, 28) and test.data.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(test.target), [1000] * 10)
    assert test.target_names[9] == "Ankle boot"


def test_sklearn_bundled_sets():
    pytest.importorskip("sklearn", reason="the bundled sets come from scikit-learn")
    shapes = {"digits": (1797, 64), "breast_cancer": (569, 30), "diabetes": (442, 10),
              "iris": (150, 4), "wine": (178, 13)}
    for name, shape in shapes.items():
        bunch = getattr(D, f"load_{name}")()
        assert bunch.data.shape == shape and len(bunch.target) == shape[0]
        assert (bunch.target_names is None) == (name == "diabetes")
    assert D.load_digits().data.max() == 16


def test_synthetic_sets():
    tamrin.manual_seed(0)
    X, y = S.make_xor(100)
    assert X.shape == (100, 2) and set(y) == {0, 1}
    assert np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0)))
    X, y = S.make_spirals(101, noise=0.01)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [51, 50]
    tamrin.manual_seed(0)
    a = S.make_spirals(20)[0]
    tamrin.manual_seed(0)
    np.testing.assert_array_equal(S.make_spirals(20)[0], a)
    X, y = S.make_blobs(31, centers=[[0, 0], [10, 10], [-10, 5]], cluster_std=0.1,
                        random_state=1)
    assert np.bincount(y).tolist() == [11, 10, 10]
    assert np.abs(X - np.array([[0, 0], [10, 10], [-10, 5]])[y]).max() < 1.0
    X, y, w = S.make_linear(200, 2, weight=[1.0, -2.0], bias=0.5, noise=0.01, n_outliers=5,
                            random_state=2)
    residual = np.abs(y - X @ w - 0.5)
    assert (residual > 1.0).sum() == 5 and np.sort(residual)[-6] < 0.1


def test_make_moons_matches_sklearn_without_noise():
    skd = pytest.importorskip("sklearn.datasets")
    for n in (10, 11, (3, 5)):
        X, y = S.make_moons(n, shuffle=False)
        rX, ry = skd.make_moons(n, shuffle=False)
        np.testing.assert_allclose(X, rX)
        np.testing.assert_array_equal(y, ry)


def test_make_circles_matches_sklearn_without_noise():
    skd = pytest.importorskip("sklearn.datasets")
    for n in (10, 11, (3, 5)):
        X, y = S.make_circles(n, shuffle=False, factor=0.5)
        rX, ry = skd.make_circles(n, shuffle=False, factor=0.5)
        np.testing.assert_allclose(X, rX, atol=1e-12)
        np.testing.assert_array_equal(y, ry)
    X, y = S.make_circles(50, noise=0.1, random_state=0)
    assert X.shape == (50, 2) and np.bincount(y).tolist() == [25, 25]
