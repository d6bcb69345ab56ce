"""The SST-like sentiment data: classes, counts, the fixed split, licence."""

from __future__ import annotations

import numpy as np
import pytest

from tamrin.data import sentiment
from tamrin.data.registry import SENTIMENT


def test_cutoffs_are_right_inclusive():
    ratings = np.array([-4.0, -2.4, -2.39, -0.8, 0.0, 0.8, 0.81, 2.4, 2.5, 4.0])
    # r' = (r + 4)/8: 0, 0.2, 0.20125, 0.4, 0.5, 0.6, 0.60125, 0.8, 0.8125, 1
    np.testing.assert_array_equal(sentiment.ratings_to_classes(ratings),
                                  [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])


def test_class_counts_and_fixed_split(sentiment_data):
    parts = (sentiment_data.train, sentiment_data.validation, sentiment_data.test)
    labels = np.concatenate([p.labels for p in parts])
    np.testing.assert_array_equal(np.bincount(labels), [1057, 3765, 1011, 3769, 1003])
    assert [len(p) for p in parts] == [8484, 1060, 1061]
    assert len({t for p in parts for t in p.texts}) > 10_000  # no split shares sentences
    for p in parts:  # stratified: each class keeps its share in every part
        np.testing.assert_allclose(np.bincount(p.labels, minlength=5) / len(p),
                                   np.bincount(labels) / len(labels), atol=0.002)
        np.testing.assert_array_equal(sentiment.ratings_to_classes(p.ratings), p.labels)
    assert sentiment_data.train.texts[0].startswith("The Rock is destined")
    assert sentiment_data.class_names[0] == "very negative" and len(sentiment_data.class_names) == 5


def test_licence_and_citation_are_kept(sentiment_data):
    assert "MIT" in sentiment_data.license and "C.J. Hutto" in sentiment_data.license
    assert "ICWSM" in sentiment_data.citation
    assert [c.state for c in SENTIMENT.verify()] == ["verified", "verified"]


def test_missing_file_without_download_says_what_to_run(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sentiment.load_sentiment(root=tmp_path, download=False)
    monkeypatch.delenv("TAMRIN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="tamrin data fetch sentiment"):
        sentiment.load_sentiment(download=False)


def test_the_source_is_the_pinned_sdist():
    (source,) = SENTIMENT.sources
    assert "vaderSentiment==3.3.2" in source.command("DIR")
