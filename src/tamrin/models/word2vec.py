"""A word2vec-style skip-gram network, as in the course:

    x = one-hot(centre word) ∈ ℝ^V,  h = Wᵀx ∈ ℝ^N,  u = W′ᵀh ∈ ℝ^V,
    ŷ = softmax(u),  L = −yᵀ log ŷ  (y = one-hot of a context word).

Its gradients (claim 23): ∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂W = x(W′(ŷ − y))ᵀ — only the centre
word's row of W moves. Wᵀx is a row lookup, so W is an ``Embedding`` (``in_embed.weight``,
V × N) and W′ᵀ a bias-free ``Linear`` (``out_embed.weight`` = W′ᵀ, V × N). The rows of W are
the word vectors; ``most_similar`` finds neighbours by cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tamrin.nn.embedding import Embedding
from tamrin.nn.linear import Linear
from tamrin.nn.module import Module
from tamrin.tensor import Tensor


class Word2Vec(Module):
    """Skip-gram: ``forward(centre ids (B,))`` gives the scores u (B, V); train with
    ``F.cross_entropy(model(centres), contexts)`` on ``skipgram_pairs``."""

    def __init__(self, vocab_size: int, embedding_dim: int = 50) -> None:
        super().__init__()
        self.in_embed = Embedding(vocab_size, embedding_dim)
        self.out_embed = Linear(embedding_dim, vocab_size, bias=False)

    def forward(self, centres: Tensor) -> Tensor:
        """u = W′ᵀ(Wᵀx) for each centre word."""
        return self.out_embed(self.in_embed(centres))

    @property
    def vectors(self) -> np.ndarray:
        """The word vectors: the rows of W (V, N)."""
        return self.in_embed.weight._array

    def most_similar(self, word: int, k: int = 5) -> list[tuple[int, float]]:
        """The ``k`` words whose vectors have the largest cosine similarity with ``word``'s
        (the word itself excluded), as (id, similarity) pairs, most similar first."""
        v = self.vectors
        unit = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        sims = unit @ unit[word]
        sims[word] = -np.inf
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in order]


def skipgram_pairs(sentences: Sequence[Sequence[int]], window: int = 2) -> tuple[Tensor, Tensor]:
    """(centre, context) id pairs: every word with each word at most ``window`` places
    away in the same sentence. Returns two int64 tensors of equal length."""
    if window < 1:
        raise ValueError(f"skipgram_pairs: window must be at least 1, got {window}")
    centres, contexts = [], []
    for ids in sentences:
        ids = np.asarray(ids, dtype=np.int64)
        for offset in range(1, window + 1):
            if offset >= len(ids):
                break
            centres += [ids[:-offset], ids[offset:]]
            contexts += [ids[offset:], ids[:-offset]]
    if not centres:
        raise ValueError("skipgram_pairs: no sentence has two or more words")
    return Tensor._make(np.concatenate(centres)), Tensor._make(np.concatenate(contexts))
