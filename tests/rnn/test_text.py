"""Tokenizers (word-level and BPE) and padding: round trips, unknown words, empty strings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tamrin.data import BPETokenizer, Tokenizer, Vocab, collate_tokens, pad_sequences
from tamrin.data.text import word_tokenize

CORPUS = [
    "The film is good, the acting is good and the story is good.",
    "A bad film: bad acting, bad story.",
    "Not good, not bad -- just a film.",
    "The lower the expectations, the better the film.",
]


def test_word_tokenize_lowercases_and_splits_punctuation():
    assert word_tokenize("It's GOOD!  Really...") == ["it's", "good", "!", "really", ".", ".", "."]
    assert word_tokenize("") == []


def test_vocab_frequency_order_min_freq_and_max_size():
    vocab = Vocab.build([["b", "a", "b", "c"], ["a", "b"]], min_freq=2)
    assert vocab.itos == ["<pad>", "<unk>", "b", "a"]
    assert Vocab.build([["b", "a", "b", "c"]], max_size=3).itos == ["<pad>", "<unk>", "b"]
    assert vocab["zzz"] == vocab.unk_index == 1 and vocab["<pad>"] == 0
    with pytest.raises(ValueError, match="min_freq"):
        Vocab.build([["a"]], min_freq=0)


def test_word_tokenizer_round_trip_and_unknown_words():
    tok = Tokenizer(min_freq=2).fit(CORPUS)
    text = "the film is good ."
    assert tok.decode(tok.encode(text)) == text
    ids = tok.encode("The film is magnificent")
    assert ids[-1] == Vocab.unk_index and tok.decode(ids) == "the film is <unk>"
    assert tok.encode("") == [] and tok.decode([]) == ""
    assert tok.vocab_size == len(tok.vocab.itos)


def test_word_tokenizer_needs_fit():
    with pytest.raises(RuntimeError, match="call fit"):
        Tokenizer().encode("hello")


def test_bpe_learns_frequent_merges_and_compresses():
    bpe = BPETokenizer(vocab_size=300).fit(CORPUS * 5)
    assert 257 < bpe.vocab_size <= 300 and len(bpe.merges) == bpe.vocab_size - 257
    assert " good" in bpe.tokenize("it is good")  # a frequent word becomes one piece
    text = "the film is good"
    assert len(bpe.encode(text)) < len(text.encode())


@pytest.mark.parametrize("text", ["", " ", "The film is good.", "Unseen wordz!! 42_x",
                                  "  two  spaces\tand\nlines ", "naïve café — 映画 🎬"])
def test_bpe_round_trip_on_unseen_text(text):
    bpe = BPETokenizer(vocab_size=320).fit(CORPUS)
    assert bpe.decode(bpe.encode(text)) == text
    assert 0 not in bpe.encode(text)  # id 0 is padding only


@given(st.text(max_size=40))
def test_bpe_round_trip_property(text):
    assert _BPE.decode(_BPE.encode(text)) == text


_BPE = BPETokenizer(vocab_size=300).fit(CORPUS)


def test_bpe_training_is_deterministic_and_checks_size():
    a, b = BPETokenizer(300).fit(CORPUS), BPETokenizer(300).fit(CORPUS)
    assert a.merges == b.merges
    with pytest.raises(ValueError, match="at least 257"):
        BPETokenizer(vocab_size=100)


def test_pad_sequences_and_collate():
    padded, lengths = pad_sequences([[5, 6, 7], [8], []])
    np.testing.assert_array_equal(padded.numpy(), [[5, 6, 7], [8, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(lengths.numpy(), [3, 1, 0])
    assert padded.dtype == np.int64
    cut, cut_lengths = pad_sequences([[1, 2, 3, 4], [5]], max_length=2)
    np.testing.assert_array_equal(cut.numpy(), [[1, 2], [5, 0]])
    np.testing.assert_array_equal(cut_lengths.numpy(), [2, 1])
    ids, lens, labels = collate_tokens([([3, 4], 1), ([5], 4)])
    np.testing.assert_array_equal(ids.numpy(), [[3, 4], [5, 0]])
    np.testing.assert_array_equal(lens.numpy(), [2, 1])
    np.testing.assert_array_equal(labels.numpy(), [1, 4])


def test_decoding_ids_outside_the_vocabulary_is_an_error():
    tok = Tokenizer().fit(CORPUS)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, "):
        tok.decode([2, -1])          # would silently be the last word
    with pytest.raises(ValueError, match="token ids must be in"):
        tok.decode([tok.vocab_size])
    with pytest.raises(ValueError, match="token ids must be in"):
        _BPE.decode([_BPE.vocab_size + 3])
    with pytest.raises(ValueError, match="token ids must be in"):
        _BPE.decode([-2])
