"""``obd-saliency``: Optimal Brain Damage on a linear model.

For the loss L(w) = 1/(2n)·Σᵢ (yᵢ − xᵢᵀw)² the Hessian is (1/n)·XᵀX, so::

    hₖₖ = (1/n) Σᵢ xᵢₖ²                  (the Hessian's diagonal)
    sₖ = ½ · hₖₖ · wₖ²                   (the saliency: the loss increase if wₖ is deleted,
                                           off-diagonal terms neglected)
    OBD removes first the weight with the smallest sₖ

The solver calls ``tamrin.prune.obd_saliencies`` and ``hessian_diagonal`` on a
``Linear(d, 1, bias=False)`` model with this loss (exact central differences of autograd
gradients) and asserts the formulas agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import nn, prune
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
from tamrin.nn import functional as F
from tamrin.tensor import Tensor


def by_hand(p: Params, *, half: bool = True, criterion: str = "saliency") -> dict[str, object]:
    """The formulas of the module docstring — or mistaken: ``half=False`` (sₖ = hₖₖ·wₖ²),
    ``criterion="magnitude"`` (the smallest |wₖ| removed first, as magnitude pruning)."""
    X, w = np.asarray(p["X"], float), np.asarray(p["w"], float)
    h = (X * X).mean(axis=0)
    s = (0.5 if half else 1.0) * h * w * w
    first = np.argmin(s if criterion == "saliency" else np.abs(w))
    return {"hessian_diag": h.tolist(), "saliency": s.tolist(), "pruned": int(first) + 1}


def _half_mse(prediction: Tensor, target: Tensor) -> Tensor:
    """L = 1/(2n)·Σ(y − ŷ)²."""
    return 0.5 * F.mse_loss(prediction, target)


class ObdSaliency(Problem):
    id = "obd-saliency"
    title = "Optimal Brain Damage: saliencies of a linear model"
    summary = "Hessian diagonal, saliencies ½·hₖₖ·wₖ² and the first weight OBD prunes"
    parameters = {"X": Param("array", -1000, 1000, ndim=2, max_len=12),
                  "y": Param("array", -1000, 1000, ndim=1, max_len=12),
                  "w": Param("array", -1000, 1000, ndim=1, max_len=12)}
    mistakes = (
        Mistake("missing_half",
                "the ½ was dropped: deleting wₖ changes the loss by ½·hₖₖ·wₖ² (the quadratic "
                "term of the Taylor expansion)",
                partial(by_hand, half=False)),
        Mistake("magnitude_pruning",
                "the smallest weight was pruned; OBD prunes the smallest saliency ½·hₖₖ·wₖ², "
                "so a small weight along a steep direction may stay",
                partial(by_hand, criterion="magnitude")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        n, d = int(rng.integers(3, 6)), 3
        X = np.round(rng.uniform(-2, 2, (n, d)) * rng.choice([0.5, 1, 3], d), 1)
        return {"X": X.tolist(), "y": tex.decimals(rng, -2, 2, n, places=1),
                "w": tex.decimals(rng, -1.5, 1.5, d, places=1)}

    def course(self) -> Params:
        """Fixed numbers: the large weight on a flat feature goes first."""
        return {"X": [[0.1, 2.0, 1.0], [-0.2, 1.0, -1.0], [0.1, -3.0, 0.5], [0.2, 2.0, -0.5]],
                "y": [1.0, 0.5, -1.0, 1.5], "w": [1.2, 0.3, -0.5]}

    def check_consistency(self, params: Params) -> None:
        n, d = np.shape(params["X"])
        if len(params["y"]) != n or len(params["w"]) != d:
            raise ParameterProblem("X", "X must be n×d with y of n and w of d entries")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        s = np.sort(np.asarray(solution.values["saliency"]))
        return bool(s[0] > 0 and s[1] > 1.2 * s[0])

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("hessian_diag", r"the Hessian diagonal $h_{kk}$", "array"),
                Quantity("saliency", r"the saliencies $s_k$", "array"),
                Quantity("pruned", "which weight OBD removes first (its number k, from 1)")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(r"A linear model $\hat y = x^\top w$ (no bias) trained with "
                          r"$L(w) = \frac{1}{2n}\sum_i (y_i - x_i^\top w)^2$ has reached"),
                Formula(rf"X = {tex.matrix(params['X'])},\quad y = {tex.matrix(params['y'])}"
                        rf",\quad w = {tex.matrix(params['w'])}"),
                Paragraph("Give the diagonal of the Hessian of $L$, the OBD saliency of each "
                          "weight, and the number k of the weight OBD removes first.")]

    def compute(self, params: Params) -> Solution:
        X, w = np.asarray(params["X"], float), np.asarray(params["w"], float)
        model = nn.Linear(len(w), 1, bias=False).double()
        model.weight.numpy()[...] = w[None]
        data = (f64(X), f64(np.asarray(params["y"])[:, None]))
        ref = (model, "weight")
        h = prune.hessian_diagonal(model, _half_mse, data, [ref])[ref][0]
        s = prune.obd_saliencies(model, _half_mse, data, [ref])[ref][0]
        values = {"hessian_diag": h.tolist(), "saliency": s.tolist(),
                  "pruned": int(np.argmin(s)) + 1}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Hessian diagonal", r"h_{kk} = \frac{\partial^2 L}{\partial w_k^2} = "
                 r"\frac1n\sum_i x_{ik}^2", {"hessian_diag": values["hessian_diag"]}),
            Step("Saliencies", r"s_k = \tfrac12\,h_{kk}\,w_k^2", {"saliency": values["saliency"]}),
            Step("Pruned first", r"k = \arg\min_k s_k", {"pruned": values["pruned"]}),
        ])
