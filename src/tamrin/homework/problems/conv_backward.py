"""``conv-backward``: the gradients of a strided convolution, by the course's formulas.

For O(f, i, j) = Σ_c Σ_k Σ_l w(f, c, k, l)·x(c, S·i + k, S·j + l) (no padding, no bias)
and the upstream gradient dO = ∂L/∂O::

    dW(f, c, k, l) = Σᵢ Σⱼ x(c, S·i + k, S·j + l) · dO(f, i, j)
    dX(c, p, q)    = Σ_f Σᵢ Σⱼ w(f, c, p − S·i, q − S·j) · dO(f, i, j)    (w = 0 outside the
                                                                          kernel)

The solver calls ``backward`` on ``tamrin.nn.functional.conv2d`` and asserts that these
sums agree.
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


def _out_size(n: int, k: int, s: int) -> int:
    return (n - k) // s + 1


def by_hand(p: Params, *, offset: bool = True, dw_stride: bool = True) -> dict[str, list]:
    """dX and dW by the sums of the module docstring — or mistaken: ``offset=False`` takes
    ∂O(f,i,j)/∂x(c,p,q) as w(f,c,p,q) at every position; ``dw_stride=False`` reads
    x(c, i + k, j + l) as if the stride were 1."""
    x, w, dy, s = (np.asarray(p[k], float) for k in ("x", "w", "dy", "stride"))
    s = int(s)
    n_f, n_c, k, _ = w.shape
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    step = s if dw_stride else 1
    for f in range(n_f):
        for i in range(dy.shape[1]):
            for j in range(dy.shape[2]):
                g = dy[f, i, j]
                dw[f] += g * x[:, step * i:step * i + k, step * j:step * j + k]
                if offset:
                    dx[:, s * i:s * i + k, s * j:s * j + k] += g * w[f]
                else:
                    dx[:, :k, :k] += g * w[f]
    return {"dx": dx.tolist(), "dw": dw.tolist()}


class ConvBackward(Problem):
    id = "conv-backward"
    title = "Backward pass of a strided convolution"
    summary = "dX and dW of a conv layer with stride S, from the upstream gradient dO"
    parameters = {"x": Param("array", -1000, 1000, ndim=3, max_len=12),
                  "w": Param("array", -1000, 1000, ndim=4, max_len=6),
                  "stride": Param("integer", 1, 4),
                  "dy": Param("array", -1000, 1000, ndim=3, max_len=12)}
    mistakes = (
        Mistake("dx_without_offset",
                "∂O(f,i,j)/∂x(c,p,q) was taken as w(f,c,p,q) at every output position; it is "
                "w(f,c,p − S·i, q − S·j): each output position sees x through a shifted kernel",
                partial(by_hand, offset=False)),
        Mistake("dw_ignores_stride",
                "dW summed x(c, i + k, j + l)·dO(f, i, j) as if the stride were 1; with stride "
                "S output (i, j) reads x(c, S·i + k, S·j + l)",
                partial(by_hand, dw_stride=False)),
    )

    def sample(self, rng: np.random.Generator) -> Params:
        n_c, n_f = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        k, s = int(rng.choice([2, 3])), int(rng.choice([2, 2, 3]))
        size = int(rng.integers(k + s, 8))
        out = _out_size(size, k, s)
        return {"x": tex.integers(rng, -3, 3, (n_c, size, size)),
                "w": tex.integers(rng, -2, 2, (n_f, n_c, k, k), nonzero=True),
                "stride": s, "dy": tex.integers(rng, -2, 2, (n_f, out, out), nonzero=True)}

    def course(self) -> Params:
        """Fixed numbers (the course gives the formulas, claim 24, not an example)."""
        x = np.arange(1, 26).reshape(1, 5, 5) % 7
        return {"x": x.tolist(), "w": [[[[1, 0, -1], [2, 1, 0], [0, -1, 1]]]], "stride": 2,
                "dy": [[[1, -1], [2, 1]]]}

    def check_consistency(self, params: Params) -> None:
        x, w, dy = (np.shape(params[k]) for k in ("x", "w", "dy"))
        if w[1] != x[0] or w[2] != w[3] or w[2] > min(x[1:]):
            raise ParameterProblem("w", f"w {w} must be F×C×K×K with C = {x[0]} and K at most "
                                        "the image size")
        out = (w[0], *(_out_size(n, w[2], params["stride"]) for n in x[1:]))
        if dy != out:
            raise ParameterProblem("dy", f"dy must have the output's shape {out}, got {dy}")

    def well_conditioned(self, params: Params, solution: Solution) -> bool:
        return all(np.any(np.asarray(solution.values[k]) != 0) for k in ("dx", "dw"))

    def quantities(self, params: Params) -> list[Quantity]:
        return [Quantity("dx", r"$\partial L/\partial x$, shape $C\times H\times W$", "array"),
                Quantity("dw", r"$\partial L/\partial w$, shape $F\times C\times K\times K$",
                         "array")]

    def statement(self, params: Params) -> list[Block]:
        s = params["stride"]
        blocks = [Paragraph(f"A convolution (cross-correlation) with stride $S = {s}$, no "
                            "padding and no bias maps $x$ ($C\\times H\\times W$) with filters "
                            "$w$ ($F\\times C\\times K\\times K$) to "
                            rf"$O(f,i,j) = \sum_{{c,k,l}} w(f,c,k,l)\,x(c, {s}i + k, {s}j + l)$. "
                            r"The gradient $dO = \partial L/\partial O$ arrives from above.")]
        for name, label in (("x", "x"), ("w", "w"), ("dy", "dO")):
            array = np.asarray(params[name])
            blocks.append(Formula(",\\quad ".join(
                f"{label}({', '.join(map(str, idx))}, \\cdot, \\cdot) = {tex.matrix(a)}"
                for idx, a in _planes(array))))
        return blocks + [Paragraph("Give $\\partial L/\\partial x$ and "
                                   "$\\partial L/\\partial w$ (nested arrays in the same "
                                   "index order).")]

    def compute(self, params: Params) -> Solution:
        x = f64(np.asarray(params["x"])[None], requires_grad=True)
        w = f64(params["w"], requires_grad=True)
        out = F.conv2d(x, w, stride=params["stride"])
        out.backward(f64(np.asarray(params["dy"])[None]))
        values = {"dx": x.grad.numpy()[0].tolist(), "dw": w.grad.numpy().tolist()}
        agree(self.id, values, by_hand(params))
        s = params["stride"]
        return Solution(values, [
            Step("Gradient of the filters",
                 rf"dW(f,c,k,l) = \sum_i\sum_j x(c,\,{s}i + k,\,{s}j + l)\; dO(f,i,j)",
                 {"dw": values["dw"]}),
            Step("Gradient of the input",
                 rf"dX(c,p,q) = \sum_f\sum_i\sum_j w(f,c,\,p - {s}i,\,q - {s}j)\; dO(f,i,j)"
                 r"\quad (w = 0 \text{ outside the kernel})", {"dx": values["dx"]}),
        ])


def _planes(array: np.ndarray) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """The 2-D planes of an array with their leading indices."""
    return [(idx, array[idx]) for idx in np.ndindex(*array.shape[:-2])]
