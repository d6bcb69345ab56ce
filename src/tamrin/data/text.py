"""Text to token ids and back: a word-level tokenizer with a vocabulary, a byte-pair-encoding
(BPE) subword tokenizer, and padding of token sequences into batches with their lengths.

Both tokenizers reserve id 0 for ``<pad>``, so padded batches mean the same to either.

- ``Tokenizer``: lower-cased words and punctuation marks; a ``Vocab`` keeps the words seen at
  least ``min_freq`` times (the ``max_size`` most frequent), the rest map to ``<unk>`` (id 1).
- ``BPETokenizer``: byte-level BPE (Sennrich et al., 2016; GPT-2's byte variant). Text is
  cut into chunks (a word with its leading space, a run of punctuation, a run of spaces),
  each chunk is a sequence of UTF-8 bytes, and training repeatedly merges the most frequent
  adjacent pair of symbols into a new symbol. Encoding replays the merges in the order they
  were learnt. Every string — unseen words, any script, the empty string — encodes, and
  ``decode(encode(s)) == s`` exactly: no ``<unk>`` is ever needed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tamrin.creation import from_numpy
from tamrin.tensor import Tensor

PAD, UNK = "<pad>", "<unk>"
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
_CHUNKS = re.compile(r" ?[^\W_]+| ?[^\w\s]+| ?_+|\s+(?!\S)|\s+")


def word_tokenize(text: str) -> list[str]:
    """Lower-case words (with an apostrophe suffix: "don't", "film's") and single
    punctuation marks: ``"It's GOOD!"`` → ``["it's", "good", "!"]``."""
    return _WORDS.findall(text.lower())


class Vocab:
    """A two-way map between tokens and ids; ``<pad>`` = 0, ``<unk>`` = 1, then the tokens
    by decreasing frequency (ties alphabetically, so a vocabulary is reproducible)."""

    pad_index, unk_index = 0, 1

    def __init__(self, tokens: Sequence[str]) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError(f"Vocab: the first two tokens must be {PAD!r} and {UNK!r}")
        self.itos = list(tokens)
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("Vocab: tokens must be distinct")

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_freq: int = 1,
              max_size: int | None = None) -> Vocab:
        """The tokens seen at least ``min_freq`` times; at most ``max_size`` ids in all
        (the two specials included), keeping the most frequent."""
        if min_freq < 1:
            raise ValueError(f"Vocab.build: min_freq must be at least 1, got {min_freq}")
        if max_size is not None and max_size < 2:
            raise ValueError(f"Vocab.build: max_size must leave room for {PAD} and {UNK}")
        counts = Counter(t for tokens in token_lists for t in tokens)
        counts.pop(PAD, None), counts.pop(UNK, None)
        kept = sorted((t for t, n in counts.items() if n >= min_freq),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size - 2]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        return self.stoi.get(token, self.unk_index)

    def lookup_indices(self, tokens: Sequence[str]) -> list[int]:
        return [self.stoi.get(t, self.unk_index) for t in tokens]

    def lookup_tokens(self, indices: Sequence[int]) -> list[str]:
        _check_ids(indices, len(self.itos), "Vocab")
        return [self.itos[i] for i in indices]


class Tokenizer:
    """Word-level tokenizer: ``fit(texts)`` builds the vocabulary, ``encode`` maps a text to
    ids (unknown words → ``<unk>``), ``decode`` joins the tokens back with spaces."""

    def __init__(self, min_freq: int = 1, max_size: int | None = None) -> None:
        self.min_freq, self.max_size = min_freq, max_size
        self.vocab: Vocab | None = None

    def fit(self, texts: Iterable[str]) -> Tokenizer:
        self.vocab = Vocab.build((word_tokenize(t) for t in texts), self.min_freq,
                                 self.max_size)
        return self

    def _fitted(self) -> Vocab:
        if self.vocab is None:
            raise RuntimeError("Tokenizer: call fit(texts) before encoding or decoding")
        return self.vocab

    @property
    def vocab_size(self) -> int:
        return len(self._fitted())

    def tokenize(self, text: str) -> list[str]:
        return word_tokenize(text)

    def encode(self, text: str) -> list[int]:
        return self._fitted().lookup_indices(word_tokenize(text))

    def decode(self, ids: Sequence[int]) -> str:
        """Tokens joined by spaces, padding dropped."""
        return " ".join(self._fitted().lookup_tokens([i for i in ids if i != Vocab.pad_index]))


class BPETokenizer:
    """Byte-level byte-pair encoding (see the module docstring).

    Ids: 0 = ``<pad>``, 1…256 = the 256 byte values, then one id per learnt merge, in the
    order learnt; ``vocab_size`` caps the total. ``merges`` lists the merged pairs of ids.
    """

    def __init__(self, vocab_size: int = 1000) -> None:
        if vocab_size < 257:
            raise ValueError(f"BPETokenizer: vocab_size must be at least 257 (<pad> and the "
                             f"256 bytes), got {vocab_size}")
        self.max_vocab_size = vocab_size
        self.pieces: list[bytes] = [b""] + [bytes([b]) for b in range(256)]
        self.merges: list[tuple[int, int]] = []
        self._ranks: dict[tuple[int, int], int] = {}
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.pieces)

    def fit(self, texts: Iterable[str]) -> BPETokenizer:
        """Learn merges: repeatedly join the most frequent adjacent pair (ties: the smallest
        pair of ids) until ``vocab_size`` symbols or no pair occurs twice."""
        chunk_counts = Counter(c for t in texts for c in _CHUNKS.findall(t))
        words = [_bytes_ids(c) for c in chunk_counts]
        freqs = list(chunk_counts.values())
        pairs: Counter = Counter()
        where: dict[tuple[int, int], set[int]] = defaultdict(set)
        for w, (ids, n) in enumerate(zip(words, freqs)):
            _count_pairs(ids, n, w, pairs, where)
        while len(self.pieces) < self.max_vocab_size and pairs:
            pair, count = max(pairs.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
            if count < 2:
                break
            new = self._add_merge(pair)
            for w in where.pop(pair):
                _count_pairs(words[w], -freqs[w], w, pairs, where)
                words[w] = _merge(words[w], pair, new)
                _count_pairs(words[w], freqs[w], w, pairs, where)
        self._cache.clear()
        return self

    def _add_merge(self, pair: tuple[int, int]) -> int:
        new = len(self.pieces)
        self.pieces.append(self.pieces[pair[0]] + self.pieces[pair[1]])
        self._ranks[pair] = len(self.merges)
        self.merges.append(pair)
        return new

    def _encode_chunk(self, chunk: str) -> list[int]:
        """Replay the merges on one chunk: always the earliest-learnt pair present first."""
        ids = self._cache.get(chunk)
        if ids is None:
            ids = _bytes_ids(chunk)
            while len(ids) > 1:
                pair = min(zip(ids, ids[1:]), key=lambda p: self._ranks.get(p, len(self._ranks)))
                if pair not in self._ranks:
                    break
                ids = _merge(ids, pair, 257 + self._ranks[pair])
            self._cache[chunk] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        return [i for chunk in _CHUNKS.findall(text) for i in self._encode_chunk(chunk)]

    def tokenize(self, text: str) -> list[str]:
        """The subword pieces of ``text`` as strings (a piece may split a multi-byte
        character; such pieces show as replacement characters)."""
        return [self.pieces[i].decode("utf-8", "replace") for i in self.encode(text)]

    def decode(self, ids: Sequence[int]) -> str:
        """The text back, padding dropped: ``decode(encode(s)) == s``."""
        _check_ids(ids, len(self.pieces), "BPETokenizer")
        return b"".join(self.pieces[i] for i in ids).decode("utf-8", "replace")


def _check_ids(ids: Sequence[int], size: int, who: str) -> None:
    """Every id in 0 … size−1 (a negative id would silently index from the end)."""
    bad = [int(i) for i in ids if not 0 <= int(i) < size]
    if bad:
        raise ValueError(f"{who}: token ids must be in [0, {size}), got {bad[:5]}")


def _bytes_ids(chunk: str) -> list[int]:
    return [b + 1 for b in chunk.encode("utf-8")]


def _count_pairs(ids: list[int], n: int, w: int, pairs: Counter,
                 where: dict[tuple[int, int], set[int]]) -> None:
    """Add ``n`` (negative to remove) to the count of every adjacent pair in word ``w``."""
    for pair in zip(ids, ids[1:]):
        pairs[pair] += n
        if n > 0:
            where[pair].add(w)
        elif pairs[pair] <= 0:
            del pairs[pair]


def _merge(ids: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """Replace every non-overlapping occurrence of ``pair`` (left to right) by ``new``."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def pad_sequences(sequences: Sequence[Sequence[int]], padding_value: int = 0,
                  max_length: int | None = None) -> tuple[Tensor, Tensor]:
    """(B, T) int64 batch of token sequences padded with ``padding_value`` (cut to
    ``max_length`` when given), and their lengths — the ``lengths`` that the recurrent
    layers take. An empty sequence keeps length 0."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    if max_length is not None:
        lengths = np.minimum(lengths, max_length)
    width = int(lengths.max(initial=0))
    out = np.full((len(sequences), width), padding_value, dtype=np.int64)
    for row, (seq, n) in enumerate(zip(sequences, lengths)):
        out[row, :n] = seq[:n]
    return from_numpy(out), from_numpy(lengths)


def collate_tokens(batch: Sequence[tuple[Sequence[int], Any]]) -> tuple[Tensor, Tensor, Tensor]:
    """``collate_fn`` for a DataLoader over (token ids, label) samples: returns
    (padded ids (B, T), lengths (B,), labels (B,))."""
    ids, labels = zip(*batch)
    padded, lengths = pad_sequences(ids)
    return padded, lengths, from_numpy(np.asarray(labels, dtype=np.int64))
