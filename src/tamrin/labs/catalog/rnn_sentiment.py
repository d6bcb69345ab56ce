"""Claim 38: a 5-class sentiment RNN read out from its final hidden state or from the average
of its per-step softmax outputs; and gradients vanishing over long sequences, faster for a
plain (tanh) RNN than for an LSTM or a GRU.

Part 1 trains ``RNNClassifier`` with both readouts on the SST-like movie-review sentences of
``tamrin.data.load_sentiment``. Part 2 measures, at initialisation, how much gradient reaches
the first step of a sequence: ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ for L = Σ h_T.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tamrin
from tamrin import nn, optim
from tamrin.data import Tokenizer, load_sentiment, pad_sequences
from tamrin.labs import figures
from tamrin.labs.lab import Result, Table, verdict
from tamrin.labs.registry import register
from tamrin.models import RNNClassifier

MAX_TOKENS = 40  # sentences are cut to their first 40 tokens
BATCH = 32
Z = 2.0  # a readout must beat the majority baseline by this many standard errors
CELLS = {"RNN (tanh)": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
FADE = 100.0  # at the longest length the RNN's ratio must be this many times smaller


def _encode(tokenizer: Tokenizer, texts: list[str]) -> list[list[int]]:
    return [tokenizer.encode(t)[:MAX_TOKENS] for t in texts]


def _train(model: RNNClassifier, ids: list[list[int]], labels: np.ndarray, epochs: int,
           rng: np.random.Generator) -> list[float]:
    """Adam on the cross-entropy in shuffled mini-batches; the mean loss of each epoch."""
    opt = optim.Adam(model.parameters(), lr=0.01)
    history = []
    for _ in range(epochs):
        model.train()
        order, total = rng.permutation(len(ids)), 0.0
        for start in range(0, len(ids), BATCH):
            batch = order[start:start + BATCH]
            tokens, lengths = pad_sequences([ids[i] for i in batch])
            loss = nn.functional.cross_entropy(model(tokens, lengths),
                                               tamrin.tensor(labels[batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        history.append(total / len(ids))
    return history


def accuracy(model: RNNClassifier, ids: list[list[int]], labels: np.ndarray) -> float:
    """Accuracy of ``model`` (in eval mode) on the encoded sentences."""
    model.eval()
    with tamrin.no_grad():
        predicted = [model(*pad_sequences(ids[s:s + 256])).numpy().argmax(axis=1)
                     for s in range(0, len(ids), 256)]
    return float(np.mean(np.concatenate(predicted) == labels))


def _readouts(quick: bool, seed: int, rng: np.random.Generator):
    """Train one classifier per readout; test accuracies, loss curves, the majority
    baseline and the number of test sentences."""
    data = load_sentiment()
    train = rng.choice(len(data.train), 2000, replace=False) if quick else \
        np.arange(len(data.train))
    tokenizer = Tokenizer(min_freq=2).fit([data.train.texts[i] for i in train])
    x_train = _encode(tokenizer, [data.train.texts[i] for i in train])
    y_train = data.train.labels[train]
    x_test, y_test = _encode(tokenizer, data.test.texts), data.test.labels
    size, epochs = (32, 2) if quick else (64, 6)
    results = {}
    for readout in ("final", "mean"):
        tamrin.manual_seed(seed)
        model = RNNClassifier(tokenizer.vocab_size, size, size, cell="gru", readout=readout)
        curve = _train(model, x_train, y_train, epochs, rng)
        results[readout] = (accuracy(model, x_test, y_test), curve)
    majority = float(np.mean(y_test == np.bincount(y_train).argmax()))
    return results, majority, len(y_test), len(train)


def gradient_ratio(cell, length: int, batch: int, seed: int) -> float:
    """Mean over the batch of ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖, L = Σ h_T, for a freshly initialised
    ``cell`` (16 inputs, 32 hidden units, PyTorch's default init) on N(0, 1) inputs."""
    tamrin.manual_seed(seed)
    layer = cell(16, 32, batch_first=True).double()
    x = tamrin.tensor(np.random.default_rng(seed).standard_normal((batch, length, 16)),
                      dtype=np.float64, requires_grad=True)
    _, state = layer(x)
    (state[0] if isinstance(state, tuple) else state).sum().backward()
    grad = np.linalg.norm(x.grad.numpy(), axis=2)  # (batch, steps)
    return float(np.mean(grad[:, 0] / grad[:, -1]))


def typical_ratio(cell, length: int, inits: int, seed: int) -> float:
    """The geometric mean of :func:`gradient_ratio` over ``inits`` random initialisations
    (one draw of W_hh can be a lucky or an unlucky one)."""
    return float(np.exp(np.mean([np.log(gradient_ratio(cell, length, 8, seed * 100 + k))
                                 for k in range(inits)])))


def _plot(results, majority: float, lengths, ratios: dict[str, np.ndarray], out_dir: Path):
    fig, axes = figures.subplots(2, width=5.2)
    for readout, (acc, curve) in results.items():
        axes[0].plot(range(1, len(curve) + 1), curve, "o-",
                     label=f"{readout} readout: test accuracy {acc:.3f}")
    axes[0].set(xlabel="epoch", ylabel="training cross-entropy",
                title=f"sentiment GRU (majority baseline {majority:.3f})")
    axes[0].legend(fontsize=8)
    for name, r in ratios.items():
        axes[1].semilogy(lengths, r, "o-", label=name)
    axes[1].set(xlabel="sequence length T", ylabel="‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ (log)",
                title="gradient reaching the first step, at init")
    axes[1].legend()
    return figures.save(fig, out_dir, "rnn",
                        "Left: training loss of the two readouts, with their test accuracy. "
                        "Right: the share of the gradient that reaches the first input of a "
                        "sequence, against its length, for three recurrent cells.")


@register("rnn-sentiment", "RNN sentiment classifier and long-range gradients",
          "A 5-class sentiment RNN can be classified from its final hidden state or by "
          "averaging its per-step softmax outputs; gradients vanish over long sequences, much "
          "faster for a plain RNN than for an LSTM or a GRU.", (38,),
          ("tamrin.models:RNNClassifier", "tamrin.data:load_sentiment", "tamrin.nn:GRU"))
def run(quick: bool, seed: int, out_dir: Path) -> Result:
    rng = np.random.default_rng(seed)
    results, majority, n_test, n_train = _readouts(quick, seed, rng)
    margin = Z * np.sqrt(majority * (1 - majority) / n_test)
    lengths = np.array([5, 10, 20, 40] if quick else [5, 10, 20, 40, 80, 160])
    inits = 4 if quick else 16
    ratios = {name: np.array([typical_ratio(cell, t, inits, seed) for t in lengths])
              for name, cell in CELLS.items()}
    per_step = {name: float(np.exp(np.polyfit(lengths, np.log(r), 1)[0]))
                for name, r in ratios.items()}
    rnn_last = ratios["RNN (tanh)"][-1]
    gated_last = min(ratios["LSTM"][-1], ratios["GRU"][-1])
    ok = (all(acc > majority + margin for acc, _ in results.values())
          and rnn_last * FADE < gated_last
          and per_step["RNN (tanh)"] < min(per_step["LSTM"], per_step["GRU"]))
    return Result(
        lab="rnn-sentiment", verdict=verdict(ok),
        criterion=f"both readouts beat the majority-class baseline on the {n_test} test "
                  f"sentences by more than {Z:g} binomial standard errors; and at T = "
                  f"{lengths[-1]} the share of gradient reaching the first step (geometric mean "
                  f"over {inits} random initialisations) is at least "
                  f"{FADE:g} times smaller for the tanh RNN than for the LSTM and the GRU, "
                  "whose fitted per-step decay is slower",
        measurements={"test accuracy, final-state readout": results["final"][0],
                      "test accuracy, averaged-softmax readout": results["mean"][0],
                      "majority baseline": majority,
                      f"{Z:g} standard errors": float(margin),
                      "training sentences": n_train,
                      **{f"per-step gradient factor: {k}": v for k, v in per_step.items()},
                      **{f"‖∂L/∂x₁‖/‖∂L/∂x_T‖ at T = {lengths[-1]}: {k}": float(r[-1])
                         for k, r in ratios.items()}},
        tables=[Table("Test accuracy (5 classes)", ["readout", "accuracy", "majority baseline"],
                      [["final hidden state: softmax(W·h_L + b)", results["final"][0],
                        majority],
                       ["mean of per-step softmax: (1/L) Σₜ softmax(W·hₜ + b)",
                        results["mean"][0], majority]]),
                Table("Share of the gradient reaching step 1, ‖∂L/∂x₁‖ / ‖∂L/∂x_T‖ "
                      f"(geometric mean over {inits} initialisations)",
                      ["T", *CELLS], [[int(t), *(float(r[i]) for r in ratios.values())]
                                      for i, t in enumerate(lengths)])],
        figures=[_plot(results, majority, lengths, ratios, out_dir)],
        explanation="Both readouts learn sentiment above the majority guess. The final-state "
                    "readout must carry everything through the recurrence to the last step; "
                    "the averaged readout classifies every prefix and averages, so every step "
                    "receives gradient directly from the loss. The second experiment shows "
                    "why that matters: the gradient reaching x₁ is a product of T step "
                    "Jacobians. For the tanh RNN each is diag(1 − h²)·W_hh, of norm about "
                    "0.5 at PyTorch's default init, so the signal shrinks geometrically and "
                    "fastest. LSTM and GRU carry their state additively (c_t = f⊙c_{t−1} + …, "
                    "h_t = z⊙h_{t−1} + …), so the factor per step is a gate value — about 0.5 "
                    "to 0.7 at init and learnable towards 1 — and the gradient fades more "
                    "slowly; over 40+ steps the difference is many orders of magnitude. At "
                    "init the gated cells' gradients also decay: gates near 1 (learnt, or set "
                    "by a forget-gate bias) are what make long memories possible.",
    )
