"""Fixtures shared by the sequence-model tests."""

import pytest

from tamrin.data import sentiment


@pytest.fixture(scope="module")
def sentiment_data():
    """The SST-like data, as `make test` fetched it (no skip: a missing data set fails with
    the places and sources that were tried)."""
    return sentiment.load_sentiment()
