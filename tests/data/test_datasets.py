"""IDX reading and validation, (Fashion-)MNIST from their data sets, bundled and
synthetic sets (the chain of places and sources is tested in test_fetch.py)."""

import gzip
import hashlib

import numpy as np
import pytest

import tamrin
from tamrin.data import datasets as D
from tamrin.data import synthetic as S
from tamrin.data.fetch import DataFile, FileDataSet
from tamrin.data.idx import IDXError, read_idx, write_idx


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


# An MNIST-like set without checksums, to test the loader on files written here.
TINY = FileDataSet("tiny-mnist", "tiny", "MIT", tuple(
    DataFile(f"{p}-{kind}-idx{d}-ubyte.gz") for p in ("train", "t10k")
    for kind, d in (("images", 3), ("labels", 1))))


def test_an_idx_set_reads_files_from_the_data_directory(data_home):
    _write_tiny_set(data_home / "tiny-mnist")
    bunch = D.load_idx_set(TINY, D.DIGIT_CLASSES, train=False, download=False)
    assert bunch.data.shape == (6, 28, 28) and bunch.data.dtype == np.uint8
    assert bunch.target.tolist() == [0, 1, 2, 3, 4, 5] and bunch.target_names[3] == "3"


def test_mismatched_or_out_of_range_files_are_an_error(data_home):
    _write_tiny_set(data_home / "tiny-mnist")
    write_idx(data_home / "tiny-mnist" / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(IDXError, match="do not match"):
        D.load_idx_set(TINY, D.DIGIT_CLASSES, download=False)
    write_idx(data_home / "tiny-mnist" / "t10k-labels-idx1-ubyte.gz",
              np.full(6, 10, np.uint8))
    with pytest.raises(IDXError, match="expected 0..9"):
        D.load_idx_set(TINY, D.DIGIT_CLASSES, train=False, download=False)
    write_idx(data_home / "tiny-mnist" / "t10k-images-idx3-ubyte.gz",
              np.zeros((6, 28, 28), np.int16))
    with pytest.raises(IDXError, match="expected uint8 pixels"):
        D.load_idx_set(TINY, D.DIGIT_CLASSES, train=False, download=False)


def test_missing_files_name_the_fetch_command(data_home):
    with pytest.raises(FileNotFoundError, match="tamrin data fetch mnist"):
        D.load_mnist(download=False)


def test_mnist_originals_are_md5_checked(data_home):
    _write_tiny_set(data_home / "mnist")  # not the official files: their MD5 differs
    from tamrin.data.registry import MNIST

    assert not all(c.state == "verified" for c in MNIST.verify())
    with pytest.raises(OSError, match="MD5"):
        D.read_set_file(MNIST, "train-images-idx3-ubyte.gz", download=False)


def test_fashion_mnist_is_verified_and_complete():
    """The real data set, as `make test` fetched it (no skip: a missing data set fails)."""
    test = D.load_fashion_mnist(train=False)
    assert test.data.shape == (10000, 28, 28) and test.data.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(test.target), [1000] * 10)
    assert test.target_names[9] == "Ankle boot"
    train = D.load_fashion_mnist(train=True)
    assert train.data.shape == (60000, 28, 28)


def test_idx_header_cannot_make_the_reader_allocate(tmp_path):
    """A header that declares little but a file that holds much, or a size product that
    overflows 64 bits, is rejected after reading only what the header justifies."""
    bomb = bytes([0, 0, 8, 1]) + (1).to_bytes(4, "big") + b"\0" * (64 << 20)
    (tmp_path / "bomb.idx.gz").write_bytes(gzip.compress(bomb, compresslevel=1))
    with pytest.raises(IDXError, match="more than 1"):
        read_idx(tmp_path / "bomb.idx.gz")
    huge = bytes([0, 0, 8, 4]) + (65536).to_bytes(4, "big") * 4 + b"\0" * 16
    (tmp_path / "huge.idx").write_bytes(huge)
    with pytest.raises(IDXError, match=r"shape \(65536, 65536, 65536, 65536\), beyond what an "
                       "array can address"):
        read_idx(tmp_path / "huge.idx")


def test_idx_checksum_is_checked(tmp_path):
    write_idx(tmp_path / "a.idx.gz", np.zeros((2, 3), np.uint8))
    with pytest.raises(IDXError, match="SHA-256"):
        read_idx(tmp_path / "a.idx.gz", sha256="0" * 64)
    good = hashlib.sha256(gzip.decompress((tmp_path / "a.idx.gz").read_bytes())).hexdigest()
    assert read_idx(tmp_path / "a.idx.gz", sha256=good).shape == (2, 3)


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
