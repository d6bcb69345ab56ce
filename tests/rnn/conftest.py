"""Fixtures shared by the sequence-model tests."""

import os

import pytest

from tamrin.data import sentiment
from tamrin.data.cache import data_dir


@pytest.fixture(scope="module")
def sentiment_data():
    try:
        return sentiment.load_sentiment()
    except (RuntimeError, FileNotFoundError) as err:
        command = " ".join(sentiment.fetch_command(data_dir() / "sentiment"))
        reason = f"sentiment data not available ({err}); fetch it with: {command}"
        if os.environ.get("TAMRIN_REQUIRE_DATASETS"):  # CI: fail, never skip
            pytest.fail(reason)
        pytest.skip(reason)
