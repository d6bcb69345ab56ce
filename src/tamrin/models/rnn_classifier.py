"""The course's RNN sentiment classifier: embedding → RNN/LSTM/GRU → linear → softmax.

Two readouts (claim 38 of the course):

- ``"final"``: classify the final hidden state, ŷ = softmax(W·h_L + b), where h_L is the
  state after the last real token (both directions joined when bidirectional);
- ``"mean"``: classify every step and average the distributions over the L real steps,
  ŷ = (1/L) Σₜ softmax(W·hₜ + b).

``forward`` returns log ŷ' in both cases, a log-probability up to a constant: for "final"
the logits W·h_L + b, for "mean" log ŷ itself — so ``F.cross_entropy(model(x), y)`` is
−log ŷ_y for either readout (softmax(log ŷ) = ŷ when ŷ sums to 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.nn.embedding import Embedding
from tamrin.nn.linear import Linear
from tamrin.nn.module import Module
from tamrin.nn.recurrent import GRU, LSTM, RNN
from tamrin.ops.shape import cat
from tamrin.ops.softmax import softmax
from tamrin.tensor import Tensor

_CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class RNNClassifier(Module):
    """Sentence classifier over padded token ids (B, T) with their lengths (see the module
    docstring). Token id 0 is padding (its embedding stays zero)."""

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 64,
                 num_classes: int = 5, cell: str = "lstm", readout: str = "final",
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 padding_idx: int = 0) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"RNNClassifier: cell must be one of {list(_CELLS)}, got {cell!r}")
        if readout not in ("final", "mean"):
            raise ValueError(f"RNNClassifier: readout must be 'final' or 'mean', got {readout!r}")
        self.cell, self.readout = cell, readout
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.rnn = _CELLS[cell](embedding_dim, hidden_size, num_layers=num_layers,
                                batch_first=True, bidirectional=bidirectional, dropout=dropout)
        self.fc = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, tokens: Tensor, lengths: Any = None) -> Tensor:
        """(B, num_classes) log-probabilities (up to a constant) from (B, T) token ids."""
        if tokens.ndim != 2:
            raise ValueError(f"RNNClassifier: expected token ids of shape (batch, steps), got "
                             f"{tokens.shape}")
        output, state = self.rnn(self.embedding(tokens), lengths=lengths)
        if self.readout == "mean":
            return self._mean_readout(output, lengths)
        h_n = state[0] if isinstance(state, tuple) else state
        last = h_n[-self.rnn.num_directions:]  # the top layer, each direction
        return self.fc(cat(list(last), dim=1))

    def _mean_readout(self, output: Tensor, lengths: Any) -> Tensor:
        """log[(1/L) Σₜ softmax(W·hₜ + b)] over the real steps only."""
        batch, steps = output.shape[:2]
        if lengths is None:
            lengths = np.full(batch, steps)
        lengths = np.asarray(lengths._array if isinstance(lengths, Tensor) else lengths)
        real = (np.arange(steps)[None, :] < lengths[:, None]) / lengths[:, None]
        probs = softmax(self.fc(output), dim=-1)  # (B, T, C)
        weights = Tensor._make(real[:, :, None].astype(probs.dtype))
        return (probs * weights).sum(dim=1).log()

    def extra_repr(self) -> str:
        return f"cell={self.cell!r}, readout={self.readout!r}"
