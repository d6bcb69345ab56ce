"""``grad-cam-weights``: the Grad-CAM weights and map of a class score.

The last conv layer's K feature maps Aᵏ (h×w, after its ReLU) feed a linear class score
yᶜ = Σₖ Σᵢⱼ Vᵏᵢⱼ·Aᵏᵢⱼ (V: the score's weights, one h×w plane per map)::

    αₖ = (1/Z) Σᵢⱼ ∂yᶜ/∂Aᵏᵢⱼ = (1/Z) Σᵢⱼ Vᵏᵢⱼ       Z = h·w positions
    map = ReLU(Σₖ αₖ Aᵏ)                             (before upsampling)

The solver runs ``tamrin.explain.GradCAM`` on the network ReLU → Flatten → Linear (the
ReLU is the target layer, so its output is A) and asserts the formulas agree.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from tamrin import nn
from tamrin.explain import GradCAM
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
from tamrin.homework.problems._common import agree


def by_hand(p: Params, *, average: bool = True, relu: bool = True) -> dict[str, list]:
    """α and the map by the formulas — or mistaken: ``average=False`` (α as the sum over
    positions, not the mean), ``relu=False`` (the map without its ReLU)."""
    A, V = np.asarray(p["A"], float), np.asarray(p["V"], float)
    alpha = V.sum(axis=(1, 2)) / (V[0].size if average else 1)
    cam = np.einsum("k,kij->ij", alpha, A)
    return {"alpha": alpha.tolist(), "cam": (np.maximum(cam, 0) if relu else cam).tolist()}


class GradCamWeights(Problem):
    id = "grad-cam-weights"
    title = "Grad-CAM: the weights of the feature maps"
    summary = "αₖ (mean gradient of the class score over map k) and the map ReLU(Σ αₖAᵏ)"
    parameters = {"A": Param("array", 0, 1000, ndim=3, max_len=8),
                  "V": Param("array", -1000, 1000, ndim=3, max_len=8)}
    mistakes = (
        Mistake("sum_instead_of_mean",
                "the gradient was summed over the positions; αₖ is its mean, "
                "(1/Z)·Σᵢⱼ ∂yᶜ/∂Aᵏᵢⱼ",
                partial(by_hand, average=False)),
        Mistake("no_relu",
                "the map lost its ReLU; Grad-CAM keeps only the positive evidence for the "
                "class: ReLU(Σₖ αₖAᵏ)",
                partial(by_hand, relu=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        k, size = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        return {"A": tex.integers(rng, 0, 5, (k, size, size)),
                "V": tex.decimals(rng, -1, 1, (k, size, size), places=1)}

    def course(self) -> Params:
        """Fixed numbers: two 3×3 maps."""
        return {"A": [[[1, 0, 2], [3, 1, 0], [0, 2, 4]], [[0, 2, 1], [1, 0, 3], [2, 1, 0]]],
                "V": [[[0.2, -0.1, 0.3], [0.0, 0.4, -0.2], [0.1, 0.1, 0.2]],
                      [[-0.3, 0.1, -0.2], [-0.1, -0.4, 0.0], [-0.2, 0.1, -0.3]]]}

    def check_consistency(self, params: Params) -> None:
        if np.shape(params["V"]) != np.shape(params["A"]):
            raise ParameterProblem("V", f"must have A's shape {np.shape(params['A'])}")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        cam = np.asarray(by_hand(params, relu=False)["cam"])
        return bool(cam.max() >= 0.1 and cam.min() <= -0.1)  # both signs, clearly

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("alpha", r"the weights $\alpha_k$ (one per map)", "array"),
                Quantity("cam", "the Grad-CAM map (before upsampling)", "array")]

    def statement(self, params: Params) -> list[Block]:
        k, h, w = np.shape(params["A"])
        maps = ",\\quad ".join(f"A^{i + 1} = {tex.matrix(a)}" for i, a in enumerate(params["A"]))
        weights = ",\\quad ".join(f"V^{i + 1} = {tex.matrix(v)}"
                                  for i, v in enumerate(params["V"]))
        return [Paragraph(f"The last conv layer of a CNN gives {k} feature maps of {h}×{w} "
                          "(after its ReLU), and the score of class c is linear in them: "
                          r"$y^c = \sum_k\sum_{ij} V^k_{ij} A^k_{ij}$."),
                Formula(maps), Formula(weights),
                Paragraph(r"Give the Grad-CAM weights $\alpha_k$ and the map "
                          r"$\mathrm{ReLU}(\sum_k \alpha_k A^k)$ before upsampling.")]

    def compute(self, params: Params) -> Solution:
        A, V = np.asarray(params["A"], float), np.asarray(params["V"], float)
        target = nn.ReLU()
        model = nn.Sequential(target, nn.Flatten(), nn.Linear(V.size, 1, bias=False)).double()
        model[2].weight.numpy()[...] = V.reshape(1, -1)
        with GradCAM(model.eval(), target) as cam:
            maps = cam(A[None], class_idx=0, upsample=False, normalize=False)
            alpha = cam.weights[0]
        values = {"alpha": alpha.tolist(), "cam": maps[0].tolist()}
        agree(self.id, values, by_hand(params))
        return Solution(values, [
            Step("Gradient of the score", r"\frac{\partial y^c}{\partial A^k_{ij}} = V^k_{ij}",
                 {}),
            Step("Weights", r"\alpha_k = \frac{1}{Z}\sum_{ij}\frac{\partial y^c}"
                 r"{\partial A^k_{ij}},\quad Z = " + str(V[0].size), {"alpha": values["alpha"]}),
            Step("Map", r"\mathrm{ReLU}\Big(\sum_k \alpha_k A^k\Big)", {"cam": values["cam"]},
                 {r"\sum_k \alpha_k A^k": by_hand(params, relu=False)["cam"]}),
        ])
