"""``softmax-ce-gradient``: softmax, cross-entropy and its gradient at the logits.

For logits z (K classes) and the true class c (y one-hot)::

    pᵢ = e^(zᵢ) / Σⱼ e^(zⱼ)
    L = −log p_c                        (natural log)
    ∂L/∂zᵢ = Σⱼ ∂L/∂pⱼ · ∂pⱼ/∂zᵢ = pᵢ − yᵢ      (with ∂pⱼ/∂zᵢ = pⱼ(δᵢⱼ − pᵢ))

The solver runs ``tamrin.nn.functional.cross_entropy`` backward and asserts p − y agrees.
"""

from __future__ import annotations

from functools import partial

import numpy as np

import tamrin
from tamrin.homework import tex
from tamrin.homework.document import Block, Paragraph
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


def by_hand(p: Params, *, gradient: str = "p - y", log: str = "natural") -> dict[str, object]:
    """The formulas of the module docstring — or mistaken: ``gradient="y - p"`` (sign
    flipped), ``gradient="diagonal"`` (only the Jacobian's diagonal pᵢ(1 − pᵢ): the other
    classes get 0), ``log="10"`` (the loss with log₁₀)."""
    z = np.asarray(p["z"], float)
    probs = np.exp(z - z.max())
    probs /= probs.sum()
    y = np.eye(len(z))[p["target"]]
    grad = {"p - y": probs - y, "y - p": y - probs,
            "diagonal": -y / probs * probs * (1 - probs)}[gradient]
    loss = -np.log(probs[p["target"]]) / (np.log(10) if log == "10" else 1.0)
    return {"probabilities": probs.tolist(), "loss": float(loss), "dL_dz": grad.tolist()}


class SoftmaxCeGradient(Problem):
    id = "softmax-ce-gradient"
    title = "Softmax and cross-entropy: the gradient at the logits"
    summary = "softmax probabilities, cross-entropy and ∂L/∂z = p − y for given logits"
    parameters = {"z": Param("array", -50, 50, ndim=1, max_len=10),
                  "target": Param("integer", 0, 9)}
    mistakes = (
        Mistake("sign_flipped",
                "the gradient's sign was flipped: ∂L/∂z = p − y (raising the true class's "
                "logit lowers the loss)",
                partial(by_hand, gradient="y - p")),
        Mistake("jacobian_diagonal_only",
                "only the softmax Jacobian's diagonal was used; every pⱼ depends on every zᵢ "
                "(∂pⱼ/∂zᵢ = pⱼ(δᵢⱼ − pᵢ)), which gives ∂L/∂zᵢ = pᵢ − yᵢ for every class",
                partial(by_hand, gradient="diagonal")),
        Mistake("log_base_10",
                "the loss used log₁₀; cross-entropy uses the natural logarithm, L = −ln p_c",
                partial(by_hand, log="10")),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        k = int(rng.integers(3, 6))
        return {"z": tex.decimals(rng, -2, 2, k, places=1), "target": int(rng.integers(0, k))}

    def course(self) -> Params:
        """Fixed logits for three classes."""
        return {"z": [2.0, 1.0, 0.1], "target": 0}

    def check_consistency(self, params: Params) -> None:
        if params["target"] >= len(params["z"]):
            raise ParameterProblem("target", f"must be a class index below {len(params['z'])}")

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("probabilities", r"the softmax probabilities $p$", "array"),
                Quantity("loss", r"the cross-entropy $L = -\ln p_c$"),
                Quantity("dL_dz", r"the gradient $\partial L/\partial z$", "array")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph(f"A classifier outputs the logits $z = {tex.row(params['z'])}$ for "
                          f"{len(params['z'])} classes (numbered from 0); the true class is "
                          f"$c = {params['target']}$. With $p = \\mathrm{{softmax}}(z)$ and the "
                          r"cross-entropy $L = -\sum_i y_i \ln p_i$ ($y$ one-hot), give $p$, "
                          r"$L$ and $\partial L/\partial z$.")]

    def compute(self, params: Params) -> Solution:
        z = f64(np.asarray(params["z"])[None], requires_grad=True)
        loss = F.cross_entropy(z, tamrin.tensor([params["target"]]))
        loss.backward()
        probs = tamrin.softmax(z.detach(), dim=1).numpy()[0]
        values = {"probabilities": probs.tolist(), "loss": loss.item(),
                  "dL_dz": z.grad.numpy()[0].tolist()}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Softmax", r"p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
                 {"probabilities": values["probabilities"]}),
            Step("Cross-entropy", r"L = -\ln p_c", {"loss": values["loss"]}),
            Step("Gradient", r"\frac{\partial L}{\partial z_i} = \sum_j \frac{\partial L}"
                 r"{\partial p_j}\,p_j(\delta_{ij} - p_i) = p_i - y_i", {"dL_dz": values["dL_dz"]}),
        ])
