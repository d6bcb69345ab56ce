"""The data sets tamrin knows: for each, its files with their checksums, where a package
manager installs them, and where to fetch them from (``tamrin data list`` shows them).

Fashion-MNIST's SHA-256 sums are of the decompressed IDX files: Debian re-gzipped the
originals (so the official MD5 sums of the ``.gz`` files do not match its copies), but the
content is the same. MNIST has no package on Debian; its official MD5 sums check the
original ``.gz`` files.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tamrin.data.fetch import DataFile, FileCheck, FileDataSet
from tamrin.data.sources import DebianPackage, PyPISdist, URLSource

FASHION_MNIST = FileDataSet(
    "fashion-mnist", "Fashion-MNIST: 70,000 28×28 grey images of clothing, 10 classes",
    "MIT (Zalando SE)",
    (DataFile("train-images-idx3-ubyte.gz",
              "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
              "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 47040016),
     DataFile("train-labels-idx1-ubyte.gz",
              "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
              "25c81989df183df01b3e8a0aad5dffbe", 60008),
     DataFile("t10k-images-idx3-ubyte.gz",
              "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
              "bef4ecab320f06d8554ea6380940ec79", 7840016),
     DataFile("t10k-labels-idx1-ubyte.gz",
              "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
              "bb300cfdad3c16e7a12a480ee83cd310", 10008)),
    sources=(URLSource(("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)),
             DebianPackage("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist")),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    required=True,
)

MNIST = FileDataSet(
    "mnist", "MNIST: 70,000 28×28 grey images of handwritten digits", "CC BY-SA 3.0",
    (DataFile("train-images-idx3-ubyte.gz", None, "f68b3c2dcbeaaa9fbdd348bbdeb94873", 47040016),
     DataFile("train-labels-idx1-ubyte.gz", None, "d53e105ee54ea40749a09fcbcd1e9432", 60008),
     DataFile("t10k-images-idx3-ubyte.gz", None, "9fb629c4189551a2d022fa330f9573f3", 7840016),
     DataFile("t10k-labels-idx1-ubyte.gz", None, "ec29112dd5afa0611ce80d1b7f02629c", 10008)),
    sources=(URLSource(("https://ossci-datasets.s3.amazonaws.com/mnist/",
                        "http://yann.lecun.com/exdb/mnist/")),),
    notes="no package bundles it offline; only the official download",
)

SENTIMENT_SDIST = "vaderSentiment-3.3.2"
SENTIMENT_INNER = f"{SENTIMENT_SDIST}/additional_resources/hutto_ICWSM_2014.tar.gz"
SENTIMENT_MEMBER = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"


def _sentiment_files(sdist: Path) -> dict[str, bytes]:
    """The ratings file (inside a tar inside the sdist) and the licence."""
    with tarfile.open(sdist) as outer:
        inner = _member(outer, SENTIMENT_INNER)
        licence = _member(outer, f"{SENTIMENT_SDIST}/LICENSE.txt")
    with tarfile.open(fileobj=io.BytesIO(inner)) as archive:
        ratings = _member(archive, SENTIMENT_MEMBER)
    return {"movieReviewSnippets_GroundTruth.txt": ratings, "LICENSE.txt": licence}


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name)
    if handle is None:
        raise KeyError(f"{name} is not a file in the archive")
    return handle.read()


SENTIMENT = FileDataSet(
    "sentiment", "SST-like sentence sentiment: 10,605 movie-review sentences rated by ≥ 20 "
    "people (Hutto & Gilbert, ICWSM 2014)", "MIT (C.J. Hutto)",
    (DataFile("movieReviewSnippets_GroundTruth.txt",
              "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"),
     DataFile("LICENSE.txt",
              "74cfe41cdbf7f6925aeb4c18c148ec8db042540edb6739fd81069aa4e3c8b118")),
    sources=(PyPISdist("vaderSentiment==3.3.2", _sentiment_files),),
    required=True,
)


@dataclass(frozen=True)
class BundledDataSet:
    """A table inside scikit-learn's wheel: present when scikit-learn is installed."""

    name: str
    title: str
    licence: str = "BSD-3-Clause (scikit-learn)"
    required: bool = True
    notes: str = "inside scikit-learn's wheel (pip install 'tamrin[labs]')"

    def is_present(self) -> bool:
        try:
            import sklearn.datasets  # noqa: F401
        except ImportError:
            return False
        return True

    def verify(self) -> list[FileCheck]:
        state = "bundled" if self.is_present() else "missing: pip install scikit-learn"
        return [FileCheck(self.name, None, state, 0)]

    def fetch(self, progress: bool = False) -> None:
        if not self.is_present():
            raise FileNotFoundError(f"{self.name} comes with scikit-learn: pip install "
                                    "'tamrin[labs]' (or scikit-learn)")


DATASETS: dict[str, FileDataSet | BundledDataSet] = {
    d.name: d for d in (
        FASHION_MNIST, MNIST, SENTIMENT,
        BundledDataSet("digits", "scikit-learn's 8×8 digits: 1797 images, 10 classes"),
        BundledDataSet("breast-cancer", "Wisconsin breast cancer: 569 × 30, binary"),
        BundledDataSet("diabetes", "diabetes progression: 442 × 10, regression"),
        BundledDataSet("iris", "iris flowers: 150 × 4, 3 classes"),
        BundledDataSet("wine", "wine cultivars: 178 × 13, 3 classes"),
    )
}


def get_dataset(name: str) -> FileDataSet | BundledDataSet:
    """The data set called ``name``; a KeyError lists the known names otherwise."""
    if name not in DATASETS:
        raise KeyError(f"data: no data set named {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]
