"""RNNClassifier (both readouts, trained on the SST-like data) and the skip-gram Word2Vec."""

from __future__ import annotations

import numpy as np
import pytest

import tamrin
import tamrin.nn.functional as F
from tamrin import optim
from tamrin.data import Tokenizer, pad_sequences
from tamrin.models import RNNClassifier, Word2Vec, skipgram_pairs


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_final_readout_is_the_state_after_the_last_real_token(cell, bidirectional):
    tamrin.manual_seed(0)
    model = RNNClassifier(20, 6, 5, cell=cell, bidirectional=bidirectional).double()
    tokens, lengths = pad_sequences([[3, 4, 5], [6, 7]])
    alone, _ = pad_sequences([[6, 7]])
    batch = model(tokens, lengths)
    assert batch.shape == (2, 5)
    np.testing.assert_allclose(batch.numpy()[1], model(alone).numpy()[0], rtol=1e-12)


def test_mean_readout_averages_per_step_softmax_over_real_steps():
    tamrin.manual_seed(0)
    model = RNNClassifier(20, 6, 5, cell="gru", readout="mean").double()
    tokens, lengths = pad_sequences([[3, 4, 5], [6, 7]])
    out = model(tokens, lengths)
    np.testing.assert_allclose(np.exp(out.numpy()).sum(1), 1.0)  # log of a distribution
    hidden, _ = model.rnn(model.embedding(tokens), lengths=lengths)
    probs = F.softmax(model.fc(hidden), dim=-1).numpy()
    np.testing.assert_allclose(np.exp(out.numpy()[1]), probs[1, :2].mean(0), rtol=1e-12)
    tamrin.gradcheck(lambda w: _with_fc_weight(model, w)(tokens, lengths),
                     [model.fc.weight.detach()])


def _with_fc_weight(model, w):
    model.fc._parameters["weight"] = w
    return model


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNClassifier(10, cell="transformer")
    with pytest.raises(ValueError, match="readout must be"):
        RNNClassifier(10, readout="max")


def _accuracy(model, seqs, labels):
    model.eval()
    with tamrin.no_grad():
        tokens, lengths = pad_sequences(seqs)
        return float(np.mean(model(tokens, lengths).numpy().argmax(1) == labels))


def test_lstm_classifier_beats_the_majority_baseline(sentiment_data):
    """3 epochs of a small LSTM (≈ 10 s): test accuracy ≈ 0.45 vs 0.355 for the majority."""
    tamrin.manual_seed(0)
    train, test = sentiment_data.train, sentiment_data.test
    tok = Tokenizer(min_freq=2).fit(train.texts)

    def encode(texts):
        return [tok.encode(t)[:30] or [1] for t in texts]

    seqs = encode(train.texts)
    model = RNNClassifier(tok.vocab_size, 32, 32, cell="lstm")
    opt = optim.Adam(model.parameters(), lr=0.005)
    rng = np.random.default_rng(0)
    for _ in range(3):
        order = rng.permutation(len(seqs))
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            tokens, lengths = pad_sequences([seqs[i] for i in idx])
            loss = F.cross_entropy(model(tokens, lengths), tamrin.from_numpy(train.labels[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    majority = np.mean(test.labels == np.bincount(train.labels).argmax())
    accuracy = _accuracy(model, encode(test.texts), test.labels)
    print(f"SST-like test accuracy {accuracy:.3f} (majority baseline {majority:.3f})")
    assert majority == pytest.approx(0.355, abs=0.001)
    assert accuracy > majority + 0.05


def test_word2vec_gradients_are_the_course_formulas():
    """∂L/∂W′ = h(ŷ − y)ᵀ and ∂L/∂W = x(W′(ŷ − y))ᵀ (claim 23), for one pair."""
    tamrin.manual_seed(0)
    model = Word2Vec(7, 3).double()
    centre, context = 2, 5
    loss = F.cross_entropy(model(tamrin.tensor([centre])), tamrin.tensor([context]))
    loss.backward()
    W, W_prime = model.in_embed.weight.numpy(), model.out_embed.weight.numpy().T  # (V,N), (N,V)
    h = W[centre]
    u = W_prime.T @ h
    y_hat = np.exp(u - u.max()) / np.exp(u - u.max()).sum()
    err = y_hat - np.eye(7)[context]
    np.testing.assert_allclose(model.out_embed.weight.grad.numpy().T, np.outer(h, err), rtol=1e-10)
    expected_w = np.outer(np.eye(7)[centre], W_prime @ err)
    np.testing.assert_allclose(model.in_embed.weight.grad.numpy(), expected_w, rtol=1e-10)
    assert np.abs(expected_w).sum() > 0


def test_word2vec_learns_neighbours_on_a_small_corpus():
    """Words used in the same contexts end up with similar vectors."""
    tamrin.manual_seed(0)
    rng = np.random.default_rng(0)
    animals, foods = ["cat", "dog", "cow"], ["bread", "rice", "soup"]
    words = ["the", "eats", "sleeps", "hot", "fresh", *animals, *foods]
    index = {w: i for i, w in enumerate(words)}
    sentences = [[index[w] for w in ("the", a, "eats", "fresh", f)] if rng.random() < 0.5
                 else [index[w] for w in ("the", a, "sleeps")] for a, f in
                 zip(rng.choice(animals, 300), rng.choice(foods, 300))]
    sentences += [[index["hot"], index[f]] for f in rng.choice(foods, 100)]
    centres, contexts = skipgram_pairs(sentences, window=2)
    assert len(centres) == len(contexts) > 0
    model = Word2Vec(len(words), 8)
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(150):
        loss = F.cross_entropy(model(centres), contexts)
        opt.zero_grad()
        loss.backward()
        opt.step()
    for group in (animals, foods):
        neighbours = {words[i] for i, _ in model.most_similar(index[group[0]], k=2)}
        assert neighbours == set(group[1:]), (group[0], neighbours)


def test_skipgram_pairs():
    centres, contexts = skipgram_pairs([[1, 2, 3]], window=1)
    assert sorted(zip(centres.tolist(), contexts.tolist())) == [(1, 2), (2, 1), (2, 3), (3, 2)]
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs([[1, 2]], window=0)
