"""``noise-l2``: input noise is an L2 penalty — with the right coefficient.

For a squared-error loss L(w) = a·Σᵢ (yᵢ − xᵢᵀw)² over n samples and noisy inputs
xᵢ + δᵢ, δᵢ ~ N(0, σ²I)::

    E[(yᵢ − (xᵢ + δᵢ)ᵀw)²] = (yᵢ − xᵢᵀw)² + σ²‖w‖²      (E[δ] = 0, E[δδᵀ] = σ²I)
    E[L′(w)] = L(w) + c·σ²‖w‖²,   c = a·n               (= ½ for the course's a = 1/(2n))

Equivalently, since L is quadratic in the inputs, E[L(X + Δ)] = L(X) + ½σ²·tr ∇²ₓL: the
solver gets the Hessian's diagonal over the inputs from tamrin's autograd (the input
gradient is linear in X, so moving one input column by 1 changes it by exactly one
Hessian column) on a small fixed data set, divides ½·tr by ‖w‖², and asserts c = a·n.
"""

from __future__ import annotations

from fractions import Fraction
from functools import partial

import numpy as np

from tamrin.homework import tex
from tamrin.homework.document import Block, Formula, Paragraph
from tamrin.homework.problem import Mistake, Param, Params, Problem, Quantity, Solution, Step
from tamrin.homework.problems._common import agree, f64

LOSSES = ("1/(2n)", "1/n", "1/2", "1")  # the factor a in front of Σ(y − xᵀw)²


def scale(loss: str, n: int) -> float:
    """The factor a of the loss form (``"1/(2n)"`` → 1/(2n) …)."""
    return float(Fraction(loss.replace("(2n)", str(2 * n)).replace("n", str(n))))


def by_hand(p: Params, *, half: bool = True) -> dict[str, float]:
    """c = a·n — or, with the ½ of ½σ²·tr ∇²L dropped (the mistake), 2·a·n."""
    c = scale(p["loss"], p["n"]) * p["n"]
    return {"coefficient": c if half else 2 * c}


def _tex_loss(loss: str) -> str:
    factor = {"1/(2n)": r"\frac{1}{2n}", "1/n": r"\frac{1}{n}", "1/2": r"\frac12",
              "1": ""}[loss]
    return rf"L(w) = {factor}\sum_{{i=1}}^{{n}} (y_i - x_i^\top w)^2"


def _input_hessian_trace(a: float, n: int, seed: int = 0) -> tuple[float, float]:
    """(tr ∇²ₓL, ‖w‖²) for L = a·Σ(y − Xw)² on a fixed random data set of n rows, the
    Hessian diagonal taken column by column from autograd gradients."""
    rng = np.random.default_rng(seed)
    X, w, y = rng.normal(size=(n, 3)), rng.normal(size=3), rng.normal(size=n)

    def input_gradient(inputs: np.ndarray) -> np.ndarray:
        x = f64(inputs, requires_grad=True)
        residual = f64(y) - x @ f64(w)
        (a * (residual * residual).sum()).backward()
        return x.grad.numpy()

    base, trace = input_gradient(X), 0.0
    for j in range(X.shape[1]):
        shifted = X.copy()
        shifted[:, j] += 1.0
        trace += float((input_gradient(shifted) - base)[:, j].sum())
    return trace, float(w @ w)


class NoiseL2(Problem):
    id = "noise-l2"
    title = "Input noise is L2 regularisation"
    summary = "the coefficient c in E[L′] = L + c·σ²‖w‖² for noisy inputs of linear regression"
    parameters = {"loss": Param("text", choices=LOSSES), "n": Param("integer", 1, 1000),
                  "sigma": Param("number", 0, 1e6)}
    mistakes = (
        Mistake("dropped_half",
                "the ½ was dropped: for the 1/(2n) loss, E[L′] = L + (σ²/2)·‖w‖²; each "
                "sample's noise adds σ²‖w‖² to its squared error, times the loss's factor",
                partial(by_hand, half=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        return {"loss": str(rng.choice(LOSSES)), "n": int(rng.integers(5, 201)),
                "sigma": tex.decimals(rng, 0.05, 1.0)}

    def course(self) -> Params:
        """Claim 16: the 1/(2n) loss."""
        return {"loss": "1/(2n)", "n": 100, "sigma": 0.1}

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("coefficient",
                         r"$c$ in $E[L'(w)] = L(w) + c\,\sigma^2\lVert w\rVert^2$")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(f"Linear regression on n = {params['n']} samples with the loss"),
                Formula(_tex_loss(params["loss"])),
                Paragraph("is trained on noisy inputs $x_i + \\delta_i$, "
                          f"$\\delta_i \\sim N(0, \\sigma^2 I)$ with $\\sigma = "
                          f"{tex.number(params['sigma'])}$, giving the loss $L'(w)$. Find $c$ "
                          r"such that $E[L'(w)] = L(w) + c\,\sigma^2\lVert w\rVert^2$.")]

    def compute(self, params: Params) -> Solution:
        a, n = scale(params["loss"], params["n"]), params["n"]
        trace, w_sq = _input_hessian_trace(a, n)
        values = {"coefficient": 0.5 * trace / w_sq}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("One sample", r"E\big[(y - (x+\delta)^\top w)^2\big] = (y - x^\top w)^2 - "
                 r"2(y - x^\top w)\,E[\delta]^\top w + w^\top E[\delta\delta^\top] w = "
                 r"(y - x^\top w)^2 + \sigma^2\lVert w\rVert^2", {}),
            Step("The whole loss", rf"E[L'] = L + a\,n\,\sigma^2\lVert w\rVert^2,\quad a = "
                 rf"{tex.number(a)},\; n = {n}\quad\Big(= L + \tfrac{{\sigma^2}}{{2}}"
                 r"\operatorname{tr}\nabla_x^2 L\Big)", values, {"a": a}),
        ])
