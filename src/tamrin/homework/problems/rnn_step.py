"""``rnn-step``: two time steps of a recurrent cell::

    hₜ = tanh(W xₜ + U hₜ₋₁ + b),    t = 1, 2, from the given h₀

The solver runs a ``tamrin.nn.RNNCell`` (weight_ih = W, weight_hh = U, bias_ih = b,
bias_hh = 0) and asserts the formula agrees.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import nn
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

SATURATION = 2.0  # |pre-activation| ≤ 2 in a drawn variant: tanh is not flat


def by_hand(p: Params, *, recurrence: bool = True, activation: bool = True) -> dict[str, list]:
    """h₁, h₂ by the formula — or mistaken: ``recurrence=False`` (U hₜ₋₁ left out),
    ``activation=False`` (no tanh)."""
    W, U, b, h = (np.asarray(p[k], float) for k in ("W", "U", "b", "h0"))
    out = {}
    for t, x in enumerate(p["xs"], start=1):
        z = W @ np.asarray(x, float) + b + (U @ h if recurrence else 0.0)
        h = np.tanh(z) if activation else z
        out[f"h{t}"] = h.tolist()
    return out


def _preactivations(p: Params) -> list[np.ndarray]:
    W, U, b, h = (np.asarray(p[k], float) for k in ("W", "U", "b", "h0"))
    zs = []
    for x in p["xs"]:
        zs.append(W @ np.asarray(x, float) + U @ h + b)
        h = np.tanh(zs[-1])
    return zs


class RnnStep(Problem):
    id = "rnn-step"
    title = "Two steps of a recurrent cell"
    summary = "hidden states h₁, h₂ of hₜ = tanh(W xₜ + U hₜ₋₁ + b)"
    parameters = {"W": Param("array", -100, 100, ndim=2, max_len=8),
                  "U": Param("array", -100, 100, ndim=2, max_len=8),
                  "b": Param("array", -100, 100, ndim=1, max_len=8),
                  "h0": Param("array", -100, 100, ndim=1, max_len=8),
                  "xs": Param("array", -100, 100, ndim=2, max_len=8)}
    mistakes = (
        Mistake("previous_state_ignored",
                "the previous hidden state was left out; the recurrence is "
                "hₜ = tanh(W xₜ + U hₜ₋₁ + b)",
                partial(by_hand, recurrence=False)),
        Mistake("activation_forgotten",
                "the tanh was forgotten: hₜ = tanh(W xₜ + U hₜ₋₁ + b), not the "
                "pre-activation itself",
                partial(by_hand, activation=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        hidden, inputs = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        d = partial(tex.decimals, rng, places=1)
        return {"W": d(-1, 1, (hidden, inputs)), "U": d(-1, 1, (hidden, hidden)),
                "b": d(-0.5, 0.5, hidden), "h0": d(-1, 1, hidden),
                "xs": d(-1, 1, (2, inputs))}

    def course(self) -> Params:
        """Fixed numbers: two hidden units, one input."""
        return {"W": [[0.5], [-0.3]], "U": [[0.1, 0.4], [-0.2, 0.3]], "b": [0.1, -0.1],
                "h0": [0.5, -0.5], "xs": [[1.0], [-1.0]]}

    def check_consistency(self, params: Params) -> None:
        hidden, inputs = np.shape(params["W"])
        checks = {"U": np.shape(params["U"]) == (hidden, hidden),
                  "b": len(params["b"]) == hidden, "h0": len(params["h0"]) == hidden,
                  "xs": np.shape(params["xs"]) == (2, inputs)}
        for key, ok in checks.items():
            if not ok:
                raise ParameterProblem(key, f"does not fit W ({hidden}×{inputs}): U is H×H, "
                                            "b and h0 have H entries, xs is 2×D")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        return bool(np.abs(np.concatenate(_preactivations(params))).max() <= SATURATION)

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("h1", "the hidden state $h_1$", "array"),
                Quantity("h2", "the hidden state $h_2$", "array")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(r"A recurrent cell computes $h_t = \tanh(W x_t + U h_{t-1} + b)$ "
                          "with"),
                Formula(rf"W = {tex.matrix(params['W'])},\quad U = {tex.matrix(params['U'])}"
                        rf",\quad b = {tex.matrix(params['b'])},\quad h_0 = "
                        rf"{tex.matrix(params['h0'])}"),
                Paragraph(f"on the inputs $x_1 = {tex.row(params['xs'][0])}$, "
                          f"$x_2 = {tex.row(params['xs'][1])}$. Give $h_1$ and $h_2$.")]

    def compute(self, params: Params) -> Solution:
        W = np.asarray(params["W"], float)
        cell = nn.RNNCell(W.shape[1], W.shape[0]).double()
        for name, value in (("weight_ih", W), ("weight_hh", params["U"]),
                            ("bias_ih", params["b"]), ("bias_hh", 0.0)):
            getattr(cell, name).numpy()[...] = value
        h, values, steps = f64(params["h0"])[None], {}, []
        for t, (x, z) in enumerate(zip(params["xs"], _preactivations(params)), start=1):
            h = cell(f64(x)[None], h)
            values[f"h{t}"] = h.numpy()[0].tolist()
            steps.append(Step(f"Step {t}", rf"h_{t} = \tanh(W x_{t} + U h_{t - 1} + b)",
                              {f"h{t}": values[f"h{t}"]},
                              {rf"W x_{t} + U h_{t - 1} + b": z.tolist()}))
        agree(self.id, values, by_hand(params))
        return Solution(values, steps)
