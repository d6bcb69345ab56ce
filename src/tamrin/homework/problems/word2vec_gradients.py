"""``word2vec-gradients``: the gradients of the word2vec-style network.

With a one-hot input x (V), W (V×N), W′ (N×V) and a one-hot target y (V)::

    h = Wᵀx,   u = W′ᵀh,   ŷ = softmax(u),   L = −yᵀ log ŷ
    ∂L/∂u = ŷ − y
    ∂L/∂W′ = h (ŷ − y)ᵀ                  (N×V, the shape of W′)
    ∂L/∂W  = x (W′(ŷ − y))ᵀ              (V×N, the shape of W; only x's row is non-zero)

The solver runs tamrin's autograd (``log_softmax``) and asserts these formulas agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

import tamrin
from tamrin.homework import tex
from tamrin.homework.document import Block, Formula, Paragraph
from tamrin.homework.problem import (
    Mistake,
    Param,
    ParameterProblem,
    Params,
    Problem,
    Quantity,
    Solution,
    Step,
)
from tamrin.homework.problems._common import agree, f64


def _softmax(u: np.ndarray) -> np.ndarray:
    e = np.exp(u - u.max())
    return e / e.sum()


def by_hand(p: Params, *, zero: bool = False, transposed: bool = False) -> dict[str, list]:
    """The three gradients by the formulas of the module docstring — or mistaken: ``zero``
    (the weight gradients declared zero), ``transposed`` ((ŷ − y)hᵀ and (W′(ŷ − y))xᵀ)."""
    W, Wp, x, y = (np.asarray(p[k], float) for k in ("W", "W_prime", "x", "y"))
    h = W.T @ x
    du = _softmax(Wp.T @ h) - y
    dWp, dW = np.outer(h, du), np.outer(x, Wp @ du)
    if zero:
        dWp, dW = np.zeros_like(dWp), np.zeros_like(dW)
    if transposed:
        dWp, dW = dWp.T, dW.T
    return {"dL_du": du.tolist(), "dL_dW_prime": dWp.tolist(), "dL_dW": dW.tolist()}


def _one_hot(key: str, value: list) -> int:
    if sorted(value) != [0] * (len(value) - 1) + [1]:
        raise ParameterProblem(key, "expected a one-hot vector (one 1, the rest 0)")
    return int(np.argmax(value))


class Word2VecGradients(Problem):
    id = "word2vec-gradients"
    title = "The word2vec network's gradients"
    summary = "∂L/∂u, ∂L/∂W′ and ∂L/∂W of h = Wᵀx, u = W′ᵀh, softmax, cross-entropy"
    parameters = {"W": Param("array", -100, 100, ndim=2, max_len=10),
                  "W_prime": Param("array", -100, 100, ndim=2, max_len=10),
                  "x": Param("array", 0, 1, ndim=1, max_len=10),
                  "y": Param("array", 0, 1, ndim=1, max_len=10)}
    mistakes = (
        Mistake("all_zero",
                "the weight gradients were taken as zero; they are not: ∂L/∂W′ = h(ŷ − y)ᵀ "
                "and ∂L/∂W = x(W′(ŷ − y))ᵀ",
                partial(by_hand, zero=True)),
        Mistake("transposed",
                "the weight gradients were transposed; a gradient has the shape of its "
                "weight: ∂L/∂W′ = h(ŷ − y)ᵀ is N×V like W′",
                partial(by_hand, transposed=True)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        n_words, n_dims = int(rng.integers(3, 6)), int(rng.integers(2, 4))
        if n_dims >= n_words:
            n_dims = n_words - 1
        word, context = rng.choice(n_words, size=2, replace=False)
        eye = np.eye(n_words, dtype=int)
        return {"W": tex.decimals(rng, -1, 1, (n_words, n_dims), places=1),
                "W_prime": tex.decimals(rng, -1, 1, (n_dims, n_words), places=1),
                "x": eye[word].tolist(), "y": eye[context].tolist()}

    def course(self) -> Params:
        """Fixed numbers (claim 23 states the formulas, not an example)."""
        return {"W": [[0.2, -0.4], [0.5, 0.1], [-0.3, 0.8], [0.6, -0.2]],
                "W_prime": [[0.3, -0.5, 0.2, 0.7], [-0.6, 0.4, 0.1, -0.2]],
                "x": [0, 1, 0, 0], "y": [0, 0, 1, 0]}

    def check_consistency(self, params: Params) -> None:
        v, n = np.shape(params["W"])
        if np.shape(params["W_prime"]) != (n, v):
            raise ParameterProblem("W_prime", f"expected shape {n}×{v} (Wᵀ's shape)")
        for key in ("x", "y"):
            if len(params[key]) != v:
                raise ParameterProblem(key, f"expected {v} entries")
            _one_hot(key, params[key])

    def quantities(self, params: Params) -> list[Quantity]:
        v, n = np.shape(params["W"])
        return [Quantity("dL_du", rf"$\partial L/\partial u$ ({v} entries)", "array"),
                Quantity("dL_dW_prime", r"$\partial L/\partial W'$ (a matrix)", "array"),
                Quantity("dL_dW", r"$\partial L/\partial W$ (a matrix)", "array")]

    def statement(self, params: Params) -> list[Block]:
        v, n = np.shape(params["W"])
        return [
            Paragraph(f"A word2vec-style network with a vocabulary of {v} words and {n}-d "
                      r"embeddings: $h = W^\top x$, $u = W'^\top h$, "
                      r"$\hat y = \mathrm{softmax}(u)$, $L = -y^\top\log\hat y$, where $x$ "
                      "is the one-hot input word and $y$ the one-hot context word."),
            Formula(rf"W = {tex.matrix(params['W'])},\quad W' = "
                    rf"{tex.matrix(params['W_prime'])},\quad x = {tex.matrix(params['x'])},"
                    rf"\quad y = {tex.matrix(params['y'])}"),
            Paragraph("Give the gradients of $L$ (each the shape of what it differentiates)."),
        ]

    def compute(self, params: Params) -> Solution:
        W, Wp = f64(params["W"], requires_grad=True), f64(params["W_prime"], requires_grad=True)
        x, y = f64(params["x"]), f64(params["y"])
        h = W.T @ x
        u = Wp.T @ h
        u.retain_grad()
        y_hat = tamrin.softmax(u, dim=0)
        loss = -(y * tamrin.log_softmax(u, dim=0)).sum()
        loss.backward()
        values = {"dL_du": u.grad.numpy().tolist(), "dL_dW_prime": Wp.grad.numpy().tolist(),
                  "dL_dW": W.grad.numpy().tolist()}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Forward pass", r"h = W^\top x,\; u = W'^\top h,\; "
                 r"\hat y = \mathrm{softmax}(u),\; L = -y^\top\log\hat y", {},
                 {"h": h.numpy().tolist(), "u": u.numpy().tolist(),
                  r"\hat y": y_hat.numpy().tolist(), "L": loss.item()}),
            Step("Gradient at the scores", r"\partial L/\partial u = \hat y - y",
                 {"dL_du": values["dL_du"]}),
            Step("Output weights", r"\partial L/\partial W' = h\,(\hat y - y)^\top",
                 {"dL_dW_prime": values["dL_dW_prime"]}),
            Step("Input weights", r"\partial L/\partial W = x\,\big(W'(\hat y - y)\big)^\top",
                 {"dL_dW": values["dL_dW"]}),
        ])
