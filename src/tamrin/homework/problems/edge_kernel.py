"""``edge-kernel``: an edge kernel applied to a small image, as a conv layer does it.

A conv layer cross-correlates (no padding, stride 1)::

    out(i, j) = Σₖ Σₗ image(i + k, j + l) · kernel(k, l)      out: (H − K + 1) × (W − K + 1)

A *true* convolution flips the kernel first (kernel(K−1−k, K−1−l)); taking it for what the
layer computes is the mistake. The solver runs ``tamrin.nn.functional.conv2d`` and asserts
that the sum above agrees.
"""

from __future__ import annotations

from functools import partial

import numpy as np

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

EDGE_KERNELS = {  # the classic 3×3 edge detectors (vertical; transposed for horizontal)
    "Prewitt": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "Sobel": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
}


def by_hand(p: Params, *, flip: bool = False) -> dict[str, list]:
    """out(i, j) = Σₖₗ image(i + k, j + l)·kernel(k, l); with ``flip`` the kernel is rotated
    by 180° first (a true convolution: the mistake)."""
    image, kernel = np.asarray(p["image"], float), np.asarray(p["kernel"], float)
    if flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel)
                     for j in range(image.shape[1] - kw + 1)]
                    for i in range(image.shape[0] - kh + 1)])
    return {"output": out.tolist()}


class EdgeKernel(Problem):
    id = "edge-kernel"
    title = "An edge kernel on an image"
    summary = "the feature map of a 3×3 edge kernel on a small image (cross-correlation)"
    parameters = {"image": Param("array", -1000, 1000, ndim=2, max_len=12),
                  "kernel": Param("array", -1000, 1000, ndim=2, max_len=5)}
    mistakes = (
        Mistake("flipped_kernel",
                "the kernel was flipped (a true convolution); a conv layer cross-correlates: "
                "out(i, j) = Σ image(i + k, j + l)·kernel(k, l), kernel as written",
                partial(by_hand, flip=True)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        h, w = (int(n) for n in rng.integers(5, 8, size=2))
        low, high = sorted(int(v) for v in rng.choice(11, size=2, replace=False))
        image = np.full((h, w), high)
        if rng.random() < 0.5:
            image[:, int(rng.integers(1, w)):] = low
        else:
            image[int(rng.integers(1, h)):, :] = low
        image = image + rng.integers(0, 3, size=(h, w))
        if rng.random() < 0.5:
            kernel = np.array(EDGE_KERNELS[str(rng.choice(list(EDGE_KERNELS)))])
            kernel = kernel.T if rng.random() < 0.5 else kernel
            kernel = -kernel if rng.random() < 0.5 else kernel
        else:
            kernel = rng.integers(-2, 3, size=(3, 3))
        return {"image": image.tolist(), "kernel": kernel.tolist()}

    def course(self) -> Params:
        """E2 of docs/course.md: left half 10, right half 0; the vertical kernel."""
        return {"image": [[10, 10, 10, 0, 0, 0]] * 6, "kernel": EDGE_KERNELS["Prewitt"]}

    def check_consistency(self, params: Params) -> None:
        image, kernel = np.shape(params["image"]), np.shape(params["kernel"])
        if kernel[0] > image[0] or kernel[1] > image[1]:
            raise ParameterProblem("kernel", f"the kernel {kernel} is larger than the image "
                                             f"{image}")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        return bool(np.any(np.asarray(solution.values["output"]) != 0))

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("output", "the feature map (rows)", "array")]

    def statement(self, params: Params) -> list[Block]:
        return [Paragraph("A conv layer with one filter, no padding and stride 1 is applied "
                          "to the image $X$ with the kernel $K$:"),
                Formula(rf"X = {tex.matrix(params['image'])},\qquad "
                        rf"K = {tex.matrix(params['kernel'])}"),
                Paragraph("Give the output feature map, as the layer computes it.")]

    def compute(self, params: Params) -> Solution:
        image, kernel = np.asarray(params["image"]), np.asarray(params["kernel"])
        out = F.conv2d(f64(image[None, None]), f64(kernel[None, None])).numpy()[0, 0]
        values = {"output": out.tolist()}
        agree(self.id, values, by_hand(params))
        kh, kw = kernel.shape
        step = Step("Cross-correlation (what a conv layer computes)",
                    rf"\mathrm{{out}}(i, j) = \sum_{{k=0}}^{{{kh - 1}}}\sum_{{l=0}}^{{{kw - 1}}} "
                    r"X(i + k,\, j + l)\, K(k, l)", values,
                    {r"\mathrm{out}(0, 0)": out[0, 0]})
        return Solution(values, [step])
