"""An SST-like 5-class sentence sentiment dataset: 10,605 Rotten-Tomatoes movie-review
sentences, each with the mean rating in [−4, 4] of at least 20 human raters.

Source: ``movieReviewSnippets_GroundTruth.txt`` from ``hutto_ICWSM_2014.tar.gz`` inside the
source distribution of ``vaderSentiment==3.3.2`` (the wheel lacks it), fetched with
``pip download`` by the data set ``sentiment`` of ``tamrin.data.registry`` (``tamrin data
fetch sentiment``) and checked against its SHA-256.

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

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tamrin.data.fetch import check_file
from tamrin.data.registry import SENTIMENT

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


def ratings_to_classes(ratings: np.ndarray) -> np.ndarray:
    """Class k such that cut-off k−1 < (r + 4)/8 ≤ cut-off k (cut-offs 0.2, 0.4, 0.6, 0.8)."""
    rescaled = (np.asarray(ratings, dtype=np.float64) + 4.0) / 8.0
    return np.searchsorted(CUTOFFS, rescaled, side="left").astype(np.int64)


def load_sentiment(root: str | os.PathLike | None = None, download: bool = True) -> SentimentData:
    """The SST-like 5-class sentiment data (see the module docstring), from the folder
    ``root`` if given, else from the data set's places (fetched there first if missing and
    ``download``; ``tamrin data fetch sentiment`` does the same)."""
    if root is not None:
        path, license_path = Path(root) / DATA_FILE, Path(root) / "LICENSE.txt"
        if not path.is_file():
            raise FileNotFoundError(f"load_sentiment: {path} does not exist")
    else:
        path = SENTIMENT.path(DATA_FILE, fetch=download)
        license_path = SENTIMENT.path("LICENSE.txt", fetch=download)
        check_file(path, SENTIMENT.spec(DATA_FILE))
    texts, ratings = _parse(path)
    labels = ratings_to_classes(ratings)
    parts = [SentimentSplit([texts[i] for i in idx], labels[idx], ratings[idx])
             for idx in _stratified_split(labels)]
    license_text = license_path.read_text("utf-8") if license_path.is_file() else \
        "MIT License, Copyright (c) 2016 C.J. Hutto"
    return SentimentData(*parts, class_names=list(CLASS_NAMES), license=license_text,
                         citation=CITATION)


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
